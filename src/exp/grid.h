/* grid.h — the tasks of a run: (species, model, n, fold, repeat), the unit of scheduling,
 * resuming (and, later, sharding: the id is what a shard hash will use).
 *
 * Requested sizes are capped per species at the largest balanced size; sizes that collapse to
 * the same cap become one task that records every requested size it stands for. Task ids are
 * stable text ("coyote/svm/n0050/r0/f3") and tasks are listed in id order.
 */
#ifndef MLAC_EXP_GRID_H
#define MLAC_EXP_GRID_H

#include <stddef.h>
#include "core/error.h"
#include "dataset/dataset.h"
#include "exp/spec.h"
#include "ml/model.h"

typedef struct grid_task {
    char id[256];
    const species_data *sp;           /* borrowed from the dataset */
    const struct model_kind *kind;
    size_t n;                         /* n_effective: training clips per class */
    size_t requested[SPEC_MAX_SIZES]; /* the requested sizes this task answers */
    size_t n_requested;
    int fold, repeat;
} grid_task;

int grid_build(const exp_spec *spec, const dataset *data, grid_task **tasks, size_t *n_tasks, mlac_err *err);
/* The derived seed of a task's model. */
unsigned long long grid_task_seed(const grid_task *t, unsigned long long master);

#endif

/* run_plan.h — the plan of a run, said before any work: the grid per species and model, the
 * training sizes after capping with the reason, how many tasks are already done, reusable from
 * earlier runs or still to run, and an estimate of the time each model will take.
 *
 * The estimate comes from earlier tasks of the same model in the results store's ledgers
 * (train + predict seconds at the nearest measured size, scaled linearly with n; not scaled by
 * thread count): this machine's tasks when it has run any (the "machine" key of ledger lines,
 * core/machine.h), else other machines' tasks, and the plan line says which ("from 12 earlier svm
 * tasks on another machine"); a model with no earlier tasks says "no estimate" instead of
 * guessing. No calibration run is made.
 */
#ifndef MLAC_EXP_RUN_PLAN_H
#define MLAC_EXP_RUN_PLAN_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"
#include "dataset/dataset.h"
#include "exp/grid.h"
#include "exp/spec.h"
#include "exp/task_reuse.h"

enum plan_state { PLAN_OTHER_SHARD = 0, PLAN_DONE, PLAN_REUSE, PLAN_RUN };

/* Appends the plan text (lines ending in '\n') to out. state (n_tasks,) says what becomes of
 * each task; ix gives the time estimates (may be NULL), preferring the tasks of machine (the key
 * of this machine, core/machine.h). */
int run_plan_text(const exp_spec *spec, const dataset *data, const grid_task *tasks, size_t n_tasks,
                  const unsigned char *state, const task_index *ix, const char *machine, buf *out, mlac_err *err);

#endif

/* grid.c — expanding a spec into tasks (see grid.h). */
#include "exp/grid.h"
#include "core/rng.h"
#include "exp/folds.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_task(const void *a, const void *b)
{
    return strcmp(((const grid_task *)a)->id, ((const grid_task *)b)->id);
}

int grid_build(const exp_spec *spec, const dataset *data, grid_task **tasks, size_t *n_tasks, mlac_err *err)
{
    size_t cap = spec->species.n * spec->models.n * spec->n_sizes * (size_t)spec->folds * (size_t)spec->repeats;
    grid_task *t = calloc(cap ? cap : 1, sizeof *t);
    if (!t)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu tasks", cap);
    size_t n = 0;
    for (size_t s = 0; s < spec->species.n; s++) {
        const species_data *sp = dataset_find(data, spec->species.items[s]);
        if (!sp) {
            free(t);
            return mlac_errf(err, MLAC_EINVAL, "species: '%s' is not in the data", spec->species.items[s]);
        }
        size_t max_n = folds_max_balanced(sp, spec->folds, spec->seed, spec->repeats);
        for (size_t m = 0; m < spec->models.n; m++) {
            const struct model_kind *kind = model_find(spec->models.items[m]);
            if (!kind) {
                free(t);
                return mlac_errf(err, MLAC_EINVAL, "models: unknown model '%s'", spec->models.items[m]);
            }
            for (size_t z = 0; z < spec->n_sizes; z++) {
                size_t eff = spec->sizes[z] < max_n ? spec->sizes[z] : max_n;
                /* a size that collapses onto the previous size's cap joins its tasks */
                if (z > 0 && (spec->sizes[z - 1] < max_n ? spec->sizes[z - 1] : max_n) == eff) {
                    size_t per = (size_t)spec->folds * (size_t)spec->repeats;
                    for (size_t k = n - per; k < n; k++)
                        t[k].requested[t[k].n_requested++] = spec->sizes[z];
                    continue;
                }
                for (int r = 0; r < spec->repeats; r++)
                    for (int f = 0; f < spec->folds; f++) {
                        grid_task *x = &t[n++];
                        snprintf(x->id, sizeof x->id, "%s/%s/n%05zu/r%d/f%d", sp->name, kind->name, eff, r, f);
                        x->sp = sp;
                        x->kind = kind;
                        x->n = eff;
                        x->requested[0] = spec->sizes[z];
                        x->n_requested = 1;
                        x->fold = f;
                        x->repeat = r;
                    }
            }
        }
    }
    qsort(t, n, sizeof *t, cmp_task);
    *tasks = t;
    *n_tasks = n;
    return MLAC_OK;
}

unsigned long long grid_task_seed(const grid_task *t, unsigned long long master)
{
    char key[300];
    snprintf(key, sizeof key, "model/%s", t->id);
    return rng_derive_seed(master, key);
}

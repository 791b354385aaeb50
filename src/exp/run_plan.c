/* run_plan.c — the plan text of a run (see run_plan.h). */
#include "exp/run_plan.h"
#include "exp/folds.h"

#include <stdio.h>
#include <string.h>

static void seconds_text(double s, char *out, size_t n)
{
    if (s < 0)
        snprintf(out, n, "?");
    else if (s < 1)
        snprintf(out, n, "%.2f s", s);
    else if (s < 60)
        snprintf(out, n, "%.1f s", s);
    else if (s < 3600)
        snprintf(out, n, "%.1f min", s / 60);
    else
        snprintf(out, n, "%.1f h", s / 3600);
}

static int run_plan_sizes(const exp_spec *spec, const species_data *sp, buf *out, mlac_err *err)
{
    size_t max_n = folds_max_balanced(sp, spec->folds, spec->seed, spec->repeats);
    int rc = buf_puts(out, "    training sizes:", err);
    int capped = 0;
    for (size_t z = 0; !rc && z < spec->n_sizes; z++) {
        size_t req = spec->sizes[z];
        if (req <= max_n)
            rc = buf_printf(out, err, " %zu", req);
        else
            rc = buf_printf(out, err, " %zu -> %zu", req, max_n), capped = 1;
        if (!rc && z + 1 < spec->n_sizes)
            rc = buf_puts(out, ",", err);
    }
    if (!rc && capped)
        rc = buf_printf(out, err, " (capped: only %zu positives and %zu negatives with %d folds%s allow at most %zu "
                        "clips per class for training)", sp->n_pos, sp->n_neg, spec->folds,
                        sp->n_groups ? " and grouped clips" : "", max_n);
    if (!rc)
        rc = buf_puts(out, "\n", err);
    return rc;
}

typedef struct model_count {
    size_t total, done, reuse, run;
    double seconds;        /* estimated seconds of the tasks to run, < 0 unknown */
    task_time_basis basis; /* the earlier tasks the estimate comes from (task_reuse.h) */
} model_count;

static void count_model(const grid_task *tasks, size_t n_tasks, const unsigned char *state, const char *species,
                        const char *model, const task_index *ix, const char *machine, model_count *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < n_tasks; i++) {
        const grid_task *t = &tasks[i];
        if (state[i] == PLAN_OTHER_SHARD || strcmp(t->sp->name, species) || strcmp(t->kind->name, model))
            continue;
        c->total++;
        c->done += state[i] == PLAN_DONE;
        c->reuse += state[i] == PLAN_REUSE;
        if (state[i] != PLAN_RUN)
            continue;
        c->run++;
        task_time_basis basis = {0};
        double s = ix ? task_index_seconds(ix, model, t->n, machine, &basis) : -1;
        c->basis = basis; /* the same for every n of the model: the scope is chosen by machine */
        if (s < 0 || c->seconds < 0)
            c->seconds = -1;
        else
            c->seconds += s;
    }
}

static const char *const basis_where[] = {"on this machine", "on another machine", "on other machines"};

int run_plan_text(const exp_spec *spec, const dataset *data, const grid_task *tasks, size_t n_tasks,
                  const unsigned char *state, const task_index *ix, const char *machine, buf *out, mlac_err *err)
{
    size_t total = 0, done = 0, reuse = 0, run = 0;
    for (size_t i = 0; i < n_tasks; i++) {
        total += state[i] != PLAN_OTHER_SHARD;
        done += state[i] == PLAN_DONE;
        reuse += state[i] == PLAN_REUSE;
        run += state[i] == PLAN_RUN;
    }
    int rc = buf_printf(out, err, "plan for %s: %zu tasks (%zu already done, %zu reused from earlier runs, %zu to run; "
                        "%d folds x %d repeat%s)\n", spec->run_id, total, done, reuse, run, spec->folds, spec->repeats,
                        spec->repeats == 1 ? "" : "s");
    double all = 0;
    int unknown = 0, known = 0, elsewhere = 0;
    for (size_t s = 0; !rc && s < spec->species.n; s++) {
        const species_data *sp = dataset_find(data, spec->species.items[s]);
        if (!sp)
            continue;
        rc = buf_printf(out, err, "  %s: %zu positives, %zu negatives\n", sp->name, sp->n_pos, sp->n_neg);
        if (!rc)
            rc = run_plan_sizes(spec, sp, out, err);
        for (size_t m = 0; !rc && m < spec->models.n; m++) {
            model_count c;
            count_model(tasks, n_tasks, state, sp->name, spec->models.items[m], ix, machine, &c);
            if (!c.total)
                continue;
            char est[160], sec[32];
            seconds_text(c.seconds, sec, sizeof sec);
            if (!c.run)
                snprintf(est, sizeof est, "nothing to compute");
            else if (c.seconds < 0)
                snprintf(est, sizeof est, "no estimate (no earlier tasks of this model)");
            else
                snprintf(est, sizeof est, "about %s of task time (from %zu earlier %s tasks %s)", sec, c.basis.count,
                         spec->models.items[m], basis_where[c.basis.elsewhere]);
            rc = buf_printf(out, err, "    %-16s %4zu tasks: %zu done, %zu reusable, %zu to run; %s\n",
                            spec->models.items[m], c.total, c.done, c.reuse, c.run, est);
            if (c.run && c.seconds < 0)
                unknown = 1;
            else if (c.run)
                all += c.seconds, known = 1, elsewhere |= c.basis.elsewhere > 0;
        }
    }
    if (!rc && run) {
        int conc = spec->max_concurrent > 0 ? spec->max_concurrent : 1;
        char a[32], w[32];
        seconds_text(all, a, sizeof a);
        seconds_text(all / conc, w, sizeof w);
        if (!known)
            rc = buf_puts(out, "  estimate: none yet (no earlier tasks of these models in this results store)\n", err);
        else
            rc = unknown ? buf_printf(out, err, "  estimate: %s of task time for the models with earlier tasks; the others "
                                  "are unknown\n", a)
                     : buf_printf(out, err, "  estimate: %s of task time, about %s with %d task%s at once (features "
                                  "not counted%s)\n", a, w, conc, conc == 1 ? "" : "s",
                                  elsewhere ? "; partly from tasks on other machines" : "");
    }
    return rc;
}

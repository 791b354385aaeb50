/* sched.c — the worker threads: each claims the best ready experiment from the queue and runs
 * it in-process with runner_run, exactly as `mlac run-experiment` would (same spec, run id,
 * ledger and report), then records the outcome.
 *
 * Fairness: the queue hands out rows by priority, then submission order; a scheduled row only
 * once its time has come (a worker with nothing to do sleeps until the earliest scheduled time,
 * at most one second, or until a submission wakes it). --workers experiments run at once and
 * share one thread budget: each gets budget / workers threads, split by the runner among the
 * spec's --max-concurrent tasks. A cancel sets the runner's cancel and interrupt flag: no new
 * task starts and tasks in flight stop inside their fit (forest trees, CNN batches), writing
 * nothing; finished tasks stay in the ledger. On shutdown the same flag stops runs, which go
 * back to "queued" and resume from their ledgers at the next start.
 *
 * Priorities: worker threads (and the runner's threads they create) run SCHED_BATCH at nice
 * +--compute-nice (10), so a saturating grid does not delay the HTTP threads.
 */
#include "core/log.h"
#include "core/pool.h"
#include "core/timeutil.h"
#include "exp/runner.h"
#include "report/report.h"
#include "serve/serve_internal.h"
#include "serve/submit.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef struct job_events {
    server *srv;
    const char *id;
    const run_result *res;   /* the runner's result: totals are filled before the tasks phase */
    long total, skipped, done, failed;
    double tasks_started;
    double last_written;     /* when the task counts last went to the queue (time_wall) */
    long written_done;       /* the done count written then */
} job_events;

/* Task counts reach the queue (and so the API) at most this often while a grid runs, and once
 * more when it ends: a write is a synchronous SQLite commit taken under the runner's lock, so
 * one per task would make a grid of millisecond tasks wait on the disk and on the API's readers. */
#define PROGRESS_WRITE_INTERVAL 0.2

static void progress_write(job_events *je)
{
    mlac_err err = {0};
    je->last_written = time_wall();
    je->written_done = je->done;
    if (queue_progress(je->srv->q, je->id, je->total, je->skipped, je->done, je->failed, je->tasks_started, &err))
        log_warn("%s", err.msg);
}

static void on_phase(void *ctx, const char *name, size_t total)
{
    job_events *je = ctx;
    (void)total;
    if (strcmp(name, "tasks"))
        return;
    je->total = (long)je->res->tasks_total;
    je->skipped = (long)je->res->tasks_skipped;
    je->tasks_started = time_wall();
    progress_write(je);
}

/* Called by the runner under its lock, once per finished task in the tasks phase. */
static void on_step(void *ctx, size_t done, size_t total, const json_t *result)
{
    job_events *je = ctx;
    (void)total;
    if (!result)
        return; /* feature/embedding progress */
    const char *status = json_string_value(json_object_get(result, "status"));
    const char *model = json_string_value(json_object_get(result, "model"));
    double secs = json_number_value(json_object_get(result, "train_seconds")) +
                  json_number_value(json_object_get(result, "predict_seconds"));
    serve_metrics_task(je->srv->m, model ? model : "unknown", status ? status : "failed", secs);
    je->done = (long)done;
    je->failed += !status || strcmp(status, "ok");
    if (done >= total || time_wall() - je->last_written >= PROGRESS_WRITE_INTERVAL)
        progress_write(je);
}

static running_exp *running_add(server *s, const char *id)
{
    pthread_mutex_lock(&s->lock);
    running_exp *r = NULL;
    for (int i = 0; i < SERVE_MAX_WORKERS && !r; i++)
        if (!s->running[i].used)
            r = &s->running[i];
    if (r) {
        snprintf(r->id, sizeof r->id, "%s", id);
        r->cancel = s->stopping;
        r->used = 1;
    }
    pthread_mutex_unlock(&s->lock);
    return r;
}

static void running_remove(server *s, running_exp *r)
{
    pthread_mutex_lock(&s->lock);
    r->used = 0;
    r->id[0] = '\0';
    pthread_mutex_unlock(&s->lock);
}

int sched_cancel(server *s, const char *id)
{
    int found = 0;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < SERVE_MAX_WORKERS; i++)
        if (s->running[i].used && !strcmp(s->running[i].id, id)) {
            s->running[i].cancel = 1;
            found = 1;
        }
    pthread_mutex_unlock(&s->lock);
    return found;
}

static void run_job(server *s, queue_job *job)
{
    exp_spec spec;
    mlac_err err = {0};
    int state = QS_FAILED, user_cancel = 0, report_after = 0, have_spec = 0;
    char why[1100] = "";
    running_exp *r = running_add(s, job->id);
    if (!r) {
        queue_finish(s->q, job->id, QS_QUEUED, NULL, &err);
        return;
    }
    int requested = 0;
    queue_cancel_requested(s->q, job->id, &requested, &err);
    if (requested)
        r->cancel = 1;
    if (submit_spec_from_json(job->spec, &spec, &err)) {
        snprintf(why, sizeof why, "%s", err.msg);
        goto done;
    }
    have_spec = 1;
    int share = s->threads_per_experiment;
    spec.threads = spec.threads > 0 && spec.threads < share ? spec.threads : share;
    run_result res;
    job_events je = {.srv = s, .id = job->id, .res = &res};
    run_options opt = {.cancel = &r->cancel, .interrupt = &r->cancel,
                       .events = {.ctx = &je, .phase = on_phase, .step = on_step}};
    sweep_run_folder(job->output_dir, job->run_id);
    log_info("experiment %s: running %s (%d threads)", job->id, job->run_id, spec.threads);
    int rc = runner_run(&spec, &opt, &res, &err);
    if (je.done != je.written_done) /* the counts of the last tasks, before the outcome */
        progress_write(&je);
    pthread_mutex_lock(&s->lock);
    int stopping = s->stopping;
    pthread_mutex_unlock(&s->lock);
    queue_cancel_requested(s->q, job->id, &user_cancel, &err);
    if (rc == MLAC_ECANCEL || (!rc && res.cancelled)) {
        state = user_cancel || !stopping ? QS_CANCELLED : QS_QUEUED;
        report_after = !rc && state == QS_CANCELLED; /* the kept tasks' report: after the state, below */
    } else if (rc) {
        snprintf(why, sizeof why, "%s", err.msg);
    } else if (report_write_run(spec.output_dir, spec.run_id, &err)) {
        snprintf(why, sizeof why, "report: %s", err.msg);
    } else if (res.tasks_failed) {
        snprintf(why, sizeof why, "%zu of %zu tasks failed (see /tasks)", res.tasks_failed, res.tasks_total);
    } else {
        state = QS_SUCCEEDED;
    }
done:
    if (queue_finish(s->q, job->id, state, why[0] ? why : NULL, &err))
        log_error("experiment %s: %s", job->id, err.msg);
    log_info("experiment %s: %s%s%s", job->id, queue_state_name(state), why[0] ? ": " : "", why);
    /* A cancel answers within its bound: the report of the tasks kept (seconds of charts) is
     * written once the experiment is already `cancelled`. */
    if (report_after && report_write_run(spec.output_dir, spec.run_id, &err))
        log_warn("experiment %s: %s", job->id, err.msg);
    if (have_spec)
        spec_release(&spec);
    running_remove(s, r);
}

/* The calling thread, and every thread it creates from now on (the runner's task and pool
 * threads inherit it), runs as SCHED_BATCH at nice +cfg->compute_nice: while the grid keeps the
 * CPUs busy, the HTTP threads (normal policy, nice 0) still get a CPU as soon as a request
 * arrives. Linux keeps nice per thread (setpriority on the thread id). */
static void lower_priority(server *s, int index)
{
    struct sched_param sp = {0};
    if (pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp))
        log_warn("worker %d: cannot switch to SCHED_BATCH", index);
    if (s->cfg->compute_nice > 0 &&
        setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), s->cfg->compute_nice) && errno != EACCES)
        log_warn("worker %d: cannot lower the priority: %s", index, strerror(errno));
}

static void *worker_main(void *arg)
{
    worker_slot *w = arg;
    server *s = w->srv;
    lower_priority(s, w->index);
    while (!s->stopping) {
        queue_job job;
        int got;
        double due;
        mlac_err err = {0};
        if (queue_claim(s->q, time_wall(), &job, &got, &due, &err)) {
            log_error("worker %d: %s", w->index, err.msg);
            due = 0;
            got = 0;
        }
        if (got) {
            run_job(s, &job);
            queue_job_release(&job);
            continue;
        }
        double now = time_wall(), until = now + 1.0;
        if (due > now && due < until)
            until = due;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double wait = until - now;
        ts.tv_sec += (time_t)wait;
        ts.tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9);
        if (ts.tv_nsec >= 1000000000L)
            ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_mutex_lock(&s->lock);
        if (!s->stopping)
            pthread_cond_timedwait(&s->wake, &s->lock, &ts);
        pthread_mutex_unlock(&s->lock);
    }
    w->alive = 0;
    return NULL;
}

int sched_start(server *s, mlac_err *err)
{
    int budget = s->cfg->threads > 0 ? s->cfg->threads : pool_cpu_count();
    s->n_workers = s->cfg->workers;
    s->threads_per_experiment = budget / s->n_workers > 0 ? budget / s->n_workers : 1;
    for (int i = 0; i < s->n_workers; i++) {
        worker_slot *w = &s->workers[i];
        w->srv = s;
        w->index = i;
        w->alive = 1;
        if (pthread_create(&w->thread, NULL, worker_main, w)) {
            w->alive = 0;
            return mlac_errf(err, MLAC_EIO, "cannot start worker %d: %s", i, strerror(errno));
        }
        w->started = 1;
    }
    return MLAC_OK;
}

void sched_wake(server *s)
{
    pthread_mutex_lock(&s->lock);
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

void sched_stop(server *s)
{
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    for (int i = 0; i < SERVE_MAX_WORKERS; i++)
        if (s->running[i].used)
            s->running[i].cancel = 1;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    for (int i = 0; i < s->n_workers; i++)
        if (s->workers[i].started)
            pthread_join(s->workers[i].thread, NULL);
}

int sched_workers_alive(server *s)
{
    for (int i = 0; i < s->n_workers; i++)
        if (!s->workers[i].alive)
            return 0;
    return s->n_workers > 0;
}

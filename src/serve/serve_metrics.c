/* serve_metrics.c — counters, the task-duration histogram and the exposition text (see serve_metrics.h).
 *
 * Naming follows the Prometheus conventions (promtool check metrics): counters end in _total,
 * durations are in seconds, process_* are the standard process collector names read from
 * /proc/self. Label sets are small and bounded: HTTP codes (a few), models x statuses.
 */
#include "serve/serve_metrics.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAX_CODE 600 /* HTTP statuses are 100..599 */
#define MAX_MODELS 32
static const double buckets[] = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800};
#define N_BUCKETS (sizeof buckets / sizeof buckets[0])

struct model_stats {
    char name[64];
    unsigned long long ok, failed;
    unsigned long long bucket[N_BUCKETS]; /* non-cumulative counts per bucket; +Inf = count */
    unsigned long long count;
    double sum;
};

struct serve_metrics {
    pthread_mutex_t lock;
    unsigned long long code_count[MAX_CODE]; /* by status; atomics, no lock: the request hot path */
    struct model_stats models[MAX_MODELS];
    int n_models;
    double start_time;
};

static double read_start_time(void)
{
    /* process start = now - (uptime - starttime/ticks) */
    FILE *f = fopen("/proc/self/stat", "r");
    char line[2048];
    double start = 0;
    if (f && fgets(line, sizeof line, f)) {
        char *p = strrchr(line, ')');
        unsigned long long st = 0;
        for (int field = 2; p && *p; p++)
            if (*p == ' ' && ++field == 22) {
                st = strtoull(p + 1, NULL, 10);
                break;
            }
        FILE *u = fopen("/proc/uptime", "r");
        double up = 0;
        if (u && fscanf(u, "%lf", &up) == 1) {
            struct timespec now;
            clock_gettime(CLOCK_REALTIME, &now);
            start = (double)now.tv_sec - up + (double)st / (double)sysconf(_SC_CLK_TCK);
        }
        if (u)
            fclose(u);
    }
    if (f)
        fclose(f);
    return start;
}

serve_metrics *serve_metrics_new(void)
{
    serve_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    pthread_mutex_init(&m->lock, NULL);
    m->start_time = read_start_time();
    return m;
}

void serve_metrics_free(serve_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->lock);
    free(m);
}

void serve_metrics_http(serve_metrics *m, int code)
{
    if (code >= 100 && code < MAX_CODE)
        __atomic_add_fetch(&m->code_count[code], 1, __ATOMIC_RELAXED);
}

void serve_metrics_task(serve_metrics *m, const char *model, const char *status, double seconds)
{
    pthread_mutex_lock(&m->lock);
    int i = 0;
    while (i < m->n_models && strcmp(m->models[i].name, model))
        i++;
    if (i == m->n_models && m->n_models < MAX_MODELS)
        snprintf(m->models[m->n_models++].name, sizeof m->models[0].name, "%s", model);
    if (i < m->n_models) {
        struct model_stats *s = &m->models[i];
        if (!strcmp(status, "ok"))
            s->ok++;
        else
            s->failed++;
        size_t b = 0;
        while (b < N_BUCKETS && seconds > buckets[b])
            b++;
        if (b < N_BUCKETS)
            s->bucket[b]++;
        s->count++;
        s->sum += seconds;
    }
    pthread_mutex_unlock(&m->lock);
}

static long count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    long n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

static long rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f && fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    if (f)
        fclose(f);
    return rss * sysconf(_SC_PAGESIZE);
}

static int render_process(serve_metrics *m, buf *out, mlac_err *err)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 ru.ru_stime.tv_usec / 1e6;
    struct rlimit rl;
    double max_fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (double)rl.rlim_cur : -1;
    return buf_printf(out, err,
                      "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
                      "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.3f\n"
                      "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                      "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %ld\n"
                      "# HELP process_open_fds Number of open file descriptors.\n"
                      "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n"
                      "# HELP process_max_fds Maximum number of open file descriptors.\n"
                      "# TYPE process_max_fds gauge\nprocess_max_fds %.0f\n"
                      "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
                      "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.2f\n",
                      cpu, rss_bytes(), count_fds(), max_fds, m->start_time);
}

int serve_metrics_render(serve_metrics *m, const long counts[QS_N], buf *out, mlac_err *err)
{
    int rc = buf_printf(out, err,
                        "# HELP mlac_build_info Version of the running mlac service.\n"
                        "# TYPE mlac_build_info gauge\nmlac_build_info{version=\"%s\"} 1\n"
                        "# HELP mlac_experiments Experiments in the queue database by state.\n"
                        "# TYPE mlac_experiments gauge\n", MLAC_VERSION);
    for (int s = 0; !rc && s < QS_N; s++)
        rc = buf_printf(out, err, "mlac_experiments{state=\"%s\"} %ld\n", queue_state_name(s), counts[s]);
    if (!rc)
        rc = buf_printf(out, err,
                        "# HELP mlac_queue_depth Experiments waiting for a worker (queued, or scheduled and due).\n"
                        "# TYPE mlac_queue_depth gauge\nmlac_queue_depth %ld\n",
                        counts[QS_QUEUED]);
    pthread_mutex_lock(&m->lock);
    if (!rc)
        rc = buf_printf(out, err, "# HELP mlac_tasks_total Tasks finished by this process, by model and status.\n"
                                  "# TYPE mlac_tasks_total counter\n");
    for (int i = 0; !rc && i < m->n_models; i++)
        rc = buf_printf(out, err, "mlac_tasks_total{model=\"%s\",status=\"ok\"} %llu\n"
                                  "mlac_tasks_total{model=\"%s\",status=\"failed\"} %llu\n",
                        m->models[i].name, m->models[i].ok, m->models[i].name, m->models[i].failed);
    if (!rc)
        rc = buf_printf(out, err, "# HELP mlac_task_duration_seconds Train plus predict time of a task, by model.\n"
                                  "# TYPE mlac_task_duration_seconds histogram\n");
    for (int i = 0; !rc && i < m->n_models; i++) {
        const struct model_stats *s = &m->models[i];
        unsigned long long cum = 0;
        for (size_t b = 0; !rc && b < N_BUCKETS; b++) {
            cum += s->bucket[b];
            rc = buf_printf(out, err, "mlac_task_duration_seconds_bucket{model=\"%s\",le=\"%g\"} %llu\n", s->name,
                            buckets[b], cum);
        }
        if (!rc)
            rc = buf_printf(out, err,
                            "mlac_task_duration_seconds_bucket{model=\"%s\",le=\"+Inf\"} %llu\n"
                            "mlac_task_duration_seconds_sum{model=\"%s\"} %.6f\n"
                            "mlac_task_duration_seconds_count{model=\"%s\"} %llu\n",
                            s->name, s->count, s->name, s->sum, s->name, s->count);
    }
    if (!rc)
        rc = buf_printf(out, err, "# HELP mlac_http_requests_total HTTP responses sent, by status code.\n"
                                  "# TYPE mlac_http_requests_total counter\n");
    for (int code = 100; !rc && code < MAX_CODE; code++) {
        unsigned long long n = __atomic_load_n(&m->code_count[code], __ATOMIC_RELAXED);
        if (n)
            rc = buf_printf(out, err, "mlac_http_requests_total{code=\"%d\"} %llu\n", code, n);
    }
    pthread_mutex_unlock(&m->lock);
    if (!rc)
        rc = render_process(m, out, err);
    return rc;
}

/* progress.c — progress bar / JSON progress lines for runs (see progress.h). */
#include "cli/progress.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void progress_init(progress *p)
{
    memset(p, 0, sizeof *p);
    p->tty = isatty(STDERR_FILENO) && !log_is_json();
}

static void on_phase(void *ctx, const char *name, size_t total)
{
    progress *p = ctx;
    if (p->tty && p->phase[0])
        log_end_partial_line();
    snprintf(p->phase, sizeof p->phase, "%s", name);
    p->phase_start = time_now();
    p->last_draw = 0;
    if (!p->tty)
        log_info("phase %s started (%zu steps)", name, total);
}

static void draw_bar(progress *p, size_t done, size_t total)
{
    double now = time_now();
    if (done < total && now - p->last_draw < 0.1)
        return;
    p->last_draw = now;
    double elapsed = now - p->phase_start;
    double frac = total ? (double)done / (double)total : 1.0;
    double eta = done ? elapsed * (double)(total - done) / (double)done : 0;
    char bar[31];
    int fill = (int)(frac * 30);
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    char line[256];
    snprintf(line, sizeof line, "%-9s [%s] %zu/%zu %3.0f%%  elapsed %.0fs  eta %.0fs%s   ", p->phase, bar, done,
             total, frac * 100, elapsed, eta, p->failed ? "  (some failed)" : "");
    log_partial_line(line); /* a log line in between clears it first (log.h) */
}

static void on_step(void *ctx, size_t done, size_t total, const json_t *result)
{
    progress *p = ctx;
    if (result && strcmp(json_string_value(json_object_get(result, "status")), "ok"))
        p->failed++;
    if (p->tty) {
        draw_bar(p, done, total);
        return;
    }
    if (!result)
        return; /* feature progress: only the phase line in logs */
    json_t *auc = json_object_get(json_object_get(result, "metrics"), "roc_auc");
    const char *status = json_string_value(json_object_get(result, "status"));
    if (strcmp(status, "ok") || !json_is_number(auc)) /* a failed task has no AUC to show */
        log_info("task %zu/%zu %s %s", done, total, json_string_value(json_object_get(result, "task_id")), status);
    else
        log_info("task %zu/%zu %s ok roc_auc=%.4f", done, total, json_string_value(json_object_get(result, "task_id")),
                 json_number_value(auc));
}

runner_events progress_events(progress *p)
{
    runner_events ev = {.ctx = p, .phase = on_phase, .step = on_step};
    return ev;
}

void progress_finish(progress *p)
{
    if (p->tty && p->phase[0])
        log_end_partial_line(); /* only when the bar is still on its line */
}

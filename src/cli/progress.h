/* progress.h — run progress for people and machines: a bar with ETA on a terminal, JSON lines
 * (through the logger) otherwise. Plugs into runner_events. */
#ifndef MLAC_CLI_PROGRESS_H
#define MLAC_CLI_PROGRESS_H

#include "exp/runner.h"

typedef struct progress {
    int tty;            /* draw a bar on stderr */
    char phase[32];
    double phase_start; /* monotonic seconds */
    double last_draw;
    size_t failed;
} progress;

void progress_init(progress *p);
runner_events progress_events(progress *p);
void progress_finish(progress *p);

#endif

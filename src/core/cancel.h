/* cancel.h — the calling thread's "stop now" flag for long computations (a forest's trees, a
 * CNN's batches), so a cancel reaches inside a running fit without threading a pointer through
 * every model's configuration.
 *
 * The runner sets it around one task (cancel_set_current); a fit reads it on its own thread
 * (cancel_current, cancel_requested) and hands the pointer to the threads it starts. NULL (the
 * default on every thread) means nothing can interrupt; the flag itself is the caller's.
 */
#ifndef MLAC_CORE_CANCEL_H
#define MLAC_CORE_CANCEL_H

#include <signal.h>

void cancel_set_current(const volatile sig_atomic_t *flag);
const volatile sig_atomic_t *cancel_current(void);
/* The current flag is set and non-zero. */
int cancel_requested(void);

#endif

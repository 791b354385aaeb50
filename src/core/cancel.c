/* cancel.c — the per-thread cancel flag (see cancel.h): one thread-local pointer. */
#include "core/cancel.h"

#include <stddef.h>

static _Thread_local const volatile sig_atomic_t *current;

void cancel_set_current(const volatile sig_atomic_t *flag)
{
    current = flag;
}

const volatile sig_atomic_t *cancel_current(void)
{
    return current;
}

int cancel_requested(void)
{
    return current && *current;
}

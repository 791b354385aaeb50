/* alloc.c — the allocation calls and the fail-the-k-th hook (see alloc.h). */
#include "core/alloc.h"

#include <execinfo.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_ulong fail_at;  /* 0: disarmed */
static atomic_ulong counter;  /* allocations since arming */
static atomic_int fired;

void alloc_fail_at(unsigned long k)
{
    atomic_store(&fail_at, 0);
    atomic_store(&counter, 0);
    atomic_store(&fired, 0);
    atomic_store(&fail_at, k);
}

unsigned long alloc_count(void)
{
    return atomic_load(&counter);
}

int alloc_fail_fired(void)
{
    return atomic_load(&fired);
}

/* 1 when this allocation is the one to fail. */
static int should_fail(void)
{
    unsigned long k = atomic_load_explicit(&fail_at, memory_order_relaxed);
    if (!k)
        return 0;
    if (atomic_fetch_add(&counter, 1) + 1 != k)
        return 0;
    atomic_store(&fired, 1);
    if (getenv("MLAC_ALLOC_BACKTRACE")) { /* debugging a sweep: where the k-th allocation is */
        void *frames[32];
        char head[64];
        int n = snprintf(head, sizeof head, "allocation %lu fails here:\n", k);
        if (write(STDERR_FILENO, head, (size_t)n) < 0)
            return 1;
        backtrace_symbols_fd(frames, backtrace(frames, 32), STDERR_FILENO);
    }
    return 1;
}

void *mlac_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n);
}

void *mlac_calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : calloc(count, size);
}

void *mlac_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n);
}

char *mlac_strdup(const char *s)
{
    return should_fail() ? NULL : strdup(s);
}

char *mlac_strndup(const char *s, size_t n)
{
    return should_fail() ? NULL : strndup(s, n);
}

void *mlac_aligned_alloc(size_t alignment, size_t n)
{
    return should_fail() ? NULL : aligned_alloc(alignment, n);
}

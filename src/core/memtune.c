/* memtune.c — glibc malloc tuning (see memtune.h). */
#include "core/memtune.h"

#include <malloc.h>

void memtune_keep_freed_memory(void)
{
    /* serve large blocks from the heap and never trim it: freed pages stay mapped */
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, -1);
}

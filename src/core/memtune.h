/* memtune.h — process-wide allocator tuning.
 *
 * glibc returns large freed blocks to the kernel (mmap threshold, trim threshold); on the VMs
 * mlac runs on, faulting that memory back in costs more than the work done with it. Programs
 * (the CLI, benchmarks) call memtune_keep_freed_memory() once at start so freed memory is reused.
 */
#ifndef MLAC_CORE_MEMTUNE_H
#define MLAC_CORE_MEMTUNE_H

void memtune_keep_freed_memory(void);

#endif

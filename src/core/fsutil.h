/* fsutil.h — small local-filesystem helpers: read a whole file, atomic write, mkdir -p. */
#ifndef MLAC_CORE_FSUTIL_H
#define MLAC_CORE_FSUTIL_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

/* Reads the whole file into out (appending); fails if it is larger than max (0 = no limit). */
int fs_read_file(const char *path, buf *out, size_t max, mlac_err *err);
/* Writes to "<path>.tmp.<pid>.<n>", fsyncs, renames over path: readers see old or new, never half. */
int fs_write_atomic(const char *path, const void *data, size_t n, mlac_err *err);
/* Appends one record and fsyncs it (for ledgers). */
int fs_append_sync(const char *path, const void *data, size_t n, mlac_err *err);
/* Appends one record without waiting for the disk; fs_sync_file makes every append before it
 * durable (a group commit: one fsync for the records of several threads). */
int fs_append(const char *path, const void *data, size_t n, mlac_err *err);
int fs_sync_file(const char *path, mlac_err *err);
int fs_mkdir_p(const char *path, mlac_err *err);
int fs_mkdir_parent(const char *path, mlac_err *err);
int fs_exists(const char *path);
int fs_is_dir(const char *path);
/* Recursively lists regular files under dir, as paths relative to dir, sorted. Symbolic links are
 * followed; what is skipped (dangling links, link loops, FIFOs, sockets, devices) is reported with
 * log_warn, one line each for the first 20 then a count; a folder named like an audio file
 * (x.wav/) is reported and listed. */
int fs_list_recursive(const char *dir, strlist *out, mlac_err *err);

#endif

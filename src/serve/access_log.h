/* access_log.h — the service's JSON access log, buffered: request threads append whole lines to
 * a memory buffer (no system call per request); it is written out when it holds
 * ACCESS_LOG_FLUSH_BYTES, by a flusher thread every ACCESS_LOG_FLUSH_MS, and at
 * access_log_free (clean shutdown: SIGTERM/SIGINT lose nothing). A SIGKILL loses what was not
 * yet written: at most the last ACCESS_LOG_FLUSH_MS of lines (and never more than
 * ACCESS_LOG_FLUSH_BYTES); every line written is whole.
 */
#ifndef MLAC_SERVE_ACCESS_LOG_H
#define MLAC_SERVE_ACCESS_LOG_H

#include <stddef.h>
#include <stdio.h>

#define ACCESS_LOG_FLUSH_BYTES (48u << 10)
#define ACCESS_LOG_FLUSH_MS 100

typedef struct access_log access_log;

/* f is borrowed (the caller closes it after access_log_free); NULL on out of memory or no thread. */
access_log *access_log_new(FILE *f);
/* Appends one line (with its newline). */
void access_log_write(access_log *a, const char *line, size_t n);
/* Writes what is buffered, stops the flusher. NULL is fine. */
void access_log_free(access_log *a);

#endif

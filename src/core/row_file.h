/* row_file.h — a table of n fixed-length float rows kept in a file instead of memory.
 *
 * The per-clip feature tables of a run (clip_features.h) are the one thing that grows with the
 * dataset: 100k log-mel images at 64 x 64 are 1.6 GB, at 224 x 224 20 GB. A row file holds them
 * in one flat file (header, then row i at a fixed offset) that is written once, row by row, and
 * read back one row at a time into the caller's buffer (pwrite/pread), so a task holds only its
 * own rows and the process's resident memory does not grow with the table. The pages live in the
 * kernel's page cache: a cgroup (a Kubernetes pod's memory limit) counts them as file pages,
 * which the kernel writes back and drops under pressure before it kills anything; they are not
 * anonymous memory.
 *
 * The file is made with mkstemp in the given folder and unlinked at once: it disappears when the
 * table is freed or the process dies, and no other process can open it by name. Every row's
 * SHA-256 is kept in memory (32 bytes a row) and checked on every read: a row that was never
 * written, a short read or changed bytes are refused with a message naming the file and row.
 * Puts of distinct rows and gets may run on several threads at once.
 */
#ifndef MLAC_CORE_ROW_FILE_H
#define MLAC_CORE_ROW_FILE_H

#include <stddef.h>
#include "core/error.h"

typedef struct row_file row_file;

/* A file of n rows of dim floats in folder dir (made if missing); what names it in messages
 * ("logmel_image rows"). */
int row_file_create(const char *dir, const char *what, size_t n, size_t dim, row_file **out, mlac_err *err);
void row_file_free(row_file *f);
/* Writes row i (dim floats). */
int row_file_put(row_file *f, size_t i, const float *row, mlac_err *err);
/* Reads row i into out (dim floats), checked against what row_file_put wrote. */
int row_file_get(const row_file *f, size_t i, float *out, mlac_err *err);
size_t row_file_rows(const row_file *f);
size_t row_file_dim(const row_file *f);
/* The name the file had (it is unlinked), for messages. */
const char *row_file_name(const row_file *f);
/* The open descriptor: tests damage the file through it. */
int row_file_fd(const row_file *f);

#endif

/* sealed.h — the one binary container for saved state: models (forest, embedding head) and
 * cache entries (features, embeddings).
 *
 * Image: 8-byte magic, u32 version, the payload, then the SHA-256 of every byte before it.
 * Every number is little-endian whatever the machine (explicit byte order, so an image moves
 * between machines). A reader checks the size, magic and checksum before it hands out a single
 * value, reads through bounds-checked getters (a read past the end yields 0 and marks the reader
 * short instead of touching memory), and sealed_read_end refuses short reads and trailing bytes.
 * The writer keeps the first error; puts after it are no-ops, so a save is a straight list of
 * puts and one check at the end.
 */
#ifndef MLAC_CORE_SEALED_H
#define MLAC_CORE_SEALED_H

#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/error.h"

#define SEALED_HEADER 12 /* magic + version */
#define SEALED_SUM 32    /* the SHA-256 at the end */

typedef struct sealed_writer {
    buf b;         /* the image so far */
    int rc;        /* first error (MLAC_OK while none) */
    mlac_err *err; /* where that error was written */
} sealed_writer;

/* Starts an image of at most max bytes (0 = no limit beyond buf's own). */
void sealed_write_begin(sealed_writer *w, const char magic[8], uint32_t version, size_t max, mlac_err *err);
void sealed_put_u32(sealed_writer *w, uint32_t v);
void sealed_put_u64(sealed_writer *w, uint64_t v);
void sealed_put_f64(sealed_writer *w, double v);
void sealed_put_bytes(sealed_writer *w, const void *p, size_t n);
void sealed_put_f64s(sealed_writer *w, const double *v, size_t n);
void sealed_put_f32s(sealed_writer *w, const float *v, size_t n);
/* Seals the image (appends the checksum) and appends it to out; releases the writer either way.
 * Returns the first error of the whole write. */
int sealed_write_end(sealed_writer *w, buf *out);

typedef struct sealed_reader {
    const unsigned char *p; /* the image, borrowed */
    size_t n;               /* bytes before the checksum */
    size_t off;             /* next byte to read */
    int short_read;         /* a getter ran past the end */
} sealed_reader;

/* Checks magic and checksum of data (n bytes) and reads the version; what names the image in
 * messages ("forest image"). MLAC_EFORMAT when it is not a sealed image of that magic or is
 * damaged. */
int sealed_read_begin(sealed_reader *r, const void *data, size_t n, const char magic[8], uint32_t *version,
                      const char *what, mlac_err *err);
uint32_t sealed_get_u32(sealed_reader *r);
int32_t sealed_get_i32(sealed_reader *r);
uint64_t sealed_get_u64(sealed_reader *r);
double sealed_get_f64(sealed_reader *r);
void sealed_get_bytes(sealed_reader *r, void *out, size_t n);
void sealed_get_f64s(sealed_reader *r, double *out, size_t n);
void sealed_get_f32s(sealed_reader *r, float *out, size_t n);
/* Bytes left before the checksum. */
size_t sealed_remaining(const sealed_reader *r);
/* MLAC_EFORMAT (naming what) after a short read or when bytes are left over. */
int sealed_read_end(const sealed_reader *r, const char *what, mlac_err *err);

#endif

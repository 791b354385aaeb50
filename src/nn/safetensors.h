/* safetensors.h — read and write the safetensors format (8-byte little-endian header length,
 * a JSON header {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {..}},
 * then the raw little-endian data), and map a file onto a network's parameters by name.
 *
 * The parser trusts nothing: header length within the file and at most 100 MB, a JSON object,
 * every entry a known dtype (F32, F64, F16, BF16, I64, I32, ...), a shape of non-negative
 * integers whose byte size (checked for overflow) equals end - begin, offsets inside the data,
 * no two tensors overlapping. A hostile file fails with MLAC_EFORMAT and a message naming the
 * file and the tensor; nothing is read out of bounds.
 */
#ifndef MLAC_NN_SAFETENSORS_H
#define MLAC_NN_SAFETENSORS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/error.h"
#include "nn/net.h"

#define ST_MAX_DIMS 8
#define ST_MAX_HEADER (100u << 20)

enum st_dtype { ST_F32, ST_F64, ST_F16, ST_BF16, ST_I64, ST_I32, ST_I16, ST_I8, ST_U8, ST_BOOL };

typedef struct st_tensor {
    const char *name;   /* borrowed from the parsed header */
    int dtype;          /* enum st_dtype */
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    size_t count;       /* product of shape */
    size_t begin, end;  /* byte offsets into the data section */
} st_tensor;

typedef struct safetensors {
    json_t *header;             /* owned */
    json_t *metadata;           /* borrowed from header; may be NULL */
    st_tensor *t;               /* (n,) owned */
    size_t n;
    const unsigned char *data;  /* borrowed: the caller's bytes after the header */
    size_t data_len;
} safetensors;

/* Parses bytes (kept borrowed: they must outlive st); name is for messages. */
int safetensors_parse(const void *bytes, size_t n, const char *name, safetensors *st, mlac_err *err);
void safetensors_release(safetensors *st);
const st_tensor *safetensors_find(const safetensors *st, const char *name);
/* Converts a floating-point tensor to float32 into dst (count values). */
int safetensors_read_f32(const safetensors *st, const st_tensor *t, float *dst, mlac_err *err);

/* Writes every parameter of net as F32 (torchvision names), with string metadata (may be NULL). */
int safetensors_write_net(buf *out, const nn_net *net, json_t *metadata, mlac_err *err);
/* Loads parameters by name. strict: every parameter must be present with its exact shape, and
 * nothing else is allowed but num_batches_tracked. Otherwise (transfer learning): tensors whose
 * name and shape match are loaded, the rest ignored; *n_loaded counts loaded parameters. */
int safetensors_load_net(nn_net *net, const safetensors *st, int strict, int *n_loaded,
                         mlac_err *err);

#endif

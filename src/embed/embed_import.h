/* embed_import.h — the import back end: embeddings the official tools already wrote, by clip.
 *
 * Opens a folder (searched recursively for <stem>.birdnet.embeddings.txt, .npy files, and .csv
 * files whose first line is BirdNET-Analyzer's "file_path,start,end,embedding" header) or one
 * such file, parses everything (embed_parse.h) and answers "which window vectors belong to this
 * clip?". A clip's store path and each recorded key are compared without their audio extension.
 * The clip's species-relative path is its path from the species folder on
 * (`coyote/data/pos/a` of `root/coyote/data/pos/a.wav`: the folder before the last `data` or
 * `data_5s` component); an entry matches when it ends with that path at a '/' boundary, so
 * `/home/u/out/coyote/data/pos/a.birdnet.embeddings.txt` matches but `bullfrog/data/pos/a.npy`
 * and `coyote/data_5s/pos/a.npy` do not. The one documented fallback: when no entry matches so,
 * an entry that is a bare file name (`a.npy` in a flat folder) matches by file name; the caller
 * (embed_table.c) refuses a bare entry claimed by two clips. Two entries that match equally
 * are an error naming both, never a silent guess; no match is an error naming the clip.
 * Invariant: every entry holds >= 1 vector and all vectors share one dimension.
 */
#ifndef MLAC_EMBED_EMBED_IMPORT_H
#define MLAC_EMBED_EMBED_IMPORT_H

#include <stddef.h>
#include "core/error.h"

typedef struct embed_import embed_import;

int embed_import_open(const char *path, embed_import **out, mlac_err *err);
void embed_import_free(embed_import *imp);
size_t embed_import_dim(const embed_import *imp);
size_t embed_import_entries(const embed_import *imp);
/* The rows of clip_path (a store path): rows (n_rows, dim) stay owned by imp. MLAC_ENOTFOUND
 * when no entry matches, MLAC_EINVAL when two match equally well. */
int embed_import_find(const embed_import *imp, const char *clip_path, const float **rows, size_t *n_rows,
                      mlac_err *err);

#endif

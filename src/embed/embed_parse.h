/* embed_parse.h — parsers of embedding files the official tools write, into one embed_set.
 *
 * Formats (docs/EMBEDDERS.md):
 *   BirdNET-Analyzer per-file text  <stem>.birdnet.embeddings.txt, lines "start<TAB>end<TAB>v1,v2,..."
 *                                   (also its newer bare form: one line "v1,v2,..." in
 *                                   <stem>_<start>_<end>.birdnet.embeddings.txt)
 *   BirdNET-Analyzer single CSV     header "file_path,start,end,embedding", rows
 *                                   path,start,end,"v1,v2,..." (RFC 4180, core/csv.h: a quoted path may
 *                                   hold commas, quotes or line breaks; an unquoted one commas)
 *   generic .npy                    one file per clip, shape (dim,) or (n_windows, dim)
 * Every parser works on bytes in memory (so the fuzz target drives it directly), has size
 * limits, and rejects a malformed line with the file name and line number; all vectors of a
 * set must have one dimension. Numbers must be finite and fit a float32.
 * Invariant: after embed_set_finish, entries are sorted by key and each owns a contiguous range
 * of rows ordered by start time (file order among equal starts).
 */
#ifndef MLAC_EMBED_EMBED_PARSE_H
#define MLAC_EMBED_EMBED_PARSE_H

#include <stddef.h>
#include "core/error.h"

#define EMBED_PARSE_MAX_LINE ((size_t)4 << 20)   /* bytes in one text line */
#define EMBED_PARSE_MAX_VALUES ((size_t)1 << 28) /* floats in one set (1 GiB) */
#define EMBED_PARSE_MAX_FILE ((size_t)1 << 31)   /* bytes of one input file */

typedef struct embed_entry {
    char *key;      /* clip identity as the file recorded it (path, no audio extension), owned */
    size_t first;   /* first row */
    size_t n;       /* rows */
} embed_entry;

typedef struct embed_set {
    size_t dim;            /* 0 until the first vector */
    float *rows;           /* (n_rows, dim) */
    size_t n_rows, cap_rows;
    double *start;         /* (n_rows,) seconds, NAN when the format has none */
    char **row_key;        /* (n_rows,) owned until finish, then NULL */
    embed_entry *entries;  /* (n_entries,) after finish, sorted by key */
    size_t n_entries;
    int finished;
} embed_set;

void embed_set_init(embed_set *s);
void embed_set_release(embed_set *s);
/* Groups rows by key (see the invariant above). */
int embed_set_finish(embed_set *s, mlac_err *err);
/* The entry with exactly this key, or NULL (after finish). */
const embed_entry *embed_set_get(const embed_set *s, const char *key);

enum embed_file_kind { EMBED_FILE_NONE = -1, EMBED_FILE_TXT = 0, EMBED_FILE_CSV, EMBED_FILE_NPY };

/* text need not be NUL-terminated. stem: the file's name relative to the import folder without
 * ".birdnet.embeddings.txt"; it becomes the key of every row (in the bare form, less its
 * "_<start>_<end>" suffix, whose start orders the rows). */
int embed_parse_birdnet_txt(const char *text, size_t len, const char *name, const char *stem, embed_set *s,
                            mlac_err *err);
int embed_parse_birdnet_csv(const char *text, size_t len, const char *name, embed_set *s, mlac_err *err);
/* key: the file's name relative to the import folder without ".npy". */
int embed_parse_npy(const void *bytes, size_t len, const char *name, const char *key, embed_set *s, mlac_err *err);

/* The kind of an embedding file by its name, and its stem (the name without
 * ".birdnet.embeddings.txt" or ".npy"; the whole name for .csv) into out. */
enum embed_file_kind embed_file_kind_of(const char *rel, char *stem, size_t n);
/* Normalises a recorded or clip path into a key: '\' -> '/', a known audio extension of the
 * last component dropped ("a/b.WAV" -> "a/b"). */
void embed_key_normalise(const char *path, char *out, size_t n);

#endif

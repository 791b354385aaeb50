/* embed_import.c — loading an import folder or file and matching clips to entries (see
 * embed_import.h). Entries are indexed by their last path component, so a lookup compares only
 * the entries that share the clip's file name.
 */
#include "embed/embed_import.h"
#include "core/buf.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "embed/embed_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_MAX_NPY ((size_t)512 << 20)

typedef struct by_name {
    const char *name; /* last component of the entry's key (points into it) */
    size_t entry;
} by_name;

struct embed_import {
    char *path;        /* as given, for messages */
    embed_set set;
    by_name *index;    /* (set.n_entries,) sorted by name, then key */
};

static const char *last_component(const char *key)
{
    const char *s = strrchr(key, '/');
    return s ? s + 1 : key;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const by_name *)a)->name, ((const by_name *)b)->name);
}

/* Parses one file; rel is its name relative to the import root (or its base name). */
static int load_file(embed_import *imp, const char *full, const char *rel, int in_folder, mlac_err *err)
{
    char stem[4096];
    enum embed_file_kind kind = embed_file_kind_of(rel, stem, sizeof stem);
    if (kind == EMBED_FILE_NONE)
        return in_folder ? MLAC_OK
                         : mlac_errf(err, MLAC_EINVAL, "'%s' is not an embedding file (expected a folder, a "
                                     ".birdnet.embeddings.txt, a .csv or a .npy file)", full);
    buf b;
    buf_init(&b, 0);
    int rc = fs_read_file(full, &b, kind == EMBED_FILE_NPY ? IMPORT_MAX_NPY : EMBED_PARSE_MAX_FILE, err);
    if (rc)
        goto out;
    if (kind == EMBED_FILE_TXT) {
        rc = embed_parse_birdnet_txt(b.data, b.len, full, stem, &imp->set, err);
    } else if (kind == EMBED_FILE_NPY) {
        rc = embed_parse_npy(b.data, b.len, full, stem, &imp->set, err);
    } else {
        static const char header[] = "file_path,start,end,embedding";
        const char *p = b.data;
        size_t skip = b.len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3) ? 3 : 0;
        if (in_folder && (b.len - skip < sizeof header - 1 || memcmp(p + skip, header, sizeof header - 1))) {
            log_debug("embedding import: skipping '%s' (not a BirdNET-Analyzer embeddings CSV)", full);
            goto out;
        }
        rc = embed_parse_birdnet_csv(b.data, b.len, full, &imp->set, err);
    }
out:
    buf_release(&b);
    return rc;
}

static int build_index(embed_import *imp, mlac_err *err)
{
    size_t n = imp->set.n_entries;
    imp->index = malloc((n ? n : 1) * sizeof *imp->index);
    if (!imp->index)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory indexing %zu imported clips", n);
    for (size_t i = 0; i < n; i++)
        imp->index[i] = (by_name){last_component(imp->set.entries[i].key), i};
    qsort(imp->index, n, sizeof *imp->index, cmp_name);
    return MLAC_OK;
}

int embed_import_open(const char *path, embed_import **out, mlac_err *err)
{
    *out = NULL;
    if (!path || !*path)
        return mlac_errf(err, MLAC_EINVAL, "embedding import needs a folder or file: import:<path>");
    embed_import *imp = calloc(1, sizeof *imp);
    if (!imp || !(imp->path = strdup(path))) {
        free(imp);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for an embedding import");
    }
    embed_set_init(&imp->set);
    strlist files;
    strlist_init(&files);
    int rc = MLAC_OK;
    if (fs_is_dir(path)) {
        rc = fs_list_recursive(path, &files, err);
        char full[8192];
        for (size_t i = 0; !rc && i < files.n; i++) {
            snprintf(full, sizeof full, "%s/%s", path, files.items[i]);
            rc = load_file(imp, full, files.items[i], 1, err);
        }
    } else if (fs_exists(path)) {
        rc = load_file(imp, path, last_component(path), 0, err);
    } else {
        rc = mlac_errf(err, MLAC_ENOTFOUND, "embedding import: '%s' does not exist", path);
    }
    if (!rc && imp->set.n_rows == 0)
        rc = mlac_errf(err, MLAC_ENOTFOUND, "embedding import: no embeddings found in '%s' (expected "
                       "<clip>.birdnet.embeddings.txt, <clip>.npy or a BirdNET-Analyzer embeddings .csv)", path);
    if (!rc)
        rc = embed_set_finish(&imp->set, err);
    if (!rc)
        rc = build_index(imp, err);
    strlist_release(&files);
    if (rc) {
        embed_import_free(imp);
        return rc;
    }
    *out = imp;
    return MLAC_OK;
}

void embed_import_free(embed_import *imp)
{
    if (!imp)
        return;
    embed_set_release(&imp->set);
    free(imp->index);
    free(imp->path);
    free(imp);
}

size_t embed_import_dim(const embed_import *imp)
{
    return imp->set.dim;
}

size_t embed_import_entries(const embed_import *imp)
{
    return imp->set.n_entries;
}

/* How many '/'-separated components a and b share at their ends. */
static size_t common_tail(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), n = 0;
    for (;;) {
        size_t sa = la, sb = lb;
        while (sa && a[sa - 1] != '/')
            sa--;
        while (sb && b[sb - 1] != '/')
            sb--;
        if (la - sa != lb - sb || memcmp(a + sa, b + sb, la - sa))
            return n;
        n++;
        if (!sa || !sb)
            return n;
        la = sa - 1;
        lb = sb - 1;
    }
}

int embed_import_find(const embed_import *imp, const char *clip_path, const float **rows, size_t *n_rows,
                      mlac_err *err)
{
    char key[4096];
    embed_key_normalise(clip_path, key, sizeof key);
    by_name probe = {last_component(key), 0};
    size_t n = imp->set.n_entries, lo = 0, hi = n;
    while (lo < hi) { /* first index whose name is >= the probe */
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_name(&imp->index[mid], &probe) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t best = 0, best_entry = 0, ties = 0, tie_entry = 0;
    for (size_t i = lo; i < n && !cmp_name(&imp->index[i], &probe); i++) {
        size_t e = imp->index[i].entry, c = common_tail(key, imp->set.entries[e].key);
        if (c > best)
            best = c, best_entry = e, ties = 0;
        else if (c == best && c)
            ties++, tie_entry = e;
    }
    if (!best)
        return mlac_errf(err, MLAC_ENOTFOUND, "no imported embedding for clip '%s' in '%s'", clip_path, imp->path);
    if (ties)
        return mlac_errf(err, MLAC_EINVAL, "clip '%s' matches imported entries '%s' and '%s' equally well in '%s'; "
                         "import a folder that mirrors the data layout", clip_path, imp->set.entries[best_entry].key,
                         imp->set.entries[tie_entry].key, imp->path);
    const embed_entry *en = &imp->set.entries[best_entry];
    *rows = imp->set.rows + en->first * imp->set.dim;
    *n_rows = en->n;
    return MLAC_OK;
}

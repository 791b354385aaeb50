/* embed_import.c — loading an import folder or file and matching clips to entries (see
 * embed_import.h: the species-relative path exactly, or a bare file name as the one fallback).
 * Entries are indexed by their last path component, so a lookup compares only the entries that
 * share the clip's file name.
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

/* The species-relative key of a clip's store path: from the species folder on
 * ("<species>/data/pos/a" of "root/<species>/data/pos/a"), i.e. from the component before the
 * first "data" or "data_5s" component after the first; the whole key when there is none. */
static const char *species_relative(const char *key)
{
    for (const char *c = key; *c;) {
        const char *end = strchr(c, '/');
        size_t len = end ? (size_t)(end - c) : strlen(c);
        if (c != key && end && ((len == 4 && !memcmp(c, "data", 4)) || (len == 7 && !memcmp(c, "data_5s", 7)))) {
            const char *sp = c - 1; /* the '/' before the data folder; back to the species' start */
            while (sp > key && sp[-1] != '/')
                sp--;
            return sp;
        }
        if (!end)
            break;
        c = end + 1;
    }
    return key;
}

/* 1 if entry equals rel or ends with "/" rel. */
static int ends_at_component(const char *entry, const char *rel)
{
    size_t le = strlen(entry), lr = strlen(rel);
    return le >= lr && !strcmp(entry + le - lr, rel) && (le == lr || entry[le - lr - 1] == '/');
}

int embed_import_find(const embed_import *imp, const char *clip_path, const float **rows, size_t *n_rows,
                      mlac_err *err)
{
    char key[4096];
    embed_key_normalise(clip_path, key, sizeof key);
    const char *rel = species_relative(key);
    by_name probe = {last_component(key), 0};
    size_t n = imp->set.n_entries, lo = 0, hi = n;
    while (lo < hi) { /* first index whose name is >= the probe */
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_name(&imp->index[mid], &probe) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* exact: the entry ends with the clip's species-relative path; fallback: a bare file name */
    size_t n_exact = 0, exact[2] = {0, 0}, n_flat = 0, flat[2] = {0, 0};
    for (size_t i = lo; i < n && !cmp_name(&imp->index[i], &probe); i++) {
        size_t e = imp->index[i].entry;
        const char *ek = imp->set.entries[e].key;
        if (ends_at_component(ek, rel)) {
            if (n_exact < 2)
                exact[n_exact] = e;
            n_exact++;
        } else if (!strchr(ek, '/')) {
            if (n_flat < 2)
                flat[n_flat] = e;
            n_flat++;
        }
    }
    const size_t *hit = n_exact ? exact : flat;
    size_t n_hit = n_exact ? n_exact : n_flat;
    if (!n_hit)
        return mlac_errf(err, MLAC_ENOTFOUND,
                         "no imported embedding for clip '%s' in '%s' (an entry must end with '%s', or be a "
                         "bare file name '%s')",
                         clip_path, imp->path, rel, last_component(key));
    if (n_hit > 1)
        return mlac_errf(err, MLAC_EINVAL, "clip '%s' matches imported entries '%s' and '%s' equally well in '%s'; "
                         "import a folder that mirrors the data layout", clip_path, imp->set.entries[hit[0]].key,
                         imp->set.entries[hit[1]].key, imp->path);
    const embed_entry *en = &imp->set.entries[hit[0]];
    *rows = imp->set.rows + en->first * imp->set.dim;
    *n_rows = en->n;
    return MLAC_OK;
}

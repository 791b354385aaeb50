/* dataset.c — scanning a store into species and labelled clips (see dataset.h). */
#include "dataset/dataset.h"
#include "dataset/dataset_internal.h"
#include "core/csv.h"
#include "core/hash.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const pos_aliases[] = {"pos", "positive", "1", "present", NULL};
static const char *const neg_aliases[] = {"neg", "negative", "0", "absent", NULL};

static const char *dataset_layout_help(void)
{
    return "expected layout:\n"
           "  <root>/<species>/data/pos/...      positive clips (or positive/, 1/, present/)\n"
           "  <root>/<species>/data/neg/...      negative clips (or negative/, 0/, absent/)\n"
           "  <root>/<species>/data/labels.csv   instead of the folders: file,label rows\n"
           "  <root>/<species>/data_5s/...       optional 5-second twins with the same names\n"
           "or any folder shape with --labels FILE.csv: rows of file,species,label[,group]\n"
           "(`mlac synth --out <root>` writes a dataset in this layout)";
}

int dataset_parse_negatives(const char *text, enum negatives_mode *out, mlac_err *err)
{
    if (!strcmp(text, "auto")) *out = NEG_AUTO;
    else if (!strcmp(text, "folder")) *out = NEG_FOLDER;
    else if (!strcmp(text, "others")) *out = NEG_OTHERS;
    else
        return mlac_errf(err, MLAC_EINVAL, "negatives: expected auto, folder or others, got '%s'", text);
    return MLAC_OK;
}

static int dataset_is_audio(const char *path)
{
    static const char *const ext[] = {".wav", ".flac", ".ogg", ".oga", ".mp3", ".aif", ".aiff", ".au", ".opus", NULL};
    const char *dot = strrchr(path, '.');
    if (!dot)
        return 0;
    for (int i = 0; ext[i]; i++)
        if (!strcasecmp(dot, ext[i]))
            return 1;
    return 0;
}

static int dataset_alias_label(const char *dir)
{
    for (int i = 0; pos_aliases[i]; i++)
        if (!strcasecmp(dir, pos_aliases[i]))
            return 1;
    for (int i = 0; neg_aliases[i]; i++)
        if (!strcasecmp(dir, neg_aliases[i]))
            return 0;
    return -1;
}

int clip_push(clip_vec *cv, const char *path, int label, const char *group, mlac_err *err)
{
    if (cv->n == cv->cap) {
        size_t cap = cv->cap ? cv->cap * 2 : 64;
        clip_ref *p = realloc(cv->v, cap * sizeof *p);
        if (!p)
            return mlac_errf(err, MLAC_ENOMEM, "out of memory listing clips");
        cv->v = p;
        cv->cap = cap;
    }
    clip_ref *c = &cv->v[cv->n];
    memset(c, 0, sizeof *c);
    c->path = strdup(path);
    c->label = label;
    c->group = group ? strdup(group) : NULL;
    if (!c->path || (group && !c->group)) {
        free(c->path);
        free(c->group);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory listing clips");
    }
    cv->n++;
    return MLAC_OK;
}

static void clip_vec_release(clip_vec *cv)
{
    for (size_t k = 0; k < cv->n; k++)
        free(cv->v[k].path), free(cv->v[k].group);
    free(cv->v);
    memset(cv, 0, sizeof *cv);
}

static int cmp_clip(const void *a, const void *b)
{
    const clip_ref *x = a, *y = b;
    if (x->label != y->label)
        return y->label - x->label; /* positives first */
    return strcmp(x->path, y->path);
}


/* Column positions of a labels.csv header ("file,label[,group|recording|site]"), or -1s. */
typedef struct labels_columns {
    int file, label, group;
} labels_columns;

static int header_columns(const strlist *f, labels_columns *col)
{
    col->file = col->label = col->group = -1;
    for (size_t i = 0; i < f->n; i++) {
        const char *h = f->items[i];
        if (!strcasecmp(h, "file") || !strcasecmp(h, "path") || !strcasecmp(h, "filename"))
            col->file = (int)i;
        else if (!strcasecmp(h, "label") || !strcasecmp(h, "class"))
            col->label = (int)i;
        else if (col->group < 0 && (!strcasecmp(h, "group") || !strcasecmp(h, "recording") || !strcasecmp(h, "site")))
            col->group = (int)i;
    }
    return col->file >= 0 && col->label >= 0;
}

/* One record of labels.csv: its file, label word and group (NULL without a group column). */
static int labels_row(const char *path, size_t line, const strlist *f, const labels_columns *col, const char **file,
                      const char **label, const char **group, mlac_err *err)
{
    *group = NULL;
    if (col->file < 0) { /* no header: "file,label" */
        if (f->n != 2)
            return mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: expected 'file,label', got %zu fields (quote a "
                             "file name that holds a comma: \"a,b.wav\",pos)", path, line, f->n);
        *file = f->items[0], *label = f->items[1];
        return MLAC_OK;
    }
    int need = col->file > col->label ? col->file : col->label;
    need = col->group > need ? col->group : need;
    if ((int)f->n <= need)
        return mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: expected %d columns, got %zu", path, line, need + 1, f->n);
    *file = f->items[col->file], *label = f->items[col->label];
    if (col->group >= 0 && !(*group = f->items[col->group])[0])
        return mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: empty value in column '%s' for '%s'", path, line, "group",
                         *file);
    return MLAC_OK;
}

/* A clip of labels.csv and the line that named it, to find one named twice. */
typedef struct labels_seen {
    const char *path;
    size_t line;
} labels_seen;

static int cmp_seen(const void *a, const void *b)
{
    return strcmp(((const labels_seen *)a)->path, ((const labels_seen *)b)->path);
}

/* Refuses a file listed twice in one labels.csv (its clip would count twice); lines[k] is the
 * line of clip first + k. */
static int labels_no_twice(const char *path, const clip_vec *cv, size_t first, const size_t *lines, mlac_err *err)
{
    size_t n = cv->n - first;
    if (n < 2)
        return MLAC_OK;
    labels_seen *v = malloc(n * sizeof *v);
    if (!v)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", path);
    for (size_t k = 0; k < n; k++)
        v[k] = (labels_seen){cv->v[first + k].path, lines[k]};
    qsort(v, n, sizeof *v, cmp_seen);
    int rc = MLAC_OK;
    for (size_t k = 1; k < n && !rc; k++)
        if (!strcmp(v[k].path, v[k - 1].path))
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' lines %zu and %zu: '%s' is listed twice", path,
                           v[k - 1].line < v[k].line ? v[k - 1].line : v[k].line,
                           v[k - 1].line < v[k].line ? v[k].line : v[k - 1].line, v[k].path);
    free(v);
    return rc;
}

/* Parses <species>/data/labels.csv (RFC 4180, core/csv.h): "file,label" rows, or, after a
 * header row naming its columns, file, label and an optional group (also: recording, site)
 * column. A file name may hold commas, quotes or line breaks when quoted. */
static int read_labels_csv(store *s, species_data *sp, clip_vec *cv, mlac_err *err)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/data/labels.csv", sp->name);
    buf b;
    buf_init(&b, 64u << 20);
    strlist f;
    strlist_init(&f);
    size_t first_clip = cv->n, *lines = NULL, n_lines = 0, cap_lines = 0;
    int rc = store_read(s, path, &b, err);
    if (rc)
        goto out;
    csv_reader r;
    csv_reader_init(&r, b.data ? b.data : "", b.len, path);
    labels_columns col = {-1, -1, -1};
    int got = 0, first = 1;
    while (!(rc = csv_next(&r, &f, &got, err)) && got) {
        if (f.n == 1 && !f.items[0][0])
            continue; /* a blank line */
        size_t line_no = r.record_line;
        if (first && f.n >= 2 && dataset_alias_label(f.items[f.n - 1]) < 0) { /* a header row */
            first = 0;
            if (!header_columns(&f, &col))
                col.file = col.label = col.group = -1; /* an unnamed header: "file,label" rows follow */
            sp->labels_csv_groups = col.group >= 0;
            continue;
        }
        first = 0;
        const char *file = "", *label_text = "", *group = NULL;
        if ((rc = labels_row(path, line_no, &f, &col, &file, &label_text, &group, err)))
            goto out;
        int label = dataset_alias_label(label_text);
        if (label < 0) {
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: label '%s' is not one of pos/neg/1/0/present/absent",
                           path, line_no, label_text);
            goto out;
        }
        if (strstr(file, "..")) {
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: file '%s' leaves the species folder", path,
                           line_no, file);
            goto out;
        }
        char full[2048];
        snprintf(full, sizeof full, "%s/data/%s", sp->name, file);
        if (n_lines == cap_lines) {
            size_t cap = cap_lines ? 2 * cap_lines : 64, *nl = realloc(lines, cap * sizeof *nl);
            if (!nl) {
                rc = mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", path);
                goto out;
            }
            lines = nl, cap_lines = cap;
        }
        lines[n_lines++] = line_no;
        rc = clip_push(cv, full, label, group, err);
        if (rc)
            goto out;
    }
    if (!rc)
        rc = labels_no_twice(path, cv, first_clip, lines, err);
out:
    free(lines);
    strlist_release(&f);
    buf_release(&b);
    return rc;
}

int dataset_add_species(dataset *d, const char *name, mlac_err *err)
{
    if (strlen(name) >= sizeof d->species[0].name)
        return mlac_errf(err, MLAC_EINVAL, "species folder name too long: '%.60s...'", name);
    species_data *p = realloc(d->species, (d->n + 1) * sizeof *p);
    if (!p)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory listing species");
    d->species = p;
    memset(&p[d->n], 0, sizeof p[d->n]);
    memcpy(p[d->n].name, name, strlen(name) + 1); /* the length was checked above */
    d->n++;
    return MLAC_OK;
}

/* Fills each species' own clips from the store listing (paths are "<sp>/data/<label>/..."). */
static int collect(store *s, const strlist *files, dataset *d, clip_vec *own, mlac_err *err)
{
    int rc = MLAC_OK;
    for (size_t i = 0; i < d->n && !rc; i++) {
        species_data *sp = &d->species[i];
        char prefix[256];
        int n = snprintf(prefix, sizeof prefix, "%s/data/", sp->name);
        int has_csv = 0;
        for (size_t j = 0; j < files->n && !rc; j++) {
            const char *f = files->items[j];
            if (strncmp(f, prefix, (size_t)n) != 0)
                continue;
            const char *rest = f + n;
            if (!strcmp(rest, "labels.csv")) {
                has_csv = 1;
                continue;
            }
            const char *slash = strchr(rest, '/');
            if (!slash || !dataset_is_audio(f))
                continue;
            char dir[64];
            size_t dl = (size_t)(slash - rest);
            if (dl >= sizeof dir)
                continue;
            memcpy(dir, rest, dl);
            dir[dl] = '\0';
            int label = dataset_alias_label(dir);
            if (label >= 0)
                rc = clip_push(&own[i], f, label, NULL, err);
        }
        if (!rc && own[i].n == 0 && has_csv) {
            rc = read_labels_csv(s, sp, &own[i], err);
            sp->from_labels_csv = 1;
        }
    }
    return rc;
}

static int cmp_str_key(const void *key, const void *item)
{
    return strcmp((const char *)key, *(char *const *)item);
}

static int listed(const strlist *files, const char *path)
{
    return bsearch(path, files->items, files->n, sizeof *files->items, cmp_str_key) != NULL;
}

/* Links every clip to its data_5s twin ("<sp>/data/x" -> "<sp>/data_5s/x") and counts the
 * species' data_5s files that have no twin in data/. files must be sorted. */
static int dataset_pair_5s(const strlist *files, species_data *sp, mlac_err *err)
{
    char twin[4096];
    for (size_t k = 0; k < sp->n_clips; k++) {
        const char *p = sp->clips[k].path;
        const char *mid = strstr(p, "/data/");
        if (!mid)
            continue;
        snprintf(twin, sizeof twin, "%.*s/data_5s/%s", (int)(mid - p), p, mid + 6);
        if (listed(files, twin) && !(sp->clips[k].path5s = strdup(twin)))
            return mlac_errf(err, MLAC_ENOMEM, "out of memory pairing data_5s clips");
    }
    char prefix[256];
    int n = snprintf(prefix, sizeof prefix, "%s/data_5s/", sp->name);
    for (size_t j = 0; j < files->n; j++) {
        const char *f = files->items[j];
        if (strncmp(f, prefix, (size_t)n) != 0 || !dataset_is_audio(f))
            continue;
        sp->n_5s++;
        snprintf(twin, sizeof twin, "%s/data/%s", sp->name, f + n);
        if (!listed(files, twin))
            sp->n_5s_unpaired++;
    }
    return MLAC_OK;
}

/* Each species' clip list from its own clips own[i] and the negatives mode (positives first). */
static int build_species(dataset *d, clip_vec *own, enum negatives_mode mode, mlac_err *err)
{
    for (size_t i = 0; i < d->n; i++) {
        species_data *sp = &d->species[i];
        size_t own_neg = 0;
        for (size_t k = 0; k < own[i].n; k++)
            own_neg += own[i].v[k].label == 0;
        int others = mode == NEG_OTHERS || (mode == NEG_AUTO && own_neg == 0);
        if (mode == NEG_FOLDER && own_neg == 0)
            return mlac_errf(err, MLAC_EINVAL, "species '%s' has no negative clips and negatives is 'folder'; "
                             "use --negatives auto or others, or add %s/data/neg/", sp->name, sp->name);
        clip_vec all = {0};
        int rc = MLAC_OK;
        for (size_t k = 0; k < own[i].n && !rc; k++)
            if (!others || own[i].v[k].label == 1)
                rc = clip_push(&all, own[i].v[k].path, own[i].v[k].label, own[i].v[k].group, err);
        for (size_t j = 0; others && j < d->n && !rc; j++)
            for (size_t k = 0; j != i && k < own[j].n && !rc; k++)
                if (own[j].v[k].label == 1)
                    rc = clip_push(&all, own[j].v[k].path, 0, own[j].v[k].group, err);
        if (rc) {
            clip_vec_release(&all);
            return rc;
        }
        qsort(all.v, all.n, sizeof *all.v, cmp_clip);
        sp->clips = all.v;
        sp->n_clips = all.n;
        sp->negatives_from_others = others;
        for (size_t k = 0; k < all.n; k++)
            sp->n_pos += all.v[k].label == 1, sp->n_neg += all.v[k].label == 0;
    }
    return MLAC_OK;
}

void dataset_fingerprint(dataset *d)
{
    hash_ctx *h = hash_begin();
    for (size_t i = 0; i < d->n; i++) {
        hash_update_str(h, d->species[i].name);
        for (size_t k = 0; k < d->species[i].n_clips; k++) {
            hash_update_str(h, d->species[i].clips[k].path);
            hash_update(h, &d->species[i].clips[k].label, sizeof(int));
        }
    }
    for (size_t k = 0; k < d->n_bad; k++) { /* clips left out as unreadable (clip_check.c) */
        hash_update_str(h, "unreadable");
        hash_update_str(h, d->bad[k].path);
    }
    hash_end_hex(h, d->fingerprint);
}

/* What a root that fits no layout holds: audio files at the top, folders (and whether they hold
 * audio), so the error says what was found and where, and how to use it as it is. */
static void describe_found(const strlist *files, char *out, size_t n)
{
    size_t top = 0, audio = 0, len = 0, shown = 0, dirs = 0;
    char last[256] = "";
    for (size_t j = 0; j < files->n; j++) {
        const char *f = files->items[j];
        audio += dataset_is_audio(f);
        const char *slash = strchr(f, '/');
        if (!slash) {
            top += dataset_is_audio(f);
            continue;
        }
        size_t dl = (size_t)(slash - f);
        if (dl < sizeof last && (strlen(last) != dl || strncmp(last, f, dl))) {
            memcpy(last, f, dl);
            last[dl] = '\0';
            dirs++;
            if (shown++ < 6)
                len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s'%s/'", shown > 1 ? ", " : "folders ", last);
        }
    }
    if (dirs > 6)
        len += (size_t)snprintf(out + len, len < n ? n - len : 0, " and %zu more", dirs - 6);
    if (len >= n)
        return;
    if (!files->n)
        snprintf(out, n, "no files under it (empty, or only empty folders)");
    else
        snprintf(out + len, n - len, "%s%zu audio files in all, %zu directly under the root, none in a "
                 "<species>/data/{pos,neg}/ folder; for clips in any folder shape give a labels CSV: "
                 "--labels FILE.csv with columns file,species,label", len ? "; " : "", audio, top);
}

int dataset_finish_scan(dataset *out, clip_vec *own, enum negatives_mode mode, int rc,
                        int (*check)(species_data *sp, const void *ctx, mlac_err *err), const void *ctx,
                        mlac_err *err)
{
    if (!rc)
        rc = build_species(out, own, mode, err);
    for (size_t i = 0; !rc && check && i < out->n; i++)
        rc = check(&out->species[i], ctx, err);
    if (!rc)
        dataset_fingerprint(out);
    for (size_t i = 0; own && i < out->n; i++)
        clip_vec_release(&own[i]);
    free(own);
    if (rc)
        dataset_release(out);
    return rc;
}

struct layout_ctx {
    const store *s;
    const strlist *files;
};

/* The folder layout's rule: positives under <species>/data/; then the data_5s twins. */
static int check_layout_species(species_data *sp, const void *ctx, mlac_err *err)
{
    const struct layout_ctx *c = ctx;
    if (sp->n_pos == 0)
        return mlac_errf(err, MLAC_EFORMAT, "species '%s' has no positive clips under '%s/%s/data/'\n%s", sp->name,
                         c->s->root, sp->name, dataset_layout_help());
    return dataset_pair_5s(c->files, sp, err);
}

int dataset_scan(store *s, enum negatives_mode mode, dataset *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->root, sizeof out->root, "%s", s->root);
    strlist files;
    strlist_init(&files);
    clip_vec *own = NULL;
    int rc = store_list(s, "", &files, err);
    if (rc) {
        mlac_err_prefix(err, "data root: ");
        goto out;
    }
    /* species = first path component of files under "<sp>/data/" or "<sp>/data_5s/" */
    for (size_t j = 0; j < files.n && !rc; j++) {
        const char *f = files.items[j];
        const char *slash = strchr(f, '/');
        if (!slash || (strncmp(slash, "/data/", 6) && strncmp(slash, "/data_5s/", 9)))
            continue;
        if (!utf8_valid(f)) { /* names go into JSON and CSV results: refuse them up front, whole */
            char shown[600];
            utf8_escape(f, shown, sizeof shown);
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s/%s': the name is not valid UTF-8 (invalid bytes shown as \\xNN); "
                           "rename it, since mlac writes clip and species names into its results", s->root, shown);
            break;
        }
        char name[256];
        size_t len = (size_t)(slash - f);
        if (len >= sizeof name)
            continue;
        memcpy(name, f, len);
        name[len] = '\0';
        if (out->n == 0 || strcmp(out->species[out->n - 1].name, name))
            rc = dataset_add_species(out, name, err);
    }
    if (rc)
        goto out;
    if (out->n == 0) {
        char found[1200];
        describe_found(&files, found, sizeof found);
        rc = mlac_errf(err, MLAC_ENOTFOUND, "no species found under '%s': %s\n%s", s->root, found, dataset_layout_help());
        goto out;
    }
    own = calloc(out->n, sizeof *own);
    if (!own) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory scanning '%s'", s->root);
        goto out;
    }
    rc = collect(s, &files, out, own, err);
out:;
    struct layout_ctx ctx = {s, &files};
    rc = dataset_finish_scan(out, own, mode, rc, check_layout_species, &ctx, err);
    strlist_release(&files);
    return rc;
}

void dataset_release(dataset *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        for (size_t k = 0; k < d->species[i].n_clips; k++) {
            free(d->species[i].clips[k].path);
            free(d->species[i].clips[k].path5s);
            free(d->species[i].clips[k].group);
        }
        free(d->species[i].clips);
    }
    free(d->species);
    d->species = NULL;
    d->n = 0;
    for (size_t k = 0; k < d->n_bad; k++)
        free(d->bad[k].path), free(d->bad[k].reason);
    free(d->bad);
    d->bad = NULL;
    d->n_bad = 0;
}

const species_data *dataset_find(const dataset *d, const char *species)
{
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->species[i].name, species))
            return &d->species[i];
    return NULL;
}

size_t dataset_max_balanced(const species_data *sp, int folds)
{
    if (folds < 2)
        return 0;
    size_t kp = (sp->n_pos + (size_t)folds - 1) / (size_t)folds;
    size_t kn = (sp->n_neg + (size_t)folds - 1) / (size_t)folds;
    size_t pp = sp->n_pos - kp, pn = sp->n_neg - kn;
    return pp < pn ? pp : pn;
}

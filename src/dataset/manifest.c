/* manifest.c — clips from a labels CSV (issue 13): `--labels FILE.csv` with a header row naming
 * the columns file, species, label and optionally group (aliases: path/filename, class,
 * recording/site), read as RFC 4180 (core/csv.h). Files may sit anywhere below the data root
 * (a flat folder is fine); nothing has to be moved or renamed.
 *
 * Label words: --positive-label / --negative-label name them (with one of the two given, every
 * other word is the other class). Without them, per species: pos/neg/1/0/present/absent/yes/no
 * and background/noise decide; two unknown words are mapped in name order (the first is
 * positive) and the mapping says it was guessed. species_data.label_map says what was done.
 */
#include "core/csv.h"
#include "core/utf8.h"
#include "dataset/dataset.h"
#include "dataset/dataset_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MANIFEST_MAX_BYTES (256u << 20)

typedef struct manifest_row {
    char *file, *species, *label, *group; /* owned; group NULL without a group column */
    size_t line;
} manifest_row;

typedef struct manifest {
    manifest_row *rows;
    size_t n, cap;
    int col_file, col_species, col_label, col_group;
    char name[4096]; /* the CSV as given, for messages */
} manifest;

static void manifest_release(manifest *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->rows[i].file), free(m->rows[i].species), free(m->rows[i].label), free(m->rows[i].group);
    free(m->rows);
    m->rows = NULL;
    m->n = m->cap = 0;
}

static int is_any(const char *s, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        if (!strcasecmp(s, names[i]))
            return 1;
    return 0;
}

static int header(manifest *m, const strlist *f, mlac_err *err)
{
    static const char *const file[] = {"file", "path", "filename", "file_name", NULL};
    static const char *const species[] = {"species", NULL};
    static const char *const label[] = {"label", "class", NULL};
    static const char *const group[] = {"group", "recording", "site", NULL};
    m->col_file = m->col_species = m->col_label = m->col_group = -1;
    for (size_t i = 0; i < f->n; i++) {
        const char *h = f->items[i];
        if (m->col_file < 0 && is_any(h, file)) m->col_file = (int)i;
        else if (m->col_species < 0 && is_any(h, species)) m->col_species = (int)i;
        else if (m->col_label < 0 && is_any(h, label)) m->col_label = (int)i;
        else if (m->col_group < 0 && is_any(h, group)) m->col_group = (int)i;
    }
    if (m->col_file >= 0 && m->col_species >= 0 && m->col_label >= 0)
        return MLAC_OK;
    char found[512] = "";
    size_t len = 0;
    for (size_t i = 0; i < f->n && len < sizeof found; i++)
        len += (size_t)snprintf(found + len, sizeof found - len, "%s'%s'", i ? ", " : "", f->items[i]);
    return mlac_errf(err, MLAC_EFORMAT, "'%s' line 1: the header row must name the columns file, species and label "
                     "(and optionally group); found %s", m->name, found[0] ? found : "nothing");
}

/* Checks one row's values; the message names the line and the column. */
static int check_row(const manifest *m, const manifest_row *r, mlac_err *err)
{
    const char *bad = NULL;
    if (!r->file[0]) bad = "the file is empty";
    else if (r->file[0] == '/' || strstr(r->file, "://")) bad = "the file must be a path relative to the data root";
    else if (!strcmp(r->file, "..") || !strncmp(r->file, "../", 3) || strstr(r->file, "/../"))
        bad = "the file leaves the data root ('..')";
    else if (!r->species[0]) bad = "the species is empty";
    else if (strchr(r->species, '/') || !strcmp(r->species, ".") || !strcmp(r->species, ".."))
        bad = "the species must not contain '/' or be '.' or '..'";
    else if (strlen(r->species) >= sizeof(((species_data *)0)->name)) bad = "the species name is too long";
    else if (!r->label[0]) bad = "the label is empty";
    else if (r->group && !r->group[0]) bad = "the group is empty (every row needs one when the column is there)";
    else if (!utf8_valid(r->file) || !utf8_valid(r->species) || !utf8_valid(r->label) ||
             (r->group && !utf8_valid(r->group)))
        bad = "a value is not valid UTF-8";
    if (bad)
        return mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: %s", m->name, r->line, bad);
    return MLAC_OK;
}

static int push_row(manifest *m, const strlist *f, size_t line, mlac_err *err)
{
    int need = m->col_file;
    need = m->col_species > need ? m->col_species : need;
    need = m->col_label > need ? m->col_label : need;
    need = m->col_group > need ? m->col_group : need;
    if ((int)f->n <= need)
        return mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: expected %d columns, got %zu", m->name, line, need + 1,
                         f->n);
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 256;
        manifest_row *p = realloc(m->rows, cap * sizeof *p);
        if (!p)
            return mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", m->name);
        m->rows = p, m->cap = cap;
    }
    manifest_row *r = &m->rows[m->n];
    r->line = line;
    r->file = strdup(f->items[m->col_file]);
    r->species = strdup(f->items[m->col_species]);
    r->label = strdup(f->items[m->col_label]);
    r->group = m->col_group >= 0 ? strdup(f->items[m->col_group]) : NULL;
    if (!r->file || !r->species || !r->label || (m->col_group >= 0 && !r->group)) {
        free(r->file), free(r->species), free(r->label), free(r->group);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", m->name);
    }
    while (!strncmp(r->file, "./", 2))
        memmove(r->file, r->file + 2, strlen(r->file + 2) + 1);
    m->n++;
    return check_row(m, r, err);
}

/* Reads the CSV (a local path or a gs:// URI) into m. */
static int manifest_read(const char *path, manifest *m, mlac_err *err)
{
    snprintf(m->name, sizeof m->name, "%s", path);
    char dir[4096];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (slash == path)
        snprintf(dir, sizeof dir, "/");
    store *cs = NULL;
    buf b;
    buf_init(&b, MANIFEST_MAX_BYTES);
    strlist f;
    strlist_init(&f);
    int rc = store_open(dir, &cs, err);
    if (!rc && !*base)
        rc = mlac_errf(err, MLAC_EINVAL, "labels: '%s' is a folder, not a CSV file", path);
    if (!rc && (rc = store_read(cs, base, &b, err)))
        mlac_err_prefix(err, "labels: ");
    csv_reader r;
    csv_reader_init(&r, b.data ? b.data : "", b.len, m->name);
    int got = 0, have_header = 0;
    while (!rc && !(rc = csv_next(&r, &f, &got, err)) && got) {
        if (f.n == 1 && !f.items[0][0])
            continue; /* a blank line */
        if (!have_header)
            rc = header(m, &f, err), have_header = 1;
        else
            rc = push_row(m, &f, r.record_line, err);
    }
    if (!rc && !m->n)
        rc = mlac_errf(err, MLAC_EFORMAT, "'%s': no clips listed (a header row file,species,label and one row per "
                       "clip are expected)", path);
    strlist_release(&f);
    buf_release(&b);
    store_free(cs);
    return rc;
}

static int word_class(const char *w)
{
    static const char *const pos[] = {"pos", "positive", "1", "present", "yes", "true", NULL};
    static const char *const neg[] = {"neg", "negative", "0", "absent", "no", "false", "background", "noise",
                                      "none", "other", "nontarget", "non-target", "non_target", NULL};
    return is_any(w, pos) ? 1 : is_any(w, neg) ? 0 : -1;
}

/* Maps the distinct label words of one species (sorted) to 1/0 into cls; writes the note. */
static int map_words(const dataset_source *src, const char *sp, const strlist *words, int *cls, char *note,
                     size_t note_n, mlac_err *err)
{
    const char *pl = src->positive_label ? src->positive_label : "";
    const char *nl = src->negative_label ? src->negative_label : "";
    char list[400] = "";
    size_t len = 0;
    for (size_t i = 0; i < words->n && len < sizeof list; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s'%s'", i ? ", " : "", words->items[i]);
    int guessed = 0;
    if (pl[0] || nl[0]) {
        int seen_p = 0;
        for (size_t i = 0; i < words->n; i++) {
            const char *w = words->items[i];
            if (pl[0] && !strcmp(w, pl)) cls[i] = 1, seen_p = 1;
            else if (nl[0] && !strcmp(w, nl)) cls[i] = 0;
            else if (pl[0] && nl[0])
                return mlac_errf(err, MLAC_EFORMAT, "labels: species '%s' has the label '%s', which is neither "
                                 "--positive-label '%s' nor --negative-label '%s' (its labels: %s)", sp, w, pl, nl, list);
            else cls[i] = pl[0] ? 0 : 1;
        }
        if (pl[0] && !seen_p)
            return mlac_errf(err, MLAC_EFORMAT, "labels: species '%s' has no row labelled '%s' (--positive-label); "
                             "its labels: %s", sp, pl, list);
    } else {
        int known = 0, first_known = -1;
        for (size_t i = 0; i < words->n; i++)
            if ((cls[i] = word_class(words->items[i])) >= 0)
                known++, first_known = first_known < 0 ? (int)i : first_known;
        if (known < (int)words->n) {
            if (words->n == 1)
                cls[0] = 1; /* one word: positives (negatives from the other species) */
            else if (words->n == 2 && known == 1)
                cls[1 - first_known] = 1 - cls[first_known];
            else if (words->n == 2 && known == 0)
                cls[0] = 1, cls[1] = 0, guessed = 1;
            else
                return mlac_errf(err, MLAC_EFORMAT, "labels: species '%s' has %zu label values (%s); say which is "
                                 "positive with --positive-label (and --negative-label)", sp, words->n, list);
        }
    }
    int pos = 0, neg = 0;
    for (size_t i = 0; i < words->n; i++)
        pos += cls[i] == 1, neg += cls[i] == 0;
    if (!pos)
        return mlac_errf(err, MLAC_EFORMAT, "labels: species '%s' has no positive label among %s; name it with "
                         "--positive-label", sp, list);
    len = 0;
    note[0] = '\0';
    for (size_t i = 0; i < words->n && len < note_n; i++)
        len += (size_t)snprintf(note + len, note_n - len, "%s'%s' -> %s", i ? ", " : "", words->items[i],
                                cls[i] ? "positive" : "negative");
    if (guessed && len < note_n)
        snprintf(note + len, note_n - len, " (guessed from name order: give --positive-label to choose)");
    return MLAC_OK;
}

static int cmp_row_species(const void *a, const void *b)
{
    const manifest_row *x = a, *y = b;
    int c = strcmp(x->species, y->species);
    return c ? c : strcmp(x->file, y->file);
}

/* One species' rows [lo, hi) (sorted by file) into own: labels mapped, duplicates refused. */
static int species_rows(const manifest *m, const dataset_source *src, size_t lo, size_t hi, species_data *sp,
                        clip_vec *own, mlac_err *err)
{
    strlist words;
    strlist_init(&words);
    int rc = MLAC_OK;
    for (size_t i = lo; !rc && i < hi; i++)
        if (!strlist_contains(&words, m->rows[i].label))
            rc = strlist_push(&words, m->rows[i].label, err);
    strlist_sort(&words);
    int *cls = calloc(words.n ? words.n : 1, sizeof *cls);
    if (!rc && !cls)
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", m->name);
    if (!rc)
        rc = map_words(src, sp->name, &words, cls, sp->label_map, sizeof sp->label_map, err);
    for (size_t i = lo; !rc && i < hi; i++) {
        const manifest_row *r = &m->rows[i];
        if (i > lo && !strcmp(r->file, m->rows[i - 1].file)) {
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' lines %zu and %zu: '%s' is listed twice for species '%s'", m->name,
                           m->rows[i - 1].line, r->line, r->file, sp->name);
            break;
        }
        size_t w = 0;
        while (strcmp(words.items[w], r->label))
            w++;
        rc = clip_push(own, r->file, cls[w], r->group, err);
    }
    free(cls);
    strlist_release(&words);
    return rc;
}

/* A labels CSV's rule: every species has negatives, its own or lent by the others. */
static int check_has_negatives(species_data *sp, const void *csv_name, mlac_err *err)
{
    if (sp->n_neg)
        return MLAC_OK;
    return mlac_errf(err, MLAC_EFORMAT, "labels: species '%s' has no negatives in '%s' and no other species lends any",
                     sp->name, (const char *)csv_name);
}

int dataset_scan_manifest(store *s, const dataset_source *src, dataset *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->root, sizeof out->root, "%s", s->root);
    snprintf(out->manifest, sizeof out->manifest, "%s", src->labels_csv);
    manifest m = {0};
    clip_vec *own = NULL;
    int rc = manifest_read(src->labels_csv, &m, err);
    if (rc)
        goto out;
    qsort(m.rows, m.n, sizeof *m.rows, cmp_row_species);
    for (size_t i = 0; !rc && i < m.n; i++)
        if (!i || strcmp(m.rows[i].species, m.rows[i - 1].species))
            rc = dataset_add_species(out, m.rows[i].species, err);
    if (!rc && !(own = calloc(out->n, sizeof *own)))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", m.name);
    for (size_t i = 0, lo = 0; !rc && i < out->n; i++) {
        size_t hi = lo;
        while (hi < m.n && !strcmp(m.rows[hi].species, out->species[i].name))
            hi++;
        rc = species_rows(&m, src, lo, hi, &out->species[i], &own[i], err);
        out->species[i].from_labels_csv = 1;
        out->species[i].labels_csv_groups = m.col_group >= 0;
        lo = hi;
    }
out:
    rc = dataset_finish_scan(out, own, src->negatives, rc, check_has_negatives, m.name, err);
    manifest_release(&m);
    return rc;
}

int dataset_load(store *s, const dataset_source *src, dataset *out, mlac_err *err)
{
    if (src->labels_csv && src->labels_csv[0])
        return dataset_scan_manifest(s, src, out, err);
    return dataset_scan(s, src->negatives, out, err);
}

/* embed_parse.c — embedding file parsers and the embed_set they fill (see embed_parse.h).
 *
 * Text is never assumed NUL-terminated: each number is copied (at most 64 characters) into a
 * small buffer before strtod, so a hostile file cannot make a parser read past its end, and
 * whitespace or a newline is never skipped inside a field.
 */
#include "embed/embed_parse.h"
#include "core/csv.h"
#include "core/npy.h"
#include "embed/embed.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NUM_MAX 64
#define KEY_MAX 4096

/* ---- the set ----------------------------------------------------------------------------- */

void embed_set_init(embed_set *s)
{
    memset(s, 0, sizeof *s);
}

void embed_set_release(embed_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->row_key && i < s->n_rows; i++)
        free(s->row_key[i]);
    for (size_t i = 0; s->entries && i < s->n_entries; i++)
        free(s->entries[i].key);
    free(s->row_key);
    free(s->entries);
    free(s->rows);
    free(s->start);
    memset(s, 0, sizeof *s);
}

static int set_grow(embed_set *s, mlac_err *err)
{
    size_t cap = s->cap_rows ? s->cap_rows * 2 : 64;
    float *rows = realloc(s->rows, cap * s->dim * sizeof *rows);
    if (rows)
        s->rows = rows;
    double *start = rows ? realloc(s->start, cap * sizeof *start) : NULL;
    if (start)
        s->start = start;
    char **keys = start ? realloc(s->row_key, cap * sizeof *keys) : NULL;
    if (keys)
        s->row_key = keys;
    if (!keys)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu embeddings", cap);
    s->cap_rows = cap;
    return MLAC_OK;
}

static int embed_set_push(embed_set *s, const char *key, double start, const float *v, size_t dim, const char *where,
                   mlac_err *err)
{
    if (s->finished)
        return mlac_errf(err, MLAC_EINTERNAL, "embedding set is already finished");
    if (dim < 1 || dim > EMBED_MAX_DIM)
        return mlac_errf(err, MLAC_EFORMAT, "%s: a vector of %zu values (expected 1 to %d)", where, dim,
                         EMBED_MAX_DIM);
    if (!s->dim)
        s->dim = dim;
    else if (dim != s->dim)
        return mlac_errf(err, MLAC_EFORMAT, "%s: vector has %zu values, earlier vectors have %zu", where, dim, s->dim);
    if ((s->n_rows + 1) * s->dim > EMBED_PARSE_MAX_VALUES)
        return mlac_errf(err, MLAC_ENOMEM, "%s: more than %zu embedding values in all", where,
                         EMBED_PARSE_MAX_VALUES);
    if (s->n_rows == s->cap_rows) {
        int rc = set_grow(s, err);
        if (rc)
            return rc;
    }
    char *k = strdup(key);
    if (!k)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for an embedding key");
    memcpy(s->rows + s->n_rows * s->dim, v, dim * sizeof *v);
    s->start[s->n_rows] = start;
    s->row_key[s->n_rows] = k;
    s->n_rows++;
    return MLAC_OK;
}

typedef struct row_ord {
    const char *key;
    double start; /* NAN sorts last */
    size_t idx;
} row_ord;

static int cmp_row(const void *a, const void *b)
{
    const row_ord *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    double sx = isnan(x->start) ? INFINITY : x->start, sy = isnan(y->start) ? INFINITY : y->start;
    if (sx != sy)
        return sx < sy ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int embed_set_finish(embed_set *s, mlac_err *err)
{
    if (s->finished)
        return MLAC_OK;
    size_t n = s->n_rows, dim = s->dim;
    row_ord *ord = malloc((n ? n : 1) * sizeof *ord);
    float *rows = malloc((n ? n * dim : 1) * sizeof *rows);
    double *start = malloc((n ? n : 1) * sizeof *start);
    embed_entry *ent = calloc(n ? n : 1, sizeof *ent);
    int rc = MLAC_OK;
    if (!ord || !rows || !start || !ent) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory sorting %zu embeddings", n);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        ord[i] = (row_ord){s->row_key[i], s->start[i], i};
    qsort(ord, n, sizeof *ord, cmp_row);
    size_t ne = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(rows + i * dim, s->rows + ord[i].idx * dim, dim * sizeof *rows);
        start[i] = ord[i].start;
        if (ne == 0 || strcmp(ent[ne - 1].key, ord[i].key)) {
            if (!(ent[ne].key = strdup(ord[i].key))) {
                rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for an embedding key");
                goto out;
            }
            ent[ne].first = i;
            ne++;
        }
        ent[ne - 1].n++;
    }
    for (size_t i = 0; i < n; i++)
        free(s->row_key[i]);
    free(s->row_key);
    s->row_key = NULL;
    free(s->rows);
    free(s->start);
    s->rows = rows;
    s->start = start;
    s->entries = ent;
    s->n_entries = ne;
    s->finished = 1;
    rows = NULL;
    start = NULL;
    ent = NULL;
out:
    if (ent)
        for (size_t i = 0; i < n; i++)
            free(ent[i].key);
    free(ent);
    free(ord);
    free(rows);
    free(start);
    return rc;
}

const embed_entry *embed_set_get(const embed_set *s, const char *key)
{
    size_t lo = 0, hi = s->n_entries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s->entries[mid].key, key);
        if (!c)
            return &s->entries[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---- keys -------------------------------------------------------------------------------- */

static int ends_with(const char *s, size_t len, const char *suffix)
{
    size_t k = strlen(suffix);
    return len >= k && !strncasecmp(s + len - k, suffix, k);
}

static int is_audio_ext(const char *ext)
{
    static const char *known[] = {"wav", "wave", "flac", "ogg", "oga", "opus", "mp3", "aif", "aiff", "aifc", "au",
                                  "snd", "caf", "w64", "rf64", "m4a", "wv"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcasecmp(ext, known[i]))
            return 1;
    return 0;
}

void embed_key_normalise(const char *path, char *out, size_t n)
{
    if (!n)
        return;
    size_t k = 0;
    for (; path[k] && k + 1 < n; k++)
        out[k] = path[k] == '\\' ? '/' : path[k];
    out[k] = '\0';
    char *slash = strrchr(out, '/');
    char *dot = strrchr(slash ? slash + 1 : out, '.');
    if (dot && dot != (slash ? slash + 1 : out) && is_audio_ext(dot + 1))
        *dot = '\0';
}

enum embed_file_kind embed_file_kind_of(const char *rel, char *stem, size_t n)
{
    static const char txt[] = ".birdnet.embeddings.txt";
    size_t len = strlen(rel);
    enum embed_file_kind kind = EMBED_FILE_NONE;
    size_t cut = len;
    if (ends_with(rel, len, txt))
        kind = EMBED_FILE_TXT, cut = len - (sizeof txt - 1);
    else if (ends_with(rel, len, ".npy"))
        kind = EMBED_FILE_NPY, cut = len - 4;
    else if (ends_with(rel, len, ".csv"))
        kind = EMBED_FILE_CSV;
    if (kind == EMBED_FILE_NONE || cut == 0 || cut >= n)
        return EMBED_FILE_NONE;
    memcpy(stem, rel, cut);
    stem[cut] = '\0';
    return kind;
}

/* ---- lines and numbers ------------------------------------------------------------------- */

typedef struct cursor {
    const char *p, *end;
    size_t line;          /* number of the line last returned */
    const char *name;
} cursor;

/* Next line [*b, *e) without '\n' and a trailing '\r'; 0 at the end. */
static int next_line(cursor *c, const char **b, const char **e, mlac_err *err, int *rc)
{
    *rc = MLAC_OK;
    if (c->p >= c->end)
        return 0;
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    const char *stop = nl ? nl : c->end;
    c->line++;
    if ((size_t)(stop - c->p) > EMBED_PARSE_MAX_LINE) {
        *rc = mlac_errf(err, MLAC_ENOMEM, "'%s' line %zu is longer than %zu bytes", c->name, c->line,
                        EMBED_PARSE_MAX_LINE);
        return 0;
    }
    *b = c->p;
    *e = stop > c->p && stop[-1] == '\r' ? stop - 1 : stop;
    c->p = nl ? nl + 1 : c->end;
    return 1;
}

/* A finite number filling [b, e) exactly. */
static int parse_number(const char *b, const char *e, double *out)
{
    size_t n = (size_t)(e - b);
    if (n == 0 || n > NUM_MAX)
        return -1;
    char tmp[NUM_MAX + 1];
    memcpy(tmp, b, n);
    tmp[n] = '\0';
    if (tmp[0] == ' ' || tmp[0] == '\t' || tmp[0] == '\n' || tmp[0] == '\r' || tmp[0] == '\f' || tmp[0] == '\v')
        return -1;
    char *stop;
    errno = 0;
    double v = strtod(tmp, &stop);
    if (stop != tmp + n || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* "v1,v2,...,vd" filling [b, e) into v (at most EMBED_MAX_DIM); -1 with *bad = the column of a
 * value that is not a finite float32, -2 when there are more than EMBED_MAX_DIM values. */
static int parse_vector(const char *b, const char *e, float *v, size_t *dim, size_t *bad)
{
    size_t j = 0;
    const char *p = b;
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(e - p));
        const char *stop = comma ? comma : e;
        double x;
        if (j >= EMBED_MAX_DIM)
            return -2;
        if (parse_number(p, stop, &x) || fabs(x) > 3.4028234663852886e38) {
            *bad = j + 1;
            return -1;
        }
        v[j++] = (float)x;
        if (!comma)
            break;
        p = comma + 1;
    }
    *dim = j;
    return 0;
}

#define LINE_ERR(c, ...)                                                                  \
    do {                                                                                  \
        char where_[160];                                                                 \
        snprintf(where_, sizeof where_, __VA_ARGS__);                                     \
        rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: %s", (c).name, (c).line, where_); \
        goto out;                                                                         \
    } while (0)

/* ---- BirdNET per-file text --------------------------------------------------------------- */

/* The bare form's "<base>_<start>_<end>" stem: base into out and start; -1 when not of that shape. */
static int split_bare_stem(const char *stem, char *out, size_t n, double *start)
{
    const char *u2 = strrchr(stem, '_');
    if (!u2 || u2 == stem)
        return -1;
    const char *u1 = u2 - 1;
    while (u1 > stem && *u1 != '_')
        u1--;
    double s, e;
    if (*u1 != '_' || u1 == stem || parse_number(u1 + 1, u2, &s) || parse_number(u2 + 1, stem + strlen(stem), &e) ||
        s < 0 || e < s || (size_t)(u1 - stem) >= n)
        return -1;
    memcpy(out, stem, (size_t)(u1 - stem));
    out[u1 - stem] = '\0';
    *start = s;
    return 0;
}

int embed_parse_birdnet_txt(const char *text, size_t len, const char *name, const char *stem, embed_set *s,
                            mlac_err *err)
{
    if (len > EMBED_PARSE_MAX_FILE)
        return mlac_errf(err, MLAC_ENOMEM, "'%s' is larger than %zu bytes", name, EMBED_PARSE_MAX_FILE);
    cursor c = {text, text + len, 0, name};
    float *v = malloc(EMBED_MAX_DIM * sizeof *v);
    char *key = malloc(KEY_MAX), *bare_key = malloc(KEY_MAX);
    int rc = MLAC_OK, form = -1; /* 1 tabbed, 0 bare */
    size_t rows = 0;
    double bare_start = NAN;
    if (!v || !key || !bare_key) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory parsing '%s'", name);
        goto out;
    }
    embed_key_normalise(stem, key, KEY_MAX);
    if (split_bare_stem(key, bare_key, KEY_MAX, &bare_start))
        snprintf(bare_key, KEY_MAX, "%s", key), bare_start = NAN;
    const char *b, *e;
    while (next_line(&c, &b, &e, err, &rc)) {
        if (b == e)
            continue; /* blank line */
        const char *t1 = memchr(b, '\t', (size_t)(e - b));
        int tabbed = t1 != NULL;
        if (form < 0)
            form = tabbed;
        else if (form != tabbed)
            LINE_ERR(c, "%s", tabbed ? "a 'start<TAB>end<TAB>vector' line in a file of bare vectors"
                                     : "expected 'start<TAB>end<TAB>v1,v2,...'");
        double start = bare_start, end_s;
        const char *vb = b;
        if (tabbed) {
            const char *t2 = memchr(t1 + 1, '\t', (size_t)(e - t1 - 1));
            if (!t2)
                LINE_ERR(c, "expected 'start<TAB>end<TAB>v1,v2,...' (only one tab)");
            if (memchr(t2 + 1, '\t', (size_t)(e - t2 - 1)))
                LINE_ERR(c, "more than three tab-separated fields");
            if (parse_number(b, t1, &start) || start < 0)
                LINE_ERR(c, "start '%.*s' is not a time >= 0", (int)(t1 - b < 40 ? t1 - b : 40), b);
            if (parse_number(t1 + 1, t2, &end_s) || end_s < start)
                LINE_ERR(c, "end '%.*s' is not a time >= start", (int)(t2 - t1 - 1 < 40 ? t2 - t1 - 1 : 40), t1 + 1);
            vb = t2 + 1;
        }
        size_t dim, bad = 0;
        int pv = parse_vector(vb, e, v, &dim, &bad);
        if (pv == -2)
            LINE_ERR(c, "a vector of more than %d values", EMBED_MAX_DIM);
        if (pv)
            LINE_ERR(c, "value %zu of the vector is not a finite number", bad);
        char where[600];
        snprintf(where, sizeof where, "'%s' line %zu", name, c.line);
        if ((rc = embed_set_push(s, tabbed ? key : bare_key, start, v, dim, where, err)))
            goto out;
        rows++;
    }
    if (!rc && rows == 0)
        rc = mlac_errf(err, MLAC_EFORMAT, "'%s' holds no embeddings", name);
out:
    free(v);
    free(key);
    free(bare_key);
    return rc;
}

/* ---- BirdNET single CSV ------------------------------------------------------------------ */

/* 1 when the record just read (which began at rec) ended with a closing quote: the vector
 * field must be quoted, as BirdNET-Analyzer writes it. */
static int ends_quoted(const csv_reader *r, const char *rec)
{
    const char *q = r->p;
    if (q > rec && q[-1] == '\n')
        q--;
    if (q > rec && q[-1] == '\r')
        q--;
    return q > rec && q[-1] == '"';
}

/* The file_path of a record of n >= 4 fields: the first n - 3 joined by commas (an unquoted path
 * that holds commas, as BirdNET-Analyzer writes it), or the one quoted field. */
static int join_path(const strlist *f, char *out, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i + 3 < f->n; i++) {
        size_t len = strlen(f->items[i]);
        if (k + len + 2 > n)
            return -1;
        if (i)
            out[k++] = ',';
        memcpy(out + k, f->items[i], len);
        k += len;
    }
    out[k] = '\0';
    return k ? 0 : -1;
}

int embed_parse_birdnet_csv(const char *text, size_t len, const char *name, embed_set *s, mlac_err *err)
{
    static const char *const header[] = {"file_path", "start", "end", "embedding"};
    if (len > EMBED_PARSE_MAX_FILE)
        return mlac_errf(err, MLAC_ENOMEM, "'%s' is larger than %zu bytes", name, EMBED_PARSE_MAX_FILE);
    csv_reader r;
    csv_reader_init(&r, text ? text : "", len, name); /* RFC 4180 (core/csv.h); a byte-order mark is skipped */
    r.max_field = EMBED_PARSE_MAX_LINE;
    struct { const char *name; size_t line; } at = {name, 1}; /* for LINE_ERR */
    float *v = malloc(EMBED_MAX_DIM * sizeof *v);
    char *path = malloc(KEY_MAX), *key = malloc(KEY_MAX);
    strlist f;
    strlist_init(&f);
    int rc = MLAC_OK, got = 0;
    size_t rows = 0;
    if (!v || !path || !key) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory parsing '%s'", name);
        goto out;
    }
    if ((rc = csv_next(&r, &f, &got, err)))
        goto out;
    if (!got) {
        rc = mlac_errf(err, MLAC_EFORMAT, "'%s' is empty (expected the header '%s')", name,
                       "file_path,start,end,embedding");
        goto out;
    }
    int header_ok = f.n == 4;
    for (size_t i = 0; header_ok && i < 4; i++)
        header_ok = !strcmp(f.items[i], header[i]);
    if (!header_ok)
        LINE_ERR(at, "expected the header '%s'", "file_path,start,end,embedding");
    for (;;) {
        const char *rec = r.p;
        if ((rc = csv_next(&r, &f, &got, err)) || !got)
            break;
        at.line = r.record_line;
        if (f.n == 1 && !f.items[0][0])
            continue; /* a blank line */
        if (!ends_quoted(&r, rec))
            LINE_ERR(at, "the last field must be the quoted vector \"v1,v2,...\"");
        if (f.n < 4)
            LINE_ERR(at, "expected file_path,start,end,\"vector\"");
        const char *s_start = f.items[f.n - 3], *s_end = f.items[f.n - 2], *vec = f.items[f.n - 1];
        double start, end_s;
        if (parse_number(s_start, s_start + strlen(s_start), &start) || start < 0)
            LINE_ERR(at, "start '%.40s' is not a time >= 0", s_start);
        if (parse_number(s_end, s_end + strlen(s_end), &end_s) || end_s < start)
            LINE_ERR(at, "end '%.40s' is not a time >= start", s_end);
        if (join_path(&f, path, KEY_MAX))
            LINE_ERR(at, "file_path is empty or too long");
        size_t dim, bad = 0;
        int pv = parse_vector(vec, vec + strlen(vec), v, &dim, &bad);
        if (pv == -2)
            LINE_ERR(at, "a vector of more than %d values", EMBED_MAX_DIM);
        if (pv)
            LINE_ERR(at, "value %zu of the vector is not a finite number", bad);
        embed_key_normalise(path, key, KEY_MAX);
        char where[600];
        snprintf(where, sizeof where, "'%s' line %zu", name, at.line);
        if ((rc = embed_set_push(s, key, start, v, dim, where, err)))
            goto out;
        rows++;
    }
    if (!rc && rows == 0)
        rc = mlac_errf(err, MLAC_EFORMAT, "'%s' holds no embeddings after its header", name);
out:
    strlist_release(&f);
    free(v);
    free(path);
    free(key);
    return rc;
}

/* ---- .npy -------------------------------------------------------------------------------- */

int embed_parse_npy(const void *bytes, size_t len, const char *name, const char *key, embed_set *s, mlac_err *err)
{
    npy_array a;
    int rc = npy_parse(bytes, len, name, &a, err);
    if (rc)
        return rc;
    size_t rows = a.ndim == 1 ? 1 : a.ndim == 2 ? a.shape[0] : 0, dim = a.ndim == 1 ? a.shape[0] : a.ndim == 2 ? a.shape[1] : 0;
    float *v = NULL;
    char *k = malloc(KEY_MAX);
    if (!k) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory parsing '%s'", name);
        goto out;
    }
    if (a.ndim < 1 || a.ndim > 2 || rows == 0 || dim == 0 || dim > EMBED_MAX_DIM) {
        rc = mlac_errf(err, MLAC_EFORMAT, "'%s': expected shape (dim,) or (windows, dim) with 1 <= dim <= %d, got a "
                       "%d-d array", name, EMBED_MAX_DIM, a.ndim);
        goto out;
    }
    if (!(v = malloc(dim * sizeof *v))) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory parsing '%s'", name);
        goto out;
    }
    embed_key_normalise(key, k, KEY_MAX);
    for (size_t i = 0; !rc && i < rows; i++) {
        for (size_t j = 0; j < dim; j++) {
            double x = a.data[i * dim + j];
            if (!isfinite(x) || fabs(x) > 3.4028234663852886e38) {
                rc = mlac_errf(err, MLAC_EFORMAT, "'%s': row %zu value %zu is not a finite float32", name, i, j + 1);
                goto out;
            }
            v[j] = (float)x;
        }
        char where[600];
        snprintf(where, sizeof where, "'%s' row %zu", name, i);
        rc = embed_set_push(s, k, (double)i, v, dim, where, err);
    }
out:
    free(v);
    free(k);
    npy_release(&a);
    return rc;
}

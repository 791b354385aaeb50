/* groups.c — choosing each clip's group from labels.csv, a groups CSV, a regex or the folder
 * (see groups.h). Regular expressions are PCRE2 (Perl syntax: \d works). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "exp/groups.h"
#include "core/csv.h"
#include "core/fsutil.h"
#include "core/hash.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int compile(const char *pattern, pcre2_code **out, mlac_err *err)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR why[256];
        pcre2_get_error_message(code, why, sizeof why);
        return mlac_errf(err, MLAC_EINVAL, "group_by: regular expression 're:%s' does not compile at offset %zu: %s",
                         pattern, (size_t)off, (const char *)why);
    }
    uint32_t caps = 0;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &caps);
    if (caps != 1) {
        pcre2_code_free(re);
        return mlac_errf(err, MLAC_EINVAL, "group_by: regular expression 're:%s' has %u capture groups; it needs "
                         "exactly one, e.g. 're:^(.+)_w\\d+\\.wav$'", pattern, caps);
    }
    *out = re;
    return MLAC_OK;
}

int groups_parse(const char *group_by, const char *groups_csv, group_settings *g, mlac_err *err)
{
    memset(g, 0, sizeof *g);
    if (groups_csv && groups_csv[0]) {
        if (group_by && group_by[0] && strcmp(group_by, "auto"))
            return mlac_errf(err, MLAC_EINVAL, "groups: give either --groups FILE.csv or --group-by '%s', not both",
                             group_by);
        if (strlen(groups_csv) >= sizeof g->csv)
            return mlac_errf(err, MLAC_EINVAL, "groups: file name too long");
        g->source = GROUPS_CSV;
        snprintf(g->csv, sizeof g->csv, "%s", groups_csv);
        return MLAC_OK;
    }
    if (!group_by || !group_by[0] || !strcmp(group_by, "auto"))
        g->source = GROUPS_AUTO;
    else if (!strcmp(group_by, "none"))
        g->source = GROUPS_NONE;
    else if (!strcmp(group_by, "folder"))
        g->source = GROUPS_FOLDER;
    else if (!strncmp(group_by, "re:", 3)) {
        if (strlen(group_by + 3) >= sizeof g->pattern)
            return mlac_errf(err, MLAC_EINVAL, "group_by: regular expression longer than %d bytes", GROUPS_MAX_PATTERN - 1);
        if (!group_by[3])
            return mlac_errf(err, MLAC_EINVAL, "group_by: 're:' needs a pattern, e.g. 're:^(.+)_w\\d+\\.wav$'");
        pcre2_code *re = NULL;
        int rc = compile(group_by + 3, &re, err);
        if (rc)
            return rc;
        pcre2_code_free(re);
        g->source = GROUPS_REGEX;
        snprintf(g->pattern, sizeof g->pattern, "%s", group_by + 3);
    } else
        return mlac_errf(err, MLAC_EINVAL, "group_by: expected none, folder or re:PATTERN (one capture group), got '%s'",
                         group_by);
    return MLAC_OK;
}

void groups_describe(const group_settings *g, char *out, size_t n)
{
    switch (g->source) {
    case GROUPS_NONE: snprintf(out, n, "none"); break;
    case GROUPS_FOLDER: snprintf(out, n, "folder"); break;
    case GROUPS_REGEX: snprintf(out, n, "re:%s", g->pattern); break;
    case GROUPS_CSV: snprintf(out, n, "file:%s", g->csv); break;
    default: snprintf(out, n, "labels.csv"); break;
    }
}

static int wanted(const strlist *only, const char *name)
{
    return !only || strlist_contains(only, name);
}

static int set_group(clip_ref *c, const char *group, size_t len, mlac_err *err)
{
    if (len >= GROUPS_MAX_NAME)
        return mlac_errf(err, MLAC_EINVAL, "group of '%s' is longer than %d bytes", c->path, GROUPS_MAX_NAME - 1);
    char *g = strndup(group, len);
    if (!g)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for groups");
    free(c->group);
    c->group = g;
    return MLAC_OK;
}

/* The clip's path below "<species>/data/" and below its label folder when it has one, and the
 * species folder it comes from. */
static const char *below_label(const char *path, char *src, size_t src_n)
{
    const char *mid = strstr(path, "/data/");
    if (!mid)
        return path;
    snprintf(src, src_n, "%.*s", (int)(mid - path), path);
    const char *rest = mid + 6, *slash = strchr(rest, '/');
    static const char *const dirs[] = {"pos", "positive", "1", "present", "neg", "negative", "0", "absent", NULL};
    for (int i = 0; slash && dirs[i]; i++)
        if ((size_t)(slash - rest) == strlen(dirs[i]) && !strncasecmp(rest, dirs[i], strlen(dirs[i])))
            return slash + 1;
    return rest;
}

/* "<src>/<group>" for a clip borrowed from another species, else the group itself. */
static int set_scoped(const species_data *sp, clip_ref *c, const char *src, const char *g, size_t len, mlac_err *err)
{
    if (!strcmp(src, sp->name))
        return set_group(c, g, len, err);
    char tmp[GROUPS_MAX_NAME + 256];
    int n = snprintf(tmp, sizeof tmp, "%s/%.*s", src, (int)len, g);
    return set_group(c, tmp, (size_t)n, err);
}

static int apply_folder(species_data *sp, mlac_err *err)
{
    for (size_t k = 0; k < sp->n_clips; k++) {
        char src[256] = "";
        const char *rest = below_label(sp->clips[k].path, src, sizeof src);
        const char *slash = strrchr(rest, '/');
        if (!slash)
            return mlac_errf(err, MLAC_EINVAL, "group_by folder: clip '%s' is not in a folder below pos/ or neg/ "
                             "(expected <species>/data/pos/<group>/<clip>)", sp->clips[k].path);
        int rc = set_scoped(sp, &sp->clips[k], src, rest, (size_t)(slash - rest), err);
        if (rc)
            return rc;
    }
    return MLAC_OK;
}

static int apply_regex(const group_settings *g, species_data *sp, mlac_err *err)
{
    pcre2_code *re = NULL;
    int rc = compile(g->pattern, &re, err);
    if (rc)
        return rc;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    if (!md) {
        pcre2_code_free(re);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for a regular expression");
    }
    for (size_t k = 0; k < sp->n_clips && !rc; k++) {
        char src[256] = "";
        const char *subject = below_label(sp->clips[k].path, src, sizeof src);
        int m = pcre2_match(re, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, NULL);
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (m < 0)
            rc = mlac_errf(err, MLAC_EINVAL, "group_by: 're:%s' does not match clip '%s' (matched against '%s')",
                           g->pattern, sp->clips[k].path, subject);
        else if (m < 2 || ov[2] == PCRE2_UNSET || ov[3] <= ov[2])
            rc = mlac_errf(err, MLAC_EINVAL, "group_by: 're:%s' gives clip '%s' an empty group", g->pattern,
                           sp->clips[k].path);
        else
            rc = set_scoped(sp, &sp->clips[k], src, subject + ov[2], ov[3] - ov[2], err);
    }
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return rc;
}

/* One row of a groups CSV. */
typedef struct group_row {
    const char *file, *group; /* owned by the cells list of apply_csv */
    size_t line;
    int used;
} group_row;

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const group_row *)a)->file, ((const group_row *)b)->file);
}

/* Parses "file,group" rows (RFC 4180, core/csv.h; an optional header names file and
 * group/recording/site); the strings go into cells, which must outlive the rows. */
static int parse_csv(const char *name, const buf *text, strlist *cells, group_row **rows_out, size_t *n_out,
                     mlac_err *err)
{
    group_row *rows = NULL;
    size_t n = 0, cap = 0;
    int fcol = 0, gcol = 1, rc = MLAC_OK, got = 0, first = 1;
    csv_reader r;
    csv_reader_init(&r, text->data ? text->data : "", text->len, name);
    strlist f;
    strlist_init(&f);
    while (!rc && !(rc = csv_next(&r, &f, &got, err)) && got) {
        if (f.n == 1 && !f.items[0][0])
            continue; /* a blank line */
        if (first) {
            first = 0;
            int hf = -1, hg = -1;
            for (size_t i = 0; i < f.n; i++) {
                if (!strcasecmp(f.items[i], "file") || !strcasecmp(f.items[i], "path"))
                    hf = (int)i;
                else if (hg < 0 && (!strcasecmp(f.items[i], "group") || !strcasecmp(f.items[i], "recording") ||
                                    !strcasecmp(f.items[i], "site")))
                    hg = (int)i;
            }
            if (hf >= 0 && hg >= 0) {
                fcol = hf, gcol = hg;
                continue;
            }
        }
        if ((int)f.n <= (fcol > gcol ? fcol : gcol)) {
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: expected 'file,group' (quote a file name that holds a "
                           "comma)", name, r.record_line);
            break;
        }
        const char *file = f.items[fcol], *group = f.items[gcol];
        if (!group[0] || !file[0]) {
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: empty %s", name, r.record_line, file[0] ? "group" : "file");
            break;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            group_row *p = realloc(rows, cap * sizeof *p);
            if (!p) {
                rc = mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", name);
                break;
            }
            rows = p;
        }
        if ((rc = strlist_push(cells, file, err)) || (rc = strlist_push(cells, group, err)))
            break;
        rows[n++] = (group_row){cells->items[cells->n - 2], cells->items[cells->n - 1], r.record_line, 0};
    }
    strlist_release(&f);
    if (!rc) {
        if (n) /* an empty groups file has no rows: qsort/bsearch must not see NULL (UBSan) */
            qsort(rows, n, sizeof *rows, cmp_row);
        for (size_t i = 1; i < n && !rc; i++)
            if (!strcmp(rows[i].file, rows[i - 1].file) && strcmp(rows[i].group, rows[i - 1].group))
                rc = mlac_errf(err, MLAC_EFORMAT, "'%s' lines %zu and %zu give '%s' two groups", name,
                               rows[i - 1].line, rows[i].line, rows[i].file);
    }
    if (rc) {
        free(rows);
        return rc;
    }
    *rows_out = rows;
    *n_out = n;
    return MLAC_OK;
}

static int apply_csv(const group_settings *g, dataset *d, const strlist *only, mlac_err *err)
{
    buf b;
    buf_init(&b, GROUPS_MAX_CSV_BYTES);
    group_row *rows = NULL;
    size_t n = 0;
    strlist cells;
    strlist_init(&cells);
    int rc = fs_read_file(g->csv, &b, GROUPS_MAX_CSV_BYTES, err);
    if (rc)
        mlac_err_prefix(err, "groups: ");
    else
        rc = parse_csv(g->csv, &b, &cells, &rows, &n, err);
    for (size_t i = 0; !rc && i < d->n; i++) {
        species_data *sp = &d->species[i];
        int want = wanted(only, sp->name);
        for (size_t k = 0; !rc && k < sp->n_clips; k++) {
            group_row key = {.file = sp->clips[k].path};
            group_row *r = n ? bsearch(&key, rows, n, sizeof *rows, cmp_row) : NULL;
            if (r)
                r->used = 1;
            if (!want)
                continue;
            if (!r)
                rc = mlac_errf(err, MLAC_EINVAL, "groups: '%s' gives no group for clip '%s' (species '%s')", g->csv,
                               sp->clips[k].path, sp->name);
            else
                rc = set_group(&sp->clips[k], r->group, strlen(r->group), err);
        }
    }
    for (size_t j = 0; !rc && j < n; j++)
        if (!rows[j].used && !dataset_is_unreadable(d, rows[j].file)) /* a clip left out is no typo */
            rc = mlac_errf(err, MLAC_EINVAL, "groups: '%s' line %zu names '%s', which is not a clip under '%s' "
                           "(give paths relative to the data root, as `mlac splits` prints them)",
                           g->csv, rows[j].line, rows[j].file, d->root);
    free(rows);
    strlist_release(&cells);
    buf_release(&b);
    return rc;
}

/* Labels.csv groups: a species is grouped when any of its clips has one, and then all must. */
static int check_auto(species_data *sp, mlac_err *err)
{
    size_t with = 0;
    for (size_t k = 0; k < sp->n_clips; k++)
        with += sp->clips[k].group != NULL;
    for (size_t k = 0; with && k < sp->n_clips; k++)
        if (!sp->clips[k].group)
            return mlac_errf(err, MLAC_EINVAL, "species '%s': clip '%s' has no group although other clips have one "
                             "from a labels.csv group column; give every labels.csv a group column, or use "
                             "--group-by/--groups", sp->name, sp->clips[k].path);
    return with ? MLAC_OK : MLAC_ENOTFOUND;
}

static int cmp_clip_group(const void *a, const void *b)
{
    return strcmp((*(clip_ref *const *)a)->group, (*(clip_ref *const *)b)->group);
}

/* gid = rank of the group name; n_groups; refuses a species with all clips in one group. */
static int index_groups(const group_settings *g, species_data *sp, mlac_err *err)
{
    clip_ref **by = malloc((sp->n_clips ? sp->n_clips : 1) * sizeof *by);
    if (!by)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for groups");
    for (size_t k = 0; k < sp->n_clips; k++)
        by[k] = &sp->clips[k];
    qsort(by, sp->n_clips, sizeof *by, cmp_clip_group);
    int gid = -1;
    for (size_t k = 0; k < sp->n_clips; k++) {
        if (k == 0 || strcmp(by[k]->group, by[k - 1]->group))
            gid++;
        by[k]->gid = gid;
    }
    sp->n_groups = (size_t)(gid + 1);
    int rc = MLAC_OK;
    if (sp->n_groups < 2) {
        char how[GROUPS_MAX_PATTERN + 4200]; /* "re:" + a pattern, or "file:" + a path */
        groups_describe(g, how, sizeof how);
        rc = mlac_errf(err, MLAC_EINVAL, "group_by %s: all %zu clips of species '%s' are in one group '%s'; grouped "
                       "folds need groups on both sides of every split", how, sp->n_clips, sp->name,
                       sp->n_clips ? by[0]->group : "");
    }
    free(by);
    return rc;
}

static void clear_groups(species_data *sp)
{
    for (size_t k = 0; k < sp->n_clips; k++) {
        free(sp->clips[k].group);
        sp->clips[k].group = NULL;
        sp->clips[k].gid = 0;
    }
    sp->n_groups = 0;
}

int groups_apply(const group_settings *g, dataset *d, const strlist *only, mlac_err *err)
{
    int rc = MLAC_OK;
    if (g->source == GROUPS_CSV) {
        for (size_t i = 0; i < d->n; i++)
            clear_groups(&d->species[i]);
        rc = apply_csv(g, d, only, err);
    }
    for (size_t i = 0; !rc && i < d->n; i++) {
        species_data *sp = &d->species[i];
        if (!wanted(only, sp->name) || g->source == GROUPS_NONE) {
            clear_groups(sp);
            continue;
        }
        if (g->source == GROUPS_AUTO) {
            rc = check_auto(sp, err);
            if (rc == MLAC_ENOTFOUND) { /* no labels.csv groups: not grouped */
                rc = MLAC_OK;
                continue;
            }
        } else if (g->source == GROUPS_FOLDER)
            rc = apply_folder(sp, err);
        else if (g->source == GROUPS_REGEX)
            rc = apply_regex(g, sp, err);
        if (!rc)
            rc = index_groups(g, sp, err);
    }
    return rc;
}

size_t groups_count(const species_data *sp, int label, size_t *largest, const char **largest_name)
{
    size_t n = 0, best = 0;
    const char *best_name = "";
    size_t *count = sp->n_groups ? calloc(sp->n_groups, sizeof *count) : NULL;
    for (size_t k = 0; count && k < sp->n_clips; k++)
        if (sp->clips[k].label == label && count[sp->clips[k].gid]++ == 0)
            n++;
    for (size_t k = 0; count && k < sp->n_clips; k++) {
        size_t c = count[sp->clips[k].gid];
        if (sp->clips[k].label == label && (c > best || (c == best && strcmp(sp->clips[k].group, best_name) < 0)))
            best = c, best_name = sp->clips[k].group;
    }
    free(count);
    if (largest)
        *largest = best;
    if (largest_name)
        *largest_name = best_name;
    return n;
}

int groups_check_folds(const species_data *sp, int folds, mlac_err *err)
{
    if (!sp->n_groups)
        return MLAC_OK;
    for (int label = 1; label >= 0; label--) {
        size_t n = groups_count(sp, label, NULL, NULL);
        if (n < (size_t)folds)
            return mlac_errf(err, MLAC_EINVAL, "cv_folds: %d grouped folds need at least %d groups holding %s, but "
                             "species '%s' has %zu; use fewer folds or finer groups", folds, folds,
                             label ? "positives" : "negatives", sp->name, n);
    }
    return MLAC_OK;
}

json_t *groups_identity_json(const group_settings *g, const dataset *d, const strlist *species)
{
    int any = 0;
    hash_ctx *h = hash_begin();
    for (size_t i = 0; species && i < species->n; i++) {
        const species_data *sp = dataset_find(d, species->items[i]);
        if (!sp || !sp->n_groups)
            continue;
        any = 1;
        hash_update_str(h, sp->name);
        for (size_t k = 0; k < sp->n_clips; k++) {
            hash_update_str(h, sp->clips[k].path);
            hash_update_str(h, sp->clips[k].group);
        }
    }
    char hex[65];
    hash_end_hex(h, hex);
    if (!any)
        return NULL;
    char how[GROUPS_MAX_PATTERN + 4200];
    groups_describe(g, how, sizeof how);
    return json_pack("{s:s, s:s}", "source", how, "assignment", hex);
}

/* report_data.c — loading a run: spec.json, tasks.jsonl, names and lookups (see report_data.h).
 * The summary and the two extra tables are read by report_summary.c and report_tables.c. */
#include "report/report_data.h"
#include "report/palette.h"
#include "report/report_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* strcmp for qsort of char * arrays. */
static int report_cmp_str(const void *a, const void *b);

int report_index(const strlist *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->items[i], name))
            return (int)i;
    return -1;
}

int report_add_name(strlist *l, const char *name, mlac_err *err)
{
    if (!name || !*name || report_index(l, name) >= 0)
        return MLAC_OK;
    return strlist_push(l, name, err);
}

int report_note(report_run *r, mlac_err *err, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return strlist_push(&r->notes, text, err);
}

/* Reads <run_id>/<name>; *found = 0 (and MLAC_OK) when it does not exist. */
int report_read_optional(store *st, const report_run *r, const char *name, buf *out, int *found, mlac_err *err)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", r->run_id, name);
    *found = 0;
    int rc = store_exists(st, path, found, err);
    if (!rc && *found)
        rc = store_read(st, path, out, err);
    return rc;
}

static int load_spec(store *st, report_run *r, int *found, mlac_err *err)
{
    buf b;
    buf_init(&b, 64u << 20);
    int rc = report_read_optional(st, r, "spec.json", &b, found, err);
    if (!rc && *found) {
        json_error_t je;
        r->spec = json_loadb(b.data, b.len, 0, &je);
        if (!r->spec || !json_is_object(r->spec))
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s/spec.json' line %d: %s", r->run_id, je.line,
                           r->spec ? "not a JSON object" : je.text);
    }
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(r->spec, "species"), i, v) if (!rc) rc =
        report_add_name(&r->species, json_string_value(v), err);
    json_array_foreach(json_object_get(r->spec, "models"), i, v) if (!rc) rc =
        report_add_name(&r->models, json_string_value(v), err);
    buf_release(&b);
    return rc;
}

static int cmp_task(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(((const report_task *)a)->j, "task_id"));
    const char *y = json_string_value(json_object_get(((const report_task *)b)->j, "task_id"));
    return strcmp(x ? x : "", y ? y : "");
}

static int push_task(report_run *r, json_t *e, size_t *cap, mlac_err *err)
{
    if (r->n_tasks == *cap) {
        size_t ncap = *cap ? 2 * *cap : 64;
        report_task *t = realloc(r->tasks, ncap * sizeof *t);
        if (!t)
            return mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s/tasks.jsonl'", r->run_id);
        r->tasks = t, *cap = ncap;
    }
    report_task *t = &r->tasks[r->n_tasks++];
    memset(t, 0, sizeof *t);
    t->j = e;
    t->n = (long)json_integer_value(json_object_get(e, "n"));
    t->fold = (int)json_integer_value(json_object_get(e, "fold"));
    t->repeat = (int)json_integer_value(json_object_get(e, "repeat"));
    const char *status = json_string_value(json_object_get(e, "status"));
    t->ok = status && !strcmp(status, "ok");
    int rc = report_add_name(&r->models, json_string_value(json_object_get(e, "model")), err);
    return rc ? rc : report_add_name(&r->species, json_string_value(json_object_get(e, "species")), err);
}

/* Parses tasks.jsonl line by line; lines that do not parse as an object with species and model
 * (a torn last line of a killed run) are counted and skipped. */
static int load_tasks(store *st, report_run *r, int *found, mlac_err *err)
{
    buf b;
    buf_init(&b, STORE_MAX_OBJECT);
    int rc = report_read_optional(st, r, "tasks.jsonl", &b, found, err);
    size_t cap = 0;
    for (char *line = b.data, *next; !rc && line && *line; line = next) {
        char *nl = strchr(line, '\n');
        next = nl ? nl + 1 : NULL;
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
            len--;
        if (!len)
            continue;
        json_t *e = json_loadb(line, len, 0, NULL);
        if (!json_is_object(e) || !json_is_string(json_object_get(e, "species")) ||
            !json_is_string(json_object_get(e, "model"))) {
            json_decref(e);
            r->torn_lines++;
            continue;
        }
        rc = push_task(r, e, &cap, err);
        if (rc)
            json_decref(e);
    }
    buf_release(&b);
    if (!rc && r->n_tasks > 1)
        qsort(r->tasks, r->n_tasks, sizeof *r->tasks, cmp_task);
    if (!rc && r->torn_lines)
        rc = report_note(r, err, "%zu unreadable line%s in tasks.jsonl skipped (a run stopped mid-write)",
                         r->torn_lines, r->torn_lines == 1 ? "" : "s");
    return rc;
}

static int cmp_cell(const void *a, const void *b)
{
    const report_cell *x = a, *y = b;
    if (x->species != y->species)
        return x->species - y->species;
    if (x->model != y->model)
        return x->model - y->model;
    return (x->n > y->n) - (x->n < y->n);
}

/* After every name is known: order models, then resolve every index. */
static void resolve_indices(report_run *r)
{
    palette_sort_models(&r->models);
    for (size_t i = 0; i < r->n_tasks; i++) {
        report_task *t = &r->tasks[i];
        t->species = report_index(&r->species, json_string_value(json_object_get(t->j, "species")));
        t->model = report_index(&r->models, json_string_value(json_object_get(t->j, "model")));
    }
    for (size_t i = 0; i < r->n_cells; i++) {
        r->cells[i].species = report_index(&r->species, r->cells[i].species_name);
        r->cells[i].model = report_index(&r->models, r->cells[i].model_name);
    }
    if (r->n_cells > 1)
        qsort(r->cells, r->n_cells, sizeof *r->cells, cmp_cell);
}

int report_run_load(store *st, const char *run_id, report_run *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    strlist_init(&out->species);
    strlist_init(&out->models);
    strlist_init(&out->notes);
    snprintf(out->run_id, sizeof out->run_id, "%s", run_id);
    int has_spec = 0, has_tasks = 0;
    int rc = load_spec(st, out, &has_spec, err);
    if (!rc)
        rc = load_tasks(st, out, &has_tasks, err);
    if (!rc && !has_spec && !has_tasks) {
        char where[4200];
        store_describe(st, run_id, where, sizeof where);
        rc = mlac_errf(err, MLAC_ENOTFOUND, "no run at '%s': neither spec.json nor tasks.jsonl is there", where);
    }
    if (!rc && !has_spec)
        rc = report_note(out, err, "spec.json is missing: the run's parameters are unknown");
    if (!rc && !has_tasks)
        rc = report_note(out, err, "tasks.jsonl is missing: no task has finished yet");
    if (!rc)
        rc = report_fold_notes(out, err);
    if (!rc)
        rc = report_load_summary(st, out, err);
    if (!rc)
        rc = report_load_tables(st, out, err);
    if (!rc) {
        /* species not named by the spec come after its own, sorted */
        size_t first_extra = 0;
        json_t *sp = json_object_get(out->spec, "species");
        first_extra = json_is_array(sp) ? json_array_size(sp) : 0;
        if (first_extra < out->species.n)
            qsort(out->species.items + first_extra, out->species.n - first_extra, sizeof(char *),
                  report_cmp_str);
        resolve_indices(out);
        report_resolve_tables(out);
    }
    if (rc)
        report_run_release(out);
    return rc;
}

void report_run_release(report_run *r)
{
    if (!r)
        return;
    json_decref(r->spec);
    for (size_t i = 0; i < r->n_tasks; i++)
        json_decref(r->tasks[i].j);
    free(r->tasks);
    free(r->cells);
    free(r->sig);
    free(r->curves);
    strlist_release(&r->species);
    strlist_release(&r->models);
    strlist_release(&r->notes);
    memset(r, 0, sizeof *r);
}

static int report_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const report_cell *report_find_cell(const report_run *r, int species, int model, long n)
{
    for (size_t i = 0; i < r->n_cells; i++)
        if (r->cells[i].species == species && r->cells[i].model == model && r->cells[i].n == n)
            return &r->cells[i];
    return NULL;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

size_t report_species_sizes(const report_run *r, int species, long *sizes, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n_cells && k < cap; i++) {
        if (r->cells[i].species != species)
            continue;
        size_t j = 0;
        while (j < k && sizes[j] != r->cells[i].n)
            j++;
        if (j == k)
            sizes[k++] = r->cells[i].n;
    }
    qsort(sizes, k, sizeof *sizes, cmp_long);
    return k;
}

int report_species_has_model(const report_run *r, int species, int model)
{
    for (size_t i = 0; i < r->n_cells; i++)
        if (r->cells[i].species == species && r->cells[i].model == model)
            return 1;
    for (size_t i = 0; i < r->n_tasks; i++)
        if (r->tasks[i].species == species && r->tasks[i].model == model)
            return 1;
    return 0;
}

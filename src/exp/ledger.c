/* ledger.c — the append-only task ledger (see ledger.h). */
#include "exp/ledger.h"
#include "core/log.h"

#include <stdlib.h>
#include <string.h>

static const char *entry_id(const json_t *e)
{
    const char *id = json_string_value(json_object_get(e, "task_id"));
    return id ? id : "";
}

static size_t lower_bound(const ledger *l, const char *id)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(entry_id(l->entries[mid]), id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Inserts keeping the order; a later entry for the same id replaces the earlier one
 * (a failed task that succeeded on a rerun). */
static int insert(ledger *l, json_t *e, mlac_err *err)
{
    const char *id = entry_id(e);
    size_t at = lower_bound(l, id);
    if (at < l->n && !strcmp(entry_id(l->entries[at]), id)) {
        json_decref(l->entries[at]);
        l->entries[at] = json_incref(e);
        return MLAC_OK;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        json_t **p = realloc(l->entries, cap * sizeof *p);
        if (!p)
            return mlac_errf(err, MLAC_ENOMEM, "out of memory growing the ledger");
        l->entries = p;
        l->cap = cap;
    }
    memmove(l->entries + at + 1, l->entries + at, (l->n - at) * sizeof *l->entries);
    l->entries[at] = json_incref(e);
    l->n++;
    return MLAC_OK;
}

int ledger_parse(const char *text, size_t len, const char *name, ledger *l, mlac_err *err)
{
    size_t pos = 0, line_no = 0, torn_before = l->torn_lines;
    while (pos < len) {
        line_no++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (end > pos) {
            json_error_t jerr;
            json_t *e = json_loadb(text + pos, end - pos, 0, &jerr);
            if (!e || !json_is_object(e) || !json_string_value(json_object_get(e, "task_id"))) {
                /* a torn or foreign line: the task simply runs again; said, never silent */
                if (l->torn_lines++ - torn_before < 5)
                    log_warn("ledger '%s' line %zu is not a task result (%s): skipped, its task runs again%s",
                             name ? name : "?", line_no, nl ? "damaged or edited" : "a torn last line from a killed run",
                             nl ? "" : "; the line is ended before the next result is appended");
            } else {
                int rc = insert(l, e, err);
                if (rc) {
                    json_decref(e);
                    return rc;
                }
            }
            json_decref(e);
        }
        pos = end + 1;
    }
    if (l->torn_lines - torn_before > 5)
        log_warn("ledger '%s': %zu unreadable lines skipped in all", name ? name : "?", l->torn_lines - torn_before);
    return MLAC_OK;
}

void ledger_init(ledger *l, store *out, const char *path)
{
    memset(l, 0, sizeof *l);
    l->out = out;
    snprintf(l->path, sizeof l->path, "%s", path);
    pthread_mutex_init(&l->lock, NULL);
}

int ledger_insert(ledger *l, json_t *entry, mlac_err *err)
{
    return insert(l, entry, err);
}

int ledger_open(store *out, const char *run_id, ledger *l, mlac_err *err)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tasks.jsonl", run_id);
    return ledger_open_path(out, path, l, err);
}

int ledger_open_path(store *out, const char *path, ledger *l, mlac_err *err)
{
    ledger_init(l, out, path);
    int exists = 0;
    int rc = store_exists(out, l->path, &exists, err);
    if (rc || !exists)
        return rc;
    buf b;
    buf_init(&b, (size_t)1 << 30);
    rc = store_read(out, l->path, &b, err);
    if (!rc)
        rc = ledger_parse(b.data, b.len, l->path, l, err);
    l->needs_newline = b.len > 0 && b.data[b.len - 1] != '\n';
    buf_release(&b);
    return rc;
}

void ledger_release(ledger *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        json_decref(l->entries[i]);
    free(l->entries);
    l->entries = NULL;
    l->n = l->cap = 0;
    pthread_mutex_destroy(&l->lock);
}

json_t *ledger_find(const ledger *l, const char *task_id, int include_failed)
{
    size_t at = lower_bound(l, task_id);
    if (at >= l->n || strcmp(entry_id(l->entries[at]), task_id))
        return NULL;
    json_t *e = l->entries[at];
    const char *status = json_string_value(json_object_get(e, "status"));
    if (!include_failed && (!status || strcmp(status, "ok")))
        return NULL;
    return e;
}

int ledger_append(ledger *l, json_t *entry, mlac_err *err)
{
    char *text = json_dumps(entry, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return mlac_errf(err, MLAC_ENOMEM, "cannot serialise a task result");
    size_t n = strlen(text);
    char *line = malloc(n + 2);
    if (!line) {
        free(text);
        return mlac_errf(err, MLAC_ENOMEM, "cannot serialise a task result");
    }
    pthread_mutex_lock(&l->lock);
    size_t at = 0;
    if (l->needs_newline)
        line[at++] = '\n'; /* end the torn line left by a killed run */
    memcpy(line + at, text, n);
    line[at + n] = '\n';
    int rc = store_append(l->out, l->path, line, at + n + 1, err);
    if (!rc)
        l->needs_newline = 0;
    if (!rc)
        rc = insert(l, entry, err);
    pthread_mutex_unlock(&l->lock);
    free(line);
    free(text);
    return rc;
}

int ledger_save(const ledger *l, mlac_err *err)
{
    buf b;
    buf_init(&b, 0);
    int rc = MLAC_OK;
    for (size_t i = 0; !rc && i < l->n; i++) {
        char *text = json_dumps(l->entries[i], JSON_COMPACT | JSON_SORT_KEYS);
        rc = text ? buf_printf(&b, err, "%s\n", text) : mlac_errf(err, MLAC_ENOMEM, "cannot serialise a task result");
        free(text);
    }
    if (!rc)
        rc = store_write(l->out, l->path, b.data ? b.data : "", b.len, err);
    buf_release(&b);
    return rc;
}

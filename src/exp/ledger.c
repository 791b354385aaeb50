/* ledger.c — the append-only task ledger (see ledger.h). */
#include "exp/ledger.h"
#include "core/json_alloc.h"
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

static int is_ok(const json_t *e)
{
    const char *status = json_string_value(json_object_get(e, "status"));
    return status && !strcmp(status, "ok");
}

/* Inserts keeping the order; line is the entry's line in the file (0: appended now). A later
 * entry for the same id replaces an earlier failed one (a failed task that succeeded, or failed
 * again, on a rerun); an earlier finished one is kept and *dup_line gets its line. */
static int insert(ledger *l, json_t *e, size_t line, size_t *dup_line, mlac_err *err)
{
    const char *id = entry_id(e);
    size_t at = lower_bound(l, id);
    if (at < l->n && !strcmp(entry_id(l->entries[at]), id)) {
        if (dup_line && is_ok(l->entries[at])) {
            *dup_line = l->line_of[at] ? l->line_of[at] : (size_t)-1;
            return MLAC_OK;
        }
        json_decref(l->entries[at]);
        l->entries[at] = json_incref(e);
        l->line_of[at] = line;
        return MLAC_OK;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        json_t **p = realloc(l->entries, cap * sizeof *p);
        if (p)
            l->entries = p;
        size_t *q = realloc(l->line_of, cap * sizeof *q);
        if (q)
            l->line_of = q;
        if (!p || !q)
            return mlac_errf(err, MLAC_ENOMEM, "out of memory growing the ledger");
        l->cap = cap;
    }
    memmove(l->entries + at + 1, l->entries + at, (l->n - at) * sizeof *l->entries);
    memmove(l->line_of + at + 1, l->line_of + at, (l->n - at) * sizeof *l->line_of);
    l->entries[at] = json_incref(e);
    l->line_of[at] = line;
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
            json_alloc_begin();
            json_t *e = json_loadb(text + pos, end - pos, 0, &jerr);
            /* not a torn line: say so (jansson may also succeed or call the line malformed) */
            if ((!e && json_error_code(&jerr) == json_error_out_of_memory) || json_alloc_failed()) {
                json_decref(e);
                return mlac_errf(err, MLAC_ENOMEM, "%s:%zu: out of memory reading the ledger", name ? name : "?",
                                 line_no);
            }
            if (!e || !json_is_object(e) || !json_string_value(json_object_get(e, "task_id"))) {
                /* a torn or foreign line: the task simply runs again; said, never silent */
                if (l->torn_lines++ - torn_before < 5)
                    log_warn("ledger '%s' line %zu is not a task result (%s): skipped, its task runs again%s",
                             name ? name : "?", line_no, nl ? "damaged or edited" : "a torn last line from a killed run",
                             nl ? "" : "; the line is ended before the next result is appended");
            } else {
                size_t dup = 0;
                int rc = insert(l, e, line_no, &dup, err);
                if (rc) {
                    json_decref(e);
                    return rc;
                }
                if (dup) {
                    l->duplicates++;
                    log_warn("%s:%zu: task '%s' already finished on line %zu; this later line is ignored",
                             name, line_no, entry_id(e), dup);
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
    pthread_mutex_init(&l->sync_lock, NULL);
}

int ledger_insert(ledger *l, json_t *entry, mlac_err *err)
{
    return insert(l, entry, 0, NULL, err);
}

void ledger_remove(ledger *l, const char *task_id)
{
    size_t at = lower_bound(l, task_id);
    if (at >= l->n || strcmp(entry_id(l->entries[at]), task_id))
        return;
    json_decref(l->entries[at]);
    memmove(l->entries + at, l->entries + at + 1, (l->n - at - 1) * sizeof *l->entries);
    memmove(l->line_of + at, l->line_of + at + 1, (l->n - at - 1) * sizeof *l->line_of);
    l->n--;
}

void ledger_where(const ledger *l, const json_t *entry, char *out, size_t n)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->entries[i] == entry && l->line_of[i]) {
            snprintf(out, n, "%s:%zu", l->path, l->line_of[i]);
            return;
        }
    snprintf(out, n, "%s", l->path);
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
    free(l->line_of);
    l->entries = NULL;
    l->line_of = NULL;
    l->n = l->cap = 0;
    pthread_mutex_destroy(&l->lock);
    pthread_mutex_destroy(&l->sync_lock);
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

/* Returns once line `mine` is durable. Group commit: the first thread here syncs every line
 * written so far, and the threads that wrote while it waited for the disk find theirs covered
 * when they get the lock; the ledger's own lock (appends, lookups) is never held across an fsync. */
static int sync_through(ledger *l, unsigned long mine, mlac_err *err)
{
    int rc = MLAC_OK;
    pthread_mutex_lock(&l->sync_lock);
    if (l->synced < mine) {
        pthread_mutex_lock(&l->lock);
        unsigned long upto = l->written;
        pthread_mutex_unlock(&l->lock);
        rc = store_sync(l->out, l->path, err);
        if (!rc)
            l->synced = upto;
    }
    pthread_mutex_unlock(&l->sync_lock);
    return rc;
}

int ledger_append(ledger *l, json_t *entry, mlac_err *err)
{
    json_alloc_begin(); /* a key jansson could not write must not vanish from the line */
    char *text = json_dumps_whole(entry, JSON_COMPACT | JSON_SORT_KEYS);
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
    int rc = store_append_unsynced(l->out, l->path, line, at + n + 1, err);
    unsigned long mine = 0;
    if (!rc) {
        l->needs_newline = 0;
        mine = ++l->written;
        rc = insert(l, entry, 0, NULL, err);
    }
    pthread_mutex_unlock(&l->lock);
    free(line);
    free(text);
    if (!rc)
        rc = sync_through(l, mine, err);
    return rc;
}

int ledger_save(const ledger *l, mlac_err *err)
{
    buf b;
    buf_init(&b, 0);
    int rc = MLAC_OK;
    for (size_t i = 0; !rc && i < l->n; i++) {
        json_alloc_begin();
        char *text = json_dumps_whole(l->entries[i], JSON_COMPACT | JSON_SORT_KEYS);
        rc = text ? buf_printf(&b, err, "%s\n", text) : mlac_errf(err, MLAC_ENOMEM, "cannot serialise a task result");
        free(text);
    }
    if (!rc)
        rc = store_write(l->out, l->path, b.data ? b.data : "", b.len, err);
    buf_release(&b);
    return rc;
}

/* api_files.c — what an experiment's run folder holds, served read-only: the ledger lines after
 * N (for live plots), summary.json/.csv, and the files of report/.
 *
 * Everything is read through the store at <output_dir>/<run_id>/ (the row's own fields, set at
 * submission and checked against --results then). A report path is made of plain names
 * ([A-Za-z0-9._-], no leading '.', so no '..') joined by '/', at most 512 bytes; anything else
 * is 400 before the store is touched.
 */
#include "serve/serve_internal.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TASKS_PAGE 5000
#define MAX_FILE ((size_t)64 << 20)

static int read_run_file(json_t *row, const char *rel, buf *b, reply *rp)
{
    const char *out_dir = json_string_value(json_object_get(json_object_get(row, "spec"), "output_dir"));
    const char *run_id = json_string_value(json_object_get(row, "run_id"));
    store *st = NULL;
    mlac_err err = {0};
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", run_id ? run_id : "", rel);
    int exists = 0;
    int rc = store_open(out_dir ? out_dir : "", &st, &err);
    if (!rc)
        rc = store_exists(st, path, &exists, &err);
    if (!rc && !exists)
        rc = mlac_errf(&err, MLAC_ENOTFOUND, "'%s' is not written yet (experiment %s)", rel,
                       json_string_value(json_object_get(row, "state")));
    if (!rc)
        rc = store_read(st, path, b, &err);
    store_free(st);
    if (rc)
        reply_error(rp, rc == MLAC_ENOTFOUND ? 404 : rc == MLAC_ENOMEM ? 413 : 500, "%s", err.msg);
    return rc;
}

void api_tasks(server *s, const request *rq, json_t *row, reply *rp)
{
    (void)s;
    const char *a = request_arg(rq, "after");
    char *end;
    long long after = a ? strtoll(a, &end, 10) : 0;
    if (a && (*end || end == a || after < 0)) {
        reply_error(rp, 400, "after: expected a line count >= 0");
        return;
    }
    buf b;
    buf_init(&b, MAX_FILE);
    json_t *tasks = json_array();
    long long line = 0;
    int more = 0;
    mlac_err err = {0};
    int exists = 1;
    if (read_run_file(row, "tasks.jsonl", &b, rp)) {
        if (rp->status != 404)
            goto out;
        free(rp->body); /* no ledger yet: no tasks */
        memset(rp, 0, sizeof *rp);
        exists = 0;
    }
    for (char *p = b.data; exists && p && *p;) {
        char *nl = strchr(p, '\n');
        if (!nl)
            break; /* a torn last line (being written, or a kill mid-write) is not a task yet */
        if (line++ >= after) {
            if ((long long)json_array_size(tasks) == TASKS_PAGE) {
                more = 1;
                line--;
                break;
            }
            json_t *t = json_loadb(p, (size_t)(nl - p), 0, NULL);
            json_array_append_new(tasks, t ? t : json_null());
        }
        p = nl + 1;
    }
    (void)err;
    long long next = line > after ? line : after;
    reply_json(rp, 200, json_pack("{s:I, s:I, s:b, s:o}", "after", (json_int_t)after, "next", (json_int_t)next,
                                  "more", more, "tasks", tasks));
    tasks = NULL;
out:
    json_decref(tasks);
    buf_release(&b);
}

void api_summary(server *s, json_t *row, int csv, reply *rp)
{
    (void)s;
    buf b;
    buf_init(&b, MAX_FILE);
    if (!read_run_file(row, csv ? "summary.csv" : "summary.json", &b, rp)) {
        rp->status = 200;
        rp->body = buf_detach(&b, &rp->len);
        rp->content_type = csv ? "text/csv; charset=utf-8" : "application/json";
    }
    buf_release(&b);
}

static int report_path_ok(const char *rel)
{
    size_t n = strlen(rel);
    if (n > 512)
        return 0;
    for (const char *c = rel; *c;) {
        const char *e = strchr(c, '/');
        size_t k = e ? (size_t)(e - c) : strlen(c);
        if (k == 0 || c[0] == '.')
            return 0;
        for (size_t i = 0; i < k; i++) {
            char ch = c[i];
            if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                  ch == '_' || ch == '.'))
                return 0;
        }
        c += k + (e != NULL);
    }
    return 1;
}

static const char *content_type(const char *rel)
{
    static const struct { const char *ext, *type; } types[] = {
        {".html", "text/html; charset=utf-8"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
        {".csv", "text/csv; charset=utf-8"}, {".json", "application/json"}, {".css", "text/css"},
        {".js", "text/javascript"}, {".txt", "text/plain; charset=utf-8"}};
    const char *dot = strrchr(rel, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(dot, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

void api_report(server *s, json_t *row, const char *rel, reply *rp)
{
    (void)s;
    if (!*rel)
        rel = "index.html";
    if (!report_path_ok(rel)) {
        reply_error(rp, 400, "invalid report path '%.100s'", rel);
        return;
    }
    char path[700];
    snprintf(path, sizeof path, "report/%s", rel);
    buf b;
    buf_init(&b, MAX_FILE);
    if (!read_run_file(row, path, &b, rp)) {
        rp->status = 200;
        rp->body = buf_detach(&b, &rp->len);
        rp->content_type = content_type(rel);
    }
    buf_release(&b);
}

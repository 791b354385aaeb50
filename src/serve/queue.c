/* queue.c — the SQLite experiment queue and its state machine (see queue.h).
 *
 * One connection, used under q->lock only. WAL with synchronous=FULL: a submission the client
 * saw accepted survives kill -9 and power loss. Rows are read back into JSON in one place
 * (row_json), so every endpoint shows the same fields.
 */
#include "serve/queue.h"
#include "core/timeutil.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct queue {
    sqlite3 *db;
    char path[4200];
    pthread_mutex_t lock;
    unsigned long version; /* bumped after every write, read without the lock (queue_version) */
};

static const char *state_names[QS_N] = {"scheduled", "queued", "running", "succeeded", "failed", "cancelled"};

const char *queue_state_name(int s)
{
    return s >= 0 && s < QS_N ? state_names[s] : "unknown";
}

int queue_state_parse(const char *name)
{
    for (int i = 0; i < QS_N; i++)
        if (!strcmp(name, state_names[i]))
            return i;
    return -1;
}

/* Called under q->lock after a write: readers holding an older version rebuild what they cached. */
static void changed(queue *q)
{
    __atomic_add_fetch(&q->version, 1, __ATOMIC_RELEASE);
}

unsigned long queue_version(queue *q)
{
    return __atomic_load_n(&q->version, __ATOMIC_ACQUIRE);
}

static int db_error(queue *q, mlac_err *err, const char *what)
{
    return mlac_errf(err, MLAC_EIO, "queue database '%s': %s: %s", q->path, what, sqlite3_errmsg(q->db));
}

static const char *schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS experiments ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  id TEXT NOT NULL UNIQUE,"
    "  submission_id TEXT NOT NULL UNIQUE,"
    "  body_hash TEXT NOT NULL,"
    "  spec TEXT NOT NULL,"
    "  state INTEGER NOT NULL,"
    "  priority INTEGER NOT NULL DEFAULT 0,"
    "  submitted_at REAL NOT NULL,"
    "  scheduled_at REAL NOT NULL DEFAULT 0,"
    "  started_at REAL NOT NULL DEFAULT 0,"
    "  finished_at REAL NOT NULL DEFAULT 0,"
    "  tasks_started_at REAL NOT NULL DEFAULT 0,"
    "  run_id TEXT NOT NULL,"
    "  output_dir TEXT NOT NULL,"
    "  tasks_total INTEGER NOT NULL DEFAULT 0,"
    "  tasks_skipped INTEGER NOT NULL DEFAULT 0,"
    "  tasks_done INTEGER NOT NULL DEFAULT 0,"
    "  tasks_failed INTEGER NOT NULL DEFAULT 0,"
    "  cancel_requested INTEGER NOT NULL DEFAULT 0,"
    "  resumes INTEGER NOT NULL DEFAULT 0,"
    "  error TEXT);"
    "CREATE INDEX IF NOT EXISTS experiments_ready ON experiments(state, priority, seq);"
    "CREATE TABLE IF NOT EXISTS health (k INTEGER PRIMARY KEY, v REAL);";

int queue_open(const char *state_dir, queue **out, mlac_err *err)
{
    *out = NULL;
    queue *q = calloc(1, sizeof *q);
    if (!q)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the queue");
    snprintf(q->path, sizeof q->path, "%s/queue.sqlite", state_dir);
    pthread_mutex_init(&q->lock, NULL);
    int rc = MLAC_OK;
    if (sqlite3_open_v2(q->path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rc = db_error(q, err, "cannot open");
        goto out;
    }
    sqlite3_busy_timeout(q->db, 5000);
    char *msg = NULL;
    if (sqlite3_exec(q->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        rc = mlac_errf(err, MLAC_EIO, "queue database '%s': cannot create the schema: %s", q->path, msg ? msg : "?");
        sqlite3_free(msg);
        goto out;
    }
out:
    if (rc)
        queue_free(q);
    else
        *out = q;
    return rc;
}

void queue_free(queue *q)
{
    if (!q)
        return;
    sqlite3_close(q->db);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

#define ROW_COLUMNS                                                                                                \
    "id, submission_id, state, priority, submitted_at, scheduled_at, started_at, finished_at, tasks_started_at, " \
    "run_id, output_dir, tasks_total, tasks_skipped, tasks_done, tasks_failed, cancel_requested, resumes, error, " \
    "seq, spec"

static json_t *time_json(double t)
{
    if (t <= 0)
        return json_null();
    time_t s = (time_t)t;
    struct tm tm;
    gmtime_r(&s, &tm);
    char text[40];
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(text);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* The API's view of one row. ETA: the rate of this run's tasks so far times what is left. */
static json_t *row_json(sqlite3_stmt *st)
{
    int state = sqlite3_column_int(st, 2);
    long total = (long)sqlite3_column_int64(st, 11), skipped = (long)sqlite3_column_int64(st, 12);
    long done = (long)sqlite3_column_int64(st, 13), failed = (long)sqlite3_column_int64(st, 14);
    double tasks_started = sqlite3_column_double(st, 8);
    json_t *eta = json_null();
    if (state == QS_RUNNING && done > 0 && tasks_started > 0 && total > 0) {
        double rate = (time_wall() - tasks_started) / (double)done;
        long left = total - skipped - done;
        eta = json_real(left > 0 ? rate * (double)left : 0.0);
    }
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(col_text(st, 0)));
    json_object_set_new(o, "submission_id", json_string(col_text(st, 1)));
    json_object_set_new(o, "state", json_string(queue_state_name(state)));
    json_object_set_new(o, "priority", json_integer(sqlite3_column_int64(st, 3)));
    json_object_set_new(o, "submitted_at", time_json(sqlite3_column_double(st, 4)));
    json_object_set_new(o, "scheduled_at", time_json(sqlite3_column_double(st, 5)));
    json_object_set_new(o, "started_at", time_json(sqlite3_column_double(st, 6)));
    json_object_set_new(o, "finished_at", time_json(sqlite3_column_double(st, 7)));
    json_object_set_new(o, "run_id", json_string(col_text(st, 9)));
    json_object_set_new(o, "tasks", json_pack("{s:I, s:I, s:I, s:I}", "total", (json_int_t)total, "done",
                                              (json_int_t)(skipped + done), "failed", (json_int_t)failed,
                                              "resumed_from_ledger", (json_int_t)skipped));
    json_object_set_new(o, "eta_seconds", eta);
    json_object_set_new(o, "cancel_requested", json_boolean(sqlite3_column_int(st, 15)));
    json_object_set_new(o, "resumes", json_integer(sqlite3_column_int64(st, 16)));
    json_object_set_new(o, "error", sqlite3_column_type(st, 17) == SQLITE_NULL ? json_null()
                                                                               : json_string(col_text(st, 17)));
    json_t *spec = json_loads(col_text(st, 19), 0, NULL);
    json_object_set_new(o, "spec", spec ? spec : json_null());
    return o;
}

static int prepare(queue *q, const char *sql, sqlite3_stmt **st, mlac_err *err)
{
    if (sqlite3_prepare_v2(q->db, sql, -1, st, NULL) != SQLITE_OK)
        return db_error(q, err, "prepare");
    return MLAC_OK;
}

/* Runs a statement without results to completion. */
static int step_done(queue *q, sqlite3_stmt *st, mlac_err *err)
{
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? MLAC_OK : db_error(q, err, "write");
}

static int get_row_locked(queue *q, const char *col, const char *value, json_t **row, mlac_err *err)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT " ROW_COLUMNS " FROM experiments WHERE %s = ?1", col);
    sqlite3_stmt *st;
    int rc = prepare(q, sql, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *row = row_json(st);
    else if (r == SQLITE_DONE)
        rc = mlac_errf(err, MLAC_ENOTFOUND, "no experiment '%s'", value);
    else
        rc = db_error(q, err, "read");
    sqlite3_finalize(st);
    return rc;
}

static void random_id(char out[40])
{
    unsigned char b[10];
    FILE *f = fopen("/dev/urandom", "rb");
    size_t got = f ? fread(b, 1, sizeof b, f) : 0;
    if (f)
        fclose(f);
    if (got != sizeof b) { /* no urandom: time and address still make a unique-enough id */
        double t = time_wall();
        memcpy(b, &t, 8);
        b[8] = (unsigned char)((size_t)&t >> 4), b[9] = (unsigned char)((size_t)&t >> 12);
    }
    int n = snprintf(out, 40, "exp-");
    for (size_t i = 0; i < sizeof b; i++)
        n += snprintf(out + n, (size_t)(40 - n), "%02x", b[i]);
}

int queue_insert(queue *q, const queue_new *n, int *result, json_t **row, mlac_err *err)
{
    *row = NULL;
    pthread_mutex_lock(&q->lock);
    sqlite3_stmt *st = NULL;
    int rc = prepare(q, "SELECT body_hash FROM experiments WHERE submission_id = ?1", &st, err);
    if (rc)
        goto out;
    sqlite3_bind_text(st, 1, n->submission_id, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *result = strcmp(col_text(st, 0), n->body_hash) ? QUEUE_CONFLICT : QUEUE_EXISTING;
        sqlite3_finalize(st);
        rc = get_row_locked(q, "submission_id", n->submission_id, row, err);
        goto out;
    }
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) {
        rc = db_error(q, err, "read");
        goto out;
    }
    char id[40];
    random_id(id);
    double now = time_wall();
    rc = prepare(q,
                 "INSERT INTO experiments (id, submission_id, body_hash, spec, state, priority, submitted_at, "
                 "scheduled_at, run_id, output_dir) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                 &st, err);
    if (rc)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, n->submission_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, n->body_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, n->spec, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 5, n->scheduled_at > now ? QS_SCHEDULED : QS_QUEUED);
    sqlite3_bind_int64(st, 6, n->priority);
    sqlite3_bind_double(st, 7, now);
    sqlite3_bind_double(st, 8, n->scheduled_at);
    sqlite3_bind_text(st, 9, n->run_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 10, n->output_dir, -1, SQLITE_TRANSIENT);
    rc = step_done(q, st, err);
    if (!rc) {
        *result = QUEUE_CREATED;
        rc = get_row_locked(q, "id", id, row, err);
    }
out:
    changed(q);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int queue_get(queue *q, const char *id, json_t **row, mlac_err *err)
{
    *row = NULL;
    pthread_mutex_lock(&q->lock);
    int rc = get_row_locked(q, "id", id, row, err);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int queue_list(queue *q, int state, long long after, int limit, json_t **rows, long long *next, mlac_err *err)
{
    *rows = json_array();
    *next = 0;
    pthread_mutex_lock(&q->lock);
    sqlite3_stmt *st;
    int rc = prepare(q, "SELECT " ROW_COLUMNS " FROM experiments WHERE seq > ?1 AND (?2 < 0 OR state = ?2) "
                        "ORDER BY seq LIMIT ?3", &st, err);
    if (!rc) {
        sqlite3_bind_int64(st, 1, after);
        sqlite3_bind_int(st, 2, state);
        sqlite3_bind_int(st, 3, limit + 1);
        int r, n = 0;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            if (n++ == limit) {
                break;
            }
            *next = sqlite3_column_int64(st, 18);
            json_t *o = row_json(st);
            json_object_del(o, "spec"); /* the list stays small; GET one has it */
            json_array_append_new(*rows, o);
        }
        if (r != SQLITE_ROW && r != SQLITE_DONE)
            rc = db_error(q, err, "read");
        if (n <= limit)
            *next = 0;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int queue_claim(queue *q, double now, queue_job *job, int *got, double *next_due, mlac_err *err)
{
    memset(job, 0, sizeof *job);
    *got = 0;
    *next_due = 0;
    pthread_mutex_lock(&q->lock);
    sqlite3_stmt *st;
    /* a run folder is run by one worker at a time: the same spec submitted twice waits, then resumes */
    int rc = prepare(q, "SELECT id, spec, run_id, output_dir FROM experiments e WHERE state IN (0, 1) AND "
                        "scheduled_at <= ?1 AND NOT EXISTS (SELECT 1 FROM experiments r WHERE r.state = 2 AND "
                        "r.run_id = e.run_id AND r.output_dir = e.output_dir) ORDER BY priority DESC, seq LIMIT 1",
                     &st, err);
    if (rc)
        goto out;
    sqlite3_bind_double(st, 1, now);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        snprintf(job->id, sizeof job->id, "%s", col_text(st, 0));
        job->spec = strdup(col_text(st, 1));
        snprintf(job->run_id, sizeof job->run_id, "%s", col_text(st, 2));
        snprintf(job->output_dir, sizeof job->output_dir, "%s", col_text(st, 3));
    } else if (r != SQLITE_DONE) {
        rc = db_error(q, err, "read");
    }
    sqlite3_finalize(st);
    if (rc)
        goto out;
    if (r == SQLITE_ROW) {
        if (!job->spec) {
            rc = mlac_errf(err, MLAC_ENOMEM, "out of memory");
            goto out;
        }
        rc = prepare(q, "UPDATE experiments SET state = 2, started_at = CASE WHEN started_at > 0 THEN started_at "
                        "ELSE ?2 END WHERE id = ?1", &st, err);
        if (!rc) {
            sqlite3_bind_text(st, 1, job->id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_double(st, 2, now);
            rc = step_done(q, st, err);
        }
        *got = !rc;
        goto out;
    }
    rc = prepare(q, "SELECT MIN(scheduled_at) FROM experiments WHERE state = 0", &st, err);
    if (!rc) {
        if (sqlite3_step(st) == SQLITE_ROW)
            *next_due = sqlite3_column_double(st, 0);
        sqlite3_finalize(st);
    }
out:
    changed(q);
    pthread_mutex_unlock(&q->lock);
    if (rc || !*got)
        queue_job_release(job);
    return rc;
}

void queue_job_release(queue_job *job)
{
    free(job->spec);
    job->spec = NULL;
}

static int exec_locked(queue *q, const char *sql, mlac_err *err)
{
    char *msg = NULL;
    int r = sqlite3_exec(q->db, sql, NULL, NULL, &msg);
    sqlite3_free(msg);
    return r == SQLITE_OK ? MLAC_OK : db_error(q, err, "write");
}

int queue_recover(queue *q, int *resumed, mlac_err *err)
{
    pthread_mutex_lock(&q->lock);
    int rc = exec_locked(q, "UPDATE experiments SET state = 5, finished_at = "
                            "CAST(strftime('%s','now') AS REAL) WHERE state = 2 AND cancel_requested = 1", err);
    if (!rc)
        rc = exec_locked(q, "UPDATE experiments SET state = 1, resumes = resumes + 1 WHERE state = 2", err);
    *resumed = rc ? 0 : sqlite3_changes(q->db);
    changed(q);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int queue_progress(queue *q, const char *id, long total, long skipped, long done, long failed,
                   double tasks_started_at, mlac_err *err)
{
    pthread_mutex_lock(&q->lock);
    sqlite3_stmt *st;
    int rc = prepare(q, "UPDATE experiments SET tasks_total = ?2, tasks_skipped = ?3, tasks_done = ?4, "
                        "tasks_failed = ?5, tasks_started_at = ?6 WHERE id = ?1", &st, err);
    if (!rc) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, total);
        sqlite3_bind_int64(st, 3, skipped);
        sqlite3_bind_int64(st, 4, done);
        sqlite3_bind_int64(st, 5, failed);
        sqlite3_bind_double(st, 6, tasks_started_at);
        rc = step_done(q, st, err);
    }
    changed(q);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int queue_finish(queue *q, const char *id, int state, const char *error, mlac_err *err)
{
    pthread_mutex_lock(&q->lock);
    sqlite3_stmt *st;
    int rc = prepare(q, "UPDATE experiments SET state = ?2, finished_at = CASE WHEN ?2 >= 3 THEN ?3 ELSE 0 END, "
                        "error = ?4 WHERE id = ?1", &st, err);
    if (!rc) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 2, state);
        sqlite3_bind_double(st, 3, time_wall());
        if (error)
            sqlite3_bind_text(st, 4, error, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 4);
        rc = step_done(q, st, err);
    }
    changed(q);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int queue_cancel(queue *q, const char *id, int *state, mlac_err *err)
{
    pthread_mutex_lock(&q->lock);
    sqlite3_stmt *st;
    int rc = prepare(q, "SELECT state FROM experiments WHERE id = ?1", &st, err);
    if (rc)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(st);
    *state = r == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (r != SQLITE_ROW) {
        rc = r == SQLITE_DONE ? mlac_errf(err, MLAC_ENOTFOUND, "no experiment '%s'", id) : db_error(q, err, "read");
        goto out;
    }
    if (*state == QS_SCHEDULED || *state == QS_QUEUED)
        rc = prepare(q, "UPDATE experiments SET state = 5, cancel_requested = 1, finished_at = ?2 WHERE id = ?1",
                     &st, err);
    else if (*state == QS_RUNNING)
        rc = prepare(q, "UPDATE experiments SET cancel_requested = 1 WHERE id = ?1 AND ?2 >= 0", &st, err);
    else
        goto out; /* finished: nothing to do; the caller answers 409 */
    if (!rc) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 2, time_wall());
        rc = step_done(q, st, err);
    }
out:
    changed(q);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int queue_cancel_requested(queue *q, const char *id, int *requested, mlac_err *err)
{
    *requested = 0;
    pthread_mutex_lock(&q->lock);
    sqlite3_stmt *st;
    int rc = prepare(q, "SELECT cancel_requested FROM experiments WHERE id = ?1", &st, err);
    if (!rc) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            *requested = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int queue_counts(queue *q, long counts[QS_N], mlac_err *err)
{
    memset(counts, 0, QS_N * sizeof counts[0]);
    pthread_mutex_lock(&q->lock);
    sqlite3_stmt *st;
    int rc = prepare(q, "SELECT state, COUNT(*) FROM experiments GROUP BY state", &st, err);
    if (!rc) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            int s = sqlite3_column_int(st, 0);
            if (s >= 0 && s < QS_N)
                counts[s] = (long)sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int queue_check_writable(queue *q, mlac_err *err)
{
    pthread_mutex_lock(&q->lock);
    int rc = exec_locked(q, "BEGIN IMMEDIATE; INSERT OR REPLACE INTO health (k, v) VALUES (1, 0); ROLLBACK;", err);
    if (rc)
        exec_locked(q, "ROLLBACK;", NULL);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

/* gcs_testutil.h — helpers for tests that talk to build/gcs_test_server: start it on a free
 * loopback port (its pid kept, stopped by that pid), create a bucket, inject faults through
 * POST /retry_test and read the request counters of GET /_stats. Header-only; C tests only. */
#ifndef MLAC_TESTS_STORE_GCS_TESTUTIL_H
#define MLAC_TESTS_STORE_GCS_TESTUTIL_H

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct test_server {
    pid_t pid;
    int port;
    char base[64]; /* http://127.0.0.1:PORT */
    char dir[256]; /* temp folder of the port file */
} test_server;

static inline size_t ts_collect(char *d, size_t s, size_t n, void *ctx)
{
    FILE *f = ctx;
    return fwrite(d, s, n, f);
}

/* method url body -> status; the response body into out (malloc'd, may be NULL). */
static inline long ts_http(const char *method, const char *url, const char *body, char **out)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ts_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    fclose(f);
    if (out)
        *out = text;
    else
        free(text);
    return status;
}

/* Starts the server with extra arguments (NULL-terminated); 0 on success. */
static inline int ts_start(test_server *s, const char *const *extra)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/mlac-gcs-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    char port_file[300], exe[4096];
    snprintf(port_file, sizeof port_file, "%s/port", s->dir);
    const char *build = getenv("MLAC_BUILD");
    snprintf(exe, sizeof exe, "%s/gcs_test_server", build ? build : "build");
    const char *argv[32] = {exe, "--port", "0", "--port-file", port_file};
    int n = 5;
    for (int i = 0; extra && extra[i] && n < 30; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    s->pid = fork();
    if (s->pid == 0) {
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) { /* up to 10 s */
        FILE *f = fopen(port_file, "r");
        if (f) {
            int ok = fscanf(f, "%d", &s->port) == 1;
            fclose(f);
            if (ok && s->port > 0) {
                snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
                return 0;
            }
        }
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

static inline void ts_stop(test_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", s->dir);
}

static inline int ts_bucket(test_server *s, const char *name)
{
    char url[128], body[300];
    snprintf(url, sizeof url, "%s/storage/v1/b", s->base);
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
    return ts_http("POST", url, body, NULL) == 200 ? 0 : -1;
}

/* Installs a global fault list for one operation, e.g. ("storage.objects.get", "[\"return-503\"]"). */
static inline int ts_fault(test_server *s, const char *op, const char *instructions_json)
{
    char url[128], body[2048];
    snprintf(url, sizeof url, "%s/retry_test", s->base);
    snprintf(body, sizeof body, "{\"instructions\":{\"%s\":%s},\"global\":true}", op, instructions_json);
    return ts_http("POST", url, body, NULL) == 200 ? 0 : -1;
}

/* A counter of /_stats "requests" (e.g. "media_get"), -1 on failure. */
static inline long ts_count(test_server *s, const char *name)
{
    char url[128], *text = NULL;
    snprintf(url, sizeof url, "%s/_stats", s->base);
    long v = -1;
    if (ts_http("GET", url, NULL, &text) == 200) {
        json_error_t je;
        json_t *j = json_loads(text, 0, &je);
        json_t *x = json_object_get(json_object_get(j, "requests"), name);
        if (json_is_integer(x))
            v = (long)json_integer_value(x);
        json_decref(j);
    }
    free(text);
    return v;
}

static inline void ts_reset_counts(test_server *s)
{
    char url[128];
    snprintf(url, sizeof url, "%s/_stats/reset", s->base);
    ts_http("POST", url, "", NULL);
}

/* Object metadata JSON field "generation" (as a number), -1 if absent. */
static inline long long ts_generation(test_server *s, const char *bucket, const char *escaped_name)
{
    char url[2048], *text = NULL;
    snprintf(url, sizeof url, "%s/storage/v1/b/%s/o/%s", s->base, bucket, escaped_name);
    long long g = -1;
    if (ts_http("GET", url, NULL, &text) == 200) {
        json_error_t je;
        json_t *j = json_loads(text, 0, &je);
        const char *v = json_string_value(json_object_get(j, "generation"));
        if (v)
            g = atoll(v);
        json_decref(j);
    }
    free(text);
    return g;
}

#endif

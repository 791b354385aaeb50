/* client.c — libcurl requests to the mlac service, its error answers and the prologue every
 * client verb shares (see client.h). */
#include "cli/client.h"
#include "cli/cli.h"
#include "core/buf.h"

#include <curl/curl.h>
#include <stdio.h>
#include <sysexits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ANSWER ((size_t)64 << 20)

static void client_init(client *c, const char *server_flag)
{
    const char *s = server_flag && *server_flag ? server_flag : getenv("MLAC_SERVER");
    snprintf(c->server, sizeof c->server, "%s", s && *s ? s : "http://127.0.0.1:8080");
    size_t n = strlen(c->server);
    while (n && c->server[n - 1] == '/')
        c->server[--n] = '\0';
    const char *t = getenv("MLAC_API_TOKEN");
    snprintf(c->token, sizeof c->token, "%s", t ? t : "");
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    buf *b = ctx;
    mlac_err err;
    return buf_append(b, p, size * n, &err) ? 0 : size * n;
}

static int client_call(const client *c, const char *method, const char *path, const char *body, long *status,
                json_t **answer, mlac_err *err)
{
    *answer = NULL;
    *status = 0;
    CURL *h = curl_easy_init();
    if (!h)
        return mlac_errf(err, MLAC_ENOMEM, "cannot start libcurl");
    char url[2048], auth[600];
    snprintf(url, sizeof url, "%s%s", c->server, path);
    struct curl_slist *hdr = NULL;
    if (c->token[0]) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->token);
        hdr = curl_slist_append(hdr, auth);
        memset(auth, 0, sizeof auth);
    }
    if (body)
        hdr = curl_slist_append(hdr, "Content-Type: application/json");
    buf b;
    buf_init(&b, MAX_ANSWER);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    const char *ca = getenv("MLAC_CA_CERT");
    if (ca && *ca)
        curl_easy_setopt(h, CURLOPT_CAINFO, ca);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    CURLcode r = curl_easy_perform(h);
    int rc = MLAC_OK;
    if (r != CURLE_OK)
        rc = mlac_errf(err, MLAC_EIO, "cannot reach the mlac service at '%s': %s", c->server, curl_easy_strerror(r));
    else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
        *answer = b.len ? json_loadb(b.data, b.len, 0, NULL) : NULL;
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    buf_release(&b);
    return rc;
}

static int client_fail(long status, const json_t *answer, mlac_err *err)
{
    const char *msg = json_string_value(json_object_get(json_object_get(answer, "error"), "message"));
    int code = status == 404 ? MLAC_ENOTFOUND : status >= 400 && status < 500 ? MLAC_EINVAL : MLAC_EIO;
    mlac_errf(err, code, "the service answered %ld: %s", status, msg ? msg : "(no message)");
    return status == 401 || status == 403 ? EX_NOPERM : cli_exit_code(code);
}

static int client_report(const mlac_err *err)
{
    return cli_fail(err);
}

#define MAX_VERB_OPTS 40

int client_verb_start(client_verb *v, const struct cli_usage *usage, const struct cli_opt *opts,
                      const client_args *a, int argc, char **argv, int *stop)
{
    memset(v, 0, sizeof *v);
    strlist_init(&v->pos);
    *stop = 0;
    const char *server = NULL;
    struct cli_opt all[MAX_VERB_OPTS + 2] = {
        {"server", OPT_STR, &server, "URL", "service URL (default MLAC_SERVER or http://127.0.0.1:8080)"},
    };
    size_t n = 1;
    for (; opts && opts[n - 1].name && n <= MAX_VERB_OPTS; n++)
        all[n] = opts[n - 1];
    all[n] = (struct cli_opt){NULL, 0, NULL, NULL, NULL};
    int rc = cli_parse(usage, all, argc, argv, &v->pos, a->cfg, stop);
    if (rc || *stop)
        return rc;
    if (v->pos.n < a->min_pos || v->pos.n > a->max_pos) {
        fprintf(stderr, "mlac: error: %s takes %s%s\n", usage->command, a->max_pos ? "" : "no arguments",
                a->max_pos ? usage->args : "");
        return EX_USAGE;
    }
    for (size_t i = 0; a->ids && i < v->pos.n; i++)
        if (!v->pos.items[i][0] || strpbrk(v->pos.items[i], "/?#% ")) {
            fprintf(stderr, "mlac: error: '%s' is not an experiment id\n", v->pos.items[i]);
            return EX_USAGE;
        }
    client_init(&v->c, server);
    return 0;
}

int client_verb_call(client_verb *v, const char *method, const char *path, const char *body, long ok1, long ok2)
{
    mlac_err err = {0};
    json_decref(v->answer);
    v->answer = NULL;
    if (client_call(&v->c, method, path, body, &v->status, &v->answer, &err))
        return client_report(&err);
    if (v->status == ok1 || v->status == ok2)
        return 0;
    int rc = client_fail(v->status, v->answer, &err);
    client_report(&err);
    return rc;
}

void client_verb_release(client_verb *v)
{
    json_decref(v->answer);
    v->answer = NULL;
    strlist_release(&v->pos);
    memset(v->c.token, 0, sizeof v->c.token);
}

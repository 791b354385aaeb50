/* client.c — libcurl requests to the mlac service and its error answers (see client.h). */
#include "cli/client.h"
#include "cli/cli.h"
#include "core/buf.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ANSWER ((size_t)64 << 20)

void client_init(client *c, const char *server_flag)
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

int client_call(const client *c, const char *method, const char *path, const char *body, long *status,
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

int client_fail(long status, const json_t *answer, mlac_err *err)
{
    const char *msg = json_string_value(json_object_get(json_object_get(answer, "error"), "message"));
    mlac_errf(err, status >= 400 && status < 500 ? MLAC_EINVAL : MLAC_EIO, "the service answered %ld: %s", status,
              msg ? msg : "(no message)");
    return status >= 400 && status < 500 ? 2 : 1;
}

int client_report(const mlac_err *err)
{
    return cli_fail(err);
}

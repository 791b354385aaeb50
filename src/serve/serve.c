/* serve.c — the service's lifecycle: open the queue, resume, start workers and the HTTP daemon;
 * stop in the reverse order (see serve.h). Who frees what: the server owns the queue, metrics,
 * TLS PEM copies and the daemon; the configuration stays the caller's.
 */
#include "core/fsutil.h"
#include "core/log.h"
#include "serve/serve_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void serve_config_init(serve_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->host, sizeof c->host, "127.0.0.1");
    c->port = 8080;
    c->workers = 1;
    strlist_init(&c->data_roots);
    c->max_body = (size_t)1 << 20;
    c->conn_timeout = 15;
    c->compute_nice = 10;
}

void serve_config_release(serve_config *c)
{
    strlist_release(&c->data_roots);
    memset(c->token, 0, sizeof c->token);
}

static int read_pem(const char *path, const char *what, char **out, mlac_err *err)
{
    buf b;
    buf_init(&b, 1u << 20);
    int rc = fs_read_file(path, &b, 1u << 20, err);
    if (rc) {
        buf_release(&b);
        return mlac_err_prefix(err, "%s: ", what);
    }
    size_t n;
    *out = buf_detach(&b, &n);
    return MLAC_OK;
}

int serve_start(const serve_config *cfg, server **out, mlac_err *err)
{
    *out = NULL;
    if (cfg->workers < 1 || cfg->workers > SERVE_MAX_WORKERS)
        return mlac_errf(err, MLAC_EINVAL, "--workers: expected 1 to %d", SERVE_MAX_WORKERS);
    if (cfg->compute_nice < 0 || cfg->compute_nice > 19)
        return mlac_errf(err, MLAC_EINVAL, "--compute-nice: expected 0 to 19");
    if (!cfg->data_roots.n)
        return mlac_errf(err, MLAC_EINVAL, "--data-roots: at least one data root is needed");
    if (!cfg->results[0])
        return mlac_errf(err, MLAC_EINVAL, "--results: a results root is needed");
    if (!cfg->token[0])
        return mlac_errf(err, MLAC_EINVAL, "no API token: set MLAC_API_TOKEN or --token-file");
    if (!!cfg->tls_cert[0] != !!cfg->tls_key[0])
        return mlac_errf(err, MLAC_EINVAL, "--tls-cert and --tls-key go together");
    server *s = calloc(1, sizeof *s);
    if (!s)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the server");
    s->cfg = cfg;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    snprintf(s->cache_dir, sizeof s->cache_dir, "%s/cache", cfg->state_dir);
    int resumed = 0;
    int rc = fs_mkdir_p(cfg->state_dir, err);
    char real[PATH_MAX];
    if (!rc && realpath(cfg->state_dir, real)) /* specs name an absolute cache: runs do not depend on cwd */
        snprintf(s->cache_dir, sizeof s->cache_dir, "%s/cache", real);
    if (!rc && !strstr(cfg->results, "://"))
        rc = fs_mkdir_p(cfg->results, err);
    if (!rc && cfg->tls_cert[0])
        rc = read_pem(cfg->tls_cert, "--tls-cert", &s->tls_cert_pem, err);
    if (!rc && cfg->tls_key[0])
        rc = read_pem(cfg->tls_key, "--tls-key", &s->tls_key_pem, err);
    if (!rc && !(s->status = status_cache_new()))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for the status cache");
    if (!rc && !(s->m = serve_metrics_new()))
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for metrics");
    if (!rc)
        rc = queue_open(cfg->state_dir, &s->q, err);
    if (!rc)
        rc = queue_recover(s->q, &resumed, err);
    if (!rc && resumed)
        log_info("resuming %d experiment%s left running by the previous process", resumed, resumed == 1 ? "" : "s");
    if (!rc)
        rc = sched_start(s, err);
    if (!rc)
        rc = http_start(s, err);
    if (rc) {
        serve_stop(s);
        return rc;
    }
    *out = s;
    return MLAC_OK;
}

int serve_port(const server *s)
{
    return s->port;
}

void serve_stop(server *s)
{
    if (!s)
        return;
    s->stopping = 1;
    http_stop(s);
    sched_stop(s);
    queue_free(s->q);
    serve_metrics_free(s->m);
    status_cache_free(s->status);
    if (s->tls_key_pem)
        memset(s->tls_key_pem, 0, strlen(s->tls_key_pem));
    free(s->tls_cert_pem);
    free(s->tls_key_pem);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

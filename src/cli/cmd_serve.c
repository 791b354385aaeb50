/* cmd_serve.c — `mlac serve`: runs the experiment service until SIGTERM/SIGINT.
 *
 * The token comes from --token-file (a Kubernetes Secret mounted as a file) or MLAC_API_TOKEN;
 * it is never printed. --listen 127.0.0.1:0 picks a free port; --port-file writes the port
 * taken (tests and scripts read it). Access log lines (JSON) go to stderr or --access-log FILE.
 */
#include "cli/cli.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "serve/serve.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* HOST:PORT, with an IPv6 host in brackets ([::1]:8080, [::]:8080); c->host gets it without them. */
static int parse_listen(const char *text, serve_config *c)
{
    const char *host = text, *colon;
    size_t host_len;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':')
            return -1;
        host = text + 1;
        host_len = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon || memchr(text, ':', (size_t)(colon - text)))
            return -1; /* a bare IPv6 address needs its brackets */
        host_len = (size_t)(colon - text);
    }
    if (!host_len || host_len >= sizeof c->host)
        return -1;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 0 || port > 65535)
        return -1;
    snprintf(c->host, sizeof c->host, "%.*s", (int)host_len, host);
    c->port = (int)port;
    return 0;
}

static int read_token(const char *file, serve_config *c, mlac_err *err)
{
    if (!file) {
        const char *t = getenv("MLAC_API_TOKEN");
        if (t && strlen(t) >= sizeof c->token)
            return mlac_errf(err, MLAC_EINVAL, "MLAC_API_TOKEN: longer than %zu bytes", sizeof c->token - 1);
        snprintf(c->token, sizeof c->token, "%s", t ? t : "");
        return MLAC_OK;
    }
    buf b;
    buf_init(&b, sizeof c->token);
    int rc = fs_read_file(file, &b, sizeof c->token - 1, err);
    if (!rc) {
        size_t n = b.len;
        while (n && (b.data[n - 1] == '\n' || b.data[n - 1] == '\r' || b.data[n - 1] == ' '))
            n--;
        snprintf(c->token, sizeof c->token, "%.*s", (int)n, b.data);
        if (!n)
            rc = mlac_errf(err, MLAC_EINVAL, "--token-file '%s' is empty", file);
        memset(b.data, 0, b.len);
    }
    buf_release(&b);
    return rc;
}

int cmd_serve(int argc, char **argv)
{
    const struct cli_usage usage = {
        "mlac serve", NULL,
        "Runs the experiment service: an HTTP API (docs/API.md) over a durable SQLite queue in --state,\n"
        "with --workers experiments at once sharing one thread budget, /healthz, /readyz and /metrics.\n"
        "Every write needs 'Authorization: Bearer <token>' (MLAC_API_TOKEN or --token-file); reads too\n"
        "unless --public-read. Stop with SIGTERM; after a crash, start it again: nothing is lost."};
    const char *listen = "127.0.0.1:8080", *state = "mlac-state", *results = NULL, *token_file = NULL;
    const char *cors = NULL, *cert = NULL, *key = NULL, *port_file = NULL, *access = NULL;
    long workers = 1, threads = 0, max_body = 1 << 20, conn_timeout = 15, compute_nice = 10;
    int public_read = 0, stop;
    serve_config cfg;
    serve_config_init(&cfg);
    const struct cli_opt opts[] = {
        {"listen", OPT_STR, &listen, "HOST:PORT",
         "address to listen on (default 127.0.0.1:8080; IPv6 in brackets, [::1]:8080; port 0 = any free)"},
        {"state", OPT_STR, &state, "DIR", "queue database and service cache (default mlac-state)"},
        {"workers", OPT_INT, &workers, "N", "experiments run at once (default 1)"},
        {"threads", OPT_INT, &threads, "T", "thread budget shared by the workers (default: all cores)"},
        {"data-roots", OPT_LIST, &cfg.data_roots, "DIR...", "folders/URIs a submitted spec may read data from"},
        {"results", OPT_STR, &results, "URI", "results root: every run is written under it"},
        {"token-file", OPT_STR, &token_file, "FILE", "file holding the API token (else MLAC_API_TOKEN)"},
        {"public-read", OPT_FLAG, &public_read, NULL, "GET endpoints need no token"},
        {"cors", OPT_STR, &cors, "ORIGIN", "send CORS headers allowing this origin"},
        {"tls-cert", OPT_STR, &cert, "FILE", "serve HTTPS with this PEM certificate (with --tls-key)"},
        {"tls-key", OPT_STR, &key, "FILE", "PEM private key of --tls-cert"},
        {"max-body", OPT_INT, &max_body, "BYTES", "largest request body (default 1048576)"},
        {"conn-timeout", OPT_INT, &conn_timeout, "S", "seconds an idle or slow connection is kept (default 15)"},
        {"compute-nice", OPT_INT, &compute_nice, "N",
         "nice value of the experiment threads, 0-19 (default 10; the HTTP threads stay at 0)"},
        {"access-log", OPT_STR, &access, "FILE", "JSON access log (default: stderr)"},
        {"port-file", OPT_STR, &port_file, "FILE", "write the port listened on to FILE"},
        {NULL, 0, NULL, NULL, NULL},
    };
    config conf;
    mlac_err err = {0};
    server *srv = NULL;
    FILE *log_file = NULL;
    if (cli_config_load(&conf, &err)) {
        serve_config_release(&cfg);
        return cli_fail(&err);
    }
    int rc = cli_parse(&usage, opts, argc, argv, NULL, &conf, &stop);
    if (rc || stop)
        goto out;
    rc = EX_USAGE; /* the checks below are of the command line */
    if (parse_listen(listen, &cfg)) {
        fprintf(stderr, "mlac: error: --listen: expected HOST:PORT, got '%s'\n", listen);
        goto out;
    }
    if (!results) {
        fprintf(stderr, "mlac: error: --results: a results root is needed\n");
        goto out;
    }
    if (workers < 1 || workers > 64 || threads < 0 || threads > 1024 || max_body < 1 || max_body > (1L << 30) ||
        conn_timeout < 1 || conn_timeout > 3600 || compute_nice < 0 || compute_nice > 19) {
        fprintf(stderr, "mlac: error: --workers (1-64), --threads (0-1024), --max-body (1 B-1 GiB), "
                        "--conn-timeout (1-3600 s) or --compute-nice (0-19) out of range\n");
        goto out;
    }
    snprintf(cfg.state_dir, sizeof cfg.state_dir, "%s", state);
    snprintf(cfg.results, sizeof cfg.results, "%s", results);
    snprintf(cfg.cors_origin, sizeof cfg.cors_origin, "%s", cors ? cors : "");
    snprintf(cfg.tls_cert, sizeof cfg.tls_cert, "%s", cert ? cert : "");
    snprintf(cfg.tls_key, sizeof cfg.tls_key, "%s", key ? key : "");
    cfg.workers = (int)workers;
    cfg.threads = (int)threads;
    cfg.max_body = (size_t)max_body;
    cfg.conn_timeout = (int)conn_timeout;
    cfg.compute_nice = (int)compute_nice;
    cfg.public_read = public_read;
    cfg.access_log = stderr;
    if (access && !(cfg.access_log = log_file = fopen(access, "a"))) {
        fprintf(stderr, "mlac: error: --access-log: cannot open '%s'\n", access);
        rc = EX_CANTCREAT;
        goto out;
    }
    if (read_token(token_file, &cfg, &err) || serve_start(&cfg, &srv, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if (port_file) {
        char text[16];
        snprintf(text, sizeof text, "%d\n", serve_port(srv));
        if (fs_write_atomic(port_file, text, strlen(text), &err)) {
            rc = cli_fail(&err);
            goto out;
        }
    }
    int v6 = strchr(cfg.host, ':') != NULL;
    log_info("mlac serve: listening on %s://%s%s%s:%d (%d workers, state %s, results %s)", cert ? "https" : "http",
             v6 ? "[" : "", cfg.host, v6 ? "]" : "", serve_port(srv), cfg.workers, cfg.state_dir, cfg.results);
    while (!g_stop) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    log_info("mlac serve: stopping (running experiments go back to the queue)");
    rc = 0;
out:
    serve_stop(srv);
    if (log_file)
        fclose(log_file);
    serve_config_release(&cfg);
    config_release(&conf);
    return rc;
}

/* embed_command.c — the command back end: runs a configured program over the embedder protocol.
 *
 * Protocol version 1 (docs/EMBEDDERS.md):
 *   <command> info                  prints a line "mlac-embedder 1 model=M version=V rate=R
 *                                   window=S dim=D format=f32|csv" on stdout (other lines ignored)
 *   <command> embed LIST OUT        LIST: one absolute path per line of a mono float WAV at R Hz,
 *                                   exactly round(S * R) samples; the program writes OUT: n * D
 *                                   little-endian float32 (format=f32) or n lines of D
 *                                   comma-separated numbers (format=csv), in LIST order; exit 0.
 * The command line runs under /bin/sh -c with the verb and its arguments appended ("$@"), in
 * a fresh temporary folder (its working directory, removed afterwards), in its own process
 * group with stdin from /dev/null and stdout/stderr to files; MLAC_EMBED_MODEL and
 * MLAC_EMBED_THREADS are set. Every call has a deadline; past it, or on cancel, the whole
 * process group is killed. Failures — cannot start, killed by a signal, non-zero exit, no or
 * short output, wrong dimension or row count, NaN — become one message naming the command,
 * the call and the tail of the program's stderr. Runs through core/spawn (posix_spawn), so it is
 * safe to call from a multi-threaded process (calls on one embedder must not overlap).
 */
#include "embed/embed.h"
#include "audio/audio.h"
#include "core/buf.h"
#include "core/fsutil.h"
#include "core/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

#define CMD_MAX_STDOUT ((size_t)64 << 10)     /* info reply */
#define CMD_MAX_OUTPUT ((size_t)1 << 31)      /* one batch's vectors */
#define CMD_TAIL 400                          /* stderr characters quoted in a message */
#define CMD_MAX_BATCH ((size_t)1 << 20)

typedef struct cmd_embedder {
    embedder base;
    char *command;                       /* owned */
    double timeout_s;
    int threads;
    char tmp_root[2048];
    const volatile sig_atomic_t *cancel;
    int format_csv;                      /* reply format: 0 f32, 1 csv */
    size_t win;                          /* samples per window */
} cmd_embedder;

/* ---- info reply -------------------------------------------------------------------------- */

static int parse_int_field(const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end || errno || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

/* One "key=value" token of the info line into out. */
static int info_field(char *tok, embed_info *out, int *format_csv, int *seen, const char *who, mlac_err *err)
{
    char *eq = strchr(tok, '=');
    if (!eq)
        return mlac_errf(err, MLAC_EFORMAT, "embedder '%s': info field '%.60s' is not key=value", who, tok);
    *eq = '\0';
    const char *k = tok, *v = eq + 1;
    long x;
    if (!strcmp(k, "model")) {
        if (!*v || strlen(v) >= sizeof out->model)
            return mlac_errf(err, MLAC_EFORMAT, "embedder '%s': bad model name in info", who);
        snprintf(out->model, sizeof out->model, "%s", v);
        *seen |= 1;
    } else if (!strcmp(k, "version")) {
        if (!*v || strlen(v) >= sizeof out->version)
            return mlac_errf(err, MLAC_EFORMAT, "embedder '%s': bad version in info", who);
        snprintf(out->version, sizeof out->version, "%s", v);
        *seen |= 2;
    } else if (!strcmp(k, "rate")) {
        if (parse_int_field(v, 1, 768000, &x))
            return mlac_errf(err, MLAC_EFORMAT, "embedder '%s': info rate '%.40s' is not 1..768000", who, v);
        out->rate = (int)x;
        *seen |= 4;
    } else if (!strcmp(k, "window")) {
        char *end;
        errno = 0;
        double w = strtod(v, &end);
        if (end == v || *end || errno || !(w >= 0.01 && w <= 600))
            return mlac_errf(err, MLAC_EFORMAT, "embedder '%s': info window '%.40s' is not 0.01..600 s", who, v);
        out->window_s = w;
        *seen |= 8;
    } else if (!strcmp(k, "dim")) {
        if (parse_int_field(v, 1, EMBED_MAX_DIM, &x))
            return mlac_errf(err, MLAC_EFORMAT, "embedder '%s': info dim '%.40s' is not 1..%d", who, v, EMBED_MAX_DIM);
        out->dim = (size_t)x;
        *seen |= 16;
    } else if (!strcmp(k, "format")) {
        if (strcmp(v, "f32") && strcmp(v, "csv"))
            return mlac_errf(err, MLAC_EFORMAT, "embedder '%s': info format '%.40s' is not f32 or csv", who, v);
        *format_csv = !strcmp(v, "csv");
    } /* unknown keys are ignored: later protocol versions may add some */
    return MLAC_OK;
}

int embed_info_parse(const char *text, size_t len, const char *who, embed_info *out, int *format_csv,
                     mlac_err *err)
{
    static const char tag[] = "mlac-embedder ";
    memset(out, 0, sizeof *out);
    *format_csv = 0;
    const char *line = NULL, *end = text + len;
    for (const char *p = text; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        if ((size_t)(e - p) >= sizeof tag - 1 && !memcmp(p, tag, sizeof tag - 1))
            line = p;
        p = nl ? nl + 1 : end;
    }
    if (!line)
        return mlac_errf(err, MLAC_EFORMAT, "embedder '%s' did not answer 'info' with a line 'mlac-embedder 1 "
                         "model=... version=... rate=... window=... dim=...'", who);
    const char *nl = memchr(line, '\n', (size_t)(end - line));
    size_t n = (size_t)((nl ? nl : end) - line);
    if (n > 4096)
        return mlac_errf(err, MLAC_EFORMAT, "embedder '%s': info line is longer than 4096 bytes", who);
    char copy[4097];
    memcpy(copy, line, n);
    copy[n] = '\0';
    if (n && copy[n - 1] == '\r')
        copy[--n] = '\0';
    char *save = NULL, *tok = strtok_r(copy + sizeof tag - 1, " \t", &save);
    if (!tok || strcmp(tok, "1"))
        return mlac_errf(err, MLAC_EFORMAT, "embedder '%s' speaks protocol '%s', mlac speaks 1", who, tok ? tok : "");
    int seen = 0, rc = MLAC_OK;
    while (!rc && (tok = strtok_r(NULL, " \t", &save)))
        rc = info_field(tok, out, format_csv, &seen, who, err);
    if (!rc && seen != 31)
        rc = mlac_errf(err, MLAC_EFORMAT, "embedder '%s': info must give model, version, rate, window and dim",
                       who);
    return rc;
}

/* ---- running the program ----------------------------------------------------------------- */

/* Everything about one finished call, for messages. */
typedef struct call_result {
    int exited;       /* 1: exit status in code; 0: killed by signal code */
    int code;
    int timed_out;
    int cancelled;
} call_result;

static int make_env(const cmd_embedder *c, char ***out, mlac_err *err)
{
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **env = calloc(n + 3, sizeof *env);
    if (!env)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory starting an embedder");
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "MLAC_EMBED_MODEL=", 17) && strncmp(environ[i], "MLAC_EMBED_THREADS=", 19))
            env[k++] = environ[i];
    char model[64], threads[64];
    snprintf(model, sizeof model, "MLAC_EMBED_MODEL=%s", c->base.info.model);
    snprintf(threads, sizeof threads, "MLAC_EMBED_THREADS=%d", c->threads > 0 ? c->threads : 1);
    env[k] = strdup(model);
    env[k + 1] = strdup(threads);
    if (!env[k] || !env[k + 1]) {
        free(env[k]);
        free(env[k + 1]);
        free(env);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory starting an embedder");
    }
    *out = env;
    return MLAC_OK;
}

static void free_env(char **env)
{
    if (!env)
        return;
    size_t n = 0;
    while (env[n])
        n++;
    if (n >= 2) {
        free(env[n - 2]); /* the two strings make_env added, always last */
        free(env[n - 1]);
    }
    free(env);
}

/* Runs the command with args (NULL-terminated) in dir; stdout to out_path, stderr to err_path. */
static int call_run(const cmd_embedder *c, const char *dir, const char *const *args, const char *out_path,
                    const char *err_path, call_result *res, mlac_err *err)
{
    memset(res, 0, sizeof *res);
    char *script = NULL, **env = NULL;
    const char *argv[16];
    size_t na = 0;
    int rc = make_env(c, &env, err);
    if (rc)
        return rc;
    size_t len = strlen(c->command) + 16;
    if (!(script = malloc(len))) {
        free_env(env);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory starting an embedder");
    }
    snprintf(script, len, "%s \"$@\"", c->command);
    argv[na++] = "/bin/sh";
    argv[na++] = "-c";
    argv[na++] = script;
    argv[na++] = "mlac-embedder";
    for (size_t i = 0; args[i] && na < 15; i++)
        argv[na++] = args[i];
    argv[na] = NULL;

    spawn_opts so = {.argv = argv, .env = env, .dir = dir, .stdout_path = out_path, .stderr_path = err_path,
                     .timeout_s = c->timeout_s > 0 ? c->timeout_s : 600, .cancel = c->cancel, .new_group = 1};
    spawn_result sr;
    rc = spawn_run(&so, &sr, err);
    free(script);
    free_env(env);
    if (rc)
        return mlac_err_prefix(err, "embedder '%s': ", c->command);
    res->exited = sr.exited;
    res->code = sr.code;
    res->timed_out = sr.timed_out;
    res->cancelled = sr.cancelled;
    return MLAC_OK;
}

/* The last CMD_TAIL characters of a log file (however long it is), on one line, for messages. */
static void log_tail(const char *path, char *out, size_t n)
{
    char raw[CMD_TAIL + 64];
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    ssize_t got = 0;
    if (!fstat(fd, &st)) {
        off_t from = st.st_size > (off_t)sizeof raw ? st.st_size - (off_t)sizeof raw : 0;
        got = pread(fd, raw, sizeof raw, from);
    }
    close(fd);
    size_t len = got > 0 ? (size_t)got : 0;
    while (len && (raw[len - 1] == '\n' || raw[len - 1] == '\r' || raw[len - 1] == ' '))
        len--;
    size_t start = len > CMD_TAIL ? len - CMD_TAIL : 0, k = 0;
    for (size_t i = start; i < len && k + 1 < n; i++) {
        unsigned char ch = (unsigned char)raw[i];
        out[k++] = ch == '\n' || ch == '\r' || ch == '\t' ? ' ' : (ch < 32 || ch == 127 ? '?' : (char)ch);
    }
    out[k] = '\0';
}

/* Turns an unsuccessful call into a message; MLAC_OK when it exited 0. */
static int call_check(const cmd_embedder *c, const char *what, const call_result *r, const char *err_path,
                      mlac_err *err)
{
    if (r->exited && r->code == 0 && !r->timed_out && !r->cancelled)
        return MLAC_OK;
    char tail[CMD_TAIL + 8], why[160];
    log_tail(err_path, tail, sizeof tail);
    if (r->cancelled)
        return mlac_errf(err, MLAC_ECANCEL, "embedder '%s' was stopped (cancelled) during %s", c->command, what);
    if (r->timed_out)
        snprintf(why, sizeof why, "timed out after %g s and was killed", c->timeout_s > 0 ? c->timeout_s : 600);
    else if (!r->exited)
        snprintf(why, sizeof why, "crashed (killed by signal %d, %s)", r->code, strsignal(r->code));
    else if (r->code > 128 && r->code < 128 + 65) /* the shell reports a child killed by signal s as 128 + s */
        snprintf(why, sizeof why, "crashed (killed by signal %d, %s; shell status %d)", r->code - 128,
                 strsignal(r->code - 128), r->code);
    else if (r->code == 127)
        snprintf(why, sizeof why, "exited with status 127 (command not found?)");
    else
        snprintf(why, sizeof why, "exited with status %d", r->code);
    return mlac_errf(err, r->timed_out ? MLAC_EIO : MLAC_EUNAVAIL, "embedder '%s' %s during %s%s%s", c->command, why,
                     what, tail[0] ? "; its stderr ends: " : "", tail);
}

/* A fresh private folder under the temp root. */
static int make_call_dir(const char *root, char *out, size_t n, mlac_err *err)
{
    int k = snprintf(out, n, "%s/mlac-embed-XXXXXX", root);
    if (k < 0 || (size_t)k >= n)
        return mlac_errf(err, MLAC_EINVAL, "temporary folder '%s' is too long", root);
    if (!mkdtemp(out))
        return mlac_errf(err, MLAC_EIO, "cannot create a temporary folder under '%s': %s", root, strerror(errno));
    return MLAC_OK;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* Removes a call's private folder and everything in it (the windows, the logs, and whatever the
 * program left there); FTW_PHYS: links are removed, never followed. */
static void remove_call_dir(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- open: the info handshake ------------------------------------------------------------ */

static int cmd_embed(embedder *e, const float *windows, size_t n, float *out, mlac_err *err);
static void cmd_free(embedder *e);

static const struct embedder_ops command_ops = {"command", cmd_embed, cmd_free};

static void tmp_root_of(const embed_command_options *o, char *out, size_t n)
{
    const char *t = o && o->tmp_dir && *o->tmp_dir ? o->tmp_dir : getenv("TMPDIR");
    snprintf(out, n, "%s", t && *t ? t : "/tmp");
}

static int check_against_spec(const cmd_embedder *c, const char *model, mlac_err *err)
{
    const embed_info *in = &c->base.info;
    if (strcmp(in->model, model))
        return mlac_errf(err, MLAC_EINVAL, "embedder '%s' says it is model '%s', but it is configured for '%s'",
                         c->command, in->model, model);
    const embed_model_spec *s = embed_spec_find(in->model, in->version);
    if (s && (s->rate != in->rate || fabs(s->window_s - in->window_s) > 1e-9 || s->dim != in->dim))
        return mlac_errf(err, MLAC_EINVAL, "embedder '%s' says %s %s has rate %d, window %g s, dim %zu; %s %s has "
                         "rate %d, window %g s, dim %zu", c->command, in->model, in->version, in->rate, in->window_s,
                         in->dim, s->model, s->version, s->rate, s->window_s, s->dim);
    return MLAC_OK;
}

int embed_command_open(const char *command, const char *model, const embed_command_options *o, embedder **out,
                       mlac_err *err)
{
    *out = NULL;
    if (!command || !*command)
        return mlac_errf(err, MLAC_EUNAVAIL, "no embedder command configured for '%s'", model);
    if (!embed_spec_find(model, NULL))
        return mlac_errf(err, MLAC_EINVAL, "'%s' is not an embedding model (known: %s)", model, embed_model_names());
    cmd_embedder *c = calloc(1, sizeof *c);
    if (!c || !(c->command = strdup(command))) {
        free(c);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for an embedder");
    }
    c->base.ops = &command_ops;
    snprintf(c->base.info.model, sizeof c->base.info.model, "%s", model);
    c->timeout_s = o && o->timeout_s > 0 ? o->timeout_s : 600;
    c->threads = o ? o->threads : 1;
    c->cancel = o ? o->cancel : NULL;
    tmp_root_of(o, c->tmp_root, sizeof c->tmp_root);
    char dir[2200], out_path[2300], err_path[2300];
    const char *args[] = {"info", NULL};
    call_result r;
    buf reply;
    buf_init(&reply, CMD_MAX_STDOUT);
    int rc = make_call_dir(c->tmp_root, dir, sizeof dir, err);
    if (rc)
        goto out_nodir;
    snprintf(out_path, sizeof out_path, "%s/stdout.log", dir);
    snprintf(err_path, sizeof err_path, "%s/stderr.log", dir);
    rc = call_run(c, dir, args, out_path, err_path, &r, err);
    if (!rc)
        rc = call_check(c, "'info'", &r, err_path, err);
    mlac_err read_err = {0};
    if (!rc && fs_read_file(out_path, &reply, CMD_MAX_STDOUT, &read_err))
        rc = mlac_errf(err, read_err.code, "embedder '%s' info: %s", command, read_err.msg);
    if (!rc)
        rc = embed_info_parse(reply.data, reply.len, command, &c->base.info, &c->format_csv, err);
    if (!rc)
        rc = check_against_spec(c, model, err);
    if (!rc)
        c->win = (size_t)llround(c->base.info.window_s * c->base.info.rate);
    remove_call_dir(dir);
out_nodir:
    buf_release(&reply);
    if (rc) {
        cmd_free(&c->base);
        return rc;
    }
    *out = &c->base;
    return MLAC_OK;
}

static void cmd_free(embedder *e)
{
    cmd_embedder *c = (cmd_embedder *)e;
    if (!c)
        return;
    free(c->command);
    free(c);
}

/* ---- embed: write windows, run, read vectors ---------------------------------------------- */

/* Writes a private temporary file (no fsync: it lives only for one call). */
static int write_temp(const char *path, const void *data, size_t n, mlac_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return mlac_errf(err, MLAC_EIO, "cannot create '%s': %s", path, strerror(errno));
    const char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return mlac_errf(err, MLAC_EIO, "cannot write '%s': %s", path, strerror(e));
        }
        p += w;
        n -= (size_t)w;
    }
    if (close(fd))
        return mlac_errf(err, MLAC_EIO, "cannot write '%s': %s", path, strerror(errno));
    return MLAC_OK;
}

static int write_windows(const cmd_embedder *c, const char *dir, const float *windows, size_t n, buf *list,
                         mlac_err *err)
{
    char path[2300];
    int rc = MLAC_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        audio_clip clip = {(float *)(windows + i * c->win), c->win, c->base.info.rate};
        void *wav = NULL;
        size_t wav_n = 0;
        snprintf(path, sizeof path, "%s/w%07zu.wav", dir, i);
        rc = audio_encode_wav(&clip, 0, &wav, &wav_n, err);
        if (rc)
            mlac_err_prefix(err, "embedding window %zu: ", i);
        if (!rc)
            rc = write_temp(path, wav, wav_n, err);
        free(wav);
        if (!rc)
            rc = buf_printf(list, err, "%s\n", path);
    }
    return rc;
}

static float f32_le(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static int read_f32(const cmd_embedder *c, const buf *b, size_t n, float *out, mlac_err *err)
{
    size_t dim = c->base.info.dim, want = n * dim * 4;
    if (b->len != want) {
        if (b->len % (dim * 4) == 0)
            return mlac_errf(err, MLAC_EFORMAT, "embedder '%s' returned %zu rows for %zu windows (wrong row count)",
                             c->command, b->len / (dim * 4), n);
        if (b->len % (n * 4) == 0)
            return mlac_errf(err, MLAC_EFORMAT, "embedder '%s' returned %zu values per window, expected %zu (wrong "
                             "dimension)", c->command, b->len / (n * 4), dim);
        return mlac_errf(err, MLAC_EFORMAT, "embedder '%s' wrote %zu bytes for %zu windows of %zu float32 values "
                         "(expected %zu)", c->command, b->len, n, dim, want);
    }
    const unsigned char *p = (const unsigned char *)b->data;
    for (size_t i = 0; i < n * dim; i++)
        out[i] = f32_le(p + 4 * i);
    return MLAC_OK;
}

/* n lines of dim comma-separated numbers (an optional trailing newline, '\r' tolerated). */
static int read_csv(const cmd_embedder *c, const buf *b, size_t n, float *out, mlac_err *err)
{
    size_t dim = c->base.info.dim, row = 0;
    const char *p = b->data, *end = b->data + b->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        if (e > p && e[-1] == '\r')
            e--;
        if (row >= n)
            return mlac_errf(err, MLAC_EFORMAT, "embedder '%s' returned more than %zu rows for %zu windows (wrong row "
                             "count)", c->command, n, n);
        size_t j = 0;
        const char *q = p;
        for (;;) {
            char *stop;
            if (q >= e || *q == ' ' || *q == '\t' || *q == '\n')
                return mlac_errf(err, MLAC_EFORMAT, "embedder '%s' output line %zu: expected a number at column %zu",
                                 c->command, row + 1, j + 1);
            double v = strtod(q, &stop);
            if (stop == q || stop > e)
                return mlac_errf(err, MLAC_EFORMAT, "embedder '%s' output line %zu: '%.20s' is not a number",
                                 c->command, row + 1, q);
            if (j >= dim)
                return mlac_errf(err, MLAC_EFORMAT, "embedder '%s' output line %zu has more than %zu values (wrong "
                                 "dimension)", c->command, row + 1, dim);
            if (!isfinite(v) || fabs(v) > 3.4e38)
                return mlac_errf(err, MLAC_EFORMAT, "embedder '%s' output line %zu value %zu is not finite (NaN or "
                                 "infinity)", c->command, row + 1, j + 1);
            out[row * dim + j++] = (float)v;
            q = stop;
            if (q == e)
                break;
            if (*q != ',')
                return mlac_errf(err, MLAC_EFORMAT, "embedder '%s' output line %zu: unexpected '%c' after value %zu",
                                 c->command, row + 1, *q, j);
            q++;
        }
        if (j != dim)
            return mlac_errf(err, MLAC_EFORMAT, "embedder '%s' output line %zu has %zu values, expected %zu (wrong "
                             "dimension)", c->command, row + 1, j, dim);
        row++;
        p = nl ? nl + 1 : end;
    }
    if (row != n)
        return mlac_errf(err, MLAC_EFORMAT, "embedder '%s' returned %zu rows for %zu windows (wrong row count)",
                         c->command, row, n);
    return MLAC_OK;
}

static int check_finite(const cmd_embedder *c, const float *out, size_t n, mlac_err *err)
{
    size_t dim = c->base.info.dim;
    for (size_t i = 0; i < n * dim; i++)
        if (!isfinite(out[i]))
            return mlac_errf(err, MLAC_EFORMAT, "embedder '%s' returned %s in window %zu, value %zu", c->command,
                             isnan(out[i]) ? "NaN" : "an infinity", i / dim, i % dim + 1);
    return MLAC_OK;
}

static int cmd_embed(embedder *e, const float *windows, size_t n, float *out, mlac_err *err)
{
    cmd_embedder *c = (cmd_embedder *)e;
    if (n > CMD_MAX_BATCH)
        return mlac_errf(err, MLAC_EINVAL, "embedder batch of %zu windows is over the limit of %zu", n, CMD_MAX_BATCH);
    char dir[2200], list_path[2300], out_path[2300], log_path[2300], err_path[2300], what[96];
    buf list, result;
    buf_init(&list, 0);
    buf_init(&result, CMD_MAX_OUTPUT);
    call_result r;
    int rc = make_call_dir(c->tmp_root, dir, sizeof dir, err);
    if (rc)
        goto out_nodir;
    snprintf(list_path, sizeof list_path, "%s/list.txt", dir);
    snprintf(out_path, sizeof out_path, "%s/out.bin", dir);
    snprintf(log_path, sizeof log_path, "%s/stdout.log", dir);
    snprintf(err_path, sizeof err_path, "%s/stderr.log", dir);
    snprintf(what, sizeof what, "a batch of %zu windows", n);
    rc = write_windows(c, dir, windows, n, &list, err);
    if (!rc)
        rc = write_temp(list_path, list.data, list.len, err);
    const char *args[] = {"embed", list_path, out_path, NULL};
    if (!rc)
        rc = call_run(c, dir, args, log_path, err_path, &r, err);
    if (!rc)
        rc = call_check(c, what, &r, err_path, err);
    mlac_err read_err = {0};
    if (!rc && fs_read_file(out_path, &result, CMD_MAX_OUTPUT, &read_err))
        rc = read_err.code == MLAC_ENOTFOUND
                 ? mlac_errf(err, MLAC_EFORMAT, "embedder '%s' exited 0 but wrote no output file for %s", c->command,
                             what)
                 : mlac_errf(err, read_err.code, "embedder '%s': %s", c->command, read_err.msg);
    if (!rc)
        rc = c->format_csv ? read_csv(c, &result, n, out, err) : read_f32(c, &result, n, out, err);
    if (!rc)
        rc = check_finite(c, out, n, err);
    remove_call_dir(dir);
out_nodir:
    buf_release(&list);
    buf_release(&result);
    return rc;
}

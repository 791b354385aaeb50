/* cli.c — option parsing, --help text, error printing and configuration loading for commands. */
#include "exp/settings.h"
#include "cli/cli.h"
#include "store/store_settings.h"
#include "core/log.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* log_level and log_format must be known values: the message names the key and its source. */
static int cli_check_logging(const config *cfg, mlac_err *err);

static void cli_setup_logging(const config *cfg);

static void print_help(const struct cli_usage *u, const struct cli_opt *opts)
{
    printf("usage: %s [options]%s%s\n\n%s\n\noptions:\n", u->command, u->args ? " " : "",
           u->args ? u->args : "", u->summary);
    for (const struct cli_opt *o = opts; o && o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
        printf("  %-28s %s\n", left, o->help);
    }
    printf("  %-28s %s\n", "--spec FILE", "YAML file of configuration keys (see `mlac config`)");
    printf("  %-28s %s\n", "--log-level LEVEL", "debug, info, warning or error");
    printf("  %-28s %s\n", "-h, --help", "show this help");
}

static const struct cli_opt *find_opt(const struct cli_opt *opts, const char *name, size_t len)
{
    for (const struct cli_opt *o = opts; o && o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static int usage_error(const struct cli_usage *u, const char *fmt, const char *what)
{
    fprintf(stderr, "mlac: error: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\n(see '%s --help')\n", u->command);
    return EX_USAGE;
}

static int set_value(const struct cli_usage *u, const struct cli_opt *o, const char *v, config *cfg)
{
    char *end;
    mlac_err err;
    char origin[80];
    switch (o->kind) {
    case OPT_STR:
        *(const char **)o->target = v;
        return 0;
    case OPT_INT: {
        errno = 0;
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end) {
            fprintf(stderr, "mlac: error: --%s expects an integer, got '%s'\n", o->name, v);
            return EX_USAGE;
        }
        *(long *)o->target = x;
        return 0;
    }
    case OPT_DOUBLE: {
        errno = 0;
        double x = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(x)) {
            fprintf(stderr, "mlac: error: --%s expects a number, got '%s'\n", o->name, v);
            return EX_USAGE;
        }
        *(double *)o->target = x;
        return 0;
    }
    case OPT_LIST:
        if (strlist_push_items((strlist *)o->target, v, &err))
            return cli_fail(&err);
        return 0;
    case OPT_CONFIG:
        snprintf(origin, sizeof origin, "--%s", o->name);
        if (config_set(cfg, (const char *)o->target, v, SRC_FLAG, origin, &err))
            return cli_fail(&err);
        return 0;
    default:
        return usage_error(u, "internal: bad option kind for '%s'", o->name);
    }
}

static int g_tolerate_bad_logging;

void cli_tolerate_bad_logging(void)
{
    g_tolerate_bad_logging = 1;
}

int cli_parse(const struct cli_usage *usage, const struct cli_opt *opts, int argc, char **argv,
              strlist *positional, config *cfg, int *stop)
{
    *stop = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            print_help(usage, opts);
            *stop = 1;
            return 0;
        }
        if (!strcmp(a, "--")) { /* the end of options: everything after it is positional */
            for (int j = i + 1; j < argc; j++) {
                mlac_err err;
                if (!positional)
                    return usage_error(usage, "unexpected argument '%s'", argv[j]);
                if (strlist_push(positional, argv[j], &err))
                    return cli_fail(&err);
            }
            break;
        }
        if (strncmp(a, "--", 2) != 0) {
            if (!positional)
                return usage_error(usage, "unexpected argument '%s'", a);
            mlac_err err;
            if (strlist_push(positional, a, &err))
                return cli_fail(&err);
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        if ((len == 4 && !strncmp(name, "spec", 4)) || (len == 6 && !strncmp(name, "config", 6)) ||
            (len == 9 && !strncmp(name, "log-level", 9))) {
            const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v)
                return usage_error(usage, "--%s needs a value", len == 9 ? "log-level" : "spec");
            mlac_err err;
            int rc = len == 9 ? config_set(cfg, "log_level", v, SRC_FLAG, "--log-level", &err)
                              : config_load_yaml(cfg, v, &err);
            if (rc)
                return cli_fail(&err);
            continue;
        }
        const struct cli_opt *o = find_opt(opts, name, len);
        if (!o) {
            char tmp[128];
            snprintf(tmp, sizeof tmp, "%.*s", (int)(len < 100 ? len : 100), name);
            return usage_error(usage, "unknown option '--%s'", tmp);
        }
        if (o->kind == OPT_FLAG) {
            if (eq)
                return usage_error(usage, "--%s takes no value", o->name);
            *(int *)o->target = 1;
            continue;
        }
        if (o->kind == OPT_CONFIG_LIST) {
            char joined[CONFIG_VALUE_MAX] = "";
            size_t len = 0;
            if (eq)
                len = (size_t)snprintf(joined, sizeof joined, "%s", eq + 1);
            while (!eq && i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0 && len < sizeof joined)
                len += (size_t)snprintf(joined + len, sizeof joined - len, "%s%s", len ? "," : "", argv[++i]);
            if (!len)
                return usage_error(usage, "--%s needs at least one value", o->name);
            if (len >= sizeof joined)
                return usage_error(usage, "--%s: the list is too long", o->name);
            mlac_err err;
            char origin[80];
            snprintf(origin, sizeof origin, "--%s", o->name);
            if (config_set(cfg, (const char *)o->target, joined, SRC_FLAG, origin, &err))
                return cli_fail(&err);
            continue;
        }
        if (o->kind == OPT_LIST && !eq) {
            int got = 0;
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
                int rc = set_value(usage, o, argv[++i], cfg);
                if (rc)
                    return rc;
                got++;
            }
            if (!got)
                return usage_error(usage, "--%s needs at least one value", o->name);
            continue;
        }
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!v)
            return usage_error(usage, "--%s needs a value", o->name);
        int rc = set_value(usage, o, v, cfg);
        if (rc)
            return rc;
    }
    if (cfg) {
        mlac_err lerr = {0};
        if (cli_check_logging(cfg, &lerr) && !g_tolerate_bad_logging)
            return cli_fail(&lerr);
        cli_setup_logging(cfg);
    }
    if (cfg) { /* the gs:// back end's settings (max_transfers, download cache, retry deadline) */
        store_settings ss;
        mlac_err serr = {0};
        if (store_settings_from_config(cfg, &ss, &serr))
            return cli_fail(&serr);
        store_settings_set(&ss);
    }
    return 0;
}

/* mlac_err code -> exit code. Transient (a retry may succeed): EX_TEMPFAIL. Everything else is
 * permanent for the same spec and data. Documented in docs/EXIT_CODES.md. */
static const struct {
    int code, exit;
} exit_codes[] = {
    {MLAC_EINVAL, EX_CONFIG},         /* 78: a bad spec or configuration value (flag, env, YAML) */
    {MLAC_EFORMAT, EX_DATAERR},       /* 65: input exists but is malformed */
    {MLAC_ENOTFOUND, EX_NOINPUT},     /* 66: a data root, file or species is missing */
    {MLAC_EIO, EX_TEMPFAIL},          /* 75: a read or write failed: store unreachable, disk, network */
    {MLAC_EBUSY, EX_TEMPFAIL},        /* 75: another process holds the run's lock */
    {MLAC_ECANCEL, EX_TEMPFAIL},      /* 75: stopped (SIGTERM, eviction) before it finished */
    {MLAC_ENOMEM, EX_OSERR},          /* 71: out of memory, or a size limit hit */
    {MLAC_EUNAVAIL, EX_UNAVAILABLE},  /* 69: a needed component is not configured (embedder, back end) */
    {MLAC_EINTERNAL, EX_SOFTWARE},    /* 70: a bug */
};

int cli_exit_code(int mlac_code)
{
    for (size_t i = 0; i < sizeof exit_codes / sizeof exit_codes[0]; i++)
        if (exit_codes[i].code == mlac_code)
            return exit_codes[i].exit;
    return EX_SOFTWARE;
}

int cli_fail(const mlac_err *err)
{
    fprintf(stderr, "mlac: error: %s\n", err->msg[0] ? err->msg : mlac_status_name(err->code));
    return cli_exit_code(err->code);
}

int cli_config_load(config *cfg, mlac_err *err)
{
    int rc = settings_init(cfg, err);
    if (!rc)
        rc = config_load_env(cfg, err);
    const char *file = getenv("MLAC_CONFIG");
    if (!rc && file && *file)
        rc = config_load_yaml(cfg, file, err);
    if (!rc)
        rc = cli_check_logging(cfg, err);
    if (!rc)
        cli_setup_logging(cfg);
    else if (cfg->entries)
        config_release(cfg); /* the callers return at once on failure */
    return rc;
}

static int cli_check_logging(const config *cfg, mlac_err *err)
{
    const config_entry *lv = config_find(cfg, "log_level"), *fm = config_find(cfg, "log_format");
    const char *where_l = lv->source == SRC_DEFAULT ? "default" : lv->origin;
    const char *where_f = fm->source == SRC_DEFAULT ? "default" : fm->origin;
    if (log_level_parse(lv->value) < 0)
        return mlac_errf(err, MLAC_EINVAL, "log_level: '%s' (from %s) is not one of debug, info, warning, error, off",
                         lv->value, where_l);
    if (strcmp(fm->value, "auto") && strcmp(fm->value, "json") && strcmp(fm->value, "text"))
        return mlac_errf(err, MLAC_EINVAL, "log_format: '%s' (from %s) is not one of auto, text, json", fm->value,
                         where_f);
    return MLAC_OK;
}

static void cli_setup_logging(const config *cfg)
{
    int level = log_level_parse(config_str(cfg, "log_level"));
    const char *fmt = config_str(cfg, "log_format");
    int json = !strcmp(fmt, "json") ? 1 : !strcmp(fmt, "text") ? 0 : -1;
    log_init(level < 0 ? LOG_INFO : level, json);
}

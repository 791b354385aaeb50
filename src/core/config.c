/* config.c — the generic configuration: the tables' settings at their defaults, the YAML,
 * environment and flag loaders, and the readers that check a value against its row (see
 * config.h). It knows no setting itself: the modules' tables say what there is. */
#include "core/config.h"
#include "core/alloc.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/* The number of rows of a table. */
static size_t table_size(const config_key *keys)
{
    size_t n = 0;
    while (keys[n].key)
        n++;
    return n;
}

static void normalise_key(const char *key, char *out, size_t n);

int config_init(config *c, const config_table *const *tables, mlac_err *err)
{
    size_t n = 0;
    c->entries = NULL;
    c->n = 0;
    for (size_t t = 0; tables && tables[t]; t++)
        n += table_size(tables[t]->keys);
    c->entries = mlac_calloc(n ? n : 1, sizeof *c->entries);
    if (!c->entries)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the configuration");
    for (size_t t = 0; tables && tables[t]; t++)
        for (const config_key *k = tables[t]->keys; k->key; k++) {
            if (config_find(c, k->key)) {
                config_release(c);
                return mlac_errf(err, MLAC_EINTERNAL, "setting '%s' is declared twice (table '%s')", k->key,
                                 tables[t]->title);
            }
            config_entry *e = &c->entries[c->n++];
            e->spec = k;
            e->key = k->key;
            if (k->compute_default)
                k->compute_default(e->value, CONFIG_VALUE_MAX);
            else
                snprintf(e->value, CONFIG_VALUE_MAX, "%s", k->def ? k->def : "");
            e->source = SRC_DEFAULT;
            snprintf(e->origin, sizeof e->origin, "default");
        }
    return MLAC_OK;
}

void config_release(config *c)
{
    if (!c)
        return;
    free(c->entries);
    c->entries = NULL;
    c->n = 0;
}

static void normalise_key(const char *key, char *out, size_t n)
{
    size_t i = 0;
    for (; key[i] && i + 1 < n; i++)
        out[i] = key[i] == '-' ? '_' : key[i];
    out[i] = '\0';
}

const config_entry *config_find(const config *c, const char *key)
{
    char k[128];
    normalise_key(key, k, sizeof k);
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->entries[i].key, k) == 0)
            return &c->entries[i];
    return NULL;
}

int config_set(config *c, const char *key, const char *value, int source, const char *origin,
               mlac_err *err)
{
    config_entry *e = (config_entry *)config_find(c, key);
    if (!e)
        return mlac_errf(err, MLAC_EINVAL, "unknown configuration key '%s' (from %s)", key, origin);
    if (strlen(value) >= CONFIG_VALUE_MAX)
        return mlac_errf(err, MLAC_EINVAL, "value of '%s' (from %s) is too long", key, origin);
    if (e->source > source)
        return MLAC_OK; /* a higher-precedence source already set it */
    snprintf(e->value, CONFIG_VALUE_MAX, "%s", value);
    e->source = source;
    snprintf(e->origin, sizeof e->origin, "%s", origin);
    return MLAC_OK;
}

int config_load_env(config *c, mlac_err *err)
{
    for (size_t i = 0; i < c->n; i++) {
        /* the MLAC_ name wins over the original platform's name */
        for (int j = 2; j >= 0; j--) {
            const char *name = c->entries[i].spec->env[j];
            const char *v = name ? getenv(name) : NULL;
            if (!v || c->entries[i].source > SRC_ENV)
                continue;
            if (strlen(v) >= CONFIG_VALUE_MAX) /* the same limit and message as a flag's */
                return mlac_errf(err, MLAC_EINVAL, "value of '%s' (from $%s) is too long (%zu characters, at most %d)",
                                 c->entries[i].key, name, strlen(v), CONFIG_VALUE_MAX - 1);
            snprintf(c->entries[i].value, CONFIG_VALUE_MAX, "%s", v);
            c->entries[i].source = SRC_ENV;
            snprintf(c->entries[i].origin, sizeof c->entries[i].origin, "$%s", name);
        }
    }
    return MLAC_OK;
}

/* Appends a scalar to a comma-joined value. */
static int append_item(char *value, const char *item, const char *key, const char *path, mlac_err *err)
{
    size_t len = strlen(value);
    if (len + strlen(item) + 2 >= CONFIG_VALUE_MAX)
        return mlac_errf(err, MLAC_EINVAL, "'%s': list '%s' is too long", path, key);
    snprintf(value + len, CONFIG_VALUE_MAX - len, "%s%s", len ? "," : "", item);
    return MLAC_OK;
}

/* Reads the events of an initialised parser whose input is set; path names it in messages. */
static int load_events(config *c, yaml_parser_t *pp, const char *path, mlac_err *err)
{
    int rc = MLAC_OK, depth = 0, in_list = 0, done = 0, documents = 0;
    char key[128] = "", value[CONFIG_VALUE_MAX] = "", origin[256] = "";
    unsigned char *seen = mlac_calloc(c->n ? c->n : 1, 1); /* keys already given: a repeat is an error */
    if (!seen)
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", path);
    while (!done && rc == MLAC_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(pp, &ev)) {
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: %s", path, pp->problem_mark.line + 1,
                           pp->problem ? pp->problem : "invalid YAML");
            break;
        }
        switch (ev.type) {
        case YAML_MAPPING_START_EVENT:
            if (++depth > 1)
                rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: nested mappings are not supported",
                               path, ev.start_mark.line + 1);
            break;
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_SEQUENCE_START_EVENT:
            if (!key[0] || in_list)
                rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: a list must be the value of a key",
                               path, ev.start_mark.line + 1);
            in_list = 1;
            value[0] = '\0';
            break;
        case YAML_SEQUENCE_END_EVENT:
            in_list = 0;
            rc = config_set(c, key, value, SRC_FILE, origin, err);
            key[0] = '\0';
            break;
        case YAML_SCALAR_EVENT: {
            const char *s = (const char *)ev.data.scalar.value;
            if (in_list) {
                rc = append_item(value, s, key, path, err);
            } else if (!key[0]) {
                if (depth != 1)
                    rc = mlac_errf(err, MLAC_EFORMAT, "'%s': the spec must be a mapping of key: value", path);
                else if (!config_find(c, s))
                    rc = mlac_errf(err, MLAC_EINVAL, "'%s' line %zu: unknown key '%s'", path,
                                   ev.start_mark.line + 1, s);
                else if (seen[config_find(c, s) - c->entries]++)
                    rc = mlac_errf(err, MLAC_EINVAL, "'%s' line %zu: key '%s' is given twice", path,
                                   ev.start_mark.line + 1, s);
                else {
                    snprintf(key, sizeof key, "%s", s);
                    snprintf(origin, sizeof origin, "%.200s:%zu", path, ev.start_mark.line + 1);
                }
            } else {
                rc = config_set(c, key, s, SRC_FILE, origin, err);
                key[0] = '\0';
            }
            break;
        }
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1)
                rc = mlac_errf(err, MLAC_EFORMAT, "'%s' line %zu: a spec file holds one YAML document, this is a second",
                               path, ev.start_mark.line + 1);
            break;
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_ALIAS_EVENT:
            rc = mlac_errf(err, MLAC_EFORMAT, "'%s': YAML aliases are not supported", path);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    free(seen);
    return rc;
}

int config_load_yaml(config *c, const char *path, mlac_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mlac_errf(err, MLAC_ENOTFOUND, "cannot open spec file '%s': %s", path, strerror(errno));
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int rc = load_events(c, &parser, path, err);
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

int config_load_yaml_mem(config *c, const void *bytes, size_t n, const char *name, mlac_err *err)
{
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)(bytes ? bytes : ""), n);
    int rc = load_events(c, &parser, name, err);
    yaml_parser_delete(&parser);
    return rc;
}

const char *config_str(const config *c, const char *key)
{
    const config_entry *e = config_find(c, key);
    return e ? e->value : "";
}

static int word_index(const char *v, const char *words)
{
    size_t n = strlen(v);
    int i = 0;
    for (const char *p = words; p; i++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && !strncmp(p, v, n))
            return i;
        p = bar ? bar + 1 : NULL;
    }
    return -1;
}

/* "a|b|c" as "a, b or c". */
static void words_text(const char *words, char *out, size_t n)
{
    size_t len = 0, count = 1;
    for (const char *p = words; *p; p++)
        count += *p == '|';
    out[0] = '\0';
    size_t i = 0;
    for (const char *p = words; p && len < n; i++) {
        const char *bar = strchr(p, '|');
        int wl = bar ? (int)(bar - p) : (int)strlen(p);
        len += (size_t)snprintf(out + len, n - len, "%s%.*s", i == 0 ? "" : i + 1 == count ? " or " : ", ", wl, p);
        p = bar ? bar + 1 : NULL;
    }
}

static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    static const char *yes[] = {"1", "true", "yes", "on"}, *no[] = {"0", "false", "no", "off", ""};
    for (int i = 0; i < 4; i++)
        if (strcasecmp(s, yes[i]) == 0)
            return *out = 1, 0;
    for (int i = 0; i < 5; i++)
        if (strcasecmp(s, no[i]) == 0)
            return *out = 0, 0;
    return -1;
}

/* The row's upper bound as a long (a seed's 2^63-1 is not a double). */
static long long_hi(double hi)
{
    return hi >= 9.2e18 ? LONG_MAX : (long)hi;
}

int config_check(const config_entry *e, mlac_err *err)
{
    const config_key *k = e->spec;
    const char *v = e->value;
    if (k->empty_ok && !v[0])
        return MLAC_OK;
    if (k->type != CONFIG_WORDS && k->words && word_index(v, k->words) >= 0)
        return MLAC_OK;
    long lv;
    double dv;
    int bv;
    char *end;
    switch (k->type) {
    case CONFIG_INT:
        if (parse_long(v, &lv) || (double)lv < k->lo || lv > long_hi(k->hi))
            return mlac_errf(err, MLAC_EINVAL, "'%s' (from %s) must be an integer from %ld to %ld%s%s, got '%s'",
                             k->key, e->origin, (long)k->lo, long_hi(k->hi), k->words ? " or " : "",
                             k->words ? k->words : "", v);
        break;
    case CONFIG_NUM:
        errno = 0;
        dv = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(dv) || dv < k->lo || dv > k->hi)
            return mlac_errf(err, MLAC_EINVAL, "'%s' (from %s) must be a number from %g to %g%s%s, got '%s'", k->key,
                             e->origin, k->lo, k->hi, k->words ? " or " : "", k->words ? k->words : "", v);
        break;
    case CONFIG_BOOL:
        if (parse_bool(v, &bv))
            return mlac_errf(err, MLAC_EINVAL, "'%s' (from %s) must be true or false, got '%s'", k->key, e->origin, v);
        break;
    case CONFIG_WORDS:
        if (word_index(v, k->words) < 0) {
            char list[512];
            words_text(k->words, list, sizeof list);
            return mlac_errf(err, MLAC_EINVAL, "%s: expected %s, got '%s' (from %s)", k->key, list, v, e->origin);
        }
        break;
    case CONFIG_TEXT:
        break;
    }
    char why[900];
    if (k->check && k->check(v, why, sizeof why))
        return mlac_errf(err, MLAC_EINVAL, "%s (from %s): %s", k->key, e->origin, why);
    return MLAC_OK;
}

/* The entry of key, checked, holding a value to read (not "" nor one of the row's extra words). */
static int checked(const config *c, const char *key, enum config_type type, const config_entry **out,
                   mlac_err *err)
{
    const config_entry *e = config_find(c, key);
    if (!e || e->spec->type != type)
        return mlac_errf(err, MLAC_EINTERNAL, "'%s' is not a setting of this type", key);
    int rc = config_check(e, err);
    if (rc)
        return rc;
    if ((e->spec->words && type != CONFIG_WORDS && word_index(e->value, e->spec->words) >= 0) ||
        (!e->value[0] && type != CONFIG_WORDS && type != CONFIG_BOOL))
        return mlac_errf(err, MLAC_EINTERNAL, "'%s' is '%s', not a value to read as a number", key, e->value);
    *out = e;
    return MLAC_OK;
}

int config_int(const config *c, const char *key, long *out, mlac_err *err)
{
    const config_entry *e = NULL;
    int rc = checked(c, key, CONFIG_INT, &e, err);
    if (!rc)
        parse_long(e->value, out);
    return rc;
}

int config_num(const config *c, const char *key, double *out, mlac_err *err)
{
    const config_entry *e = NULL;
    int rc = checked(c, key, CONFIG_NUM, &e, err);
    if (!rc)
        *out = strtod(e->value, NULL);
    return rc;
}

int config_flag(const config *c, const char *key, int *out, mlac_err *err)
{
    const config_entry *e = NULL;
    int rc = checked(c, key, CONFIG_BOOL, &e, err);
    if (!rc)
        parse_bool(e->value, out);
    return rc;
}

int config_word(const config *c, const char *key, int *out, mlac_err *err)
{
    const config_entry *e = NULL;
    int rc = checked(c, key, CONFIG_WORDS, &e, err);
    if (!rc)
        *out = e->value[0] ? word_index(e->value, e->spec->words) : -1;
    return rc;
}

int config_long(const config *c, const char *key, long min, long max, long *out, mlac_err *err)
{
    const config_entry *e = config_find(c, key);
    if (!e)
        return mlac_errf(err, MLAC_EINTERNAL, "unknown configuration key '%s'", key);
    long v;
    if (parse_long(e->value, &v) || v < min || v > max)
        return mlac_errf(err, MLAC_EINVAL, "'%s' (from %s) must be an integer from %ld to %ld, got '%s'",
                         key, e->origin, min, max, e->value);
    *out = v;
    return MLAC_OK;
}

const char *config_source_name(int source)
{
    static const char *names[] = {"default", "file", "env", "flag"};
    return source >= 0 && source < 4 ? names[source] : "?";
}

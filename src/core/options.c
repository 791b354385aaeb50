/* options.c — defaults, JSON parsing and help text from an option table (see options.h). */
#include "core/options.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int *int_at(void *target, size_t off)
{
    return (int *)((char *)target + off);
}

static double *num_at(void *target, size_t off)
{
    return (double *)((char *)target + off);
}

static int is_list(const option_spec *o)
{
    return o->type == OPTION_INT_LIST || o->type == OPTION_NUM_LIST;
}

static int is_int(const option_spec *o)
{
    return o->type == OPTION_INT || o->type == OPTION_INT_LIST;
}

/* Stores number v into item i of the option's field. */
static void store(const option_spec *o, void *target, size_t i, double v)
{
    if (is_int(o) || o->type == OPTION_BOOL || o->type == OPTION_ENUM)
        int_at(target, o->offset)[i] = (int)v;
    else
        num_at(target, o->offset)[i] = v;
}

static void options_defaults(const option_spec *table, void *target)
{
    for (const option_spec *o = table; o->key; o++) {
        if (is_list(o)) {
            for (size_t i = 0; i < o->dflt_count && i < o->max_items; i++)
                store(o, target, i, o->dflt_items[i]);
            *(size_t *)((char *)target + o->count_offset) = o->dflt_count;
        } else {
            store(o, target, 0, o->dflt);
        }
    }
}

/* "an integer >= 1", "a number > 0 and <= 10", plus the token and null when accepted. */
static void describe_range(const option_spec *o, char *out, size_t n)
{
    const char *what = is_int(o) ? "an integer" : "a number";
    int len = snprintf(out, n, "%s %s %.10g", what, o->lo_open ? ">" : ">=", o->lo);
    if (isfinite(o->hi) && o->hi < 1e15)
        len += snprintf(out + len, n - (size_t)len, " and <= %.10g", o->hi);
    if (o->token)
        len += snprintf(out + len, n - (size_t)len, ", or \"%s\"", o->token);
    if (o->null_ok)
        snprintf(out + len, n - (size_t)len, ", or null");
}

/* Parses one number-like JSON value of option o into *v. */
static int parse_number(const char *owner, const option_spec *o, const json_t *j, double *v, mlac_err *err)
{
    char range[160];
    describe_range(o, range, sizeof range);
    if (json_is_null(j) && o->null_ok) {
        *v = o->null_value;
        return MLAC_OK;
    }
    if (o->token && json_is_string(j) && !strcmp(json_string_value(j), o->token)) {
        *v = o->token_value;
        return MLAC_OK;
    }
    int ok = is_int(o) ? json_is_integer(j) : json_is_number(j);
    double x = ok ? json_number_value(j) : 0;
    if (!ok || !isfinite(x) || x < o->lo || (o->lo_open && x == o->lo) || x > o->hi)
        return mlac_errf(err, MLAC_EINVAL, "%s option '%s' must be %s%s", owner, o->key, range,
                         o->type == OPTION_INT_LIST || o->type == OPTION_NUM_LIST ? " (each item)" : "");
    *v = x;
    return MLAC_OK;
}

static int parse_one(const char *owner, const option_spec *o, const json_t *j, void *target, mlac_err *err)
{
    double v = 0;
    int rc = MLAC_OK;
    switch (o->type) {
    case OPTION_BOOL:
        if (!json_is_boolean(j))
            return mlac_errf(err, MLAC_EINVAL, "%s option '%s' must be true or false", owner, o->key);
        store(o, target, 0, json_is_true(j));
        return MLAC_OK;
    case OPTION_ENUM:
        for (size_t i = 0; json_is_string(j) && o->choices[i]; i++)
            if (!strcmp(json_string_value(j), o->choices[i])) {
                store(o, target, 0, (double)i);
                return MLAC_OK;
            }
        {
            char names[256];
            size_t len = 0;
            names[0] = '\0';
            for (size_t i = 0; o->choices[i] && len < sizeof names; i++)
                len += (size_t)snprintf(names + len, sizeof names - len, "%s\"%s\"", i ? ", " : "", o->choices[i]);
            return mlac_errf(err, MLAC_EINVAL, "%s option '%s' must be one of %s", owner, o->key, names);
        }
    case OPTION_INT:
    case OPTION_NUM:
        if (!(rc = parse_number(owner, o, j, &v, err)))
            store(o, target, 0, v);
        return rc;
    case OPTION_INT_LIST:
    case OPTION_NUM_LIST: {
        size_t n = json_array_size(j);
        if (!json_is_array(j) || n < 1 || n > o->max_items)
            return mlac_errf(err, MLAC_EINVAL, "%s option '%s' must be a list of 1 to %zu items", owner, o->key,
                             o->max_items);
        for (size_t i = 0; !rc && i < n; i++)
            if (!(rc = parse_number(owner, o, json_array_get(j, i), &v, err)))
                store(o, target, i, v);
        if (!rc)
            *(size_t *)((char *)target + o->count_offset) = n;
        return rc;
    }
    }
    return mlac_errf(err, MLAC_EINTERNAL, "%s option '%s' has an unknown type", owner, o->key);
}

static void options_known(const option_spec *table, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (const option_spec *o = table; o->key && len < n; o++)
        len += (size_t)snprintf(out + len, n - len, "%s%s", o == table ? "" : ", ", o->key);
}

int options_parse(const char *owner, const option_spec *table, const json_t *obj, void *target, mlac_err *err)
{
    options_defaults(table, target);
    if (!obj || json_is_null(obj))
        return MLAC_OK;
    if (!json_is_object(obj))
        return mlac_errf(err, MLAC_EINVAL, "%s options must be a JSON object", owner);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        const option_spec *o = table;
        while (o->key && strcmp(o->key, key))
            o++;
        if (!o->key) {
            char known[512];
            options_known(table, known, sizeof known);
            return mlac_errf(err, MLAC_EINVAL, "%s has no option '%s' (known: %s)", owner, key, known);
        }
        int rc = parse_one(owner, o, v, target, err);
        if (rc)
            return rc;
    }
    return MLAC_OK;
}

static void default_text(const option_spec *o, char *out, size_t n)
{
    if (o->dflt_text) {
        snprintf(out, n, "%s", o->dflt_text);
        return;
    }
    switch (o->type) {
    case OPTION_BOOL:
        snprintf(out, n, "%s", o->dflt ? "true" : "false");
        return;
    case OPTION_ENUM:
        snprintf(out, n, "%s", o->choices[(int)o->dflt]);
        return;
    case OPTION_INT_LIST:
    case OPTION_NUM_LIST: {
        size_t len = (size_t)snprintf(out, n, "[");
        for (size_t i = 0; i < o->dflt_count && len < n; i++) {
            int is_null = o->null_ok && o->dflt_items[i] == o->null_value;
            len += is_null ? (size_t)snprintf(out + len, n - len, "%snull", i ? ", " : "")
                           : (size_t)snprintf(out + len, n - len, "%s%g", i ? ", " : "", o->dflt_items[i]);
        }
        if (len < n)
            snprintf(out + len, n - len, "]");
        return;
    }
    default:
        if (o->token && o->dflt == o->token_value)
            snprintf(out, n, "%s", o->token);
        else if (o->null_ok && o->dflt == o->null_value)
            snprintf(out, n, "null");
        else
            snprintf(out, n, "%g", o->dflt);
    }
}

int options_help(const option_spec *table, buf *out, mlac_err *err)
{
    int rc = MLAC_OK;
    for (const option_spec *o = table; !rc && o->key; o++) {
        char range[200], dflt[200];
        if (o->type == OPTION_BOOL)
            snprintf(range, sizeof range, "true or false");
        else if (o->type == OPTION_ENUM)
            snprintf(range, sizeof range, "a name");
        else
            describe_range(o, range, sizeof range);
        default_text(o, dflt, sizeof dflt);
        rc = buf_printf(out, err, "    %-16s %s%s (default %s): %s\n", o->key, is_list(o) ? "list of " : "", range,
                        dflt, o->help);
    }
    return rc;
}

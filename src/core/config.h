/* config.h — settings as tables owned by their modules, and the effective configuration with
 * where each value came from.
 *
 * A module declares its settings once, as a table of config_key rows (key, type, range or words,
 * default, environment names, help); config_init takes the tables a program uses and knows no
 * key itself. Precedence, lowest to highest: default < YAML file < environment < flag. Values
 * are kept as text; the typed readers check them against their row (integers are integers,
 * ranges and words come from the table) with a message naming the key and its source (file:line,
 * $VAR or --flag). The tables of every mlac setting are listed in exp/settings.h.
 */
#ifndef MLAC_CORE_CONFIG_H
#define MLAC_CORE_CONFIG_H

#include <stddef.h>
#include "core/error.h"

enum config_source { SRC_DEFAULT = 0, SRC_FILE, SRC_ENV, SRC_FLAG };

/* TEXT: any text; INT: a whole number in [lo, hi]; NUM: a finite number in [lo, hi]; BOOL:
 * true/false/yes/no/on/off/1/0; WORDS: one of words. */
enum config_type { CONFIG_TEXT, CONFIG_INT, CONFIG_NUM, CONFIG_BOOL, CONFIG_WORDS };

#define CONFIG_VALUE_MAX 1024

typedef struct config_key {
    const char *key;           /* "seed", "sample_rate", ... */
    enum config_type type;
    const char *env[3];        /* environment names, first = MLAC_*, NULL-terminated */
    const char *def;           /* default text */
    double lo, hi;             /* INT, NUM: inclusive range */
    const char *words;         /* WORDS: '|'-separated values; INT, NUM: words also accepted ("auto") */
    int empty_ok;              /* "" is valid and means "the default" (or "off") */
    /* Extra check of a value (JSON, sizes, lists): 0 when fine, else why not into why. */
    int (*check)(const char *value, char *why, size_t n);
    /* A default computed when the configuration is made (cache_dir), or NULL: def. */
    void (*compute_default)(char *out, size_t n);
    const char *help;          /* one line */
} config_key;

/* A module's settings: rows ending with one whose key is NULL, and a title for `mlac config`. */
typedef struct config_table {
    const char *title;
    const config_key *keys;
} config_table;

typedef struct config_entry {
    const config_key *spec;   /* the row of this setting */
    const char *key;          /* spec->key */
    char value[CONFIG_VALUE_MAX];
    int source;               /* enum config_source */
    char origin[256];         /* env name, file:line or "--flag" that set it */
} config_entry;

typedef struct config {
    config_entry *entries;    /* (n,) in the order of the tables */
    size_t n;
} config;

/* The settings of tables (NULL-terminated), at their defaults. A key in two tables is an error. */
int config_init(config *c, const config_table *const *tables, mlac_err *err);
void config_release(config *c);

/* Reads a YAML mapping of key: value (lists become comma-joined); unknown keys are errors
 * naming the key and file. Keys may use '-' or '_'. */
int config_load_yaml(config *c, const char *path, mlac_err *err);
/* The same from n bytes in memory; name stands for the file in messages (the fuzz target). */
int config_load_yaml_mem(config *c, const void *bytes, size_t n, const char *name, mlac_err *err);
int config_load_env(config *c, mlac_err *err);
/* Sets key unless a source of higher precedence already did (then it is a no-op). */
int config_set(config *c, const char *key, const char *value, int source, const char *origin,
               mlac_err *err);

const config_entry *config_find(const config *c, const char *key);
const char *config_str(const config *c, const char *key);
/* Checks an entry against its row: MLAC_OK, or MLAC_EINVAL with a message naming the key and
 * where its value came from. */
int config_check(const config_entry *e, mlac_err *err);
/* Typed readers of a key, checked against its row (config_check). */
int config_int(const config *c, const char *key, long *out, mlac_err *err);
int config_num(const config *c, const char *key, double *out, mlac_err *err);
int config_flag(const config *c, const char *key, int *out, mlac_err *err);
/* WORDS: the index of the value in words; -1 for "" when empty_ok. */
int config_word(const config *c, const char *key, int *out, mlac_err *err);
/* A narrower range than the row's, for a command with its own limits (mlac synth). */
int config_long(const config *c, const char *key, long min, long max, long *out, mlac_err *err);
const char *config_source_name(int source);

#endif

/* config.h — the effective configuration and where each value came from.
 *
 * A fixed table of settings (config.c) with, for each: its key, the environment variables that
 * set it (MLAC_<KEY> and the original platform's names such as RANDOM_SEED), a default and a
 * help line. Precedence, lowest to highest: default < YAML file < environment < flag. Values are
 * kept as text and parsed (with a message naming the key and its source) when read.
 */
#ifndef MLAC_CORE_CONFIG_H
#define MLAC_CORE_CONFIG_H

#include <stddef.h>
#include "core/error.h"

enum config_source { SRC_DEFAULT = 0, SRC_FILE, SRC_ENV, SRC_FLAG };

#define CONFIG_VALUE_MAX 1024

typedef struct config_entry {
    const char *key;          /* "seed", "sample_rate", ... */
    const char *env[3];       /* environment names, first = MLAC_*, NULL-terminated */
    const char *def;          /* default text */
    const char *help;         /* one line */
    char value[CONFIG_VALUE_MAX];
    int source;               /* enum config_source */
    char origin[256];         /* env name, file path or "--flag" that set it */
} config_entry;

typedef struct config {
    config_entry *entries;    /* (n,) owned copy of the table */
    size_t n;
} config;

int config_init(config *c, mlac_err *err);
/* The default feature cache: $XDG_CACHE_HOME/mlac (absolute values only), else ~/.cache/mlac. */
void config_default_cache_dir(char *out, size_t n);
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
/* Parsed readers: fail naming the key and where its value came from. */
int config_long(const config *c, const char *key, long min, long max, long *out, mlac_err *err);
int config_double(const config *c, const char *key, double min, double max, double *out, mlac_err *err);
int config_bool(const config *c, const char *key, int *out, mlac_err *err);
const char *config_source_name(int source);

#endif

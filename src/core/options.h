/* options.h — options as data (git's parse-options, past the command line): a module declares
 * its settings once in a table of {key, type, range, default, help}, and one routine applies the
 * defaults, parses a JSON object into the module's struct, and prints the table for --help.
 *
 * Types: OPTION_INT (JSON integers only: 2.7 is refused, not truncated), OPTION_NUM (finite
 * numbers), OPTION_BOOL, OPTION_ENUM (one of choices; the field holds its index), and lists of
 * either number kind (OPTION_INT_LIST, OPTION_NUM_LIST: the field is an array of max_items, the
 * count goes to count_offset). An INT/NUM option may also accept one word (token, stored as
 * token_value: "sqrt", "scale") and null (when null_ok, stored as null_value). Unknown keys are
 * errors that list the known ones. Messages name the owner and the key: "svm option 'C' must be
 * a number > 0".
 */
#ifndef MLAC_CORE_OPTIONS_H
#define MLAC_CORE_OPTIONS_H

#include <jansson.h>
#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

enum option_type { OPTION_INT, OPTION_NUM, OPTION_BOOL, OPTION_ENUM, OPTION_INT_LIST, OPTION_NUM_LIST };

typedef struct option_spec {
    const char *key;
    enum option_type type;
    size_t offset;                /* of the field in the target struct: int, double or int/double[] */
    double lo, hi;                /* inclusive range of numbers (and list items) */
    int lo_open;                  /* 1: lo itself is excluded ("> 0") */
    double dflt;                  /* default of INT/NUM/BOOL/ENUM (as a number; ENUM: index) */
    const char *help;             /* one line; say the default's meaning when it is special */
    const char *const *choices;   /* ENUM: NULL-terminated names */
    const char *token;            /* INT/NUM: a word also accepted ("sqrt"), or NULL */
    double token_value;           /* stored for it */
    int null_ok;                  /* INT/NUM and list items: null accepted */
    double null_value;            /* stored for null */
    size_t max_items;             /* lists: capacity of the field */
    size_t count_offset;          /* lists: size_t field receiving the count */
    const double *dflt_items;     /* lists: default items (dflt_count of them) */
    size_t dflt_count;
    const char *dflt_text;        /* the default as --help shows it, when a number would mislead */
} option_spec;

/* A table ends with an entry whose key is NULL. */
#define OPTION_END {.key = NULL}

/* Defaults, then the keys of obj (NULL or JSON null: none). owner names the module in messages. */
int options_parse(const char *owner, const option_spec *table, const json_t *obj, void *target, mlac_err *err);
/* "  key   type, range (default D): help" lines for --help. */
int options_help(const option_spec *table, buf *out, mlac_err *err);

#endif

/* settings.h — every setting of mlac: the tables of the modules that own them, in the order
 * `mlac config` prints them, and the configuration made from them all.
 *
 * Adding a setting is one row in its owner's table (docs/ARCHITECTURE.md "A setting"); this list
 * changes only for a new module with settings.
 */
#ifndef MLAC_EXP_SETTINGS_H
#define MLAC_EXP_SETTINGS_H

#include "core/config.h"
#include "core/error.h"

/* The experiment spec's keys (spec_keys.c). */
extern const config_table spec_config_table;
/* Every table, NULL-terminated: the experiment, the embedders, the stores, logging. */
extern const config_table *const settings_tables[];

/* config_init with every table: each setting at its default. */
int settings_init(config *c, mlac_err *err);

#endif

/* settings.c — the list of every module's settings table (see settings.h). */
#include "exp/settings.h"
#include "core/log.h"
#include "embed/embed_settings.h"
#include "store/store_settings.h"

const config_table *const settings_tables[] = {&spec_config_table, &embed_config_table, &store_config_table,
                                               &log_config_table, NULL};

int settings_init(config *c, mlac_err *err)
{
    return config_init(c, settings_tables, err);
}

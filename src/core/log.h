/* log.h — leveled logging to stderr: human lines on a terminal, JSON lines otherwise.
 *
 * The only output the library produces on its own. The CLI calls log_init once; the level
 * comes from the configuration (LOG_LEVEL). Thread-safe: one line is written atomically.
 */
#ifndef MLAC_CORE_LOG_H
#define MLAC_CORE_LOG_H

#include "core/config.h"

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

/* json: 1 = JSON lines, 0 = human, -1 = decide from isatty(stderr). */
void log_init(int level, int json);
int log_level_parse(const char *name); /* "debug".."error"/"off", case-insensitive; -1 if unknown */
/* The settings log_level and log_format (config.h), read by the CLI. */
extern const config_table log_config_table;
int log_is_json(void);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A progress bar's line, written without a line break ("\r" + text): the next log line first
 * clears it ("\r\033[K"), so a bar and a log line never share a line; the bar redraws later. */
void log_partial_line(const char *text);
/* Ends a partial line with a line break, if one is on screen. */
void log_end_partial_line(void);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif

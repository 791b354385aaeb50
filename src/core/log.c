/* log.c — stderr logger (see log.h). JSON lines carry ts, level and msg. */
#include "core/log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static int g_level = LOG_INFO;
static int g_json = 0;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_partial; /* a progress bar is on the last line of stderr, not ended */

void log_partial_line(const char *text)
{
    pthread_mutex_lock(&g_lock);
    fprintf(stderr, "\r%s", text);
    fflush(stderr);
    g_partial = 1;
    pthread_mutex_unlock(&g_lock);
}

void log_end_partial_line(void)
{
    pthread_mutex_lock(&g_lock);
    if (g_partial)
        fputc('\n', stderr);
    fflush(stderr);
    g_partial = 0;
    pthread_mutex_unlock(&g_lock);
}

void log_init(int level, int json)
{
    g_level = level;
    g_json = json < 0 ? !isatty(STDERR_FILENO) : json;
}

int log_level_parse(const char *name)
{
    static const char *names[] = {"debug", "info", "warning", "error", "off"};
    if (!name)
        return -1;
    for (int i = 0; i < 5; i++)
        if (strcasecmp(name, names[i]) == 0)
            return i;
    if (strcasecmp(name, "warn") == 0)
        return LOG_WARN;
    if (strcasecmp(name, "critical") == 0)
        return LOG_ERROR;
    return -1;
}

static int log_enabled(int level)
{
    return level >= g_level && g_level != LOG_OFF;
}

int log_is_json(void)
{
    return g_json;
}

void log_msg(int level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warning", "error"};
    if (!log_enabled(level) || level > LOG_ERROR)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    pthread_mutex_lock(&g_lock);
    if (g_partial) { /* a bar is on the line: clear it, the log line takes it */
        fputs("\r\033[K", stderr);
        g_partial = 0;
    }
    if (g_json) {
        json_t *o = json_pack("{s:s, s:s, s:s}", "ts", when, "level", names[level], "msg", msg);
        char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (line)
            fprintf(stderr, "%s\n", line);
        free(line);
        json_decref(o);
    } else {
        fprintf(stderr, "mlac: %s%s\n", level >= LOG_WARN ? (level == LOG_WARN ? "warning: " : "error: ") : "",
                msg);
    }
    fflush(stderr);
    pthread_mutex_unlock(&g_lock);
}

static int check_level(const char *value, char *why, size_t n)
{
    if (log_level_parse(value) >= 0)
        return 0;
    snprintf(why, n, "expected one of debug|info|warning|error|off");
    return 1;
}

static const config_key log_keys[] = {
    {"log_level", CONFIG_TEXT, {"MLAC_LOG_LEVEL", "LOG_LEVEL", NULL}, "info", 0, 0, NULL, 0, check_level, NULL, "debug, info, warning, error"},
    {"log_format", CONFIG_WORDS, {"MLAC_LOG_FORMAT", NULL, NULL}, "auto", 0, 0, "auto|text|json", 0, NULL, NULL, "auto, text or json"},
    {NULL, 0, {NULL, NULL, NULL}, NULL, 0, 0, NULL, 0, NULL, NULL, NULL},
};

const config_table log_config_table = {"logging (src/core/log.c)", log_keys};

/* store_settings.c — the remote back ends' process-wide settings (see store_settings.h). */
#include "store/store_settings.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static store_settings current;
static int have_current;

int store_parse_size(const char *text, long long *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || v < 0)
        return -1;
    double mult = 1;
    switch (*end) {
    case 'k': case 'K': mult = 1024.0; end++; break;
    case 'm': case 'M': mult = 1024.0 * 1024; end++; break;
    case 'g': case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end || v * mult > 9e18)
        return -1;
    *out = (long long)(v * mult);
    return 0;
}

int store_settings_from_config(const config *cfg, store_settings *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    long mt = 16;
    double deadline = 900;
    int rc = config_long(cfg, "max_transfers", 1, 256, &mt, err);
    rc = rc ? rc : config_double(cfg, "gcs_retry_deadline", 0, 86400, &deadline, err);
    if (rc)
        return rc;
    out->max_transfers = (int)mt;
    out->retry_deadline = deadline;
    const config_entry *e = config_find(cfg, "download_cache_max");
    if (e && store_parse_size(e->value, &out->download_cache_max))
        return mlac_errf(err, MLAC_EINVAL, "download_cache_max '%s' (from %s) is not a size such as 512M or 10G",
                         e->value, e->origin);
    const char *dir = config_str(cfg, "cache_dir");
    if (dir && *dir && out->download_cache_max > 0)
        snprintf(out->download_cache_dir, sizeof out->download_cache_dir, "%.4070s/gcs-downloads", dir);
    const char *bucket = config_str(cfg, "gcs_bucket_name");
    snprintf(out->bucket, sizeof out->bucket, "%s", bucket ? bucket : "");
    return MLAC_OK;
}

void store_settings_set(const store_settings *s)
{
    pthread_mutex_lock(&lock);
    current = *s;
    have_current = 1;
    pthread_mutex_unlock(&lock);
}

void store_settings_get(store_settings *out)
{
    pthread_mutex_lock(&lock);
    if (!have_current) {
        config cfg;
        mlac_err err = {0};
        if (!config_init(&cfg, &err) && !config_load_env(&cfg, &err) &&
            !store_settings_from_config(&cfg, &current, &err))
            have_current = 1;
        config_release(&cfg);
        if (!have_current) { /* a bad environment value: built-in defaults */
            memset(&current, 0, sizeof current);
            current.max_transfers = 16;
            current.retry_deadline = 900;
        }
    }
    *out = current;
    pthread_mutex_unlock(&lock);
}

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

/* The default feature cache: $XDG_CACHE_HOME/mlac (absolute values only), else ~/.cache/mlac. */
static void default_cache_dir(char *out, size_t n)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && xdg[0] == '/') /* the XDG base directory spec: relative values are ignored */
        snprintf(out, n, "%s/mlac", xdg);
    else if (home && home[0])
        snprintf(out, n, "%s/.cache/mlac", home);
    else
        snprintf(out, n, ".mlac-cache"); /* no home: the current folder, as before */
}

static int check_size(const char *value, char *why, size_t n)
{
    long long bytes;
    if (!store_parse_size(value, &bytes))
        return 0;
    snprintf(why, n, "'%s' is not a size such as 512M or 10G", value);
    return 1;
}

static const config_key store_keys[] = {
    {"cache_dir", CONFIG_TEXT, {"MLAC_CACHE_DIR", NULL, NULL}, "$XDG_CACHE_HOME/mlac", 0, 0, NULL, 0, NULL, default_cache_dir, "feature and embedding cache (default $XDG_CACHE_HOME/mlac, else ~/.cache/mlac; empty = off)"},
    {"gcp_project_id", CONFIG_TEXT, {"MLAC_GCP_PROJECT_ID", "GCP_PROJECT_ID", NULL}, "", 0, 0, NULL, 0, NULL, NULL, "Google Cloud project"},
    {"gcs_bucket_name", CONFIG_TEXT, {"MLAC_GCS_BUCKET_NAME", "GCS_BUCKET_NAME", NULL}, "", 0, 0, NULL, 0, NULL, NULL, "default GCS bucket"},
    {"max_transfers", CONFIG_INT, {"MLAC_MAX_TRANSFERS", NULL, NULL}, "16", 1, 256, NULL, 0, NULL, NULL, "gs:// downloads in flight at once"},
    {"download_cache_max", CONFIG_TEXT, {"MLAC_DOWNLOAD_CACHE_MAX", NULL, NULL}, "10G", 0, 0, NULL, 0, check_size, NULL, "size bound of the gs:// download cache in <cache_dir>/gcs-downloads (0 = off)"},
    {"gcs_retry_deadline", CONFIG_NUM, {"MLAC_GCS_RETRY_DEADLINE", NULL, NULL}, "900", 0, 86400, NULL, 0, NULL, NULL, "seconds a gs:// request keeps retrying transient failures"},
    {"google_application_credentials", CONFIG_TEXT, {"MLAC_GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS", NULL}, "", 0, 0, NULL, 0, NULL, NULL, "service-account key file"},
    {NULL, 0, {NULL, NULL, NULL}, NULL, 0, 0, NULL, 0, NULL, NULL, NULL},
};

const config_table store_config_table = {"stores (src/store/store_settings.c)", store_keys};
static const config_table *const own_tables[] = {&store_config_table, NULL};

int store_settings_from_config(const config *cfg, store_settings *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    long mt;
    double deadline;
    int rc = config_int(cfg, "max_transfers", &mt, err);
    rc = rc ? rc : config_num(cfg, "gcs_retry_deadline", &deadline, err);
    rc = rc ? rc : config_check(config_find(cfg, "download_cache_max"), err);
    if (rc)
        return rc;
    out->max_transfers = (int)mt;
    out->retry_deadline = deadline;
    store_parse_size(config_str(cfg, "download_cache_max"), &out->download_cache_max);
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
        if (!config_init(&cfg, own_tables, &err) && !config_load_env(&cfg, &err) &&
            !store_settings_from_config(&cfg, &current, &err))
            have_current = 1;
        config_release(&cfg);
        int ok = have_current;
        if (!ok && !config_init(&cfg, own_tables, &err)) { /* a bad environment value: the defaults */
            ok = !store_settings_from_config(&cfg, &current, &err);
            config_release(&cfg);
        }
        if (!ok) { /* out of memory: one transfer at a time, no retries, no cache */
            memset(&current, 0, sizeof current);
            current.max_transfers = 1;
        }
    }
    *out = current;
    pthread_mutex_unlock(&lock);
}

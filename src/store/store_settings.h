/* store_settings.h — process-wide settings of the remote back ends (gs://), set once by the CLI
 * from the configuration (flags > environment > spec file > defaults) before a store opens.
 * A program that never sets them gets the defaults and the environment (MLAC_MAX_TRANSFERS,
 * MLAC_DOWNLOAD_CACHE_MAX, MLAC_GCS_RETRY_DEADLINE, MLAC_CACHE_DIR, GCS_BUCKET_NAME).
 */
#ifndef MLAC_STORE_STORE_SETTINGS_H
#define MLAC_STORE_STORE_SETTINGS_H

#include "core/config.h"
#include "core/error.h"

typedef struct store_settings {
    int max_transfers;             /* downloads at once when prefetching (16) */
    long long download_cache_max;  /* bytes of the gs:// download cache; 0 = no cache */
    char download_cache_dir[4096]; /* <cache_dir>/gcs-downloads; "" = no cache */
    double retry_deadline;         /* seconds a request keeps retrying (900) */
    char bucket[256];              /* GCS_BUCKET_NAME: bucket of a bare --data path */
} store_settings;

/* The settings the stores own: cache_dir, gcp_project_id, gcs_bucket_name, max_transfers,
 * download_cache_max, gcs_retry_deadline, google_application_credentials (config.h). */
extern const config_table store_config_table;

/* Reads max_transfers, download_cache_max ("512M", "10G", bytes), gcs_retry_deadline,
 * cache_dir and gcs_bucket_name from cfg; errors name the key and its source. */
int store_settings_from_config(const config *cfg, store_settings *out, mlac_err *err);
void store_settings_set(const store_settings *s);
/* The settings in force (set, or else from the defaults and the environment). */
void store_settings_get(store_settings *out);
/* "10G" -> 10737418240; K, M, G, T suffixes are powers of 1024. */
int store_parse_size(const char *text, long long *out);

#endif

/* gcs_bench.c — list + download every object under a gs:// prefix through the store, with a
 * given number of transfers at once (store_prefetch into a fresh download cache, then reads),
 * and print one JSON line: {"transfers", "clips", "bytes", "seconds", "clips_per_second",
 * "mb_per_second", "requests", "connections"} (connections: opened; the rest of the requests
 * reused one). Run by bench/run_gcs_bench.sh against build/gcs_test_server.
 * usage: gcs_bench URI TRANSFERS CACHE_DIR [SUBSTRING: only paths containing it] */
#include "core/timeutil.h"
#include "store/store.h"
#include "store/store_settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: gcs_bench URI TRANSFERS CACHE_DIR [SUBSTRING]\n");
        return 2;
    }
    store_settings set;
    store_settings_get(&set);
    set.max_transfers = atoi(argv[2]);
    snprintf(set.download_cache_dir, sizeof set.download_cache_dir, "%s", argv[3]);
    set.download_cache_max = 64LL << 30;
    store_settings_set(&set);
    mlac_err err = {0};
    store *s = NULL;
    strlist l;
    strlist_init(&l);
    double t0 = time_now();
    if (store_open(argv[1], &s, &err) || store_list(s, "", &l, &err)) {
        fprintf(stderr, "gcs_bench: %s\n", err.msg);
        return 1;
    }
    size_t w = 0; /* keep the paths containing SUBSTRING */
    for (size_t i = 0; i < l.n; i++) {
        if (argc == 5 && !strstr(l.items[i], argv[4]))
            free(l.items[i]);
        else
            l.items[w++] = l.items[i];
    }
    l.n = w;
    store_prefetch(s, (const char *const *)l.items, l.n);
    size_t bytes = 0;
    buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < l.n; i++) {
        b.len = 0;
        if (store_read(s, l.items[i], &b, &err)) {
            fprintf(stderr, "gcs_bench: %s\n", err.msg);
            return 1;
        }
        bytes += b.len;
    }
    double dt = time_now() - t0;
    store_counters sc;
    store_get_counters(s, &sc);
    printf("{\"transfers\": %d, \"clips\": %zu, \"bytes\": %zu, \"seconds\": %.3f, \"clips_per_second\": %.1f, "
           "\"mb_per_second\": %.1f, \"requests\": %ld, \"connections\": %ld}\n", set.max_transfers, l.n, bytes, dt,
           (double)l.n / dt, (double)bytes / 1e6 / dt, sc.requests, sc.connects);
    buf_release(&b);
    strlist_release(&l);
    store_free(s);
    return 0;
}

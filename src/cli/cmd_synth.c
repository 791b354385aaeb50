/* cmd_synth.c — `mlac synth`: writes the built-in synthetic dataset (DESIGN.md §7).
 *
 * A thin shell over synth_generate: options in, one summary line out. The seed, output root,
 * sample rate and thread budget default to the configuration (RANDOM_SEED, data, sample_rate,
 * threads), so `mlac synth` writes where `mlac run-experiment` reads.
 */
#include "cli/cli.h"
#include "core/pool.h"
#include "store/store.h"
#include "synth/synth.h"

#include <limits.h>
#include <stdio.h>

/* Options given as text on the command line, checked after parsing. */
static int long_in(const char *name, long v, long lo, long hi, long *out, mlac_err *err)
{
    if (v < lo || v > hi)
        return mlac_errf(err, MLAC_EINVAL, "--%s must be between %ld and %ld, got %ld", name, lo, hi, v);
    *out = v;
    return MLAC_OK;
}

int cmd_synth(int argc, char **argv)
{
    static const struct cli_usage usage = {
        "mlac synth", NULL,
        "Writes a synthetic dataset of coyote, bullfrog and human_vocal clips over outdoor\n"
        "backgrounds in the data layout mlac reads: <out>/<species>/data/{pos,neg}/ and the\n"
        "5-second twins in <out>/<species>/data_5s/. The same seed gives byte-identical files."};
    synth_options o;
    synth_options_default(&o);
    const char *out_dir = NULL;
    long per_class = (long)o.per_class, rate = -1, windows = 1;
    double seconds = o.seconds, snr_min = o.snr_min, snr_max = o.snr_max;
    int force = 0, stop = 0;
    strlist species;
    strlist_init(&species);
    const struct cli_opt opts[] = {
        {"out", OPT_STR, &out_dir, "DIR", "where to write (folder or URI; default: the data root, 'data')"},
        {"seed", OPT_CONFIG, "seed", "N", "master seed (default RANDOM_SEED or 42)"},
        {"per-class", OPT_INT, &per_class, "N", "positives and negatives per species (default 200)"},
        {"seconds", OPT_DOUBLE, &seconds, "S", "clip length in data/ (default 5)"},
        {"rate", OPT_CONFIG, "sample_rate", "HZ", "sample rate (default AUDIO_SAMPLE_RATE or 22050)"},
        {"snr-min", OPT_DOUBLE, &snr_min, "DB", "lowest event SNR (default -6)"},
        {"snr-max", OPT_DOUBLE, &snr_max, "DB", "highest event SNR (default 12)"},
        {"species", OPT_LIST, &species, "LIST", "species to write (default coyote bullfrog human_vocal)"},
        {"threads", OPT_CONFIG, "threads", "N", "worker threads (default: all cores)"},
        {"windows-per-recording", OPT_INT, &windows, "K", "clips are K windows of one recording (shared background, level, caller)"},
        {"force", OPT_FLAG, &force, NULL, "write over an existing dataset"},
        {NULL, 0, NULL, NULL, NULL},
    };
    config cfg;
    mlac_err err;
    store *st = NULL;
    if (cli_config_load(&cfg, &err)) {
        strlist_release(&species);
        return cli_fail(&err);
    }
    int rc = cli_parse(&usage, opts, argc, argv, NULL, &cfg, &stop);
    if (rc || stop)
        goto out;
    long seed = 0, threads = 0, pc = 0;
    if (config_long(&cfg, "seed", 0, LONG_MAX, &seed, &err) ||
        config_long(&cfg, "sample_rate", SYNTH_MIN_RATE, 192000, &rate, &err) ||
        config_long(&cfg, "threads", 0, 256, &threads, &err) ||
        long_in("per-class", per_class, 1, SYNTH_MAX_PER_CLASS, &pc, &err) ||
        long_in("windows-per-recording", windows, 1, SYNTH_MAX_WINDOWS, &windows, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    o.seed = (uint64_t)seed;
    o.rate = (int)rate;
    o.threads = threads > 0 ? (int)threads : pool_cpu_count();
    o.per_class = (size_t)pc;
    o.seconds = seconds;
    o.snr_min = snr_min;
    o.snr_max = snr_max;
    o.force = force;
    o.windows_per_recording = (size_t)windows;
    if (species.n) {
        if (species.n > SYNTH_N_SPECIES) {
            mlac_errf(&err, MLAC_EINVAL, "--species takes at most %d names, got %zu", SYNTH_N_SPECIES,
                      species.n);
            rc = cli_fail(&err);
            goto out;
        }
        for (size_t k = 0; k < species.n; k++)
            o.species[k] = species.items[k];
        o.n_species = species.n;
    }
    if (!out_dir)
        out_dir = config_str(&cfg, "data");
    synth_result res;
    if (store_open(out_dir, &st, &err) || synth_generate(&o, st, &res, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    printf("synth: wrote %zu clips + %zu data_5s twins to '%s' in %.1f s (seed %llu, %d thread%s)%s\n",
           res.n_clips, res.n_clips, st->root, res.seconds, (unsigned long long)o.seed, o.threads,
           o.threads == 1 ? "" : "s",
           res.n_removed ? "; removed older clips" : "");
out:
    store_free(st);
    strlist_release(&species);
    config_release(&cfg);
    return rc;
}

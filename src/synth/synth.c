/* synth.c — writes the synthetic dataset through a store (layout in synth.h).
 *
 * Clips are rendered, encoded and written in parallel with pool_for; each item writes only its
 * own files and its own manifest row, so the output is the same for any thread count. The
 * manifest and README are written last: a README marks a complete dataset. After a failure the
 * remaining items are skipped; the failed item with the lowest index is reported.
 */
#include "synth/synth.h"
#include "core/pool.h"
#include "core/timeutil.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const species_names[SYNTH_N_SPECIES] = {"coyote", "bullfrog", "human_vocal"};

const char *synth_species_name(int species)
{
    return species >= 0 && species < SYNTH_N_SPECIES ? species_names[species] : "unknown";
}

int synth_species_find(const char *name)
{
    for (int k = 0; k < SYNTH_N_SPECIES; k++)
        if (!strcmp(name, species_names[k]))
            return k;
    return -1;
}

void synth_options_default(synth_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 42;
    o->per_class = 200;
    o->seconds = 5.0;
    o->rate = 22050;
    o->snr_min = -6.0;
    o->snr_max = 12.0;
    for (int k = 0; k < SYNTH_N_SPECIES; k++)
        o->species[k] = species_names[k];
    o->n_species = SYNTH_N_SPECIES;
    o->threads = 2;
}

int synth_options_check(const synth_options *o, mlac_err *err)
{
    if (o->per_class < 1 || o->per_class > SYNTH_MAX_PER_CLASS)
        return mlac_errf(err, MLAC_EINVAL, "--per-class must be between 1 and %d, got %zu",
                         SYNTH_MAX_PER_CLASS, o->per_class);
    if (!(o->seconds >= 0.5 && o->seconds <= SYNTH_MAX_SECONDS))
        return mlac_errf(err, MLAC_EINVAL, "--seconds must be between 0.5 and %g, got %g", SYNTH_MAX_SECONDS,
                         o->seconds);
    if (o->rate < SYNTH_MIN_RATE || o->rate > 192000)
        return mlac_errf(err, MLAC_EINVAL, "--rate must be between %d and 192000 Hz, got %d", SYNTH_MIN_RATE,
                         o->rate);
    if (!isfinite(o->snr_min) || !isfinite(o->snr_max) || o->snr_min > o->snr_max || o->snr_min < -60 ||
        o->snr_max > 60)
        return mlac_errf(err, MLAC_EINVAL,
                         "--snr-min/--snr-max must satisfy -60 <= min <= max <= 60, got %g and %g",
                         o->snr_min, o->snr_max);
    if (o->n_species < 1 || o->n_species > SYNTH_N_SPECIES)
        return mlac_errf(err, MLAC_EINVAL, "--species needs 1 to %d names, got %zu", SYNTH_N_SPECIES,
                         o->n_species);
    for (size_t i = 0; i < o->n_species; i++) {
        if (!o->species[i] || synth_species_find(o->species[i]) < 0)
            return mlac_errf(err, MLAC_EINVAL,
                             "--species: unknown species '%s' (known: coyote, bullfrog, human_vocal)",
                             o->species[i] ? o->species[i] : "");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(o->species[i], o->species[j]))
                return mlac_errf(err, MLAC_EINVAL, "--species: '%s' is listed twice", o->species[i]);
    }
    if (o->windows_per_recording > SYNTH_MAX_WINDOWS)
        return mlac_errf(err, MLAC_EINVAL, "--windows-per-recording must be between 1 and %d, got %zu",
                         SYNTH_MAX_WINDOWS, o->windows_per_recording);
    if (o->threads < 1 || o->threads > 256)
        return mlac_errf(err, MLAC_EINVAL, "--threads must be between 1 and 256, got %d", o->threads);
    return MLAC_OK;
}

/* Clip i of the run: species, class and index, in manifest order. */
static void item_coords(const synth_options *o, size_t i, int *species, int *positive, size_t *index)
{
    size_t per_species = 2 * o->per_class;
    *species = synth_species_find(o->species[i / per_species]);
    *positive = (i % per_species) < o->per_class;
    *index = (i % per_species) % o->per_class;
}

static void clip_name(char *out, size_t size, const synth_options *o, const char *folder, const char *sp,
                      int positive, size_t index)
{
    const char *cls = positive ? "pos" : "neg";
    size_t K = o->windows_per_recording;
    if (K > 1)
        snprintf(out, size, "%s/%s/%s/%s_%s_rec%04zu_w%zu.wav", sp, folder, cls, sp, cls, index / K, index % K);
    else
        snprintf(out, size, "%s/%s/%s/%s_%s_%04zu.wav", sp, folder, cls, sp, cls, index);
}

#define ROW_MAX 512

struct job {
    const synth_options *o;
    store *out;
    char *rows;          /* (n_items, ROW_MAX) manifest rows */
    atomic_int failed;   /* set on the first failure: later items are skipped */
    pthread_mutex_t lock; /* guards the three fields below */
    size_t err_item;     /* lowest failed item */
    int rc;              /* its status */
    mlac_err err;        /* its message */
};

static int write_clip(store *out, const char *path, const audio_clip *c, mlac_err *err)
{
    void *bytes = NULL;
    size_t n = 0;
    int rc = audio_encode_wav(c, 1, &bytes, &n, err);
    if (!rc)
        rc = store_write(out, path, bytes, n, err);
    if (rc) {
        char where[4200];
        store_describe(out, path, where, sizeof where);
        mlac_err_prefix(err, "writing '%s': ", where);
    }
    free(bytes);
    return rc;
}

static void fmt_db(char *out, size_t size, double x)
{
    if (isnan(x))
        snprintf(out, size, "%s", "");
    else
        snprintf(out, size, "%.2f", x);
}

static void run_item(void *ctx, size_t i, int worker)
{
    (void)worker;
    struct job *j = ctx;
    if (atomic_load(&j->failed))
        return;
    int sp, pos;
    size_t idx;
    item_coords(j->o, i, &sp, &pos, &idx);
    const char *name = synth_species_name(sp);
    audio_clip clip, clip5;
    synth_clip_info info;
    mlac_err e, *err = &e;
    char path[128], path5[128];
    clip_name(path, sizeof path, j->o, "data", name, pos, idx);
    clip_name(path5, sizeof path5, j->o, "data_5s", name, pos, idx);
    int rc = synth_render(j->o, sp, pos, idx, &clip, &clip5, &info, err);
    if (!rc)
        rc = write_clip(j->out, path, &clip, err);
    if (!rc)
        rc = write_clip(j->out, path5, &clip5, err);
    if (!rc) {
        char snr[32], snr2[32], onset[32];
        fmt_db(snr, sizeof snr, info.snr_db);
        fmt_db(snr2, sizeof snr2, info.extra_snr_db);
        fmt_db(onset, sizeof onset, info.onset_s);
        snprintf(j->rows + i * ROW_MAX, ROW_MAX, "%s,%s,%d,%s,%s,%s,%.3f,%s,%s,%s,%.4f\n", path, name, pos,
                 info.event, snr, onset, info.event_s, info.extra, snr2, info.background, info.peak);
    }
    audio_clip_release(&clip);
    audio_clip_release(&clip5);
    if (rc) {
        pthread_mutex_lock(&j->lock);
        if (!j->rc || i < j->err_item) {
            j->rc = rc;
            j->err_item = i;
            j->err = e;
        }
        pthread_mutex_unlock(&j->lock);
        atomic_store(&j->failed, 1);
    }
}

/* Without force: fail when the destination already holds a dataset or any species folder. */
static int check_destination(const synth_options *o, store *out, mlac_err *err)
{
    int exists = 0;
    char where[4200];
    int rc = store_exists(out, "README.txt", &exists, err);
    if (rc)
        return rc;
    if (exists) {
        store_describe(out, "README.txt", where, sizeof where);
        return mlac_errf(err, MLAC_EINVAL,
                         "'%s' already exists: a dataset is there (use --force to overwrite)", where);
    }
    for (size_t k = 0; k < o->n_species; k++) {
        strlist files;
        strlist_init(&files);
        mlac_err ignore;
        int lrc = store_list(out, o->species[k], &files, &ignore);
        size_t n = files.n;
        strlist_release(&files);
        if (lrc == MLAC_OK && n > 0) {
            store_describe(out, o->species[k], where, sizeof where);
            return mlac_errf(err, MLAC_EINVAL, "'%s' already holds files (use --force to overwrite)", where);
        }
    }
    return MLAC_OK;
}

/* Index of "<sp>_<cls>_NNNN.wav" in a listed path, or -1 if it is not one of our clip names. */
static long our_clip_index(const char *path, const char *sp)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t ls = strlen(sp);
    if (strncmp(base, sp, ls) || base[ls] != '_' ||
        (strncmp(base + ls + 1, "pos_", 4) && strncmp(base + ls + 1, "neg_", 4)))
        return -1;
    const char *d = base + ls + 5;
    char *end;
    if (!isdigit((unsigned char)*d))
        return -1;
    long k = strtol(d, &end, 10);
    return strcmp(end, ".wav") ? -1 : k;
}

/* Under force: removes clips of an older, larger dataset that this run did not overwrite. */
static int remove_stale(const synth_options *o, store *out, size_t *removed, mlac_err *err)
{
    *removed = 0;
    for (size_t k = 0; k < o->n_species; k++) {
        strlist files;
        strlist_init(&files);
        mlac_err ignore;
        if (store_list(out, o->species[k], &files, &ignore)) {
            strlist_release(&files);
            continue;
        }
        int rc = MLAC_OK;
        for (size_t f = 0; f < files.n && !rc; f++) {
            long idx = our_clip_index(files.items[f], o->species[k]);
            if (idx < 0 || (size_t)idx < o->per_class)
                continue;
            char tmp[4200];
            const char *local = store_local_path(out, files.items[f], tmp, sizeof tmp);
            if (!local)
                rc = mlac_errf(err, MLAC_EUNAVAIL,
                               "'%s' holds clips of an older dataset that cannot be removed here; "
                               "write to an empty location",
                               out->root);
            else if (remove(local) != 0)
                rc = mlac_errf(err, MLAC_EIO, "cannot remove stale clip '%s'", local);
            else
                (*removed)++;
        }
        strlist_release(&files);
        if (rc)
            return rc;
    }
    return MLAC_OK;
}

static int write_readme(const synth_options *o, store *out, size_t n_clips, mlac_err *err)
{
    buf b;
    buf_init(&b, 0);
    char list[128] = "", args[128] = "";
    for (size_t k = 0; k < o->n_species; k++) {
        size_t len = strlen(list), alen = strlen(args);
        snprintf(list + len, sizeof list - len, "%s%s", k ? ", " : "", o->species[k]);
        snprintf(args + alen, sizeof args - alen, "%s%s", k ? " " : "", o->species[k]);
    }
    int rc = buf_printf(
        &b, err,
        "mlac synthetic dataset (mlac %s)\n"
        "================================\n\n"
        "Written by `mlac synth`. Every clip is synthetic and depends only on the seed, the species,\n"
        "the class and the clip index: the same options give byte-identical files (with the same\n"
        "mlac build and C library; other builds give the same clips up to rounding).\n\n"
        "seed:        %llu\n"
        "species:     %s\n"
        "per class:   %zu positives and %zu negatives per species (%zu clips in all)\n"
        "clip length: %g s in data/, 5 s in data_5s/ (same names, same main event)\n"
        "format:      WAV, 16-bit PCM, mono, %d Hz\n"
        "event SNR:   %g to %g dB (event power against the background under it)\n\n"
        "Layout:\n"
        "  <species>/data/pos/<species>_pos_NNNN.wav     positives\n"
        "  <species>/data/neg/<species>_neg_NNNN.wav     negatives\n"
        "  <species>/data_5s/{pos,neg}/...               5-second twins\n"
        "  manifest.csv                                  what each clip holds\n\n"
        "Content: backgrounds are a pink or brown noise bed with any of wind, rain, insects,\n"
        "birds and low rumble. Positives hold a call of the species: coyote howls (harmonic\n"
        "glides 300-1500 Hz with vibrato) and yip bursts; bullfrog \"jug-o-rum\" notes (pulsed,\n"
        "100-400 Hz); human_vocal phrases (voiced formant syllables, pitch 90-250 Hz). Some\n"
        "positives also hold another species' call. Negatives hold nothing, another species'\n"
        "call, or a near-miss sound: sirens, barks and owl hoots (coyote); engine hum, frog\n"
        "plunks and knocks (bullfrog); humming, whispering and reed tones (human_vocal).\n"
        "Clips are levelled to a random peak between 0.1 and 0.9.\n\n"
        "Reproduce: mlac synth --out <dir> --seed %llu --per-class %zu --seconds %g --rate %d \\\n"
        "             --snr-min %g --snr-max %g --species %s\n",
        MLAC_VERSION, (unsigned long long)o->seed, list, o->per_class, o->per_class, n_clips, o->seconds,
        o->rate, o->snr_min, o->snr_max, (unsigned long long)o->seed, o->per_class, o->seconds, o->rate,
        o->snr_min, o->snr_max, args);
    if (!rc && o->windows_per_recording > 1)
        rc = buf_printf(&b, err,
                        "             --windows-per-recording %zu\n\n"
                        "Windows: every clip is one of %zu windows of a recording (<species>_<pos|neg>_recNNNN_wW.wav)\n"
                        "that share its background, level and caller. Cross-validate with the recording as the group:\n"
                        "  mlac run-experiment --group-by 're:^(.+)_w\\d+\\.wav$' ...\n",
                        o->windows_per_recording, o->windows_per_recording);
    if (!rc)
        rc = store_write(out, "README.txt", b.data, b.len, err);
    buf_release(&b);
    return rc;
}

static int write_manifest(store *out, const char *rows, size_t n, mlac_err *err)
{
    buf b;
    buf_init(&b, 0);
    int rc = buf_puts(
        &b, "file,species,label,event,snr_db,onset_s,event_s,extra,extra_snr_db,background,peak\n", err);
    for (size_t i = 0; i < n && !rc; i++)
        rc = buf_puts(&b, rows + i * ROW_MAX, err);
    if (!rc)
        rc = store_write(out, "manifest.csv", b.data, b.len, err);
    buf_release(&b);
    return rc;
}

int synth_generate(const synth_options *o, store *out, synth_result *res, mlac_err *err)
{
    double t0 = time_now();
    struct job j = {.o = o, .out = out};
    size_t n_items = 0, removed = 0;
    int rc = synth_options_check(o, err);
    if (!rc && !o->force)
        rc = check_destination(o, out, err);
    if (rc)
        return rc;
    n_items = o->n_species * 2 * o->per_class;
    j.rows = calloc(n_items, ROW_MAX);
    atomic_init(&j.failed, 0);
    pthread_mutex_init(&j.lock, NULL);
    if (!j.rows) {
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory planning %zu clips", n_items);
        goto out;
    }
    pool_for(o->threads, n_items, run_item, &j);
    if (j.rc) {
        *err = j.err;
        rc = j.rc;
        goto out;
    }
    if (o->force)
        rc = remove_stale(o, out, &removed, err);
    if (!rc)
        rc = write_manifest(out, j.rows, n_items, err);
    if (!rc)
        rc = write_readme(o, out, n_items, err);
    if (!rc && res) {
        res->n_clips = n_items;
        res->n_removed = removed;
        res->seconds = time_now() - t0;
    }
out:
    pthread_mutex_destroy(&j.lock);
    free(j.rows);
    return rc;
}

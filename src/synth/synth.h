/* synth.h — the built-in synthetic dataset (DESIGN.md §7) in the data layout of §2.
 *
 * `mlac synth` writes, for each species, per_class positive and per_class negative clips:
 *
 *   <out>/<species>/data/pos/<species>_pos_0000.wav      16-bit PCM WAV, mono, `rate` Hz
 *   <out>/<species>/data/neg/<species>_neg_0000.wav
 *   <out>/<species>/data_5s/{pos,neg}/...                the same clips, 5 s long, same names
 *   (with windows_per_recording K: <species>_pos_rec0012_w3.wav, window 3 of recording 12)
 *   <out>/manifest.csv                                   one row per clip: what is in it
 *   <out>/README.txt                                     what the dataset is, with its seed
 *
 * Invariant: a clip's content depends only on (seed, species, class, index) through
 * rng_derive_seed(seed, "synth/<species>/<pos|neg>/<index>"), so the same options give
 * byte-identical files for any thread count, order or subset of species.
 *
 * A clip is a background scene (pink/brown noise, wind, rain, insects, birds, rumble) with
 * events mixed in at a random offset and a random SNR in [snr_min, snr_max] dB. Positives hold a
 * call of the species (coyote: gliding harmonic howls 300-1500 Hz with vibrato, yip bursts;
 * bullfrog: low pulsed "jug-o-rum" notes 100-400 Hz; human_vocal: voiced formant syllables,
 * pitch 90-250 Hz), sometimes with a second species calling too; negatives hold nothing, another
 * species' call, or a near-miss sound chosen to resemble the species (sirens, barks and hoots;
 * engine hum, plunks and knocks; humming, whispers and reed tones).
 */
#ifndef MLAC_SYNTH_SYNTH_H
#define MLAC_SYNTH_SYNTH_H

#include <stddef.h>
#include <stdint.h>
#include "audio/audio.h"
#include "core/error.h"
#include "store/store.h"

enum synth_species { SYNTH_COYOTE = 0, SYNTH_BULLFROG, SYNTH_HUMAN_VOCAL, SYNTH_N_SPECIES };

#define SYNTH_SECONDS_5S 5.0     /* length of the data_5s twins */
#define SYNTH_MAX_SECONDS 600.0  /* longest clip accepted */
#define SYNTH_MAX_PER_CLASS 20000
#define SYNTH_MIN_RATE 8000
#define SYNTH_MAX_WINDOWS 64     /* windows per recording */

typedef struct synth_options {
    uint64_t seed;            /* master seed (RANDOM_SEED) */
    size_t per_class;         /* positives and negatives per species */
    double seconds;           /* clip length in data/ */
    int rate;                 /* sample rate (Hz) */
    double snr_min, snr_max;  /* event SNR range (dB) */
    const char *species[SYNTH_N_SPECIES]; /* names, not owned */
    size_t n_species;
    int threads;              /* worker threads (>= 1) */
    int force;                /* overwrite an existing dataset */
    size_t windows_per_recording; /* 0 or 1: independent clips; K > 1: clips are K windows of one
                                     recording (shared background, level and caller), named
                                     <species>_<pos|neg>_recNNNN_wW.wav */
} synth_options;

/* What went into one clip, for the manifest and for tests. */
typedef struct synth_clip_info {
    char event[32];        /* main event: "coyote", "near:bullfrog", "none", ... */
    char extra[32];        /* a second, independent call or "" */
    double snr_db;         /* SNR of the main event (NAN when none) */
    double extra_snr_db;   /* SNR of the extra call (NAN when none) */
    double onset_s;        /* main event start in the data/ clip (s), NAN when none */
    double event_s;        /* main event duration (s), 0 when none */
    char background[96];   /* layers, '+'-joined: "pink+wind+birds" */
    double peak;           /* peak |sample| of the clip before 16-bit quantisation */
} synth_clip_info;

typedef struct synth_result {
    size_t n_clips;        /* clips written to data/ (each also has a data_5s twin) */
    size_t n_removed;      /* stale clips of an older, larger dataset removed under --force */
    double seconds;        /* wall time */
} synth_result;

/* Defaults: seed 42, 200 per class, 5 s, 22050 Hz, SNR -6..12 dB, all species, 2 threads. */
void synth_options_default(synth_options *o);
/* Checks every field; the message names the option. */
int synth_options_check(const synth_options *o, mlac_err *err);

const char *synth_species_name(int species);
/* Index of a species name, or -1. */
int synth_species_find(const char *name);

/* Renders clip `index` of a species and class: `clip` is o->seconds long, `clip5` (may be NULL)
 * its 5-second twin (the same samples when o->seconds == 5). info may be NULL. */
int synth_render(const synth_options *o, int species, int positive, size_t index, audio_clip *clip,
                 audio_clip *clip5, synth_clip_info *info, mlac_err *err);

/* The same clip as synth_render, and the background under it alone (same length and gain):
 * clip - background is the sum of the events, for measuring their SNR. */
int synth_render_split(const synth_options *o, int species, int positive, size_t index, audio_clip *clip,
                       audio_clip *background, synth_clip_info *info, mlac_err *err);

/* Writes the whole dataset through the store (see the layout above). Refuses to write over an
 * existing dataset unless o->force; then clips beyond per_class left by an older run are
 * removed (local stores only). res may be NULL. */
int synth_generate(const synth_options *o, store *out, synth_result *res, mlac_err *err);

/* Adds ev (n_ev samples) into bg at offset, scaled so that
 * 10 log10(mean(ev_scaled^2) / mean(bg[offset .. offset+n_ev)^2)) = snr_db; the event is cut at
 * the end of bg. Returns the gain applied (0 when the event or the background is silent). */
double synth_mix(float *bg /* (n_bg,) */, size_t n_bg, const float *ev /* (n_ev,) */, size_t n_ev,
                 size_t offset, double snr_db);
/* The gain synth_mix would apply, without mixing. */
double synth_mix_gain(const float *bg /* (n_bg,) */, size_t n_bg, const float *ev /* (n_ev,) */,
                      size_t n_ev, size_t offset, double snr_db);

#endif

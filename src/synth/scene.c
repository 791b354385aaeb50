/* scene.c — one clip: background, events at random offsets and SNRs, level, 5-second twin.
 *
 * The scene is rendered over max(seconds, 5) s. The data/ clip is a window of `seconds` in it
 * and the data_5s twin a 5-second window holding the same main event, so both carry the same
 * label; at 5 s they are the same samples. Every event's SNR is measured against the background
 * alone (synth_mix_gain), so a second event does not change the first one's SNR.
 *
 * With windows_per_recording K > 1 (synth.h), clip i is window i % K of recording i / K: the
 * recording's background is one long scene of which each window takes its own stretch, and its
 * level and its callers (which species or near-miss sound) are drawn once per recording from the
 * recording's seed; each window's call, onset and SNR are its own. Windows of one
 * recording therefore look alike, as windows cut from one field recording do.
 *
 * The recipe below sets the task's difficulty; it was tuned with
 * tests/fixtures/gen/synth_calibrate.py so that a random forest on MFCC summaries reaches
 * ROC-AUC of roughly 0.7-0.9 with 25 clips per class and keeps improving with more.
 */
#include "synth/backgrounds.h"
#include "synth/calls.h"
#include "synth/dsp.h"
#include "synth/synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct recipe {
    double p_pos_extra;      /* positives: another species calls too */
    double p_neg_other;      /* negatives: main event is another species' call */
    double p_neg_near;       /* negatives: main event is a near-miss sound (else none) */
    double p_neg_extra;      /* negatives: one more call of another species */
    double max_event_s;      /* longest event */
    double peak_lo, peak_hi; /* final peak level, log-uniform */
} recipe = {
    .p_pos_extra = 0.2,
    .p_neg_other = 0.35,
    .p_neg_near = 0.35,
    .p_neg_extra = 0.1,
    .max_event_s = 4.5,
    .peak_lo = 0.1,
    .peak_hi = 0.9,
};

/* A species other than `not`, uniformly. */
static int other_species(int not, rng *r)
{
    int k = synth_int(r, 0, SYNTH_N_SPECIES - 2);
    return k >= not ? k + 1 : k;
}

struct scene {
    float *mix;    /* (L,) background, then events added */
    float *bg;     /* (L,) the background alone */
    float *ev;     /* (max_ev,) one event */
    float *work;   /* (2 * max_ev,) generator scratch */
    size_t L, n, w0, max_ev; /* scene, data clip, data window start, longest event (samples) */
};

/* Places an event of len samples at a random onset in the data window at a random SNR. */
static void place(struct scene *s, size_t len, const synth_options *o, rng *r, double *snr, size_t *onset)
{
    *onset = s->w0 + (size_t)rng_below(r, (uint64_t)(s->n - len + 1));
    *snr = synth_unif(r, o->snr_min, o->snr_max);
    double g = synth_mix_gain(s->bg, s->L, s->ev, len, *onset, *snr);
    synth_add(s->mix + *onset, s->ev, len, (float)g);
}

/* r draws which events there are (for a recording: the same callers in all its windows), rp each
 * call's shape, onset and SNR; one rng for both gives the single-clip recipe. */
static void render_events(struct scene *s, const synth_options *o, int species, int positive, rng *r, rng *rp,
                          synth_clip_info *info, size_t *main_onset, size_t *main_len)
{
    int extra = -1;
    size_t len = 0, onset = 0;
    const char *kind = NULL;
    if (positive) {
        len = calls_render(species, s->ev, s->work, s->max_ev, o->rate, rp);
        snprintf(info->event, sizeof info->event, "%s", synth_species_name(species));
        if (synth_chance(r, recipe.p_pos_extra))
            extra = other_species(species, r);
    } else {
        double u = rng_uniform(r);
        if (u < recipe.p_neg_other) {
            int other = other_species(species, r);
            len = calls_render(other, s->ev, s->work, s->max_ev, o->rate, rp);
            snprintf(info->event, sizeof info->event, "%s", synth_species_name(other));
        } else if (u < recipe.p_neg_other + recipe.p_neg_near) {
            len = calls_near_miss(species, s->ev, s->work, s->max_ev, o->rate, rp, &kind);
            snprintf(info->event, sizeof info->event, "near:%s", kind);
        } else {
            snprintf(info->event, sizeof info->event, "none");
        }
        if (synth_chance(r, recipe.p_neg_extra))
            extra = other_species(species, r);
    }
    if (len) {
        place(s, len, o, rp, &info->snr_db, &onset);
        info->onset_s = (double)(onset - s->w0) / o->rate;
        info->event_s = (double)len / o->rate;
    }
    *main_onset = onset;
    *main_len = len;
    if (extra >= 0) {
        size_t n2 = calls_render(extra, s->ev, s->work, s->max_ev, o->rate, rp), on2;
        place(s, n2, o, rp, &info->extra_snr_db, &on2);
        snprintf(info->extra, sizeof info->extra, "%s", synth_species_name(extra));
    }
}

static int copy_clip(audio_clip *dst, const float *src, size_t n, int rate, float gain, mlac_err *err)
{
    dst->samples = malloc((n ? n : 1) * sizeof *dst->samples);
    if (!dst->samples)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for a %zu-sample clip", n);
    for (size_t i = 0; i < n; i++)
        dst->samples[i] = gain * src[i];
    dst->n = n;
    dst->rate = rate;
    return MLAC_OK;
}

static float peak_abs(const float *x, size_t n)
{
    float p = 0.0f;
    for (size_t i = 0; i < n; i++)
        p = fabsf(x[i]) > p ? fabsf(x[i]) : p;
    return p;
}

/* Renders the clip, optionally its 5 s twin and optionally the data window's background alone. */
static int render(const synth_options *o, int species, int positive, size_t index, audio_clip *clip,
                  audio_clip *clip5, audio_clip *bgclip, synth_clip_info *info, mlac_err *err)
{
    memset(clip, 0, sizeof *clip);
    if (clip5)
        memset(clip5, 0, sizeof *clip5);
    if (bgclip)
        memset(bgclip, 0, sizeof *bgclip);
    int rc = synth_options_check(o, err);
    if (rc)
        return rc;
    if (species < 0 || species >= SYNTH_N_SPECIES)
        return mlac_errf(err, MLAC_EINVAL, "unknown species index %d", species);
    synth_clip_info local;
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    info->snr_db = info->extra_snr_db = info->onset_s = NAN;

    char key[160], rkey[200];
    size_t K = o->windows_per_recording > 1 ? o->windows_per_recording : 1, rec = index / K, win = index % K;
    if (K > 1)
        snprintf(key, sizeof key, "synth/%s/%s/rec%zu/w%zu/of%zu", synth_species_name(species),
                 positive ? "pos" : "neg", rec, win, K);
    else
        snprintf(key, sizeof key, "synth/%s/%s/%zu", synth_species_name(species), positive ? "pos" : "neg",
                 index);
    rng r, rrec; /* the clip's (window's) draws; the recording's shared draws */
    rng_seed(&r, rng_derive_seed(o->seed, key));
    snprintf(rkey, sizeof rkey, "synth/%s/%s/rec%zu/of%zu", synth_species_name(species), positive ? "pos" : "neg",
             rec, K);
    rng_seed(&rrec, rng_derive_seed(o->seed, rkey));

    struct scene s = {0};
    size_t n5 = synth_samples(SYNTH_SECONDS_5S, o->rate);
    s.n = synth_samples(o->seconds, o->rate);
    s.L = s.n > n5 ? s.n : n5;
    s.w0 = s.n < s.L ? (size_t)rng_below(&r, (uint64_t)(s.L - s.n + 1)) : 0;
    s.max_ev = synth_samples(recipe.max_event_s, o->rate);
    if (s.max_ev > s.n)
        s.max_ev = s.n;
    float *block = malloc((2 * s.L + 3 * s.max_ev) * sizeof *block);
    float *longbg = K > 1 ? malloc(2 * K * s.L * sizeof *longbg) : NULL; /* (2, K * L) recording + scratch */
    if (!block || (K > 1 && !longbg)) {
        free(block), free(longbg);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory rendering clip '%s'", key);
    }
    s.mix = block;
    s.bg = block + s.L;
    s.ev = s.bg + s.L;
    s.work = s.ev + s.max_ev;

    if (K > 1) { /* window `win` of the recording's long background */
        backgrounds_render(longbg, longbg + K * s.L, K * s.L, o->rate, &rrec, info->background,
                           sizeof info->background);
        memcpy(s.bg, longbg + win * s.L, s.L * sizeof *s.bg);
    } else {
        backgrounds_render(s.bg, s.mix, s.L, o->rate, &r, info->background, sizeof info->background);
    }
    memcpy(s.mix, s.bg, s.L * sizeof *s.mix);
    size_t onset, len;
    rng revent = rrec; /* a copy: every window replays the recording's event draws */
    render_events(&s, o, species, positive, K > 1 ? &revent : &r, &r, info, &onset, &len);

    /* level: the scene's peak goes to a random level, the same gain for both windows (and, for a
     * recording, about the same level in all its windows) */
    float peak = peak_abs(s.mix, s.L);
    double target = synth_logunif(K > 1 ? &revent : &r, recipe.peak_lo, recipe.peak_hi);
    float gain = peak > 0.0f ? (float)(target / peak) : 1.0f;
    rc = copy_clip(clip, s.mix + s.w0, s.n, o->rate, gain, err);
    if (!rc && clip5) {
        size_t c0 = 0;
        if (s.L > n5) { /* centre the 5 s window on the main event, or anywhere when none */
            size_t centre = len ? onset + len / 2 : (size_t)rng_below(&r, (uint64_t)s.L);
            c0 = centre > n5 / 2 ? centre - n5 / 2 : 0;
            if (c0 > s.L - n5)
                c0 = s.L - n5;
        }
        rc = copy_clip(clip5, s.mix + c0, n5, o->rate, gain, err);
    }
    if (!rc && bgclip)
        rc = copy_clip(bgclip, s.bg + s.w0, s.n, o->rate, gain, err);
    info->peak = peak_abs(clip->samples ? clip->samples : s.mix, clip->samples ? clip->n : 0);
    free(block);
    free(longbg);
    if (rc) {
        audio_clip_release(clip);
        if (clip5)
            audio_clip_release(clip5);
        if (bgclip)
            audio_clip_release(bgclip);
    }
    return rc;
}

int synth_render(const synth_options *o, int species, int positive, size_t index, audio_clip *clip,
                 audio_clip *clip5, synth_clip_info *info, mlac_err *err)
{
    return render(o, species, positive, index, clip, clip5, NULL, info, err);
}

int synth_render_split(const synth_options *o, int species, int positive, size_t index, audio_clip *clip,
                       audio_clip *background, synth_clip_info *info, mlac_err *err)
{
    return render(o, species, positive, index, clip, NULL, background, info, err);
}

/* test_features.c — every transform of features.h against torchaudio's outputs.
 *
 * References: the .npy files of tests/fixtures/features/, written by tests/fixtures/gen/features.py with
 * torch + torchaudio in float64 from float32 clips (chirp, white noise, harmonic tone with
 * vibrato, a click in silence, a very quiet tone, a clip of 1030 samples, silence). Torch
 * layouts are (n_mels, T), (n_mfcc, T), (n_freqs, n_mels) and are transposed here where the C
 * layout is time-major. Tolerances (the C code works in float32 with double sums):
 *   STFT power  |d| <= 1e-4 * |ref| + 1e-6 * max(frame)   (float32 FFT rounding is relative to
 *                                                         the frame's energy, not to one bin)
 *   mel power   |d| <= 1e-4 * |ref| + 1e-6 * max(mel)
 *   dB mel      |d| <= 1e-3 dB;  MFCC, deltas |d| <= 1e-3;  summary |d| <= 1e-3;  image 1e-3 dB
 *   filterbank  |d| <= 1e-6
 * The measured worst cases are printed, so regressions in accuracy are visible in the log.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/npy.h"
#include "features/features.h"
#include "test.h"

#define TOL_DB 1e-3
#define TOL_MFCC 1e-3
#define TOL_REL 1e-4
#define TOL_FLOOR 1e-6

static double worst_db, worst_mfcc, worst_delta, worst_summary, worst_image, worst_rel_power;

static int load(const char *name, npy_array *a)
{
    char rel[256];
    mlac_err err = {0};
    snprintf(rel, sizeof rel, "features/%s.npy", name);
    int rc = npy_load(test_fixture(rel), a, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    return rc;
}

/* Max |got - ref| where ref is (rows, cols) in torch layout and got is got[c * ld_t + r] when
 * transposed (time-major C layout) or got[r * cols + c] otherwise. */
static double max_abs(const npy_array *ref, const float *got, int transposed, size_t ld)
{
    size_t rows = ref->shape[0], cols = ref->ndim > 1 ? ref->shape[1] : 1;
    double m = 0;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            double g = transposed ? got[c * ld + r] : got[r * cols + c];
            double d = fabs(g - ref->data[r * cols + c]);
            m = d > m || isnan(d) ? d : m;
        }
    return m;
}

/* Checks |got - ref| <= rel * |ref| + floor * max|ref| over count values; returns the worst
 * ratio of error to tolerance-scale (|d| / (|ref| + floor/rel * max)) as a relative figure. */
static double check_rel(const char *what, const double *ref, const float *got, size_t count)
{
    double max = 0, worst = 0;
    for (size_t i = 0; i < count; i++)
        max = fabs(ref[i]) > max ? fabs(ref[i]) : max;
    int bad = 0;
    for (size_t i = 0; i < count; i++) {
        double d = fabs(got[i] - ref[i]), scale = fabs(ref[i]) + TOL_FLOOR / TOL_REL * max;
        double r = scale > 0 ? d / scale : d;
        worst = r > worst || isnan(r) ? r : worst;
        if (!(d <= TOL_REL * fabs(ref[i]) + TOL_FLOOR * max) && bad++ < 3)
            fprintf(stderr, "%s[%zu] = %.9g, expected %.9g\n", what, i, got[i], ref[i]);
    }
    CHECK_MSG(bad == 0, "%s: %d values out of tolerance", what, bad);
    return worst;
}

static void check_clip(const char *clip)
{
    char name[128];
    npy_array x = {0}, frames = {0}, stft = {0}, mel = {0}, db = {0}, feats = {0}, summary = {0},
              image = {0};
    float *out = NULL;
    feat_params p;
    feat_params_default(&p);
    feat_plan *plan = NULL;
    mlac_err err = {0};
    CHECK_OK(feat_plan_new(&p, &plan, &err), &err);
#define LOAD(arr, suffix)                              \
    snprintf(name, sizeof name, "%s_%s", clip, suffix); \
    if (load(name, &arr))                              \
        goto out;
    LOAD(x, "x");
    LOAD(frames, "stft_frames");
    LOAD(stft, "stft");
    LOAD(mel, "mel");
    LOAD(db, "db");
    LOAD(feats, "feats");
    LOAD(summary, "summary");
#undef LOAD
    size_t n = x.count, nf = feat_n_frames(plan, n), nfreq = feat_n_freqs(plan);
    float *xf = malloc(n * sizeof *xf);
    out = malloc((nf * nfreq + 2 * 128 * 128) * sizeof *out);
    if (!xf || !out) {
        free(xf);
        CHECK(!"out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        xf[i] = (float)x.data[i];
    CHECK(mel.shape[0] == 128 && mel.shape[1] == nf);

    /* STFT power: the stored frames only. */
    CHECK_OK(feat_stft_power(plan, xf, n, out, &err), &err);
    for (size_t i = 0; i < frames.count; i++) {
        size_t t = (size_t)frames.data[i];
        snprintf(name, sizeof name, "%s stft frame %zu", clip, t);
        double w = check_rel(name, stft.data + i * nfreq, out + t * nfreq, nfreq);
        worst_rel_power = w > worst_rel_power ? w : worst_rel_power;
    }
    /* Mel power, (n_mels, T) as torch. */
    CHECK_OK(feat_mel_power(plan, xf, n, out, &err), &err);
    snprintf(name, sizeof name, "%s mel", clip);
    double w = check_rel(name, mel.data, out, mel.count);
    worst_rel_power = w > worst_rel_power ? w : worst_rel_power;
    /* dB mel. */
    CHECK_OK(feat_logmel(plan, xf, n, out, &err), &err);
    double d = max_abs(&db, out, 0, 0);
    CHECK_MSG(d <= TOL_DB, "%s dB max |d| %g", clip, d);
    printf("%-8s %3zu frames: dB max |d| %.3g", clip, nf, d);
    worst_db = d > worst_db ? d : worst_db;
    /* MFCC (T, 13) against torch (13, T); then MFCC + deltas (T, 39) against (39, T). */
    CHECK_OK(feat_mfcc(plan, xf, n, out, &err), &err);
    npy_array head = feats;
    head.shape[0] = 13;
    d = max_abs(&head, out, 1, 13);
    CHECK_MSG(d <= TOL_MFCC, "%s mfcc max |d| %g", clip, d);
    printf(", mfcc %.3g\n", d);
    worst_mfcc = d > worst_mfcc ? d : worst_mfcc;
    CHECK_OK(feat_mfcc_deltas(plan, xf, n, out, &err), &err);
    d = max_abs(&feats, out, 1, 39);
    CHECK_MSG(d <= TOL_MFCC, "%s mfcc+deltas max |d| %g", clip, d);
    worst_delta = d > worst_delta ? d : worst_delta;
    /* Summary (78,). */
    CHECK_OK(feat_summary(plan, xf, n, out, &err), &err);
    d = max_abs(&summary, out, 0, 0);
    CHECK_MSG(d <= TOL_MFCC, "%s summary max |d| %g", clip, d);
    worst_summary = d > worst_summary ? d : worst_summary;
    /* Image, where the fixture has one; and feat_summary_image gives the same bits. */
    snprintf(name, sizeof name, "features/%s_image.npy", clip);
    FILE *f = fopen(test_fixture(name), "rb");
    if (f) {
        fclose(f);
        snprintf(name, sizeof name, "%s_image", clip);
        if (load(name, &image) == 0) {
            float *img2 = out + 128 * 128, sum2[78];
            CHECK_OK(feat_logmel_image(plan, xf, n, out, &err), &err);
            d = max_abs(&image, out, 0, 0);
            CHECK_MSG(d <= TOL_DB, "%s image max |d| %g", clip, d);
            worst_image = d > worst_image ? d : worst_image;
            CHECK_OK(feat_summary_image(plan, xf, n, sum2, img2, &err), &err);
            CHECK(memcmp(out, img2, 128 * 128 * sizeof(float)) == 0);
            float sum1[78];
            CHECK_OK(feat_summary(plan, xf, n, sum1, &err), &err);
            CHECK(memcmp(sum1, sum2, sizeof sum1) == 0);
        }
    }
    free(xf);
out:
    free(out);
    feat_plan_free(plan);
    npy_release(&x);
    npy_release(&frames);
    npy_release(&stft);
    npy_release(&mel);
    npy_release(&db);
    npy_release(&feats);
    npy_release(&summary);
    npy_release(&image);
}

/* HTK scale, no norm, top_db 60, n_fft 512, hop 160, 40 mels, 20 MFCCs, 32x32 image. */
static void check_htk_variant(void)
{
    npy_array x = {0}, mel = {0}, db = {0}, feats = {0}, image = {0};
    feat_plan *plan = NULL;
    float *out = NULL, *xf = NULL;
    mlac_err err = {0};
    feat_params p;
    feat_params_default(&p);
    p.sample_rate = 16000;
    p.n_fft = 512;
    p.hop = 160;
    p.n_mels = 40;
    p.mel_scale = MEL_HTK;
    p.mel_norm = 0;
    p.f_min = 20.0f;
    p.f_max = 7600.0f;
    p.top_db = 60.0f;
    p.n_mfcc = 20;
    p.image_size = 32;
    if (load("chirp_x", &x) || load("htk_mel", &mel) || load("htk_db", &db) ||
        load("htk_feats", &feats) || load("htk_image", &image))
        goto out;
    CHECK_OK(feat_plan_new(&p, &plan, &err), &err);
    if (!plan)
        goto out;
    size_t n = x.count, nf = feat_n_frames(plan, n);
    CHECK(mel.shape[0] == 40 && mel.shape[1] == nf && feats.shape[0] == 60);
    xf = malloc(n * sizeof *xf);
    out = malloc(nf * 60 * sizeof *out);
    if (!xf || !out)
        goto out;
    for (size_t i = 0; i < n; i++)
        xf[i] = (float)x.data[i];
    CHECK_OK(feat_mel_power(plan, xf, n, out, &err), &err);
    double w = check_rel("htk mel", mel.data, out, mel.count);
    worst_rel_power = w > worst_rel_power ? w : worst_rel_power;
    CHECK_OK(feat_logmel(plan, xf, n, out, &err), &err);
    double d = max_abs(&db, out, 0, 0);
    CHECK_MSG(d <= TOL_DB, "htk dB max |d| %g", d);
    worst_db = d > worst_db ? d : worst_db;
    CHECK_OK(feat_mfcc_deltas(plan, xf, n, out, &err), &err);
    d = max_abs(&feats, out, 1, 60);
    CHECK_MSG(d <= TOL_MFCC, "htk mfcc+deltas max |d| %g", d);
    worst_delta = d > worst_delta ? d : worst_delta;
    CHECK_OK(feat_logmel_image(plan, xf, n, out, &err), &err);
    d = max_abs(&image, out, 0, 0);
    CHECK_MSG(d <= TOL_DB, "htk image max |d| %g", d);
    worst_image = d > worst_image ? d : worst_image;
out:
    free(xf);
    free(out);
    feat_plan_free(plan);
    npy_release(&x);
    npy_release(&mel);
    npy_release(&db);
    npy_release(&feats);
    npy_release(&image);
}

/* top_db <= 0: no floor, so the click clip's silent frames stay at -100 dB. */
static void check_no_floor(void)
{
    npy_array x = {0}, ref = {0};
    feat_plan *plan = NULL;
    float *xf = NULL, *out = NULL;
    mlac_err err = {0};
    feat_params p;
    feat_params_default(&p);
    p.top_db = 0.0f;
    if (load("click_x", &x) || load("click_db_nofloor", &ref))
        goto out;
    CHECK_OK(feat_plan_new(&p, &plan, &err), &err);
    xf = malloc(x.count * sizeof *xf);
    out = malloc(ref.count * sizeof *out);
    if (!plan || !xf || !out)
        goto out;
    for (size_t i = 0; i < x.count; i++)
        xf[i] = (float)x.data[i];
    CHECK(feat_n_frames(plan, x.count) * 128 == ref.count);
    CHECK_OK(feat_logmel(plan, xf, x.count, out, &err), &err);
    double d = max_abs(&ref, out, 0, 0);
    CHECK_MSG(d <= TOL_DB, "no-floor dB max |d| %g", d);
    worst_db = d > worst_db ? d : worst_db;
out:
    free(xf);
    free(out);
    feat_plan_free(plan);
    npy_release(&x);
    npy_release(&ref);
}

/* STFT power for other sizes against a naive DFT in double, written here from the definition:
 * reflect padding, periodic Hann window, X[k] = sum_j w[j] x[t*hop + j - n_fft/2] e^(-2 pi i jk/N). */
static void check_stft_naive(int n_fft, int hop, size_t n)
{
    feat_params p;
    feat_params_default(&p);
    p.n_fft = n_fft;
    p.hop = hop;
    p.n_mels = 8;
    p.n_mfcc = 8;
    feat_plan *plan = NULL;
    mlac_err err = {0};
    CHECK_OK(feat_plan_new(&p, &plan, &err), &err);
    size_t nf = 1 + n / (size_t)hop, nfreq = (size_t)n_fft / 2 + 1, pad = (size_t)n_fft / 2;
    float *x = malloc(n * sizeof *x), *out = malloc(nf * nfreq * sizeof *out);
    double *ref = malloc(nfreq * sizeof *ref), *c = malloc((size_t)n_fft * 2 * sizeof *c);
    if (!plan || !x || !out || !ref || !c)
        goto out;
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(sin(0.37 * (double)i) + 0.5 * cos(1.9 * (double)i * (double)i / (double)n));
    for (int j = 0; j < n_fft; j++) {
        c[2 * j] = cos(2 * M_PI * j / n_fft);
        c[2 * j + 1] = sin(2 * M_PI * j / n_fft);
    }
    CHECK_OK(feat_stft_power(plan, x, n, out, &err), &err);
    CHECK(feat_n_frames(plan, n) == nf);
    for (size_t t = 0; t < nf; t++) {
        for (size_t k = 0; k < nfreq; k++) {
            double re = 0, im = 0;
            for (size_t j = 0; j < (size_t)n_fft; j++) {
                long src = (long)(t * (size_t)hop + j) - (long)pad;
                if (src < 0)
                    src = -src;
                if (src >= (long)n)
                    src = 2 * ((long)n - 1) - src;
                double v = x[src] * (0.5 - 0.5 * c[2 * j]);
                size_t e = (j * k) % (size_t)n_fft;
                re += v * c[2 * e];
                im -= v * c[2 * e + 1];
            }
            ref[k] = re * re + im * im;
        }
        char name[64];
        snprintf(name, sizeof name, "naive stft n_fft %d frame %zu", n_fft, t);
        double w = check_rel(name, ref, out + t * nfreq, nfreq);
        worst_rel_power = w > worst_rel_power ? w : worst_rel_power;
    }
out:
    free(x);
    free(out);
    free(ref);
    free(c);
    feat_plan_free(plan);
}

static void check_fb(const char *name, int sr, int n_fft, int n_mels, int scale, int norm,
                     float f_min, float f_max)
{
    npy_array ref = {0};
    mlac_err err = {0};
    feat_params p;
    feat_params_default(&p);
    p.sample_rate = sr;
    p.n_fft = n_fft;
    p.hop = n_fft / 4;
    p.n_mels = n_mels;
    p.n_mfcc = 13 < n_mels ? 13 : n_mels;
    p.mel_scale = scale;
    p.mel_norm = norm;
    p.f_min = f_min;
    p.f_max = f_max;
    if (load(name, &ref))
        return;
    size_t n_freqs = (size_t)n_fft / 2 + 1;
    CHECK(ref.shape[0] == n_freqs && ref.shape[1] == (size_t)n_mels);
    float *fb = malloc(n_freqs * (size_t)n_mels * sizeof *fb);
    if (fb) {
        CHECK_OK(feat_melbank(&p, fb, &err), &err);
        double d = max_abs(&ref, fb, 1, n_freqs); /* fb is (n_mels, n_freqs) */
        CHECK_MSG(d <= 1e-6, "%s max |d| %g", name, d);
        printf("filterbank %s: max |d| %.3g\n", name, d);
    }
    free(fb);
    npy_release(&ref);
}

static void check_deltas_block(int t_len, int win)
{
    char name[64];
    npy_array in = {0}, ref = {0};
    snprintf(name, sizeof name, "deltas_in_%d", t_len);
    if (load(name, &in))
        return;
    snprintf(name, sizeof name, "deltas_out_%d_w%d", t_len, win);
    if (load(name, &ref) == 0) {
        float x[64], out[64];
        for (size_t i = 0; i < in.count && i < 64; i++)
            x[i] = (float)in.data[i];
        feat_deltas(x, in.shape[0], in.shape[1], win, out);
        double d = max_abs(&ref, out, 0, 0);
        CHECK_MSG(d <= 1e-6, "deltas T=%d win=%d max |d| %g", t_len, win, d);
    }
    npy_release(&in);
    npy_release(&ref);
}

static void check_resize_block(size_t oh, size_t ow)
{
    char name[64];
    npy_array in = {0}, ref = {0};
    if (load("resize_in", &in))
        return;
    snprintf(name, sizeof name, "resize_out_%zux%zu", oh, ow);
    if (load(name, &ref) == 0) {
        float x[70], out[256];
        for (size_t i = 0; i < 70; i++)
            x[i] = (float)in.data[i];
        feat_resize_bilinear(x, 7, 10, out, oh, ow);
        double d = max_abs(&ref, out, 0, 0);
        CHECK_MSG(d <= 1e-6, "resize to %zux%zu max |d| %g", oh, ow, d);
    }
    npy_release(&in);
    npy_release(&ref);
}

int main(void)
{
    static const char *clips[] = {"chirp", "noise", "vibrato", "click", "quiet", "short", "zeros"};
    for (size_t i = 0; i < sizeof clips / sizeof *clips; i++)
        check_clip(clips[i]);
    check_htk_variant();
    check_stft_naive(16, 4, 9);     /* shortest clip for n_fft 16, pad reaching both ends */
    check_stft_naive(16, 3, 40);
    check_stft_naive(128, 32, 300);
    check_stft_naive(1024, 256, 1500);
    check_no_floor();
    check_fb("fb_slaney", 22050, 1024, 64, MEL_SLANEY, 1, 0.0f, 0.0f);
    check_fb("fb_htk", 16000, 512, 40, MEL_HTK, 0, 20.0f, 7600.0f);
    check_fb("fb_odd_rate", 11025, 256, 20, MEL_SLANEY, 1, 0.0f, 0.0f);
    for (int t = 3; t <= 12; t += 9) {
        check_deltas_block(t, 5);
        check_deltas_block(t, 9);
    }
    check_resize_block(4, 13);
    check_resize_block(16, 3);
    check_resize_block(7, 10);
    printf("measured max |d|: dB %.3g, mfcc %.3g, mfcc+deltas %.3g, summary %.3g, image %.3g; "
           "power worst |d| / (|ref| + 0.01 max) %.3g\n",
           worst_db, worst_mfcc, worst_delta, worst_summary, worst_image, worst_rel_power);
    TEST_MAIN_END();
}

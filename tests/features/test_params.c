/* test_params.c — parameter validation, error paths, plan reuse and thread safety of plans.
 *
 * Every bad field must fail feat_params_check (and feat_plan_new) with MLAC_EINVAL and a message
 * naming the field; clips shorter than n_fft/2 + 1 or with non-finite samples are refused; a plan
 * gives the same bits whatever it computed before (scratch growth changes nothing), and plans
 * made and used in several threads at once agree with one made alone.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "features/features.h"
#include "test.h"

typedef struct bad_case {
    const char *field; /* must appear in the message */
    void (*mutate)(feat_params *p);
} bad_case;

#define BAD(name, field, stmt)                   \
    static void name(feat_params *p) { stmt; }
BAD(nfft_odd, "n_fft", p->n_fft = 1000)
BAD(nfft_small, "n_fft", p->n_fft = 8)
BAD(nfft_zero, "n_fft", p->n_fft = 0)
BAD(hop_zero, "hop", p->hop = 0)
BAD(hop_neg, "hop", p->hop = -5)
BAD(mels_zero, "n_mels", p->n_mels = 0)
BAD(mels_big, "n_mels", p->n_mels = 1026)
BAD(mfcc_zero, "n_mfcc", p->n_mfcc = 0)
BAD(mfcc_big, "n_mfcc", p->n_mfcc = 129)
BAD(sr_zero, "sample_rate", p->sample_rate = 0)
BAD(sr_big, "sample_rate", p->sample_rate = 10000000)
BAD(img_small, "image_size", p->image_size = 7)
BAD(img_big, "image_size", p->image_size = 1025)
BAD(fmax_big, "f_max", p->f_max = 11026.0f)
BAD(fmax_nan, "f_max", p->f_max = NAN)
BAD(fmin_neg, "f_min", p->f_min = -1.0f)
BAD(fmin_big, "f_min", p->f_min = 11025.0f)
BAD(topdb_inf, "top_db", p->top_db = INFINITY)
BAD(scale_bad, "mel_scale", p->mel_scale = 2)
BAD(norm_bad, "mel_norm", p->mel_norm = 3)
BAD(win_small, "delta_win", p->delta_win = 1)
BAD(win_even, "delta_win", p->delta_win = 8)

static const bad_case bad_cases[] = {
    {"n_fft", nfft_odd},       {"n_fft", nfft_small},   {"n_fft", nfft_zero},
    {"hop", hop_zero},         {"hop", hop_neg},        {"n_mels", mels_zero},
    {"n_mels", mels_big},      {"n_mfcc", mfcc_zero},   {"n_mfcc", mfcc_big},
    {"sample_rate", sr_zero},  {"sample_rate", sr_big}, {"image_size", img_small},
    {"image_size", img_big},   {"f_max", fmax_big},     {"f_max", fmax_nan},
    {"f_min", fmin_neg},       {"f_min", fmin_big},     {"top_db", topdb_inf},
    {"mel_scale", scale_bad},  {"mel_norm", norm_bad},  {"delta_win", win_small},
    {"delta_win", win_even},
};

static void test_params_check(void)
{
    feat_params p;
    mlac_err err = {0};
    feat_params_default(&p);
    CHECK_OK(feat_params_check(&p, &err), &err);
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        feat_params_default(&p);
        bad_cases[i].mutate(&p);
        mlac_err_clear(&err);
        int rc = feat_params_check(&p, &err);
        CHECK_MSG(rc == MLAC_EINVAL, "case %zu (%s) gave %d", i, bad_cases[i].field, rc);
        CHECK_MSG(strncmp(err.msg, bad_cases[i].field, strlen(bad_cases[i].field)) == 0,
                  "case %zu: message '%s' does not start with '%s'", i, err.msg, bad_cases[i].field);
        feat_plan *plan = (feat_plan *)&p; /* must be reset to NULL on failure */
        CHECK(feat_plan_new(&p, &plan, &err) == MLAC_EINVAL && plan == NULL);
    }
    /* Edges that are valid. */
    feat_params_default(&p);
    p.f_max = 11025.0f;
    p.n_mels = 1025;
    p.n_mfcc = 1025;
    p.image_size = 8;
    CHECK_OK(feat_params_check(&p, &err), &err);
    CHECK(feat_params_check(NULL, &err) == MLAC_EINVAL);
}

static void test_describe(void)
{
    feat_params a, b;
    char ta[512], tb[512];
    feat_params_default(&a);
    b = a;
    b.f_max = 11025.0f; /* the same as the default 0 */
    feat_params_describe(&a, ta, sizeof ta);
    feat_params_describe(&b, tb, sizeof tb);
    CHECK(strcmp(ta, tb) == 0);
    CHECK(strstr(ta, "n_fft=2048") && strstr(ta, "hop=512") && strstr(ta, "n_mels=128"));
    CHECK(strstr(ta, "mel_scale=slaney") && strstr(ta, "top_db=80") && strstr(ta, "f_max=11025"));
    for (int field = 0; field < 12; field++) {
        b = a;
        switch (field) {
        case 0: b.sample_rate = 16000; break;
        case 1: b.n_fft = 1024; break;
        case 2: b.hop = 256; break;
        case 3: b.n_mels = 64; break;
        case 4: b.mel_scale = MEL_HTK; break;
        case 5: b.mel_norm = 0; break;
        case 6: b.f_min = 50.0f; break;
        case 7: b.f_max = 8000.0f; break;
        case 8: b.top_db = 60.0f; break;
        case 9: b.n_mfcc = 20; break;
        case 10: b.delta_win = 5; break;
        default: b.image_size = 224; break;
        }
        feat_params_describe(&b, tb, sizeof tb);
        CHECK_MSG(strcmp(ta, tb) != 0, "changing field %d left the description unchanged", field);
    }
}

/* Deterministic test signal: two tones and a little LCG noise. */
static void make_clip(float *x, size_t n, unsigned seed)
{
    unsigned s = seed;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        double noise = ((s >> 8) / 16777216.0 - 0.5) * 0.02;
        x[i] = (float)(0.3 * sin(0.05 * (double)i) + 0.1 * sin(0.31 * (double)i + seed) + noise);
    }
}

static void test_clip_errors(void)
{
    feat_params p;
    feat_plan *plan = NULL;
    mlac_err err = {0};
    feat_params_default(&p);
    CHECK_OK(feat_plan_new(&p, &plan, &err), &err);
    if (!plan)
        return;
    float x[2048], out[4 * 1025];
    make_clip(x, 2048, 1);
    CHECK(feat_n_frames(plan, 1025) == 3 && feat_n_frames(plan, 22050 * 5) == 216);
    CHECK(feat_n_freqs(plan) == 1025);
    int (*fns[])(feat_plan *, const float *, size_t, float *, mlac_err *) = {
        feat_stft_power, feat_mel_power, feat_logmel, feat_mfcc,
        feat_mfcc_deltas, feat_summary, feat_logmel_image};
    float *big = malloc(128 * 128 * sizeof *big);
    for (size_t i = 0; big && i < sizeof fns / sizeof *fns; i++) {
        mlac_err_clear(&err);
        CHECK(fns[i](plan, x, 1024, big, &err) == MLAC_EINVAL);
        CHECK_MSG(strstr(err.msg, "too short") && strstr(err.msg, "1024") && strstr(err.msg, "1025"),
                  "message: %s", err.msg);
        CHECK_OK(fns[i](plan, x, 1025, big, &err), &err);
    }
    free(big);
    CHECK(feat_summary(plan, NULL, 2048, out, &err) == MLAC_EINVAL);
    x[5] = NAN;
    CHECK(feat_summary(plan, x, 2048, out, &err) == MLAC_EINVAL && strstr(err.msg, "sample 5"));
    x[5] = INFINITY;
    CHECK(feat_mfcc(plan, x, 2048, out, &err) == MLAC_EINVAL && strstr(err.msg, "not finite"));
    feat_plan_free(plan);
    feat_plan_free(NULL);
    /* deltas with a window under 3 give zeros, never NaN. */
    float d_in[6] = {1, 2, 3, 4, 5, 6}, d_out[6];
    feat_deltas(d_in, 3, 2, 1, d_out);
    for (int i = 0; i < 6; i++)
        CHECK(d_out[i] == 0.0f);
}

/* The same clip gives the same bits from a fresh plan and from one that has seen a longer and
 * a shorter clip before (scratch regrown, stale data left in it). */
static void test_plan_reuse(void)
{
    size_t n_long = 22050 * 4, n = 22050 * 2 + 77;
    float *x = malloc(n_long * sizeof *x), s1[78], s2[78];
    float *i1 = malloc(2 * 128 * 128 * sizeof *i1), *i2 = i1 ? i1 + 128 * 128 : NULL;
    feat_params p;
    feat_plan *fresh = NULL, *used = NULL;
    mlac_err err = {0};
    feat_params_default(&p);
    if (!x || !i1)
        goto out;
    make_clip(x, n_long, 3);
    CHECK_OK(feat_plan_new(&p, &fresh, &err), &err);
    CHECK_OK(feat_plan_new(&p, &used, &err), &err);
    if (!fresh || !used)
        goto out;
    CHECK_OK(feat_summary_image(used, x + 5, 3000, s2, i2, &err), &err);
    CHECK_OK(feat_summary_image(used, x, n_long, s2, i2, &err), &err);
    CHECK_OK(feat_summary_image(used, x + 11, 5000, s2, i2, &err), &err);
    CHECK_OK(feat_summary_image(used, x + 1, n, s2, i2, &err), &err);
    CHECK_OK(feat_summary_image(fresh, x + 1, n, s1, i1, &err), &err);
    CHECK(memcmp(s1, s2, sizeof s1) == 0);
    CHECK(memcmp(i1, i2, 128 * 128 * sizeof *i1) == 0);
    for (int i = 0; i < 78; i++)
        CHECK(isfinite(s1[i]));
out:
    feat_plan_free(fresh);
    feat_plan_free(used);
    free(x);
    free(i1);
}

/* Plans made, used and freed in several threads at once (the FFTW planner is serialised). */
#define N_THREADS 4
typedef struct thread_job {
    const float *x;
    size_t n;
    float summary[78];
    int rc;
} thread_job;

static void *thread_main(void *arg)
{
    thread_job *job = arg;
    feat_params p;
    feat_params_default(&p);
    for (int round = 0; round < 8 && job->rc == 0; round++) {
        feat_plan *plan = NULL;
        mlac_err err = {0};
        job->rc = feat_plan_new(&p, &plan, &err);
        if (job->rc == 0)
            job->rc = feat_summary(plan, job->x, job->n, job->summary, &err);
        feat_plan_free(plan);
    }
    return NULL;
}

static void test_threads(void)
{
    size_t n = 22050;
    float *x = malloc(n * sizeof *x), ref[78];
    if (!x)
        return;
    make_clip(x, n, 9);
    feat_params p;
    feat_plan *plan = NULL;
    mlac_err err = {0};
    feat_params_default(&p);
    CHECK_OK(feat_plan_new(&p, &plan, &err), &err);
    if (plan)
        CHECK_OK(feat_summary(plan, x, n, ref, &err), &err);
    feat_plan_free(plan);
    pthread_t th[N_THREADS];
    thread_job jobs[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
        jobs[i] = (thread_job){.x = x, .n = n};
        CHECK(pthread_create(&th[i], NULL, thread_main, &jobs[i]) == 0);
    }
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK(jobs[i].rc == 0);
        CHECK(memcmp(jobs[i].summary, ref, sizeof ref) == 0);
    }
    free(x);
}

int main(void)
{
    test_params_check();
    test_describe();
    test_clip_errors();
    test_plan_reuse();
    test_threads();
    TEST_MAIN_END();
}

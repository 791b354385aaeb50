/* test_load_reuse.c — audio_load_reuse (per-thread buffers, no intermediate copies) against the
 * allocating path it replaced: audio_decode, then audio_resample (soxr), then audio_fix_length.
 *
 * The reference is composed here from those three public steps, so a reuse path that decodes,
 * resamples, places or pads differently fails. Cases: 44.1 -> 22.05 kHz (2:1) and 48 -> 16 kHz
 * (3:1), the ratios the issue names, and 48 -> 22.05 kHz; crop and pad, centre/start/random
 * (the same draws), no resampling, stereo, natural length. One scratch is reused across every
 * case (larger after smaller clips and back), so stale samples from an earlier clip would show.
 * Then the feature level: the summary and image of each clip through one feat_plan, identical
 * whichever path made the clip; and the same clips on 1 and 2 threads (one scratch and plan per
 * worker) give identical features. Samples are compared exactly: the same soxr call on the same
 * input must give the same bits.
 */
#include "audio/audio.h"
#include "audio_testutil.h"
#include "core/pool.h"
#include "features/features.h"
#include "test.h"

#include <stdio.h>

/* The old allocating pipeline, step by step. */
static int reference_load(const sndmem *m, int rate, double seconds, enum audio_offset where, rng *r,
                          audio_clip *out, double *rms, mlac_err *err)
{
    int rc = audio_decode(m->d, (size_t)m->n, "ref.wav", out, NULL, err);
    if (rc)
        return rc;
    double ss = 0;
    for (size_t i = 0; i < out->n; i++)
        ss += (double)out->samples[i] * out->samples[i];
    *rms = sqrt(ss / (double)out->n);
    if ((rc = audio_resample(out, rate, "ref.wav", err)) ||
        (seconds > 0 && (rc = audio_fix_length(out, (size_t)round(seconds * rate), where, r, err))))
        audio_clip_release(out);
    return rc;
}

static void encode_clip(sndmem *m, int from, int channels, double seconds, unsigned seed)
{
    size_t n = (size_t)(seconds * from);
    float *x = malloc(n * (size_t)channels * sizeof *x); /* (n, channels) */
    uint32_t s = seed;
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < channels; c++) {
            s = s * 1664525u + 1013904223u; /* white noise up to the input's Nyquist plus tones */
            double noise = ((double)(s >> 8) / 16777216.0 - 0.5) * 0.2;
            x[i * (size_t)channels + (size_t)c] = (float)(0.5 * test_signal((double)i / from + c) + noise);
        }
    CHECK(sndmem_encode(m, SF_FORMAT_WAV | SF_FORMAT_FLOAT, channels, from, x, n) == 0);
    free(x);
}

struct load_case {
    int from, to, channels;
    double clip_s, seconds; /* the file's length, the wanted length (0: natural) */
    enum audio_offset where;
};

static const struct load_case cases[] = {
    {44100, 22050, 1, 5.0, 5.0, AUDIO_OFFSET_CENTRE},  /* the bench clip: exact length */
    {44100, 22050, 1, 7.3, 5.0, AUDIO_OFFSET_CENTRE},  /* crop */
    {48000, 16000, 1, 6.1, 5.0, AUDIO_OFFSET_RANDOM},  /* 3:1, crop at a drawn offset */
    {48000, 16000, 2, 2.2, 5.0, AUDIO_OFFSET_CENTRE},  /* 3:1 stereo, pad */
    {44100, 22050, 1, 1.3, 5.0, AUDIO_OFFSET_RANDOM},  /* pad at a drawn offset */
    {48000, 22050, 1, 3.0, 0.0, AUDIO_OFFSET_CENTRE},  /* odd ratio, natural length */
    {22050, 22050, 1, 6.0, 5.0, AUDIO_OFFSET_START},   /* no resampling, crop */
    {22050, 22050, 2, 2.0, 5.0, AUDIO_OFFSET_CENTRE},  /* no resampling, stereo, pad */
    {44100, 22050, 1, 0.5, 0.0, AUDIO_OFFSET_CENTRE},  /* short clip after long ones */
};
#define N_CASES (sizeof cases / sizeof cases[0])

static void test_same_samples(audio_scratch *s, feat_plan *plan)
{
    for (size_t k = 0; k < N_CASES; k++) {
        const struct load_case *c = &cases[k];
        sndmem m;
        encode_clip(&m, c->from, c->channels, c->clip_s, 7u + (unsigned)k);
        mlac_err err = {0};
        rng r1, r2;
        rng_seed(&r1, 42 + k);
        rng_seed(&r2, 42 + k);
        audio_clip ref = {0}, view;
        double rms_ref = 0, rms = -1;
        audio_info info;
        CHECK_OK(reference_load(&m, c->to, c->seconds, c->where, &r1, &ref, &rms_ref, &err), &err);
        CHECK_OK(audio_load_reuse(s, m.d, (size_t)m.n, "reuse.wav", c->to, c->seconds, c->where, &r2, &view, &info,
                                  &rms, &err),
                 &err);
        CHECK_MSG(view.n == ref.n && view.rate == c->to, "case %zu: %zu frames at %d Hz, want %zu", k, view.n,
                  view.rate, ref.n);
        double max_d = 0;
        for (size_t i = 0; view.n == ref.n && i < ref.n; i++)
            max_d = fmax(max_d, fabs((double)view.samples[i] - ref.samples[i]));
        printf("  %5d -> %5d Hz, %d ch, %.1f s -> %.1f s: max |reuse - soxr path| = %g\n", c->from, c->to,
               c->channels, c->clip_s, c->seconds, max_d);
        CHECK_MSG(max_d == 0, "case %zu: samples differ by up to %g", k, max_d);
        CHECK(rms == rms_ref);
        CHECK(info.rate == c->from && info.channels == c->channels);
        CHECK_MSG(rng_u64(&r1) == rng_u64(&r2), "case %zu: the random placement drew differently", k);
        /* the old public entry point (now built on the reuse path) agrees too */
        audio_clip owned;
        rng_seed(&r2, 42 + k);
        CHECK_OK(audio_load(m.d, (size_t)m.n, "owned.wav", c->to, c->seconds, c->where, &r2, &owned, &err), &err);
        CHECK(owned.n == ref.n && !memcmp(owned.samples, ref.samples, ref.n * sizeof *ref.samples));
        audio_clip_release(&owned);
        if (c->to == 22050 && c->seconds > 0) { /* feature level: the same summary and image */
            float sum_a[78], sum_b[78], *img_a = malloc(128 * 128 * sizeof(float)), *img_b = malloc(128 * 128 * sizeof(float));
            CHECK_OK(feat_summary_image(plan, ref.samples, ref.n, sum_a, img_a, &err), &err);
            CHECK_OK(feat_summary_image(plan, view.samples, view.n, sum_b, img_b, &err), &err);
            CHECK(!memcmp(sum_a, sum_b, sizeof sum_a) && !memcmp(img_a, img_b, 128 * 128 * sizeof(float)));
            free(img_a), free(img_b);
        }
        audio_clip_release(&ref);
        free(m.d);
    }
}

static void test_errors(audio_scratch *s)
{
    mlac_err err = {0};
    audio_clip view;
    unsigned char junk[64] = "RIFF....WAVEjunk";
    CHECK(audio_load_reuse(s, junk, sizeof junk, "junk.wav", 22050, 5.0, AUDIO_OFFSET_CENTRE, NULL, &view, NULL,
                           NULL, &err) == MLAC_EFORMAT);
    CHECK(strstr(err.msg, "junk.wav") != NULL && view.samples == NULL && view.n == 0);
    sndmem m;
    encode_clip(&m, 44100, 1, 0.5, 1);
    CHECK(audio_load_reuse(s, m.d, (size_t)m.n, "norng.wav", 22050, 5.0, AUDIO_OFFSET_RANDOM, NULL, &view, NULL,
                           NULL, &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "norng.wav") != NULL);
    CHECK(audio_load_reuse(s, m.d, (size_t)m.n, "rate.wav", 0, 5.0, AUDIO_OFFSET_CENTRE, NULL, &view, NULL, NULL,
                           &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "rate.wav") != NULL);
    free(m.d);
}

/* The bench's loop: clips on T workers, one scratch and one plan each. */
struct thread_job {
    sndmem *files;          /* (N_THREAD_CLIPS,) */
    audio_scratch *scratch; /* (threads,) */
    feat_plan **plans;      /* (threads,) */
    float *summary;         /* (N_THREAD_CLIPS, 78) */
    int failed;
};
#define N_THREAD_CLIPS 12

static void thread_one(void *ctx, size_t i, int w)
{
    struct thread_job *job = ctx;
    mlac_err err;
    audio_clip view;
    if (audio_load_reuse(&job->scratch[w], job->files[i].d, (size_t)job->files[i].n, "t.wav", 22050, 2.0,
                         AUDIO_OFFSET_CENTRE, NULL, &view, NULL, NULL, &err) ||
        feat_summary(job->plans[w], view.samples, view.n, job->summary + i * 78, &err))
        job->failed = 1;
}

static void test_threads(void)
{
    sndmem files[N_THREAD_CLIPS];
    for (int i = 0; i < N_THREAD_CLIPS; i++) /* lengths vary so the scratch grows and shrinks in use */
        encode_clip(&files[i], i % 2 ? 48000 : 44100, 1 + i % 3 / 2, 1.0 + 0.4 * (i % 5), 100u + (unsigned)i);
    float *out[2];
    for (int t = 1; t <= 2; t++) {
        feat_params p;
        feat_params_default(&p);
        audio_scratch scratch[2] = {{0}};
        feat_plan *plans[2] = {0};
        mlac_err err = {0};
        for (int w = 0; w < t; w++)
            CHECK_OK(feat_plan_new(&p, &plans[w], &err), &err);
        struct thread_job job = {files, scratch, plans, calloc(N_THREAD_CLIPS * 78, sizeof(float)), 0};
        pool_for(t, N_THREAD_CLIPS, thread_one, &job);
        CHECK(!job.failed);
        out[t - 1] = job.summary;
        for (int w = 0; w < t; w++) {
            feat_plan_free(plans[w]);
            audio_scratch_release(&scratch[w]);
        }
    }
    CHECK_MSG(!memcmp(out[0], out[1], N_THREAD_CLIPS * 78 * sizeof(float)), "features differ between 1 and 2 threads");
    free(out[0]), free(out[1]);
    for (int i = 0; i < N_THREAD_CLIPS; i++)
        free(files[i].d);
}

int main(void)
{
    printf("audio_load_reuse against decode + audio_resample (soxr) + audio_fix_length:\n");
    audio_scratch s = {0};
    feat_params p;
    feat_params_default(&p);
    feat_plan *plan;
    mlac_err err = {0};
    CHECK_OK(feat_plan_new(&p, &plan, &err), &err);
    test_same_samples(&s, plan);
    test_same_samples(&s, plan); /* again with every buffer already grown */
    test_errors(&s);
    audio_scratch_release(&s);
    feat_plan_free(plan);
    test_threads();
    TEST_MAIN_END();
}

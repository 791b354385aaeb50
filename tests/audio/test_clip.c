/* test_clip.c — audio_fix_length placement (exact indices), random offsets (reproducible and
 * covering every placement), argument errors, and audio_load = decode + resample + fix length.
 *
 * Samples are 1..n so zero padding and the kept window are both visible in the output.
 */
#include "audio/audio.h"
#include "audio_testutil.h"
#include "test.h"

static audio_clip ramp(size_t n)
{
    audio_clip c = {malloc(n * sizeof(float)), n, 1000};
    for (size_t i = 0; i < n; i++)
        c.samples[i] = (float)(i + 1);
    return c;
}

/* fix ramp(n) to n_out and compare with want (n_out,) */
static void expect_fix(size_t n, size_t n_out, enum audio_offset where, const float *want)
{
    audio_clip c = ramp(n);
    mlac_err err = {0};
    CHECK_OK(audio_fix_length(&c, n_out, where, NULL, &err), &err);
    CHECK(c.n == n_out && c.rate == 1000);
    int same = c.n == n_out;
    for (size_t i = 0; same && i < n_out; i++)
        same = c.samples[i] == want[i];
    CHECK_MSG(same, "fix %zu -> %zu (mode %d) placed wrongly", n, n_out, (int)where);
    audio_clip_release(&c);
}

static void test_placement(void)
{
    expect_fix(10, 4, AUDIO_OFFSET_CENTRE, (float[]){4, 5, 6, 7});
    expect_fix(10, 3, AUDIO_OFFSET_CENTRE, (float[]){4, 5, 6});
    expect_fix(10, 4, AUDIO_OFFSET_START, (float[]){1, 2, 3, 4});
    expect_fix(4, 10, AUDIO_OFFSET_CENTRE, (float[]){0, 0, 0, 1, 2, 3, 4, 0, 0, 0});
    expect_fix(4, 9, AUDIO_OFFSET_CENTRE, (float[]){0, 0, 1, 2, 3, 4, 0, 0, 0});
    expect_fix(4, 7, AUDIO_OFFSET_START, (float[]){1, 2, 3, 4, 0, 0, 0});
    expect_fix(1, 3, AUDIO_OFFSET_CENTRE, (float[]){0, 1, 0});
    expect_fix(5, 5, AUDIO_OFFSET_CENTRE, (float[]){1, 2, 3, 4, 5});
    expect_fix(5, 1, AUDIO_OFFSET_CENTRE, (float[]){3});
}

/* Offset of the kept window (crop) or of the clip inside the padding (pad); -1 if the output is
 * not a contiguous placement of the ramp. */
static long found_offset(const audio_clip *c, size_t n_in)
{
    if (n_in > c->n) { /* crop: out[i] = in[o + i] = o + i + 1 */
        long o = (long)c->samples[0] - 1;
        for (size_t i = 0; i < c->n; i++)
            if (c->samples[i] != (float)(o + (long)i + 1))
                return -1;
        return o;
    }
    long o = -1; /* pad: zeros, 1..n_in, zeros */
    for (size_t i = 0; i < c->n; i++)
        if (c->samples[i] == 1.0f) {
            o = (long)i;
            break;
        }
    if (o < 0)
        return -1;
    for (size_t i = 0; i < c->n; i++) {
        long k = (long)i - o;
        float want = (k >= 0 && k < (long)n_in) ? (float)(k + 1) : 0.0f;
        if (c->samples[i] != want)
            return -1;
    }
    return o;
}

static void test_random(size_t n_in, size_t n_out)
{
    size_t d = n_in > n_out ? n_in - n_out : n_out - n_in;
    size_t *hits = calloc(d + 1, sizeof *hits); /* (d + 1,) */
    int draws = 100 * (int)(d + 1), bad = 0;
    mlac_err err = {0};
    for (int s = 0; s < draws; s++) {
        rng r, r2;
        rng_seed(&r, (uint64_t)s);
        rng_seed(&r2, (uint64_t)s);
        audio_clip a = ramp(n_in), b = ramp(n_in);
        CHECK_OK(audio_fix_length(&a, n_out, AUDIO_OFFSET_RANDOM, &r, &err), &err);
        CHECK_OK(audio_fix_length(&b, n_out, AUDIO_OFFSET_RANDOM, &r2, &err), &err);
        long o = found_offset(&a, n_in);
        /* the contract: offset = rng_below(r, d + 1) from the generator as given */
        rng r3;
        rng_seed(&r3, (uint64_t)s);
        long want = (long)rng_below(&r3, d + 1);
        if (o != want || a.n != n_out || memcmp(a.samples, b.samples, n_out * sizeof(float)) != 0)
            bad++;
        else
            hits[o]++;
        audio_clip_release(&a);
        audio_clip_release(&b);
    }
    CHECK_MSG(bad == 0, "random %zu -> %zu: %d draws misplaced or not reproducible", n_in, n_out,
              bad);
    size_t least = (size_t)draws;
    for (size_t k = 0; k <= d; k++)
        least = hits[k] < least ? hits[k] : least;
    printf("  random %zu -> %zu: %zu placements, each drawn >= %zu times of %d\n", n_in, n_out,
           d + 1, least, draws);
    CHECK_MSG(least >= 50, "random %zu -> %zu: some placement drawn only %zu times", n_in, n_out,
              least);
    free(hits);
}

static void test_errors(void)
{
    mlac_err err = {0};
    audio_clip c = ramp(8);
    float *before = c.samples;
    CHECK(audio_fix_length(&c, 4, AUDIO_OFFSET_RANDOM, NULL, &err) == MLAC_EINVAL);
    CHECK(audio_fix_length(&c, 0, AUDIO_OFFSET_CENTRE, NULL, &err) == MLAC_EINVAL);
    CHECK(audio_fix_length(&c, AUDIO_MAX_FRAMES + 1, AUDIO_OFFSET_CENTRE, NULL, &err) ==
          MLAC_EINVAL);
    CHECK(audio_fix_length(&c, 4, (enum audio_offset)7, NULL, &err) == MLAC_EINVAL);
    CHECK(c.samples == before && c.n == 8 && c.samples[7] == 8.0f);

    /* equal length: untouched and nothing drawn from the generator */
    rng r, r0;
    rng_seed(&r, 5);
    r0 = r;
    CHECK_OK(audio_fix_length(&c, 8, AUDIO_OFFSET_RANDOM, &r, &err), &err);
    CHECK(c.samples == before && memcmp(&r, &r0, sizeof r) == 0);
    audio_clip_release(&c);
    CHECK(c.samples == NULL && c.n == 0);
    audio_clip_release(&c); /* twice is harmless */
    audio_clip_release(NULL);
}

static void test_load(void)
{
    int rate = 44100, ch = 2;
    size_t n = 2 * (size_t)rate;
    float *x = malloc(n * (size_t)ch * sizeof *x); /* (n, ch) */
    for (size_t i = 0; i < n; i++) {
        x[2 * i] = (float)test_signal((double)i / rate);
        x[2 * i + 1] = (float)(0.5 * test_signal((double)i / rate + 0.003));
    }
    sndmem m;
    CHECK(sndmem_encode(&m, SF_FORMAT_WAV | SF_FORMAT_PCM_16, ch, rate, x, n) == 0);
    mlac_err err = {0};

    /* the same steps by hand */
    audio_clip ref;
    CHECK_OK(audio_decode(m.d, (size_t)m.n, "load.wav", &ref, NULL, &err), &err);
    CHECK_OK(audio_resample(&ref, 22050, "load.wav", &err), &err);
    CHECK(ref.n == 44100);

    audio_clip c;
    CHECK_OK(
        audio_load(m.d, (size_t)m.n, "load.wav", 22050, 0, AUDIO_OFFSET_CENTRE, NULL, &c, &err),
        &err);
    CHECK(c.n == ref.n && c.rate == 22050 &&
          memcmp(c.samples, ref.samples, c.n * sizeof(float)) == 0);
    audio_clip_release(&c);

    CHECK_OK(
        audio_load(m.d, (size_t)m.n, "load.wav", 22050, 1.0, AUDIO_OFFSET_CENTRE, NULL, &c, &err),
        &err);
    CHECK(c.n == 22050 && memcmp(c.samples, ref.samples + 11025, 22050 * sizeof(float)) == 0);
    audio_clip_release(&c);

    CHECK_OK(
        audio_load(m.d, (size_t)m.n, "load.wav", 22050, 3.0, AUDIO_OFFSET_START, NULL, &c, &err),
        &err);
    CHECK(c.n == 66150 && memcmp(c.samples, ref.samples, ref.n * sizeof(float)) == 0 &&
          c.samples[66149] == 0.0f);
    audio_clip_release(&c);

    rng r;
    rng_seed(&r, 42);
    CHECK_OK(
        audio_load(m.d, (size_t)m.n, "load.wav", 22050, 0.5, AUDIO_OFFSET_RANDOM, &r, &c, &err),
        &err);
    rng_seed(&r, 42);
    size_t o = (size_t)rng_below(&r, 44100 - 11025 + 1);
    CHECK(c.n == 11025 && memcmp(c.samples, ref.samples + o, 11025 * sizeof(float)) == 0);
    audio_clip_release(&c);

    /* failures name the clip and leave the output empty */
    CHECK(audio_load(m.d, (size_t)m.n, "load.wav", 22050, 0.5, AUDIO_OFFSET_RANDOM, NULL, &c,
                     &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "load.wav") != NULL && c.samples == NULL && c.n == 0);
    CHECK(audio_load(m.d, (size_t)m.n, "load.wav", 0, 1.0, AUDIO_OFFSET_CENTRE, NULL, &c, &err) ==
          MLAC_EINVAL);
    CHECK(strstr(err.msg, "load.wav") != NULL && c.samples == NULL);
    CHECK(audio_load(m.d, 10, "cut.wav", 22050, 1.0, AUDIO_OFFSET_CENTRE, NULL, &c, &err) ==
          MLAC_EFORMAT);
    CHECK(strstr(err.msg, "cut.wav") != NULL && c.samples == NULL);
    CHECK(audio_load(m.d, (size_t)m.n, "load.wav", 22050, 1e300, AUDIO_OFFSET_CENTRE, NULL, &c,
                     &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "load.wav") != NULL && c.samples == NULL);

    audio_clip_release(&ref);
    free(m.d);
    free(x);
}

int main(void)
{
    test_placement();
    test_random(10, 4);
    test_random(3, 9);
    test_random(1, 2);
    test_errors();
    test_load();
    TEST_MAIN_END();
}

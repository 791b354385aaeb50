/* test_synth.c — the synthetic dataset: determinism, layout, levels, SNR, WAV encoding.
 *
 * References are independent of the generator: SNRs are re-measured from the rendered mix and
 * its background, WAV files are read back with libsndfile directly (not through mlac's
 * decoder), and determinism is checked by comparing bytes written with 1 and 2 threads.
 */
#include "audio/audio.h"
#include "core/fsutil.h"
#include "store/store.h"
#include "synth/synth.h"
#include "test.h"

#include <ftw.h>
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static double power(const float *x, size_t n)
{
    double acc = 0.0;
    for (size_t i = 0; i < n; i++)
        acc += (double)x[i] * x[i];
    return n ? acc / (double)n : 0.0;
}

static void test_options(void)
{
    synth_options o;
    mlac_err err;
    synth_options_default(&o);
    CHECK(o.seed == 42 && o.per_class == 200 && o.rate == 22050 && o.seconds == 5.0 && o.n_species == 3);
    CHECK_OK(synth_options_check(&o, &err), &err);
    synth_options b = o;
    b.per_class = 0;
    CHECK(synth_options_check(&b, &err) == MLAC_EINVAL && strstr(err.msg, "--per-class"));
    b = o;
    b.rate = 4000;
    CHECK(synth_options_check(&b, &err) == MLAC_EINVAL && strstr(err.msg, "--rate"));
    b = o;
    b.snr_min = 5;
    b.snr_max = 1;
    CHECK(synth_options_check(&b, &err) == MLAC_EINVAL && strstr(err.msg, "--snr"));
    b = o;
    b.seconds = NAN;
    CHECK(synth_options_check(&b, &err) == MLAC_EINVAL && strstr(err.msg, "--seconds"));
    b = o;
    b.species[1] = "wolf";
    CHECK(synth_options_check(&b, &err) == MLAC_EINVAL && strstr(err.msg, "'wolf'"));
    b = o;
    b.species[1] = "coyote";
    CHECK(synth_options_check(&b, &err) == MLAC_EINVAL && strstr(err.msg, "twice"));
    CHECK(synth_species_find("bullfrog") == SYNTH_BULLFROG && synth_species_find("Bullfrog") == -1);
}

/* synth_mix against an SNR measured here from its inputs and output. */
static void test_mix(void)
{
    size_t n = 20000, n_ev = 5000;
    float *bg = malloc(n * sizeof *bg), *orig = malloc(n * sizeof *orig), *ev = malloc(n_ev * sizeof *ev);
    rng r;
    rng_seed(&r, 7);
    for (size_t i = 0; i < n; i++)
        orig[i] = (float)(0.3 * rng_normal(&r) * (i < n / 2 ? 1.0 : 3.0)); /* louder second half */
    for (size_t i = 0; i < n_ev; i++)
        ev[i] = (float)sin(0.05 * i) * (float)(i % 700) / 700.0f;
    const double snrs[] = {-6.0, 0.0, 12.5, 30.0};
    const size_t offsets[] = {0, 8000, 17000}; /* the last one cuts the event at the end */
    for (size_t k = 0; k < 4; k++)
        for (size_t j = 0; j < 3; j++) {
            memcpy(bg, orig, n * sizeof *bg);
            size_t off = offsets[j], m = off + n_ev > n ? n - off : n_ev;
            double g = synth_mix(bg, n, ev, n_ev, off, snrs[k]);
            CHECK(g > 0.0);
            double pe = 0.0;
            for (size_t i = 0; i < m; i++)
                pe += (double)(bg[off + i] - orig[off + i]) * (bg[off + i] - orig[off + i]);
            double snr = 10.0 * log10(pe / m / power(orig + off, m));
            CHECK_NEAR(snr, snrs[k], 0.01);
            int untouched = 1;
            for (size_t i = 0; i < n; i++)
                if ((i < off || i >= off + m) && bg[i] != orig[i])
                    untouched = 0;
            CHECK(untouched);
        }
    memset(bg, 0, n * sizeof *bg);
    CHECK(synth_mix(bg, n, ev, n_ev, 0, 0.0) == 0.0); /* silent background: nothing to scale to */
    CHECK(synth_mix(bg, n, ev, n_ev, n, 0.0) == 0.0); /* offset past the end */
    free(bg);
    free(orig);
    free(ev);
}

static int same_clip(const audio_clip *a, const audio_clip *b)
{
    return a->n == b->n && a->rate == b->rate && !memcmp(a->samples, b->samples, a->n * sizeof *a->samples);
}

/* Position of needle inside hay (exact samples), or -1. */
static long find_window(const audio_clip *hay, const audio_clip *needle)
{
    for (size_t s = 0; s + needle->n <= hay->n; s++)
        if (hay->samples[s] == needle->samples[0] &&
            !memcmp(hay->samples + s, needle->samples, needle->n * sizeof *needle->samples))
            return (long)s;
    return -1;
}

static int clip_sane(const audio_clip *c)
{
    float peak = 0.0f;
    for (size_t i = 0; i < c->n; i++) {
        if (!isfinite(c->samples[i]))
            return 0;
        peak = fabsf(c->samples[i]) > peak ? fabsf(c->samples[i]) : peak;
    }
    return peak > 0.01f && peak < 1.0f;
}

static void test_render(void)
{
    synth_options o;
    mlac_err err;
    synth_options_default(&o);
    o.rate = 16000;
    audio_clip a, a5, b, c;
    synth_clip_info info;
    for (int sp = 0; sp < SYNTH_N_SPECIES; sp++)
        for (int pos = 0; pos <= 1; pos++)
            for (size_t idx = 0; idx < 3; idx++) {
                CHECK_OK(synth_render(&o, sp, pos, idx, &a, &a5, &info, &err), &err);
                CHECK(a.n == 80000 && a.rate == 16000 && clip_sane(&a));
                CHECK(same_clip(&a, &a5)); /* at 5 s the twin is the clip */
                if (pos)
                    CHECK_MSG(!strcmp(info.event, synth_species_name(sp)), "%s", info.event);
                else
                    CHECK_MSG(strcmp(info.event, synth_species_name(sp)) != 0, "%s", info.event);
                if (strcmp(info.event, "none")) {
                    CHECK(info.snr_db >= o.snr_min && info.snr_db <= o.snr_max);
                    CHECK(info.onset_s >= 0.0 && info.onset_s + info.event_s <= 5.0 + 1e-9 &&
                          info.event_s > 0.0);
                }
                CHECK(info.background[0] != '\0');
                CHECK_OK(synth_render(&o, sp, pos, idx, &b, NULL, NULL, &err), &err);
                CHECK(same_clip(&a, &b)); /* same coordinates, same samples */
                audio_clip_release(&b);
                CHECK_OK(synth_render(&o, sp, pos, idx + 1, &c, NULL, NULL, &err), &err);
                CHECK(!same_clip(&a, &c));
                audio_clip_release(&c);
                audio_clip_release(&a);
                audio_clip_release(&a5);
            }
    synth_options o2 = o;
    o2.seed = 43;
    CHECK_OK(synth_render(&o, SYNTH_COYOTE, 1, 0, &a, NULL, NULL, &err), &err);
    CHECK_OK(synth_render(&o2, SYNTH_COYOTE, 1, 0, &b, NULL, NULL, &err), &err);
    CHECK(!same_clip(&a, &b));
    audio_clip_release(&a);
    audio_clip_release(&b);

    /* shorter and longer clips: the other window holds the same samples */
    const double lengths[] = {2.0, 7.25};
    for (int k = 0; k < 2; k++) {
        o.seconds = lengths[k];
        for (int sp = 0; sp < SYNTH_N_SPECIES; sp++) {
            CHECK_OK(synth_render(&o, sp, 1, 5, &a, &a5, &info, &err), &err);
            CHECK(a.n == (size_t)llround(lengths[k] * 16000) && a5.n == 80000);
            CHECK(clip_sane(&a) && clip_sane(&a5));
            CHECK(info.onset_s >= 0.0 && info.onset_s + info.event_s <= lengths[k] + 1e-9);
            long at = k == 0 ? find_window(&a5, &a) : find_window(&a, &a5);
            CHECK_MSG(at >= 0, "%s at %g s: windows do not nest", synth_species_name(sp), lengths[k]);
            if (k == 1 && at >= 0) { /* the 5 s window holds the main event's centre */
                double centre = info.onset_s + info.event_s / 2.0;
                CHECK(centre >= (double)at / 16000 && centre <= (double)at / 16000 + 5.0);
            }
            audio_clip_release(&a);
            audio_clip_release(&a5);
        }
    }
}

/* The SNR of every generated event, re-measured from the clip and its background alone. */
static void test_render_snr(void)
{
    synth_options o;
    mlac_err err;
    synth_options_default(&o);
    o.snr_min = -3.0;
    o.snr_max = 9.0;
    int measured = 0;
    for (int sp = 0; sp < SYNTH_N_SPECIES; sp++)
        for (int pos = 0; pos <= 1; pos++)
            for (size_t idx = 0; idx < 6; idx++) {
                audio_clip mix, bg;
                synth_clip_info info;
                CHECK_OK(synth_render_split(&o, sp, pos, idx, &mix, &bg, &info, &err), &err);
                if (info.extra[0] || !strcmp(info.event, "none")) { /* a second event would be measured too */
                    audio_clip_release(&mix);
                    audio_clip_release(&bg);
                    continue;
                }
                size_t on = (size_t)llround(info.onset_s * o.rate),
                       len = (size_t)llround(info.event_s * o.rate);
                double pe = 0.0;
                for (size_t i = on; i < on + len; i++)
                    pe += (double)(mix.samples[i] - bg.samples[i]) * (mix.samples[i] - bg.samples[i]);
                double snr = 10.0 * log10(pe / len / power(bg.samples + on, len));
                CHECK_MSG(snr >= o.snr_min - 0.02 && snr <= o.snr_max + 0.02, "%s %d %zu: %.3f dB",
                          synth_species_name(sp), pos, idx, snr);
                CHECK_NEAR(snr, info.snr_db, 0.02);
                double outside = 0.0; /* nothing but background outside the event */
                for (size_t i = 0; i < mix.n; i++)
                    if (i < on || i >= on + len)
                        outside += fabs(mix.samples[i] - bg.samples[i]);
                CHECK(outside == 0.0);
                measured++;
                audio_clip_release(&mix);
                audio_clip_release(&bg);
            }
    CHECK_MSG(measured >= 15, "only %d clips measurable", measured);
}

/* Reads a WAV with libsndfile: checks format, returns frames (int16 values) in *out. */
static int read_wav(const char *path, int rate, short **out, size_t *n)
{
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf)
        return -1;
    int ok = info.channels == 1 && info.samplerate == rate &&
             info.format == (SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    *n = (size_t)info.frames;
    *out = malloc((*n ? *n : 1) * sizeof **out);
    sf_count_t got = sf_readf_short(sf, *out, info.frames);
    sf_close(sf);
    return ok && got == info.frames ? 0 : -1;
}

static int files_equal(const char *a, const char *b)
{
    buf x, y;
    mlac_err err;
    buf_init(&x, 0);
    buf_init(&y, 0);
    int eq = !fs_read_file(a, &x, 0, &err) && !fs_read_file(b, &y, 0, &err) && x.len == y.len &&
             !memcmp(x.data, y.data, x.len);
    buf_release(&x);
    buf_release(&y);
    return eq;
}

static int generate(const char *dir, const synth_options *o, synth_result *res, mlac_err *err)
{
    store *st = NULL;
    int rc = store_open(dir, &st, err);
    if (!rc)
        rc = synth_generate(o, st, res, err);
    store_free(st);
    return rc;
}

static void test_dataset(void)
{
    char root[] = "/tmp/mlac_synth_test_XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    char d1[256], d2[256], d3[256];
    snprintf(d1, sizeof d1, "%s/t1", root);
    snprintf(d2, sizeof d2, "%s/t2", root);
    snprintf(d3, sizeof d3, "%s/t3", root);
    synth_options o;
    mlac_err err;
    synth_result res;
    synth_options_default(&o);
    o.per_class = 3;
    o.seconds = 1.5;
    o.rate = 11025;
    o.species[0] = "human_vocal";
    o.species[1] = "coyote";
    o.n_species = 2;
    o.threads = 1;
    CHECK_OK(generate(d1, &o, &res, &err), &err);
    CHECK(res.n_clips == 12 && res.n_removed == 0);
    o.threads = 2;
    CHECK_OK(generate(d2, &o, &res, &err), &err);

    /* layout: exactly these files */
    store *st = NULL;
    strlist files;
    strlist_init(&files);
    CHECK_OK(store_open(d1, &st, &err), &err);
    CHECK_OK(store_list(st, "", &files, &err), &err);
    strlist want;
    strlist_init(&want);
    const char *sps[2] = {"coyote", "human_vocal"};
    for (int s = 0; s < 2; s++)
        for (int f = 0; f < 2; f++)
            for (int c = 0; c < 2; c++)
                for (int i = 0; i < 3; i++) {
                    char p[256];
                    const char *cls = c ? "pos" : "neg";
                    snprintf(p, sizeof p, "%s/%s/%s/%s_%s_%04d.wav", sps[s], f ? "data_5s" : "data", cls,
                             sps[s], cls, i);
                    strlist_push(&want, p, &err);
                }
    strlist_push(&want, "README.txt", &err);
    strlist_push(&want, "manifest.csv", &err);
    strlist_sort(&want);
    CHECK_MSG(files.n == want.n, "%zu files, expected %zu", files.n, want.n);
    for (size_t i = 0; i < files.n && i < want.n; i++)
        CHECK_MSG(!strcmp(files.items[i], want.items[i]), "'%s' vs '%s'", files.items[i], want.items[i]);

    /* byte-identical for 1 and 2 threads; WAV contents match a fresh render */
    int identical = 1;
    for (size_t i = 0; i < files.n; i++) {
        char a[512], b[512];
        snprintf(a, sizeof a, "%s/%s", d1, files.items[i]);
        snprintf(b, sizeof b, "%s/%s", d2, files.items[i]);
        if (!files_equal(a, b)) {
            identical = 0;
            fprintf(stderr, "differs across thread counts: %s\n", files.items[i]);
        }
    }
    CHECK(identical);
    char path[512];
    snprintf(path, sizeof path, "%s/coyote/data/pos/coyote_pos_0002.wav", d1);
    short *pcm = NULL;
    size_t n = 0;
    CHECK(read_wav(path, 11025, &pcm, &n) == 0);
    audio_clip ref;
    CHECK_OK(synth_render(&o, SYNTH_COYOTE, 1, 2, &ref, NULL, NULL, &err), &err);
    CHECK(n == ref.n && n == (size_t)llround(1.5 * 11025));
    double worst = 0.0;
    for (size_t i = 0; i < n && i < ref.n; i++)
        worst = fmax(worst, fabs(pcm[i] / 32768.0 - ref.samples[i])); /* decoders divide by 2^15 */
    CHECK_MSG(worst <= 0.51 / 32768.0, "16-bit samples off by %g", worst);
    free(pcm);
    audio_clip_release(&ref);
    snprintf(path, sizeof path, "%s/human_vocal/data_5s/neg/human_vocal_neg_0001.wav", d1);
    CHECK(read_wav(path, 11025, &pcm, &n) == 0 && n == 5 * 11025);
    free(pcm);

    /* manifest: header + one row per clip; README names the seed */
    buf text;
    buf_init(&text, 0);
    snprintf(path, sizeof path, "%s/manifest.csv", d1);
    CHECK_OK(fs_read_file(path, &text, 0, &err), &err);
    size_t lines = 0;
    for (size_t i = 0; i < text.len; i++)
        lines += text.data[i] == '\n';
    CHECK(lines == 13 && !strncmp(text.data, "file,species,label,", 19));
    CHECK(strstr(text.data, "\ncoyote/data/pos/coyote_pos_0000.wav,coyote,1,coyote,") != NULL);
    text.len = 0;
    snprintf(path, sizeof path, "%s/README.txt", d1);
    CHECK_OK(fs_read_file(path, &text, 0, &err), &err);
    CHECK(text.data && strstr(text.data, "seed:        42\n") != NULL);
    buf_release(&text);

    /* refuses to overwrite without force; force with fewer clips removes the stale ones */
    int rc = generate(d1, &o, &res, &err);
    CHECK(rc == MLAC_EINVAL && strstr(err.msg, "--force"));
    o.force = 1;
    o.per_class = 2;
    CHECK_OK(generate(d1, &o, &res, &err), &err);
    CHECK(res.n_clips == 8 && res.n_removed == 8);
    strlist_release(&files);
    strlist_init(&files);
    CHECK_OK(store_list(st, "", &files, &err), &err);
    CHECK(files.n == 18);
    snprintf(path, sizeof path, "%s/coyote/data/pos/coyote_pos_0002.wav", d1);
    CHECK(!fs_exists(path));

    /* another seed: different bytes */
    o.seed = 7;
    o.force = 0;
    CHECK_OK(generate(d3, &o, &res, &err), &err);
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/coyote/data/pos/coyote_pos_0000.wav", d2);
    snprintf(b, sizeof b, "%s/coyote/data/pos/coyote_pos_0000.wav", d3);
    CHECK(!files_equal(a, b));

    store_free(st);
    strlist_release(&files);
    strlist_release(&want);
    rm_tree(root);
}

static void test_encode(void)
{
    mlac_err err;
    float x[8] = {0.0f, 0.5f, -0.5f, 1.5f, -1.5f, 0.25f, 0.6f / 32768, -0.4f / 32768};
    audio_clip c = {x, 8, 8000};
    void *bytes = NULL;
    size_t n = 0;
    CHECK_OK(audio_encode_wav(&c, 1, &bytes, &n, &err), &err);
    CHECK(n == 44 + 16 && bytes && !memcmp(bytes, "RIFF", 4) && !memcmp((char *)bytes + 8, "WAVE", 4));
    if (n == 60) { /* samples: x * 32768 rounded to nearest, clipped rather than wrapped */
        int16_t s[8];
        memcpy(s, (char *)bytes + 44, sizeof s);
        CHECK(s[0] == 0 && s[1] == 16384 && s[2] == -16384 && s[3] == 32767 && s[4] == -32768 &&
              s[5] == 8192);
        CHECK(s[6] == 1 && s[7] == 0);
    }
    free(bytes);
    /* float WAV: no PEAK chunk (it carries a time stamp), identical bytes twice */
    void *f1 = NULL, *f2 = NULL;
    size_t n1 = 0, n2 = 0;
    CHECK_OK(audio_encode_wav(&c, 0, &f1, &n1, &err), &err);
    CHECK_OK(audio_encode_wav(&c, 0, &f2, &n2, &err), &err);
    CHECK(n1 == n2 && f1 && f2 && !memcmp(f1, f2, n1) && !memmem(f1, n1, "PEAK", 4));
    free(f1);
    free(f2);
    x[2] = NAN;
    CHECK(audio_encode_wav(&c, 1, &bytes, &n, &err) == MLAC_EINVAL && strstr(err.msg, "frame 2"));
    CHECK(bytes == NULL && n == 0);
    x[2] = 0.0f;
    c.n = 0;
    CHECK(audio_encode_wav(&c, 1, &bytes, &n, &err) == MLAC_EINVAL);
    c.n = 8;
    c.rate = 0;
    CHECK(audio_encode_wav(&c, 1, &bytes, &n, &err) == MLAC_EINVAL);
}

/* --windows-per-recording: windows of one recording share their background layers, callers and
 * (about) their level; other recordings differ; every window is its own clip. */
static void test_windows(void)
{
    synth_options o;
    mlac_err err;
    synth_options_default(&o);
    o.rate = 8000;
    o.seconds = 1.0;
    o.windows_per_recording = 4;
    audio_clip w[8];
    synth_clip_info info[8];
    for (size_t i = 0; i < 8; i++)
        CHECK_OK(synth_render(&o, SYNTH_BULLFROG, 0, i, &w[i], NULL, &info[i], &err), &err);
    int same_bg = 1, same_event = 1, recs_differ = 0;
    for (size_t i = 0; i < 8; i++) {
        size_t first = i / 4 * 4;
        same_bg &= !strcmp(info[i].background, info[first].background);
        same_event &= !strcmp(info[i].event, info[first].event); /* the same caller in every window */
        if (i > first)
            CHECK(!same_clip(&w[i], &w[first])); /* but each window is its own stretch */
    }
    recs_differ = strcmp(info[0].background, info[4].background) || strcmp(info[0].event, info[4].event) ||
                  fabs(info[0].peak - info[4].peak) > 0.05;
    CHECK(same_bg);
    CHECK(same_event);
    CHECK(recs_differ);
    o.windows_per_recording = SYNTH_MAX_WINDOWS + 1;
    CHECK(synth_options_check(&o, &err) == MLAC_EINVAL && strstr(err.msg, "--windows-per-recording"));
    for (size_t i = 0; i < 8; i++)
        audio_clip_release(&w[i]);
}

int main(void)
{
    test_windows();
    test_options();
    test_mix();
    test_encode();
    test_render();
    test_render_snr();
    test_dataset();
    TEST_MAIN_END();
}

/* stand_in_embedder.c — a deterministic embedder for tests and demos that speaks the mlac
 * embedder protocol (docs/EMBEDDERS.md), standing in for BirdNET-Analyzer or Perch.
 *
 *   stand_in_embedder [options] info
 *   stand_in_embedder [options] embed LIST OUT
 *   stand_in_embedder [options] export DATA_ROOT OUT_DIR
 * export plays BirdNET-Analyzer / Perch writing embeddings for an import: every audio file under
 * DATA_ROOT is decoded, resampled to the model's rate, cut into windows by mlac's rule
 * (embed.h, no overlap) and embedded; --export-format txt (default) writes
 * OUT_DIR/<file without extension>.birdnet.embeddings.txt, csv writes OUT_DIR/embeddings.csv,
 * npy writes OUT_DIR/<file>.npy — so `import:OUT_DIR` must give the rows the command route gives.
 * options: --model birdnet|perch (birdnet)  --version V (standin-1)  --dim N (the model's: 1024
 * or 1280)  --format f32|csv (f32)  --counter FILE (appends "info" or "embed <n>" per call)
 * --fail MODE (see below)  --fail-on-call K (fail only the K-th embed call, 1-based, counted
 * in the counter file)  --export-format txt|csv|npy.
 *
 * A window's vector: the 32-band log-mel spectrogram of the window (src/features, n_fft 1024,
 * hop 512, at the model's rate), the mean and the standard deviation of each band over time
 * (64 statistics, scaled to about unit range), then a fixed random projection to dim values
 * through tanh: v = tanh(R s / 8), R (dim, 64) standard normal from a seed of the model name.
 * So vectors depend only on the window's samples, similar sounds get similar vectors, and
 * the classes of the synthetic data set stay separable.
 * Each WAV must be mono, at the model's rate and exactly one window long: anything else
 * exits 3 with a message, as a real wrapper should.
 * --fail modes (for the error-path tests): crash (SIGSEGV), exit (status 3 after a message on
 * stderr), hang (sleeps 600 s), nan (a NaN in the first vector), dim (one value short per
 * row), rows (one row short), nooutput (exit 0 without writing OUT), garbage (text where
 * numbers belong; csv), info-garbage (an "info" reply without the mlac-embedder line),
 * info-exit (info exits 2).
 *
 * Built by CMake as the stand_in_embedder executable; tests/embed/ also compile it into their
 * own binary (STAND_IN_NO_MAIN) and run themselves as the embedder, so they never depend on
 * a separately built program.
 */
#include "audio/audio.h"
#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/npy.h"
#include "embed/embed.h"
#include "core/rng.h"
#include "features/features.h"

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SI_BANDS 32
#define SI_STATS (2 * SI_BANDS)

typedef struct si_opts {
    const char *model, *version, *format, *counter, *fail, *export_format;
    int rate;
    double window_s;
    size_t dim;
    int fail_on_call;
} si_opts;

static int si_usage(void)
{
    fprintf(stderr, "usage: stand_in_embedder [--model M] [--version V] [--dim N] [--format f32|csv] "
                    "[--counter FILE] [--fail MODE] [--fail-on-call K] [--export-format txt|csv|npy] "
                    "info | embed LIST OUT | export DATA_ROOT OUT_DIR\n");
    return 2;
}

/* Appends one line to the counter file; returns the number of "embed" lines now in it. */
static int si_count(const si_opts *o, const char *line)
{
    if (!o->counter)
        return 0;
    int fd = open(o->counter, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        if (write(fd, line, strlen(line)) < 0)
            perror("stand-in: counter");
        close(fd);
    }
    buf b;
    buf_init(&b, 0);
    mlac_err err;
    int n = 0;
    if (!fs_read_file(o->counter, &b, 0, &err))
        for (const char *p = b.data; p && (p = strstr(p, "embed ")); p++)
            n++;
    buf_release(&b);
    return n;
}

static int si_failing(const si_opts *o, int call, const char *mode)
{
    return o->fail && !strcmp(o->fail, mode) && (!o->fail_on_call || o->fail_on_call == call);
}

/* The projection matrix R (dim, SI_STATS), standard normal, seeded by the model name. */
static float *si_projection(const si_opts *o)
{
    float *r = malloc(o->dim * SI_STATS * sizeof *r);
    if (!r)
        return NULL;
    rng g;
    rng_seed(&g, rng_derive_seed(20240601, o->model));
    for (size_t i = 0; i < o->dim * SI_STATS; i++)
        r[i] = (float)rng_normal(&g);
    return r;
}

/* One window's vector into out (dim,). */
static int si_vector(const si_opts *o, feat_plan *plan, const float *proj, const float *x, size_t n, float *out,
                     mlac_err *err)
{
    size_t frames = feat_n_frames(plan, n);
    float *mel = malloc(SI_BANDS * frames * sizeof *mel); /* (SI_BANDS, frames) */
    if (!mel)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory");
    int rc = feat_logmel(plan, x, n, mel, err);
    double s[SI_STATS];
    for (size_t b = 0; !rc && b < SI_BANDS; b++) {
        double sum = 0, sq = 0;
        for (size_t t = 0; t < frames; t++)
            sum += mel[b * frames + t];
        double mean = sum / (double)frames;
        for (size_t t = 0; t < frames; t++)
            sq += (mel[b * frames + t] - mean) * (mel[b * frames + t] - mean);
        s[b] = (mean + 60.0) / 20.0;
        s[SI_BANDS + b] = sqrt(sq / (double)frames) / 10.0;
    }
    for (size_t j = 0; !rc && j < o->dim; j++) {
        double acc = 0;
        for (size_t k = 0; k < SI_STATS; k++)
            acc += proj[j * SI_STATS + k] * s[k];
        out[j] = (float)tanh(acc / 8.0);
    }
    free(mel);
    return rc;
}

static int si_info(const si_opts *o)
{
    si_count(o, "info\n");
    if (o->fail && !strcmp(o->fail, "info-exit")) {
        fprintf(stderr, "stand-in: cannot load the model\n");
        return 2;
    }
    printf("stand-in embedder for tests (not a real model)\n");
    if (o->fail && !strcmp(o->fail, "info-garbage")) {
        printf("model=%s dim=%zu\n", o->model, o->dim);
        return 0;
    }
    printf("mlac-embedder 1 model=%s version=%s rate=%d window=%g dim=%zu format=%s\n", o->model, o->version,
           o->rate, o->window_s, o->dim, o->format);
    return 0;
}

/* Reads LIST; decodes each window into one (n_paths, win) matrix. */
static int si_read_windows(const si_opts *o, const char *list, float **out, size_t *n_out, size_t win)
{
    buf b;
    buf_init(&b, 0);
    mlac_err err = {0};
    if (fs_read_file(list, &b, 0, &err)) {
        fprintf(stderr, "stand-in: %s\n", err.msg);
        return 3;
    }
    size_t n = 0, cap = 0;
    float *w = NULL;
    int rc = 0;
    for (char *save = NULL, *line = strtok_r(b.data, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save)) {
        buf wav;
        buf_init(&wav, 0);
        audio_clip c = {0};
        audio_info info;
        if (fs_read_file(line, &wav, 0, &err) || audio_decode(wav.data, wav.len, line, &c, &info, &err)) {
            fprintf(stderr, "stand-in: %s\n", err.msg);
            rc = 3;
        } else if (info.channels != 1 || c.rate != o->rate || c.n != win) {
            fprintf(stderr, "stand-in: '%s' is %d channels, %d Hz, %zu samples; expected mono, %d Hz, %zu\n", line,
                    info.channels, c.rate, c.n, o->rate, win);
            rc = 3;
        } else {
            if (n == cap) {
                cap = cap ? 2 * cap : 16;
                float *g = realloc(w, cap * win * sizeof *w);
                if (!g)
                    rc = 3;
                else
                    w = g;
            }
            if (!rc)
                memcpy(w + (n++) * win, c.samples, win * sizeof *w);
        }
        audio_clip_release(&c);
        buf_release(&wav);
    }
    buf_release(&b);
    if (rc) {
        free(w);
        return rc;
    }
    *out = w;
    *n_out = n;
    return 0;
}

static int si_write(const si_opts *o, const char *path, const float *v, size_t n, int call)
{
    size_t dim = o->dim - (si_failing(o, call, "dim") ? 1 : 0);
    size_t rows = n - (si_failing(o, call, "rows") && n ? 1 : 0);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror("stand-in: output");
        return 3;
    }
    int csv = !strcmp(o->format, "csv");
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < dim; j++) {
            float x = v[i * o->dim + j];
            if (csv && si_failing(o, call, "garbage") && i == 0 && j == 0)
                fprintf(f, "abc%s", dim > 1 ? "," : "\n");
            else if (csv)
                fprintf(f, "%.9g%s", (double)x, j + 1 < dim ? "," : "\n");
            else {
                unsigned char le[4];
                uint32_t u;
                memcpy(&u, &x, 4);
                for (int k = 0; k < 4; k++)
                    le[k] = (unsigned char)(u >> (8 * k));
                fwrite(le, 1, 4, f);
            }
        }
    return fclose(f) ? 3 : 0;
}

static int si_embed(const si_opts *o, const char *list, const char *out_path)
{
    char line[64];
    size_t win = (size_t)llround(o->window_s * o->rate);
    float *w = NULL, *v = NULL, *proj = NULL;
    size_t n = 0;
    feat_plan *plan = NULL;
    int rc = si_read_windows(o, list, &w, &n, win);
    snprintf(line, sizeof line, "embed %zu\n", n);
    int call = si_count(o, line);
    if (rc)
        return rc;
    if (si_failing(o, call, "crash")) {
        signal(SIGSEGV, SIG_DFL); /* a real crash, even under a sanitizer's handler */
        raise(SIGSEGV);
    }
    if (si_failing(o, call, "hang"))
        sleep(600);
    if (si_failing(o, call, "exit")) {
        fprintf(stderr, "stand-in: the model weights file is missing\n");
        rc = 3;
        goto out;
    }
    if (si_failing(o, call, "nooutput"))
        goto out;
    feat_params p;
    feat_params_default(&p);
    p.sample_rate = o->rate;
    p.n_fft = 1024;
    p.hop = 512;
    p.n_mels = SI_BANDS;
    mlac_err err = {0};
    proj = si_projection(o);
    v = malloc((n ? n : 1) * o->dim * sizeof *v);
    if (!proj || !v || feat_plan_new(&p, &plan, &err)) {
        fprintf(stderr, "stand-in: %s\n", err.msg[0] ? err.msg : "out of memory");
        rc = 3;
        goto out;
    }
    for (size_t i = 0; !rc && i < n; i++)
        if (si_vector(o, plan, proj, w + i * win, win, v + i * o->dim, &err)) {
            fprintf(stderr, "stand-in: %s\n", err.msg);
            rc = 3;
        }
    if (!rc && n && si_failing(o, call, "nan"))
        v[0] = NAN;
    if (!rc)
        rc = si_write(o, out_path, v, n, call);
out:
    feat_plan_free(plan);
    free(w);
    free(v);
    free(proj);
    return rc;
}

static int si_is_audio(const char *path)
{
    const char *dot = strrchr(path, '.');
    static const char *ext[] = {".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif"};
    for (size_t i = 0; dot && i < sizeof ext / sizeof ext[0]; i++)
        if (!strcasecmp(dot, ext[i]))
            return 1;
    return 0;
}

/* Window vectors (n_win, dim) of one audio file, by mlac's window rule. */
static int si_file_vectors(const si_opts *o, feat_plan *plan, const float *proj, const char *path, float **out,
                           size_t *n_win, size_t *hop_out, mlac_err *err)
{
    buf b;
    buf_init(&b, 0);
    audio_clip c = {0};
    size_t win, hop;
    float *w = NULL;
    int rc = fs_read_file(path, &b, 0, err);
    if (!rc)
        rc = audio_load(b.data, b.len, path, o->rate, 0, AUDIO_OFFSET_START, NULL, &c, err);
    if (!rc)
        rc = embed_window_layout(o->rate, o->window_s, 0.0, &win, &hop, err);
    if (!rc) {
        *n_win = embed_window_count(c.n, win, hop);
        w = malloc(win * sizeof *w);
        *out = malloc(*n_win * o->dim * sizeof **out);
        if (!w || !*out)
            rc = mlac_errf(err, MLAC_ENOMEM, "out of memory");
    }
    for (size_t k = 0; !rc && k < *n_win; k++) {
        embed_window_copy(c.samples, c.n, win, hop, k, w);
        rc = si_vector(o, plan, proj, w, win, *out + k * o->dim, err);
    }
    *hop_out = hop;
    free(w);
    audio_clip_release(&c);
    buf_release(&b);
    return rc;
}

static int si_export(const si_opts *o, const char *root, const char *out_dir)
{
    strlist files;
    strlist_init(&files);
    mlac_err err = {0};
    feat_plan *plan = NULL;
    feat_params p;
    feat_params_default(&p);
    p.sample_rate = o->rate;
    p.n_fft = 1024;
    p.hop = 512;
    p.n_mels = SI_BANDS;
    float *proj = si_projection(o);
    buf csv, text;
    buf_init(&csv, 0);
    buf_init(&text, 0);
    const char *fmt = o->export_format ? o->export_format : "txt";
    int rc = !proj ? mlac_errf(&err, MLAC_ENOMEM, "out of memory") : feat_plan_new(&p, &plan, &err);
    if (!rc)
        rc = fs_list_recursive(root, &files, &err);
    if (!rc && !strcmp(fmt, "csv"))
        rc = buf_puts(&csv, "file_path,start,end,embedding\n", &err);
    for (size_t i = 0; !rc && i < files.n; i++) {
        if (!si_is_audio(files.items[i]))
            continue;
        char in[8192], out[8192];
        snprintf(in, sizeof in, "%s/%s", root, files.items[i]);
        float *v = NULL;
        size_t n_win = 0, hop = 0;
        rc = si_file_vectors(o, plan, proj, in, &v, &n_win, &hop, &err);
        text.len = 0;
        for (size_t k = 0; !rc && strcmp(fmt, "npy") && k < n_win; k++) {
            double t0 = (double)(k * hop) / o->rate;
            buf *to = !strcmp(fmt, "csv") ? &csv : &text;
            rc = !strcmp(fmt, "csv") ? buf_printf(to, &err, "%s,%.6g,%.6g,\"", in, t0, t0 + o->window_s)
                                     : buf_printf(to, &err, "%.6g\t%.6g\t", t0, t0 + o->window_s);
            for (size_t j = 0; !rc && j < o->dim; j++)
                rc = buf_printf(to, &err, "%.9g%s", (double)v[k * o->dim + j], j + 1 < o->dim ? "," : "");
            if (!rc)
                rc = buf_puts(to, !strcmp(fmt, "csv") ? "\"\n" : "\n", &err);
        }
        const char *dot = strrchr(files.items[i], '.');
        int stem = (int)(dot - files.items[i]);
        if (!rc && !strcmp(fmt, "txt")) {
            snprintf(out, sizeof out, "%s/%.*s.birdnet.embeddings.txt", out_dir, stem, files.items[i]);
            rc = fs_write_atomic(out, text.data, text.len, &err);
        } else if (!rc && !strcmp(fmt, "npy")) {
            size_t shape[2] = {n_win, o->dim};
            rc = npy_write_f32(&text, v, 2, shape, &err);
            snprintf(out, sizeof out, "%s/%s.npy", out_dir, files.items[i]);
            if (!rc)
                rc = fs_write_atomic(out, text.data, text.len, &err);
        }
        free(v);
    }
    if (!rc && !strcmp(fmt, "csv")) {
        char out[8192];
        snprintf(out, sizeof out, "%s/embeddings.csv", out_dir);
        rc = fs_write_atomic(out, csv.data, csv.len, &err);
    }
    if (rc)
        fprintf(stderr, "stand-in: %s\n", err.msg);
    feat_plan_free(plan);
    free(proj);
    buf_release(&csv);
    buf_release(&text);
    strlist_release(&files);
    return rc ? 3 : 0;
}

int stand_in_main(int argc, char **argv);

int stand_in_main(int argc, char **argv)
{
    si_opts o = {"birdnet", "standin-1", "f32", NULL, NULL, NULL, 0, 0, 0, 0};
    long dim = 0;
    int i = 1;
    for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
        const char *k = argv[i] + 2, *v = argv[i + 1];
        if (!strcmp(k, "model")) o.model = v;
        else if (!strcmp(k, "version")) o.version = v;
        else if (!strcmp(k, "format")) o.format = v;
        else if (!strcmp(k, "counter")) o.counter = v;
        else if (!strcmp(k, "fail")) o.fail = v;
        else if (!strcmp(k, "dim")) dim = atol(v);
        else if (!strcmp(k, "fail-on-call")) o.fail_on_call = atoi(v);
        else if (!strcmp(k, "export-format")) o.export_format = v;
        else return si_usage();
    }
    int perch = !strcmp(o.model, "perch");
    if (!perch && strcmp(o.model, "birdnet"))
        return si_usage();
    o.rate = perch ? 32000 : 48000;
    o.window_s = perch ? 5.0 : 3.0;
    o.dim = dim > 0 ? (size_t)dim : perch ? 1280 : 1024;
    if (i < argc && !strcmp(argv[i], "info") && i + 1 == argc)
        return si_info(&o);
    if (i < argc && !strcmp(argv[i], "embed") && i + 3 == argc)
        return si_embed(&o, argv[i + 1], argv[i + 2]);
    if (i < argc && !strcmp(argv[i], "export") && i + 3 == argc)
        return si_export(&o, argv[i + 1], argv[i + 2]);
    return si_usage();
}

#ifndef STAND_IN_NO_MAIN
int main(int argc, char **argv)
{
    return stand_in_main(argc, argv);
}
#endif

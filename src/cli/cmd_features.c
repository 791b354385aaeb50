/* cmd_features.c — `mlac features FILE...`: print exactly what the models see for audio files:
 * mfcc (n_frames x 13), deltas (n_frames x 39), summary (78) or logmel (the S x S image).
 * Several files with --format npy write <out>/<base name>.<kind>.npy; inputs that share a base
 * name are refused rather than overwrite each other. */
#include "audio/audio.h"
#include "core/csv.h"
#include "cli/cli.h"
#include "core/fsutil.h"
#include "core/npy.h"
#include "exp/spec.h"
#include "features/features.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

enum feat_kind { KIND_MFCC, KIND_DELTAS, KIND_SUMMARY, KIND_LOGMEL };

static const char *const kind_names[] = {"mfcc", "deltas", "summary", "logmel", NULL};

/* Computes one file's matrix: out (rows, cols), caller frees. */
static int compute(feat_plan *plan, enum feat_kind kind, const audio_clip *clip, float **out, size_t *rows,
                   size_t *cols, mlac_err *err)
{
    const feat_params *p = feat_plan_params(plan);
    size_t frames = feat_n_frames(plan, clip->n);
    switch (kind) {
    case KIND_MFCC: *rows = frames, *cols = (size_t)p->n_mfcc; break;
    case KIND_DELTAS: *rows = frames, *cols = 3 * (size_t)p->n_mfcc; break;
    case KIND_SUMMARY: *rows = 1, *cols = (size_t)FEAT_SUMMARY_DIM(p); break;
    case KIND_LOGMEL: *rows = *cols = (size_t)p->image_size; break;
    }
    *out = malloc(*rows * *cols * sizeof(float));
    if (!*out)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for features");
    switch (kind) {
    case KIND_MFCC: return feat_mfcc(plan, clip->samples, clip->n, *out, err);
    case KIND_DELTAS: return feat_mfcc_deltas(plan, clip->samples, clip->n, *out, err);
    case KIND_SUMMARY: return feat_summary(plan, clip->samples, clip->n, *out, err);
    default: return feat_logmel_image(plan, clip->samples, clip->n, *out, err);
    }
}

static int emit_csv(FILE *f, const char *file, const float *m, size_t rows, size_t cols, int header)
{
    if (header) {
        fprintf(f, "file,row");
        for (size_t c = 0; c < cols; c++)
            fprintf(f, ",v%zu", c);
        fputc('\n', f);
    }
    buf q; /* the file name as one CSV field (core/csv.h) */
    buf_init(&q, 0);
    if (csv_quote(&q, file, NULL))
        return -1;
    for (size_t r = 0; r < rows; r++) {
        fprintf(f, "%s,%zu", q.data, r);
        for (size_t c = 0; c < cols; c++)
            fprintf(f, ",%.7g", m[r * cols + c]);
        fputc('\n', f);
    }
    buf_release(&q);
    return ferror(f) ? -1 : 0;
}

static int emit_npy(const char *path, const float *m, size_t rows, size_t cols, int squeeze, mlac_err *err)
{
    buf b;
    buf_init(&b, 0);
    size_t shape[2] = {rows, cols};
    int rc = squeeze ? npy_write_f32(&b, m, 1, &shape[1], err) : npy_write_f32(&b, m, 2, shape, err);
    if (!rc && path)
        rc = fs_write_atomic(path, b.data, b.len, err);
    else if (!rc && fwrite(b.data, 1, b.len, stdout) != b.len)
        rc = mlac_errf(err, MLAC_EIO, "cannot write to standard output");
    buf_release(&b);
    return rc;
}

static int load_clip(const char *file, const feat_params *p, double seconds, audio_clip *clip, mlac_err *err)
{
    buf b;
    buf_init(&b, (size_t)1 << 31);
    int rc = fs_read_file(file, &b, 0, err);
    if (!rc)
        rc = audio_load(b.data, b.len, file, p->sample_rate, seconds, AUDIO_OFFSET_CENTRE, NULL, clip, err);
    buf_release(&b);
    return rc;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Outputs under --out DIR are named by the input's base name: two inputs sharing one would
 * overwrite each other's output, so that is refused up front, naming both. */
static int check_distinct_bases(const strlist *files, mlac_err *err)
{
    for (size_t i = 1; i < files->n; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(base_name(files->items[i]), base_name(files->items[j])))
                return mlac_errf(err, MLAC_EINVAL,
                                 "'%s' and '%s' share the base name '%s': their outputs in the --out folder "
                                 "would overwrite each other (run them separately, or use --format csv)",
                                 files->items[j], files->items[i], base_name(files->items[i]));
    return MLAC_OK;
}

static int run(const strlist *files, enum feat_kind kind, int npy, const char *out, double seconds,
               const feat_params *p, mlac_err *err)
{
    feat_plan *plan = NULL;
    FILE *csv = stdout;
    int rc = feat_plan_new(p, &plan, err);
    if (!rc && !npy && out && !(csv = fopen(out, "w")))
        rc = mlac_errf(err, MLAC_EIO, "cannot write '%s'", out);
    if (!rc && npy && files->n > 1 && !(rc = check_distinct_bases(files, err)))
        rc = out ? fs_mkdir_p(out, err) : mlac_errf(err, MLAC_EINVAL, "--format npy with several files needs --out DIR");
    for (size_t i = 0; !rc && i < files->n; i++) {
        audio_clip clip = {0};
        float *m = NULL;
        size_t rows = 0, cols = 0;
        rc = load_clip(files->items[i], p, seconds, &clip, err);
        if (!rc && (rc = compute(plan, kind, &clip, &m, &rows, &cols, err)))
            mlac_err_prefix(err, "'%s': ", files->items[i]);
        if (!rc && !npy && emit_csv(csv, files->items[i], m, rows, cols, i == 0))
            rc = mlac_errf(err, MLAC_EIO, "cannot write the CSV output");
        if (!rc && npy) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s.%s.npy", out ? out : ".", base_name(files->items[i]),
                     kind_names[kind]);
            rc = emit_npy(files->n > 1 ? path : out, m, rows, cols, kind == KIND_SUMMARY, err);
        }
        free(m);
        audio_clip_release(&clip);
    }
    if (csv && csv != stdout)
        fclose(csv);
    feat_plan_free(plan);
    return rc;
}

int cmd_features(int argc, char **argv)
{
    static const struct cli_usage usage = {
        "mlac features", "FILE...",
        "Computes the features the models see, with the run's settings: mfcc (frames x 13), deltas\n"
        "(frames x 39: MFCC, delta, delta-delta), summary (78: mean and std over time), logmel (the\n"
        "S x S log-mel image of the CNNs). CSV or .npy, to standard output or --out."};
    const char *kind_text = "summary", *format = "csv", *out = NULL;
    double seconds = 0;
    int stop;
    const struct cli_opt opts[] = {
        {"kind", OPT_STR, &kind_text, "KIND", "mfcc, deltas, summary or logmel"},
        {"format", OPT_STR, &format, "FMT", "csv or npy"},
        {"out", OPT_STR, &out, "PATH", "output file (a folder for npy with several files)"},
        {"clip-seconds", OPT_DOUBLE, &seconds, "S", "centre crop/pad to S seconds first (0 = whole file)"},
        {"sample-rate", OPT_CONFIG, "sample_rate", "HZ", "analysis sample rate"},
        {"n-mels", OPT_CONFIG, "n_mels", "N", "mel bands"},
        {"image-size", OPT_CONFIG, "image_size", "S", "side of the log-mel image"},
        {NULL, 0, NULL, NULL, NULL},
    };
    config cfg;
    mlac_err err = {0};
    strlist files;
    strlist_init(&files);
    if (cli_config_load(&cfg, &err))
        return cli_fail(&err);
    int rc = cli_parse(&usage, opts, argc, argv, &files, &cfg, &stop);
    if (rc || stop)
        goto out;
    int kind = -1;
    for (int i = 0; kind_names[i]; i++)
        if (!strcmp(kind_text, kind_names[i]))
            kind = i;
    if (kind < 0 || (strcmp(format, "csv") && strcmp(format, "npy")) || files.n == 0 || seconds < 0) {
        fprintf(stderr, "mlac: error: %s\n(see 'mlac features --help')\n",
                kind < 0 ? "--kind must be mfcc, deltas, summary or logmel"
                : files.n == 0 ? "give at least one audio FILE"
                : seconds < 0 ? "--clip-seconds must be >= 0"
                              : "--format must be csv or npy");
        rc = EX_USAGE;
        goto out;
    }
    feat_params p;
    if (spec_read_features(&cfg, &p, &err) || run(&files, (enum feat_kind)kind, !strcmp(format, "npy"), out,
                                                       seconds, &p, &err))
        rc = cli_fail(&err);
out:
    strlist_release(&files);
    config_release(&cfg);
    return rc;
}

/* cmd_features.c — `mlac features FILE...`: print exactly what the models see for audio files.
 * The model inputs (summary, logmel, embedding) are the kinds of exp/input_kinds.h, built by the
 * runner's own skeleton (exp/inputs.h: inputs_build, no cache), so a kind a model reads is always
 * one this command writes, with the same values. Two frame-by-frame views that no model reads
 * directly come on top: mfcc (n_frames x 13) and deltas (n_frames x 39).
 * Several files with --format npy write <out>/<base name>.<kind>.npy; inputs that share a base
 * name are refused rather than overwrite each other. */
#include "audio/audio.h"
#include "core/csv.h"
#include "cli/cli.h"
#include "core/fsutil.h"
#include "core/npy.h"
#include "core/pool.h"
#include "embed/embed_settings.h"
#include "exp/embed_table.h"
#include "exp/input_kinds.h"
#include "exp/inputs.h"
#include "exp/spec.h"
#include "features/features.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* The frame-by-frame views: not model inputs, so not in the table of input kinds. */
enum frame_view { VIEW_MFCC, VIEW_DELTAS };

static const char *const view_names[] = {"mfcc", "deltas", NULL};

/* One file's frame view: out (rows, cols), caller frees. */
static int compute_view(feat_plan *plan, enum frame_view view, const audio_clip *clip, float **out, size_t *rows,
                        size_t *cols, mlac_err *err)
{
    const feat_params *p = feat_plan_params(plan);
    *rows = feat_n_frames(plan, clip->n);
    *cols = (view == VIEW_MFCC ? 1 : 3) * (size_t)p->n_mfcc;
    *out = malloc((*rows ? *rows : 1) * *cols * sizeof(float));
    if (!*out)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for features");
    return view == VIEW_MFCC ? feat_mfcc(plan, clip->samples, clip->n, *out, err)
                             : feat_mfcc_deltas(plan, clip->samples, clip->n, *out, err);
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

/* Where the outputs go: one CSV stream, or .npy files. */
typedef struct sink {
    int npy;
    const char *out;
    const char *suffix;  /* <base name>.<suffix>.npy */
    FILE *csv;
    size_t files;        /* how many inputs */
} sink;

static int sink_open(sink *o, const strlist *files, mlac_err *err)
{
    o->csv = stdout;
    o->files = files->n;
    int rc = MLAC_OK;
    if (!o->npy && o->out && !(o->csv = fopen(o->out, "w")))
        rc = mlac_errf(err, MLAC_EIO, "cannot write '%s'", o->out);
    if (!rc && o->npy && files->n > 1 && !(rc = check_distinct_bases(files, err)))
        rc = o->out ? fs_mkdir_p(o->out, err)
                    : mlac_errf(err, MLAC_EINVAL, "--format npy with several files needs --out DIR");
    return rc;
}

static void sink_close(sink *o)
{
    if (o->csv && o->csv != stdout)
        fclose(o->csv);
}

/* One file's matrix (rows, cols); a vector (squeeze) is written to .npy with one dimension. */
static int emit(sink *o, size_t i, const char *file, const float *m, size_t rows, size_t cols, int squeeze,
                mlac_err *err)
{
    if (!o->npy)
        return emit_csv(o->csv, file, m, rows, cols, i == 0) ? mlac_errf(err, MLAC_EIO, "cannot write the CSV output")
                                                            : MLAC_OK;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s.npy", o->out ? o->out : ".", base_name(file), o->suffix);
    return emit_npy(o->files > 1 ? path : o->out, m, rows, cols, squeeze, err);
}

static int run_view(const strlist *files, enum frame_view view, sink *o, double seconds, const feat_params *p,
                    mlac_err *err)
{
    feat_plan *plan = NULL;
    int rc = feat_plan_new(p, &plan, err);
    for (size_t i = 0; !rc && i < files->n; i++) {
        audio_clip clip = {0};
        float *m = NULL;
        size_t rows = 0, cols = 0;
        rc = load_clip(files->items[i], p, seconds, &clip, err);
        if (!rc && (rc = compute_view(plan, view, &clip, &m, &rows, &cols, err)))
            mlac_err_prefix(err, "'%s': ", files->items[i]);
        if (!rc)
            rc = emit(o, i, files->items[i], m, rows, cols, 0, err);
        free(m);
        audio_clip_release(&clip);
    }
    feat_plan_free(plan);
    return rc;
}

static int cmp_clip(const void *a, const void *b)
{
    return strcmp(((const input_clip *)a)->path, ((const input_clip *)b)->path);
}

/* A model-input kind: the files' rows built as a run builds them (inputs_build, without a cache),
 * then written in the order the files were given. */
static int run_kind(const strlist *files, const struct input_kind *kind, sink *o, const input_settings *s,
                    mlac_err *err)
{
    input_clip *clips = malloc(files->n * sizeof *clips); /* sorted and distinct, as a table wants */
    if (!clips)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory listing files");
    size_t n = 0;
    for (size_t i = 0; i < files->n; i++)
        clips[n++] = (input_clip){files->items[i], files->items[i]};
    qsort(clips, n, sizeof *clips, cmp_clip);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (!w || strcmp(clips[i].path, clips[w - 1].path))
            clips[w++] = clips[i];
    feature_table tables[INPUT_KIND_COUNT];
    int rc = inputs_build(clips, w, 1u << kind->input, s, tables, err);
    free(clips);
    if (rc)
        return rc;
    feature_table *t = &tables[kind->input];
    size_t side = 1;
    while (kind->square && side * side < t->dim)
        side++;
    size_t rows = kind->square ? side : 1, cols = kind->square ? side : t->dim;
    float *row = malloc((t->dim ? t->dim : 1) * sizeof *row);
    if (!row)
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory for a %s row", kind->name);
    for (size_t i = 0; !rc && i < files->n; i++)
        if (!(rc = feature_table_read(t, files->items[i], row, err)))
            rc = emit(o, i, files->items[i], row, rows, cols, !kind->square, err);
    free(row);
    feature_table_release(t);
    return rc;
}

/* --kinds: the model inputs, what each is and which models read it, one per line, tab-separated:
 * kind, what it is, its models (space-separated; "-" when none), and "audio" or "embedder" (needs
 * --model and an embedder). */
static void print_kinds(void)
{
    for (const struct input_kind *const *k = input_kinds_all(); *k; k++) {
        printf("%s\t%s\t", (*k)->option, (*k)->reads);
        int first = 1;
        for (const struct model_kind *const *m = model_all(); *m; m++)
            if ((*m)->input == (*k)->input) {
                printf("%s%s", first ? "" : " ", (*m)->name);
                first = 0;
            }
        printf("%s\t%s\n", first ? "-" : "", (*k)->source == &input_source_embedder ? "embedder" : "audio");
    }
}

/* The embedding kind's settings: the configured embedder of model (a command line). */
static int embed_setup(const config *cfg, const char *model, embed_settings *es, embed_config *ec, mlac_err *err)
{
    if (!model)
        return mlac_errf(err, MLAC_EINVAL, "--kind embedding needs --model (%s)", embed_model_names());
    if (!embed_spec_find(model, NULL))
        return mlac_errf(err, MLAC_EINVAL, "--model '%s' is not an embedding model (known: %s)", model,
                         embed_model_names());
    int rc = embed_settings_read(cfg, es, err);
    if (!rc)
        rc = embed_check_available(es, model, err);
    embed_config_from_settings(es, model, ec);
    if (!rc && !strncmp(ec->embedder, EMBED_IMPORT_PREFIX, strlen(EMBED_IMPORT_PREFIX)))
        rc = mlac_errf(err, MLAC_EINVAL, "embedder_%s is an import ('%s'): mlac features embeds audio files, which "
                       "needs a command embedder", model, ec->embedder);
    return rc;
}

int cmd_features(int argc, char **argv)
{
    static const struct cli_usage usage = {
        "mlac features", "FILE...",
        "Computes the features the models see, with the run's settings and the run's own code: the\n"
        "model inputs summary (78: MFCC, delta, delta-delta, mean and std over time), logmel (the\n"
        "S x S log-mel image of the CNNs) and embedding (an embedder's pooled vector, with --model),\n"
        "and the frame views mfcc (frames x 13) and deltas (frames x 39). --kinds lists the model\n"
        "inputs and the models that read them. CSV or .npy, to standard output or --out."};
    const char *kind_text = "summary", *format = "csv", *out = NULL, *model = NULL;
    double seconds = 0;
    int stop, list_kinds = 0;
    const struct cli_opt opts[] = {
        {"kind", OPT_STR, &kind_text, "KIND", "a model input (see --kinds), mfcc or deltas"},
        {"kinds", OPT_FLAG, &list_kinds, NULL, "list the model inputs and the models that read them"},
        {"format", OPT_STR, &format, "FMT", "csv or npy"},
        {"out", OPT_STR, &out, "PATH", "output file (a folder for npy with several files)"},
        {"clip-seconds", OPT_DOUBLE, &seconds, "S", "centre crop/pad to S seconds first (0 = whole file)"},
        {"sample-rate", OPT_CONFIG, "sample_rate", "HZ", "analysis sample rate"},
        {"n-mels", OPT_CONFIG, "n_mels", "N", "mel bands"},
        {"image-size", OPT_CONFIG, "image_size", "S", "side of the log-mel image"},
        {"model", OPT_STR, &model, "M", "--kind embedding: birdnet or perch"},
        {"embedder-birdnet", OPT_CONFIG, "embedder_birdnet", "CMD", "birdnet embedder command (docs/EMBEDDERS.md)"},
        {"embedder-perch", OPT_CONFIG, "embedder_perch", "CMD", "perch embedder command"},
        {"embed-overlap", OPT_CONFIG, "embed_overlap", "F", "fraction of an embedding window shared with the next"},
        {"embed-pooling", OPT_CONFIG, "embed_pooling", "P", "mean (default) or max over a clip's windows"},
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
    if (list_kinds) {
        print_kinds();
        goto out;
    }
    const struct input_kind *kind = input_kind_find(kind_text);
    int view = -1;
    for (int i = 0; !kind && view_names[i]; i++)
        if (!strcmp(kind_text, view_names[i]))
            view = i;
    if ((!kind && view < 0) || (strcmp(format, "csv") && strcmp(format, "npy")) || files.n == 0 || seconds < 0) {
        char kinds[256];
        input_kind_options(kinds, sizeof kinds);
        fprintf(stderr, "mlac: error: ");
        if (!kind && view < 0)
            fprintf(stderr, "--kind must be %s, mfcc or deltas\n", kinds);
        else
            fprintf(stderr, "%s\n", files.n == 0 ? "give at least one audio FILE"
                                     : seconds < 0 ? "--clip-seconds must be >= 0"
                                                   : "--format must be csv or npy");
        fprintf(stderr, "(see 'mlac features --help')\n");
        rc = EX_USAGE;
        goto out;
    }
    feat_params p;
    embed_settings es;
    embed_config ec;
    embed_config_default(&ec);
    sink o = {.npy = !strcmp(format, "npy"), .out = out, .suffix = kind ? kind->option : view_names[view]};
    input_settings s = {.feat = &p, .clip_seconds = seconds, .embed = &ec, .model = model,
                        .threads = files.n < (size_t)pool_cpu_count() ? (int)files.n : pool_cpu_count()};
    if (spec_read_features(&cfg, &p, &err) ||
        (kind && kind->source == &input_source_embedder && embed_setup(&cfg, model, &es, &ec, &err)) ||
        sink_open(&o, &files, &err) ||
        (kind ? run_kind(&files, kind, &o, &s, &err) : run_view(&files, (enum frame_view)view, &o, seconds, &p, &err)))
        rc = cli_fail(&err);
    sink_close(&o);
out:
    strlist_release(&files);
    config_release(&cfg);
    return rc;
}

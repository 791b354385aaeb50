/* test_inputs.c — the inputs layer (exp/inputs.h, exp/input_kinds.h) on a synthetic dataset
 * (one species, 6 positives and 6 negatives of 1 s, written by the synth module):
 *   - the table has one row per enum model_input, in enum order, with distinct names, and every
 *     registered model's input is in it;
 *   - each audio kind's row equals what the features module computes for the clip on its own
 *     (audio_load, then feat_summary or feat_logmel_image: one call per kind, no shared analysis),
 *     bit for bit, for 1, 2 and 5 workers, and through the store or as local files;
 *   - with three damaged clips, the error names the first of them in path order, the same
 *     message for every thread count, and no table is left.
 */
#include "test.h"

#include "audio/audio.h"
#include "core/fsutil.h"
#include "dataset/dataset.h"
#include "exp/clip_features.h"
#include "exp/input_kinds.h"
#include "exp/inputs.h"
#include "store/store.h"
#include "synth/synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_table(void)
{
    const struct input_kind *const *all = input_kinds_all();
    size_t n = 0;
    for (; all[n]; n++) {
        CHECK_MSG(all[n]->input == (enum model_input)n, "row %zu is kind %d", n, (int)all[n]->input);
        CHECK(input_kind_of(all[n]->input) == all[n]);
        CHECK(input_kind_find(all[n]->name) == all[n] && input_kind_find(all[n]->option) == all[n]);
        CHECK(all[n]->dim && all[n]->key_text && all[n]->source && all[n]->reads);
        for (size_t j = 0; j < n; j++)
            CHECK_MSG(strcmp(all[j]->name, all[n]->name) && strcmp(all[j]->option, all[n]->option),
                      "kinds %zu and %zu share a name", j, n);
    }
    CHECK_MSG(n == INPUT_KIND_COUNT, "%zu rows for %d kinds", n, INPUT_KIND_COUNT);
    CHECK(input_kind_find("cqt") == NULL && input_kind_of(INPUT_KIND_COUNT) == NULL);
    for (const struct model_kind *const *m = model_all(); *m; m++)
        CHECK_MSG(input_kind_of((*m)->input) != NULL, "model %s reads a kind not in the table", (*m)->name);
    char options[256];
    input_kind_options(options, sizeof options);
    for (size_t i = 0; all[i]; i++)
        CHECK_MSG(strstr(options, all[i]->option) != NULL, "options '%s' lack '%s'", options, all[i]->option);
    CHECK_MSG(!strncmp(options, "summary, logmel", 15), "options '%s'", options);
}

/* The clips of the dataset's species as a build takes them (sorted store paths). */
static input_clip *clip_list(const strlist *paths, const char *prefix, char ***owned)
{
    input_clip *c = calloc(paths->n, sizeof *c);
    *owned = calloc(paths->n, sizeof **owned);
    for (size_t i = 0; i < paths->n; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s%s", prefix, paths->items[i]);
        (*owned)[i] = strdup(full);
        c[i] = (input_clip){(*owned)[i], (*owned)[i]};
    }
    return c;
}

static void free_list(input_clip *c, char **owned, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(owned[i]);
    free(owned);
    free(c);
}

/* The row of each audio kind straight from the features module. */
static void reference_rows(const char *file, const feat_params *fp, float *summary, float *image)
{
    mlac_err err = {0};
    buf b;
    buf_init(&b, 0);
    audio_clip clip = {0};
    feat_plan *plan = NULL;
    CHECK_OK(fs_read_file(file, &b, 0, &err), &err);
    CHECK_OK(audio_load(b.data, b.len, file, fp->sample_rate, 1.0, AUDIO_OFFSET_CENTRE, NULL, &clip, &err), &err);
    CHECK_OK(feat_plan_new(fp, &plan, &err), &err);
    CHECK_OK(feat_summary(plan, clip.samples, clip.n, summary, &err), &err);
    CHECK_OK(feat_logmel_image(plan, clip.samples, clip.n, image, &err), &err);
    feat_plan_free(plan);
    audio_clip_release(&clip);
    buf_release(&b);
}

static void test_rows(store *st, const strlist *paths, const char *root, const feat_params *fp)
{
    size_t n = paths->n, ds = (size_t)FEAT_SUMMARY_DIM(fp), di = (size_t)fp->image_size * (size_t)fp->image_size;
    float *ref = malloc(n * (ds + di) * sizeof *ref), *row = malloc((ds + di) * sizeof *row);
    char prefix[4096];
    snprintf(prefix, sizeof prefix, "%s/", root);
    for (size_t i = 0; i < n; i++) {
        char file[4096];
        snprintf(file, sizeof file, "%s%s", prefix, paths->items[i]);
        reference_rows(file, fp, ref + i * (ds + di), ref + i * (ds + di) + ds);
    }
    unsigned audio = (1u << INPUT_SUMMARY) | (1u << INPUT_LOGMEL_IMAGE);
    const int threads[] = {1, 2, 5};
    for (int local = 0; local < 2; local++)
        for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
            char **owned;
            input_clip *clips = clip_list(paths, local ? prefix : "", &owned);
            input_settings s = {.data = local ? NULL : st, .feat = fp, .clip_seconds = 1.0, .threads = threads[t]};
            feature_table out[INPUT_KIND_COUNT];
            mlac_err err = {0};
            CHECK_OK(inputs_build(clips, n, audio, &s, out, &err), &err);
            CHECK(out[INPUT_SUMMARY].n == n && out[INPUT_SUMMARY].dim == ds && out[INPUT_LOGMEL_IMAGE].dim == di);
            for (size_t i = 0; i < n; i++) {
                CHECK_OK(feature_table_read(&out[INPUT_SUMMARY], clips[i].path, row, &err), &err);
                CHECK_OK(feature_table_read(&out[INPUT_LOGMEL_IMAGE], clips[i].path, row + ds, &err), &err);
                CHECK_MSG(!memcmp(row, ref + i * (ds + di), (ds + di) * sizeof *row),
                          "%s: rows differ from the features module's (%d workers, %s)", clips[i].path, threads[t],
                          local ? "local files" : "store");
                const float *meta = feature_table_meta(&out[INPUT_SUMMARY], clips[i].path);
                CHECK_MSG(meta && meta[0] > 0.99f && meta[0] < 1.01f, "%s: metadata", clips[i].path);
            }
            feature_table_release(&out[INPUT_SUMMARY]);
            feature_table_release(&out[INPUT_LOGMEL_IMAGE]);
            free_list(clips, owned, n);
        }
    free(ref);
    free(row);
}

static void test_first_error(store *st, const strlist *paths, const char *root, const feat_params *fp)
{
    const size_t bad[] = {7, 3, 10}; /* damaged clips; 3 is the first in path order */
    for (size_t k = 0; k < 3; k++) {
        char file[4096];
        snprintf(file, sizeof file, "%s/%s", root, paths->items[bad[k]]);
        mlac_err err = {0};
        CHECK_OK(fs_write_atomic(file, "RIFF----WAVEjunk", 16, &err), &err);
    }
    char first[1024] = "";
    for (int threads = 1; threads <= 6; threads++) {
        char **owned;
        input_clip *clips = clip_list(paths, "", &owned);
        input_settings s = {.data = st, .feat = fp, .clip_seconds = 1.0, .threads = threads};
        feature_table out[INPUT_KIND_COUNT];
        mlac_err err = {0};
        int rc = inputs_build(clips, paths->n, 1u << INPUT_SUMMARY, &s, out, &err);
        CHECK_MSG(rc != MLAC_OK, "%d workers: damaged clips built", threads);
        CHECK_MSG(strstr(err.msg, paths->items[3]) != NULL, "%d workers: '%s' does not name '%s'", threads, err.msg,
                  paths->items[3]);
        if (!first[0])
            snprintf(first, sizeof first, "%s", err.msg);
        CHECK_MSG(!strcmp(first, err.msg), "%d workers: '%s', 1 worker: '%s'", threads, err.msg, first);
        CHECK(out[INPUT_SUMMARY].n == 0 && out[INPUT_SUMMARY].file == NULL);
        free_list(clips, owned, paths->n);
    }
}

int main(void)
{
    test_table();
    char root[] = "/tmp/mlac_inputs_XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    synth_options o;
    synth_options_default(&o);
    o.per_class = 6;
    o.seconds = 1;
    o.species[0] = "coyote";
    o.n_species = 1;
    o.threads = 1;
    mlac_err err = {0};
    store *st = NULL;
    CHECK_OK(store_open(root, &st, &err), &err);
    CHECK_OK(synth_generate(&o, st, NULL, &err), &err);
    dataset d = {0};
    CHECK_OK(dataset_scan(st, NEG_AUTO, &d, &err), &err);
    strlist species, paths;
    strlist_init(&species);
    strlist_init(&paths);
    CHECK_OK(strlist_push(&species, "coyote", &err), &err);
    CHECK_OK(clip_features_paths(&d, &species, &paths, &err), &err);
    CHECK_MSG(paths.n == 12, "%zu clips, want 12", paths.n);
    feat_params fp;
    feat_params_default(&fp);
    fp.image_size = 32;

    test_rows(st, &paths, root, &fp);
    test_first_error(st, &paths, root, &fp);

    strlist_release(&paths);
    strlist_release(&species);
    dataset_release(&d);
    store_free(st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}

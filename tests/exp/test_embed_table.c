/* test_table.c — embed_table_build end to end on a small data root: the command route with the
 * stand-in (windows, pooling, batches, data_5s for perch), the embedding cache (a second run
 * does not call the embedder: its counter file does not grow), and the import route in all
 * three formats giving the very rows the command route gave.
 *
 * Expected rows are composed independently of embed_table.c: the clip is decoded here, cut
 * into windows by the rule of embed.h, embedded by a separate call of the embedder, and
 * pooled — so the test fails if the table reads the wrong file, cuts, batches or pools
 * differently, or serves a stale cache entry.
 */
#include "core/npy.h"
#include "embed/embed.h"
#include "exp/embed_table.h"
#include "embed/embed_testutil.h"
#include "dataset/dataset.h"
#include "test.h"

static char g_root[1024], g_data[1100], g_cache[1100], g_counter[1100], g_tmp[1100];

static int make_data(void)
{
    char p[2400];
    int rc = 0;
    for (int i = 0; i < 3 && !rc; i++) {
        snprintf(p, sizeof p, "%s/frog/data/pos/p%d.wav", g_data, i);
        rc |= tu_write_tone(p, 16000, 7.0, 400 + 40 * i, 0.02, 10 + i);
        snprintf(p, sizeof p, "%s/frog/data/neg/n%d.wav", g_data, i);
        rc |= tu_write_tone(p, 16000, 4.0, 2500 + 100 * i, 0.2, 20 + i);
    }
    /* 5-second twins for p0, p1 and n0 (different sounds, so a row shows which file was read) */
    snprintf(p, sizeof p, "%s/frog/data_5s/pos/p0.wav", g_data);
    rc |= tu_write_tone(p, 22050, 5.0, 700, 0.05, 30);
    snprintf(p, sizeof p, "%s/frog/data_5s/pos/p1.wav", g_data);
    rc |= tu_write_tone(p, 22050, 5.0, 800, 0.05, 31);
    snprintf(p, sizeof p, "%s/frog/data_5s/neg/n0.wav", g_data);
    rc |= tu_write_tone(p, 22050, 5.0, 3000, 0.3, 32);
    return rc;
}

static void cfg_command(embed_config *c, char *cmd, size_t n, const char *args, feature_cache *cache)
{
    char a[1400];
    snprintf(a, sizeof a, "--counter '%s' %s", g_counter, args);
    tu_stand_in(cmd, n, a);
    embed_config_default(c);
    c->embedder = cmd;
    c->cache = cache;
    c->tmp_dir = g_tmp;
}

/* The rows of one clip's windows (n_win, dim) straight from the embedder; caller frees. */
static float *window_vectors(const char *model, const char *file, double overlap, size_t *n_win)
{
    char cmd[8192];
    tu_stand_in(cmd, sizeof cmd, !strcmp(model, "perch") ? "--model perch" : "--model birdnet");
    embed_command_options o = {60, 1, g_tmp, NULL};
    embedder *e = NULL;
    mlac_err err = {0};
    buf b;
    buf_init(&b, 0);
    audio_clip clip = {0};
    float *w = NULL, *v = NULL;
    size_t win, hop;
    CHECK_OK(embed_command_open(cmd, model, &o, &e, &err), &err);
    CHECK_OK(fs_read_file(file, &b, 0, &err), &err);
    if (!e || !b.data)
        goto out;
    CHECK_OK(audio_load(b.data, b.len, file, e->info.rate, 0, AUDIO_OFFSET_START, NULL, &clip, &err), &err);
    CHECK_OK(embed_window_layout(e->info.rate, e->info.window_s, overlap, &win, &hop, &err), &err);
    *n_win = embed_window_count(clip.n, win, hop);
    w = malloc(*n_win * win * sizeof *w);
    v = malloc(*n_win * e->info.dim * sizeof *v);
    for (size_t k = 0; k < *n_win; k++)
        embed_window_copy(clip.samples, clip.n, win, hop, k, w + k * win);
    CHECK_OK(embedder_embed(e, w, *n_win, v, &err), &err);
out:
    audio_clip_release(&clip);
    buf_release(&b);
    embedder_free(e);
    free(w);
    return v;
}

static int build(dataset *d, const char *model, const embed_config *c, feature_table *t, mlac_err *err)
{
    strlist sp;
    strlist_init(&sp);
    strlist_push(&sp, "frog", err);
    store *s = NULL;
    int rc = store_open(g_data, &s, err);
    if (!rc)
        rc = embed_table_build(s, d, &sp, model, c, 2, t, err);
    store_free(s);
    strlist_release(&sp);
    return rc;
}

static double row_diff(const float *a, const float *b, size_t dim)
{
    double m = 0;
    for (size_t j = 0; j < dim; j++)
        m = fmax(m, fabs((double)a[j] - b[j]));
    return m;
}

static void test_birdnet(dataset *d, feature_table *ref)
{
    feature_cache *cache = NULL;
    mlac_err err = {0};
    CHECK_OK(feature_cache_open(g_cache, &cache, &err), &err);
    char cmd[8192];
    embed_config c;
    cfg_command(&c, cmd, sizeof cmd, "--model birdnet", cache);
    feature_table t = {0}, t2 = {0};
    CHECK_OK(build(d, "birdnet", &c, &t, &err), &err);
    CHECK(t.kind == INPUT_EMBEDDING && t.n == 6 && t.dim == 1024 && t.cache_hits == 0);
    int calls = tu_embed_calls(g_counter);
    CHECK_MSG(calls == 1, "%d embed calls for 6 clips in one batch", calls);
    /* each row is the mean of the clip's window vectors, from data/ (birdnet has no 5 s input) */
    char f[2400];
    const char *clips[] = {"frog/data/pos/p0.wav", "frog/data/neg/n2.wav"};
    size_t wins[] = {2, 1}; /* 7 s: 2 whole windows + 1 s (< 1.5 s) dropped; 4 s: 1 + 1 s dropped */
    for (int i = 0; i < 2 && t.rows; i++) {
        size_t nw = 0;
        snprintf(f, sizeof f, "%s/%s", g_data, clips[i]);
        float *v = window_vectors("birdnet", f, 0.0, &nw), pooled[1024];
        CHECK(nw == wins[i]);
        embed_pool(v, nw, 1024, EMBED_POOL_MEAN, pooled);
        const float *row = feature_table_row(&t, clips[i]);
        CHECK_MSG(row && row_diff(row, pooled, 1024) == 0, "%s: row is not the mean of its windows", clips[i]);
        free(v);
    }
    /* second run: every row from the cache, the embedder is not called */
    CHECK_OK(build(d, "birdnet", &c, &t2, &err), &err);
    CHECK(t2.cache_hits == 6 && tu_embed_calls(g_counter) == calls);
    CHECK(t.rows && t2.rows && !memcmp(t.rows, t2.rows, t.n * t.dim * sizeof(float)));
    feature_table_release(&t2);
    /* max pooling is another cache key: computed again, and >= the mean everywhere */
    c.pooling = EMBED_POOL_MAX;
    CHECK_OK(build(d, "birdnet", &c, &t2, &err), &err);
    CHECK(t2.cache_hits == 0 && tu_embed_calls(g_counter) == calls + 1);
    int ge = 1;
    for (size_t i = 0; t.rows && t2.rows && i < t.n * t.dim; i++)
        ge &= t2.rows[i] >= t.rows[i];
    CHECK(ge);
    feature_table_release(&t2);
    /* no cache and one window per call: 6 calls, the same rows (batches do not matter) */
    c.pooling = EMBED_POOL_MEAN;
    c.cache = NULL;
    c.batch_windows = 1;
    CHECK_OK(build(d, "birdnet", &c, &t2, &err), &err);
    CHECK(tu_embed_calls(g_counter) == calls + 1 + 6);
    CHECK(t.rows && t2.rows && !memcmp(t.rows, t2.rows, t.n * t.dim * sizeof(float)));
    feature_table_release(&t2);
    /* with 50 % overlap a 7 s clip has 3 windows (starts 0, 1.5, 3 s cover 6 s; the 1 s left is
     * under half a window) */
    c.overlap = 0.5;
    c.batch_windows = 256;
    CHECK_OK(build(d, "birdnet", &c, &t2, &err), &err);
    size_t nw = 0;
    snprintf(f, sizeof f, "%s/frog/data/pos/p0.wav", g_data);
    float *v = window_vectors("birdnet", f, 0.5, &nw), pooled[1024];
    CHECK(nw == 3);
    embed_pool(v, nw, 1024, EMBED_POOL_MEAN, pooled);
    const float *row = t2.rows ? feature_table_row(&t2, "frog/data/pos/p0.wav") : NULL;
    CHECK(row && row_diff(row, pooled, 1024) == 0);
    free(v);
    feature_table_release(&t2);
    *ref = t;
    feature_cache_free(cache);
}

static void test_perch(dataset *d)
{
    mlac_err err = {0};
    char cmd[8192];
    embed_config c;
    cfg_command(&c, cmd, sizeof cmd, "--model perch", NULL);
    feature_table t = {0};
    CHECK_OK(build(d, "perch", &c, &t, &err), &err);
    CHECK(t.n == 6 && t.dim == 1280);
    /* p0 has a data_5s twin: its row is that file's single window; p2 has none: cut from data/ */
    static const struct {
        const char *clip, *read;
    } cases[] = {{"frog/data/pos/p0.wav", "frog/data_5s/pos/p0.wav"},
                 {"frog/data/neg/n0.wav", "frog/data_5s/neg/n0.wav"},
                 {"frog/data/pos/p2.wav", "frog/data/pos/p2.wav"}};
    for (int i = 0; i < 3 && t.rows; i++) {
        char f[2400];
        size_t nw = 0;
        snprintf(f, sizeof f, "%s/%s", g_data, cases[i].read);
        float *v = window_vectors("perch", f, 0.0, &nw);
        CHECK(nw == 1); /* 5 s: one window; 7 s: one window + 2 s (< 2.5 s) dropped */
        const float *row = feature_table_row(&t, cases[i].clip);
        CHECK_MSG(row && v && row_diff(row, v, 1280) == 0, "%s: not embedded from %s", cases[i].clip,
                  cases[i].read);
        free(v);
    }
    feature_table_release(&t);
}

/* Writes every clip's window vectors vecs[k] (nws[k], 1024) in one import format under dir;
 * returns 0 on success. */
static int write_import(const char *form, const char *dir, const species_data *sp, float **vecs, const size_t *nws)
{
    buf csv;
    buf_init(&csv, 0);
    mlac_err err = {0};
    int rc = !strcmp(form, "csv") ? buf_puts(&csv, "file_path,start,end,embedding\n", &err) : 0;
    for (size_t k = 0; !rc && k < sp->n_clips; k++) {
        char out[4096];
        size_t nw = nws[k];
        const float *v = vecs[k];
        if (!v)
            return -1;
        char stem[1024];
        snprintf(stem, sizeof stem, "%.*s", (int)(strlen(sp->clips[k].path) - 4), sp->clips[k].path);
        buf b;
        buf_init(&b, 0);
        for (size_t w = 0; !rc && strcmp(form, "npy") && w < nw; w++) {
            buf *to = !strcmp(form, "csv") ? &csv : &b;
            rc = !strcmp(form, "csv") ? buf_printf(to, &err, "/mnt/x/%s,%.1f,%.1f,\"", sp->clips[k].path, 3.0 * w,
                                                   3.0 * w + 3)
                                      : buf_printf(to, &err, "%.1f\t%.1f\t", 3.0 * w, 3.0 * w + 3);
            for (size_t j = 0; !rc && j < 1024; j++)
                rc = buf_printf(to, &err, "%.9g%s", (double)v[w * 1024 + j], j < 1023 ? "," : "");
            if (!rc)
                rc = buf_puts(to, !strcmp(form, "csv") ? "\"\n" : "\n", &err);
        }
        if (!rc && !strcmp(form, "txt")) {
            snprintf(out, sizeof out, "%s/%s.birdnet.embeddings.txt", dir, stem);
            rc = fs_write_atomic(out, b.data, b.len, &err);
        } else if (!rc && !strcmp(form, "npy")) {
            size_t shape[2] = {nw, 1024};
            rc = npy_write_f32(&b, v, 2, shape, &err);
            snprintf(out, sizeof out, "%s/%s.npy", dir, sp->clips[k].path);
            if (!rc)
                rc = fs_write_atomic(out, b.data, b.len, &err);
        }
        buf_release(&b);
    }
    if (!rc && !strcmp(form, "csv")) {
        char out[1400];
        snprintf(out, sizeof out, "%s/embeddings.csv", dir);
        rc = fs_write_atomic(out, csv.data, csv.len, &err);
    }
    buf_release(&csv);
    return rc;
}

static void test_import(dataset *d, const feature_table *ref)
{
    static const char *forms[] = {"txt", "csv", "npy"};
    const species_data *sp = dataset_find(d, "frog");
    float *vecs[6] = {0};
    size_t nws[6] = {0};
    for (size_t k = 0; k < sp->n_clips && k < 6; k++) {
        char f[2400];
        snprintf(f, sizeof f, "%s/%s", g_data, sp->clips[k].path);
        vecs[k] = window_vectors("birdnet", f, 0.0, &nws[k]);
    }
    for (int i = 0; i < 3; i++) {
        char dir[1200], spec[1300];
        snprintf(dir, sizeof dir, "%s/import-%s", g_root, forms[i]);
        CHECK_MSG(write_import(forms[i], dir, sp, vecs, nws) == 0, "writing %s", forms[i]);
        snprintf(spec, sizeof spec, "import:%s", dir);
        embed_config c;
        embed_config_default(&c);
        c.embedder = spec;
        feature_table t = {0};
        mlac_err err = {0};
        int calls = tu_embed_calls(g_counter);
        CHECK_OK(build(d, "birdnet", &c, &t, &err), &err);
        CHECK(t.n == ref->n && t.dim == ref->dim && tu_embed_calls(g_counter) == calls);
        CHECK_MSG(t.rows && ref->rows && !memcmp(t.rows, ref->rows, t.n * t.dim * sizeof(float)),
                  "%s import rows differ from the command route", forms[i]);
        feature_table_release(&t);
    }
    for (int k = 0; k < 6; k++)
        free(vecs[k]);
}

/* The one matching fallback (a bare file name in a flat import folder) works for clips whose
 * names are unique, and is refused when two clips (of two species) would share the entry. */
static void test_bare_import(void)
{
    char data[1300], imp[1300], p[2800], spec[1400];
    snprintf(data, sizeof data, "%s/data-bare", g_root);
    snprintf(imp, sizeof imp, "%s/import-bare", g_root);
    mlac_err err = {0};
    int rc = 0;
    static const char *clips[] = {"frog/data/pos/a.wav", "frog/data/neg/b.wav", "toad/data/pos/c.wav",
                                  "toad/data/neg/d.wav"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", data, clips[i]);
        rc |= tu_write_tone(p, 16000, 1.0, 400 + 100 * i, 0.1, 40 + i);
        snprintf(p, sizeof p, "%s/%c.birdnet.embeddings.txt", imp, 'a' + i);
        char line[64];
        int k = snprintf(line, sizeof line, "0\t3\t%d,%d\n", i, 10 * i);
        rc |= fs_write_atomic(p, line, (size_t)k, &err);
    }
    CHECK(rc == 0);
    dataset d = {0};
    store *s = NULL;
    CHECK_OK(store_open(data, &s, &err), &err);
    CHECK_OK(dataset_scan(s, NEG_FOLDER, &d, &err), &err);
    strlist sp;
    strlist_init(&sp);
    strlist_push(&sp, "frog", &err);
    strlist_push(&sp, "toad", &err);
    embed_config c;
    embed_config_default(&c);
    snprintf(spec, sizeof spec, "import:%s", imp);
    c.embedder = spec;
    feature_table t = {0};
    CHECK_OK(embed_table_build(s, &d, &sp, "birdnet", &c, 1, &t, &err), &err);
    CHECK(t.n == 4 && t.dim == 2);
    for (size_t i = 0; t.rows && i < t.n && t.n == 4; i++) /* sorted paths: frog b, frog a, toad d, toad c */
        CHECK_MSG(t.rows[i * 2 + 1] == 10 * t.rows[i * 2], "row %zu", i);
    feature_table_release(&t);
    /* a second species with a clip named a.wav: both would take a.birdnet.embeddings.txt */
    snprintf(p, sizeof p, "%s/toad/data/pos/a.wav", data);
    CHECK(tu_write_tone(p, 16000, 1.0, 900, 0.1, 49) == 0);
    dataset_release(&d);
    store_free(s);
    s = NULL;
    CHECK_OK(store_open(data, &s, &err), &err);
    CHECK_OK(dataset_scan(s, NEG_FOLDER, &d, &err), &err);
    CHECK(embed_table_build(s, &d, &sp, "birdnet", &c, 1, &t, &err) == MLAC_EINVAL);
    CHECK_MSG(strstr(err.msg, "frog/data/pos/a.wav") && strstr(err.msg, "toad/data/pos/a.wav"), "%s", err.msg);
    feature_table_release(&t);
    strlist_release(&sp);
    dataset_release(&d);
    store_free(s);
}

static void test_errors(dataset *d)
{
    mlac_err err = {0};
    embed_config c;
    embed_config_default(&c);
    feature_table t = {0};
    CHECK(build(d, "birdnet", &c, &t, &err) == MLAC_EUNAVAIL);
    CHECK(strstr(err.msg, "embedder_birdnet") && t.rows == NULL);
    CHECK(build(d, "svm", &c, &t, &err) == MLAC_EINVAL);
    char cmd[8192];
    cfg_command(&c, cmd, sizeof cmd, "--model birdnet --fail crash", NULL);
    CHECK(build(d, "birdnet", &c, &t, &err) != 0);
    CHECK_MSG(strstr(err.msg, "birdnet embeddings: ") && strstr(err.msg, "crashed") && t.rows == NULL && t.n == 0,
              "%s", err.msg);
    c.embedder = "import:/nonexistent/embeddings";
    CHECK(build(d, "birdnet", &c, &t, &err) == MLAC_ENOTFOUND && strstr(err.msg, "/nonexistent/embeddings"));
    /* an import that lacks one clip names it */
    char dir[1200], spec[1300], p[2400];
    snprintf(dir, sizeof dir, "%s/import-txt", g_root);
    snprintf(p, sizeof p, "%s/frog/data/neg/n1.birdnet.embeddings.txt", dir);
    remove(p);
    snprintf(spec, sizeof spec, "import:%s", dir);
    c.embedder = spec;
    CHECK(build(d, "birdnet", &c, &t, &err) == MLAC_ENOTFOUND);
    CHECK_MSG(strstr(err.msg, "frog/data/neg/n1.wav"), "%s", err.msg);
    /* a clip that does not decode names the file */
    snprintf(p, sizeof p, "%s/frog/data/neg/n9.wav", g_data);
    CHECK_OK(fs_write_atomic(p, "not audio at all", 16, &err), &err);
    dataset d2 = {0};
    store *s = NULL;
    CHECK_OK(store_open(g_data, &s, &err), &err);
    CHECK_OK(dataset_scan(s, NEG_FOLDER, &d2, &err), &err);
    store_free(s);
    cfg_command(&c, cmd, sizeof cmd, "--model birdnet", NULL);
    CHECK(build(&d2, "birdnet", &c, &t, &err) != 0);
    CHECK_MSG(strstr(err.msg, "n9.wav"), "%s", err.msg);
    dataset_release(&d2);
}

int main(int argc, char **argv)
{
    EMBED_TEST_DISPATCH(argc, argv);
    char *root = tu_tmpdir("table");
    CHECK(root != NULL);
    if (!root)
        TEST_MAIN_END();
    snprintf(g_root, sizeof g_root, "%s", root);
    snprintf(g_data, sizeof g_data, "%s/data", root);
    snprintf(g_cache, sizeof g_cache, "%s/cache", root);
    snprintf(g_counter, sizeof g_counter, "%s/counter.txt", root);
    snprintf(g_tmp, sizeof g_tmp, "%s/tmp", root);
    mlac_err err = {0};
    CHECK_OK(fs_mkdir_p(g_tmp, &err), &err);
    CHECK(make_data() == 0);
    dataset d = {0};
    store *s = NULL;
    CHECK_OK(store_open(g_data, &s, &err), &err);
    CHECK_OK(dataset_scan(s, NEG_FOLDER, &d, &err), &err);
    store_free(s);
    const species_data *sp = dataset_find(&d, "frog");
    CHECK(sp && sp->n_clips == 6 && sp->n_5s == 3);
    feature_table ref = {0};
    if (sp && sp->n_clips == 6) {
        test_birdnet(&d, &ref);
        test_perch(&d);
        test_import(&d, &ref);
        test_bare_import();
        test_errors(&d);
    }
    feature_table_release(&ref);
    dataset_release(&d);
    tu_rm_rf(root);
    free(root);
    TEST_MAIN_END();
}

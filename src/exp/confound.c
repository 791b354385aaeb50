/* confound.c — the metadata-only baseline (see confound.h). */
#include "exp/confound.h"
#include "audio/audio.h"
#include "exp/folds.h"
#include "ml/model.h"
#include "stats/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_int(int *v, size_t *n, int x)
{
    for (size_t i = 0; i < *n && i < 8; i++)
        if (v[i] == x)
            return;
    if (*n < 8)
        v[*n] = x;
    (*n)++;
}

/* x (n_clips, 4): seconds, rate, channels, RMS; ok (n_clips,) 0 for unreadable clips. */
static void read_meta(store *s, const species_data *sp, const feature_table *known, float *x, int *ok,
                      confound_result *out)
{
    for (int c = 0; c < 2; c++)
        out->cls[c].sec_min = INFINITY, out->cls[c].sec_max = -INFINITY;
    for (size_t k = 0; k < sp->n_clips; k++) {
        const float *m = known ? feature_table_meta(known, sp->clips[k].path) : NULL;
        if (m) { /* the feature stage decoded it already */
            memcpy(x + 4 * k, m, 4 * sizeof *m);
            ok[k] = 1;
            out->reused++;
            confound_class *c = &out->cls[sp->clips[k].label];
            add_int(c->rates, &c->n_rates, (int)m[1]);
            add_int(c->channels, &c->n_channels, (int)m[2]);
            c->sec_min = fmin(c->sec_min, m[0]), c->sec_max = fmax(c->sec_max, m[0]);
            continue;
        }
        buf b;
        buf_init(&b, STORE_MAX_OBJECT);
        mlac_err e;
        audio_clip clip = {0};
        audio_info info;
        ok[k] = !store_read(s, sp->clips[k].path, &b, &e) && !audio_decode(b.data, b.len, sp->clips[k].path, &clip, &info, &e);
        buf_release(&b);
        if (!ok[k]) {
            out->unreadable++;
            continue;
        }
        double ss = 0;
        for (size_t i = 0; i < clip.n; i++)
            ss += (double)clip.samples[i] * clip.samples[i];
        double sec = (double)info.frames / info.rate;
        x[4 * k + 0] = (float)sec;
        x[4 * k + 1] = (float)info.rate;
        x[4 * k + 2] = (float)info.channels;
        x[4 * k + 3] = (float)sqrt(ss / (double)(clip.n ? clip.n : 1));
        confound_class *c = &out->cls[sp->clips[k].label];
        add_int(c->rates, &c->n_rates, info.rate);
        add_int(c->channels, &c->n_channels, info.channels);
        c->sec_min = fmin(c->sec_min, sec), c->sec_max = fmax(c->sec_max, sec);
        audio_clip_release(&clip);
    }
}

/* Pooled out-of-fold scores of the forest on the metadata. */
static int baseline_auc(const species_data *sp, int folds, unsigned long long seed, const float *x, const int *ok,
                        double *auc, mlac_err *err)
{
    const struct model_kind *rf = model_find("random_forest");
    size_t n = sp->n_clips;
    int *fold_of = malloc(n * sizeof *fold_of), *ytr = malloc(n * sizeof *ytr), *yte = malloc(n * sizeof *yte);
    float *xtr = malloc(n * 4 * sizeof *xtr), *xte = malloc(n * 4 * sizeof *xte);
    double *score = malloc(n * sizeof *score), *pooled = malloc(n * sizeof *pooled);
    int *ypool = malloc(n * sizeof *ypool);
    int rc = (!rf || !fold_of || !ytr || !yte || !xtr || !xte || !score || !pooled || !ypool)
                 ? mlac_errf(err, MLAC_ENOMEM, "confound check: out of memory") : MLAC_OK;
    if (!rc)
        rc = folds_assign(sp, folds, seed, 0, fold_of, err);
    size_t np = 0;
    for (int f = 0; !rc && f < folds; f++) {
        size_t a = 0, t = 0;
        for (size_t k = 0; k < n; k++) {
            if (!ok[k])
                continue;
            int test = fold_of[k] == f;
            memcpy((test ? xte + 4 * t : xtr + 4 * a), x + 4 * k, 4 * sizeof(float));
            if (test)
                yte[t++] = sp->clips[k].label;
            else
                ytr[a++] = sp->clips[k].label;
        }
        model_config cfg = {.seed = seed ^ 0x6d657461ULL, .n_threads = 1, .options = NULL};
        model *m = NULL;
        rc = rf->create(&cfg, &m, err);
        if (!rc)
            rc = rf->fit(m, xtr, ytr, a, 4, err);
        if (!rc)
            rc = rf->score(m, xte, t, 4, NULL, score, err);
        for (size_t i = 0; !rc && i < t; i++)
            pooled[np] = score[i], ypool[np++] = yte[i];
        if (m)
            rf->free(m);
    }
    *auc = NAN;
    if (!rc)
        rc = metric_roc_auc_or_nan(pooled, ypool, np, auc, err);
    free(fold_of), free(ytr), free(yte), free(xtr), free(xte), free(score), free(pooled), free(ypool);
    return rc;
}

int confound_check(store *s, const species_data *sp, int folds, unsigned long long seed, const feature_table *known,
                   confound_result *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    out->auc = NAN;
    size_t n = sp->n_clips;
    float *x = calloc((n ? n : 1) * 4, sizeof *x);
    int *ok = calloc(n ? n : 1, sizeof *ok);
    int rc = (!x || !ok) ? mlac_errf(err, MLAC_ENOMEM, "confound check: out of memory") : MLAC_OK;
    if (!rc)
        read_meta(s, sp, known, x, ok, out);
    if (!rc && out->unreadable < n)
        rc = baseline_auc(sp, folds, seed, x, ok, &out->auc, err);
    free(x), free(ok);
    return rc;
}

void confound_describe(const confound_class *c, char *out, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < c->n_rates && i < 8 && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%d", i ? "," : "", c->rates[i]);
    if (len < n)
        len += (size_t)snprintf(out + len, n - len, "%s Hz; ", c->n_rates > 8 ? ",..." : "");
    for (size_t i = 0; i < c->n_channels && i < 8 && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%d", i ? "," : "", c->channels[i]);
    if (len < n)
        snprintf(out + len, n - len, " ch; %.2f-%.2f s", isfinite(c->sec_min) ? c->sec_min : 0,
                 isfinite(c->sec_max) ? c->sec_max : 0);
}

int confound_warning(const species_data *sp, const confound_result *r, char *msg, size_t n)
{
    if (!(r->auc >= CONFOUND_WARN_AUC))
        return 0;
    char pos[160], neg[160];
    confound_describe(&r->cls[1], pos, sizeof pos);
    confound_describe(&r->cls[0], neg, sizeof neg);
    snprintf(msg, n, "species '%s': the recording format alone (duration, sample rate, channels, RMS level) separates "
             "the classes with ROC-AUC %.2f (positives: %s; negatives: %s); the learning curves may measure the "
             "format, not the sound", sp->name, r->auc, pos, neg);
    return 1;
}

/* clip_check.c — unreadable clips (--on-bad-clip skip|fail, issue 13).
 *
 * Every distinct clip of the chosen species is read from the store and decoded in full
 * (audio_decode: truncation, NaN samples, zero frames and bad headers are all caught, not only
 * what the header says). Each clip writes only its own slot, so the list of bad clips does not
 * depend on the thread count. Skipped clips leave every species' list (a positive borrowed as
 * another species' negative goes too) and enter d->bad, which the fingerprint covers.
 */
#include "audio/audio.h"
#include "core/pool.h"
#include "dataset/dataset.h"
#include "dataset/dataset_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dataset_parse_bad_clip(const char *text, enum bad_clip_mode *out, mlac_err *err)
{
    if (!text[0] || !strcmp(text, "skip"))
        *out = BAD_CLIP_SKIP;
    else if (!strcmp(text, "fail"))
        *out = BAD_CLIP_FAIL;
    else
        return mlac_errf(err, MLAC_EINVAL, "on_bad_clip: expected skip or fail, got '%s'", text);
    return MLAC_OK;
}

typedef struct check_job {
    store *s;
    char **paths;   /* (n,) distinct clip paths, borrowed */
    char **reason;  /* (n,) NULL = readable, else the decoder's message, owned */
} check_job;

static void check_one(void *ctx, size_t i, int worker)
{
    (void)worker;
    check_job *job = ctx;
    buf b;
    buf_init(&b, STORE_MAX_OBJECT);
    mlac_err e = {0};
    audio_clip clip = {0};
    int rc = store_read(job->s, job->paths[i], &b, &e);
    if (!rc)
        rc = audio_decode(b.data, b.len, job->paths[i], &clip, NULL, &e);
    audio_clip_release(&clip);
    buf_release(&b);
    if (rc)
        job->reason[i] = strdup(e.msg[0] ? e.msg : "unreadable");
}

static int wanted(const strlist *only, const char *name)
{
    return !only || !only->n || strlist_contains(only, name);
}

static int cmp_bad(const void *a, const void *b)
{
    return strcmp(((const bad_clip *)a)->path, ((const bad_clip *)b)->path);
}

int dataset_is_unreadable(const dataset *d, const char *path)
{
    bad_clip key = {(char *)path, NULL};
    return d->n_bad && bsearch(&key, d->bad, d->n_bad, sizeof *d->bad, cmp_bad) != NULL;
}

/* Removes the clips listed in d->bad from every species and recounts. */
static void remove_bad(dataset *d)
{
    for (size_t i = 0; i < d->n; i++) {
        species_data *sp = &d->species[i];
        size_t w = 0;
        sp->n_pos = sp->n_neg = 0;
        for (size_t k = 0; k < sp->n_clips; k++) {
            clip_ref *c = &sp->clips[k];
            if (dataset_is_unreadable(d, c->path)) {
                free(c->path), free(c->path5s), free(c->group);
                continue;
            }
            sp->clips[w++] = *c;
            sp->n_pos += c->label == 1;
            sp->n_neg += c->label == 0;
        }
        sp->n_clips = w;
    }
    dataset_fingerprint(d);
}

/* Adds (path, reason) to d->bad unless listed; d->bad is re-sorted by the caller. */
static int add_bad(dataset *d, const char *path, const char *reason, mlac_err *err)
{
    for (size_t k = 0; k < d->n_bad; k++)
        if (!strcmp(d->bad[k].path, path))
            return MLAC_OK;
    bad_clip *p = realloc(d->bad, (d->n_bad + 1) * sizeof *p);
    if (!p)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory listing unreadable clips");
    d->bad = p;
    p[d->n_bad].path = strdup(path);
    p[d->n_bad].reason = strdup(reason);
    if (!p[d->n_bad].path || !p[d->n_bad].reason) {
        free(p[d->n_bad].path), free(p[d->n_bad].reason);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory listing unreadable clips");
    }
    d->n_bad++;
    return MLAC_OK;
}

void dataset_bad_summary(const dataset *d, size_t show, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t k = 0; k < d->n_bad && k < show && len < n; k++)
        len += (size_t)snprintf(out + len, n - len, "%s%s (%s)", k ? "; " : "", d->bad[k].path, d->bad[k].reason);
    if (d->n_bad > show && len < n)
        snprintf(out + len, n - len, "; and %zu more", d->n_bad - show);
}

/* Each species of only keeps both classes, or the error says what was lost. */
static int check_left(const dataset *d, const strlist *only, mlac_err *err)
{
    for (size_t i = 0; i < d->n; i++) {
        const species_data *sp = &d->species[i];
        if (wanted(only, sp->name) && (!sp->n_pos || !sp->n_neg))
            return mlac_errf(err, MLAC_EFORMAT, "species '%s': no %s clip is readable (%zu unreadable clips under "
                             "'%s', e.g. '%s': %s)%s", sp->name, sp->n_pos ? "negative" : "positive", d->n_bad, d->root,
                             d->bad[0].path, d->bad[0].reason,
                             d->manifest[0] ? "; the files of a labels CSV are relative to --data, or to the CSV's "
                                              "folder when --data is not given" : "");
    }
    return MLAC_OK;
}

int dataset_drop_clips(dataset *d, const strlist *paths, const char *reason, mlac_err *err)
{
    int rc = MLAC_OK;
    for (size_t k = 0; !rc && k < paths->n; k++)
        rc = add_bad(d, paths->items[k], reason, err);
    if (d->n_bad)
        qsort(d->bad, d->n_bad, sizeof *d->bad, cmp_bad);
    if (!rc)
        remove_bad(d);
    return rc;
}

int dataset_check_clips(store *s, dataset *d, const strlist *only, enum bad_clip_mode mode, int threads,
                        mlac_err *err)
{
    strlist all;
    strlist_init(&all);
    int rc = MLAC_OK;
    for (size_t i = 0; !rc && i < d->n; i++)
        for (size_t k = 0; !rc && wanted(only, d->species[i].name) && k < d->species[i].n_clips; k++)
            rc = strlist_push(&all, d->species[i].clips[k].path, err);
    strlist_sort(&all);
    size_t w = 0; /* a clip may be a negative of several species */
    for (size_t i = 0; i < all.n; i++) {
        if (w && !strcmp(all.items[i], all.items[w - 1]))
            free(all.items[i]);
        else
            all.items[w++] = all.items[i];
    }
    all.n = w;
    check_job job = {s, all.items, calloc(all.n ? all.n : 1, sizeof(char *))};
    if (!rc && !job.reason)
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory checking %zu clips", all.n);
    if (!rc)
        pool_for(threads > 0 ? threads : 1, all.n, check_one, &job);
    for (size_t i = 0; !rc && i < all.n; i++)
        if (job.reason[i])
            rc = add_bad(d, all.items[i], job.reason[i], err);
    if (!rc && d->n_bad) {
        qsort(d->bad, d->n_bad, sizeof *d->bad, cmp_bad);
        if (mode == BAD_CLIP_FAIL) {
            char list[2048];
            dataset_bad_summary(d, 5, list, sizeof list);
            rc = mlac_errf(err, MLAC_EFORMAT, "%zu unreadable clips under '%s' (on_bad_clip is 'fail'; 'skip' leaves "
                           "them out): %s", d->n_bad, d->root, list);
        } else {
            remove_bad(d);
            rc = check_left(d, only, err);
        }
    }
    for (size_t i = 0; job.reason && i < all.n; i++)
        free(job.reason[i]);
    free(job.reason);
    strlist_release(&all);
    return rc;
}

/* clip_length.c — the run's clip length from the clips' durations (see clip_length.h). */
#include "exp/clip_length.h"
#include "exp/clip_features.h"
#include "audio/audio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The most common value of ms (sorted, n > 0), the shortest among ties; *tied = other values as common. */
static long mode_of(const long *ms, size_t n, size_t *count, size_t *tied)
{
    long best = ms[0];
    size_t best_n = 0;
    *tied = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && ms[j] == ms[i])
            j++;
        if (j - i > best_n)
            best = ms[i], best_n = j - i, *tied = 0;
        else if (j - i == best_n)
            (*tied)++;
        i = j;
    }
    *count = best_n;
    return best;
}

int clip_length_choose(store *s, const dataset *d, const strlist *species, double given, clip_length_stats *out,
                       mlac_err *err)
{
    memset(out, 0, sizeof *out);
    strlist paths;
    strlist_init(&paths);
    int rc = clip_features_paths(d, species, &paths, err);
    long *ms = rc ? NULL : malloc((paths.n ? paths.n : 1) * sizeof *ms);
    if (!rc && !ms)
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory reading clip durations");
    for (size_t i = 0; !rc && i < paths.n; i++) {
        buf b;
        buf_init(&b, STORE_MAX_OBJECT);
        audio_info info;
        mlac_err e = {0};
        if (!store_read(s, paths.items[i], &b, &e) && !audio_probe(b.data, b.len, paths.items[i], &info, &e) &&
            info.rate > 0)
            ms[out->clips++] = lround(1000.0 * (double)info.frames / info.rate);
        else
            out->unreadable++;
        buf_release(&b);
    }
    if (!rc) {
        qsort(ms, out->clips, sizeof *ms, cmp_long);
        out->from_data = given <= 0;
        if (given > 0)
            out->seconds = given;
        else if (out->clips)
            out->seconds = (double)mode_of(ms, out->clips, &out->at_mode, &out->tied) / 1000.0;
        else
            out->seconds = CLIP_LENGTH_FALLBACK;
        long target = lround(out->seconds * 1000.0);
        out->at_mode = 0;
        for (size_t i = 0; i < out->clips; i++) {
            out->at_mode += ms[i] == target;
            out->shorter += ms[i] < target;
            out->longer += ms[i] > target;
        }
    }
    free(ms);
    strlist_release(&paths);
    return rc;
}

void clip_length_describe(const clip_length_stats *st, char *out, size_t n)
{
    char how[200];
    if (!st->from_data)
        snprintf(how, sizeof how, "given (clip_seconds)");
    else if (!st->clips)
        snprintf(how, sizeof how, "the fallback: no clip header could be read to choose it from the data");
    else
        snprintf(how, sizeof how, "chosen from the data: the most common clip duration (%zu of %zu clips)%s", st->at_mode,
                 st->clips, st->tied ? ", the shortest of the tied durations" : "");
    int len = snprintf(out, n, "clip length %.3f s, %s; centred: %zu shorter clip%s zero-padded equally on both sides, "
                       "%zu longer clip%s cropped to the middle", st->seconds, how, st->shorter,
                       st->shorter == 1 ? "" : "s", st->longer, st->longer == 1 ? "" : "s");
    if (st->unreadable && len > 0 && (size_t)len < n)
        snprintf(out + len, n - (size_t)len, "; %zu clip header%s unreadable", st->unreadable,
                 st->unreadable == 1 ? "" : "s");
}

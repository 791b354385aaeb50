/* exp_testutil.h — builds in-memory species for protocol tests (no audio needed). */
#ifndef MLAC_TEST_EXP_TESTUTIL_H
#define MLAC_TEST_EXP_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dataset/dataset.h"

/* A species with n_pos positives then n_neg negatives named "<name>/data/pos/p000.wav"... */
static inline void make_species(species_data *sp, const char *name, size_t n_pos, size_t n_neg)
{
    memset(sp, 0, sizeof *sp);
    snprintf(sp->name, sizeof sp->name, "%s", name);
    sp->n_clips = n_pos + n_neg;
    sp->n_pos = n_pos;
    sp->n_neg = n_neg;
    sp->clips = calloc(sp->n_clips, sizeof *sp->clips);
    for (size_t i = 0; i < sp->n_clips; i++) {
        char path[256];
        int pos = i < n_pos;
        snprintf(path, sizeof path, "%s/data/%s/%s%03zu.wav", name, pos ? "pos" : "neg", pos ? "p" : "n",
                 pos ? i : i - n_pos);
        sp->clips[i].path = strdup(path);
        sp->clips[i].label = pos;
    }
}

static inline void free_species(species_data *sp)
{
    for (size_t i = 0; i < sp->n_clips; i++)
        free(sp->clips[i].path), free(sp->clips[i].group);
    free(sp->clips);
}

#endif

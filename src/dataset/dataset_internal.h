/* dataset_internal.h — what the data scan's files share (dataset.c: the folder layouts;
 * manifest.c: a labels CSV; clip_check.c: unreadable clips). Not for other modules. */
#ifndef MLAC_DATASET_INTERNAL_H
#define MLAC_DATASET_INTERNAL_H

#include "dataset/dataset.h"

/* A growable array of clips. */
typedef struct clip_vec {
    clip_ref *v;
    size_t n, cap;
} clip_vec;

/* Appends a copy of (path, label, group); group may be NULL. */
int clip_push(clip_vec *cv, const char *path, int label, const char *group, mlac_err *err);
/* Appends a species named name (its clips empty); names must arrive in sorted order. */
int dataset_add_species(dataset *d, const char *name, mlac_err *err);
/* The end of both scans (the folder layouts, a labels CSV): each species' clip list from its own
 * clips own[i] and the negatives mode (positives first), check on each species (the layout's
 * rule; may be NULL), the fingerprint; own is freed, and on failure out is released. rc is the
 * scan's status so far: a failure passes through (own and out still released). */
int dataset_finish_scan(dataset *out, clip_vec *own, enum negatives_mode mode, int rc,
                        int (*check)(species_data *sp, const void *ctx, mlac_err *err), const void *ctx,
                        mlac_err *err);
/* d->fingerprint from every (species, path, label) and the unreadable clips left out. */
void dataset_fingerprint(dataset *d);

#endif

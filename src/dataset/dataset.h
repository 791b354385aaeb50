/* dataset.h — discovers species and labelled clips under a data root (DESIGN.md §2).
 *
 *   <root>/<species>/data/{pos,positive,1,present}/...   positives
 *   <root>/<species>/data/{neg,negative,0,absent}/...    negatives
 *   <root>/<species>/data/labels.csv                     or: file,label rows (a header row may
 *                                                         add a group, recording or site column)
 *   <root>/<species>/data_5s/...                         5-second twins (same file names)
 * or a manifest (manifest.c): a CSV of file,species,label[,group] rows, files anywhere below the
 * root, label words mapped to positive/negative (--positive-label/--negative-label).
 *
 * dataset_check_clips (clip_check.c) decodes every clip once; with --on-bad-clip skip the
 * unreadable ones are left out of the species (counts, folds) and listed in dataset.bad, and
 * the fingerprint covers that list.
 *
 * Clips are kept sorted by store path, so every index derived from them (folds, training sets)
 * is the same on any machine. Negatives come from the species' own folder, or — with
 * "others", or "auto" when the species has none — from the other species' positives.
 */
#ifndef MLAC_DATASET_DATASET_H
#define MLAC_DATASET_DATASET_H

#include <stddef.h>
#include "core/error.h"
#include "store/store.h"

enum negatives_mode { NEG_AUTO = 0, NEG_FOLDER, NEG_OTHERS };

typedef struct clip_ref {
    char *path;   /* store path relative to the data root, owned */
    char *path5s; /* the data_5s twin, or NULL, owned */
    int label;    /* 1 positive, 0 negative */
    char *group;  /* the clip's group (recording, site), owned; NULL until groups_apply sets it */
    int gid;      /* index of the group within the species, valid when the species has groups */
} clip_ref;

typedef struct species_data {
    char name[128];
    clip_ref *clips;     /* (n_clips,) positives then negatives, each group sorted by path */
    size_t n_clips;
    size_t n_pos, n_neg;
    int negatives_from_others; /* 1 when the negatives are other species' positives */
    size_t n_5s;               /* data_5s files found */
    size_t n_5s_unpaired;      /* data_5s files with no twin in data/ */
    int from_labels_csv;
    int labels_csv_groups;     /* labels.csv has a group/recording/site column */
    size_t n_groups;           /* distinct groups of the clips; 0 = not grouped (groups.h) */
    char confound_note[1024];  /* the metadata-baseline warning (confound.h), "" when none or not run */
    char label_map[512];       /* manifest: how its label words were read, e.g. "'call' -> positive, ..." */
} species_data;

typedef struct bad_clip {
    char *path;   /* store path, owned */
    char *reason; /* why it cannot be read, owned */
} bad_clip;

typedef struct dataset {
    char root[4096];
    species_data *species; /* (n,) sorted by name */
    size_t n;
    char fingerprint[65];  /* SHA-256 over every (species, path, label) and the bad paths */
    bad_clip *bad;         /* (n_bad,) unreadable clips left out, sorted by path */
    size_t n_bad;
    char manifest[4096];   /* the labels CSV the clips came from, "" for the folder layouts */
} dataset;

/* Where the clips and their labels come from. */
typedef struct dataset_source {
    enum negatives_mode negatives;
    const char *labels_csv;     /* "" or NULL: the folder layouts; else a manifest CSV (local or gs://) */
    const char *positive_label; /* manifest label word for positives, "" = decide from the values */
    const char *negative_label; /* manifest label word for negatives, "" = decide from the values */
} dataset_source;

enum bad_clip_mode { BAD_CLIP_SKIP = 0, BAD_CLIP_FAIL };

int dataset_parse_negatives(const char *text, enum negatives_mode *out, mlac_err *err);
/* only: NULL for every species found, else the names to load (others are still used for
 * negatives in "others" mode). */
int dataset_scan(store *s, enum negatives_mode mode, dataset *out, mlac_err *err);
/* dataset_scan, or the manifest when src->labels_csv is set (paths relative to the store's root). */
int dataset_load(store *s, const dataset_source *src, dataset *out, mlac_err *err);
int dataset_scan_manifest(store *s, const dataset_source *src, dataset *out, mlac_err *err);
int dataset_parse_bad_clip(const char *text, enum bad_clip_mode *out, mlac_err *err);
/* Reads and decodes every clip of the species in only (NULL = all; their borrowed negatives
 * too) on `threads` threads. Unreadable ones: with BAD_CLIP_FAIL an error listing them (the
 * first few, then a count); with BAD_CLIP_SKIP they leave the species and go to d->bad, and
 * the fingerprint is recomputed. A species left without positives or negatives is an error. */
int dataset_check_clips(store *s, dataset *d, const strlist *only, enum bad_clip_mode mode, int threads,
                        mlac_err *err);
/* Leaves out the given paths as unreadable (reason given), as dataset_check_clips would have:
 * replays a run's list from its spec.json without decoding again. */
int dataset_drop_clips(dataset *d, const strlist *paths, const char *reason, mlac_err *err);
/* 1 when path was left out as unreadable (in d->bad). */
int dataset_is_unreadable(const dataset *d, const char *path);
/* "a.wav (reason); b.wav (reason); and 7 more" — the first `show` bad clips, for messages. */
void dataset_bad_summary(const dataset *d, size_t show, char *out, size_t n);
void dataset_release(dataset *d);
const species_data *dataset_find(const dataset *d, const char *species);
/* Largest n such that every fold's training pool holds n positives and n negatives. */
size_t dataset_max_balanced(const species_data *sp, int folds);

#endif

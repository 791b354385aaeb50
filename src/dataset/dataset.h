/* dataset.h — discovers species and labelled clips under a data root (DESIGN.md §2).
 *
 *   <root>/<species>/data/{pos,positive,1,present}/...   positives
 *   <root>/<species>/data/{neg,negative,0,absent}/...    negatives
 *   <root>/<species>/data/labels.csv                     or: file,label rows (a header row may
 *                                                         add a group, recording or site column)
 *   <root>/<species>/data_5s/...                         5-second twins (same file names)
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
} species_data;

typedef struct dataset {
    char root[4096];
    species_data *species; /* (n,) sorted by name */
    size_t n;
    char fingerprint[65];  /* SHA-256 over every (species, path, label) */
} dataset;

const char *dataset_layout_help(void);
int dataset_parse_negatives(const char *text, enum negatives_mode *out, mlac_err *err);
/* only: NULL for every species found, else the names to load (others are still used for
 * negatives in "others" mode). */
int dataset_scan(store *s, enum negatives_mode mode, dataset *out, mlac_err *err);
void dataset_release(dataset *d);
const species_data *dataset_find(const dataset *d, const char *species);
/* Largest n such that every fold's training pool holds n positives and n negatives. */
size_t dataset_max_balanced(const species_data *sp, int folds);
/* 1 for names libsndfile can decode (by extension, case-insensitive). */
int dataset_is_audio(const char *path);

#endif

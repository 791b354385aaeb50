/* spec.h — the resolved experiment specification: what a run computes, and its identity.
 *
 * Built from the configuration (flags > environment > YAML > defaults), validated against the
 * dataset before any work, and saved as spec.json. The run id defaults to a hash of everything
 * that changes results (not threads or concurrency), so rerunning the same spec into the same
 * output folder resumes the same run.
 */
#ifndef MLAC_EXP_SPEC_H
#define MLAC_EXP_SPEC_H

#include <jansson.h>
#include <stddef.h>
#include "core/buf.h"
#include "core/config.h"
#include "core/error.h"
#include "embed/embed_settings.h"
#include "dataset/dataset.h"
#include "exp/clip_features.h"
#include "exp/groups.h"
#include "features/features.h"

#define SPEC_MAX_SIZES 64

typedef struct exp_spec {
    strlist models;            /* registry names, in registry order (spec_canonical_order) */
    strlist species;           /* species names, in byte order (spec_canonical_order) */
    size_t sizes[SPEC_MAX_SIZES]; /* requested training sizes per class, ascending, unique */
    size_t n_sizes;
    int folds;                 /* K >= 2 */
    int repeats;               /* R >= 1 */
    unsigned long long seed;   /* master seed */
    int threads;               /* total thread budget */
    int max_concurrent;        /* tasks at once */
    enum negatives_mode negatives;
    char data[4096];           /* data root URI */
    char output_dir[4096];     /* results root URI */
    char run_id[128];
    char cache_dir[4096];      /* "" = no cache */
    double clip_seconds;       /* > 0 once resolved; 0 until spec_resolve_clip when clip_auto */
    int clip_auto;             /* clip_seconds "auto" (the default): the data's most common duration */
    char clip_note[512];       /* how the length was chosen, what is padded or cropped (clip_length.h) */
    feat_params feat;
    json_t *model_options;     /* {"<model>": {option: value}} for every model of the run, owned */
    embed_settings embed;      /* embedders of birdnet/perch, pooling, head (embed_settings.h) */
    group_settings groups;     /* where clip groups come from (groups.h) */
    int calibrate_platt;       /* --calibrate platt: Platt scaling of margin models (task_exec.h) */
    char test_data[4096];      /* external test set root, "" = none (external.h) */
    int group_score;           /* --group-score: 0 off, 1 max, 2 mean of a group's clip scores */
    char labels[4096];         /* --labels: manifest CSV of file,species,label[,group], "" = folder layout */
    char positive_label[256];  /* manifest label word of positives, "" = decided from the values */
    char negative_label[256];  /* likewise of negatives */
    enum bad_clip_mode on_bad_clip; /* unreadable clips: skipped (listed) or an error (dataset.h) */
} exp_spec;

/* The lists of a run are sets: models in registry order (model_sort_names), species in byte
 * order, sizes ascending. spec_from_config and spec_load_dataset leave them so, and the run id
 * and spec.json use this order, so typing them in another order gives the same run and the same
 * outputs byte for byte. Call it again after changing a list by hand. */
void spec_canonical_order(exp_spec *spec);
/* On failure the spec holds nothing: release it only after success. */
int spec_from_config(const config *cfg, exp_spec *spec, mlac_err *err);
void spec_release(exp_spec *spec);
/* The feature parameters of the configuration (sample_rate, n_fft, ..., image_size), checked. */
int spec_read_features(const config *cfg, feat_params *f, mlac_err *err);
/* The options object of one model (borrowed; an empty object when it has none). */
json_t *spec_model_options(const exp_spec *spec, const char *model);
/* Scans the data root (or reads the --labels manifest), fills an empty species list with every
 * species found, decodes the species' clips once and leaves out (or, with on_bad_clip fail,
 * refuses) the unreadable ones, then applies the spec's groups. Logs the label mapping of a
 * manifest and the clips left out. */
int spec_load_dataset(exp_spec *spec, store *s, dataset *data, mlac_err *err);
/* Resolves the clip length (clip_length.h: the data's most common duration unless clip_seconds was
 * given), fills clip_note and logs it. Before spec_derive_run_id: the length is part of the run. */
int spec_resolve_clip(exp_spec *spec, store *s, const dataset *data, mlac_err *err);
/* Checks models exist, species exist in the data, folds fit the clips (and the groups). Names the
 * field. On success logs one warning per species whose folds are unbalanced by a large group, or
 * whose file names look like windows of recordings while grouping is off (leakage.h). */
int spec_validate(const exp_spec *spec, const dataset *data, mlac_err *err);
/* The metadata-only baseline of every species of the spec (confound.h) with the spec's folds:
 * logs a warning and keeps it in the species' confound_note (spec.json "warnings", the report).
 * known: the run's feature table, whose clips are not decoded again (may be NULL). */
void spec_check_confounds(const exp_spec *spec, store *s, dataset *data, const feature_table *known);
/* The spec as JSON (every parameter, version, data fingerprint), new reference. */
json_t *spec_to_json(const exp_spec *spec, const dataset *data);
/* Fills spec->run_id from a hash of the result-determining fields, unless already set;
 * MLAC_ENOMEM when the fields could not all be serialised (a run id of part of them would name
 * another run). */
int spec_derive_run_id(exp_spec *spec, const dataset *data, mlac_err *err);

#endif

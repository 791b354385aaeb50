/* external.h — an external test set (--test-data ROOT, the same layout as the data root: another
 * site, another season). Every task's model, fitted on its fold's training set as usual, also
 * scores the external clips of its species; the task records "external_roc_auc" (aggregated
 * like the other metrics). Models on audio features (MFCC summaries, log-mel images) only;
 * embedding models record null.
 */
#ifndef MLAC_EXP_EXTERNAL_H
#define MLAC_EXP_EXTERNAL_H

#include "exp/clip_features.h"
#include "dataset/dataset.h"
#include "exp/spec.h"
#include "features/feature_cache.h"

#include <jansson.h>

typedef struct external_set {
    dataset data;                               /* the external clips */
    store *in;
    feature_table tables[INPUT_KIND_COUNT];     /* by model input kind; n == 0 when unused */
} external_set;

/* Opens and scans spec->test_data and checks every species of the spec has both classes there
 * (the message names the root and species): the runner calls it before spec.json is written, so
 * a bad external root leaves nothing behind. On failure ext is empty. */
int external_open(const exp_spec *spec, external_set *ext, mlac_err *err);
/* Builds the feature tables of the kinds (bits of enum model_input) with the spec's feature
 * parameters (opening the set first unless external_open did). */
int external_prepare(const exp_spec *spec, unsigned kinds, feature_cache *cache, external_set *ext, mlac_err *err);
void external_release(external_set *ext);
/* The external ROC-AUC of a fitted model: NAN when the kind has no external table. check (when
 * not NULL) gets "scores" and "labels", one per external clip, from which the ledger's check of
 * the task's line recomputes it (exp/ledger.h). */
int external_score(const external_set *ext, const char *species, const struct model_kind *kind, model *m,
                   double *auc, json_t *check, mlac_err *err);

#endif

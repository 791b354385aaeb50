/* confound.h — does the recording format alone tell the classes apart? (issue 12, item 7)
 *
 * A metadata-only baseline per species: four values per clip (duration before padding,
 * original sample rate, channel count, RMS level of the decoded mono signal), a random forest
 * (the registry's, default options) scored with the run's own folds (repeat 0; each fold's model
 * fitted on its whole training pool), ROC-AUC of the pooled out-of-fold scores. At
 * CONFOUND_WARN_AUC or above the learning curves may measure the format, not the sound.
 * Also what was found per class: sample rates, channel counts, duration range.
 */
#ifndef MLAC_EXP_CONFOUND_H
#define MLAC_EXP_CONFOUND_H

#include <stddef.h>
#include "core/error.h"
#include "dataset/dataset.h"
#include "exp/clip_features.h"
#include "store/store.h"

#define CONFOUND_WARN_AUC 0.7

typedef struct confound_class {
    int rates[8];         /* distinct original sample rates (first 8) */
    size_t n_rates;       /* distinct rates seen (may exceed 8) */
    int channels[8];
    size_t n_channels;
    double sec_min, sec_max;
} confound_class;

typedef struct confound_result {
    double auc;               /* metadata baseline ROC-AUC (NAN when it could not be fitted) */
    confound_class cls[2];    /* [0] negatives, [1] positives */
    size_t unreadable;
    size_t reused;            /* clips whose values came from the feature stage (known), not a decode */
} confound_result;

/* known: the run's feature table (or NULL): a clip it holds is not decoded again, its metadata
 * (feature_table_meta: what the feature stage's decode saw) is used; other clips are decoded. */
int confound_check(store *s, const species_data *sp, int folds, unsigned long long seed, const feature_table *known,
                   confound_result *out, mlac_err *err);
/* One line: the warning when out->auc >= CONFOUND_WARN_AUC (returns 1), else 0. */
int confound_warning(const species_data *sp, const confound_result *r, char *msg, size_t n);
/* "8000,22050 Hz; 1 ch; 2.00-3.00 s" for a class. */
void confound_describe(const confound_class *c, char *out, size_t n);

#endif

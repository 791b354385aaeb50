/* coyote_features.h — shared setup of the feature-extraction tests on a synthetic dataset: one
 * species ("coyote") of per_class positives and negatives of 1 s written by the synth module and
 * scanned, and feature_tables_build of that species with the default parameters. */
#ifndef MLAC_TEST_COYOTE_FEATURES_H
#define MLAC_TEST_COYOTE_FEATURES_H

#include "test.h"

#include "dataset/dataset.h"
#include "exp/clip_features.h"
#include "store/store.h"
#include "synth/synth.h"

#include <string.h>

/* Writes the dataset under the store's folder dir (opened into *st) and scans it into *d. */
static void coyote_dataset(const char *dir, int per_class, int threads, store **st, dataset *d)
{
    synth_options o;
    synth_options_default(&o);
    o.per_class = per_class;
    o.seconds = 1;
    o.species[0] = "coyote";
    o.n_species = 1;
    o.threads = threads;
    mlac_err err = {0};
    memset(d, 0, sizeof *d);
    CHECK_OK(store_open(dir, st, &err), &err);
    CHECK_OK(synth_generate(&o, *st, NULL, &err), &err);
    CHECK_OK(dataset_scan(*st, NEG_AUTO, d, &err), &err);
}

/* The tables of inputs (a mask of 1u << INPUT_*) for the species, on 2 threads; image_size 0
 * keeps the default. out holds INPUT_LOGMEL_IMAGE + 1 tables. */
static int coyote_tables(store *st, const dataset *d, unsigned inputs, int image_size, feature_cache *cache,
                         feature_table *out, mlac_err *err)
{
    strlist species;
    strlist_init(&species);
    feat_params fp;
    feat_params_default(&fp);
    if (image_size)
        fp.image_size = image_size;
    memset(out, 0, sizeof(feature_table) * (INPUT_LOGMEL_IMAGE + 1));
    int rc = strlist_push(&species, "coyote", err);
    if (!rc)
        rc = feature_tables_build(st, d, &species, inputs, &fp, 1.0, cache, 2, NULL, NULL, out, err);
    strlist_release(&species);
    return rc;
}

#endif

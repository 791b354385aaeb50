/* fuzz_spec_models.h — shared by the spec fuzz targets: every model a parsed spec names is
 * created with its model_options (as spec validation does before any work), then freed. */
#ifndef MLAC_TEST_FUZZ_SPEC_MODELS_H
#define MLAC_TEST_FUZZ_SPEC_MODELS_H

#include "exp/spec.h"
#include "ml/model.h"

#include <stdlib.h>

/* 0 when every named model accepted its options, else the first error (a message is required). */
static inline int fuzz_create_models(const exp_spec *spec, mlac_err *err)
{
    for (size_t i = 0; i < spec->models.n; i++) {
        const struct model_kind *kind = model_find(spec->models.items[i]);
        if (!kind)
            continue;
        model_config mc = {.seed = spec->seed, .n_threads = 1,
                           .options = spec_model_options(spec, spec->models.items[i])};
        model *m = NULL;
        int rc = kind->create(&mc, &m, err);
        if (m)
            kind->free(m);
        if (rc) {
            if (!err->msg[0])
                abort();
            return rc;
        }
    }
    return 0;
}

#endif

/* run_combine.h — several runs of one protocol combined into one run folder, for `mlac report
 * RUN...`: a study grown over several runs (a size added here, a model there) reported as one.
 *
 * Runs combine when their protocols agree: every field of spec.json that determines results
 * (folds, repeats, seed, negatives, clip length, feature parameters, data fingerprint, groups,
 * calibration, ...) is equal, and a model present in two runs has the same options and embedder.
 * Models, species and training sizes may differ: the combined spec has their union. The first
 * field that differs is named and nothing is written. Each run must have its tasks.jsonl (a
 * sharded run is merged first).
 *
 * The combined run <root of the first run>/combined-<hash of the run ids> gets spec.json (with
 * "combined_from"), tasks.jsonl (every task of every run once; a task in two runs must have the
 * same status and metrics, its requested sizes are united), the predictions of its tasks copied,
 * and summary/significance/curves tables computed exactly as a single run computes them, so the
 * combination of runs equals one run of the union spec apart from its run id.
 */
#ifndef MLAC_EXP_RUN_COMBINE_H
#define MLAC_EXP_RUN_COMBINE_H

#include <stddef.h>
#include "core/error.h"

typedef struct combine_result {
    char root[4096];     /* the results root the combined run is in */
    char run_id[128];    /* its folder name */
    size_t tasks;        /* tasks of the combined ledger */
    size_t duplicates;   /* tasks found in more than one run (kept once) */
} combine_result;

/* run_dirs: n >= 2 run folders ("<results root>/<run id>", any store URI). */
int run_combine(const char *const *run_dirs, size_t n, combine_result *res, mlac_err *err);
/* Splits "<root>/<run_id>" (trailing '/' ignored) into root ("." when none) and run id. */
void run_dir_split(const char *run_dir, char *root, size_t root_n, char *run_id, size_t id_n);

#endif

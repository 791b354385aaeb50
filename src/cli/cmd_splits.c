/* cmd_splits.c — `mlac splits`: the exact training and test clips of every (species, n, repeat,
 * fold), as JSON lines, so other tools (a Python baseline, a new model) can be compared on the
 * same paired splits mlac uses. */
#include "cli/cli.h"
#include "exp/folds.h"
#include "exp/spec.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

/* [path, label] pairs, or [path, label, group] triples when the species is grouped. */
static json_t *paths_json(const species_data *sp, const size_t *idx, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const clip_ref *c = &sp->clips[idx[i]];
        json_array_append_new(a, sp->n_groups ? json_pack("[s, i, s]", c->path, c->label, c->group)
                                              : json_pack("[s, i]", c->path, c->label));
    }
    return a;
}

static int emit_species(const exp_spec *spec, const species_data *sp, FILE *out, mlac_err *err)
{
    int *fold_of = malloc(sp->n_clips * sizeof *fold_of);
    size_t *train = malloc(2 * sp->n_clips * sizeof *train), *test = malloc(sp->n_clips * sizeof *test);
    int rc = (!fold_of || !train || !test) ? mlac_errf(err, MLAC_ENOMEM, "out of memory") : MLAC_OK;
    for (int r = 0; !rc && r < spec->repeats; r++) {
        rc = folds_assign(sp, spec->folds, spec->seed, r, fold_of, err);
        for (int f = 0; !rc && f < spec->folds; f++) {
            size_t n_test, last = 0;
            folds_test_set(sp, fold_of, f, test, &n_test);
            for (size_t z = 0; !rc && z < spec->n_sizes; z++) {
                size_t n = folds_cap(sp, spec->folds, spec->seed, spec->repeats, spec->sizes[z]);
                if (z && n == last)
                    continue; /* capped sizes collapse, as in the grid */
                last = n;
                rc = folds_training_set(sp, fold_of, f, n, spec->seed, r, train, err);
                if (rc)
                    break;
                json_t *o = json_pack("{s:s, s:I, s:I, s:i, s:i, s:o, s:o}", "species", sp->name, "n", (json_int_t)n,
                                      "n_requested", (json_int_t)spec->sizes[z], "repeat", r, "fold", f, "train",
                                      paths_json(sp, train, 2 * n), "test", paths_json(sp, test, n_test));
                char *line = json_dumps(o, JSON_COMPACT);
                fprintf(out, "%s\n", line);
                free(line);
                json_decref(o);
            }
        }
    }
    free(fold_of), free(train), free(test);
    return rc;
}

int cmd_splits(int argc, char **argv)
{
    static const struct cli_usage usage = {
        "mlac splits", NULL,
        "Prints the training and test clips ([path, label] pairs, [path, label, group] with groups) of\n"
        "every (species, n, repeat, fold) as JSON lines: the same paired splits run-experiment uses for\n"
        "the same spec and seed."};
    int stop;
    const struct cli_opt opts[] = {
        {"data", OPT_CONFIG, "data", "DIR", "data root"},
        {"species", OPT_CONFIG_LIST, "species", "S...", "species"},
        {"training-sizes", OPT_CONFIG_LIST, "training_sizes", "N...", "training clips per class"},
        {"cv-folds", OPT_CONFIG, "cv_folds", "K", "folds"},
        {"repeats", OPT_CONFIG, "repeats", "R", "repeats"},
        {"seed", OPT_CONFIG, "seed", "N", "master seed"},
        {"negatives", OPT_CONFIG, "negatives", "MODE", "auto, folder or others"},
        {"labels", OPT_CONFIG, "labels", "FILE.csv", "clips from file,species,label[,group] rows"},
        {"positive-label", OPT_CONFIG, "positive_label", "WORD", "label value of positives in --labels"},
        {"negative-label", OPT_CONFIG, "negative_label", "WORD", "label value of negatives in --labels"},
        {"on-bad-clip", OPT_CONFIG, "on_bad_clip", "HOW", "unreadable clips: skip (default) or fail"},
        {"group-by", OPT_CONFIG, "group_by", "HOW", "clip groups: none, folder or 're:PATTERN' (one capture group)"},
        {"groups", OPT_CONFIG, "groups", "FILE.csv", "clip groups from file,group rows"},
        {NULL, 0, NULL, NULL, NULL},
    };
    config cfg;
    mlac_err err = {0};
    exp_spec spec;
    store *s = NULL;
    dataset d = {0};
    int have_spec = 0;
    if (cli_config_load(&cfg, &err))
        return cli_fail(&err);
    int rc = cli_parse(&usage, opts, argc, argv, NULL, &cfg, &stop);
    if (rc || stop)
        goto out;
    if (spec_from_config(&cfg, &spec, &err) || (have_spec = 1, store_open(spec.data, &s, &err)) ||
        spec_load_dataset(&spec, s, &d, &err) || spec_validate(&spec, &d, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    for (size_t i = 0; !rc && i < spec.species.n; i++)
        if (emit_species(&spec, dataset_find(&d, spec.species.items[i]), stdout, &err))
            rc = cli_fail(&err);
out:
    dataset_release(&d);
    store_free(s);
    if (have_spec)
        spec_release(&spec);
    config_release(&cfg);
    return rc;
}

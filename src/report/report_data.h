/* report_data.h — a run folder loaded into plain structs for the report writers.
 *
 * Owns: reading spec.json, tasks.jsonl, summary.json (or summary.csv), significance.csv and
 * curves.csv through the store, and the pooled ROC curves from predictions/. Every file but
 * one of spec.json / tasks.jsonl may be missing (a partial or failed run): what is missing is
 * listed in notes and the renderers leave its section out or say so. When neither summary file
 * exists, the ROC-AUC cells are computed from the tasks (mean, std, Student t 95% interval).
 * Invariants: species keep the spec's order (then any others, sorted); models are in palette
 * order (palette.h), so a model's index gives its colour; cells are sorted by species, model, n.
 */
#ifndef MLAC_REPORT_DATA_H
#define MLAC_REPORT_DATA_H

#include <jansson.h>
#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"
#include "store/store.h"

#define REPORT_NAME_MAX 128

/* One (species, model, n): the ROC-AUC row of the summary. */
typedef struct report_cell {
    char species_name[REPORT_NAME_MAX], model_name[REPORT_NAME_MAX];
    int species, model;       /* indices into report_run.species / .models */
    long n;                   /* n_effective: training clips per class */
    char requested[64];       /* requested sizes that mapped onto n, space separated */
    long requested_max;       /* the largest of them */
    int capped;               /* 1 when a requested size was larger than the data allows */
    double mean, std;         /* ROC-AUC over folds x repeats; NAN when absent */
    double ci_lo, ci_hi;      /* 95% interval (t, or DeLong with one fold); NAN when absent */
    char ci_method[8];        /* "t", "delong" or "" */
    int count;                /* tasks with a finite AUC */
    int failed;               /* tasks that failed */
    double pooled_auc, delong_lo, delong_hi; /* NAN when absent */
} report_cell;

/* One ledger line. */
typedef struct report_task {
    json_t *j;                /* the entry, owned reference */
    int species, model;
    long n;
    int fold, repeat;
    int ok;                   /* status == "ok" */
} report_task;

/* One row of significance.csv (ROC-AUC rows only). */
typedef struct report_sig {
    char species_name[REPORT_NAME_MAX];
    int species;
    long n;
    char model_a[REPORT_NAME_MAX], model_b[REPORT_NAME_MAX], better[REPORT_NAME_MAX];
    double mean_a, mean_b, diff, t, df, p, p_holm;
    int significant;
} report_sig;

/* One row of curves.csv: the inverse power law auc(n) = a - b n^-c and the size for a target. */
typedef struct report_curve {
    char species_name[REPORT_NAME_MAX], model_name[REPORT_NAME_MAX];
    int species, model;
    double target, a, b, c, rmse;
    double n_needed, n_low, n_high; /* NAN when not reached or absent */
    double max_n;                   /* largest size fitted */
    char status[16];                /* "ok", "not_reached", "fit_failed" */
} report_curve;

typedef struct report_run {
    char run_id[256];
    json_t *spec;             /* spec.json, or NULL when missing */
    strlist species;          /* spec order, then others found, sorted */
    strlist models;           /* palette order */
    report_task *tasks;       /* (n_tasks,) sorted by task id */
    size_t n_tasks;
    size_t torn_lines;        /* unreadable ledger lines skipped */
    report_cell *cells;       /* (n_cells,) sorted by species, model, n */
    size_t n_cells;
    int summary_from_tasks;   /* 1 when the cells were computed here from the tasks */
    report_sig *sig;          /* (n_sig,) */
    size_t n_sig;
    int has_sig;              /* significance.csv was present */
    report_curve *curves;     /* (n_curves,) */
    size_t n_curves;
    int has_curves;           /* curves.csv was present */
    strlist notes;            /* plain-text remarks for the top of the report */
} report_run;

/* Loads <run_id>/... from the store. Fails only when the run folder has neither spec.json nor
 * tasks.jsonl, or a present file cannot be read or parsed. */
int report_run_load(store *st, const char *run_id, report_run *out, mlac_err *err);
void report_run_release(report_run *r);

/* Index of name in l, or -1. */
int report_index(const strlist *l, const char *name);

/* The cell of (species, model, n), or NULL. */
const report_cell *report_find_cell(const report_run *r, int species, int model, long n);

/* Distinct sizes n of a species' cells, ascending, into sizes (capacity cap); returns the count. */
size_t report_species_sizes(const report_run *r, int species, long *sizes, size_t cap);

/* report_models.c: the embedder of an embedding model as spec.json records it (a command, or
 * "import:<path>"), or NULL for other models; and its kind: "stand-in" (the test embedder,
 * tests/tools/stand_in_embedder), "import" (precomputed embeddings), "command" (an embedder
 * program), or "" for models that are not embeddings. Shown beside the model's name. */
const char *report_embedder(const report_run *r, int model);
const char *report_embedder_kind(const report_run *r, int model);

/* 1 when the species has a cell or a task of this model. */
int report_species_has_model(const report_run *r, int species, int model);

/* Pooled out-of-fold scores of one model at its largest size with finished tasks, read from
 * predictions/ (repeat 0), as a ROC curve. */
typedef struct report_roc {
    int model;
    long n;                   /* the size the scores come from */
    double *fpr, *tpr;        /* (m,) scikit-learn roc_curve with drop_intermediate */
    size_t m;
    double auc;               /* ROC-AUC of the pooled scores */
    size_t n_clips;           /* pooled clips */
    size_t n_files;           /* prediction files read */
    double thr[3], thr_prec[3]; /* score threshold reaching recall 0.8/0.9/0.95 and the precision there */
    int probabilistic;        /* the tasks report a Brier score: prob is a fitted probability */
    double rel_x[10], rel_y[10]; /* reliability diagram: mean prob, fraction positive, non-empty bins */
    size_t rel_m;
    double ece, brier;        /* of the pooled probabilities (NAN unless probabilistic) */
} report_roc;

/* ROC curves of every model of a species that has predictions; models without readable
 * predictions (missing or malformed files, one class only) are left out (*n_out counts the
 * curves). Fails only when out of memory. */
int report_roc_species(store *st, const report_run *r, int species, report_roc **out, size_t *n_out,
                       mlac_err *err);
void report_roc_free(report_roc *rocs, size_t n);

#endif

/* groups.h — which clips belong together (a recording, a site, a deployment), so that grouped
 * folds (folds.h) never put one group on both sides of a split (DESIGN.md §3, issue 12).
 *
 * Sources, chosen by --group-by / --groups (config keys group_by, groups):
 *   ""  (auto)      the group, recording or site column of labels.csv when present, else none
 *   "none"          no groups: clip-level stratified folds
 *   "folder"        the clip's parent folder below pos/neg ("pos/siteA/x.wav" -> "siteA")
 *   "re:PATTERN"    a PCRE2 pattern with exactly one capture group, matched against the clip's
 *                   path below its label folder ("rec0012_w3.wav"); the capture is the group
 *   --groups FILE   a local CSV of file,group rows (header optional; also recording/site), file
 *                   relative to the data root as `mlac splits` prints it
 * A negative borrowed from another species (--negatives others) keeps that species' name in
 * its folder/regex group ("bullfrog/rec0003"), so equal names in two species stay apart.
 *
 * Invariants: after groups_apply, a grouped species has n_groups >= 2 and every clip a group
 * and a gid in [0, n_groups) that ranks the group's name, so folds do not depend on clip order.
 */
#ifndef MLAC_EXP_GROUPS_H
#define MLAC_EXP_GROUPS_H

#include <jansson.h>
#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"
#include "dataset/dataset.h"

enum group_source { GROUPS_AUTO = 0, GROUPS_NONE, GROUPS_FOLDER, GROUPS_REGEX, GROUPS_CSV };

#define GROUPS_MAX_PATTERN 1024
#define GROUPS_MAX_CSV_BYTES (64u << 20)
#define GROUPS_MAX_NAME 512

typedef struct group_settings {
    enum group_source source;
    char pattern[GROUPS_MAX_PATTERN]; /* GROUPS_REGEX: the pattern without "re:" */
    char csv[4096];                   /* GROUPS_CSV: the groups file */
} group_settings;

/* Parses --group-by (may be "") and --groups (may be ""); a regex is compiled and its capture
 * groups counted here, before any work. The message names the field. */
int groups_parse(const char *group_by, const char *groups_csv, group_settings *g, mlac_err *err);
/* "labels.csv", "none", "folder", "re:...", "file:<path>": how the groups were chosen. */
void groups_describe(const group_settings *g, char *out, size_t n);
/* Sets every clip's group and gid, and n_groups, for the species in only (NULL = all). */
int groups_apply(const group_settings *g, dataset *d, const strlist *only, mlac_err *err);
/* Distinct groups holding clips of a class (label 1/0), and the largest one's clip count and name. */
size_t groups_count(const species_data *sp, int label, size_t *largest, const char **largest_name);
/* Grouped K-fold needs at least K groups holding each class. */
int groups_check_folds(const species_data *sp, int folds, mlac_err *err);
/* {"source": ..., "assignment": sha256 of every (path, group)} over the species, or NULL when no
 * species is grouped (run ids without groups stay the same). New reference. */
json_t *groups_identity_json(const group_settings *g, const dataset *d, const strlist *species);

#endif

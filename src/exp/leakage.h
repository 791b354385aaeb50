/* leakage.h — the warning that clip-level folds leak: file names that look like several windows
 * cut from one recording ("rec0012_w3.wav", "rec0012_w4.wav") while grouping is off.
 *
 * A clip counts as a window when its file stem, less a trailing number, is shared with another
 * clip of the species and looks like a recording's name: it holds a digit ("rec0012_w"), or it
 * is shared by fewer than a quarter of the clips (so "coyote_pos_0001" counters do not count).
 * Never fatal: callers print the message.
 */
#ifndef MLAC_EXP_LEAKAGE_H
#define MLAC_EXP_LEAKAGE_H

#include <stddef.h>
#include "dataset/dataset.h"

typedef struct leakage_info {
    size_t windows;     /* clips that look like windows of a recording */
    size_t recordings;  /* distinct recordings they come from */
    char example[256];  /* one such file name */
    char suggest[320];  /* a --group-by value that would group them: "re:^(.+)_w\d+\.wav$" */
} leakage_info;

/* Fills info; returns 1 when at least 2 clips and 10% of the species look like windows. */
int leakage_scan(const species_data *sp, leakage_info *info);
/* leakage_scan, and the one-line warning in msg when it returns 1. */
int leakage_check(const species_data *sp, char *msg, size_t n);

#endif

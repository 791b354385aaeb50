/* clip_length.h — the clip length of a run (issue 12, item 8; DESIGN.md §1 "clip to fixed length").
 *
 * Every clip is cut or padded to one length before its features (centre: a longer clip keeps its
 * middle, a shorter one is zero-padded equally on both sides). By default that length is the most
 * common clip duration of the data, so 3-s windows get 3 s and no zero padding; a fixed 5 s padded
 * 3-s windows with 2 s of zeros and moved canid ROC-AUC by up to +0.08. Durations come from the
 * headers (audio_probe: nothing is decoded), rounded to the millisecond, over the distinct clips of
 * the run's species (their negatives included); a tie between durations goes to the shortest, so
 * tied clips are cropped rather than padded. An explicit clip_seconds wins; the same counts then
 * say how many clips it pads or crops.
 */
#ifndef MLAC_EXP_CLIP_LENGTH_H
#define MLAC_EXP_CLIP_LENGTH_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"
#include "dataset/dataset.h"
#include "store/store.h"

#define CLIP_LENGTH_FALLBACK 5.0 /* when no clip header can be read */

typedef struct clip_length_stats {
    double seconds;       /* the length chosen (or given) */
    int from_data;        /* 1: the mode of the durations; 0: given by the caller */
    size_t clips;         /* clips whose header was read */
    size_t unreadable;    /* clips whose header could not be read (left to the feature stage) */
    size_t at_mode;       /* clips of exactly the length (to the millisecond) */
    size_t shorter;       /* clips zero-padded */
    size_t longer;        /* clips cropped */
    size_t tied;          /* other durations with as many clips as the mode (0 = no tie) */
} clip_length_stats;

/* Reads the headers of the clips of the named species. given > 0: that length (from_data 0);
 * given <= 0: the mode. Fails only when out of memory. */
int clip_length_choose(store *s, const dataset *d, const strlist *species, double given, clip_length_stats *out,
                       mlac_err *err);
/* One sentence: the length, where it came from, and which clips are padded or cropped. */
void clip_length_describe(const clip_length_stats *st, char *out, size_t n);

#endif

/* augment.h — what the CNN models do to a log-mel image before the network sees it.
 *
 * Images are (S, S) float, rows = mel bands (frequency), columns = frames (time).
 * standardise: per image, zero mean and unit standard deviation (population std; a constant
 * image becomes all zeros). resize: bilinear, as torch.nn.functional.interpolate(mode='bilinear',
 * align_corners=False). augment (training only, from an explicit rng): a random circular time
 * shift of up to S/4 frames, then SpecAugment (Park et al. 2019) — n_masks frequency masks and
 * n_masks time masks, each of width uniform in [0, max_width], filled with 0 (the mean).
 */
#ifndef MLAC_NN_AUGMENT_H
#define MLAC_NN_AUGMENT_H

#include "core/rng.h"

void nn_standardize_image(float *img, int s);
/* out (so, so) from in (si, si). */
void nn_resize_bilinear(float *out, int so, const float *in, int si);
/* img (s, s) in place; tmp (s,) scratch. */
void nn_augment_image(float *img, float *tmp, int s, int n_masks, int max_width, rng *r);
/* A Beta(a, a) draw (mixup's lambda), a > 0. */
double nn_beta_sample(rng *r, double a);

#endif

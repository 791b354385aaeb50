/* backgrounds.h — background scenes of the synthesiser (internal to src/synth).
 *
 * A scene is a noise bed (pink or brown) plus any of wind, rain, insects, birds and low rumble,
 * each at its own random level, scaled to unit RMS. The layer choice never depends on the
 * clip's class, so a background says nothing about the label.
 */
#ifndef MLAC_SYNTH_BACKGROUNDS_H
#define MLAC_SYNTH_BACKGROUNDS_H

#include <stddef.h>
#include "core/rng.h"

/* Fills out[0..n) with a scene; tmp is scratch of n floats. names (size >= 96) receives the
 * '+'-joined layer names. */
void backgrounds_render(float *out /* (n,) */, float *tmp /* (n,) */, size_t n, int rate, rng *r,
                        char *names, size_t names_size);

#endif

/* calls.h — sound-event generators of the synthesiser (internal to src/synth).
 *
 * calls_render draws one call of a species, calls_near_miss one sound chosen to resemble it
 * without being it. Both clear out[0..max_n), write at most max_n samples at an arbitrary level
 * (the mixer sets the SNR) and return how many samples the event spans (>= 1). work is scratch
 * of (2 * max_n) floats. All randomness comes from r.
 */
#ifndef MLAC_SYNTH_CALLS_H
#define MLAC_SYNTH_CALLS_H

#include <stddef.h>
#include "core/rng.h"

size_t calls_render(int species, float *out /* (max_n,) */, float *work /* (2 * max_n,) */,
                    size_t max_n, int rate, rng *r);
/* kind receives a static name of the sound ("siren", "engine", "whisper", ...). */
size_t calls_near_miss(int species, float *out /* (max_n,) */, float *work /* (2 * max_n,) */,
                       size_t max_n, int rate, rng *r, const char **kind);

/* Shared by both: a voiced or whispered phrase of formant-shaped syllables (calls.c). */
size_t calls_phrase(float *out, float *work, size_t max_n, int rate, rng *r, int voiced);

#endif

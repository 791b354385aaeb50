/* rng.h — explicit, seedable random generator (xoshiro256**) and seed derivation.
 *
 * No global state: every consumer owns an rng seeded from the task's coordinates via
 * rng_derive_seed(), so results never depend on scheduling order or thread count.
 */
#ifndef MLAC_CORE_RNG_H
#define MLAC_CORE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct rng {
    uint64_t s[4];
} rng;

void rng_seed(rng *r, uint64_t seed);
uint64_t rng_u64(rng *r);
double rng_uniform(rng *r);                 /* [0, 1) with 53 random bits */
uint64_t rng_below(rng *r, uint64_t n);     /* unbiased integer in [0, n), n > 0 */
double rng_normal(rng *r);                  /* standard normal (Box-Muller, no caching) */
void rng_shuffle_idx(rng *r, size_t *idx, size_t n); /* Fisher-Yates */

/* A 64-bit seed from the master seed and a textual key such as
 * "fold/coyote/r0" — SHA-256 based, stable across machines and versions. */
uint64_t rng_derive_seed(uint64_t master, const char *key);

#endif

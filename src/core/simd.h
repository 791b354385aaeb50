/* simd.h — MLAC_HOT_CLONES: compile a hot loop twice, for x86-64 with AVX2 and for the portable
 * baseline, and pick the clone at load time (GNU ifunc, gcc and clang), so the default binary
 * (MLAC_NATIVE=OFF) keeps the wide loops on CPUs that have them.
 *
 * Only for loops whose results do not depend on the vector width: elementwise work and
 * order-free reductions (max, min, or). Not for sums: a `#pragma omp simd reduction(+)`
 * reassociates by the vector width, so the AVX2 and baseline clones would round differently
 * and the same spec and seed would give different results on different CPUs. The "avx2" target
 * has no FMA (gcc and clang keep fma a separate feature), so no multiply-add is contracted
 * differently between the clones. Empty where it cannot apply: not x86-64, a compiler without
 * the attribute (or clang < 16, below), and a build already targeting AVX2 (-march=native on such a machine).
 */
#ifndef MLAC_CORE_SIMD_H
#define MLAC_CORE_SIMD_H

/* clang before 16 names the dispatcher of an external function "f.ifunc", so calls from other
 * files to f do not link: no clones there. */
#if defined(__has_attribute) && !(defined(__clang__) && __clang_major__ < 16)
#if __has_attribute(target_clones)
#define MLAC_HAS_TARGET_CLONES 1
#endif
#endif

#if defined(__x86_64__) && defined(__ELF__) && defined(MLAC_HAS_TARGET_CLONES) && \
    !defined(__AVX2__)
#define MLAC_HOT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MLAC_HOT_CLONES
#endif

#endif

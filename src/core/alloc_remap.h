/* alloc_remap.h — routes every allocation that mlac's own library code makes through the hook of
 * core/alloc.h. CMake force-includes this header (-include) into each library source except
 * core/alloc.c; tests, the CLI and third-party code do not get it. libc's headers are included
 * first, so their declarations keep the real names; after them, the names below are macros, so a
 * call site reads `malloc(n)` and reaches mlac_malloc. free() stays libc's (the hook never changes
 * what is allocated, only whether it is). Disarmed, the cost is one relaxed atomic load.
 * Allocations made inside libraries (libsndfile, FFTW, OpenBLAS, SQLite, libyaml, libc's own
 * strdup-like calls such as asprintf, getline or realpath) are not seen.
 */
#ifndef MLAC_CORE_ALLOC_REMAP_H
#define MLAC_CORE_ALLOC_REMAP_H

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

#define malloc(n) mlac_malloc(n)
#define calloc(c, s) mlac_calloc(c, s)
#define realloc(p, n) mlac_realloc(p, n)
#define strdup(s) mlac_strdup(s)
#define strndup(s, n) mlac_strndup(s, n)
#define aligned_alloc(a, n) mlac_aligned_alloc(a, n)

#endif

/* hash.h — content hashing (SHA-256 via OpenSSL) for cache keys, fingerprints and seeds. */
#ifndef MLAC_CORE_HASH_H
#define MLAC_CORE_HASH_H

#include <stddef.h>

void hash_sha256(const void *data, size_t n, unsigned char out[32]);
/* 64 lowercase hex characters + NUL into out[65]. */
void hash_sha256_hex(const void *data, size_t n, char out[65]);

/* Incremental hashing for keys made of several parts. */
typedef struct hash_ctx hash_ctx;
hash_ctx *hash_begin(void);
void hash_update(hash_ctx *h, const void *data, size_t n);
void hash_update_str(hash_ctx *h, const char *s); /* includes the NUL, so parts stay separate */
void hash_end_hex(hash_ctx *h, char out[65]);     /* frees h */

#endif

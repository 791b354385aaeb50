/* hash.c — SHA-256 through OpenSSL's EVP interface. */
#include "core/hash.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

struct hash_ctx {
    EVP_MD_CTX *md;
};

void hash_sha256(const void *data, size_t n, unsigned char out[32])
{
    unsigned int len = 32;
    EVP_Digest(data, n, out, &len, EVP_sha256(), NULL);
}

static void to_hex(const unsigned char *d, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

void hash_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char d[32];
    hash_sha256(data, n, d);
    to_hex(d, out);
}

hash_ctx *hash_begin(void)
{
    hash_ctx *h = malloc(sizeof *h);
    if (!h)
        return NULL;
    h->md = EVP_MD_CTX_new();
    if (!h->md || !EVP_DigestInit_ex(h->md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(h->md);
        free(h);
        return NULL;
    }
    return h;
}

void hash_update(hash_ctx *h, const void *data, size_t n)
{
    if (h)
        EVP_DigestUpdate(h->md, data, n);
}

void hash_update_str(hash_ctx *h, const char *s)
{
    hash_update(h, s, strlen(s) + 1);
}

void hash_end_hex(hash_ctx *h, char out[65])
{
    unsigned char d[32] = {0};
    unsigned int len = 32;
    if (h) {
        EVP_DigestFinal_ex(h->md, d, &len);
        EVP_MD_CTX_free(h->md);
        free(h);
    }
    to_hex(d, out);
}

/* hash.c — SHA-256 through OpenSSL's EVP interface. */
#include "core/hash.h"

#include <openssl/evp.h>
#include <string.h>

/* A hash_ctx is OpenSSL's EVP_MD_CTX itself: no allocation of mlac's own, so a failed malloc
 * cannot turn a digest into a silent all-zero one (the feature cache once stored entries under the
 * zero key that way). Only OpenSSL's own allocation can still fail (NULL: see hash_end_hex). */
static EVP_MD_CTX *md_of(hash_ctx *h)
{
    return (EVP_MD_CTX *)(void *)h;
}

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
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md && !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(md);
        md = NULL;
    }
    return (hash_ctx *)(void *)md;
}

void hash_update(hash_ctx *h, const void *data, size_t n)
{
    if (h)
        EVP_DigestUpdate(md_of(h), data, n);
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
        EVP_DigestFinal_ex(md_of(h), d, &len);
        EVP_MD_CTX_free(md_of(h));
    }
    to_hex(d, out);
}

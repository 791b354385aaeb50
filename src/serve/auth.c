/* auth.c — bearer tokens and identifiers: constant-time comparison, header parsing, id syntax.
 *
 * The comparison touches every byte of the configured token whatever the presented one is, so
 * its duration does not tell an attacker how many leading bytes were right (OpenSSL's
 * CRYPTO_memcmp does the byte loop). Length differences are folded into the result, not
 * returned early.
 */
#include "serve/serve_internal.h"

#include <openssl/crypto.h>
#include <string.h>
#include <strings.h>

int auth_token_equal(const char *presented, size_t presented_len, const char *token)
{
    size_t n = strlen(token);
    if (n == 0)
        return 0;
    char padded[512] = {0};
    /* compare n bytes always: a shorter presented token is padded, a longer one differs in length */
    memcpy(padded, presented, presented_len < n ? presented_len : n);
    int same = CRYPTO_memcmp(padded, token, n) == 0;
    OPENSSL_cleanse(padded, sizeof padded);
    return same & (presented_len == n);
}

int auth_check(const server *s, const char *header)
{
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return 0;
    const char *t = header + 7;
    while (*t == ' ')
        t++;
    size_t len = strlen(t);
    while (len && (t[len - 1] == ' ' || t[len - 1] == '\t'))
        len--;
    return auth_token_equal(t, len, s->cfg->token);
}

int id_valid(const char *id, size_t max)
{
    size_t n = strlen(id);
    if (n == 0 || n > max || id[0] == '.' || id[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.'))
            return 0;
    }
    return strstr(id, "..") == NULL;
}

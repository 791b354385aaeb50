/* server_auth.h — the GCS test server's token issuer and checker: access tokens it issued
 * (random, with an expiry), the OAuth 2.0 JWT-bearer grant (RS256 signature verified with the
 * public key of --jwt-pubkey through OpenSSL EVP, then iss/scope/aud/iat/exp), the refresh-token
 * grant, and the check of "Authorization: Bearer T" on storage requests. */
#ifndef MLAC_TESTS_GCS_SERVER_AUTH_H
#define MLAC_TESTS_GCS_SERVER_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define AUTH_MSG 256
#define JWT_MAX 16384 /* assertions longer than this are refused */

struct auth;
/* pubkey_pem: path of a PEM public key (NULL: the JWT grant is refused); -1 with msg when the
 * file cannot be read or is not a public key. */
int auth_new(struct auth **out, const char *pubkey_pem, double token_lifetime,
             const char *refresh_token, char msg[AUTH_MSG]);
void auth_free(struct auth *a);
/* A new token response {"access_token","expires_in","token_type"}. */
json_t *auth_issue(struct auth *a);
/* Verifies a JWT-bearer assertion for audience aud; 0, or -1 with msg (invalid_grant). */
int auth_verify_jwt(struct auth *a, const char *jwt, const char *aud, char msg[AUTH_MSG]);
bool auth_refresh_ok(const struct auth *a, const char *refresh_token);
/* The value of an Authorization header: true when it carries a live token of ours. */
bool auth_check(struct auth *a, const char *authorization);

#endif

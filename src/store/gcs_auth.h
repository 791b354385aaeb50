/* gcs_auth.h — Application Default Credentials for the GCS client, and the token cache.
 *
 * gcs_auth_detect() walks Google's ADC order and stops at the first source present:
 *   1. STORAGE_EMULATOR_HOST (or CLOUD_STORAGE_EMULATOR_ENDPOINT): no auth, plain HTTP to
 *      that host (the endpoint becomes "http://HOST" unless it names its scheme);
 *   2. GOOGLE_APPLICATION_CREDENTIALS: a JSON key file, "service_account" (an RS256 JWT signed
 *      with the key and exchanged at its token_uri) or "authorized_user" (its refresh token);
 *   3. the gcloud ADC file, $CLOUDSDK_CONFIG or ~/.config/gcloud, application_default_credentials.json;
 *   4. the GCE/GKE metadata server at $GCE_METADATA_HOST or 169.254.169.254, probed once with
 *      a short timeout (Metadata-Flavor: Google; Workload Identity answers there on GKE);
 * else one error naming all four. The API endpoint is https://storage.googleapis.com unless
 * MLAC_GCS_ENDPOINT (or the emulator variable) says otherwise.
 *
 * Tokens are cached until shortly before they expire (5 minutes, or half the lifetime when
 * that is shorter) and refetched once when the server answers 401. Keys, refresh tokens and
 * access tokens never appear in a message: errors name the file and the field.
 */
#ifndef MLAC_STORE_GCS_AUTH_H
#define MLAC_STORE_GCS_AUTH_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"
#include "store/gcs_http.h"

enum gcs_auth_kind { GCS_AUTH_NONE = 0, GCS_AUTH_SERVICE_ACCOUNT, GCS_AUTH_AUTHORIZED_USER, GCS_AUTH_METADATA };

#define GCS_TOKEN_MAX 4096
#define GCS_SCOPE "https://www.googleapis.com/auth/devstorage.read_write"

/* Chooses the credentials (see above) and the API endpoint (no trailing '/'). The auth keeps h. */
int gcs_auth_detect(gcs_http *h, gcs_auth **out, char *endpoint, size_t endpoint_size, mlac_err *err);
void gcs_auth_free(gcs_auth *a);
/* Where the credentials came from, without secrets: "service account 'x@p.iam...' from '/k.json'". */
const char *gcs_auth_describe(const gcs_auth *a);

/* A valid access token into tok ("" for GCS_AUTH_NONE), from the cache or fetched. */
int gcs_auth_token(gcs_auth *a, char *tok, size_t tok_size, mlac_err *err);
/* Forgets the cached token if it is still tok (after a 401). */
void gcs_auth_invalidate(gcs_auth *a, const char *tok);

/* The signed JWT assertion of a service account: base64url(header).base64url(claims).sig with
 * claims {iss, scope, aud, iat, exp = iat + 3600}; pem is the key file's private_key. */
int gcs_jwt_sign(const char *client_email, const char *key_id, const char *pem, const char *aud,
                 const char *scope, long long iat, buf *out, mlac_err *err);

#endif

/* server_auth.c — tokens and JWT-bearer verification. A JWT is three base64url parts; the
 * header must say RS256, the signature (PKCS#1 v1.5, SHA-256) must verify over "header.payload"
 * with the configured key, and the claims must be: iss a non-empty string, scope naming
 * devstorage.read_write, devstorage.full_control or cloud-platform, aud equal to this token
 * endpoint's URL, iat <= now + 60, exp - iat <= 3600, exp > now (Google's rules). */
#include "gcs/server_auth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "gcs/server_util.h"

#define TOKENS_MAX 65536

struct token {
  char value[64];
  double expires;
};

struct auth {
  pthread_mutex_t mu;
  EVP_PKEY *key;
  double lifetime;
  char *refresh_token;
  struct token *tok; /* ring of the last TOKENS_MAX issued */
  size_t n, next;
};

int auth_new(struct auth **out, const char *pubkey_pem, double token_lifetime,
             const char *refresh_token, char msg[AUTH_MSG])
{
  struct auth *a = calloc(1, sizeof *a);
  *out = NULL;
  if (!a) {
    snprintf(msg, AUTH_MSG, "out of memory");
    return -1;
  }
  pthread_mutex_init(&a->mu, NULL);
  if (!(a->tok = calloc(TOKENS_MAX, sizeof *a->tok)) ||
      !(a->refresh_token = strdup(refresh_token ? refresh_token : "test-refresh-token"))) {
    snprintf(msg, AUTH_MSG, "out of memory");
    auth_free(a);
    return -1;
  }
  a->lifetime = token_lifetime;
  if (pubkey_pem) {
    FILE *f = fopen(pubkey_pem, "r");
    if (!f) {
      snprintf(msg, AUTH_MSG, "%s: cannot open", pubkey_pem);
      auth_free(a);
      return -1;
    }
    a->key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (!a->key || EVP_PKEY_base_id(a->key) != EVP_PKEY_RSA) {
      snprintf(msg, AUTH_MSG, "%s: not a PEM RSA public key", pubkey_pem);
      auth_free(a);
      return -1;
    }
  }
  *out = a;
  return 0;
}

void auth_free(struct auth *a)
{
  if (!a)
    return;
  EVP_PKEY_free(a->key);
  free(a->refresh_token);
  free(a->tok);
  pthread_mutex_destroy(&a->mu);
  free(a);
}

json_t *auth_issue(struct auth *a)
{
  struct token t;
  char hex[41];
  random_hex(hex, 20);
  snprintf(t.value, sizeof t.value, "ya29.test-%s", hex);
  t.expires = now_seconds() + a->lifetime;
  pthread_mutex_lock(&a->mu);
  a->tok[a->next] = t;
  a->next = (a->next + 1) % TOKENS_MAX;
  if (a->n < TOKENS_MAX)
    a->n++;
  pthread_mutex_unlock(&a->mu);
  return json_pack("{s:s, s:I, s:s}", "access_token", t.value, "expires_in",
                   (json_int_t)a->lifetime, "token_type", "Bearer");
}

bool auth_check(struct auth *a, const char *authorization)
{
  bool ok = false;
  if (!authorization || strncmp(authorization, "Bearer ", 7) != 0)
    return false;
  const char *v = authorization + 7;
  double now = now_seconds();
  pthread_mutex_lock(&a->mu);
  for (size_t i = 0; i < a->n && !ok; i++)
    ok = strcmp(a->tok[i].value, v) == 0 && a->tok[i].expires > now;
  pthread_mutex_unlock(&a->mu);
  return ok;
}

bool auth_refresh_ok(const struct auth *a, const char *refresh_token)
{
  return refresh_token && strcmp(refresh_token, a->refresh_token) == 0;
}

static json_t *decode_part(const char *p, size_t n)
{
  size_t len;
  unsigned char *raw = b64url_decode(p, n, &len);
  json_t *j = raw ? json_loadb((char *)raw, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
  free(raw);
  if (j && !json_is_object(j)) {
    json_decref(j);
    j = NULL;
  }
  return j;
}

static bool scope_ok(const char *scope)
{
  static const char *ok[] = { "https://www.googleapis.com/auth/devstorage.read_write",
                              "https://www.googleapis.com/auth/devstorage.full_control",
                              "https://www.googleapis.com/auth/cloud-platform" };
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    size_t n = strlen(ok[i]);
    for (const char *p = strstr(scope, ok[i]); p; p = strstr(p + 1, ok[i]))
      if ((p == scope || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
        return true;
  }
  return false;
}

int auth_verify_jwt(struct auth *a, const char *jwt, const char *aud, char msg[AUTH_MSG])
{
  int rc = -1;
  json_t *hdr = NULL, *claims = NULL;
  unsigned char *sig = NULL;
  size_t siglen = 0, n = jwt ? strlen(jwt) : 0;
  EVP_MD_CTX *md = NULL;
  const char *d1 = jwt ? strchr(jwt, '.') : NULL, *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
  if (!a->key) {
    snprintf(msg, AUTH_MSG, "this server was started without --jwt-pubkey");
    goto out;
  }
  if (!jwt || n > JWT_MAX || !d1 || !d2 || strchr(d2 + 1, '.')) {
    snprintf(msg, AUTH_MSG, "assertion is not a JWT of three parts (at most %d bytes)", JWT_MAX);
    goto out;
  }
  if (!(hdr = decode_part(jwt, (size_t)(d1 - jwt))) ||
      !(claims = decode_part(d1 + 1, (size_t)(d2 - d1 - 1))) ||
      !(sig = b64url_decode(d2 + 1, strlen(d2 + 1), &siglen))) {
    snprintf(msg, AUTH_MSG, "assertion: a part is not base64url JSON");
    goto out;
  }
  const char *alg = json_string_value(json_object_get(hdr, "alg"));
  if (!alg || strcmp(alg, "RS256") != 0) {
    snprintf(msg, AUTH_MSG, "assertion: header alg must be RS256");
    goto out;
  }
  if (!(md = EVP_MD_CTX_new()) || EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, a->key) != 1 ||
      EVP_DigestVerify(md, sig, siglen, (const unsigned char *)jwt, (size_t)(d2 - jwt)) != 1) {
    snprintf(msg, AUTH_MSG, "Invalid JWT Signature.");
    goto out;
  }
  const char *iss = json_string_value(json_object_get(claims, "iss"));
  const char *scope = json_string_value(json_object_get(claims, "scope"));
  const char *caud = json_string_value(json_object_get(claims, "aud"));
  json_t *iat = json_object_get(claims, "iat"), *exp = json_object_get(claims, "exp");
  double now = now_seconds();
  if (!iss || !*iss) {
    snprintf(msg, AUTH_MSG, "assertion: claim iss missing");
  } else if (!scope || !scope_ok(scope)) {
    snprintf(msg, AUTH_MSG, "assertion: claim scope does not grant devstorage access");
  } else if (!caud || strcmp(caud, aud) != 0) {
    snprintf(msg, AUTH_MSG, "assertion: claim aud must be %s", aud);
  } else if (!json_is_integer(iat) || !json_is_integer(exp)) {
    snprintf(msg, AUTH_MSG, "assertion: claims iat and exp must be integers");
  } else if ((double)json_integer_value(iat) > now + 60) {
    snprintf(msg, AUTH_MSG, "assertion: iat is in the future");
  } else if (json_integer_value(exp) - json_integer_value(iat) > 3600) {
    snprintf(msg, AUTH_MSG, "assertion: exp - iat exceeds 3600 s");
  } else if ((double)json_integer_value(exp) <= now) {
    snprintf(msg, AUTH_MSG, "Invalid JWT: Token must be a short-lived token (60 minutes) and in "
                            "a reasonable timeframe. Check your iat and exp values (expired)");
  } else {
    rc = 0;
  }
out:
  EVP_MD_CTX_free(md);
  json_decref(hdr);
  json_decref(claims);
  free(sig);
  return rc;
}

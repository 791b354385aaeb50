/* gcs_auth.c — the ADC chain, OAuth token exchanges and the token cache (see gcs_auth.h).
 *
 * One mutex guards the cache; a thread that finds it stale fetches while holding it, so many
 * transfers that start together cause one token request, not one each. The key material
 * (private key, refresh token, client secret) stays in this struct and is wiped on free.
 */
#include "store/gcs_auth.h"
#include "core/fsutil.h"
#include "core/timeutil.h"
#include "store/gcs_url.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_FILE_MAX ((size_t)64 << 10)
#define TOKEN_REPLY_MAX ((size_t)1 << 20)
#define DEFAULT_TOKEN_URI "https://oauth2.googleapis.com/token"

struct gcs_auth {
    enum gcs_auth_kind kind;
    gcs_http *http;
    char describe[1200];
    char token_uri[1024];  /* service account / authorized user */
    char client_email[512];
    char key_id[128];
    char *private_key;     /* PEM, owned, wiped on free */
    char client_id[512];
    char *client_secret;   /* owned, wiped on free */
    char *refresh_token;   /* owned, wiped on free */
    char metadata_url[1024];
    pthread_mutex_t lock;
    char token[GCS_TOKEN_MAX]; /* cached access token, "" = none */
    double refresh_at;         /* time_wall() after which the token is refetched */
    long fetches;
};

static void wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void gcs_auth_free(gcs_auth *a)
{
    if (!a)
        return;
    wipe_free(a->private_key);
    wipe_free(a->client_secret);
    wipe_free(a->refresh_token);
    OPENSSL_cleanse(a->token, sizeof a->token);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

const char *gcs_auth_describe(const gcs_auth *a)
{
    return a->describe;
}

static int gcs_base64url(const void *data, size_t n, buf *out, mlac_err *err)
{
    size_t need = 4 * ((n + 2) / 3) + 1;
    int rc = buf_reserve(out, need, err);
    if (rc)
        return rc;
    char *dst = out->data + out->len;
    int len = EVP_EncodeBlock((unsigned char *)dst, data, (int)n);
    while (len > 0 && dst[len - 1] == '=')
        len--;
    for (int i = 0; i < len; i++)
        dst[i] = dst[i] == '+' ? '-' : dst[i] == '/' ? '_' : dst[i];
    out->len += (size_t)len;
    out->data[out->len] = '\0';
    return MLAC_OK;
}

int gcs_jwt_sign(const char *client_email, const char *key_id, const char *pem, const char *aud,
                 const char *scope, long long iat, buf *out, mlac_err *err)
{
    int rc = MLAC_OK;
    EVP_PKEY *key = NULL;
    EVP_MD_CTX *md = NULL;
    unsigned char *sig = NULL;
    json_t *hdr = json_pack("{s:s, s:s}", "alg", "RS256", "typ", "JWT");
    json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", client_email, "scope", scope, "aud", aud,
                               "iat", (json_int_t)iat, "exp", (json_int_t)(iat + 3600));
    if (hdr && key_id && *key_id)
        json_object_set_new(hdr, "kid", json_string(key_id));
    char *h = hdr ? json_dumps(hdr, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    char *c = claims ? json_dumps(claims, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (!h || !c) {
        rc = mlac_errf(err, MLAC_ENOMEM, "cannot build the JWT of '%s'", client_email);
        goto out;
    }
    size_t start = out->len;
    rc = gcs_base64url(h, strlen(h), out, err);
    rc = rc ? rc : buf_puts(out, ".", err);
    rc = rc ? rc : gcs_base64url(c, strlen(c), out, err);
    if (rc)
        goto out;
    BIO *bio = BIO_new_mem_buf(pem, -1);
    key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        rc = mlac_errf(err, MLAC_EFORMAT, "the private_key of '%s' is not a PEM RSA key", client_email);
        goto out;
    }
    size_t sig_len = 0;
    md = EVP_MD_CTX_new();
    if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(md, NULL, &sig_len, (unsigned char *)out->data + start, out->len - start) != 1 ||
        !(sig = malloc(sig_len)) ||
        EVP_DigestSign(md, sig, &sig_len, (unsigned char *)out->data + start, out->len - start) != 1) {
        rc = mlac_errf(err, MLAC_EINTERNAL, "cannot sign the JWT of '%s' (OpenSSL)", client_email);
        goto out;
    }
    rc = buf_puts(out, ".", err);
    rc = rc ? rc : gcs_base64url(sig, sig_len, out, err);
out:
    free(sig);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    free(h);
    free(c);
    json_decref(hdr);
    json_decref(claims);
    return rc;
}

/* ---- token fetching ------------------------------------------------------------------------ */

/* Reads {"access_token": ..., "expires_in": N} from a token reply. */
static int parse_token_reply(gcs_auth *a, const gcs_response *rs, const char *what, mlac_err *err)
{
    if (rs->status != 200)
        return gcs_http_status_error(rs, what, err);
    json_error_t je;
    json_t *doc = json_loadb(rs->body.data ? rs->body.data : "", rs->body.len, 0, &je);
    const char *tok = json_string_value(json_object_get(doc, "access_token"));
    json_t *exp = json_object_get(doc, "expires_in");
    int rc = MLAC_OK;
    if (!tok || !*tok || strlen(tok) >= sizeof a->token || !json_is_number(exp)) {
        rc = mlac_errf(err, MLAC_EFORMAT, "%s: the token reply has no access_token/expires_in", what);
    } else {
        double life = json_number_value(exp);
        double margin = life / 2 < 300 ? life / 2 : 300;
        snprintf(a->token, sizeof a->token, "%s", tok);
        a->refresh_at = time_wall() + life - margin;
        a->fetches++;
    }
    json_decref(doc);
    return rc;
}

static int form_add(buf *b, const char *key, const char *value, mlac_err *err)
{
    int rc = buf_printf(b, err, "%s%s=", b->len ? "&" : "", key);
    return rc ? rc : gcs_url_escape(b, value, err);
}

static int fetch_token(gcs_auth *a, mlac_err *err)
{
    buf form;
    buf_init(&form, 0);
    gcs_response rs;
    gcs_response_init(&rs, TOKEN_REPLY_MAX);
    gcs_request rq = {.method = "POST", .url = a->token_uri, .idempotent = 1,
                      .headers = {"Content-Type: application/x-www-form-urlencoded"}};
    char what[2400];
    snprintf(what, sizeof what, "token endpoint '%.1000s' for %.1200s", a->token_uri, a->describe);
    rq.what = what;
    int rc = MLAC_OK;
    if (a->kind == GCS_AUTH_SERVICE_ACCOUNT) {
        buf jwt;
        buf_init(&jwt, 0);
        rc = gcs_jwt_sign(a->client_email, a->key_id, a->private_key, a->token_uri, GCS_SCOPE,
                          (long long)time_wall(), &jwt, err);
        rc = rc ? rc : form_add(&form, "grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", err);
        rc = rc ? rc : form_add(&form, "assertion", jwt.data, err);
        buf_release(&jwt);
    } else if (a->kind == GCS_AUTH_AUTHORIZED_USER) {
        rc = form_add(&form, "grant_type", "refresh_token", err);
        rc = rc ? rc : form_add(&form, "client_id", a->client_id, err);
        rc = rc ? rc : form_add(&form, "client_secret", a->client_secret, err);
        rc = rc ? rc : form_add(&form, "refresh_token", a->refresh_token, err);
    } else {
        rq.method = "GET";
        rq.url = a->metadata_url;
        rq.headers[0] = "Metadata-Flavor: Google";
        snprintf(what, sizeof what, "metadata server '%.1000s'", a->metadata_url);
    }
    if (!rc && form.len) {
        rq.body = form.data;
        rq.body_len = form.len;
    }
    rc = rc ? rc : gcs_http_do(a->http, &rq, &rs, err);
    rc = rc ? rc : parse_token_reply(a, &rs, what, err);
    if (form.data)
        OPENSSL_cleanse(form.data, form.len);
    buf_release(&form);
    gcs_response_release(&rs);
    return rc;
}

int gcs_auth_token(gcs_auth *a, char *tok, size_t tok_size, mlac_err *err)
{
    tok[0] = '\0';
    if (a->kind == GCS_AUTH_NONE)
        return MLAC_OK;
    pthread_mutex_lock(&a->lock);
    int rc = MLAC_OK;
    if (!a->token[0] || time_wall() >= a->refresh_at)
        rc = fetch_token(a, err);
    if (!rc)
        snprintf(tok, tok_size, "%s", a->token);
    pthread_mutex_unlock(&a->lock);
    return rc;
}

void gcs_auth_invalidate(gcs_auth *a, const char *tok)
{
    pthread_mutex_lock(&a->lock);
    if (!strcmp(a->token, tok))
        a->token[0] = '\0';
    pthread_mutex_unlock(&a->lock);
}

/* ---- the ADC chain ------------------------------------------------------------------------- */

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static int copy_field(json_t *doc, const char *field, char *out, size_t n, const char *path, int required,
                      mlac_err *err)
{
    const char *v = json_string_value(json_object_get(doc, field));
    if (!v && required)
        return mlac_errf(err, MLAC_EFORMAT, "credentials file '%s': field '%s' is missing", path, field);
    if (v && strlen(v) >= n)
        return mlac_errf(err, MLAC_EFORMAT, "credentials file '%s': field '%s' is too long", path, field);
    snprintf(out, n, "%s", v ? v : "");
    return MLAC_OK;
}

static int dup_field(json_t *doc, const char *field, char **out, const char *path, mlac_err *err)
{
    const char *v = json_string_value(json_object_get(doc, field));
    if (!v || !*v)
        return mlac_errf(err, MLAC_EFORMAT, "credentials file '%s': field '%s' is missing", path, field);
    return (*out = strdup(v)) ? MLAC_OK : mlac_errf(err, MLAC_ENOMEM, "out of memory reading '%s'", path);
}

static int load_key_file(gcs_auth *a, const char *path, const char *origin, mlac_err *err)
{
    buf b;
    buf_init(&b, 0);
    int rc = fs_read_file(path, &b, KEY_FILE_MAX, err);
    if (rc) {
        buf_release(&b);
        return mlac_err_prefix(err, "%s: ", origin);
    }
    json_error_t je;
    json_t *doc = json_loadb(b.data, b.len, 0, &je);
    OPENSSL_cleanse(b.data, b.len);
    buf_release(&b);
    const char *type = json_string_value(json_object_get(doc, "type"));
    if (!doc || !json_is_object(doc)) {
        rc = mlac_errf(err, MLAC_EFORMAT, "credentials file '%s' (%s): not a JSON object (line %d)", path, origin,
                       je.line);
    } else if (type && !strcmp(type, "service_account")) {
        a->kind = GCS_AUTH_SERVICE_ACCOUNT;
        rc = copy_field(doc, "client_email", a->client_email, sizeof a->client_email, path, 1, err);
        rc = rc ? rc : copy_field(doc, "private_key_id", a->key_id, sizeof a->key_id, path, 0, err);
        rc = rc ? rc : copy_field(doc, "token_uri", a->token_uri, sizeof a->token_uri, path, 0, err);
        rc = rc ? rc : dup_field(doc, "private_key", &a->private_key, path, err);
        snprintf(a->describe, sizeof a->describe, "service account '%s' from '%s'", a->client_email, path);
    } else if (type && !strcmp(type, "authorized_user")) {
        a->kind = GCS_AUTH_AUTHORIZED_USER;
        rc = copy_field(doc, "client_id", a->client_id, sizeof a->client_id, path, 1, err);
        rc = rc ? rc : copy_field(doc, "token_uri", a->token_uri, sizeof a->token_uri, path, 0, err);
        rc = rc ? rc : dup_field(doc, "client_secret", &a->client_secret, path, err);
        rc = rc ? rc : dup_field(doc, "refresh_token", &a->refresh_token, path, err);
        snprintf(a->describe, sizeof a->describe, "authorized user from '%s'", path);
    } else {
        rc = mlac_errf(err, MLAC_EFORMAT, "credentials file '%s' (%s): field 'type' is '%s', not 'service_account' "
                       "or 'authorized_user'", path, origin, type ? type : "(missing)");
    }
    if (!rc && !a->token_uri[0])
        snprintf(a->token_uri, sizeof a->token_uri, "%s", DEFAULT_TOKEN_URI);
    json_decref(doc);
    return rc;
}

/* "host:port" or "http://host:port/" -> "http://host:port" */
static void endpoint_from_host(const char *host, char *out, size_t n)
{
    int has_scheme = !strncmp(host, "http://", 7) || !strncmp(host, "https://", 8);
    snprintf(out, n, "%s%s", has_scheme ? "" : "http://", host);
    size_t len = strlen(out);
    while (len && out[len - 1] == '/')
        out[--len] = '\0';
}

int gcs_auth_detect(gcs_http *h, gcs_auth **out, char *endpoint, size_t endpoint_size, mlac_err *err)
{
    *out = NULL;
    gcs_auth *a = calloc(1, sizeof *a);
    if (!a)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for credentials");
    a->http = h;
    pthread_mutex_init(&a->lock, NULL);
    const char *ep = env("MLAC_GCS_ENDPOINT");
    endpoint_from_host(ep ? ep : "https://storage.googleapis.com", endpoint, endpoint_size);
    int rc = MLAC_OK;
    const char *emu = env("STORAGE_EMULATOR_HOST");
    const char *emu_name = "STORAGE_EMULATOR_HOST";
    if (!emu) {
        emu = env("CLOUD_STORAGE_EMULATOR_ENDPOINT");
        emu_name = "CLOUD_STORAGE_EMULATOR_ENDPOINT";
    }
    const char *gac = env("GOOGLE_APPLICATION_CREDENTIALS");
    char adc[4096] = "";
    const char *cfg = env("CLOUDSDK_CONFIG"), *home = env("HOME");
    if (cfg)
        snprintf(adc, sizeof adc, "%s/application_default_credentials.json", cfg);
    else if (home)
        snprintf(adc, sizeof adc, "%s/.config/gcloud/application_default_credentials.json", home);
    const char *mhost = env("GCE_METADATA_HOST");
    if (emu) {
        a->kind = GCS_AUTH_NONE;
        endpoint_from_host(emu, endpoint, endpoint_size);
        snprintf(a->describe, sizeof a->describe, "no credentials (emulator at %s from $%s)", endpoint, emu_name);
    } else if (gac) {
        rc = load_key_file(a, gac, "$GOOGLE_APPLICATION_CREDENTIALS", err);
    } else if (adc[0] && fs_exists(adc)) {
        rc = load_key_file(a, adc, "the gcloud ADC file", err);
    } else {
        a->kind = GCS_AUTH_METADATA;
        char host[900];
        endpoint_from_host(mhost ? mhost : "169.254.169.254", host, sizeof host);
        snprintf(a->metadata_url, sizeof a->metadata_url,
                 "%s/computeMetadata/v1/instance/service-accounts/default/token", host);
        snprintf(a->describe, sizeof a->describe, "the metadata server at %s", host);
        /* probe: one token fetch, short timeout, no retries; success fills the cache */
        gcs_response rs;
        gcs_response_init(&rs, TOKEN_REPLY_MAX);
        gcs_request rq = {.method = "GET", .url = a->metadata_url, .what = a->describe,
                          .headers = {"Metadata-Flavor: Google"}, .timeout = mhost ? 10 : 2};
        mlac_err probe = {0};
        rc = gcs_http_do(h, &rq, &rs, &probe);
        if (!rc && rs.status == 200)
            rc = parse_token_reply(a, &rs, a->describe, &probe);
        else if (!rc)
            rc = MLAC_EUNAVAIL;
        gcs_response_release(&rs);
        if (rc)
            rc = mlac_errf(err, MLAC_EUNAVAIL,
                           "no Google Cloud credentials found: STORAGE_EMULATOR_HOST is not set, "
                           "GOOGLE_APPLICATION_CREDENTIALS is not set, there is no gcloud ADC file '%s', "
                           "and no metadata server answered at %s (GCE_METADATA_HOST)%s%s",
                           adc[0] ? adc : "~/.config/gcloud/application_default_credentials.json", host,
                           probe.msg[0] ? ": " : "", probe.msg);
    }
    if (rc) {
        gcs_auth_free(a);
        return rc;
    }
    *out = a;
    return MLAC_OK;
}

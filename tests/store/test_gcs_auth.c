/* test_gcs_auth.c — the Application Default Credentials chain against build/gcs_test_server
 * running with --auth (storage requests need a token it issued): a service-account key made here
 * (the server verifies the RS256 JWT against its public half, and its aud/iss/exp), an
 * authorized_user file (refresh token), the gcloud ADC file under a temporary HOME, the metadata
 * server (GCE_METADATA_HOST), the emulator variables (no token at all), none of them (one error
 * naming all four); tokens cached, refreshed before expiry and once after a 401; no secret in
 * any error message. */
#include "test.h"
#include "store/gcs_testutil.h"
#include "store/store.h"
#include "core/fsutil.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

static test_server srv;
static char tmp[] = "/tmp/mlac-gcs-auth-XXXXXX";

static void clear_env(void)
{
    unsetenv("STORAGE_EMULATOR_HOST");
    unsetenv("CLOUD_STORAGE_EMULATOR_ENDPOINT");
    unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
    unsetenv("CLOUDSDK_CONFIG");
    unsetenv("GCE_METADATA_HOST");
    setenv("HOME", tmp, 1);
}

static void write_file(const char *path, const char *text)
{
    mlac_err err = {0};
    CHECK(fs_write_atomic(path, text, strlen(text), &err) == 0);
}

/* Opens gs://bkt/auth, writes and reads one object: 0 when both worked; the error in err. */
static int round_trip(const char *name, mlac_err *err)
{
    store *s = NULL;
    int rc = store_open("gs://bkt/auth", &s, err);
    buf b;
    buf_init(&b, 0);
    rc = rc ? rc : store_write_str(s, name, "payload", err);
    rc = rc ? rc : store_read(s, name, &b, err);
    if (!rc && (b.len != 7 || memcmp(b.data, "payload", 7)))
        rc = mlac_errf(err, MLAC_EIO, "read back the wrong bytes");
    buf_release(&b);
    store_free(s);
    return rc;
}

static char *pem_of(EVP_PKEY *k, int private_part)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (private_part)
        PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL);
    else
        PEM_write_bio_PUBKEY(bio, k);
    char *d;
    long n = BIO_get_mem_data(bio, &d);
    char *out = malloc((size_t)n + 1); /* the BIO's bytes carry no NUL: not a C string for strndup */
    if (out) {
        memcpy(out, d, (size_t)n);
        out[n] = '\0';
    }
    BIO_free(bio);
    return out;
}

/* A service-account key file for key k. */
static void write_sa(const char *path, EVP_PKEY *k)
{
    char *pem = pem_of(k, 1), token_uri[128];
    snprintf(token_uri, sizeof token_uri, "%s/token", srv.base);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "service_account", "project_id", "p",
                          "private_key_id", "k1", "private_key", pem, "client_email", "sa@p.iam.gserviceaccount.com",
                          "token_uri", token_uri);
    char *text = json_dumps(j, 0);
    write_file(path, text);
    free(text);
    json_decref(j);
    free(pem);
}

static void write_user(const char *path, const char *refresh_token)
{
    char text[1024];
    snprintf(text, sizeof text, "{\"type\":\"authorized_user\",\"client_id\":\"cid\",\"client_secret\":\"s3cr3t-client\","
                                "\"refresh_token\":\"%s\",\"token_uri\":\"%s/token\"}", refresh_token, srv.base);
    write_file(path, text);
}

int main(void)
{
    setenv("MLAC_GCS_RETRY_INITIAL", "0.01", 1);
    setenv("MLAC_GCS_RETRY_MAX", "0.05", 1);
    setenv("MLAC_DOWNLOAD_CACHE_MAX", "0", 1);
    if (!mkdtemp(tmp))
        return 1;
    EVP_PKEY *key = EVP_RSA_gen(2048), *other = EVP_RSA_gen(2048);
    char pub[300], sa[300], sa_bad[300], user[300], user_bad[300], gdir[300], adc[400];
    snprintf(pub, sizeof pub, "%s/pub.pem", tmp);
    snprintf(sa, sizeof sa, "%s/sa.json", tmp);
    snprintf(sa_bad, sizeof sa_bad, "%s/sa-other.json", tmp);
    snprintf(user, sizeof user, "%s/user.json", tmp);
    snprintf(user_bad, sizeof user_bad, "%s/user-bad.json", tmp);
    char *pub_pem = pem_of(key, 0);
    write_file(pub, pub_pem);
    free(pub_pem);
    const char *args[] = {"--auth", "--jwt-pubkey", pub, "--token-lifetime", "4", NULL};
    if (ts_start(&srv, args)) {
        fprintf(stderr, "cannot start the GCS test server\n");
        ts_stop(&srv);
        return 1;
    }
    char endpoint[80], host[64];
    snprintf(endpoint, sizeof endpoint, "%s", srv.base);
    snprintf(host, sizeof host, "127.0.0.1:%d", srv.port);
    setenv("MLAC_GCS_ENDPOINT", endpoint, 1);
    write_sa(sa, key);
    write_sa(sa_bad, other);
    write_user(user, "test-refresh-token");
    write_user(user_bad, "wrong-refresh-token-xyz");
    mlac_err err = {0};

    /* none available: one error naming all four sources */
    clear_env();
    setenv("GCE_METADATA_HOST", "127.0.0.1:1", 1); /* nothing listens on port 1 */
    store *s = NULL;
    CHECK(store_open("gs://bkt/auth", &s, &err) == MLAC_EUNAVAIL && s == NULL);
    CHECK_MSG(strstr(err.msg, "STORAGE_EMULATOR_HOST") && strstr(err.msg, "GOOGLE_APPLICATION_CREDENTIALS") &&
              strstr(err.msg, "application_default_credentials.json") && strstr(err.msg, "metadata server"),
              "%s", err.msg);

    /* service-account key: one token for many requests */
    clear_env();
    setenv("GOOGLE_APPLICATION_CREDENTIALS", sa, 1);
    ts_reset_counts(&srv);
    CHECK_MSG(round_trip("sa.txt", &err) == 0, "%s", err.msg);
    CHECK(ts_count(&srv, "token_requests") == 1);
    /* a 401 once: one refresh, then the request succeeds */
    s = NULL;
    CHECK(store_open("gs://bkt/auth", &s, &err) == 0);
    buf b;
    buf_init(&b, 0);
    CHECK(store_read(s, "sa.txt", &b, &err) == 0);
    long before = ts_count(&srv, "token_requests");
    CHECK(ts_fault(&srv, "storage.objects.get", "[\"return-401\"]") == 0);
    b.len = 0;
    CHECK_MSG(store_read(s, "sa.txt", &b, &err) == 0 && b.len == 7, "%s", err.msg);
    CHECK(ts_count(&srv, "token_requests") == before + 1);
    /* the token (4 s) is refreshed before it expires: after 2.5 s a new one is fetched unasked */
    sleep(3);
    b.len = 0;
    CHECK(store_read(s, "sa.txt", &b, &err) == 0 && b.len == 7);
    CHECK(ts_count(&srv, "token_requests") == before + 2);
    buf_release(&b);
    store_free(s);
    /* a key the server does not know: the token endpoint refuses; the error names it, no secret */
    setenv("GOOGLE_APPLICATION_CREDENTIALS", sa_bad, 1);
    CHECK(round_trip("bad.txt", &err) != 0);
    CHECK_MSG(strstr(err.msg, "/token") && strstr(err.msg, "HTTP 4"), "%s", err.msg);
    CHECK(!strstr(err.msg, "PRIVATE KEY") && !strstr(err.msg, "eyJ")); /* no key, no JWT */
    /* a broken key file: named */
    char broken[300];
    snprintf(broken, sizeof broken, "%s/broken.json", tmp);
    write_file(broken, "{\"type\":\"service_account\",\"client_email\":\"x@y\"}");
    setenv("GOOGLE_APPLICATION_CREDENTIALS", broken, 1);
    CHECK(store_open("gs://bkt/auth", &s, &err) == MLAC_EFORMAT && strstr(err.msg, broken) &&
          strstr(err.msg, "private_key"));
    setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json", 1);
    CHECK(store_open("gs://bkt/auth", &s, &err) != 0 && strstr(err.msg, "/nonexistent/key.json") &&
          strstr(err.msg, "GOOGLE_APPLICATION_CREDENTIALS"));

    /* authorized_user: the refresh-token grant */
    clear_env();
    setenv("GOOGLE_APPLICATION_CREDENTIALS", user, 1);
    ts_reset_counts(&srv);
    CHECK_MSG(round_trip("user.txt", &err) == 0, "%s", err.msg);
    CHECK(ts_count(&srv, "token_requests") == 1);
    setenv("GOOGLE_APPLICATION_CREDENTIALS", user_bad, 1);
    CHECK(round_trip("user-bad.txt", &err) != 0);
    CHECK_MSG(strstr(err.msg, "/token") && !strstr(err.msg, "wrong-refresh-token-xyz") &&
              !strstr(err.msg, "s3cr3t-client"), "%s", err.msg);

    /* the gcloud ADC file under HOME */
    clear_env();
    snprintf(gdir, sizeof gdir, "%s/.config/gcloud", tmp);
    CHECK(fs_mkdir_p(gdir, &err) == 0);
    snprintf(adc, sizeof adc, "%s/application_default_credentials.json", gdir);
    write_user(adc, "test-refresh-token");
    ts_reset_counts(&srv);
    CHECK_MSG(round_trip("adc.txt", &err) == 0, "%s", err.msg);
    CHECK(ts_count(&srv, "token_requests") == 1);
    unlink(adc);

    /* the metadata server */
    clear_env();
    setenv("GCE_METADATA_HOST", host, 1);
    ts_reset_counts(&srv);
    CHECK_MSG(round_trip("md.txt", &err) == 0, "%s", err.msg);
    CHECK(ts_count(&srv, "metadata_requests") == 1 && ts_count(&srv, "token_requests") == 0);

    /* the emulator variables win over everything and send no token (this server then says 401) */
    clear_env();
    setenv("GOOGLE_APPLICATION_CREDENTIALS", sa, 1);
    setenv("STORAGE_EMULATOR_HOST", host, 1);
    ts_reset_counts(&srv);
    CHECK(round_trip("emu.txt", &err) == MLAC_EUNAVAIL && strstr(err.msg, "HTTP 401"));
    CHECK(ts_count(&srv, "token_requests") == 0);
    unsetenv("STORAGE_EMULATOR_HOST");
    setenv("CLOUD_STORAGE_EMULATOR_ENDPOINT", endpoint, 1);
    CHECK(round_trip("emu.txt", &err) == MLAC_EUNAVAIL && strstr(err.msg, "HTTP 401"));
    CHECK(ts_count(&srv, "token_requests") == 0);

    clear_env();
    ts_stop(&srv);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}

/* test_gcs_units.c — the GCS client's parts that need no server: percent-encoding and URLs,
 * gs:// URIs and name rules, the retry schedule (injected clock and seed), transient-failure
 * classes, listing/object JSON, the RS256 JWT (signature verified here with OpenSSL against the
 * public half of a key made in the test), size parsing, and the download cache's LRU bound and
 * verification. */
#include "test.h"
#include "core/hash.h"
#include "store/download_cache.h"
#include "store/gcs_auth.h"
#include "store/gcs_objects.h"
#include "store/gcs_retry.h"
#include "store/gcs_url.h"
#include "store/store_settings.h"
#include "core/fsutil.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_escape(void)
{
    static const struct { const char *in, *out; } table[] = {
        {"plain.wav", "plain.wav"},
        {"a b", "a%20b"},
        {"dir/sub/x.wav", "dir%2Fsub%2Fx.wav"},
        {"#?&=+%", "%23%3F%26%3D%2B%25"},
        {"~-._", "~-._"},
        {"\xc3\xbc", "%C3%BC"},                       /* u-umlaut, UTF-8 bytes one by one */
        {"\xe6\x97\xa5.wav", "%E6%97%A5.wav"},         /* a CJK character */
        {"x%2Fy", "x%252Fy"},                         /* a literal %2F is not a slash */
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        buf b;
        buf_init(&b, 0);
        mlac_err err = {0};
        CHECK(gcs_url_escape(&b, table[i].in, &err) == 0);
        CHECK_MSG(b.data && !strcmp(b.data, table[i].out), "'%s' -> '%s'", table[i].in, b.data ? b.data : "");
        /* libcurl's own escaping agrees (it encodes the same reserved set) */
        char *ce = curl_easy_escape(NULL, table[i].in, 0);
        CHECK_MSG(ce && !strcmp(ce, table[i].out), "curl: '%s'", ce ? ce : "");
        curl_free(ce);
        buf_release(&b);
    }
    buf u;
    buf_init(&u, 0);
    mlac_err err = {0};
    CHECK(gcs_url_object(&u, "http://h:1", "bkt", "a b/c#.wav", &err) == 0);
    CHECK(!strcmp(u.data, "http://h:1/storage/v1/b/bkt/o/a%20b%2Fc%23.wav"));
    CHECK(gcs_url_param(&u, "alt", "media", &err) == 0 && gcs_url_param_ll(&u, "ifGenerationMatch", 0, &err) == 0);
    CHECK(!strcmp(u.data, "http://h:1/storage/v1/b/bkt/o/a%20b%2Fc%23.wav?alt=media&ifGenerationMatch=0"));
    u.len = 0;
    CHECK(gcs_url_upload(&u, "https://s", "bkt", "resumable", "r/x y.jsonl", &err) == 0);
    CHECK(!strcmp(u.data, "https://s/upload/storage/v1/b/bkt/o?uploadType=resumable&name=r%2Fx%20y.jsonl"));
    u.len = 0;
    CHECK(gcs_url_object(&u, "https://s", "bkt", NULL, &err) == 0 && gcs_url_param(&u, "pageToken", "a+b/c=", &err) == 0);
    CHECK(!strcmp(u.data, "https://s/storage/v1/b/bkt/o?pageToken=a%2Bb%2Fc%3D"));
    buf_release(&u);
}

static void test_names(void)
{
    char bucket[GCS_BUCKET_MAX + 1], prefix[2048];
    mlac_err err = {0};
    CHECK(gcs_uri_parse("gs://dse-staff/soundhub/data/audio/", bucket, prefix, sizeof prefix, &err) == 0);
    CHECK(!strcmp(bucket, "dse-staff") && !strcmp(prefix, "soundhub/data/audio"));
    CHECK(gcs_uri_parse("gs://bkt", bucket, prefix, sizeof prefix, &err) == 0 && !strcmp(prefix, ""));
    CHECK(gcs_uri_parse("gs://", bucket, prefix, sizeof prefix, &err) == MLAC_EINVAL && strstr(err.msg, "no bucket"));
    CHECK(gcs_uri_parse("gs://Bad_Bucket/x", bucket, prefix, sizeof prefix, &err) == MLAC_EINVAL &&
          strstr(err.msg, "Bad_Bucket"));
    CHECK(gcs_uri_parse("gs://ab/x", bucket, prefix, sizeof prefix, &err) == MLAC_EINVAL);
    CHECK(gcs_bucket_check("-abc", &err) == MLAC_EINVAL);
    CHECK(gcs_object_check("ok/name with space#?.wav", &err) == 0);
    CHECK(gcs_object_check("line\nbreak", &err) == MLAC_EINVAL);
    CHECK(gcs_object_check("bad\xff", &err) == MLAC_EINVAL && strstr(err.msg, "UTF-8"));
    CHECK(gcs_object_check("..", &err) == MLAC_EINVAL);
    char big[1100];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK(gcs_object_check(big, &err) == MLAC_EINVAL);
}

static void test_retry(void)
{
    gcs_retry_policy p;
    gcs_retry_policy_default(&p);
    CHECK_NEAR(p.initial, 1, 0);
    CHECK_NEAR(p.max_delay, 32, 0);
    double bounds[] = {1, 2, 4, 8, 16, 32, 32, 32};
    for (int k = 0; k < 8; k++)
        CHECK_NEAR(gcs_retry_bound(&p, k), bounds[k], 1e-12);
    /* full jitter: every wait within [0, bound], and the mean of many near bound/2 */
    gcs_retry r;
    p.deadline = 1e9;
    gcs_retry_begin(&r, &p, 0, 7);
    double now = 0, sum5 = 0;
    int n5 = 0;
    for (int k = 0; k < 200; k++) {
        double w;
        CHECK(gcs_retry_next(&r, now, &w) == 1);
        double b = gcs_retry_bound(&p, k);
        CHECK_MSG(w >= 0 && w <= b, "wait %d = %g, bound %g", k, w, b);
        if (k >= 5) {
            sum5 += w;
            n5++;
        }
        now += w;
    }
    CHECK_NEAR(sum5 / n5, 16, 3.0);
    /* the deadline: no retry may start past it */
    p.deadline = 10;
    gcs_retry_begin(&r, &p, 100, 1);
    double w, clock = 100;
    int granted = 0;
    while (gcs_retry_next(&r, clock, &w)) {
        CHECK(clock + w - 100 <= 10);
        clock += w + 0.5; /* each attempt takes half a second */
        granted++;
    }
    CHECK(granted >= 1 && granted < 30);
    CHECK(gcs_retry_next(&r, 111, &w) == 0);
    /* classes */
    long transient[] = {408, 429, 500, 502, 503, 504};
    long final[] = {200, 206, 308, 400, 401, 403, 404, 409, 412};
    for (size_t i = 0; i < sizeof transient / sizeof *transient; i++)
        CHECK(gcs_retry_status_transient(transient[i]));
    for (size_t i = 0; i < sizeof final / sizeof *final; i++)
        CHECK(!gcs_retry_status_transient(final[i]));
    CHECK(gcs_retry_curl_transient(CURLE_RECV_ERROR) && gcs_retry_curl_transient(CURLE_OPERATION_TIMEDOUT) &&
          gcs_retry_curl_transient(CURLE_COULDNT_CONNECT) && gcs_retry_curl_transient(CURLE_PARTIAL_FILE));
    CHECK(!gcs_retry_curl_transient(CURLE_URL_MALFORMAT) && !gcs_retry_curl_transient(CURLE_OK));
}

static void test_json(void)
{
    const char *page = "{\"kind\":\"storage#objects\",\"nextPageToken\":\"tok 2\",\"prefixes\":[\"a/\"],"
                       "\"items\":[{\"name\":\"a b.wav\",\"generation\":\"1700000000000001\",\"size\":\"12\","
                       "\"md5Hash\":\"XrY7u+Ae7tCTyyK7j1rNww==\"},{\"name\":\"c\",\"generation\":\"2\",\"size\":\"0\"}]}";
    gcs_list_page p;
    mlac_err err = {0};
    CHECK(gcs_list_page_parse(page, strlen(page), "listing", &p, &err) == 0);
    CHECK(p.n_items == 2 && !strcmp(p.items[0].name, "a b.wav") && p.items[0].generation == 1700000000000001LL);
    CHECK(p.items[0].size == 12 && !strcmp(p.items[0].md5, "XrY7u+Ae7tCTyyK7j1rNww==") && !p.items[1].md5[0]);
    CHECK(p.next_token && !strcmp(p.next_token, "tok 2") && p.prefixes.n == 1);
    gcs_list_page_release(&p);
    const char *last = "{\"kind\":\"storage#objects\"}";
    CHECK(gcs_list_page_parse(last, strlen(last), "listing", &p, &err) == 0 && p.n_items == 0 && !p.next_token);
    gcs_list_page_release(&p);
    const char *bad[] = {"[1,2]", "{\"items\":{}}", "{\"items\":[{\"name\":\"x\",\"generation\":\"abc\",\"size\":\"1\"}]}",
                         "{\"items\":[{\"generation\":\"1\",\"size\":\"1\"}]}", "{\"items\":[{\"name\":\"x\",\"size\":\"1\"}]}",
                         "{\"items\":[{\"name\":\"x\",\"generation\":\"1\",\"size\":\"-4\"}]}", "{trunc"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mlac_err e = {0};
        CHECK_MSG(gcs_list_page_parse(bad[i], strlen(bad[i]), "listing 'x'", &p, &e) == MLAC_EFORMAT, "%s", bad[i]);
        CHECK(strstr(e.msg, "listing 'x'") != NULL);
    }
    CHECK(gcs_list_page_parse("{}", GCS_LIST_PAGE_MAX + 1, "listing", &p, &err) == MLAC_ENOMEM);
    gcs_object o;
    const char *obj = "{\"name\":\"r/tasks.jsonl\",\"generation\":\"5\",\"size\":\"100\"}";
    CHECK(gcs_object_parse(obj, strlen(obj), "obj", &o, &err) == 0 && o.generation == 5 && o.size == 100);
    gcs_object_release(&o);
}

static int b64url_decode(const char *in, size_t n, unsigned char *out)
{
    char tmp[4096] = {0};
    size_t k = 0;
    for (size_t i = 0; i < n && k < sizeof tmp - 4; i++)
        tmp[k++] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
    while (k % 4)
        tmp[k++] = '=';
    int len = EVP_DecodeBlock(out, (unsigned char *)tmp, (int)k);
    while (k && tmp[--k] == '=')
        len--;
    return len;
}

static void test_jwt(void)
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    CHECK(key != NULL);
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    char *pem_data;
    long pem_len = BIO_get_mem_data(bio, &pem_data);
    char *pem = malloc((size_t)pem_len + 1); /* the BIO's bytes carry no NUL: not a C string for strndup */
    if (pem) {
        memcpy(pem, pem_data, (size_t)pem_len);
        pem[pem_len] = '\0';
    }
    BIO_free(bio);
    buf jwt;
    buf_init(&jwt, 0);
    mlac_err err = {0};
    CHECK(gcs_jwt_sign("sa@p.iam.gserviceaccount.com", "kid1", pem, "http://127.0.0.1:9/token", GCS_SCOPE,
                       1700000000, &jwt, &err) == 0);
    char *dot1 = strchr(jwt.data, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    CHECK(dot1 && dot2 && !strchr(dot2 + 1, '.') && !strchr(jwt.data, '=') && !strchr(jwt.data, '+'));
    if (dot1 && dot2) {
        unsigned char hdr[512], claims[1024], sig[512];
        int hn = b64url_decode(jwt.data, (size_t)(dot1 - jwt.data), hdr);
        int cn = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), claims);
        int sn = b64url_decode(dot2 + 1, strlen(dot2 + 1), sig);
        json_error_t je;
        json_t *h = json_loadb((char *)hdr, (size_t)hn, 0, &je), *c = json_loadb((char *)claims, (size_t)cn, 0, &je);
        CHECK(!strcmp(json_string_value(json_object_get(h, "alg")), "RS256"));
        CHECK(!strcmp(json_string_value(json_object_get(h, "kid")), "kid1"));
        CHECK(!strcmp(json_string_value(json_object_get(c, "iss")), "sa@p.iam.gserviceaccount.com"));
        CHECK(!strcmp(json_string_value(json_object_get(c, "aud")), "http://127.0.0.1:9/token"));
        CHECK(!strcmp(json_string_value(json_object_get(c, "scope")), GCS_SCOPE));
        CHECK(json_integer_value(json_object_get(c, "iat")) == 1700000000);
        CHECK(json_integer_value(json_object_get(c, "exp")) == 1700003600);
        json_decref(h);
        json_decref(c);
        CHECK(sn == 256);
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        CHECK(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1);
        CHECK(EVP_DigestVerify(md, sig, (size_t)sn, (unsigned char *)jwt.data, (size_t)(dot2 - jwt.data)) == 1);
        sig[10] ^= 1; /* a changed signature must not verify */
        CHECK(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1);
        CHECK(EVP_DigestVerify(md, sig, (size_t)sn, (unsigned char *)jwt.data, (size_t)(dot2 - jwt.data)) != 1);
        EVP_MD_CTX_free(md);
    }
    buf_release(&jwt);
    buf_init(&jwt, 0);
    CHECK(gcs_jwt_sign("sa@x", "", "-----BEGIN PRIVATE KEY-----\nnot a key\n", "aud", GCS_SCOPE, 1, &jwt, &err) ==
          MLAC_EFORMAT);
    CHECK(strstr(err.msg, "sa@x") && !strstr(err.msg, "not a key")); /* names the account, not the key */
    buf_release(&jwt);
    free(pem);
    EVP_PKEY_free(key);
}

static void test_sizes(void)
{
    long long v;
    CHECK(store_parse_size("10G", &v) == 0 && v == 10LL << 30);
    CHECK(store_parse_size("512M", &v) == 0 && v == 512LL << 20);
    CHECK(store_parse_size("1.5k", &v) == 0 && v == 1536);
    CHECK(store_parse_size("123", &v) == 0 && v == 123);
    CHECK(store_parse_size("0", &v) == 0 && v == 0);
    CHECK(store_parse_size("12Q", &v) != 0 && store_parse_size("", &v) != 0 && store_parse_size("-1", &v) != 0);
}

static void test_download_cache(void)
{
    char dir[] = "/tmp/mlac-dlcache-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char sub[300];
    snprintf(sub, sizeof sub, "%s/c", dir);
    download_cache *c;
    mlac_err err = {0};
    /* 11500 bytes: four 3000-byte entries overflow it, and evicting to 80% (9200) takes exactly one */
    CHECK(download_cache_open(sub, 11500, &c, &err) == 0);
    char data[3000];
    for (int i = 0; i < 3000; i++)
        data[i] = (char)(i * 7);
    char md5[32];
    download_cache_md5_b64(data, sizeof data, md5);
    CHECK(strlen(md5) == 24);
    buf b;
    buf_init(&b, 0);
    int found = -1;
    CHECK(download_cache_get(c, "b", "o1", 1, 3000, md5, &b, &found, &err) == 0 && found == 0);
    CHECK(download_cache_put(c, "b", "o1", 1, data, sizeof data, NULL, &err) == 0);
    CHECK(download_cache_get(c, "b", "o1", 1, 3000, md5, &b, &found, &err) == 0 && found == 1);
    CHECK(b.len == 3000 && !memcmp(b.data, data, 3000));
    b.len = 0;
    /* another generation is another entry */
    CHECK(download_cache_get(c, "b", "o1", 2, -1, "", &b, &found, &err) == 0 && found == 0);
    /* a wrong MD5 (torn or foreign entry) is a miss, and the entry is dropped */
    CHECK(download_cache_get(c, "b", "o1", 1, 3000, "AAAAAAAAAAAAAAAAAAAAAA==", &b, &found, &err) == 0 && found == 0);
    CHECK(b.len == 0);
    CHECK(download_cache_get(c, "b", "o1", 1, 3000, md5, &b, &found, &err) == 0 && found == 0);
    /* LRU: o2 is touched after o3 is written, so o3 is the oldest and the only one to go */
    CHECK(download_cache_put(c, "b", "o2", 1, data, sizeof data, NULL, &err) == 0);
    sleep(1); /* mtime granularity is fine, but keep the order unambiguous */
    CHECK(download_cache_put(c, "b", "o3", 1, data, sizeof data, NULL, &err) == 0);
    sleep(1);
    CHECK(download_cache_get(c, "b", "o2", 1, 3000, md5, &b, &found, &err) == 0 && found == 1);
    CHECK(download_cache_put(c, "b", "o4", 1, data, sizeof data, NULL, &err) == 0);
    CHECK(download_cache_put(c, "b", "o5", 1, data, sizeof data, NULL, &err) == 0); /* 12000 > 11500: evict to 9200 */
    int f2, f3, f4, f5;
    b.len = 0;
    download_cache_get(c, "b", "o2", 1, 3000, md5, &b, &f2, &err);
    download_cache_get(c, "b", "o3", 1, 3000, md5, &b, &f3, &err);
    download_cache_get(c, "b", "o4", 1, 3000, md5, &b, &f4, &err);
    download_cache_get(c, "b", "o5", 1, 3000, md5, &b, &f5, &err);
    CHECK_MSG(f3 == 0 && f2 == 1 && f4 == 1 && f5 == 1, "o2 %d o3 %d o4 %d o5 %d", f2, f3, f4, f5);
    /* an entry put with its checked MD5 is trusted by this handle for that size + MD5 only; a
     * damaged file of the same size is caught by another handle (another process), which hashes */
    CHECK(download_cache_put(c, "b", "o6", 1, data, sizeof data, md5, &err) == 0);
    b.len = 0;
    CHECK(download_cache_get(c, "b", "o6", 1, 3000, md5, &b, &found, &err) == 0 && found == 1 && b.len == 3000);
    b.len = 0;
    CHECK(download_cache_get(c, "b", "o6", 1, 3000, "AAAAAAAAAAAAAAAAAAAAAA==", &b, &found, &err) == 0 && found == 0);
    CHECK(download_cache_put(c, "b", "o7", 1, data, sizeof data, md5, &err) == 0);
    download_cache *other = NULL;
    CHECK(download_cache_open(sub, 11500, &other, &err) == 0);
    /* damage o7's file in place (same size); its name is sha256 of (bucket, object, generation) */
    char hex7[65], p7[700];
    hash_ctx *h7 = hash_begin();
    hash_update_str(h7, "b");
    hash_update_str(h7, "o7");
    hash_update_str(h7, "1");
    hash_end_hex(h7, hex7);
    snprintf(p7, sizeof p7, "%s/%s", sub, hex7);
    FILE *f7 = fopen(p7, "r+b");
    CHECK(f7 && fseek(f7, 100, SEEK_SET) == 0 && fwrite("XXXX", 1, 4, f7) == 4);
    if (f7)
        fclose(f7);
    b.len = 0;
    CHECK(download_cache_get(c, "b", "o7", 1, 3000, md5, &b, &found, &err) == 0 && found == 1); /* trusted here */
    b.len = 0;
    CHECK(other && download_cache_get(other, "b", "o7", 1, 3000, md5, &b, &found, &err) == 0 && found == 0);
    download_cache_free(other);
    buf_release(&b);
    download_cache_free(c);
    CHECK(download_cache_open(sub, 0, &c, &err) == MLAC_EINVAL);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    test_escape();
    test_names();
    test_retry();
    test_json();
    test_jwt();
    test_sizes();
    test_download_cache();
    TEST_MAIN_END();
}

/* test_gcs_h2.c — gs:// reads over HTTP/2: nghttpd (Debian's nghttp2-server) serves a folder laid
 * out as the JSON API's object paths (storage/v1/b/bkt/o/<name>) over TLS with a self-signed
 * certificate made here by openssl; mlac trusts it through MLAC_GCS_CA_FILE and reads objects
 * with STORAGE_EMULATOR_HOST=https://127.0.0.1:PORT. Asserted: the bytes, every request answered
 * over HTTP/2 (CURLINFO_HTTP_VERSION, store_counters.http2), one connection for reads made one
 * after another (reuse), a ranged read, a 404 as ENOTFOUND, and an untrusted certificate refused. Exits 77
 * (ctest: skipped) when nghttpd or openssl is not installed. */
#include "test.h"
#include "store/store.h"
#include "store/store_settings.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[] = "/tmp/mlac-h2-XXXXXX";
static pid_t server = -1;

static int start_nghttpd(int port)
{
    char www[300], key[300], cert[300], portstr[16];
    snprintf(www, sizeof www, "%s/www", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(portstr, sizeof portstr, "%d", port);
    server = fork();
    if (server == 0) {
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execlp("nghttpd", "nghttpd", "-a", "127.0.0.1", "-d", www, portstr, key, cert, (char *)NULL);
        _exit(127);
    }
    /* up when a TLS handshake succeeds (openssl s_client would need a tty dance: use curl's CLI) */
    char probe[700];
    snprintf(probe, sizeof probe, "curl -s -o /dev/null --cacert '%s' https://127.0.0.1:%d/ 2>/dev/null", cert, port);
    for (int i = 0; i < 100; i++) {
        int st;
        if (waitpid(server, &st, WNOHANG) == server) { /* port taken, or nghttpd failed */
            server = -1;
            return -1;
        }
        if (system(probe) == 0)
            return 0;
        usleep(100000);
    }
    return -1;
}

int main(void)
{
    if (system("command -v nghttpd >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1 && "
               "command -v curl >/dev/null 2>&1") != 0) {
        printf("store_test_gcs_h2: skipped: nghttpd not installed (Debian package nghttp2-server)\n");
        return 77;
    }
    CHECK(mkdtemp(dir) != NULL);
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && mkdir -p www/storage/v1/b/bkt/o other && "
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 && "
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout other/key.pem -out other/cert.pem -days 2 "
             "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1", dir);
    CHECK(system(cmd) == 0);
    static char data[5][20000];
    for (int k = 0; k < 5; k++) {
        for (size_t i = 0; i < sizeof data[k]; i++)
            data[k][i] = (char)((i * 131 + (size_t)k * 7) >> 3);
        char p[400];
        snprintf(p, sizeof p, "%s/www/storage/v1/b/bkt/o/clip%d.wav", dir, k);
        FILE *f = fopen(p, "wb");
        CHECK(f && fwrite(data[k], 1, sizeof data[k], f) == sizeof data[k]);
        if (f)
            fclose(f);
    }
    int port = 0;
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (int attempt = 0; attempt < 20 && !port; attempt++) {
        int p = 20000 + rand() % 40000;
        if (start_nghttpd(p) == 0)
            port = p;
    }
    CHECK_MSG(port, "nghttpd did not start");
    if (!port)
        TEST_MAIN_END();
    char host[64], ca[300];
    snprintf(host, sizeof host, "https://127.0.0.1:%d", port);
    snprintf(ca, sizeof ca, "%s/cert.pem", dir);
    setenv("STORAGE_EMULATOR_HOST", host, 1);
    setenv("MLAC_GCS_CA_FILE", ca, 1);
    setenv("MLAC_DOWNLOAD_CACHE_MAX", "0", 1);
    setenv("MLAC_GCS_RETRY_DEADLINE", "5", 1);
    setenv("MLAC_GCS_RETRY_INITIAL", "0.01", 1);
    unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
    unsetenv("MLAC_GCS_ENDPOINT");
    store *s = NULL;
    mlac_err err = {0};
    CHECK_MSG(store_open("gs://bkt", &s, &err) == 0, "%s", err.msg);
    buf b;
    buf_init(&b, 0);
    for (int k = 0; s && k < 5; k++) {
        char path[32];
        snprintf(path, sizeof path, "clip%d.wav", k);
        b.len = 0;
        int rc = store_read(s, path, &b, &err);
        CHECK_MSG(rc == 0 && b.len == sizeof data[k] && !memcmp(b.data, data[k], b.len), "%s: rc %d: %s", path, rc,
                  err.msg);
    }
    /* a ranged read over the same connection */
    b.len = 0;
    CHECK(s && store_read_range(s, "clip3.wav", 100, 50, &b, &err) == 0 && b.len == 50 &&
          !memcmp(b.data, data[3] + 100, 50));
    /* a 404 (through a ranged read: a whole read of a missing object would go on to list its
     * ledger parts, which a static file server cannot answer) */
    b.len = 0;
    CHECK_MSG(s && store_read_range(s, "absent.wav", 0, 10, &b, &err) == MLAC_ENOTFOUND, "%s", err.msg);
    store_counters sc;
    store_get_counters(s, &sc);
    CHECK_MSG(sc.requests == 7 && sc.http2 == 7 && sc.connects == 1,
              "%ld requests, %ld over HTTP/2, %ld connections (want 7, 7, 1)", sc.requests, sc.http2, sc.connects);
    store_free(s);
    /* a certificate mlac was not told to trust: refused, not read */
    char other[300];
    snprintf(other, sizeof other, "%s/other/cert.pem", dir);
    setenv("MLAC_GCS_CA_FILE", other, 1);
    s = NULL;
    CHECK(store_open("gs://bkt", &s, &err) == 0);
    b.len = 0;
    int rc = s ? store_read(s, "clip0.wav", &b, &err) : -1;
    CHECK_MSG(rc != 0 && strstr(err.msg, "gs://bkt/clip0.wav"), "rc %d: %s", rc, err.msg);
    store_free(s);
    buf_release(&b);
    if (server > 0) {
        kill(server, SIGTERM);
        waitpid(server, NULL, 0);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}

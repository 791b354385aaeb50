/* server_util.h — small helpers of the GCS test server (tests/tools/gcs_test_server.c):
 * a bounded growable byte buffer, percent-decoding, query-string parsing, base64, CRC32C and
 * MD5 in the encodings GCS uses, RFC 3339 times and random identifiers. Nothing here prints. */
#ifndef MLAC_TESTS_GCS_SERVER_UTIL_H
#define MLAC_TESTS_GCS_SERVER_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* A growable buffer that refuses to grow past max (returns -1, keeps what it had). */
struct gbuf {
  unsigned char *data;
  size_t len, cap, max;
};
void gbuf_init(struct gbuf *b, size_t max);
void gbuf_release(struct gbuf *b);
int gbuf_append(struct gbuf *b, const void *p, size_t n);

/* Decodes %XX (and '+' as space when plus_is_space) from src[0..n) into a new NUL-terminated
 * string; NULL on a malformed escape or an embedded NUL. */
char *pct_decode(const char *src, size_t n, bool plus_is_space);
/* Percent-encodes everything but unreserved characters; new string. */
char *pct_encode(const char *s);

/* A parsed query string or form body: at most QUERY_MAX pairs, decoded. */
#define QUERY_MAX 64
struct query {
  int n;
  char *key[QUERY_MAX];
  char *val[QUERY_MAX];
};
/* Returns 0, or -1 for a malformed escape or too many pairs. */
int query_parse(struct query *q, const char *s, size_t n);
void query_release(struct query *q);
const char *query_get(const struct query *q, const char *key);

/* Standard base64 (with padding) of p[0..n) into a new string. */
char *b64_encode(const void *p, size_t n);
/* base64url (or standard) without/with padding into a new buffer; NULL when malformed. */
unsigned char *b64url_decode(const char *s, size_t n, size_t *out_len);
char *b64url_encode(const void *p, size_t n);

uint32_t crc32c_update(uint32_t crc, const void *p, size_t n);
/* GCS object hashes: base64 of the big-endian CRC32C, base64 of the MD5 digest. */
void hash_crc32c_b64(const void *p, size_t n, char out[16]);
void hash_md5_b64(const void *p, size_t n, char out[32]);

void rfc3339_now(char out[40]);
double now_seconds(void);
/* n random bytes as 2n hex characters from OpenSSL's generator (out has 2n+1 bytes). */
void random_hex(char *out, size_t n);
/* Strict decimal parsers: the whole string must be a number in range. */
int parse_int64(const char *s, int64_t *out);
int parse_uint64(const char *s, uint64_t *out);

#endif

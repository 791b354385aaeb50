/* server_util.c — helpers of the GCS test server: bounded buffers, percent-coding, query
 * strings, base64 (OpenSSL's EVP encoder for the standard alphabet), CRC32C (Castagnoli,
 * reflected, as GCS's crc32c field: base64 of the 4 big-endian bytes) and MD5 (OpenSSL). */
#include "gcs/server_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

void gbuf_init(struct gbuf *b, size_t max)
{
  b->data = NULL;
  b->len = b->cap = 0;
  b->max = max;
}

void gbuf_release(struct gbuf *b)
{
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

int gbuf_append(struct gbuf *b, const void *p, size_t n)
{
  if (n > b->max - b->len)
    return -1;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1)
      cap *= 2;
    unsigned char *d = realloc(b->data, cap);
    if (!d)
      return -1;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0; /* always NUL-terminated, for JSON and form parsers */
  return 0;
}

static int hexval(int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c = tolower(c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

char *pct_decode(const char *src, size_t n, bool plus_is_space)
{
  char *out = malloc(n + 1);
  size_t o = 0;
  if (!out)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)src[i];
    if (c == '%') {
      int h, l;
      if (i + 2 >= n || (h = hexval(src[i + 1])) < 0 || (l = hexval(src[i + 2])) < 0) {
        free(out);
        return NULL;
      }
      c = h * 16 + l;
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == 0) {
      free(out);
      return NULL;
    }
    out[o++] = (char)c;
  }
  out[o] = 0;
  return out;
}

char *pct_encode(const char *s)
{
  size_t n = strlen(s);
  char *out = malloc(3 * n + 1), *o = out;
  static const char hex[] = "0123456789ABCDEF";
  if (!out)
    return NULL;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
      *o++ = (char)*p;
    } else {
      *o++ = '%';
      *o++ = hex[*p >> 4];
      *o++ = hex[*p & 15];
    }
  }
  *o = 0;
  return out;
}

int query_parse(struct query *q, const char *s, size_t n)
{
  q->n = 0;
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && s[j] != '&')
      j++;
    if (j > i) {
      size_t eq = i;
      while (eq < j && s[eq] != '=')
        eq++;
      if (q->n == QUERY_MAX)
        return -1;
      char *k = pct_decode(s + i, eq - i, true);
      char *v = eq < j ? pct_decode(s + eq + 1, j - eq - 1, true) : strdup("");
      if (!k || !v) {
        free(k);
        free(v);
        return -1;
      }
      q->key[q->n] = k;
      q->val[q->n] = v;
      q->n++;
    }
    i = j + 1;
  }
  return 0;
}

void query_release(struct query *q)
{
  for (int i = 0; i < q->n; i++) {
    free(q->key[i]);
    free(q->val[i]);
  }
  q->n = 0;
}

const char *query_get(const struct query *q, const char *key)
{
  for (int i = 0; i < q->n; i++)
    if (strcmp(q->key[i], key) == 0)
      return q->val[i];
  return NULL;
}

char *b64_encode(const void *p, size_t n)
{
  char *out = malloc(4 * ((n + 2) / 3) + 1);
  if (!out)
    return NULL;
  EVP_EncodeBlock((unsigned char *)out, p, (int)n);
  return out;
}

char *b64url_encode(const void *p, size_t n)
{
  char *s = b64_encode(p, n);
  if (!s)
    return NULL;
  size_t len = strlen(s);
  while (len && s[len - 1] == '=')
    s[--len] = 0;
  for (char *c = s; *c; c++)
    *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
  return s;
}

static int b64val(int c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+' || c == '-')
    return 62;
  if (c == '/' || c == '_')
    return 63;
  return -1;
}

unsigned char *b64url_decode(const char *s, size_t n, size_t *out_len)
{
  while (n && s[n - 1] == '=')
    n--;
  if (n % 4 == 1)
    return NULL;
  unsigned char *out = malloc(n * 3 / 4 + 3);
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  if (!out)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    int v = b64val((unsigned char)s[i]);
    if (v < 0) {
      free(out);
      return NULL;
    }
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (unsigned char)(acc >> bits);
    }
  }
  out[o] = 0;
  *out_len = o;
  return out;
}

uint32_t crc32c_update(uint32_t crc, const void *p, size_t n)
{
  static uint32_t table[256];
  static int ready; /* benign race: every thread computes the same table */
  if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++)
        c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      table[i] = c;
    }
    __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
  }
  const unsigned char *b = p;
  crc = ~crc;
  for (size_t i = 0; i < n; i++)
    crc = table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

void hash_crc32c_b64(const void *p, size_t n, char out[16])
{
  uint32_t c = crc32c_update(0, p, n);
  unsigned char be[4] = { (unsigned char)(c >> 24), (unsigned char)(c >> 16), (unsigned char)(c >> 8),
                          (unsigned char)c };
  EVP_EncodeBlock((unsigned char *)out, be, 4);
}

void hash_md5_b64(const void *p, size_t n, char out[32])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(p, n, md, &len, EVP_md5(), NULL);
  EVP_EncodeBlock((unsigned char *)out, md, (int)len);
}

void rfc3339_now(char out[40])
{
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, 40 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

double now_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void random_hex(char *out, size_t n)
{
  unsigned char b[64];
  static const char hex[] = "0123456789abcdef";
  if (n > sizeof b)
    n = sizeof b;
  if (RAND_bytes(b, (int)n) != 1)
    memset(b, 0x5a, n); /* never in practice; identifiers then collide and tests fail loudly */
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hex[b[i] >> 4];
    out[2 * i + 1] = hex[b[i] & 15];
  }
  out[2 * n] = 0;
}

int parse_int64(const char *s, int64_t *out)
{
  char *end;
  if (!s || !*s || isspace((unsigned char)*s))
    return -1;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end)
    return -1;
  *out = v;
  return 0;
}

int parse_uint64(const char *s, uint64_t *out)
{
  char *end;
  if (!s || !isdigit((unsigned char)*s))
    return -1;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end)
    return -1;
  *out = v;
  return 0;
}

/* utf8.c — RFC 3629 validation and escaping for messages (see utf8.h). */
#include "core/utf8.h"

#include <stdio.h>

/* Length of the valid UTF-8 sequence at p, or 0 when it is not one. */
static size_t seq_len(const unsigned char *p)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

int utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = seq_len(p);
        if (!n)
            return 0;
        p += n;
    }
    return 1;
}

void utf8_escape(const char *s, char *out, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t k = 0;
    if (!n)
        return;
    while (*p && k + 5 < n) {
        size_t len = seq_len(p);
        if (len) {
            for (size_t i = 0; i < len; i++)
                out[k++] = (char)p[i];
            p += len;
        } else {
            k += (size_t)snprintf(out + k, n - k, "\\x%02X", *p++);
        }
    }
    out[k] = '\0';
}

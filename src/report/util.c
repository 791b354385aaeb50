/* util.c — escaping and number formatting for the report writers (see report_util.h). */
#include "report/report_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not valid. */
static size_t utf8_len(const unsigned char *p)
{
    size_t n = p[0] < 0x80 ? 1 : (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 2 && p[0] < 0xC2)
        return 0; /* overlong */
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

size_t report_utf8_prefix(const char *s, size_t max_bytes)
{
    size_t at = 0;
    while (s[at]) {
        size_t n = utf8_len((const unsigned char *)s + at);
        if (!n || at + n > max_bytes)
            break;
        at += n;
    }
    return at;
}

int report_esc(buf *b, const char *s, mlac_err *err)
{
    int rc = MLAC_OK;
    const char *run = s;
    for (const char *p = s; *p && !rc; p++) {
        const char *rep = NULL;
        size_t n = utf8_len((const unsigned char *)p);
        if (n > 1) {
            p += n - 1;
            continue;
        }
        if (n == 0)
            rep = "\xef\xbf\xbd"; /* U+FFFD for a byte that is not UTF-8 */
        else switch (*p) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        case '\n': rep = "&#10;"; break;
        default:
            if ((unsigned char)*p < 0x20 && *p != '\t')
                rep = "";
        }
        if (!rep)
            continue;
        rc = buf_append(b, run, (size_t)(p - run), err);
        if (!rc)
            rc = buf_puts(b, rep, err);
        run = p + 1;
    }
    if (!rc)
        rc = buf_puts(b, run, err);
    return rc;
}

const char *report_fmt(double v, int digits, char *out, size_t n)
{
    if (!isfinite(v))
        snprintf(out, n, "\xe2\x80\x93");
    else
        snprintf(out, n, "%.*f", digits, v);
    return out;
}

const char *report_fmt_seconds(double s, char *out, size_t n)
{
    if (!isfinite(s) || s < 0)
        snprintf(out, n, "\xe2\x80\x93");
    else if (s < 1e-3)
        snprintf(out, n, "%.0f \xc2\xb5s", s * 1e6);
    else if (s < 1)
        snprintf(out, n, "%.3g ms", s * 1e3);
    else if (s < 120)
        snprintf(out, n, "%.3g s", s);
    else
        snprintf(out, n, "%.0f min %.0f s", floor(s / 60), fmod(s, 60));
    return out;
}

const char *report_fmt_p(double p, char *out, size_t n)
{
    if (!isfinite(p))
        snprintf(out, n, "\xe2\x80\x93");
    else if (p < 0.001)
        snprintf(out, n, "< 0.001");
    else
        snprintf(out, n, "%.3g", p);
    return out;
}

void report_file_stem(const char *name, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = name; *p && k + 1 < n; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                 c == '-' || (c == '.' && k > 0);
        out[k++] = ok ? c : '_';
    }
    if (!k && n > 1)
        out[k++] = '_';
    out[k] = '\0';
}

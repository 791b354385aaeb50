/* mpeg_sync.c — finding where the MPEG audio frames of an .mp3 file begin.
 *
 * Owns mpeg_first_frame and mpeg_name_is_mp3. ID3v2 tags (syncsafe size, optional 10-byte
 * footer) are skipped whole, so an embedded picture cannot supply a false sync; then the bytes
 * are scanned for a frame header whose successor sits exactly one frame length later.
 * Reference: ISO/IEC 11172-3 and 13818-3 frame header; ID3v2.4 structure (id3.org, 2000).
 */
#include "audio/mpeg_sync.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

typedef struct frame_hdr {
    int version; /* 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5 */
    int layer;   /* 1..3 */
    int rate;    /* Hz */
    size_t len;  /* bytes, header included */
} frame_hdr;

static const short kbps[2][3][16] = {
    /* MPEG-1: layer I, II, III */
    {{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, -1},
     {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, -1},
     {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, -1}},
    /* MPEG-2 and 2.5: layer I, II, III */
    {{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, -1},
     {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1},
     {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1}},
};

/* Parses the 4 bytes at p; 0 if they are not a usable header (free-format bitrate included). */
static int parse_hdr(const unsigned char *p, frame_hdr *h)
{
    static const int rates[3] = {44100, 48000, 32000};
    if (p[0] != 0xFF || (p[1] & 0xE0) != 0xE0)
        return 0;
    int version = (p[1] >> 3) & 3, layer_bits = (p[1] >> 1) & 3;
    int br_i = p[2] >> 4, sr_i = (p[2] >> 2) & 3, pad = (p[2] >> 1) & 1;
    if (version == 1 || layer_bits == 0 || br_i == 0 || br_i == 15 || sr_i == 3)
        return 0;
    h->version = version;
    h->layer = 4 - layer_bits;
    h->rate = rates[sr_i] >> (version == 3 ? 0 : version == 2 ? 1 : 2);
    long br = 1000L * kbps[version == 3 ? 0 : 1][h->layer - 1][br_i];
    if (h->layer == 1)
        h->len = (size_t)((12 * br / h->rate + pad) * 4);
    else if (h->layer == 3 && version != 3)
        h->len = (size_t)(72 * br / h->rate + pad);
    else
        h->len = (size_t)(144 * br / h->rate + pad);
    return h->len >= 4;
}

/* Bytes taken by the ID3v2 tag at p, 0 if p does not start one. */
static size_t id3v2_size(const unsigned char *p, size_t n)
{
    if (n < 10 || memcmp(p, "ID3", 3) != 0 || p[3] == 0xFF || p[4] == 0xFF ||
        ((p[6] | p[7] | p[8] | p[9]) & 0x80))
        return 0;
    size_t size = (size_t)p[6] << 21 | (size_t)p[7] << 14 | (size_t)p[8] << 7 | p[9];
    size += 10 + ((p[5] & 0x10) ? 10 : 0);
    return size <= n ? size : n;
}

size_t mpeg_first_frame(const unsigned char *p, size_t n)
{
    size_t at = 0, tag;
    while ((tag = id3v2_size(p + at, n - at)) > 0)
        at += tag;
    for (; at + 4 <= n; at++) {
        frame_hdr a, b;
        if (!parse_hdr(p + at, &a))
            continue;
        size_t next = at + a.len;
        if (next == n)
            return at;
        if (next + 4 <= n && parse_hdr(p + next, &b) && b.version == a.version &&
            b.layer == a.layer && b.rate == a.rate)
            return at;
    }
    return (size_t)-1;
}

int mpeg_name_is_mp3(const char *name)
{
    size_t k = name ? strlen(name) : 0;
    if (k < 4 || name[k - 4] != '.')
        return 0;
    return tolower((unsigned char)name[k - 3]) == 'm' && tolower((unsigned char)name[k - 2]) == 'p' &&
           name[k - 1] == '3';
}

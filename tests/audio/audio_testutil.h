/* audio_testutil.h — helpers shared by the audio tests: encode with libsndfile into memory,
 * hand-build WAV headers, and test signals.
 *
 * sndmem_encode writes frames (frames, channels) through sf_open_virtual into a growable
 * buffer, so each test encodes with libsndfile itself (the writer) and decodes with mlac (the
 * reader under test). wav_build writes a RIFF/WAVE byte for byte so tests can lie in any field.
 */
#ifndef MLAC_TEST_AUDIO_TESTUTIL_H
#define MLAC_TEST_AUDIO_TESTUTIL_H

#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct sndmem {
    unsigned char *d; /* (cap,) owned */
    sf_count_t n, cap, pos;
} sndmem;

static inline sf_count_t sndmem_len(void *u)
{
    return ((sndmem *)u)->n;
}

static inline sf_count_t sndmem_seek(sf_count_t off, int whence, void *u)
{
    sndmem *m = u;
    sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->n;
    if (base + off < 0)
        return -1;
    m->pos = base + off;
    return m->pos;
}

static inline sf_count_t sndmem_read(void *p, sf_count_t c, void *u)
{
    sndmem *m = u;
    if (m->pos >= m->n)
        return 0;
    if (c > m->n - m->pos)
        c = m->n - m->pos;
    memcpy(p, m->d + m->pos, (size_t)c);
    m->pos += c;
    return c;
}

static inline sf_count_t sndmem_write(const void *p, sf_count_t c, void *u)
{
    sndmem *m = u;
    if (m->pos + c > m->cap) {
        sf_count_t cap = (m->pos + c) * 2;
        unsigned char *d = realloc(m->d, (size_t)cap);
        if (!d)
            return 0;
        m->d = d;
        m->cap = cap;
    }
    if (m->pos > m->n)
        memset(m->d + m->n, 0, (size_t)(m->pos - m->n));
    memcpy(m->d + m->pos, p, (size_t)c);
    m->pos += c;
    if (m->pos > m->n)
        m->n = m->pos;
    return c;
}

static inline sf_count_t sndmem_tell(void *u)
{
    return ((sndmem *)u)->pos;
}

/* Encodes x (frames, channels) in the libsndfile format; returns 0 on success. m->d is the
 * caller's to free. */
static inline int sndmem_encode(sndmem *m, int format, int channels, int rate, const float *x,
                                size_t frames)
{
    static SF_VIRTUAL_IO io = {sndmem_len, sndmem_seek, sndmem_read, sndmem_write, sndmem_tell};
    memset(m, 0, sizeof *m);
    SF_INFO si = {0};
    si.samplerate = rate;
    si.channels = channels;
    si.format = format;
    SNDFILE *f = sf_open_virtual(&io, SFM_WRITE, &si, m);
    if (!f)
        return -1;
    sf_count_t w = sf_writef_float(f, x, (sf_count_t)frames);
    int rc = sf_close(f);
    return (w == (sf_count_t)frames && rc == 0) ? 0 : -1;
}

static inline void put16(unsigned char *p, unsigned v)
{
    p[0] = v & 0xff;
    p[1] = (v >> 8) & 0xff;
}

static inline void put32(unsigned char *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

/* A canonical 44-byte-header WAV: fmt tag (1 PCM, 3 float), fields as given (lies allowed),
 * data_len bytes of payload from data (zeros if NULL), declared_len in the data chunk header.
 * Returns a malloc'd buffer of 44 + data_len bytes. */
static inline unsigned char *wav_build(unsigned tag, unsigned channels, uint32_t rate,
                                       unsigned bits, const void *data, size_t data_len,
                                       uint32_t declared_len, size_t *out_n)
{
    size_t n = 44 + data_len;
    unsigned char *b = calloc(1, n);
    if (!b)
        return NULL;
    unsigned block = channels * (bits / 8);
    memcpy(b, "RIFF", 4);
    put32(b + 4, (uint32_t)(36 + declared_len));
    memcpy(b + 8, "WAVEfmt ", 8);
    put32(b + 16, 16);
    put16(b + 20, tag);
    put16(b + 22, channels);
    put32(b + 24, rate);
    put32(b + 28, rate * block);
    put16(b + 32, block);
    put16(b + 34, bits);
    memcpy(b + 36, "data", 4);
    put32(b + 40, declared_len);
    if (data)
        memcpy(b + 44, data, data_len);
    *out_n = n;
    return b;
}

/* Two tones and a slow chirp, peak below 0.9: not periodic over short lags. */
static inline double test_signal(double t)
{
    return 0.45 * sin(2 * M_PI * 440.0 * t) +
           0.25 * sin(2 * M_PI * (1234.5 * t + 300.0 * t * t) + 0.3) +
           0.15 * sin(2 * M_PI * 97.0 * t + 1.0);
}

/* 10 log10(sum ref^2 / sum (ref - x)^2) over [from, to). */
static inline double snr_db(const float *x, const double *ref, size_t from, size_t to)
{
    double s = 0, e = 0;
    for (size_t i = from; i < to; i++) {
        double d = (double)x[i] - ref[i];
        s += ref[i] * ref[i];
        e += d * d;
    }
    return e > 0 ? 10 * log10(s / e) : INFINITY;
}

#endif

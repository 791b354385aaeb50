/* encode.c — mono float clip to WAV bytes in memory (audio_encode_wav in audio.h).
 *
 * libsndfile writes through its virtual I/O into a growable memory file, so clips can go to
 * any store (local or gs://) without a temporary file. Output is deterministic: no PEAK chunk
 * (it carries a time stamp), 16-bit samples rounded to nearest and clipped (never wrapped), and
 * non-finite samples rejected before anything is written. Reference: libsndfile's
 * sf_open_virtual and the RIFF/WAVE format.
 */
#include "audio/audio.h"
#include "audio/sndfile_open.h"

#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>

struct memfile {
    unsigned char *data; /* (cap,) */
    sf_count_t len, cap, pos;
    int oom;             /* an allocation failed */
};

static sf_count_t mem_len(void *user)
{
    return ((struct memfile *)user)->len;
}

static sf_count_t mem_seek(sf_count_t offset, int whence, void *user)
{
    struct memfile *m = user;
    sf_count_t to = whence == SEEK_SET ? offset : whence == SEEK_CUR ? m->pos + offset : m->len + offset;
    if (to < 0)
        return -1;
    m->pos = to;
    return to;
}

static sf_count_t mem_read(void *ptr, sf_count_t count, void *user)
{
    struct memfile *m = user;
    sf_count_t n = m->pos >= m->len ? 0 : m->len - m->pos;
    if (n > count)
        n = count;
    if (n > 0)
        memcpy(ptr, m->data + m->pos, (size_t)n);
    m->pos += n;
    return n;
}

static sf_count_t mem_write(const void *ptr, sf_count_t count, void *user)
{
    struct memfile *m = user;
    sf_count_t end = m->pos + count;
    if (end > m->cap) {
        sf_count_t cap = m->cap ? m->cap : 4096;
        while (cap < end)
            cap *= 2;
        unsigned char *p = realloc(m->data, (size_t)cap);
        if (!p) {
            m->oom = 1;
            return 0;
        }
        m->data = p;
        m->cap = cap;
    }
    if (m->pos > m->len) /* a seek past the end leaves a zero-filled gap */
        memset(m->data + m->len, 0, (size_t)(m->pos - m->len));
    memcpy(m->data + m->pos, ptr, (size_t)count);
    m->pos = end;
    if (end > m->len)
        m->len = end;
    return count;
}

static sf_count_t mem_tell(void *user)
{
    return ((struct memfile *)user)->pos;
}

/* Quantises to 16 bits here rather than in libsndfile, whose clipping path floors: round to
 * nearest of x * 32768 (the scale every decoder divides by), clipped to [-32768, 32767]. */
static sf_count_t write_pcm16(SNDFILE *sf, const float *x /* (n,) */, size_t n)
{
    short chunk[4096];
    sf_count_t total = 0;
    for (size_t i0 = 0; i0 < n; i0 += 4096) {
        size_t m = n - i0 < 4096 ? n - i0 : 4096;
        for (size_t i = 0; i < m; i++) {
            double v = (double)x[i0 + i] * 32768.0;
            chunk[i] = v >= 32767.0 ? 32767 : v <= -32768.0 ? -32768 : (short)lrint(v);
        }
        sf_count_t w = sf_writef_short(sf, chunk, (sf_count_t)m);
        total += w;
        if (w != (sf_count_t)m)
            break;
    }
    return total;
}

int audio_encode_wav(const audio_clip *clip, int pcm16, void **out, size_t *out_n, mlac_err *err)
{
    *out = NULL;
    *out_n = 0;
    if (!clip || !clip->samples || clip->n == 0)
        return mlac_errf(err, MLAC_EINVAL, "cannot encode an empty clip");
    if (clip->rate <= 0 || clip->rate > AUDIO_MAX_RATE)
        return mlac_errf(err, MLAC_EINVAL, "cannot encode a clip at %d Hz", clip->rate);
    if (clip->n > AUDIO_MAX_FRAMES)
        return mlac_errf(err, MLAC_ENOMEM, "clip of %zu frames is over the limit of %zu", clip->n,
                         AUDIO_MAX_FRAMES);
    for (size_t i = 0; i < clip->n; i++)
        if (!isfinite(clip->samples[i]))
            return mlac_errf(err, MLAC_EINVAL, "cannot encode a clip with a non-finite sample at frame %zu",
                             i);

    SF_VIRTUAL_IO vio = {mem_len, mem_seek, mem_read, mem_write, mem_tell};
    struct memfile m = {0};
    SF_INFO info = {.samplerate = clip->rate, .channels = 1,
                    .format = SF_FORMAT_WAV | (pcm16 ? SF_FORMAT_PCM_16 : SF_FORMAT_FLOAT)};
    char why[256] = "";
    SNDFILE *sf = sndfile_open_virtual(&vio, SFM_WRITE, &info, &m, why, sizeof why);
    if (!sf) {
        free(m.data);
        return mlac_errf(err, m.oom ? MLAC_ENOMEM : MLAC_EINTERNAL, "cannot start a WAV encoder: %s",
                         why);
    }
    sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
    sf_count_t wrote = pcm16 ? write_pcm16(sf, clip->samples, clip->n)
                             : sf_writef_float(sf, clip->samples, (sf_count_t)clip->n);
    int rc = MLAC_OK;
    if (wrote != (sf_count_t)clip->n)
        rc = mlac_errf(err, m.oom ? MLAC_ENOMEM : MLAC_EIO, "cannot encode WAV: %s", sf_strerror(sf));
    if (sf_close(sf) != 0 && !rc)
        rc = mlac_errf(err, MLAC_EIO, "cannot finish WAV: %s", m.oom ? "out of memory" : "encoder error");
    if (!rc && m.oom)
        rc = mlac_errf(err, MLAC_ENOMEM, "out of memory encoding WAV");
    if (rc) {
        free(m.data);
        return rc;
    }
    *out = m.data;
    *out_n = (size_t)m.len;
    return MLAC_OK;
}

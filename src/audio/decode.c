/* decode.c — encoded bytes in memory → mono float clip at the file's own rate (libsndfile).
 *
 * Owns audio_decode, audio_decode_reuse and audio_probe. The bytes are read through
 * sf_open_virtual (no temp file); a mono file is read straight into the output buffer (a
 * per-thread audio_scratch when reused), other files in blocks; samples are checked for NaN/Inf
 * and mixed down to mono as the mean of the channels, so memory never depends on a header's claims, only on what actually decodes.
 * Invariants: a successful decode returns 1 <= n <= AUDIO_MAX_FRAMES finite samples; a failure
 * leaves *out empty and names the clip in err. Header values are checked against the limits
 * in audio.h before any allocation. libsndfile clamps a RIFF data chunk that claims more bytes
 * than the file holds (it only logs it), so riff_check() catches that truncation itself; for
 * other formats a decode that yields fewer frames than the header declares is an error, except
 * MP3, whose frame count may be an estimate. An .mp3 whose frames follow leading junk (zero
 * padding, bytes after an ID3v2 tag) is opened from its first frame (mpeg_sync.h), as libsndfile
 * does for a path.
 * Reference: libsndfile 1.2 API (sndfile.h), RIFF/WAVE chunk layout (Microsoft, 1991).
 */
#include "audio/audio.h"
#include "audio/mpeg_sync.h"
#include "audio/sndfile_open.h"

#include <float.h>
#include <math.h>
#include <sndfile.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DECODE_BLOCK 8192 /* frames read per sf_readf_float call */

/* ---- virtual I/O over a read-only byte buffer ---- */

typedef struct memfile {
    const unsigned char *p; /* (n,) not owned */
    sf_count_t n;
    sf_count_t pos; /* may lie past n; reads there return 0 */
} memfile;

static sf_count_t mem_len(void *user)
{
    return ((memfile *)user)->n;
}

static sf_count_t mem_seek(sf_count_t off, int whence, void *user)
{
    memfile *m = user;
    sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->n;
    if (off < -base || (off > 0 && base > INT64_MAX - off))
        return -1;
    m->pos = base + off;
    return m->pos;
}

static sf_count_t mem_read(void *dst, sf_count_t count, void *user)
{
    memfile *m = user;
    if (count <= 0 || m->pos >= m->n)
        return 0;
    if (count > m->n - m->pos)
        count = m->n - m->pos;
    memcpy(dst, m->p + m->pos, (size_t)count);
    m->pos += count;
    return count;
}

static sf_count_t mem_write(const void *src, sf_count_t count, void *user)
{
    (void)src, (void)count, (void)user;
    return 0; /* read-only */
}

static sf_count_t mem_tell(void *user)
{
    return ((memfile *)user)->pos;
}

static SF_VIRTUAL_IO mem_io = {mem_len, mem_seek, mem_read, mem_write, mem_tell};

/* ---- format names (the short names python-soundfile uses) ---- */

struct fmt_name {
    int code;
    const char *name;
};

static const struct fmt_name major_names[] = {
    {SF_FORMAT_WAV, "WAV"},   {SF_FORMAT_AIFF, "AIFF"}, {SF_FORMAT_AU, "AU"},
    {SF_FORMAT_RAW, "RAW"},   {SF_FORMAT_PAF, "PAF"},   {SF_FORMAT_SVX, "SVX"},
    {SF_FORMAT_NIST, "NIST"}, {SF_FORMAT_VOC, "VOC"},   {SF_FORMAT_IRCAM, "IRCAM"},
    {SF_FORMAT_W64, "W64"},   {SF_FORMAT_MAT4, "MAT4"}, {SF_FORMAT_MAT5, "MAT5"},
    {SF_FORMAT_PVF, "PVF"},   {SF_FORMAT_XI, "XI"},     {SF_FORMAT_HTK, "HTK"},
    {SF_FORMAT_SDS, "SDS"},   {SF_FORMAT_AVR, "AVR"},   {SF_FORMAT_WAVEX, "WAVEX"},
    {SF_FORMAT_SD2, "SD2"},   {SF_FORMAT_FLAC, "FLAC"}, {SF_FORMAT_CAF, "CAF"},
    {SF_FORMAT_WVE, "WVE"},   {SF_FORMAT_OGG, "OGG"},   {SF_FORMAT_MPC2K, "MPC2K"},
    {SF_FORMAT_RF64, "RF64"}, {SF_FORMAT_MPEG, "MP3"},
};

static const struct fmt_name subtype_names[] = {
    {SF_FORMAT_PCM_S8, "PCM_S8"},
    {SF_FORMAT_PCM_16, "PCM_16"},
    {SF_FORMAT_PCM_24, "PCM_24"},
    {SF_FORMAT_PCM_32, "PCM_32"},
    {SF_FORMAT_PCM_U8, "PCM_U8"},
    {SF_FORMAT_FLOAT, "FLOAT"},
    {SF_FORMAT_DOUBLE, "DOUBLE"},
    {SF_FORMAT_ULAW, "ULAW"},
    {SF_FORMAT_ALAW, "ALAW"},
    {SF_FORMAT_IMA_ADPCM, "IMA_ADPCM"},
    {SF_FORMAT_MS_ADPCM, "MS_ADPCM"},
    {SF_FORMAT_GSM610, "GSM610"},
    {SF_FORMAT_VOX_ADPCM, "VOX_ADPCM"},
    {SF_FORMAT_NMS_ADPCM_16, "NMS_ADPCM_16"},
    {SF_FORMAT_NMS_ADPCM_24, "NMS_ADPCM_24"},
    {SF_FORMAT_NMS_ADPCM_32, "NMS_ADPCM_32"},
    {SF_FORMAT_G721_32, "G721_32"},
    {SF_FORMAT_G723_24, "G723_24"},
    {SF_FORMAT_G723_40, "G723_40"},
    {SF_FORMAT_DWVW_12, "DWVW_12"},
    {SF_FORMAT_DWVW_16, "DWVW_16"},
    {SF_FORMAT_DWVW_24, "DWVW_24"},
    {SF_FORMAT_DWVW_N, "DWVW_N"},
    {SF_FORMAT_DPCM_8, "DPCM_8"},
    {SF_FORMAT_DPCM_16, "DPCM_16"},
    {SF_FORMAT_VORBIS, "VORBIS"},
    {SF_FORMAT_OPUS, "OPUS"},
    {SF_FORMAT_ALAC_16, "ALAC_16"},
    {SF_FORMAT_ALAC_20, "ALAC_20"},
    {SF_FORMAT_ALAC_24, "ALAC_24"},
    {SF_FORMAT_ALAC_32, "ALAC_32"},
    {SF_FORMAT_MPEG_LAYER_I, "MPEG_LAYER_I"},
    {SF_FORMAT_MPEG_LAYER_II, "MPEG_LAYER_II"},
    {SF_FORMAT_MPEG_LAYER_III, "MPEG_LAYER_III"},
};

static void name_of(const struct fmt_name *t, size_t nt, int code, char *out, size_t cap)
{
    for (size_t i = 0; i < nt; i++) {
        if (t[i].code == code) {
            snprintf(out, cap, "%s", t[i].name);
            return;
        }
    }
    snprintf(out, cap, "0x%x", (unsigned)code);
}

static void fill_info(const SF_INFO *si, size_t frames, audio_info *info)
{
    if (!info)
        return;
    memset(info, 0, sizeof *info);
    info->rate = si->samplerate;
    info->channels = si->channels;
    info->frames = frames;
    name_of(major_names, sizeof major_names / sizeof major_names[0],
            si->format & SF_FORMAT_TYPEMASK, info->format, sizeof info->format);
    name_of(subtype_names, sizeof subtype_names / sizeof subtype_names[0],
            si->format & SF_FORMAT_SUBMASK, info->subtype, sizeof info->subtype);
}

/* ---- checks done before libsndfile sees the bytes, and on what it reports ---- */

static uint32_t rd32(const unsigned char *p, int big)
{
    if (big)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* A RIFF/RIFX WAVE whose data chunk claims more bytes than follow it is truncated.
 * 0xFFFFFFFF is the streaming writers' "unknown size" placeholder and is accepted. */
static int riff_check(const unsigned char *p, size_t n, const char *name, mlac_err *err)
{
    if (n < 12 || (memcmp(p, "RIFF", 4) != 0 && memcmp(p, "RIFX", 4) != 0) ||
        memcmp(p + 8, "WAVE", 4) != 0)
        return MLAC_OK;
    int big = p[3] == 'X';
    uint64_t off = 12;
    while (off + 8 <= n) {
        uint32_t size = rd32(p + off + 4, big);
        if (memcmp(p + off, "data", 4) == 0) {
            uint64_t left = n - off - 8;
            if (size != UINT32_MAX && size > left)
                return mlac_errf(err, MLAC_EFORMAT,
                                 "cannot decode '%s': truncated file: the data chunk declares %u "
                                 "bytes but only %llu follow",
                                 name, (unsigned)size, (unsigned long long)left);
            return MLAC_OK;
        }
        off += 8 + (uint64_t)size + (size & 1);
    }
    return MLAC_OK; /* no data chunk: libsndfile reports it */
}

static int check_header(const SF_INFO *si, const char *name, mlac_err *err)
{
    if (si->channels < 1 || si->channels > AUDIO_MAX_CHANNELS)
        return mlac_errf(err, MLAC_EFORMAT, "cannot decode '%s': %d channels (supported: 1 to %d)",
                         name, si->channels, AUDIO_MAX_CHANNELS);
    if (si->samplerate < 1 || si->samplerate > AUDIO_MAX_RATE)
        return mlac_errf(err, MLAC_EFORMAT,
                         "cannot decode '%s': sample rate %d Hz (supported: 1 to %d)", name,
                         si->samplerate, AUDIO_MAX_RATE);
    if (si->frames < 0)
        return mlac_errf(err, MLAC_EFORMAT, "cannot decode '%s': negative frame count", name);
    return MLAC_OK;
}

/* libsndfile on bytes[at..n); on failure why[why_len] holds its reason (why may be NULL). */
static SNDFILE *open_from(memfile *m, const void *bytes, size_t n, size_t at, SF_INFO *si, char *why,
                          size_t why_len)
{
    m->p = (const unsigned char *)bytes + at;
    m->n = (sf_count_t)(n - at);
    m->pos = 0;
    memset(si, 0, sizeof *si);
    return sndfile_open_virtual(&mem_io, SFM_READ, si, m, why, why_len);
}

/* Opens the bytes with libsndfile and validates the header. */
static int open_mem(memfile *m, const void *bytes, size_t n, const char *name, SF_INFO *si,
                    SNDFILE **out, mlac_err *err)
{
    *out = NULL;
    if (!bytes || n == 0)
        return mlac_errf(err, MLAC_EFORMAT, "cannot decode '%s': empty file", name);
    if (n > (size_t)INT64_MAX)
        return mlac_errf(err, MLAC_ENOMEM, "cannot decode '%s': file too large", name);
    int rc = riff_check(bytes, n, name, err);
    if (rc)
        return rc;
    char why[256] = "";
    SNDFILE *f = open_from(m, bytes, n, 0, si, why, sizeof why);
    if (!f && mpeg_name_is_mp3(name)) {
        /* What libsndfile does for a path named *.mp3 (its extension fallback, then mpg123's
         * resync past leading junk): open the bytes from the first MPEG frame on. A second
         * refusal is reported with the first one's reason. */
        size_t at = mpeg_first_frame(bytes, n);
        if (at != (size_t)-1 && at > 0)
            f = open_from(m, bytes, n, at, si, NULL, 0);
    }
    if (!f)
        return mlac_errf(
            err, MLAC_EFORMAT,
            "cannot decode '%s': not a readable audio file (%zu bytes; libsndfile: %s)", name, n, why);
    rc = check_header(si, name, err);
    if (rc) {
        sf_close(f);
        return rc;
    }
    *out = f;
    return MLAC_OK;
}

/* ---- block reading and mixdown ---- */

/* Appends the mean over channels of frames (k, ch) to mono. Fails on a non-finite sample.
 * The finiteness check is a branch-free pass over the block (it vectorises); only a block that
 * holds a NaN or Inf is searched again for the message. */
static int mix_block(const float *block, size_t k, int ch, float *mono, size_t at, const char *name,
                     mlac_err *err)
{
    size_t total = k * (size_t)ch;
    int bad = 0;
    for (size_t j = 0; j < total; j++)
        bad |= !(fabsf(block[j]) <= FLT_MAX);
    if (bad) {
        size_t j = 0;
        while (j < total && isfinite(block[j]))
            j++;
        return mlac_errf(err, MLAC_EFORMAT,
                         "cannot decode '%s': non-finite samples (NaN or Inf) at frame %zu, channel %d",
                         name, at + j / (size_t)ch, (int)(j % (size_t)ch));
    }
    float *dst = mono + at; /* (k,) */
    if (ch == 1) {
        if (dst != block) /* a mono file is read straight into mono: nothing to copy */
            memcpy(dst, block, k * sizeof *dst);
        return MLAC_OK;
    }
    for (size_t i = 0; i < k; i++) {
        const float *fr = block + i * (size_t)ch; /* (ch,) */
        double s = 0.0;
        for (int c = 0; c < ch; c++)
            s += fr[c];
        dst[i] = (float)(s / ch);
    }
    return MLAC_OK;
}

static int grow(float **mono, size_t *cap, size_t need, const char *name, mlac_err *err)
{
    if (need <= *cap)
        return MLAC_OK;
    if (need > AUDIO_MAX_FRAMES)
        return mlac_errf(err, MLAC_ENOMEM,
                         "cannot decode '%s': longer than the limit of %zu frames", name,
                         (size_t)AUDIO_MAX_FRAMES);
    size_t cap2 = *cap ? *cap : 4096;
    while (cap2 < need)
        cap2 *= 2;
    if (cap2 > AUDIO_MAX_FRAMES)
        cap2 = AUDIO_MAX_FRAMES;
    float *p = realloc(*mono, cap2 * sizeof *p);
    if (!p)
        return mlac_errf(err, MLAC_ENOMEM, "cannot decode '%s': out of memory for %zu frames", name,
                         cap2);
    *mono = p;
    *cap = cap2;
    return MLAC_OK;
}

static atomic_size_t frames_decoded; /* every frame read from libsndfile, for tests */

size_t audio_frames_decoded(void)
{
    return atomic_load(&frames_decoded);
}

/* Reads up to limit frames of f from where it stands, mixed to mono, into *mono (capacity *cap
 * frames, grown as needed) and sets *n. A mono file is read straight into *mono; a multi-channel
 * one through *block (capacity *block_cap floats, grown as needed), then mixed. Both buffers are
 * the caller's to keep or free, even on error: reused across clips, they make a decode allocate
 * nothing. */
static int read_mono(SNDFILE *f, const SF_INFO *si, size_t n_bytes, size_t limit, const char *name,
                     float **mono, size_t *cap, float **block, size_t *block_cap, size_t *n, mlac_err *err)
{
    int ch = si->channels;
    *n = 0;
    /* Reserve what the header declares, so a clip is read without regrowing; a header that lies
     * is bounded by 16 frames per byte of input (more than any codec here packs) and the limit. */
    if (si->frames > 0 && si->frames != SF_COUNT_MAX) {
        size_t want = (size_t)si->frames + 1, bound = 16 * n_bytes + 4096;
        if (limit < want)
            want = limit;
        int rc = grow(mono, cap, want < bound ? want : bound, name, err);
        if (rc)
            return rc;
    }
    size_t block_floats = (size_t)DECODE_BLOCK * (size_t)ch;
    while (*n < limit) {
        size_t want = limit - *n < DECODE_BLOCK ? limit - *n : DECODE_BLOCK;
        /* straight into mono while the block surely fits under the frame limit; otherwise (more
         * channels, or the block that would cross the limit) through the block buffer */
        int direct = ch == 1 && *n + want <= AUDIO_MAX_FRAMES;
        int rc = direct ? grow(mono, cap, *n + want, name, err) : MLAC_OK;
        if (rc)
            return rc;
        if (!direct && *block_cap < block_floats) {
            float *b = realloc(*block, block_floats * sizeof *b); /* (DECODE_BLOCK, ch) */
            if (!b)
                return mlac_errf(err, MLAC_ENOMEM, "cannot decode '%s': out of memory", name);
            *block = b;
            *block_cap = block_floats;
        }
        float *dst = direct ? *mono + *n : *block;
        sf_count_t got = sf_readf_float(f, dst, (sf_count_t)want);
        if (got <= 0)
            break;
        atomic_fetch_add(&frames_decoded, (size_t)got);
        if ((rc = grow(mono, cap, *n + (size_t)got, name, err)) ||
            (rc = mix_block(dst, (size_t)got, ch, *mono, *n, name, err)))
            return rc;
        *n += (size_t)got;
    }
    if (sf_error(f) != SF_ERR_NO_ERROR)
        return mlac_errf(err, MLAC_EFORMAT, "cannot decode '%s': corrupt audio data after frame %zu (%s)", name,
                         *n, sf_strerror(f));
    if (*n == 0)
        return mlac_errf(err, MLAC_EFORMAT, "cannot decode '%s': no audio frames", name);
    int is_mp3 = (si->format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG;
    if (limit != SIZE_MAX) {
        if (*n < limit)
            return mlac_errf(err, MLAC_EFORMAT,
                             "cannot decode '%s': truncated file: %zu of the %zu frames wanted decode", name, *n,
                             limit);
    } else if (!is_mp3 && si->frames != SF_COUNT_MAX && (sf_count_t)*n < si->frames)
        return mlac_errf(err, MLAC_EFORMAT,
                         "cannot decode '%s': truncated file: the header declares %lld frames but only %zu decode",
                         name, (long long)si->frames, *n);
    return MLAC_OK;
}

/* ---- public API ---- */

int audio_probe(const void *bytes, size_t n, const char *name, audio_info *info, mlac_err *err)
{
    if (!name)
        name = "(unnamed)";
    memfile m;
    SF_INFO si;
    SNDFILE *f;
    int rc = open_mem(&m, bytes, n, name, &si, &f, err);
    if (rc)
        return rc;
    size_t frames = si.frames == SF_COUNT_MAX ? 0 : (size_t)si.frames;
    fill_info(&si, frames, info);
    sf_close(f);
    return MLAC_OK;
}

/* The whole clip (whole), or count frames from start (not MPEG: its frame count is an estimate),
 * decoded into the scratch's buffers; info (may be NULL) filled. */
static int decode_frames(const void *bytes, size_t n, const char *name, int whole, size_t start, size_t count,
                         audio_scratch *s, size_t *frames, int *rate, audio_info *info, mlac_err *err)
{
    if (!name)
        name = "(unnamed)";
    *frames = 0;
    *rate = 0;
    memfile m;
    SF_INFO si;
    SNDFILE *f = NULL;
    int rc = open_mem(&m, bytes, n, name, &si, &f, err);
    if (rc)
        return rc;
    if (!whole && (count == 0 || (si.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG || si.frames == SF_COUNT_MAX ||
                   start > (size_t)si.frames || count > (size_t)si.frames - start))
        rc = mlac_errf(err, MLAC_EINVAL, "cannot decode '%s': frames %zu to %zu are not a range of its %lld", name,
                       start, start + count, (long long)si.frames);
    else if (!whole && sf_seek(f, (sf_count_t)start, SEEK_SET) != (sf_count_t)start)
        rc = mlac_errf(err, MLAC_EFORMAT, "cannot decode '%s': cannot seek to frame %zu (%s)", name, start,
                       sf_strerror(f));
    else
        rc = read_mono(f, &si, n, whole ? SIZE_MAX : count, name, &s->decoded, &s->cap_decoded, &s->block,
                       &s->cap_block, frames, err);
    sf_close(f);
    if (rc) {
        *frames = 0;
        return rc;
    }
    *rate = si.samplerate;
    fill_info(&si, *frames, info);
    return MLAC_OK;
}

int audio_decode_reuse(const void *bytes, size_t n, const char *name, audio_scratch *s, size_t *frames, int *rate,
                       audio_info *info, mlac_err *err)
{
    return decode_frames(bytes, n, name, 1, 0, 0, s, frames, rate, info, err);
}

/* Decodes into a scratch of its own and hands its buffer to the clip. */
static int decode_to_clip(const void *bytes, size_t n, const char *name, int whole, size_t start, size_t count,
                          audio_clip *out, audio_info *info, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    audio_scratch s = {0};
    size_t frames;
    int rate;
    int rc = decode_frames(bytes, n, name, whole, start, count, &s, &frames, &rate, info, err);
    if (rc == MLAC_OK) {
        out->samples = s.decoded; /* the clip takes the decoded buffer */
        out->n = frames;
        out->rate = rate;
        s.decoded = NULL;
    }
    audio_scratch_release(&s);
    return rc;
}

int audio_decode(const void *bytes, size_t n, const char *name, audio_clip *out, audio_info *info,
                 mlac_err *err)
{
    return decode_to_clip(bytes, n, name, 1, 0, 0, out, info, err);
}

int audio_decode_range(const void *bytes, size_t n, const char *name, size_t start, size_t count,
                       audio_clip *out, mlac_err *err)
{
    return decode_to_clip(bytes, n, name, 0, start, count, out, NULL, err);
}

/* audio.h — clips in memory: decode (libsndfile), mix to mono, resample (soxr), fix length.
 *
 * Owns the path from encoded bytes (any format libsndfile reads: WAV 8/16/24/32-bit PCM and
 * float, FLAC, OGG, MP3) to a mono float clip at the target rate and length. Every error names
 * the clip (the `name` argument). Non-finite samples are rejected, never propagated.
 */
#ifndef MLAC_AUDIO_AUDIO_H
#define MLAC_AUDIO_AUDIO_H

#include <stddef.h>
#include "core/error.h"
#include "core/rng.h"

/* Upper limits that protect against hostile headers. */
#define AUDIO_MAX_CHANNELS 64
#define AUDIO_MAX_FRAMES ((size_t)1 << 28) /* 268M frames: 1.5 h at 48 kHz, 1 GiB as float */
#define AUDIO_MAX_RATE 768000

typedef struct audio_clip {
    float *samples;   /* (n,) mono, owned */
    size_t n;         /* frames */
    int rate;         /* Hz */
} audio_clip;

typedef struct audio_info {
    int rate;          /* original sample rate */
    int channels;      /* original channel count */
    size_t frames;     /* original frame count */
    char format[32];   /* "WAV", "FLAC", "OGG", "MP3", ... */
    char subtype[32];  /* "PCM_16", "FLOAT", "VORBIS", ... */
} audio_info;

/* How audio_fix_length places a clip longer than the target, or pads a shorter one. */
enum audio_offset { AUDIO_OFFSET_CENTRE = 0, AUDIO_OFFSET_START, AUDIO_OFFSET_RANDOM };

/* Decodes bytes (a whole file in memory) to mono float at the file's own rate; the mono
 * sample is the mean of the channels. info may be NULL. Fails with MLAC_EFORMAT on
 * empty/truncated/unreadable data, zero frames, NaN/Inf samples, and channels or rate outside
 * the limits above; MLAC_ENOMEM past AUDIO_MAX_FRAMES. A RIFF data chunk that claims more bytes
 * than the file holds is truncation; so is decoding fewer frames than the header declares
 * (except MP3, whose count may be an estimate). On failure *out is empty. */
int audio_decode(const void *bytes, size_t n, const char *name, audio_clip *out, audio_info *info,
                 mlac_err *err);

/* Decodes only frames [start, start + count) (mono, the file's rate), seeking with sf_seek: for
 * formats whose header gives an exact frame count (not MP3). MLAC_EINVAL when the range is not
 * inside the declared frames or the format has no exact count; a range that does not decode in
 * full is truncation (MLAC_EFORMAT). */
int audio_decode_range(const void *bytes, size_t n, const char *name, size_t start, size_t count,
                       audio_clip *out, mlac_err *err);
/* Frames read from libsndfile by this process so far (all threads): tests measure what a load
 * reads with it. */
size_t audio_frames_decoded(void);

/* Reads only the header: rate, channels, frames, format. */
int audio_probe(const void *bytes, size_t n, const char *name, audio_info *info, mlac_err *err);

/* Resamples in place to `rate` with soxr (SOXR_VHQ, linear phase, time-aligned) to exactly
 * ceil(n * rate / clip->rate) frames, as librosa.resample does. No-op when the rate matches.
 * On failure the clip is unchanged. */
int audio_resample(audio_clip *clip, int rate, const char *name, mlac_err *err);

/* Crops or zero-pads to exactly n_out frames (1 <= n_out <= AUDIO_MAX_FRAMES). With
 * d = |n - n_out| the window starts at (crop) / the clip is placed at (pad): floor(d / 2) for
 * centre, 0 for start, rng_below(r, d + 1) for random (r required then; nothing is drawn when
 * n == n_out). On failure the clip is unchanged. */
int audio_fix_length(audio_clip *clip, size_t n_out, enum audio_offset where, rng *r, mlac_err *err);

/* decode + resample + fix length to round(seconds * rate) frames (seconds <= 0 keeps the
 * natural length). Every error names the clip; on failure *out is empty.
 * A clip longer than LOAD_WINDOW_MIN_S and than 4 windows, in a format whose header gives an
 * exact frame count and seeks sample-exactly (WAV, FLAC, AIFF...; not MP3 or Ogg), is not
 * decoded whole: the window is placed (and r drawn) exactly
 * as on the whole clip, and only its frames (with 1 s of context each side when resampling) are
 * read and resampled. Without resampling the result is identical to cropping the whole clip;
 * with it, it differs from resampling the whole clip only by float rounding (soxr's block
 * alignment). Shorter clips take the whole-clip path, unchanged. Truncation past the window is
 * then not detected, except a WAV data chunk shorter than declared (always checked). */
#define LOAD_WINDOW_MIN_S 60.0
int audio_load(const void *bytes, size_t n, const char *name, int rate, double seconds,
               enum audio_offset where, rng *r, audio_clip *out, mlac_err *err);

/* audio_load that also returns the decoded file's header (info) and the RMS level of its mono
 * signal before resampling and padding (rms); either may be NULL. */
int audio_load_meta(const void *bytes, size_t n, const char *name, int rate, double seconds,
                    enum audio_offset where, rng *r, audio_clip *out, audio_info *info, double *rms, mlac_err *err);

/* Per-thread buffers that audio_load_reuse keeps from one clip to the next, so that after the
 * first clips a load allocates nothing and touches no fresh pages. Zero-initialise it; one
 * scratch is not thread-safe (one per worker); audio_scratch_release frees it. */
typedef struct audio_scratch {
    float *decoded;     /* (cap_decoded,) mono at the file's rate */
    size_t cap_decoded;
    float *block;       /* (cap_block,) interleaved frames of a multi-channel file */
    size_t cap_block;
    float *out;         /* (cap_out,) the clip at the target rate and length */
    size_t cap_out;
} audio_scratch;

void audio_scratch_release(audio_scratch *s);

/* audio_decode into s->decoded (grown as needed): *frames mono frames at *rate Hz. Same checks
 * and errors as audio_decode. */
int audio_decode_reuse(const void *bytes, size_t n, const char *name, audio_scratch *s, size_t *frames, int *rate,
                       audio_info *info, mlac_err *err);

/* ceil(n * to / from): the length audio_resample gives. */
size_t audio_resampled_len(size_t n, int from, int to);

/* audio_resample of x (n,) at `from` Hz into out (audio_resampled_len(n, from, to),) at `to` Hz
 * (from != to); the same soxr call, so the same samples. x and out must not overlap. */
int audio_resample_into(const float *x, size_t n, int from, int to, float *out, const char *name, mlac_err *err);

/* audio_load_meta with s's buffers: decodes into s->decoded, resamples straight into its place in
 * s->out (a crop is a view into the resampled clip, a pad is written between the zeros), with no
 * intermediate copies. *view gets the clip; its samples belong to s and stay valid until the
 * next call with s (never release *view). The samples are identical to audio_load_meta's. */
int audio_load_reuse(audio_scratch *s, const void *bytes, size_t n, const char *name, int rate, double seconds,
                     enum audio_offset where, rng *r, audio_clip *view, audio_info *info, double *rms,
                     mlac_err *err);

/* Encodes a mono float clip as 16-bit PCM WAV (or FLOAT when pcm16 == 0) into a new buffer. */
int audio_encode_wav(const audio_clip *clip, int pcm16, void **out, size_t *out_n, mlac_err *err);

void audio_clip_release(audio_clip *clip);

#endif

/* input_audio.c — the audio source of input rows (inputs_source.h): the MFCC summary, the log-mel
 * image, and any kind computed from one analysed clip.
 *
 * A clip that missed the cache for some kinds is decoded once at the spec's sample rate, cut to
 * clip_seconds (centre), analysed once (STFT, mel, dB: feat_analyse) on the worker's own feat_plan,
 * and each missing kind's compute reads its row from that one analysis, so a run wanting both the
 * summary and the image pays for one decode and one STFT per clip. Rows are computed at once,
 * never staged.
 */
#include "exp/inputs_source.h"

#include <stdlib.h>

typedef struct audio_state {
    feat_plan **plans; /* (threads,) one per worker */
} audio_state;

static int audio_open(input_build *b, mlac_err *err)
{
    b->rate = b->s->feat->sample_rate;
    b->seconds = b->s->clip_seconds;
    b->offset = AUDIO_OFFSET_CENTRE;
    audio_state *a = calloc(1, sizeof *a);
    b->src = a;
    if (!a || !(a->plans = calloc((size_t)b->threads, sizeof *a->plans)))
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for feature plans");
    int rc = MLAC_OK;
    for (int w = 0; !rc && w < b->threads; w++)
        rc = feat_plan_new(b->s->feat, &a->plans[w], err);
    return rc;
}

static int audio_compute(input_build *b, int w, size_t i, const char *where, const audio_clip *clip,
                         unsigned missing, input_slot *slot, mlac_err *err)
{
    (void)i, (void)where, (void)slot; /* the skeleton names the clip in an error */
    feat_plan *plan = ((audio_state *)b->src)->plans[w];
    int rc = feat_analyse(plan, clip->samples, clip->n, err);
    for (int k = 0; !rc && k < INPUT_KIND_COUNT; k++)
        if (missing >> k & 1u)
            rc = input_kind_of((enum model_input)k)->compute(plan, b->rows[(size_t)w * INPUT_KIND_COUNT + (size_t)k],
                                                             err);
    return rc;
}

static void audio_close(input_build *b)
{
    audio_state *a = b->src;
    for (int w = 0; a && a->plans && w < b->threads; w++)
        feat_plan_free(a->plans[w]);
    if (a)
        free(a->plans);
    free(a);
    b->src = NULL;
}

const struct input_source input_source_audio = {
    .cancelled = "feature extraction cancelled",
    .keeps_meta = 1,
    .open = audio_open,
    .compute = audio_compute,
    .close = audio_close,
};

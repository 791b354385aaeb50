/* pipeline.c — the public transforms of features.h, composed from the kernels.
 *
 * Every entry point validates the clip and grows the plan's scratch (feat_plan_reserve via
 * mel_run), runs STFT -> mel power into plan->mel (n_frames, n_mels), and then whatever it
 * needs: dB in place, the DCT, the deltas, the statistics, the image. feat_analyse runs the
 * shared part once and leaves it in the plan, so that each input kind of a run reads its row from
 * one analysis (feat_summary_image is the two every model run wants).
 */
#include "features/feat_internal.h"

static int logmel_run(feat_plan *plan, const float *x, size_t n, size_t *n_frames, mlac_err *err)
{
    int rc = mel_run(plan, x, n, n_frames, err);
    if (rc == MLAC_OK)
        db_from_power(plan->mel, *n_frames * (size_t)plan->p.n_mels, plan->p.top_db);
    return rc;
}

/* From the dB mel in plan->mel to out (n_frames, 3 * n_mfcc): MFCC, delta, delta-delta. */
static void coef_from_db(feat_plan *plan, size_t n_frames, float *out)
{
    size_t nm = (size_t)plan->p.n_mfcc, ld = 3 * nm;
    mfcc_apply(plan, plan->mel, n_frames, out, ld);
    deltas_strided(out, ld, n_frames, nm, plan->p.delta_win, out + nm, ld);
    deltas_strided(out + nm, ld, n_frames, nm, plan->p.delta_win, out + 2 * nm, ld);
}

/* From the dB mel in plan->mel, read as (n_mels, n_frames) through strides, to the (S, S) image. */
static void image_from_db(feat_plan *plan, size_t n_frames, float *out)
{
    size_t n_mels = (size_t)plan->p.n_mels, s = (size_t)plan->p.image_size;
    resize_bilinear_strided(plan->mel, n_mels, n_frames, 1, n_mels, out, s, s);
}

int feat_mel_power(feat_plan *plan, const float *x, size_t n, float *out, mlac_err *err)
{
    size_t nf;
    int rc = mel_run(plan, x, n, &nf, err);
    if (rc == MLAC_OK)
        feat_transpose(plan->mel, nf, (size_t)plan->p.n_mels, out);
    return rc;
}

int feat_logmel(feat_plan *plan, const float *x, size_t n, float *out, mlac_err *err)
{
    size_t nf;
    int rc = logmel_run(plan, x, n, &nf, err);
    if (rc == MLAC_OK)
        feat_transpose(plan->mel, nf, (size_t)plan->p.n_mels, out);
    return rc;
}

int feat_mfcc(feat_plan *plan, const float *x, size_t n, float *out, mlac_err *err)
{
    size_t nf;
    int rc = logmel_run(plan, x, n, &nf, err);
    if (rc == MLAC_OK)
        mfcc_apply(plan, plan->mel, nf, out, (size_t)plan->p.n_mfcc);
    return rc;
}

int feat_mfcc_deltas(feat_plan *plan, const float *x, size_t n, float *out, mlac_err *err)
{
    size_t nf;
    int rc = logmel_run(plan, x, n, &nf, err);
    if (rc == MLAC_OK)
        coef_from_db(plan, nf, out);
    return rc;
}

int feat_summary(feat_plan *plan, const float *x, size_t n, float *out, mlac_err *err)
{
    return feat_summary_image(plan, x, n, out, NULL, err);
}

int feat_logmel_image(feat_plan *plan, const float *x, size_t n, float *out, mlac_err *err)
{
    return feat_summary_image(plan, x, n, NULL, out, err);
}

int feat_analyse(feat_plan *plan, const float *x, size_t n, mlac_err *err)
{
    size_t nf;
    int rc = logmel_run(plan, x, n, &nf, err);
    if (rc == MLAC_OK)
        plan->analysed = nf;
    return rc;
}

static int analysed_frames(const feat_plan *plan, size_t *nf, mlac_err *err)
{
    *nf = plan->analysed;
    return *nf ? MLAC_OK : mlac_errf(err, MLAC_EINTERNAL, "no clip analysed in this feature plan");
}

int feat_summary_analysed(feat_plan *plan, float *out, mlac_err *err)
{
    size_t nf;
    int rc = analysed_frames(plan, &nf, err);
    if (rc == MLAC_OK) {
        coef_from_db(plan, nf, plan->work); /* work: (n_frames, 3 * n_mfcc) */
        mfcc_summary_stats(plan->work, nf, 3 * (size_t)plan->p.n_mfcc, out);
    }
    return rc;
}

int feat_image_analysed(feat_plan *plan, float *out, mlac_err *err)
{
    size_t nf;
    int rc = analysed_frames(plan, &nf, err);
    if (rc == MLAC_OK)
        image_from_db(plan, nf, out);
    return rc;
}

int feat_summary_image(feat_plan *plan, const float *x, size_t n, float *summary, float *image,
                       mlac_err *err)
{
    int rc = feat_analyse(plan, x, n, err);
    if (!rc && image)
        rc = feat_image_analysed(plan, image, err);
    if (!rc && summary)
        rc = feat_summary_analysed(plan, summary, err);
    return rc;
}

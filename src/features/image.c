/* image.c — the log-mel image: a bilinear resize of the dB mel spectrogram to (S, S).
 *
 * Matches torch.nn.functional.interpolate(mode='bilinear', align_corners=False) on CPU:
 * scale = in / out (float), src = scale * (dst + 0.5) - 0.5 clamped at 0, i0 = floor(src),
 * i1 = min(i0 + 1, in - 1), weights (1 - l, l) with l = src - i0; an axis whose size does
 * not change is copied. No antialiasing when shrinking, as in torch.
 * The kernel reads its input through strides, so the image is made straight from the plan's
 * time-major (n_frames, n_mels) spectrogram without a transpose; the per-column indices and
 * weights are computed once per block of columns, on the stack (no allocation).
 */
#include "features/feat_internal.h"

#define RESIZE_COLS 256 /* output columns whose lerp is computed at once */

/* Source indices and weight of output position o on one axis. */
static void axis_lerp(size_t in, size_t out, size_t o, size_t *i0, size_t *i1, float *l1)
{
    if (in == out) {
        *i0 = *i1 = o;
        *l1 = 0.0f;
        return;
    }
    float scale = (float)in / (float)out;
    float src = scale * ((float)o + 0.5f) - 0.5f;
    if (src < 0.0f)
        src = 0.0f;
    *i0 = (size_t)src;
    *i1 = *i0 + (*i0 < in - 1 ? 1 : 0);
    float l = src - (float)*i0;
    *l1 = l < 0.0f ? 0.0f : l > 1.0f ? 1.0f : l;
}

/* in element (y, x) at in[y * sy + x * sx]; out (oh, ow) row-major. */
void resize_bilinear_strided(const float *in, size_t h, size_t w, size_t sy, size_t sx, float *out,
                             size_t oh, size_t ow)
{
    size_t x0[RESIZE_COLS], x1[RESIZE_COLS];
    float lx[RESIZE_COLS];
    for (size_t c0 = 0; c0 < ow; c0 += RESIZE_COLS) {
        size_t cn = ow - c0 < RESIZE_COLS ? ow - c0 : RESIZE_COLS;
        for (size_t j = 0; j < cn; j++) {
            axis_lerp(w, ow, c0 + j, &x0[j], &x1[j], &lx[j]);
            x0[j] *= sx;
            x1[j] *= sx;
        }
        for (size_t oy = 0; oy < oh; oy++) {
            size_t y0, y1;
            float ly;
            axis_lerp(h, oh, oy, &y0, &y1, &ly);
            const float *r0 = in + y0 * sy, *r1 = in + y1 * sy;
            float *o = out + oy * ow + c0; /* (cn,) */
            for (size_t j = 0; j < cn; j++) {
                float top = (1.0f - lx[j]) * r0[x0[j]] + lx[j] * r0[x1[j]];
                float bot = (1.0f - lx[j]) * r1[x0[j]] + lx[j] * r1[x1[j]];
                o[j] = (1.0f - ly) * top + ly * bot;
            }
        }
    }
}

void feat_resize_bilinear(const float *in, size_t h, size_t w, float *out, size_t oh, size_t ow)
{
    resize_bilinear_strided(in, h, w, w, 1, out, oh, ow);
}

void feat_transpose(const float *in, size_t rows, size_t cols, float *out)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            out[c * rows + r] = in[r * cols + c];
}

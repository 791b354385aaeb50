/* image.c — the log-mel image: a bilinear resize of the dB mel spectrogram to (S, S).
 *
 * Matches torch.nn.functional.interpolate(mode='bilinear', align_corners=False) on CPU:
 * scale = in / out (float), src = scale * (dst + 0.5) - 0.5 clamped at 0, i0 = floor(src),
 * i1 = min(i0 + 1, in - 1), weights (1 - l, l) with l = src - i0; an axis whose size does
 * not change is copied. No antialiasing when shrinking, as in torch.
 */
#include "features/feat_internal.h"

/* Source indices and weights of output position o on one axis. */
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

void feat_resize_bilinear(const float *in, size_t h, size_t w, float *out, size_t oh, size_t ow)
{
    for (size_t oy = 0; oy < oh; oy++) {
        size_t y0, y1;
        float ly;
        axis_lerp(h, oh, oy, &y0, &y1, &ly);
        const float *r0 = in + y0 * w, *r1 = in + y1 * w; /* (w,) each */
        for (size_t ox = 0; ox < ow; ox++) {
            size_t x0, x1;
            float lx;
            axis_lerp(w, ow, ox, &x0, &x1, &lx);
            float top = (1.0f - lx) * r0[x0] + lx * r0[x1];
            float bot = (1.0f - lx) * r1[x0] + lx * r1[x1];
            out[oy * ow + ox] = (1.0f - ly) * top + ly * bot;
        }
    }
}

void feat_transpose(const float *in, size_t rows, size_t cols, float *out)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            out[c * rows + r] = in[r * cols + c];
}

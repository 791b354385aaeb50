/* conv2d.c — the reference (naive) 2-d convolution: forward and backward, any stride, padding
 * and groups (depthwise when groups == C == K).
 *
 * Matches torch.nn.functional.conv2d (cross-correlation, zero padding). These loops are the
 * definition the fast oneDNN path (fast_conv.c) is tested against; they are also what runs
 * when the network is built with naive kernels. Weight and bias gradients sum over the batch in
 * double, in a fixed order.
 */
#include "nn/layers.h"

#include <stdlib.h>
#include <string.h>

int nn_conv_geom_finish(nn_conv_geom *g)
{
    if (g->n < 1 || g->c < 1 || g->h < 1 || g->w < 1 || g->r < 1 || g->s < 1 || g->stride < 1 ||
        g->pad < 0 || g->groups < 1 || g->c % g->groups || (g->k > 0 && g->k % g->groups))
        return -1;
    int ih = g->h + 2 * g->pad - g->r, iw = g->w + 2 * g->pad - g->s;
    if (ih < 0 || iw < 0)
        return -1;
    g->oh = ih / g->stride + 1;
    g->ow = iw / g->stride + 1;
    return 0;
}

void conv2d_forward_naive(float *out, const float *in, const float *w, const float *b,
                          const nn_conv_geom *g)
{
    int cg = g->c / g->groups, kg = g->k / g->groups;
    size_t in_plane = (size_t)g->h * g->w, out_plane = (size_t)g->oh * g->ow;
    for (int n = 0; n < g->n; n++)
        for (int k = 0; k < g->k; k++) {
            float *o = out + ((size_t)n * g->k + k) * out_plane; /* (OH, OW) */
            for (size_t i = 0; i < out_plane; i++)
                o[i] = b ? b[k] : 0.0f;
            int grp = k / kg;
            for (int cc = 0; cc < cg; cc++) {
                const float *x = in + ((size_t)n * g->c + (size_t)grp * cg + cc) * in_plane;
                const float *wk = w + ((size_t)k * cg + cc) * g->r * g->s; /* (R, S) */
                for (int r = 0; r < g->r; r++)
                    for (int s = 0; s < g->s; s++) {
                        float wv = wk[r * g->s + s];
                        for (int oy = 0; oy < g->oh; oy++) {
                            int iy = oy * g->stride - g->pad + r;
                            if (iy < 0 || iy >= g->h)
                                continue;
                            for (int ox = 0; ox < g->ow; ox++) {
                                int ix = ox * g->stride - g->pad + s;
                                if (ix >= 0 && ix < g->w)
                                    o[oy * g->ow + ox] += wv * x[(size_t)iy * g->w + ix];
                            }
                        }
                    }
            }
        }
}

void conv2d_backward_naive(float *din, float *dw, float *db, const float *dout, const float *in,
                           const float *w, const nn_conv_geom *g)
{
    int cg = g->c / g->groups, kg = g->k / g->groups;
    size_t in_plane = (size_t)g->h * g->w, out_plane = (size_t)g->oh * g->ow;
    for (int k = 0; k < g->k; k++) {
        int grp = k / kg;
        if (db) {
            double acc = 0.0;
            for (int n = 0; n < g->n; n++) {
                const float *d = dout + ((size_t)n * g->k + k) * out_plane;
                for (size_t i = 0; i < out_plane; i++)
                    acc += d[i];
            }
            db[k] += (float)acc;
        }
        for (int cc = 0; cc < cg; cc++)
            for (int r = 0; r < g->r; r++)
                for (int s = 0; s < g->s; s++) {
                    size_t wi = (((size_t)k * cg + cc) * g->r + r) * g->s + s;
                    float wv = w[wi];
                    double acc = 0.0;
                    for (int n = 0; n < g->n; n++) {
                        const float *d = dout + ((size_t)n * g->k + k) * out_plane;
                        size_t xoff = ((size_t)n * g->c + (size_t)grp * cg + cc) * in_plane;
                        const float *x = in + xoff;
                        float *dx = din ? din + xoff : NULL;
                        for (int oy = 0; oy < g->oh; oy++) {
                            int iy = oy * g->stride - g->pad + r;
                            if (iy < 0 || iy >= g->h)
                                continue;
                            for (int ox = 0; ox < g->ow; ox++) {
                                int ix = ox * g->stride - g->pad + s;
                                if (ix < 0 || ix >= g->w)
                                    continue;
                                float dv = d[oy * g->ow + ox];
                                acc += (double)dv * x[(size_t)iy * g->w + ix];
                                if (dx)
                                    dx[(size_t)iy * g->w + ix] += dv * wv;
                            }
                        }
                    }
                    if (dw)
                        dw[wi] += (float)acc;
                }
    }
}

/* pool.c — max pooling (torch.nn.MaxPool2d: implicit -inf padding, the first maximum in scan
 * order wins, NaN propagates) and global average pooling (AdaptiveAvgPool2d(1)).
 * Max pool saves the winner's index so backward routes the gradient without recomputing.
 */
#include "nn/layers.h"

#include <math.h>

void maxpool_forward(float *out, int32_t *argmax, const float *in, const nn_conv_geom *g)
{
    size_t in_plane = (size_t)g->h * g->w, out_plane = (size_t)g->oh * g->ow;
    int planes = g->n * g->c;
#pragma omp parallel for schedule(static)
    for (int p = 0; p < planes; p++) {
        const float *x = in + (size_t)p * in_plane;
        float *y = out + (size_t)p * out_plane;
        int32_t *am = argmax + (size_t)p * out_plane;
        for (int oy = 0; oy < g->oh; oy++)
            for (int ox = 0; ox < g->ow; ox++) {
                float best = -INFINITY;
                int32_t bi = -1;
                for (int r = 0; r < g->r; r++) {
                    int iy = oy * g->stride - g->pad + r;
                    if (iy < 0 || iy >= g->h)
                        continue;
                    for (int s = 0; s < g->s; s++) {
                        int ix = ox * g->stride - g->pad + s;
                        if (ix < 0 || ix >= g->w)
                            continue;
                        float v = x[(size_t)iy * g->w + ix];
                        if (bi < 0 || v > best || isnan(v)) {
                            best = v;
                            bi = iy * g->w + ix;
                            if (isnan(v))
                                goto found;
                        }
                    }
                }
            found:
                y[oy * g->ow + ox] = best;
                am[oy * g->ow + ox] = bi;
            }
    }
}

void maxpool_backward(float *din, const float *dout, const int32_t *argmax, const nn_conv_geom *g)
{
    size_t in_plane = (size_t)g->h * g->w, out_plane = (size_t)g->oh * g->ow;
    int planes = g->n * g->c;
#pragma omp parallel for schedule(static)
    for (int p = 0; p < planes; p++) {
        float *dx = din + (size_t)p * in_plane;
        const float *dy = dout + (size_t)p * out_plane;
        const int32_t *am = argmax + (size_t)p * out_plane;
        for (size_t i = 0; i < out_plane; i++)
            if (am[i] >= 0)
                dx[am[i]] += dy[i];
    }
}

void avgpool_global_forward(float *out, const float *in, int n, int c, int hw)
{
    for (int p = 0; p < n * c; p++) {
        const float *x = in + (size_t)p * hw;
        double acc = 0.0;
        for (int j = 0; j < hw; j++)
            acc += x[j];
        out[p] = (float)(acc / hw);
    }
}

void avgpool_global_backward(float *din, const float *dout, int n, int c, int hw)
{
    for (int p = 0; p < n * c; p++) {
        float *dx = din + (size_t)p * hw;
        float d = dout[p] / (float)hw;
        for (int j = 0; j < hw; j++)
            dx[j] += d;
    }
}

/* elementwise.c — ReLU / ReLU6, residual add and dropout: forward and backward.
 *
 * ReLU's backward reads the saved output (valid in place, since out > 0 iff in > 0, and for
 * ReLU6 0 < out < 6 iff 0 < in < 6); PyTorch's gradient at the kinks is 0, and so is ours.
 * Dropout masks come from an explicit rng (core/rng.h), scaled by 1/(1-p) like torch's.
 */
#include "nn/layers.h"

void relu_forward(float *out, const float *in, size_t n, float cap)
{
    if (cap > 0) {
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) {
            float v = in[i] > 0 ? in[i] : 0.0f;
            out[i] = v < cap ? v : cap;
        }
    } else {
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++)
            out[i] = in[i] > 0 ? in[i] : 0.0f;
    }
}

void relu_backward(float *din, const float *dout, const float *out, size_t n, float cap)
{
    float hi = cap > 0 ? cap : 3.4e38f;
    if (din == dout) {
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++)
            din[i] = (out[i] > 0 && out[i] < hi) ? dout[i] : 0.0f;
    } else {
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++)
            if (out[i] > 0 && out[i] < hi)
                din[i] += dout[i];
    }
}

void add_forward(float *out, const float *a, const float *b, size_t n)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        out[i] = a[i] + b[i];
}

void nn_axpy(float *y, const float *x, size_t n)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}

void dropout_mask(float *mask, size_t n, float p, rng *r)
{
    float keep = p < 1 ? 1.0f / (1.0f - p) : 0.0f;
    for (size_t i = 0; i < n; i++)
        mask[i] = rng_uniform(r) < p ? 0.0f : keep;
}

void dropout_forward(float *out, const float *in, const float *mask, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] * mask[i];
}

void dropout_backward(float *din, const float *dout, const float *mask, size_t n)
{
    for (size_t i = 0; i < n; i++)
        din[i] += dout[i] * mask[i];
}

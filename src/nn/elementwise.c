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
#pragma omp parallel for simd schedule(static) if (n > 16384)
        for (size_t i = 0; i < n; i++) {
            float v = in[i] > 0 ? in[i] : 0.0f;
            out[i] = v < cap ? v : cap;
        }
    } else {
#pragma omp parallel for simd schedule(static) if (n > 16384)
        for (size_t i = 0; i < n; i++)
            out[i] = in[i] > 0 ? in[i] : 0.0f;
    }
}

void relu_backward(float *din, const float *dout, const float *out, size_t n, float cap)
{
    float hi = cap > 0 ? cap : 3.4e38f;
    if (din == dout) {
#pragma omp parallel for simd schedule(static) if (n > 16384)
        for (size_t i = 0; i < n; i++)
            din[i] = (out[i] > 0 && out[i] < hi) ? dout[i] : 0.0f;
    } else {
#pragma omp parallel for simd schedule(static) if (n > 16384)
        for (size_t i = 0; i < n; i++)
            if (out[i] > 0 && out[i] < hi)
                din[i] += dout[i];
    }
}

void add_forward(float *out, const float *a, const float *b, size_t n)
{
#pragma omp parallel for simd schedule(static) if (n > 16384)
    for (size_t i = 0; i < n; i++)
        out[i] = a[i] + b[i];
}

void add_relu_forward(float *out, const float *a, const float *b, size_t n, float cap)
{
    float hi = cap > 0 ? cap : 3.4e38f;
#pragma omp parallel for simd schedule(static) if (n > 16384)
    for (size_t i = 0; i < n; i++) {
        float v = a[i] + b[i];
        v = v > 0 ? v : 0.0f;
        out[i] = v < hi ? v : hi;
    }
}

void add_relu_backward(float *da, float *db, const float *dout, const float *out, size_t n,
                       float cap, int add_a, int add_b)
{
    float hi = cap > 0 ? cap : 3.4e38f;
    float ka = add_a ? 1.0f : 0.0f, kb = add_b ? 1.0f : 0.0f;
    /* a written (not added) gradient may hold anything: select, never multiply, what is there */
#pragma omp parallel for simd schedule(static) if (n > 16384)
    for (size_t i = 0; i < n; i++) {
        float d = (out[i] > 0 && out[i] < hi) ? dout[i] : 0.0f;
        if (da)
            da[i] = (ka != 0.0f ? da[i] : 0.0f) + d;
        if (db)
            db[i] = (kb != 0.0f ? db[i] : 0.0f) + d;
    }
}

void nn_axpy(float *y, const float *x, size_t n)
{
#pragma omp parallel for simd schedule(static) if (n > 16384)
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}

void dropout_mask(float *mask, size_t n, float p, rng *r)
{
    float keep = p < 1 ? 1.0f / (1.0f - p) : 0.0f;
    for (size_t i = 0; i < n; i++) /* serial: the rng's order */
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

int dropout_step(float *out, float *mask, const float *in, size_t n, float p, int train, rng *r, mlac_err *err)
{
    if (train && p > 0) {
        if (!r)
            return mlac_errf(err, MLAC_EINVAL, "dropout in training needs an rng");
        dropout_mask(mask, n, p, r);
    } else {
        for (size_t j = 0; j < n; j++)
            mask[j] = 1.0f;
    }
    dropout_forward(out, in, mask, n);
    return MLAC_OK;
}

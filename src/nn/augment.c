/* augment.c — image standardisation, bilinear resize and SpecAugment-style augmentation
 * (see augment.h). All randomness comes from the caller's rng, in a fixed order of draws.
 */
#include "nn/augment.h"

#include <math.h>
#include <string.h>

void nn_standardize_image(float *img, int s)
{
    size_t n = (size_t)s * s;
    double sum = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        sum += img[i];
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (img[i] - mean) * (img[i] - mean);
    double sd = sqrt(ss / (double)n);
    float inv = sd > 1e-6 ? (float)(1.0 / sd) : 0.0f;
    for (size_t i = 0; i < n; i++)
        img[i] = (float)(img[i] - mean) * inv;
}

static void axis(int o, int so, int si, int *i0, int *i1, float *l)
{
    double src = (o + 0.5) * ((double)si / so) - 0.5;
    if (src < 0)
        src = 0;
    *i0 = (int)src;
    if (*i0 > si - 1)
        *i0 = si - 1;
    *i1 = *i0 < si - 1 ? *i0 + 1 : *i0;
    *l = (float)(src - *i0);
}

void nn_resize_bilinear(float *out, int so, const float *in, int si)
{
    for (int y = 0; y < so; y++) {
        int y0, y1;
        float ly;
        axis(y, so, si, &y0, &y1, &ly);
        for (int x = 0; x < so; x++) {
            int x0, x1;
            float lx;
            axis(x, so, si, &x0, &x1, &lx);
            float top = (1 - lx) * in[(size_t)y0 * si + x0] + lx * in[(size_t)y0 * si + x1];
            float bot = (1 - lx) * in[(size_t)y1 * si + x0] + lx * in[(size_t)y1 * si + x1];
            out[(size_t)y * so + x] = (1 - ly) * top + ly * bot;
        }
    }
}

void nn_augment_image(float *img, float *tmp, int s, int n_masks, int max_width, rng *r)
{
    int max_shift = s / 4;
    int shift = (int)rng_below(r, (uint64_t)(2 * max_shift + 1)) - max_shift;
    if (shift) {
        for (int y = 0; y < s; y++) {
            float *row = img + (size_t)y * s;
            for (int x = 0; x < s; x++)
                tmp[((x + shift) % s + s) % s] = row[x];
            memcpy(row, tmp, (size_t)s * sizeof(float));
        }
    }
    if (max_width >= s)
        max_width = s - 1;
    for (int m = 0; m < n_masks && max_width > 0; m++) {
        int w = (int)rng_below(r, (uint64_t)max_width + 1);           /* frequency mask */
        int f0 = (int)rng_below(r, (uint64_t)(s - w + 1));
        for (int y = f0; y < f0 + w; y++)
            memset(img + (size_t)y * s, 0, (size_t)s * sizeof(float));
        w = (int)rng_below(r, (uint64_t)max_width + 1);               /* time mask */
        int t0 = (int)rng_below(r, (uint64_t)(s - w + 1));
        for (int y = 0; y < s; y++)
            for (int x = t0; x < t0 + w; x++)
                img[(size_t)y * s + x] = 0.0f;
    }
}

/* Marsaglia-Tsang gamma(a, 1), with the a < 1 boost. */
static double gamma_sample(rng *r, double a)
{
    if (a < 1) {
        double u = rng_uniform(r);
        return gamma_sample(r, a + 1) * pow(u > 0 ? u : 1e-300, 1.0 / a);
    }
    double d = a - 1.0 / 3, c = 1.0 / sqrt(9 * d);
    for (;;) {
        double x = rng_normal(r), v = 1 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = rng_uniform(r);
        if (u < 1 - 0.0331 * x * x * x * x || log(u > 0 ? u : 1e-300) < 0.5 * x * x + d * (1 - v + log(v)))
            return d * v;
    }
}

double nn_beta_sample(rng *r, double a)
{
    double x = gamma_sample(r, a), y = gamma_sample(r, a);
    return x + y > 0 ? x / (x + y) : 0.5;
}

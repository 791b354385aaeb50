/* batchnorm.c — 2-d batch normalisation (torch.nn.BatchNorm2d), forward in training and
 * evaluation mode, and backward.
 *
 * Training: mean and biased variance over (N, H, W) per channel normalise the batch; the running
 * variance is updated with the unbiased variance (x M/(M-1), M = N*H*W), as PyTorch does.
 * Statistics are summed in double, one channel per loop iteration, so the result does not depend
 * on the number of OpenMP threads (channels are independent).
 */
#include "nn/layers.h"

#include <math.h>

void batchnorm_forward_train(float *out, float *mean, float *rstd, float *running_mean,
                             float *running_var, const float *in, const float *gamma,
                             const float *beta, int n, int c, int hw, float momentum, float eps)
{
    double m = (double)n * hw;
#pragma omp parallel for schedule(static)
    for (int ch = 0; ch < c; ch++) {
        double sum = 0.0, ss = 0.0;
        for (int i = 0; i < n; i++) {
            const float *x = in + ((size_t)i * c + ch) * hw;
            for (int j = 0; j < hw; j++)
                sum += x[j];
        }
        double mu = sum / m;
        for (int i = 0; i < n; i++) {
            const float *x = in + ((size_t)i * c + ch) * hw;
            for (int j = 0; j < hw; j++) {
                double d = x[j] - mu;
                ss += d * d;
            }
        }
        double var = ss / m;
        double rs = 1.0 / sqrt(var + eps);
        mean[ch] = (float)mu;
        rstd[ch] = (float)rs;
        if (running_mean)
            running_mean[ch] = (float)((1.0 - momentum) * running_mean[ch] + momentum * mu);
        if (running_var)
            running_var[ch] = (float)((1.0 - momentum) * running_var[ch] +
                                      momentum * (m > 1 ? ss / (m - 1) : var));
        float scale = (float)(rs * gamma[ch]);
        float shift = (float)(beta[ch] - mu * rs * gamma[ch]);
        for (int i = 0; i < n; i++) {
            const float *x = in + ((size_t)i * c + ch) * hw;
            float *y = out + ((size_t)i * c + ch) * hw;
            for (int j = 0; j < hw; j++)
                y[j] = x[j] * scale + shift;
        }
    }
}

void batchnorm_eval_rstd(float *rstd, const float *running_var, int c, float eps)
{
    for (int ch = 0; ch < c; ch++)
        rstd[ch] = (float)(1.0 / sqrt((double)running_var[ch] + eps));
}

void batchnorm_forward_eval(float *out, const float *in, const float *gamma, const float *beta,
                            const float *running_mean, const float *running_var, int n, int c,
                            int hw, float eps)
{
#pragma omp parallel for schedule(static)
    for (int ch = 0; ch < c; ch++) {
        double rs = 1.0 / sqrt((double)running_var[ch] + eps);
        float scale = (float)(rs * gamma[ch]);
        float shift = (float)(beta[ch] - running_mean[ch] * rs * gamma[ch]);
        for (int i = 0; i < n; i++) {
            const float *x = in + ((size_t)i * c + ch) * hw;
            float *y = out + ((size_t)i * c + ch) * hw;
            for (int j = 0; j < hw; j++)
                y[j] = x[j] * scale + shift;
        }
    }
}

void batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
                        const float *in, const float *mean, const float *rstd, const float *gamma,
                        int n, int c, int hw, int train)
{
    double m = (double)n * hw;
#pragma omp parallel for schedule(static)
    for (int ch = 0; ch < c; ch++) {
        double mu = mean[ch], rs = rstd[ch];
        double sdy = 0.0, sdyx = 0.0; /* sum dy, sum dy * xhat */
        for (int i = 0; i < n; i++) {
            const float *x = in + ((size_t)i * c + ch) * hw;
            const float *dy = dout + ((size_t)i * c + ch) * hw;
            for (int j = 0; j < hw; j++) {
                sdy += dy[j];
                sdyx += dy[j] * ((x[j] - mu) * rs);
            }
        }
        if (dgamma)
            dgamma[ch] += (float)sdyx;
        if (dbeta)
            dbeta[ch] += (float)sdy;
        if (!din)
            continue;
        double g = gamma[ch] * rs;
        /* training: dx = g (dy - mean(dy) - xhat mean(dy xhat)); evaluation: dx = g dy */
        double a = train ? sdy / m : 0.0, bcoef = train ? sdyx / m : 0.0;
        for (int i = 0; i < n; i++) {
            const float *x = in + ((size_t)i * c + ch) * hw;
            const float *dy = dout + ((size_t)i * c + ch) * hw;
            float *dx = din + ((size_t)i * c + ch) * hw;
            for (int j = 0; j < hw; j++) {
                double xh = (x[j] - mu) * rs;
                dx[j] += (float)(g * (dy[j] - a - xh * bcoef));
            }
        }
    }
}

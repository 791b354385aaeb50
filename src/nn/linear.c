/* linear.c — fully connected layer (torch.nn.Linear: y = x W^T + b) and the sigmoid +
 * binary cross-entropy loss (BCEWithLogitsLoss, mean reduction, soft targets allowed).
 *
 * The networks' linear layers are tiny (at most 1280 x 256 per sample), so these plain loops
 * are both the reference and the kernel that runs; sums are in double, in a fixed order.
 */
#include "nn/layers.h"

#include <math.h>

void linear_forward(float *out, const float *in, const float *w, const float *b, int n, int i,
                    int o)
{
    for (int s = 0; s < n; s++)
        for (int j = 0; j < o; j++) {
            const float *x = in + (size_t)s * i, *wj = w + (size_t)j * i;
            double acc = b ? b[j] : 0.0;
            for (int t = 0; t < i; t++)
                acc += (double)x[t] * wj[t];
            out[(size_t)s * o + j] = (float)acc;
        }
}

void linear_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                     const float *w, int n, int i, int o)
{
    if (din)
        for (int s = 0; s < n; s++)
            for (int t = 0; t < i; t++) {
                double acc = 0.0;
                for (int j = 0; j < o; j++)
                    acc += (double)dout[(size_t)s * o + j] * w[(size_t)j * i + t];
                din[(size_t)s * i + t] += (float)acc;
            }
    for (int j = 0; j < o; j++) {
        if (db) {
            double acc = 0.0;
            for (int s = 0; s < n; s++)
                acc += dout[(size_t)s * o + j];
            db[j] += (float)acc;
        }
        if (dw)
            for (int t = 0; t < i; t++) {
                double acc = 0.0;
                for (int s = 0; s < n; s++)
                    acc += (double)dout[(size_t)s * o + j] * in[(size_t)s * i + t];
                dw[(size_t)j * i + t] += (float)acc;
            }
    }
}

double bce_logits_forward_backward(float *dlogits, const float *logits, const float *y, int n)
{
    double loss = 0.0;
    for (int s = 0; s < n; s++) {
        double x = logits[s], t = y[s];
        loss += (x > 0 ? x : 0.0) - x * t + log1p(exp(-fabs(x)));
        if (dlogits) {
            double sig = x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
            dlogits[s] = (float)((sig - t) / n);
        }
    }
    return n > 0 ? loss / n : 0.0;
}

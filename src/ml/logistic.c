/* logistic.c — Newton-CG for L2 logistic regression (see logistic.h).
 *
 * theta = (w (dim,), b) in one (dim + 1,) array. Objective F = C sum softplus(-s_i z_i) + |w|^2/2
 * with z = X w + b; gradient (X^T r + w, sum r), r_i = C (p_i - y_i); Hessian-vector product
 * (X^T u + v_w, sum u), u_i = C p_i (1 - p_i) (x_i . v_w + v_b). softplus and the sigmoid are
 * evaluated in their overflow-free forms.
 */
#include "ml/logistic.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void logistic_options_default(logistic_options *o)
{
    o->C = 1.0;
    o->max_iter = 100;
    o->tol = 1e-10;
    o->cancel = NULL;
}

static double softplus(double t)
{
    return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

static double sigmoid(double t)
{
    if (t >= 0)
        return 1.0 / (1.0 + exp(-t));
    double e = exp(t);
    return e / (1.0 + e);
}

typedef struct lr_work {
    const double *x;  /* (n, dim) */
    const int *y;     /* (n,) */
    size_t n, dim;
    double C;
    double *z;        /* (n,) margins, then scratch */
    double *p;        /* (n,) probabilities at the last objective() */
} lr_work;

/* F at theta; grad (dim + 1,) when not NULL; leaves p for hessvec. */
static double objective(lr_work *k, const double *theta, double *grad)
{
    size_t n = k->n, dim = k->dim;
    double b = theta[dim], f = 0.0;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)dim, 1.0, k->x, (int)dim, theta, 1, 0.0, k->z, 1);
    for (size_t i = 0; i < n; i++) {
        double z = k->z[i] + b;
        f += softplus(k->y[i] ? -z : z);
        k->p[i] = sigmoid(z);
    }
    f *= k->C;
    f += 0.5 * cblas_ddot((int)dim, theta, 1, theta, 1);
    if (grad) {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++) {
            k->z[i] = k->C * (k->p[i] - k->y[i]);
            sum += k->z[i];
        }
        memcpy(grad, theta, dim * sizeof *grad);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)dim, 1.0, k->x, (int)dim, k->z, 1, 1.0, grad, 1);
        grad[dim] = sum;
    }
    return f;
}

/* out (dim + 1,) = H v with H at the p of the last objective() call. */
static void hessvec(lr_work *k, const double *v, double *out)
{
    size_t n = k->n, dim = k->dim;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)dim, 1.0, k->x, (int)dim, v, 1, 0.0, k->z, 1);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        k->z[i] = k->C * k->p[i] * (1.0 - k->p[i]) * (k->z[i] + v[dim]);
        sum += k->z[i];
    }
    memcpy(out, v, dim * sizeof *out);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)dim, 1.0, k->x, (int)dim, k->z, 1, 1.0, out, 1);
    out[dim] = sum;
}

static double max_abs(const double *v, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(v[i]));
    return m;
}

/* Conjugate gradients for H d = -g to |residual| <= tol; scratch r, q, hq (m,). */
static void newton_direction(lr_work *k, const double *g, double tol, double *d, double *r, double *q, double *hq)
{
    size_t m = k->dim + 1, max_cg = m + 10;
    memset(d, 0, m * sizeof *d);
    for (size_t i = 0; i < m; i++)
        r[i] = q[i] = -g[i];
    double rs = cblas_ddot((int)m, r, 1, r, 1);
    for (size_t it = 0; it < max_cg && sqrt(rs) > tol; it++) {
        hessvec(k, q, hq);
        double qhq = cblas_ddot((int)m, q, 1, hq, 1);
        if (!(qhq > 0))
            break;
        double a = rs / qhq;
        cblas_daxpy((int)m, a, q, 1, d, 1);
        cblas_daxpy((int)m, -a, hq, 1, r, 1);
        double rs_new = cblas_ddot((int)m, r, 1, r, 1);
        double beta = rs_new / rs;
        for (size_t i = 0; i < m; i++)
            q[i] = r[i] + beta * q[i];
        rs = rs_new;
    }
    if (max_abs(d, m) == 0.0)
        for (size_t i = 0; i < m; i++)
            d[i] = -g[i];
}

int logistic_fit(logistic_model *m, const double *x, const int *y, size_t n, size_t dim, const logistic_options *o,
                 mlac_err *err)
{
    logistic_options def;
    if (!o) {
        logistic_options_default(&def);
        o = &def;
    }
    logistic_release(m);
    if (n < 1 || dim < 1 || dim > (size_t)1 << 24 || n > (size_t)1 << 30)
        return mlac_errf(err, MLAC_EINVAL, "logistic: cannot fit %zu rows of %zu features", n, dim);
    if (!(o->C > 0) || !isfinite(o->C))
        return mlac_errf(err, MLAC_EINVAL, "logistic: C must be a finite number > 0, got %g", o->C);
    for (size_t i = 0; i < n; i++)
        if (y[i] != 0 && y[i] != 1)
            return mlac_errf(err, MLAC_EINVAL, "logistic: label %d at row %zu is not 0 or 1", y[i], i);
    size_t p = dim + 1;
    double *work = malloc((2 * n + 7 * p) * sizeof *work);
    if (!work)
        return mlac_errf(err, MLAC_ENOMEM, "logistic: out of memory for %zu x %zu", n, dim);
    double *theta = work + 2 * n, *g = theta + p, *d = g + p, *r = d + p, *q = r + p, *hq = q + p, *trial = hq + p;
    lr_work k = {x, y, n, dim, o->C, work, work + n};
    memset(theta, 0, p * sizeof *theta);
    double f = objective(&k, theta, g), g0 = max_abs(g, p), gmax = g0;
    int it = 0, converged = 0;
    for (; it < o->max_iter; it++) {
        if (o->cancel && *o->cancel) {
            free(work);
            return mlac_errf(err, MLAC_ECANCEL, "cancelled: logistic fit stopped at Newton iteration %d", it);
        }
        if (gmax <= o->tol * fmax(1.0, g0)) {
            converged = 1;
            break;
        }
        double gn = sqrt(cblas_ddot((int)p, g, 1, g, 1));
        newton_direction(&k, g, fmin(0.5, sqrt(gn)) * gn, d, r, q, hq);
        double slope = cblas_ddot((int)p, g, 1, d, 1), t = 1.0, f_new = f;
        if (!(slope < 0)) { /* not a descent direction (rounding): fall back to steepest descent */
            for (size_t i = 0; i < p; i++)
                d[i] = -g[i];
            slope = -gn * gn;
        }
        int accepted = 0;
        if (-slope <= 1e-13 * (1.0 + fabs(f))) {
            /* the decrease the step promises is below what f can resolve in double precision:
             * take the full Newton step when it shrinks the gradient (the quadratic model is
             * exact enough this close to the minimum), else stop */
            for (size_t i = 0; i < p; i++)
                trial[i] = theta[i] + d[i];
            f_new = objective(&k, trial, hq);
            accepted = max_abs(hq, p) < gmax;
        } else {
            for (int h = 0; h < 60 && !accepted; h++, t *= 0.5) {
                for (size_t i = 0; i < p; i++)
                    trial[i] = theta[i] + t * d[i];
                f_new = objective(&k, trial, NULL);
                accepted = f_new <= f + 1e-4 * t * slope;
            }
        }
        if (!accepted)
            break; /* no decrease left at double precision */
        memcpy(theta, trial, p * sizeof *theta);
        f = objective(&k, theta, g);
        gmax = max_abs(g, p);
    }
    if (!converged && gmax <= o->tol * fmax(1.0, g0))
        converged = 1;
    int rc = logistic_set(m, theta, theta[dim], dim, err);
    if (!rc) {
        m->n_iter = it;
        m->converged = converged;
        m->grad_max = gmax;
    }
    free(work);
    return rc;
}

void logistic_predict(const logistic_model *m, const double *x, size_t n, double *prob, double *score)
{
    for (size_t i = 0; i < n; i++) {
        double z = cblas_ddot((int)m->dim, x + i * m->dim, 1, m->w, 1) + m->b;
        if (score)
            score[i] = z;
        if (prob)
            prob[i] = sigmoid(z);
    }
}

int logistic_set(logistic_model *m, const double *w, double b, size_t dim, mlac_err *err)
{
    if (dim < 1 || !isfinite(b))
        return mlac_errf(err, MLAC_EINVAL, "logistic: bad model (dim %zu, intercept %g)", dim, b);
    for (size_t j = 0; j < dim; j++)
        if (!isfinite(w[j]))
            return mlac_errf(err, MLAC_EINVAL, "logistic: weight %zu is not finite", j);
    double *copy = malloc(dim * sizeof *copy);
    if (!copy)
        return mlac_errf(err, MLAC_ENOMEM, "logistic: out of memory for %zu weights", dim);
    memcpy(copy, w, dim * sizeof *copy);
    logistic_release(m);
    m->w = copy;
    m->b = b;
    m->dim = dim;
    return MLAC_OK;
}

void logistic_release(logistic_model *m)
{
    if (!m)
        return;
    free(m->w);
    memset(m, 0, sizeof *m);
}

double logistic_objective(const double *x, const int *y, size_t n, size_t dim, double C, const double *w, double b,
                          double *grad)
{
    double *work = malloc((2 * n + dim + 1) * sizeof *work);
    if (!work)
        return NAN;
    double *theta = work + 2 * n;
    memcpy(theta, w, dim * sizeof *theta);
    theta[dim] = b;
    lr_work k = {x, y, n, dim, C, work, work + n};
    double f = objective(&k, theta, grad);
    free(work);
    return f;
}

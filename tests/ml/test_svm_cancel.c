/* test_svm_cancel.c — svm_train_cancellable: a fit in the forked child equals libsvm's fit in
 * process exactly (support vectors, coefficients, rho, labels, counts); a cancel raised while a
 * big fit runs returns MLAC_ECANCEL well before the fit would end (bounded latency); a flag
 * already set stops the fit before it starts; the MLP and logistic heads observe a set flag too
 * (the forest's out-of-bag pass: tests/serve/cancel.sh).
 */
#include "core/cancel.h"
#include "core/rng.h"
#include "core/timeutil.h"
#include "ml/logistic.h"
#include "ml/mlp_head.h"
#include "ml/svm_train_cancel.h"
#include "test.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct problem {
    struct svm_problem p;
    struct svm_node *space;
    double *y;
} problem;

/* n rows of dim noisy features, labels half-overlapping so many rows become support vectors. */
static void make_problem(problem *pr, int n, int dim, unsigned long long seed)
{
    rng r;
    rng_seed(&r, seed);
    pr->space = malloc((size_t)n * (size_t)(dim + 1) * sizeof *pr->space);
    pr->p.x = malloc((size_t)n * sizeof *pr->p.x);
    pr->y = malloc((size_t)n * sizeof *pr->y);
    for (int i = 0; i < n; i++) {
        struct svm_node *row = pr->space + (size_t)i * (size_t)(dim + 1);
        pr->y[i] = i % 2;
        for (int j = 0; j < dim; j++)
            row[j] = (struct svm_node){j + 1, rng_normal(&r) + (j == 0 ? 0.5 * (i % 2) : 0.0)};
        row[dim] = (struct svm_node){-1, 0};
        pr->p.x[i] = row;
    }
    pr->p.l = n;
    pr->p.y = pr->y;
}

static void free_problem(problem *pr)
{
    free(pr->space);
    free(pr->p.x);
    free(pr->y);
}

static struct svm_parameter params(int dim)
{
    struct svm_parameter q = {0};
    q.svm_type = C_SVC;
    q.kernel_type = RBF;
    q.gamma = 1.0 / dim;
    q.cache_size = 200;
    q.eps = 1e-3;
    q.C = 1;
    q.shrinking = 1;
    return q;
}

static void quiet(const char *s)
{
    (void)s;
}

static void test_forked_equals_in_process(void)
{
    problem pr;
    make_problem(&pr, 600, 6, 11);
    struct svm_parameter q = params(6);
    svm_fit_result a, b;
    mlac_err err = {0};
    CHECK_OK(svm_train_cancellable(&pr.p, &q, SVM_CANCEL_MIN_ROWS, &a, &err), &err); /* no flag: in process */
    volatile sig_atomic_t flag = 0;
    cancel_set_current(&flag);
    CHECK_OK(svm_train_cancellable(&pr.p, &q, 0, &b, &err), &err); /* flag set up: forked */
    cancel_set_current(NULL);
    CHECK(a.l > 10 && a.l == b.l);
    CHECK(a.rho == b.rho && !memcmp(a.label, b.label, sizeof a.label) && !memcmp(a.nr_sv, b.nr_sv, sizeof a.nr_sv));
    int same = a.l == b.l;
    for (int i = 0; same && i < a.l; i++)
        same = a.coef[i] == b.coef[i] && a.sv[i] == b.sv[i];
    CHECK_MSG(same, "forked fit differs from the in-process fit");
    svm_fit_result_release(&a);
    svm_fit_result_release(&b);
    free_problem(&pr);
}

typedef struct raiser {
    volatile sig_atomic_t *flag;
    double delay, raised_at;
} raiser;

static void *raise_later(void *arg)
{
    raiser *r = arg;
    usleep((useconds_t)(r->delay * 1e6));
    r->raised_at = time_now();
    *r->flag = 1;
    return NULL;
}

static void test_cancel_mid_fit(void)
{
    problem pr;
    make_problem(&pr, 3000, 20, 12);
    struct svm_parameter q = params(20);
    volatile sig_atomic_t flag = 0;
    /* how long the whole fit takes here, forked, without a cancel */
    cancel_set_current(&flag);
    svm_fit_result full;
    mlac_err err = {0};
    double t0 = time_now();
    CHECK_OK(svm_train_cancellable(&pr.p, &q, SVM_CANCEL_MIN_ROWS, &full, &err), &err);
    double whole = time_now() - t0;
    svm_fit_result_release(&full);
    raiser r = {&flag, whole / 4, 0};
    pthread_t th;
    pthread_create(&th, NULL, raise_later, &r);
    svm_fit_result out;
    int rc = svm_train_cancellable(&pr.p, &q, SVM_CANCEL_MIN_ROWS, &out, &err);
    double ended = time_now();
    pthread_join(th, NULL);
    cancel_set_current(NULL);
    printf("svm fit of 3000 x 20: %.2f s whole; cancel at %.2f s returned after %.3f s\n", whole, whole / 4,
           ended - r.raised_at);
    CHECK_MSG(rc == MLAC_ECANCEL, "rc %d: %s", rc, err.msg);
    CHECK_MSG(ended - r.raised_at < 0.5, "cancel took %.3f s", ended - r.raised_at);
    CHECK(out.l == 0 && !out.coef);
    free_problem(&pr);
}

static void test_flag_already_set(void)
{
    volatile sig_atomic_t flag = 1;
    problem pr;
    make_problem(&pr, 50, 3, 13);
    struct svm_parameter q = params(3);
    svm_fit_result out;
    mlac_err err = {0};
    cancel_set_current(&flag);
    CHECK(svm_train_cancellable(&pr.p, &q, SVM_CANCEL_MIN_ROWS, &out, &err) == MLAC_ECANCEL);
    cancel_set_current(NULL);
    free_problem(&pr);
    /* the heads */
    enum { N = 40, D = 4 };
    double x[N * D];
    int y[N];
    rng r;
    rng_seed(&r, 5);
    for (int i = 0; i < N * D; i++)
        x[i] = rng_normal(&r);
    for (int i = 0; i < N; i++)
        y[i] = i % 2;
    logistic_options lo;
    logistic_options_default(&lo);
    lo.cancel = &flag;
    logistic_model lr = {0};
    CHECK(logistic_fit(&lr, x, y, N, D, &lo, &err) == MLAC_ECANCEL && strstr(err.msg, "cancelled"));
    lo.cancel = NULL;
    CHECK_OK(logistic_fit(&lr, x, y, N, D, &lo, &err), &err);
    logistic_release(&lr);
    mlp_options mo;
    mlp_options_default(&mo);
    mo.hidden = 4;
    mo.cancel = &flag;
    mlp_head m = {0};
    CHECK(mlp_fit(&m, x, y, N, D, &mo, &err) == MLAC_ECANCEL && strstr(err.msg, "cancelled"));
    mlp_release(&m);
}

int main(void)
{
    svm_set_print_string_function(quiet);
    test_forked_equals_in_process();
    test_cancel_mid_fit();
    test_flag_already_set();
    TEST_MAIN_END();
}

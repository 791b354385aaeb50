/* svm_train_cancel.c — svm_train in process, or in a forked child that a cancel kills (see
 * svm_train_cancel.h). The pipe carries: int l, double rho, int label[2], int nSV[2], then
 * int sv_indices[l] and double sv_coef[l], in the host's own byte order (same process image). */
#include "ml/svm_train_cancel.h"
#include "core/cancel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define POLL_MS 20

typedef struct header {
    int l;
    double rho;
    int label[2];
    int nr_sv[2];
} header;

void svm_fit_result_release(svm_fit_result *r)
{
    free(r->coef);
    free(r->sv);
    memset(r, 0, sizeof *r);
}

static int check_model(const struct svm_model *sm, int n, mlac_err *err)
{
    if (!sm)
        return mlac_errf(err, MLAC_ENOMEM, "svm: libsvm failed to train on %d rows", n);
    if (sm->nr_class != 2 || sm->l < 1 || sm->l > n || !sm->sv_indices)
        return mlac_errf(err, MLAC_EINTERNAL, "svm: libsvm returned %d classes and %d support vectors",
                         sm->nr_class, sm->l);
    return MLAC_OK;
}

/* Fills out from the header, the 1-based training indices and the coefficients. */
static int fill(const struct svm_problem *prob, const header *h, const int *idx, const double *coef,
                svm_fit_result *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    out->coef = malloc((size_t)h->l * sizeof *out->coef);
    out->sv = malloc((size_t)h->l * sizeof *out->sv);
    if (!out->coef || !out->sv) {
        svm_fit_result_release(out);
        return mlac_errf(err, MLAC_ENOMEM, "svm: out of memory for %d support vectors", h->l);
    }
    for (int i = 0; i < h->l; i++) {
        if (idx[i] < 1 || idx[i] > prob->l) {
            svm_fit_result_release(out);
            return mlac_errf(err, MLAC_EINTERNAL, "svm: support vector index %d outside 1..%d", idx[i], prob->l);
        }
        out->sv[i] = prob->x[idx[i] - 1];
        out->coef[i] = coef[i];
    }
    out->l = h->l;
    out->rho = h->rho;
    memcpy(out->label, h->label, sizeof out->label);
    memcpy(out->nr_sv, h->nr_sv, sizeof out->nr_sv);
    return MLAC_OK;
}

static header header_of(const struct svm_model *sm)
{
    return (header){sm->l, sm->rho[0], {sm->label[0], sm->label[1]}, {sm->nSV[0], sm->nSV[1]}};
}

static int train_here(const struct svm_problem *prob, const struct svm_parameter *param, svm_fit_result *out,
                      mlac_err *err)
{
    struct svm_model *sm = svm_train(prob, param);
    int rc = check_model(sm, prob->l, err);
    if (!rc) {
        header h = header_of(sm);
        rc = fill(prob, &h, sm->sv_indices, sm->sv_coef[0], out, err);
    }
    svm_free_and_destroy_model(&sm);
    return rc;
}

static int write_all(int fd, const void *p, size_t n)
{
    for (const char *c = p; n;) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        c += k, n -= (size_t)k;
    }
    return 0;
}

static void child(int fd, const struct svm_problem *prob, const struct svm_parameter *param)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the task that waits for it */
    struct svm_model *sm = svm_train(prob, param);
    if (check_model(sm, prob->l, NULL))
        _exit(2);
    header h = header_of(sm);
    int bad = write_all(fd, &h, sizeof h) || write_all(fd, sm->sv_indices, (size_t)sm->l * sizeof(int)) ||
              write_all(fd, sm->sv_coef[0], (size_t)sm->l * sizeof(double));
    _exit(bad ? 3 : 0);
}

/* Reads the child's whole output (until EOF) while watching the cancel flag. */
static int collect(int fd, pid_t pid, const volatile sig_atomic_t *cancel, char **data, size_t *len, mlac_err *err)
{
    size_t cap = 1 << 16;
    *len = 0;
    if (!(*data = malloc(cap)))
        return mlac_errf(err, MLAC_ENOMEM, "svm: out of memory reading the fit");
    for (;;) {
        if (*cancel) {
            kill(pid, SIGKILL);
            return mlac_errf(err, MLAC_ECANCEL, "cancelled: svm fit stopped (its process killed)");
        }
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, POLL_MS);
        if (r < 0 && errno != EINTR)
            return mlac_errf(err, MLAC_EIO, "svm: poll on the fit's pipe: %s", strerror(errno));
        if (r <= 0)
            continue;
        if (*len == cap) {
            char *bigger = realloc(*data, cap * 2);
            if (!bigger)
                return mlac_errf(err, MLAC_ENOMEM, "svm: out of memory reading the fit");
            *data = bigger, cap *= 2;
        }
        ssize_t k = read(fd, *data + *len, cap - *len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return mlac_errf(err, MLAC_EIO, "svm: reading the fit: %s", strerror(errno));
        if (k == 0)
            return MLAC_OK;
        *len += (size_t)k;
    }
}

static int train_forked(const struct svm_problem *prob, const struct svm_parameter *param,
                        const volatile sig_atomic_t *cancel, svm_fit_result *out, mlac_err *err)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC))
        return mlac_errf(err, MLAC_EIO, "svm: pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]), close(fds[1]);
        return mlac_errf(err, MLAC_EIO, "svm: fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        child(fds[1], prob, param);
    }
    close(fds[1]);
    char *data = NULL;
    size_t len = 0;
    int rc = collect(fds[0], pid, cancel, &data, &len, err), status = 0;
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    header h;
    if (!rc && (!WIFEXITED(status) || WEXITSTATUS(status)))
        rc = mlac_errf(err, WIFEXITED(status) && WEXITSTATUS(status) == 2 ? MLAC_ENOMEM : MLAC_EINTERNAL,
                       "svm: the fit's process failed (%s %d)", WIFEXITED(status) ? "exit" : "signal",
                       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    if (!rc && len >= sizeof h)
        memcpy(&h, data, sizeof h);
    if (!rc && (len < sizeof h || h.l < 1 || h.l > prob->l ||
                len != sizeof h + (size_t)h.l * (sizeof(int) + sizeof(double))))
        rc = mlac_errf(err, MLAC_EINTERNAL, "svm: the fit's process sent %zu bytes, not a model", len);
    if (!rc) {
        int *idx = malloc((size_t)h.l * sizeof *idx);
        double *coef = malloc((size_t)h.l * sizeof *coef);
        if (idx && coef) {
            memcpy(idx, data + sizeof h, (size_t)h.l * sizeof *idx);
            memcpy(coef, data + sizeof h + (size_t)h.l * sizeof *idx, (size_t)h.l * sizeof *coef);
            rc = fill(prob, &h, idx, coef, out, err);
        } else {
            rc = mlac_errf(err, MLAC_ENOMEM, "svm: out of memory for %d support vectors", h.l);
        }
        free(idx);
        free(coef);
    }
    free(data);
    return rc;
}

int svm_train_cancellable(const struct svm_problem *prob, const struct svm_parameter *param, size_t min_rows,
                          svm_fit_result *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    const volatile sig_atomic_t *cancel = cancel_current();
    if (cancel && *cancel)
        return mlac_errf(err, MLAC_ECANCEL, "cancelled: svm fit not started");
    if (!cancel || (size_t)prob->l < min_rows)
        return train_here(prob, param, out, err);
    return train_forked(prob, param, cancel, out, err);
}

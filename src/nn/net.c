/* net.c — building, planning and running a network of layer ops (see net.h).
 *
 * Invariants: every slot is written by exactly one op (ReLU writes its input's slot in place,
 * allowed only while that slot has no other reader yet). Parameter, activation and saved-value
 * memory are single allocations indexed by offsets computed at finish/plan time; gradient
 * memory is packed by lifetime (plan_grads), so a slot's gradient is only valid between its
 * first writer and its producer's backward. The naive path here zeroes its own unshared
 * gradient block and lets every op add; the fast path is net_fast.c.
 */
#include "nn/net.h"
#include "nn/net_fast.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(void **p, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return 0;
    int nc = *cap ? *cap * 2 : 32;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, (size_t)nc * elem);
    if (!q)
        return -1;
    memset((char *)q + (size_t)*cap * elem, 0, (size_t)(nc - *cap) * elem);
    *p = q;
    *cap = nc;
    return 0;
}

static int fail(nn_net *net, int code, const char *msg, const char *what)
{
    if (!net->failed) {
        net->failed = 1;
        mlac_errf(&net->err, code, "%s%s%s", msg, what ? ": " : "", what ? what : "");
    }
    return -1;
}

static int new_slot(nn_net *net, int c, int h, int w)
{
    if (grow((void **)&net->slots, &net->cap_slots, net->n_slots + 1, sizeof(nn_slot)))
        return fail(net, MLAC_ENOMEM, "out of memory building a network", NULL);
    nn_slot *s = &net->slots[net->n_slots];
    s->c = c, s->h = h, s->w = w, s->needs_grad = 1;
    return net->n_slots++;
}

static nn_op *new_op(nn_net *net, int kind, int in)
{
    if (net->failed)
        return NULL;
    if (in < 0 || in >= net->n_slots) {
        fail(net, MLAC_EINTERNAL, "network op reads a slot that does not exist", NULL);
        return NULL;
    }
    if (grow((void **)&net->ops, &net->cap_ops, net->n_ops + 1, sizeof(nn_op))) {
        fail(net, MLAC_ENOMEM, "out of memory building a network", NULL);
        return NULL;
    }
    nn_op *op = &net->ops[net->n_ops++];
    memset(op, 0, sizeof *op);
    op->kind = kind, op->in = in, op->in2 = -1, op->out = -1;
    op->p_w = op->p_b = op->p_mean = op->p_var = -1;
    return op;
}

static int new_param(nn_net *net, const char *prefix, const char *suffix, int role, int trainable,
                     int ndim, int d0, int d1, int d2, int d3)
{
    if (grow((void **)&net->pinfo, &net->cap_params, net->n_params + 1, sizeof(nn_param)))
        return fail(net, MLAC_ENOMEM, "out of memory building a network", NULL);
    nn_param *p = &net->pinfo[net->n_params];
    if ((size_t)snprintf(p->name, sizeof p->name, "%s.%s", prefix, suffix) >= sizeof p->name)
        return fail(net, MLAC_EINVAL, "parameter name too long", prefix);
    for (int i = 0; i < net->n_params; i++)
        if (strcmp(net->pinfo[i].name, p->name) == 0)
            return fail(net, MLAC_EINTERNAL, "duplicate parameter name", p->name);
    int dims[4] = {d0, d1, d2, d3};
    p->role = role, p->trainable = trainable, p->ndim = ndim, p->count = 1;
    for (int i = 0; i < ndim; i++)
        p->shape[i] = dims[i], p->count *= (size_t)dims[i];
    return net->n_params++;
}

int nn_net_new(nn_net **out, int c, int h, int w, mlac_err *err)
{
    *out = NULL;
    if (c < 1 || h < 1 || w < 1 || c > 65536 || h > 65536 || w > 65536)
        return mlac_errf(err, MLAC_EINVAL, "network input %dx%dx%d is not a valid shape", c, h, w);
    nn_net *net = calloc(1, sizeof *net);
    if (!net)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory creating a network");
    net->bn_momentum = 0.1f;
    net->bn_eps = 1e-5f;
    if (new_slot(net, c, h, w) < 0) {
        nn_net_free(net);
        return mlac_errf(err, MLAC_ENOMEM, "out of memory creating a network");
    }
    net->slots[0].needs_grad = 0;
    *out = net;
    return MLAC_OK;
}

void nn_net_free(nn_net *net)
{
    if (!net)
        return;
    nn_fast_free(net->fast);
    free(net->ops);
    free(net->slots);
    free(net->pinfo);
    free(net->params);
    free(net->grads);
    free(net->acts);
    free(net->dacts);
    free(net->dacts_naive);
    free(net->scratch);
    free(net->scratch_small);
    free(net->bn_work);
    free(net->dnnl_scratch);
    free(net->ginit);
    free(net->saved);
    free(net->idx);
    free(net);
}

/* ---- builders ---------------------------------------------------------------------------- */

int nn_conv(nn_net *net, int in, int k, int ksize, int stride, int pad, int groups, int bias,
            const char *name)
{
    nn_op *op = new_op(net, NN_CONV, in);
    if (!op)
        return -1;
    nn_slot s = net->slots[in];
    op->g = (nn_conv_geom){.n = 1, .c = s.c, .h = s.h, .w = s.w, .k = k, .r = ksize, .s = ksize,
                           .stride = stride, .pad = pad, .groups = groups};
    if (k < 1 || nn_conv_geom_finish(&op->g))
        return fail(net, MLAC_EINVAL, "impossible convolution geometry", name);
    op->p_w = new_param(net, name, "weight", NN_P_CONV_W, 1, 4, k, s.c / groups, ksize, ksize);
    if (bias)
        op->p_b = new_param(net, name, "bias", NN_P_CONV_B, 1, 1, k, 0, 0, 0);
    int o = new_slot(net, k, op->g.oh, op->g.ow);
    net->ops[net->n_ops - 1].out = o; /* new_slot may not move ops, but re-index for clarity */
    return o;
}

int nn_bn(nn_net *net, int in, const char *name)
{
    nn_op *op = new_op(net, NN_BN, in);
    if (!op)
        return -1;
    int c = net->slots[in].c;
    op->p_w = new_param(net, name, "weight", NN_P_BN_W, 1, 1, c, 0, 0, 0);
    op->p_b = new_param(net, name, "bias", NN_P_BN_B, 1, 1, c, 0, 0, 0);
    op->p_mean = new_param(net, name, "running_mean", NN_P_BN_MEAN, 0, 1, c, 0, 0, 0);
    op->p_var = new_param(net, name, "running_var", NN_P_BN_VAR, 0, 1, c, 0, 0, 0);
    nn_slot s = net->slots[in];
    int o = new_slot(net, s.c, s.h, s.w);
    net->ops[net->n_ops - 1].out = o;
    return o;
}

int nn_relu(nn_net *net, int in, float cap)
{
    for (int i = 0; i < net->n_ops && !net->failed; i++)
        if (net->ops[i].in == in || net->ops[i].in2 == in)
            return fail(net, MLAC_EINTERNAL, "in-place relu on a slot that is already read", NULL);
    if (in == 0)
        return fail(net, MLAC_EINTERNAL, "in-place relu on the network input", NULL);
    nn_op *op = new_op(net, NN_RELU, in);
    if (!op)
        return -1;
    op->cap = cap;
    op->out = in;
    return in;
}

int nn_maxpool(nn_net *net, int in, int k, int stride, int pad)
{
    nn_op *op = new_op(net, NN_MAXPOOL, in);
    if (!op)
        return -1;
    nn_slot s = net->slots[in];
    op->g = (nn_conv_geom){.n = 1, .c = s.c, .h = s.h, .w = s.w, .k = s.c, .r = k, .s = k,
                           .stride = stride, .pad = pad, .groups = 1};
    if (nn_conv_geom_finish(&op->g) || 2 * pad > k)
        return fail(net, MLAC_EINVAL, "impossible max-pool geometry", NULL);
    int o = new_slot(net, s.c, op->g.oh, op->g.ow);
    net->ops[net->n_ops - 1].out = o;
    return o;
}

int nn_gap(nn_net *net, int in)
{
    nn_op *op = new_op(net, NN_GAP, in);
    if (!op)
        return -1;
    int o = new_slot(net, net->slots[in].c, 1, 1);
    net->ops[net->n_ops - 1].out = o;
    return o;
}

int nn_linear(nn_net *net, int in, int n_out, const char *name)
{
    nn_op *op = new_op(net, NN_LINEAR, in);
    if (!op)
        return -1;
    nn_slot s = net->slots[in];
    int n_in = s.c * s.h * s.w;
    op->p_w = new_param(net, name, "weight", NN_P_LIN_W, 1, 2, n_out, n_in, 0, 0);
    op->p_b = new_param(net, name, "bias", NN_P_LIN_B, 1, 1, n_out, 0, 0, 0);
    int o = new_slot(net, n_out, 1, 1);
    net->ops[net->n_ops - 1].out = o;
    return o;
}

int nn_dropout(nn_net *net, int in, float p)
{
    nn_op *op = new_op(net, NN_DROPOUT, in);
    if (!op)
        return -1;
    if (!(p >= 0 && p < 1))
        return fail(net, MLAC_EINVAL, "dropout probability must be in [0, 1)", NULL);
    op->p = p;
    nn_slot s = net->slots[in];
    int o = new_slot(net, s.c, s.h, s.w);
    net->ops[net->n_ops - 1].out = o;
    return o;
}

int nn_add(nn_net *net, int a, int b)
{
    nn_op *op = new_op(net, NN_ADD, a);
    if (!op)
        return -1;
    if (b < 0 || b >= net->n_slots)
        return fail(net, MLAC_EINTERNAL, "add reads a slot that does not exist", NULL);
    nn_slot sa = net->slots[a], sb = net->slots[b];
    if (sa.c != sb.c || sa.h != sb.h || sa.w != sb.w)
        return fail(net, MLAC_EINTERNAL, "residual add of tensors of different shapes", NULL);
    op->in2 = b;
    int o = new_slot(net, sa.c, sa.h, sa.w);
    net->ops[net->n_ops - 1].out = o;
    return o;
}

/* ---- memory ------------------------------------------------------------------------------ */

int nn_net_finish(nn_net *net, mlac_err *err)
{
    if (net->failed) {
        if (err)
            *err = net->err;
        return net->err.code;
    }
    if (net->n_ops == 0)
        return mlac_errf(err, MLAC_EINVAL, "network has no layers");
    size_t total = 0;
    for (int i = 0; i < net->n_params; i++) {
        net->pinfo[i].off = total;
        total += (net->pinfo[i].count + 15) & ~(size_t)15; /* 64-byte aligned tensors */
    }
    net->n_floats = total;
    free(net->params);
    free(net->grads);
    net->params = aligned_alloc(64, (total ? total : 16) * sizeof(float));
    net->grads = aligned_alloc(64, (total ? total : 16) * sizeof(float));
    if (!net->params || !net->grads)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for %zu network parameters", total);
    memset(net->params, 0, total * sizeof(float));
    memset(net->grads, 0, total * sizeof(float));
    nn_net_params_changed(net);
    return MLAC_OK;
}

void nn_net_params_changed(nn_net *net)
{
    net->pver++;
    net->sver++;
}

void nn_net_init_params(nn_net *net, rng *r)
{
    nn_net_params_changed(net);
    for (int i = 0; i < net->n_params; i++) {
        nn_param *p = &net->pinfo[i];
        float *v = net->params + p->off;
        double fan_in = p->ndim > 1 ? (double)p->count / p->shape[0] : 1.0;
        double fan_out = p->ndim == 4 ? (double)p->shape[0] * p->shape[2] * p->shape[3] : 1.0;
        for (size_t j = 0; j < p->count; j++) {
            switch (p->role) {
            case NN_P_CONV_W: v[j] = (float)(rng_normal(r) * sqrt(2.0 / fan_out)); break;
            case NN_P_BN_W:
            case NN_P_BN_VAR: v[j] = 1.0f; break;
            case NN_P_LIN_W:
                v[j] = (float)((2 * rng_uniform(r) - 1) / sqrt(fan_in));
                break;
            case NN_P_LIN_B: {
                double fi = (double)net->pinfo[i - 1].count / p->count; /* weight precedes bias */
                v[j] = (float)((2 * rng_uniform(r) - 1) / sqrt(fi));
                break;
            }
            default: v[j] = 0.0f;
            }
        }
    }
}

void nn_net_want_input_grad(nn_net *net, int on)
{
    net->slots[0].needs_grad = on ? 1 : 0;
}

static size_t slot_len(const nn_slot *s, int n)
{
    return (size_t)n * s->c * s->h * s->w;
}

/* Layouts for the fast path: a conv with >= 16 output channels writes nChw16c (what oneDNN's
 * AVX-512 kernels want); batch norm, ReLU, max pool, add and dropout keep their input's layout;
 * global average pool and linear layers write plain (N, C). */
static int plan_layouts(nn_net *net, mlac_err *err)
{
    for (int i = 0; i < net->n_slots; i++)
        net->slots[i].blocked = 0;
    for (int i = 0; i < net->n_ops; i++) {
        nn_op *op = &net->ops[i];
        nn_slot *si = &net->slots[op->in], *so = &net->slots[op->out];
        switch (op->kind) {
        case NN_CONV: so->blocked = so->c >= 16; break;
        case NN_BN: so->blocked = si->blocked, op->fused = 0; break;
        case NN_MAXPOOL:
        case NN_DROPOUT: so->blocked = si->blocked; break;
        case NN_ADD:
            op->fused = 0;
            if (si->blocked != net->slots[op->in2].blocked)
                return mlac_errf(err, MLAC_EINVAL, "residual add of a network input and a "
                                 "convolution output is not supported (layouts differ)");
            so->blocked = si->blocked;
            break;
        case NN_LINEAR:
            if (si->blocked)
                return mlac_errf(err, MLAC_EINVAL, "a linear layer reads a convolution output "
                                 "directly: put a global average pool before it");
            break;
        default: break;
        }
    }
    /* fuse a ReLU into the blocked batch norm or the residual add that produced its slot
     * (nn_relu guarantees the ReLU is that slot's first reader) */
    for (int j = 0; j < net->n_ops; j++) {
        nn_op *rl = &net->ops[j];
        if (rl->kind != NN_RELU)
            continue;
        rl->fused = 0;
        for (int i = j - 1; i >= 0; i--) {
            nn_op *pr = &net->ops[i];
            if (pr->out != rl->in)
                continue;
            if (((pr->kind == NN_BN && net->slots[rl->in].blocked) || pr->kind == NN_ADD) &&
                !pr->fused) {
                pr->fused = rl->fused = 1;
                pr->cap = rl->cap;
            }
            break;
        }
    }
    if (net->slots[net->ops[net->n_ops - 1].out].blocked)
        return mlac_errf(err, MLAC_EINVAL, "a network must end with a pooled or linear layer");
    for (int i = 0; i < net->n_slots; i++) {
        nn_slot *s = &net->slots[i];
        size_t c = s->blocked ? (size_t)(s->c + 15) / 16 * 16 : (size_t)s->c;
        s->len = c * s->h * s->w;
    }
    return MLAC_OK;
}

/* Assigns offsets to n buffers of the given sizes so that buffers whose [start, end] intervals
 * overlap never share memory (largest first, lowest fitting offset); returns the total. */
static size_t pack_intervals(int n, const size_t *size, const int *start, const int *end,
                             size_t *off, int *order)
{
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = 1; i < n; i++) /* insertion sort by size, descending; n is ~100 */
        for (int j = i; j > 0 && size[order[j]] > size[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1], order[j - 1] = t;
        }
    size_t total = 0;
    for (int a = 0; a < n; a++) {
        int i = order[a];
        size_t o = 0;
        for (int moved = 1; moved;) { /* first offset clear of every placed, overlapping buffer */
            moved = 0;
            for (int b = 0; b < a; b++) {
                int j = order[b];
                if (start[j] > end[i] || start[i] > end[j] || size[j] == 0)
                    continue;
                if (o < off[j] + size[j] && off[j] < o + size[i]) {
                    o = off[j] + size[j];
                    moved = 1;
                }
            }
        }
        off[i] = o;
        if (o + size[i] > total)
            total = o + size[i];
    }
    return total;
}

/* Gradient memory: on the backward timeline (op i runs at t = n_ops - 1 - i) a slot's gradient
 * is live from its first writer (the last op reading the slot) until its producer's backward
 * has read it; the output's gradient is live from the start, the input's until the end. */
static size_t plan_grads(nn_net *net, int max_batch, size_t *off, int *start, int *end,
                         size_t *size, int *order)
{
    int T = net->n_ops;
    for (int s = 0; s < net->n_slots; s++)
        start[s] = T, end[s] = s == 0 ? T : -1, size[s] = 0;
    for (int i = 0; i < net->n_ops; i++) {
        const nn_op *op = &net->ops[i];
        int t = T - 1 - i;
        int rd[2] = {op->in, op->in2};
        for (int k = 0; k < 2; k++)
            if (rd[k] >= 0 && t < start[rd[k]])
                start[rd[k]] = t;
        if (op->kind != NN_RELU)
            end[op->out] = t;
    }
    start[net->ops[T - 1].out] = -1;
    for (int s = 0; s < net->n_slots; s++) {
        if (start[s] > end[s]) /* never read: still written by its producer's backward */
            start[s] = end[s];
        size[s] = ((size_t)max_batch * net->slots[s].len + 15) & ~(size_t)15;
    }
    size_t total = pack_intervals(net->n_slots, size, start, end, off, order);
    for (int s = 0; s < net->n_slots; s++)
        net->slots[s].doff = off[s];
    return total;
}

int nn_net_plan(nn_net *net, int max_batch, mlac_err *err)
{
    if (max_batch < 1)
        return mlac_errf(err, MLAC_EINVAL, "batch size must be >= 1, got %d", max_batch);
    if (max_batch <= net->max_batch)
        return MLAC_OK;
    int rc = plan_layouts(net, err);
    if (rc)
        return rc;
    nn_fast_free(net->fast);
    net->fast = NULL;
    size_t acts = 0, saved = 0, idx = 0, big = 16, small = 16, bnw = 16;
    for (int i = 0; i < net->n_slots; i++) {
        size_t len = (size_t)max_batch * net->slots[i].len;
        net->slots[i].off = acts;
        acts += (len + 15) & ~(size_t)15;
        if (len > big)
            big = len;
        if (2 * (size_t)net->slots[i].c > small)
            small = 2 * (size_t)net->slots[i].c;
    }
    for (int i = 0; i < net->n_ops; i++) {
        nn_op *op = &net->ops[i];
        if (op->kind == NN_BN) {
            size_t w = batchnorm_blocked_work(max_batch, net->slots[op->in].c);
            if (w > bnw)
                bnw = w;
            op->saved_off = saved;
            saved += 2 * (size_t)net->slots[op->in].c + 2 * (size_t)(net->slots[op->in].c + 15) / 16 * 16;
        } else if (op->kind == NN_DROPOUT) {
            op->saved_off = saved;
            saved += (size_t)max_batch * net->slots[op->in].len;
        } else if (op->kind == NN_MAXPOOL) {
            op->idx_off = idx;
            idx += slot_len(&net->slots[op->out], max_batch);
        }
    }
    int ns = net->n_slots;
    size_t *off = malloc((size_t)ns * 2 * sizeof(size_t));
    int *iv = malloc((size_t)ns * 3 * sizeof(int));
    free(net->acts);
    free(net->dacts);
    free(net->dacts_naive);
    free(net->scratch);
    free(net->scratch_small);
    free(net->bn_work);
    free(net->ginit);
    free(net->saved);
    free(net->idx);
    net->dacts = net->dacts_naive = NULL;
    net->max_batch = 0;
    size_t dacts = 0;
    if (off && iv)
        dacts = plan_grads(net, max_batch, off, iv, iv + ns, off + ns, iv + 2 * ns);
    free(off);
    free(iv);
    net->acts = aligned_alloc(64, acts * sizeof(float));
    net->dacts = dacts ? aligned_alloc(64, dacts * sizeof(float)) : NULL;
    net->scratch = aligned_alloc(64, ((big + 15) & ~(size_t)15) * sizeof(float));
    net->scratch_small = malloc(small * sizeof(float));
    net->ginit = calloc((size_t)ns, 1);
    net->bn_work = malloc(bnw * sizeof(double));
    net->saved = malloc((saved + 1) * sizeof(float));
    net->idx = malloc((idx + 1) * sizeof(int32_t));
    if (!net->acts || !net->dacts || !net->scratch || !net->scratch_small || !net->ginit || !net->bn_work ||
        !net->saved || !net->idx)
        return mlac_errf(err, MLAC_ENOMEM, "out of memory planning a network for batch %d (%zu MB)",
                         max_batch, (acts + dacts) * 4 / 1000000);
    memset(net->acts, 0, acts * sizeof(float)); /* blocked channel padding must read as zero */
    net->acts_len = acts, net->dacts_len = dacts, net->saved_len = saved, net->idx_len = idx;
    net->scratch_len = big;
    net->max_batch = max_batch;
    return MLAC_OK;
}

/* ---- running ----------------------------------------------------------------------------- */

#define ACT(s) (net->acts + net->slots[s].off)
#define DACT(s) (net->dacts_naive + net->slots[s].off) /* naive path only */
#define PRM(i) ((i) >= 0 ? net->params + net->pinfo[i].off : NULL)
#define PRMX(i) (net->params + net->pinfo[i].off) /* parameter known to exist */
#define GRD(i) ((i) >= 0 ? net->grads + net->pinfo[i].off : NULL)

int nn_forward(nn_net *net, const float *x, int n, int train, rng *r, mlac_err *err)
{
    if (n < 1 || n > net->max_batch)
        return mlac_errf(err, MLAC_EINVAL, "batch of %d does not fit the planned batch %d", n,
                         net->max_batch);
    memcpy(ACT(0), x, slot_len(&net->slots[0], n) * sizeof(float));
    if (train)
        net->sver++; /* batch norm moves its running statistics */
    if (!net->naive) {
        int rc = nn_fast_forward(net, n, train, r, err);
        if (!rc)
            net->last_train = train;
        return rc;
    }
    for (int i = 0; i < net->n_ops; i++) {
        nn_op *op = &net->ops[i];
        nn_slot *si = &net->slots[op->in], *so = &net->slots[op->out];
        int hw = si->h * si->w;
        switch (op->kind) {
        case NN_CONV:
            op->g.n = n;
            conv2d_forward_naive(ACT(op->out), ACT(op->in), PRM(op->p_w), PRM(op->p_b), &op->g);
            break;
        case NN_BN:
            if (train)
                batchnorm_forward_train(ACT(op->out), net->saved + op->saved_off,
                                        net->saved + op->saved_off + si->c, PRM(op->p_mean),
                                        PRM(op->p_var), ACT(op->in), PRM(op->p_w), PRM(op->p_b), n,
                                        si->c, hw, net->bn_momentum, net->bn_eps);
            else {
                /* keep what backward needs: the running mean and 1/sqrt(running_var + eps) */
                float *mean = net->saved + op->saved_off;
                memcpy(mean, PRMX(op->p_mean), (size_t)si->c * sizeof(float));
                batchnorm_eval_rstd(mean + si->c, PRM(op->p_var), si->c, net->bn_eps);
                batchnorm_forward_eval(ACT(op->out), ACT(op->in), PRM(op->p_w), PRM(op->p_b),
                                       PRM(op->p_mean), PRM(op->p_var), n, si->c, hw, net->bn_eps);
            }
            break;
        case NN_RELU:
            relu_forward(ACT(op->out), ACT(op->in), slot_len(si, n), op->cap);
            break;
        case NN_MAXPOOL:
            op->g.n = n;
            maxpool_forward(ACT(op->out), net->idx + op->idx_off, ACT(op->in), &op->g);
            break;
        case NN_GAP:
            avgpool_global_forward(ACT(op->out), ACT(op->in), n, si->c, hw);
            break;
        case NN_LINEAR:
            linear_forward(ACT(op->out), ACT(op->in), PRM(op->p_w), PRM(op->p_b), n,
                           si->c * hw, so->c);
            break;
        case NN_DROPOUT: {
            int rc = dropout_step(ACT(op->out), net->saved + op->saved_off, ACT(op->in), slot_len(si, n), op->p, train, r,
                                  err);
            if (rc)
                return rc;
            break;
        }
        case NN_ADD:
            add_forward(ACT(op->out), ACT(op->in), ACT(op->in2), slot_len(si, n));
            break;
        }
    }
    net->last_train = train;
    return MLAC_OK;
}

const float *nn_output(const nn_net *net)
{
    return net->acts + net->slots[net->ops[net->n_ops - 1].out].off;
}

int nn_out_dim(const nn_net *net)
{
    const nn_slot *s = &net->slots[net->ops[net->n_ops - 1].out];
    return s->c * s->h * s->w;
}

const float *nn_input_grad(const nn_net *net)
{
    if (net->naive)
        return net->dacts_naive ? net->dacts_naive + net->slots[0].off : NULL;
    return net->dacts + net->slots[0].doff;
}

void nn_zero_grad(nn_net *net)
{
    memset(net->grads, 0, net->n_floats * sizeof(float));
}

int nn_backward(nn_net *net, const float *dout, int n, mlac_err *err)
{
    if (n < 1 || n > net->max_batch)
        return mlac_errf(err, MLAC_EINVAL, "batch of %d does not fit the planned batch %d", n,
                         net->max_batch);
    if (!net->naive)
        return nn_fast_backward(net, dout, n, err);
    if (!net->dacts_naive && !(net->dacts_naive = aligned_alloc(64, net->acts_len * sizeof(float))))
        return mlac_errf(err, MLAC_ENOMEM, "out of memory for the naive path's gradients");
    for (int i = 0; i < net->n_slots; i++)
        if (net->slots[i].needs_grad)
            memset(DACT(i), 0, slot_len(&net->slots[i], n) * sizeof(float));
    int last = net->ops[net->n_ops - 1].out;
    memcpy(DACT(last), dout, slot_len(&net->slots[last], n) * sizeof(float));
    /* a slot needs a gradient if it is not the input, or the input grad was asked for */
    for (int i = net->n_ops - 1; i >= 0; i--) {
        nn_op *op = &net->ops[i];
        nn_slot *si = &net->slots[op->in], *so = &net->slots[op->out];
        float *din = si->needs_grad ? DACT(op->in) : NULL;
        int hw = si->h * si->w;
        switch (op->kind) {
        case NN_CONV:
            op->g.n = n;
            conv2d_backward_naive(din, GRD(op->p_w), GRD(op->p_b), DACT(op->out), ACT(op->in),
                                  PRM(op->p_w), &op->g);
            break;
        case NN_BN: {
            const float *mean = net->saved + op->saved_off, *rstd = mean + si->c;
            batchnorm_backward(din, GRD(op->p_w), GRD(op->p_b), DACT(op->out), ACT(op->in), mean,
                               rstd, PRM(op->p_w), n, si->c, hw, net->last_train);
            break;
        }
        case NN_RELU:
            relu_backward(DACT(op->in), DACT(op->out), ACT(op->out), slot_len(si, n), op->cap);
            break;
        case NN_MAXPOOL:
            op->g.n = n;
            if (din)
                maxpool_backward(din, DACT(op->out), net->idx + op->idx_off, &op->g);
            break;
        case NN_GAP:
            if (din)
                avgpool_global_backward(din, DACT(op->out), n, si->c, hw);
            break;
        case NN_LINEAR:
            linear_backward(din, GRD(op->p_w), GRD(op->p_b), DACT(op->out), ACT(op->in),
                            PRM(op->p_w), n, si->c * hw, so->c);
            break;
        case NN_DROPOUT:
            if (din)
                dropout_backward(din, DACT(op->out), net->saved + op->saved_off, slot_len(si, n));
            break;
        case NN_ADD:
            if (din)
                nn_axpy(din, DACT(op->out), slot_len(si, n));
            if (net->slots[op->in2].needs_grad)
                nn_axpy(DACT(op->in2), DACT(op->out), slot_len(si, n));
            break;
        }
    }
    return MLAC_OK;
}

int nn_param_find(const nn_net *net, const char *name)
{
    for (int i = 0; i < net->n_params; i++)
        if (strcmp(net->pinfo[i].name, name) == 0)
            return i;
    return -1;
}

size_t nn_trainable_count(const nn_net *net)
{
    size_t t = 0;
    for (int i = 0; i < net->n_params; i++)
        if (net->pinfo[i].trainable)
            t += net->pinfo[i].count;
    return t;
}

double nn_flops_per_sample(const nn_net *net, int train)
{
    double f = 0;
    for (int i = 0; i < net->n_ops; i++) {
        const nn_op *op = &net->ops[i];
        if (op->kind == NN_CONV)
            f += 2.0 * op->g.k * op->g.oh * op->g.ow * (op->g.c / op->g.groups) * op->g.r * op->g.s;
        else if (op->kind == NN_LINEAR)
            f += 2.0 * net->pinfo[op->p_w].count;
    }
    return train ? 3 * f : f;
}

/* fast_op.h — internal to the NN fast path (net_fast.c and the fast_*.c op files): one op's
 * oneDNN state (fast_op), a batch size's plan (nn_fast), the dispatch table row each op kind
 * fills (fast_op_kind: plan, forward, backward kept together in the op's own file, as llm.c keeps
 * X_forward beside X_backward), and the shared oneDNN helpers of fast_dnnl.c.
 *
 * Invariants (see net_fast.c for the whole picture): a slot's layout never changes after
 * nn_net_plan; blocked slots are nChw16c with zero channel padding; in backward the first op to
 * produce a slot's gradient writes it, later ones write net->scratch and add (net->ginit).
 * Accessors are functions, not macros, so no name here means something else in net.c.
 */
#ifndef MLAC_NN_FAST_OP_H
#define MLAC_NN_FAST_OP_H

#include <oneapi/dnnl/dnnl.h>
#include <stddef.h>

#include "core/error.h"
#include "core/rng.h"
#include "nn/net.h"

/* Weight-gradient slices per minibatch: fixed, so the sums never follow the thread count. */
#define NN_WGRAD_SLICES 4

/* A weight-gradient slice's memory objects. */
enum { W_SRC, W_DDST, W_DW, W_DB, W_SP, W_COUNT };

/* An op's memory objects: tensors, weight copies, workspace, the four scratchpads (fwd, bwd,
 * bwd_w, inf), and the folded eval forward's weights, bias and residual input. */
enum { M_SRC, M_DST, M_WP, M_WF, M_WB, M_BIAS, M_DSRC, M_DDST, M_DW, M_DWP, M_DB, M_WS, M_SP0, M_SP1,
       M_SP2, M_SP3, M_WI, M_BI, M_ADD, M_COUNT };

typedef struct fast_op {
    dnnl_primitive_t fwd;     /* conv forward; pool forward training */
    dnnl_primitive_t bwd;     /* conv backward data (lazy); pool backward */
    dnnl_primitive_t bwd_w;   /* conv backward weights, one thread, for a slice of n / ns */
    dnnl_primitive_t r_wf, r_wb, r_dw; /* weight reorders: plain -> fwd, plain -> bwd, dw += */
    dnnl_memory_desc_t md[M_COUNT];
    dnnl_memory_t mem[M_COUNT];
    float *wf, *wb, *dw;      /* blocked weights for forward / backward data, blocked dW */
    void *ws;                 /* pooling workspace */
    int wb_from;              /* backward-data weights: M_WF, M_WP (plain params) or M_WB */
    size_t sp[4];             /* scratchpad bytes of fwd, bwd, bwd_w, inf (bwd_w's per slice) */
    int wino[4];              /* conv fwd, bwd data, bwd weights, inf run Winograd */
    unsigned long wf_pver, wb_pver; /* the parameter versions wf, wb were made from (0: never) */
    /* eval-mode folding (fast_fold.c): a conv absorbs the batch norm reading its output, the
     * ReLU that batch norm fused, and maybe the residual add reading the batch norm's output */
    dnnl_primitive_t inf;     /* conv: forward inference of the folded conv, NULL when unfolded */
    dnnl_primitive_t r_wi;    /* folded plain weights -> inf's layout (NULL: inf takes plain) */
    float *wi, *bi;           /* folded weights in inf's layout (K,) folded bias */
    unsigned long wi_pver, wi_sver; /* versions wi/bi were folded from (0: never) */
    int fold_bn;              /* conv: the batch-norm op folded in (-1: none) */
    int inf_out;              /* conv: the slot inf writes (the batch norm's or the add's output) */
    int inf_add;              /* conv: the slot inf adds before its activation (-1: none) */
    int eval_skip;            /* bn, add: a folded conv does its work in eval mode */
    int ns;                   /* weight-gradient slices of the batch */
    dnnl_memory_desc_t wmd[W_COUNT];                  /* a slice's tensors */
    dnnl_memory_t wmem[NN_WGRAD_SLICES][W_COUNT];     /* per slice */
} fast_op;

/* A network's plan for one batch size; streams are per plan (a plan runs on its caller's
 * thread, the weight-gradient slices each on one thread of the team), the engine is global. */
typedef struct nn_fast {
    nn_net *net;
    int n;                    /* batch size */
    int n_ops;
    dnnl_stream_t stream;
    fast_op *ops;             /* (n_ops,) */
    int ns;                   /* weight-gradient slices (the largest divisor of n <= 4) */
    dnnl_stream_t wstream[NN_WGRAD_SLICES]; /* one per slice */
    float *wdw;               /* (ns, wdw_len) per-slice blocked weight gradients */
    float *wdb;               /* (ns, wdb_len) per-slice bias gradients */
    char *wsp;                /* (ns, wsp_len) per-slice scratchpads */
    size_t wdw_len, wdb_len, wsp_len;
    float *fold_tmp;          /* (largest conv weight count,) plain folded weights before reorder */
    int last_folded;          /* the last forward ran folded (backward must rerun it unfolded) */
    struct nn_fast *next;
} nn_fast;

/* One row of the dispatch table (net_fast.c), indexed by enum nn_op_kind. plan may be NULL
 * (nothing to make); it runs once per batch size n with ns weight-gradient slices. backward gets
 * dy, the op's output gradient (zeroed when no consumer wrote it). */
typedef struct fast_op_kind {
    dnnl_status_t (*plan)(fast_op *o, const nn_net *net, const nn_op *op, int n, int ns);
    int (*forward)(nn_fast *f, fast_op *o, const nn_op *op, int train, rng *r, mlac_err *err);
    int (*backward)(nn_fast *f, fast_op *o, const nn_op *op, float *dy, mlac_err *err);
} fast_op_kind;

/* Folded eval forward of a conv (fast_conv.c): plans o->inf = conv + folded bias, then, when
 * add >= 0, + slot `add` (binary post-op) and ReLU(add_cap); *add_fused says whether oneDNN took
 * that, else the plan has ReLU(cap) only. Caps: < 0 none, 0 ReLU, > 0 ReLU clipped at cap. */
dnnl_status_t fast_conv_plan_inf(fast_op *o, const nn_net *net, const nn_op *op, int n, int add,
                                 float add_cap, float cap, int *add_fused);
/* Runs o->inf with the folded weights o->wi / o->bi (made current by fast_fold_weights). */
int fast_conv_forward_inf(nn_fast *f, fast_op *o, const nn_op *op, mlac_err *err);
/* fast_fold.c: finds what each conv of f can absorb in eval mode and plans it (after every op's
 * own plan), and refolds a conv's weights when the parameters moved since it last did. */
dnnl_status_t fast_fold_plan(nn_fast *f, int *bad);
int fast_fold_weights(nn_fast *f, fast_op *o, const nn_op *op, mlac_err *err);

extern const fast_op_kind fast_conv_kind;    /* fast_conv.c */
extern const fast_op_kind fast_bn_kind;      /* fast_bn.c */
extern const fast_op_kind fast_maxpool_kind; /* fast_pool.c */
extern const fast_op_kind fast_gap_kind;     /* fast_pool.c */
extern const fast_op_kind fast_linear_kind;  /* fast_linear.c */
extern const fast_op_kind fast_relu_kind;    /* fast_eltwise.c */
extern const fast_op_kind fast_dropout_kind; /* fast_eltwise.c */
extern const fast_op_kind fast_add_kind;     /* fast_eltwise.c */

/* ---- slot and parameter access (fast path layout: gradients at slot doff) ------------------ */

static inline float *fast_act(const nn_net *net, int s)
{
    return net->acts + net->slots[s].off;
}
static inline float *fast_dact(const nn_net *net, int s)
{
    return net->dacts + net->slots[s].doff;
}
static inline float *fast_param(const nn_net *net, int i) /* parameter i exists */
{
    return net->params + net->pinfo[i].off;
}
static inline float *fast_grad(const nn_net *net, int i) /* parameter i exists */
{
    return net->grads + net->pinfo[i].off;
}
static inline size_t fast_len(const nn_net *net, int s, int n) /* floats of slot s, batch n */
{
    return (size_t)n * net->slots[s].len;
}

/* Where an op writes slot s's gradient: the slot itself the first time (*add = 0), else the
 * scratch buffer, to be added afterwards (*add = 1). */
float *fast_grad_dst(nn_net *net, int s, int *add);
/* For kernels that add into their gradient: zero the slot first if nothing wrote it yet. */
float *fast_grad_acc(nn_net *net, int s, int n);

/* ---- oneDNN (fast_dnnl.c): the process's one CPU engine and shared helpers ----------------- */

/* The engine (created once, thread-safe); NULL with err filled when oneDNN has none. */
dnnl_engine_t fast_engine(mlac_err *err);
/* The primitive attribute asking for a user-managed scratchpad (valid once fast_engine is). */
const_dnnl_primitive_attr_t fast_scratchpad_attr(void);

dnnl_status_t fast_act_md(dnnl_memory_desc_t *md, const nn_slot *s, int n);
dnnl_status_t fast_vec_md(dnnl_memory_desc_t *md, int c);
dnnl_status_t fast_any_md(dnnl_memory_desc_t *md, int nd, const dnnl_dims_t d);
const dnnl_memory_desc_t *fast_query_md(const_dnnl_primitive_desc_t pd, dnnl_query_t what);
void *fast_alloc_md(const dnnl_memory_desc_t *md); /* 64-byte aligned, its size rounded up */
/* oneDNN strides and paddings of a convolution or pooling geometry (PyTorch's output size). */
void fast_pads(const nn_conv_geom *g, dnnl_dims_t strides, dnnl_dims_t pl, dnnl_dims_t pr);
/* Reorder primitive a -> b, adding into b when `sum` is set. */
dnnl_status_t fast_make_reorder(dnnl_primitive_t *out, const dnnl_memory_desc_t *a,
                                const dnnl_memory_desc_t *b, int sum);
/* Records the scratchpad a primitive needs (k: 0 fwd, 1 bwd, 2 bwd_w, 3 inf) after creating it. */
void fast_note_scratchpad(fast_op *o, int k, const_dnnl_primitive_desc_t pd);
/* Grows the network's scratchpad to fit o's fwd, bwd and inf primitives (-1: out of memory). */
int fast_grow_scratch(nn_net *net, const fast_op *o);

/* An execution argument: oneDNN argument, o's memory-object slot, data pointer. */
typedef struct fast_arg {
    int dnnl_arg, m;
    void *ptr;
} fast_arg;

/* Runs prim (one of o's) on f's stream with args a (at most 8) and its scratchpad. */
int fast_exec(nn_fast *f, fast_op *o, dnnl_primitive_t prim, const fast_arg *a, int na,
              mlac_err *err);
/* A reorder between two memory-object slots of o (which must differ). */
int fast_reorder(nn_fast *f, fast_op *o, dnnl_primitive_t prim, int ms, void *src, int md,
                 void *dst, mlac_err *err);

#define FAST_TRY(x)                     \
    do {                                \
        if ((st = (x)) != dnnl_success) \
            goto out;                   \
    } while (0)

#endif

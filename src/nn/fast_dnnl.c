/* fast_dnnl.c — what every op of the NN fast path shares on oneDNN 2.6: the process's one CPU
 * engine and scratchpad attribute (made once, thread-safe), memory descriptors, reorders,
 * executing a primitive with an op's memory objects, and the gradient-slot bookkeeping.
 *
 * Memory objects are created on an op's first execution and only have their data handles moved
 * afterwards; scratchpads are user-managed, one buffer per network (net->dnnl_scratch).
 */
#include "nn/fast_op.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static dnnl_engine_t engine;
static dnnl_status_t engine_status = dnnl_runtime_error;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static dnnl_primitive_attr_t sp_attr; /* user-managed scratchpad: one buffer per network */

static void engine_init(void)
{
    engine_status = dnnl_engine_create(&engine, dnnl_cpu, 0);
    if (engine_status == dnnl_success)
        engine_status = dnnl_primitive_attr_create(&sp_attr);
    if (engine_status == dnnl_success)
        engine_status = dnnl_primitive_attr_set_scratchpad_mode(sp_attr, dnnl_scratchpad_mode_user);
}

dnnl_engine_t fast_engine(mlac_err *err)
{
    pthread_once(&engine_once, engine_init);
    if (engine_status != dnnl_success) {
        mlac_errf(err, MLAC_EUNAVAIL, "cannot create the oneDNN cpu engine (status %d)",
                  (int)engine_status);
        return NULL;
    }
    return engine;
}

const_dnnl_primitive_attr_t fast_scratchpad_attr(void)
{
    return sp_attr;
}

/* ---- descriptors ------------------------------------------------------------------------- */

dnnl_status_t fast_act_md(dnnl_memory_desc_t *md, const nn_slot *s, int n)
{
    dnnl_dims_t d = {n, s->c, s->h, s->w};
    return dnnl_memory_desc_init_by_tag(md, 4, d, dnnl_f32, s->blocked ? dnnl_nChw16c : dnnl_nchw);
}

dnnl_status_t fast_vec_md(dnnl_memory_desc_t *md, int c)
{
    dnnl_dims_t d = {c};
    return dnnl_memory_desc_init_by_tag(md, 1, d, dnnl_f32, dnnl_x);
}

dnnl_status_t fast_any_md(dnnl_memory_desc_t *md, int nd, const dnnl_dims_t d)
{
    return dnnl_memory_desc_init_by_tag(md, nd, d, dnnl_f32, dnnl_format_tag_any);
}

const dnnl_memory_desc_t *fast_query_md(const_dnnl_primitive_desc_t pd, dnnl_query_t what)
{
    return dnnl_primitive_desc_query_md(pd, what, 0);
}

void *fast_alloc_md(const dnnl_memory_desc_t *md)
{
    size_t sz = dnnl_memory_desc_get_size(md);
    return aligned_alloc(64, (sz + 63) & ~(size_t)63);
}

void fast_pads(const nn_conv_geom *g, dnnl_dims_t strides, dnnl_dims_t pl, dnnl_dims_t pr)
{
    strides[0] = strides[1] = g->stride;
    pl[0] = pl[1] = g->pad;
    /* oneDNN's right padding: whatever makes the output size come out as PyTorch's */
    pr[0] = (g->oh - 1) * g->stride + g->r - g->h - g->pad;
    pr[1] = (g->ow - 1) * g->stride + g->s - g->w - g->pad;
}

dnnl_status_t fast_make_reorder(dnnl_primitive_t *out, const dnnl_memory_desc_t *a,
                                const dnnl_memory_desc_t *b, int sum)
{
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t st = dnnl_success;
    if (sum) {
        if ((st = dnnl_primitive_attr_create(&attr)) || (st = dnnl_post_ops_create(&po)) ||
            (st = dnnl_post_ops_append_sum(po, 1.0f)) ||
            (st = dnnl_primitive_attr_set_post_ops(attr, po)))
            goto out;
    }
    if ((st = dnnl_reorder_primitive_desc_create(&pd, a, engine, b, engine, attr)))
        goto out;
    st = dnnl_primitive_create(out, pd);
out:
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (po)
        dnnl_post_ops_destroy(po);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    return st;
}

/* ---- scratchpads ------------------------------------------------------------------------- */

void fast_note_scratchpad(fast_op *o, int k, const_dnnl_primitive_desc_t pd)
{
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    o->sp[k] = md ? dnnl_memory_desc_get_size(md) : 0;
    if (md && o->sp[k])
        o->md[M_SP0 + k] = *md;
}

int fast_grow_scratch(nn_net *net, const fast_op *o)
{
    for (int k = 0; k < 4; k++) /* bwd_w (k = 2): per-slice scratchpads (nn_fast.wsp) */
        if (k != 2 && o->sp[k] > net->dnnl_scratch_len) {
            size_t len = (o->sp[k] + 4095) & ~(size_t)4095;
            void *p = aligned_alloc(64, len);
            if (!p)
                return -1;
            free(net->dnnl_scratch);
            net->dnnl_scratch = p;
            net->dnnl_scratch_len = len;
        }
    return 0;
}

/* ---- execution --------------------------------------------------------------------------- */

int fast_exec(nn_fast *f, fast_op *o, dnnl_primitive_t prim, const fast_arg *a, int na,
              mlac_err *err)
{
    dnnl_exec_arg_t ea[9];
    dnnl_status_t st = dnnl_success;
    int k = prim == o->fwd ? 0 : prim == o->bwd ? 1 : prim == o->bwd_w ? 2 : prim == o->inf ? 3
                                                                                         : -1;
    fast_arg all[9];
    memcpy(all, a, (size_t)na * sizeof *a);
    if (k >= 0 && o->sp[k])
        all[na++] = (fast_arg){DNNL_ARG_SCRATCHPAD, M_SP0 + k, f->net->dnnl_scratch};
    for (int i = 0; i < na && st == dnnl_success; i++) {
        int m = all[i].m;
        if (!o->mem[m])
            st = dnnl_memory_create(&o->mem[m], &o->md[m], engine, all[i].ptr);
        else
            st = dnnl_memory_set_data_handle(o->mem[m], all[i].ptr);
        ea[i].arg = all[i].dnnl_arg, ea[i].memory = o->mem[m];
    }
    if (st == dnnl_success)
        st = dnnl_primitive_execute(prim, f->stream, na, ea);
    if (st == dnnl_success)
        st = dnnl_stream_wait(f->stream);
    if (st != dnnl_success)
        return mlac_errf(err, MLAC_EINTERNAL, "oneDNN primitive failed: status %d", (int)st);
    return MLAC_OK;
}

int fast_reorder(nn_fast *f, fast_op *o, dnnl_primitive_t prim, int ms, void *src, int md,
                 void *dst, mlac_err *err)
{
    fast_arg a[] = {{DNNL_ARG_FROM, ms, src}, {DNNL_ARG_TO, md, dst}};
    return fast_exec(f, o, prim, a, 2, err);
}

/* ---- gradient slots ---------------------------------------------------------------------- */

float *fast_grad_dst(nn_net *net, int s, int *add)
{
    if (!net->ginit[s]) {
        net->ginit[s] = 1;
        *add = 0;
        return fast_dact(net, s);
    }
    *add = 1;
    return net->scratch;
}

float *fast_grad_acc(nn_net *net, int s, int n)
{
    if (!net->ginit[s]) {
        net->ginit[s] = 1;
        memset(fast_dact(net, s), 0, fast_len(net, s, n) * sizeof(float));
    }
    return fast_dact(net, s);
}

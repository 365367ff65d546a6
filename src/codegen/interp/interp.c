/*
 * The interpreter: runs the IR directly. It is the portable backend and the oracle every other
 * backend is tested against, so it is written for obviousness: one switch per instruction, values
 * in an array indexed like the instructions. The value array is allocated at compile time (a
 * function runs on one thread at a time), so running allocates nothing.
 */
#include "base/alloc.h"
#include "ir/ir.h"

#include <math.h>
#include <string.h>

/* A call site prepared once: where each pointer argument comes from. */
enum { PTR_DSP, PTR_STATE, PTR_RV };
typedef struct interp_call {
    void (*fn)(void);
    uint8_t ptr_kind[3];
    uint8_t nptr;
    bool ret;
    uint32_t state;
} interp_call;

typedef struct interp_prog {
    sj_ir_func ir;
    interp_call *calls;
    double *vals;
} interp_prog;

/* Enters block `to` from block `from`: evaluates its phis for that edge. */
static uint32_t enter(const sj_ir_func *f, double *v, uint32_t from, uint32_t to)
{
    const sj_ir_block *blk = &f->blocks[to];
    uint32_t k = blk->npreds > 1 && blk->preds[1] == from ? 1 : 0;
    uint32_t i = blk->start;
    for (; i < blk->end && f->insts[i].op == SJ_IR_PHI; i++)
        v[i] = v[f->args[f->insts[i].a + k]];
    return i;
}

static void interp_kernel(sj_env *env, size_t n)
{
    const interp_prog *p = env->code;
    const sj_ir_func *f = &p->ir;
    const sj_ir_inst *ins = f->insts;
    double *v = p->vals;
    for (size_t frame = 0; frame < n; frame++) {
        uint32_t b = 0, i = 0;
        for (;;) {
            const sj_ir_inst *in = &ins[i];
            switch ((sj_ir_op)in->op) {
            case SJ_IR_NOP: break;
            case SJ_IR_CONST: v[i] = in->k; break;
            case SJ_IR_PARAM: v[i] = env->in[in->slot][frame]; break;
            case SJ_IR_SIG_IN: v[i] = env->in[6 + in->slot][frame]; break;
            case SJ_IR_AUX: v[i] = env->aux[in->slot]; break;
            case SJ_IR_PV_LOAD: v[i] = env->pv[in->slot]; break;
            case SJ_IR_PV_STORE: env->pv[in->slot] = v[in->a]; break;
            case SJ_IR_OUT_STORE: env->out[in->slot][frame] = v[in->a]; break;
            case SJ_IR_RV_ZERO: memset(env->rv, 0, sizeof env->rv); break;
            case SJ_IR_RV_LOAD: v[i] = env->rv[in->slot]; break;
            case SJ_IR_ADD: v[i] = v[in->a] + v[in->b]; break;
            case SJ_IR_SUB: v[i] = v[in->a] - v[in->b]; break;
            case SJ_IR_MUL: v[i] = v[in->a] * v[in->b]; break;
            case SJ_IR_DIV: v[i] = v[in->a] / v[in->b]; break;
            case SJ_IR_EQ: v[i] = v[in->a] == v[in->b] ? 1.0 : 0.0; break;
            case SJ_IR_NE: v[i] = !(v[in->a] == v[in->b]) ? 1.0 : 0.0; break;
            case SJ_IR_LT: v[i] = v[in->a] < v[in->b] ? 1.0 : 0.0; break;
            case SJ_IR_LE: v[i] = v[in->a] <= v[in->b] ? 1.0 : 0.0; break;
            case SJ_IR_GT: v[i] = v[in->a] > v[in->b] ? 1.0 : 0.0; break;
            case SJ_IR_GE: v[i] = v[in->a] >= v[in->b] ? 1.0 : 0.0; break;
            case SJ_IR_FLOOR: v[i] = floor(v[in->a]); break;
            case SJ_IR_CEIL: v[i] = ceil(v[in->a]); break;
            case SJ_IR_ABS: v[i] = fabs(v[in->a]); break;
            case SJ_IR_SQRT: v[i] = sqrt(v[in->a]); break;
            case SJ_IR_MIN: v[i] = v[in->a] < v[in->b] ? v[in->a] : v[in->b]; break;
            case SJ_IR_MAX: v[i] = v[in->a] > v[in->b] ? v[in->a] : v[in->b]; break;
            case SJ_IR_BUF_LEN: v[i] = (double)env->buf_lens[in->slot]; break;
            case SJ_IR_TAB_LEN: v[i] = (double)env->table_lens[in->slot]; break;
            case SJ_IR_BUF_READ:
                v[i] = env->bufs[in->slot][sj_wrap_index(v[in->a], env->buf_lens[in->slot])];
                break;
            case SJ_IR_BUF_READ_LIN:
                v[i] = sj__read_lin_f64(env->bufs[in->slot], env->buf_lens[in->slot], v[in->a]);
                break;
            case SJ_IR_BUF_WRITE:
                env->bufs[in->slot][sj_wrap_index(v[in->a], env->buf_lens[in->slot])] = v[in->b];
                break;
            case SJ_IR_TAB_READ:
                v[i] = (double)env->tables[in->slot][sj_wrap_index(v[in->a], env->table_lens[in->slot])];
                break;
            case SJ_IR_TAB_READ_LIN:
                v[i] = sj__read_lin_f32(env->tables[in->slot], env->table_lens[in->slot], v[in->a]);
                break;
            case SJ_IR_CALL: {
                const interp_call *c = &p->calls[in->c];
                void *ptr[3] = {NULL, NULL, NULL};
                for (uint8_t k = 0; k < c->nptr; k++)
                    ptr[k] = c->ptr_kind[k] == PTR_DSP     ? (void *)env->dsp
                             : c->ptr_kind[k] == PTR_STATE ? env->states[c->state]
                                                           : (void *)env->rv;
                double args[8] = {0};
                for (uint32_t k = 0; k < in->b; k++)
                    args[k] = v[f->args[in->a + k]];
                double r = sj__call_node_raw(c->fn, ptr[0], ptr[1], ptr[2], args);
                v[i] = c->ret ? r : 0.0;
                break;
            }
            case SJ_IR_PHI: break; /* evaluated on entry to the block */
            case SJ_IR_JMP:
                i = enter(f, v, b, in->b);
                b = in->b;
                continue;
            case SJ_IR_BR: {
                uint32_t to = v[in->a] != 0.0 ? in->b : in->c;
                i = enter(f, v, b, to);
                b = to;
                continue;
            }
            case SJ_IR_RET: env->out[2][frame] = v[in->a]; goto next_frame;
            case SJ_IR_OP_COUNT: break;
            }
            i++;
        }
    next_frame:;
    }
}

static void interp_free(sj_code *code)
{
    interp_prog *p = code->impl;
    if (!p)
        return;
    sj__ir_fini(&p->ir);
    sj__free(p->calls);
    sj__free(p->vals);
    sj__free(p);
    code->impl = NULL;
}

sj_status sj__interp_compile(const sj_ir_func *ir, sj_code *out)
{
    memset(out, 0, sizeof *out);
    interp_prog *p = sj__calloc(1, sizeof *p);
    if (!p)
        return SJ_ERR_NOMEM;
    out->impl = p;
    out->free = interp_free;
    if (sj__ir_copy(&p->ir, ir)) {
        sj__free(p);
        out->impl = NULL;
        return SJ_ERR_NOMEM;
    }
    p->vals = sj__calloc(ir->ninsts ? ir->ninsts : 1, sizeof *p->vals);
    p->calls = sj__calloc(ir->ncalls ? ir->ncalls : 1, sizeof *p->calls);
    if (!p->vals || !p->calls) {
        interp_free(out);
        return SJ_ERR_NOMEM;
    }
    for (uint32_t c = 0; c < ir->ncalls; c++) {
        interp_call *ic = &p->calls[c];
        ic->fn = ir->calls[c].type->fn;
        ic->state = ir->calls[c].state;
        for (const char *s = ir->calls[c].type->signature; *s; s++) {
            if (*s == 'D')
                ic->ptr_kind[ic->nptr++] = PTR_DSP;
            else if (*s == 'S')
                ic->ptr_kind[ic->nptr++] = PTR_STATE;
            else if (*s == 'M')
                ic->ptr_kind[ic->nptr++] = PTR_RV;
            else if (*s == 'r')
                ic->ret = true;
        }
    }
    out->kernel = interp_kernel;
    out->data = p;
    return SJ_OK;
}

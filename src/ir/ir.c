/*
 * IR utilities: the op table, construction storage, verifier, text dump, and the passes (constant
 * folding, dead-code elimination, compaction).
 */
#include "ir/ir.h"
#include "base/alloc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const sj_ir_op_info sj__ir_op_info[SJ_IR_OP_COUNT] = {
#define SJ__IR_INFO(name, n, flags) {#name, n, flags},
    SJ_IR_OPS(SJ__IR_INFO)
#undef SJ__IR_INFO
};

void sj__ir_init(sj_ir_func *f)
{
    memset(f, 0, sizeof *f);
}

void sj__ir_fini(sj_ir_func *f)
{
    sj__free(f->insts);
    sj__free(f->blocks);
    sj__free(f->args);
    sj__free(f->calls);
    sj__ir_init(f);
}

static void *dup_array(const void *src, size_t n, size_t elem, bool *ok)
{
    if (!n)
        return NULL;
    void *d = sj__malloc(n * elem);
    if (!d)
        *ok = false;
    else
        memcpy(d, src, n * elem);
    return d;
}

sj_status sj__ir_copy(sj_ir_func *dst, const sj_ir_func *src)
{
    bool ok = true;
    *dst = *src;
    dst->insts = dup_array(src->insts, src->ninsts, sizeof *src->insts, &ok);
    dst->blocks = dup_array(src->blocks, src->nblocks, sizeof *src->blocks, &ok);
    dst->args = dup_array(src->args, src->nargs, sizeof *src->args, &ok);
    dst->calls = dup_array(src->calls, src->ncalls, sizeof *src->calls, &ok);
    dst->insts_cap = dst->ninsts;
    dst->blocks_cap = dst->nblocks;
    dst->args_cap = dst->nargs;
    dst->calls_cap = dst->ncalls;
    if (!ok) {
        sj__ir_fini(dst);
        return SJ_ERR_NOMEM;
    }
    return SJ_OK;
}

/* ---- verifier ---- */

static bool is_value(const sj_ir_func *f, uint32_t v)
{
    return v < f->ninsts && (sj__ir_op_info[f->insts[v].op].flags & SJ_IRF_VALUE);
}

sj_status sj__ir_verify(const sj_ir_func *f, char *msg, size_t msgsize)
{
#define FAIL(...)                                                                                                  \
    do {                                                                                                           \
        if (msg)                                                                                                   \
            snprintf(msg, msgsize, __VA_ARGS__);                                                                   \
        return SJ_ERR_INTERNAL;                                                                                    \
    } while (0)
    if (!f->nblocks)
        FAIL("no blocks");
    uint32_t expect = 0;
    for (uint32_t b = 0; b < f->nblocks; b++) {
        const sj_ir_block *blk = &f->blocks[b];
        if (blk->start != expect || blk->end <= blk->start || blk->end > f->ninsts)
            FAIL("block %u: bad range [%u, %u)", b, blk->start, blk->end);
        expect = blk->end;
        if (blk->npreds > 2 || (b == 0 && blk->npreds != 0) || (b > 0 && blk->npreds == 0))
            FAIL("block %u: %u predecessors", b, blk->npreds);
        for (uint32_t p = 0; p < blk->npreds; p++)
            if (blk->preds[p] >= b)
                FAIL("block %u: predecessor %u is not earlier", b, blk->preds[p]);
        bool phis_done = false;
        for (uint32_t i = blk->start; i < blk->end; i++) {
            const sj_ir_inst *in = &f->insts[i];
            if (in->op >= SJ_IR_OP_COUNT)
                FAIL("inst %u: bad op", i);
            const sj_ir_op_info *info = &sj__ir_op_info[in->op];
            bool last = i + 1 == blk->end;
            if (!!(info->flags & SJ_IRF_TERM) != last)
                FAIL("inst %u (%s): terminators must end blocks, and only them", i, info->name);
            if (in->op == SJ_IR_PHI) {
                if (phis_done)
                    FAIL("inst %u: phi after other instructions", i);
                if (in->b != blk->npreds || (uint64_t)in->a + in->b > f->nargs)
                    FAIL("inst %u: phi needs one argument per predecessor", i);
                for (uint32_t k = 0; k < in->b; k++) {
                    uint32_t v = f->args[in->a + k];
                    if (!is_value(f, v) || v >= f->blocks[blk->preds[k]].end)
                        FAIL("inst %u: phi argument %u is not a value available in predecessor", i, v);
                }
                continue;
            }
            if (in->op != SJ_IR_NOP)
                phis_done = true;
            if (in->op == SJ_IR_CALL) {
                if ((uint64_t)in->a + in->b > f->nargs || in->c >= f->ncalls)
                    FAIL("inst %u: bad call", i);
                const sj_ir_call *call = &f->calls[in->c];
                if (in->b != sj_node_type_arg_count(call->type))
                    FAIL("inst %u: call of '%s' with %u arguments", i, call->type->name, in->b);
                if (sj_node_type_is_stateful(call->type) && call->state >= f->nstates)
                    FAIL("inst %u: bad state index", i);
                for (uint32_t k = 0; k < in->b; k++)
                    if (!is_value(f, f->args[in->a + k]) || f->args[in->a + k] >= i)
                        FAIL("inst %u: call argument is not an earlier value", i);
                continue;
            }
            int nops = info->nargs;
            if (in->op == SJ_IR_JMP || in->op == SJ_IR_BR) {
                uint32_t t1 = in->b, t2 = in->op == SJ_IR_BR ? in->c : in->b;
                if (t1 <= b || t1 >= f->nblocks || t2 <= b || t2 >= f->nblocks)
                    FAIL("inst %u: branch target out of range", i);
            }
            uint32_t ops[2] = {in->a, in->b};
            for (int k = 0; k < nops && k < 2; k++)
                if (!is_value(f, ops[k]) || ops[k] >= i)
                    FAIL("inst %u (%s): operand %d is not an earlier value", i, info->name, k);
            if ((in->op == SJ_IR_PV_LOAD || in->op == SJ_IR_PV_STORE) && in->slot >= f->npv)
                FAIL("inst %u: pv slot out of range", i);
            if ((in->op == SJ_IR_PARAM && in->slot >= 6) || (in->op == SJ_IR_SIG_IN && in->slot >= 2) ||
                (in->op == SJ_IR_AUX && in->slot >= 3) || (in->op == SJ_IR_OUT_STORE && in->slot >= 3) ||
                (in->op == SJ_IR_RV_LOAD && in->slot >= 5))
                FAIL("inst %u: slot out of range", i);
            if ((in->op >= SJ_IR_BUF_LEN && in->op <= SJ_IR_TAB_READ_LIN) &&
                in->slot >= (in->op == SJ_IR_TAB_LEN || in->op == SJ_IR_TAB_READ || in->op == SJ_IR_TAB_READ_LIN
                                 ? SJ_TABLE_COUNT
                                 : SJ_BUFFER_COUNT))
                FAIL("inst %u: buffer/table index out of range", i);
        }
        /* Dominance of operands within structured code: an operand defined in an earlier block must
         * be in a block that dominates this one. The lowering only produces that; the cheap check
         * above (defined earlier) plus phis at merges is what the backends rely on. */
    }
    if (expect != f->ninsts)
        FAIL("instructions after the last block");
    if (f->insts[f->ninsts - 1].op != SJ_IR_RET)
        FAIL("the last block must end with RET");
    return SJ_OK;
#undef FAIL
}

/* ---- text ---- */

char *sj__ir_to_text(const sj_ir_func *f)
{
    sj_sb sb;
    sj__sb_init(&sb);
    sj__sb_printf(&sb, "fn frame(pv: %u, states: %u) {\n", f->npv, f->nstates);
    for (uint32_t b = 0; b < f->nblocks; b++) {
        const sj_ir_block *blk = &f->blocks[b];
        sj__sb_printf(&sb, "b%u:", b);
        if (blk->npreds)
            sj__sb_printf(&sb, "  ; preds b%u%s", blk->preds[0], blk->npreds > 1 ? "," : "");
        if (blk->npreds > 1)
            sj__sb_printf(&sb, " b%u", blk->preds[1]);
        sj__sb_append(&sb, "\n");
        for (uint32_t i = blk->start; i < blk->end; i++) {
            const sj_ir_inst *in = &f->insts[i];
            if (in->op == SJ_IR_NOP)
                continue;
            const sj_ir_op_info *info = &sj__ir_op_info[in->op];
            if (info->flags & SJ_IRF_VALUE)
                sj__sb_printf(&sb, "  v%u = %s", i, info->name);
            else
                sj__sb_printf(&sb, "  %s", info->name);
            switch (in->op) {
            case SJ_IR_CONST: sj__sb_printf(&sb, " %.17g", in->k); break;
            case SJ_IR_PARAM: {
                static const char *names[] = {"in1", "in2", "alpha", "beta", "delta", "gamma"};
                sj__sb_printf(&sb, " %s", names[in->slot % 6]);
                break;
            }
            case SJ_IR_SIG_IN: sj__sb_printf(&sb, " &sig%u", in->slot + 1); break;
            case SJ_IR_AUX: {
                static const char *names[] = {"$srate", "$israte", "$reset"};
                sj__sb_printf(&sb, " %s", names[in->slot % 3]);
                break;
            }
            case SJ_IR_PV_LOAD: sj__sb_printf(&sb, " pv%u", in->slot); break;
            case SJ_IR_PV_STORE: sj__sb_printf(&sb, " pv%u, v%u", in->slot, in->a); break;
            case SJ_IR_OUT_STORE: {
                static const char *names[] = {"&sig1", "&sig2", "ret"};
                sj__sb_printf(&sb, " %s, v%u", names[in->slot % 3], in->a);
                break;
            }
            case SJ_IR_RV_LOAD: sj__sb_printf(&sb, " %%%u", in->slot + 1); break;
            case SJ_IR_BUF_LEN:
            case SJ_IR_TAB_LEN: sj__sb_printf(&sb, " [%u]", in->slot); break;
            case SJ_IR_BUF_READ:
            case SJ_IR_BUF_READ_LIN:
            case SJ_IR_TAB_READ:
            case SJ_IR_TAB_READ_LIN: sj__sb_printf(&sb, " [%u], v%u", in->slot, in->a); break;
            case SJ_IR_BUF_WRITE: sj__sb_printf(&sb, " [%u], v%u, v%u", in->slot, in->a, in->b); break;
            case SJ_IR_CALL:
            case SJ_IR_PHI:
                if (in->op == SJ_IR_CALL) {
                    const sj_ir_call *c = &f->calls[in->c];
                    sj__sb_printf(&sb, " %s", c->type->name);
                    if (c->state != SJ_IR_NONE)
                        sj__sb_printf(&sb, " state%u", c->state);
                }
                sj__sb_append(&sb, " (");
                for (uint32_t k = 0; k < in->b; k++)
                    sj__sb_printf(&sb, "%sv%u", k ? ", " : "", f->args[in->a + k]);
                sj__sb_append(&sb, ")");
                break;
            case SJ_IR_JMP: sj__sb_printf(&sb, " b%u", in->b); break;
            case SJ_IR_BR: sj__sb_printf(&sb, " v%u, b%u, b%u", in->a, in->b, in->c); break;
            default:
                if (info->nargs >= 1)
                    sj__sb_printf(&sb, " v%u", in->a);
                if (info->nargs >= 2)
                    sj__sb_printf(&sb, ", v%u", in->b);
                break;
            }
            sj__sb_append(&sb, "\n");
        }
    }
    sj__sb_append(&sb, "}\n");
    return sj__sb_finish(&sb);
}

/* ---- constant folding ---- */

/* The value of a pure op on constant operands, computed as every backend computes it. */
static double eval_pure(int op, double a, double b)
{
    switch (op) {
    case SJ_IR_ADD: return a + b;
    case SJ_IR_SUB: return a - b;
    case SJ_IR_MUL: return a * b;
    case SJ_IR_DIV: return a / b;
    case SJ_IR_EQ: return a == b ? 1.0 : 0.0;
    case SJ_IR_NE: return !(a == b) ? 1.0 : 0.0;
    case SJ_IR_LT: return a < b ? 1.0 : 0.0;
    case SJ_IR_LE: return a <= b ? 1.0 : 0.0;
    case SJ_IR_GT: return a > b ? 1.0 : 0.0;
    case SJ_IR_GE: return a >= b ? 1.0 : 0.0;
    case SJ_IR_FLOOR: return floor(a);
    case SJ_IR_CEIL: return ceil(a);
    case SJ_IR_ABS: return fabs(a);
    case SJ_IR_SQRT: return sqrt(a);
    case SJ_IR_MIN: return a < b ? a : b;
    case SJ_IR_MAX: return a > b ? a : b;
    default: return 0.0;
    }
}

void sj__ir_fold(sj_ir_func *f)
{
    for (uint32_t i = 0; i < f->ninsts; i++) {
        sj_ir_inst *in = &f->insts[i];
        const sj_ir_op_info *info = &sj__ir_op_info[in->op];
        if (!(info->flags & SJ_IRF_PURE) || in->op == SJ_IR_CONST || in->op == SJ_IR_PHI || info->nargs < 1)
            continue;
        if (f->insts[in->a].op != SJ_IR_CONST || (info->nargs == 2 && f->insts[in->b].op != SJ_IR_CONST))
            continue;
        double a = f->insts[in->a].k, b = info->nargs == 2 ? f->insts[in->b].k : 0.0;
        double k = eval_pure(in->op, a, b);
        *in = (sj_ir_inst){.op = SJ_IR_CONST, .k = k};
    }
    /* A branch on a constant could drop a block; the structured layout keeps both arms instead,
     * which costs nothing at run time beyond the untaken code's size. */
}

/* ---- dead-code elimination ---- */

void sj__ir_dce(sj_ir_func *f)
{
    if (!f->ninsts)
        return;
    bool *live = sj__calloc(f->ninsts, sizeof *live);
    uint32_t *work = sj__malloc(f->ninsts * sizeof *work);
    if (!live || !work) {
        /* Without memory the pass simply does nothing: the IR stays correct. */
        sj__free(live);
        sj__free(work);
        return;
    }
    uint32_t nwork = 0;
    bool rv_read = false;
    for (uint32_t i = 0; i < f->ninsts; i++) {
        unsigned fl = sj__ir_op_info[f->insts[i].op].flags;
        if ((fl & (SJ_IRF_EFFECT | SJ_IRF_TERM)) && f->insts[i].op != SJ_IR_RV_ZERO) {
            live[i] = true;
            work[nwork++] = i;
        }
    }
    while (nwork) {
        uint32_t i = work[--nwork];
        const sj_ir_inst *in = &f->insts[i];
        uint32_t ops[64];
        uint32_t nops = 0;
        if (in->op == SJ_IR_CALL || in->op == SJ_IR_PHI) {
            for (uint32_t k = 0; k < in->b; k++) {
                uint32_t v = f->args[in->a + k];
                if (!live[v]) {
                    live[v] = true;
                    work[nwork++] = v;
                }
            }
        } else {
            int n = sj__ir_op_info[in->op].nargs;
            if (in->op == SJ_IR_JMP)
                n = 0;
            if (n >= 1)
                ops[nops++] = in->a;
            if (n >= 2)
                ops[nops++] = in->b;
        }
        if (in->op == SJ_IR_RV_LOAD)
            rv_read = true;
        for (uint32_t k = 0; k < nops; k++) {
            if (!live[ops[k]]) {
                live[ops[k]] = true;
                work[nwork++] = ops[k];
            }
        }
    }
    for (uint32_t i = 0; i < f->ninsts; i++) {
        /* RV_ZERO matters only when something reads the slots. */
        if (f->insts[i].op == SJ_IR_RV_ZERO && rv_read)
            continue;
        if (!live[i])
            f->insts[i].op = SJ_IR_NOP;
    }
    sj__free(live);
    sj__free(work);
}

sj_status sj__ir_compact(sj_ir_func *f)
{
    uint32_t *map = sj__malloc((f->ninsts ? f->ninsts : 1) * sizeof *map);
    if (!map)
        return SJ_ERR_NOMEM;
    uint32_t n = 0;
    for (uint32_t b = 0; b < f->nblocks; b++) {
        sj_ir_block *blk = &f->blocks[b];
        uint32_t start = n;
        for (uint32_t i = blk->start; i < blk->end; i++) {
            map[i] = n;
            if (f->insts[i].op != SJ_IR_NOP)
                f->insts[n++] = f->insts[i];
        }
        blk->start = start;
        blk->end = n;
    }
    f->ninsts = n;
    for (uint32_t i = 0; i < n; i++) {
        sj_ir_inst *in = &f->insts[i];
        const sj_ir_op_info *info = &sj__ir_op_info[in->op];
        if (in->op == SJ_IR_CALL || in->op == SJ_IR_PHI)
            continue;
        if (in->op == SJ_IR_JMP)
            continue;
        if (info->nargs >= 1)
            in->a = map[in->a];
        if (info->nargs >= 2)
            in->b = map[in->b];
    }
    for (uint32_t k = 0; k < f->nargs; k++)
        f->args[k] = map[f->args[k]];
    sj__free(map);
    return SJ_OK;
}

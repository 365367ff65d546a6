/*
 * Export to C: a program as one standalone C11 file with its state struct, an init function and a
 * process function running n frames, written from the optimized IR (the same IR the backends run).
 *
 * Semantics are the library's: the index rule (sj_wrap_index) and linear reads are emitted as static
 * functions with the same code, comparisons give 1.0/0.0, MIN/MAX are a<b?a:b / a>b?a:b. Built
 * without FMA contraction (-std=c11, or -ffp-contract=off) the results equal the interpreter's.
 *
 * Node calls: the nodes the compiler inlines as IR operations (floor, ceil, abs, sqrt, min, max and
 * the comparisons eq, ne, lt, le, gt, ge) are those operations here too. The other math nodes of
 * the standard library and the reference's sin, accum, phase, /%, s&h, s&h~ (recognised by their
 * function pointer, so a replaced node is never mistaken for them) are written out in C (see
 * builtins[]). Any other node is called through a pointer in the state
 * struct (node_fn[k]), which the host sets, for example from sj_library_find(lib, name)->fn or with
 * the generated PREFIX_bind; its state lives inline in the struct and is reset by node_reset[k]
 * when set (else zeroed). The file lists those nodes in its first comment.
 *
 * Persistent variables are copied into locals for the duration of a process call (so a C compiler
 * keeps them in registers) and written back at the end.
 */
#include "base/alloc.h"
#include "ir/ir.h"
#include "ir/lower.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct xstate {
    const sj_node_type *type;
    uint64_t uid;
} xstate;

typedef struct xb {
    char **pv_names;
    uint32_t npv, pv_cap;
    xstate *states;
    uint32_t nstates, states_cap;
    size_t declared[SJ_BUFFER_COUNT];
    bool used[SJ_BUFFER_COUNT];
    bool oom;
} xb;

static sj_status h_pv(void *user, const char *name, uint32_t *slot)
{
    xb *b = user;
    for (uint32_t i = 0; i < b->npv; i++)
        if (strcmp(b->pv_names[i], name) == 0) {
            *slot = i;
            return SJ_OK;
        }
    size_t cap = b->pv_cap;
    if (!sj__grow((void **)&b->pv_names, &cap, (size_t)b->npv + 1, sizeof(char *)))
        return SJ_ERR_NOMEM;
    b->pv_cap = (uint32_t)cap;
    char *s = sj__strdup(name);
    if (!s)
        return SJ_ERR_NOMEM;
    b->pv_names[b->npv] = s;
    *slot = b->npv++;
    return SJ_OK;
}

static sj_status h_state(void *user, const sj_node_type *type, uint64_t uid, uint32_t *index, char *msg,
                         size_t msgsize)
{
    xb *b = user;
    for (uint32_t i = 0; i < b->nstates; i++)
        if (b->states[i].uid == uid) {
            snprintf(msg, msgsize, "node_state_uid has been used multiple times in same AST: %llu",
                     (unsigned long long)uid);
            return SJ_ERR_NODE_STATE;
        }
    size_t cap = b->states_cap;
    if (!sj__grow((void **)&b->states, &cap, (size_t)b->nstates + 1, sizeof(xstate))) {
        snprintf(msg, msgsize, "out of memory");
        return SJ_ERR_NOMEM;
    }
    b->states_cap = (uint32_t)cap;
    b->states[b->nstates] = (xstate){type, uid};
    *index = b->nstates++;
    return SJ_OK;
}

static void h_decl(void *user, size_t idx, size_t len)
{
    xb *b = user;
    b->declared[idx] = len;
    b->used[idx] = true;
}

static void h_used(void *user, size_t idx)
{
    xb *b = user;
    b->used[idx] = true;
}

/* The standard nodes written out in C, as statements: %0, %1, %2 are the arguments, %v the result,
 * %s the call's state (struct P_bstate), P_ the prefix. The same operations in the same order as
 * src/nodes/reference.c and src/nodes/math.c (the reference's algorithms, §3.2), so results are
 * identical; tests/test_diff_export.c compares them. Atom nodes and the sigjit node set are called
 * through the host (their state or data lives outside the exported struct). */
static const struct {
    const char *name;
    const char *stmt;
} builtins[] = {
    {"sin", "%v = sin(%0);"},
    {"cos", "%v = cos(%0);"},
    {"tan", "%v = tan(%0);"},
    {"tanh", "%v = tanh(%0);"},
    {"exp", "%v = exp(%0);"},
    {"log", "%v = log(%0);"},
    {"pow", "%v = pow(%0, %1);"},
    {"sqrt", "%v = sqrt(%0);"},
    {"abs", "%v = fabs(%0);"},
    {"floor", "%v = floor(%0);"},
    {"ceil", "%v = ceil(%0);"},
    {"fract", "%v = %0 - floor(%0);"},
    {"min", "%v = P_min(%0, %1);"},
    {"max", "%v = P_max(%0, %1);"},
    {"clamp", "%v = P_min(P_max(%0, %1), %2);"},
    {"accum", "if (%1 > 0.5)\n            %s.value = 0.0;\n        else\n            %s.value += %0;\n"
              "        %v = %s.value;"},
    {"phase", "if (P_trig(&%s.trig, %1))\n            %s.value = 0.0;\n        %v = %s.value;\n"
              "        %s.value += %0 * %s.israte;\n        %s.value = %s.value - trunc(%s.value);"},
    {"/%", "rv[0] = fmod(%0, %1);\n        %v = %0 / %1;"},
    {"s&h", "if (P_trig(&%s.trig, %1))\n            %s.value = %0;\n        %v = %s.value;"},
    {"s&h~", "if (%1 > 0.5)\n            %s.value = %0;\n        %v = %s.value;"},
};

/* The C statement template of a standard node (only when t is the standard library's own
 * descriptor function, so a replaced node is never mistaken for it), or NULL. */
static const char *builtin(const sj_library *std, const sj_node_type *t)
{
    if (!std)
        return NULL;
    const sj_node_type *s = sj_library_find(std, t->name);
    if (!s || s->fn != t->fn)
        return NULL;
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(builtins[i].name, t->name) == 0)
            return builtins[i].stmt;
    return NULL;
}

/* Appends text with "P_" replaced by the prefix, "%k" by argument k, "%v" by the result variable
 * and "%s" by the state expression. */
static void put(sj_sb *sb, const char *pfx, const char *text, char args[][48], int nargs, const char *res,
                const char *state)
{
    for (const char *p = text; *p; p++) {
        if (p[0] == 'P' && p[1] == '_') {
            sj__sb_append(sb, pfx);
            sj__sb_append(sb, "_");
            p++;
        } else if (p[0] == '%' && p[1] >= '0' && p[1] <= '9' && p[1] - '0' < nargs) {
            sj__sb_append(sb, args[p[1] - '0']);
            p++;
        } else if (p[0] == '%' && p[1] == 'v' && res) {
            sj__sb_append(sb, res);
            p++;
        } else if (p[0] == '%' && p[1] == 's' && state) {
            sj__sb_append(sb, state);
            p++;
        } else {
            sj__sb_appendn(sb, p, 1);
        }
    }
}

static const char *prelude =
    "#include <math.h>\n"
    "#include <stddef.h>\n"
    "#include <stdint.h>\n"
    "#include <string.h>\n"
    "\n"
    "/* The index rule of buffers and tables (sigjit's sj_wrap_index): floor, Euclidean modulo,\n"
    " * NaN and infinities give 0. */\n"
    "static inline uint64_t P_wrap(double x, uint64_t len)\n"
    "{\n"
    "    if (len == 0 || !isfinite(x))\n"
    "        return 0;\n"
    "    double f = floor(x);\n"
    "    if (f >= 0.0 && f < 9007199254740992.0)\n"
    "        return (uint64_t)f % len;\n"
    "    double m = fmod(f, (double)len);\n"
    "    if (m < 0.0)\n"
    "        m += (double)len;\n"
    "    uint64_t i = (uint64_t)m;\n"
    "    return i < len ? i : 0;\n"
    "}\n"
    "static inline double P_lin_f64(const double *data, uint64_t len, double idx)\n"
    "{\n"
    "    uint64_t i = P_wrap(idx, len);\n"
    "    uint64_t j = (i + 1) % len;\n"
    "    double fract = idx - floor(idx);\n"
    "    return data[i] * (1.0 - fract) + data[j] * fract;\n"
    "}\n"
    "static inline double P_lin_f32(const float *data, uint64_t len, double idx)\n"
    "{\n"
    "    uint64_t i = P_wrap(idx, len);\n"
    "    uint64_t j = (i + 1) % len;\n"
    "    double fract = idx - floor(idx);\n"
    "    return (double)data[i] * (1.0 - fract) + (double)data[j] * fract;\n"
    "}\n"
    "static inline double P_min(double a, double b) { return a < b ? a : b; }\n"
    "static inline double P_max(double a, double b) { return a > b ? a : b; }\n"
    "static inline double P_b(int c) { return c ? 1.0 : 0.0; }\n"
    "/* The reference's Trigger: fires once when x (as f32) rises above 0.5, re-arms at <= 0.25. */\n"
    "static inline int P_trig(int *triggered, double xd)\n"
    "{\n"
    "    float x = (float)xd;\n"
    "    if (*triggered) {\n"
    "        if (x <= 0.25f)\n"
    "            *triggered = 0;\n"
    "        return 0;\n"
    "    }\n"
    "    if (x > 0.5f) {\n"
    "        *triggered = 1;\n"
    "        return 1;\n"
    "    }\n"
    "    return 0;\n"
    "}\n"
    "/* The state of the standard stateful nodes written out in C (accum, phase, s&h, s&h~). */\n"
    "struct P_bstate {\n"
    "    double israte, value;\n"
    "    int trig;\n"
    "};\n"
    "\n";

static void val(sj_sb *sb, const sj_ir_func *f, uint32_t v, char out[48])
{
    (void)sb;
    const sj_ir_inst *in = &f->insts[v];
    if (in->op == SJ_IR_CONST) {
        double k = in->k;
        if (isnan(k))
            snprintf(out, 48, "(double)NAN");
        else if (isinf(k))
            snprintf(out, 48, k > 0 ? "(double)INFINITY" : "(-(double)INFINITY)");
        else
            snprintf(out, 48, "%.17g", k);
        if (!isnan(k) && !isinf(k) && !strpbrk(out, ".eE"))
            strcat(out, ".0");
        if (out[0] == '-') {
            char t[48];
            snprintf(t, 48, "(%s)", out);
            memcpy(out, t, 48);
        }
    } else {
        snprintf(out, 48, "v%u", v);
    }
}

static void emit_func(sj_sb *sb, const char *pfx, const sj_ir_func *f, const xb *b, const sj_library *std,
                      char *const *pv_names)
{
    char A[3][48];
    char ca[10][48];
    sj__sb_printf(sb,
                  "void %s_process(%s_state *restrict s, const double *const in[6], double *sig1, double *sig2,\n"
                  "                double *ret, size_t n)\n{\n",
                  pfx, pfx);
    for (int k = 0; k < 6; k++)
        sj__sb_printf(sb, "    const double *restrict in%d = in[%d];\n    (void)in%d;\n", k, k, k);
    sj__sb_append(sb, "    double *out[3] = {sig1, sig2, ret};\n");
    for (uint32_t k = 0; k < b->npv; k++)
        sj__sb_printf(sb, "    double pv%u = s->pv[%u]; /* %s */\n", k, k, pv_names[k]);
    sj__sb_append(sb, "    const double aux0 = s->srate, aux1 = s->israte;\n    double aux2 = s->reset;\n"
                      "    (void)aux0;\n    (void)aux1;\n");
    sj__sb_append(sb, "    double *rv = s->rv;\n    (void)rv;\n    (void)out;\n");
    sj__sb_append(sb, "    for (size_t fr = 0; fr < n; fr++) {\n");
    /* declarations */
    bool any = false;
    for (uint32_t i = 0; i < f->ninsts; i++) {
        const sj_ir_inst *in = &f->insts[i];
        if (in->op == SJ_IR_CONST || in->op == SJ_IR_NOP || !(sj__ir_op_info[in->op].flags & SJ_IRF_VALUE))
            continue;
        sj__sb_printf(sb, any ? ", v%u" : "        double v%u", i);
        any = true;
    }
    if (any)
        sj__sb_append(sb, ";\n");
    sj__sb_append(sb, "        sig1[fr] = 0.0;\n        sig2[fr] = 0.0;\n");
    for (uint32_t bi = 0; bi < f->nblocks; bi++) {
        const sj_ir_block *bl = &f->blocks[bi];
        if (bi > 0) /* block 0 is never a jump target */
            sj__sb_printf(sb, "    b%u:;\n", bi);
        for (uint32_t i = bl->start; i < bl->end; i++) {
            const sj_ir_inst *in = &f->insts[i];
            int na = sj__ir_op_info[in->op].nargs;
            if (na >= 1)
                val(sb, f, in->a, A[0]);
            if (na >= 2)
                val(sb, f, in->b, A[1]);
            switch ((sj_ir_op)in->op) {
            case SJ_IR_NOP:
            case SJ_IR_CONST:
            case SJ_IR_PHI:
            case SJ_IR_OP_COUNT:
                break;
            case SJ_IR_PARAM: sj__sb_printf(sb, "        v%u = in%u[fr];\n", i, in->slot); break;
            case SJ_IR_SIG_IN: sj__sb_printf(sb, "        v%u = 0.0; /* &sig%u starts at 0 every frame */\n", i, in->slot + 1); break;
            case SJ_IR_AUX: sj__sb_printf(sb, "        v%u = aux%u;\n", i, in->slot); break;
            case SJ_IR_PV_LOAD: sj__sb_printf(sb, "        v%u = pv%u;\n", i, in->slot); break;
            case SJ_IR_PV_STORE: sj__sb_printf(sb, "        pv%u = %s;\n", in->slot, A[0]); break;
            case SJ_IR_OUT_STORE: sj__sb_printf(sb, "        out[%u][fr] = %s;\n", in->slot, A[0]); break;
            case SJ_IR_RV_ZERO: sj__sb_append(sb, "        memset(rv, 0, 5 * sizeof(double));\n"); break;
            case SJ_IR_RV_LOAD: sj__sb_printf(sb, "        v%u = rv[%u];\n", i, in->slot); break;
            case SJ_IR_ADD: sj__sb_printf(sb, "        v%u = %s + %s;\n", i, A[0], A[1]); break;
            case SJ_IR_SUB: sj__sb_printf(sb, "        v%u = %s - %s;\n", i, A[0], A[1]); break;
            case SJ_IR_MUL: sj__sb_printf(sb, "        v%u = %s * %s;\n", i, A[0], A[1]); break;
            case SJ_IR_DIV: sj__sb_printf(sb, "        v%u = %s / %s;\n", i, A[0], A[1]); break;
            case SJ_IR_EQ: sj__sb_printf(sb, "        v%u = %s_b(%s == %s);\n", i, pfx, A[0], A[1]); break;
            case SJ_IR_NE: sj__sb_printf(sb, "        v%u = %s_b(!(%s == %s));\n", i, pfx, A[0], A[1]); break;
            case SJ_IR_LT: sj__sb_printf(sb, "        v%u = %s_b(%s < %s);\n", i, pfx, A[0], A[1]); break;
            case SJ_IR_LE: sj__sb_printf(sb, "        v%u = %s_b(%s <= %s);\n", i, pfx, A[0], A[1]); break;
            case SJ_IR_GT: sj__sb_printf(sb, "        v%u = %s_b(%s > %s);\n", i, pfx, A[0], A[1]); break;
            case SJ_IR_GE: sj__sb_printf(sb, "        v%u = %s_b(%s >= %s);\n", i, pfx, A[0], A[1]); break;
            case SJ_IR_FLOOR: sj__sb_printf(sb, "        v%u = floor(%s);\n", i, A[0]); break;
            case SJ_IR_CEIL: sj__sb_printf(sb, "        v%u = ceil(%s);\n", i, A[0]); break;
            case SJ_IR_ABS: sj__sb_printf(sb, "        v%u = fabs(%s);\n", i, A[0]); break;
            case SJ_IR_SQRT: sj__sb_printf(sb, "        v%u = sqrt(%s);\n", i, A[0]); break;
            case SJ_IR_MIN: sj__sb_printf(sb, "        v%u = %s_min(%s, %s);\n", i, pfx, A[0], A[1]); break;
            case SJ_IR_MAX: sj__sb_printf(sb, "        v%u = %s_max(%s, %s);\n", i, pfx, A[0], A[1]); break;
            case SJ_IR_BUF_LEN: sj__sb_printf(sb, "        v%u = (double)s->buf_lens[%u];\n", i, in->slot); break;
            case SJ_IR_TAB_LEN: sj__sb_printf(sb, "        v%u = (double)s->table_lens[%u];\n", i, in->slot); break;
            case SJ_IR_BUF_READ:
                sj__sb_printf(sb, "        v%u = s->bufs[%u][%s_wrap(%s, s->buf_lens[%u])];\n", i, in->slot, pfx, A[0],
                              in->slot);
                break;
            case SJ_IR_TAB_READ:
                sj__sb_printf(sb, "        v%u = (double)s->tables[%u][%s_wrap(%s, s->table_lens[%u])];\n", i, in->slot,
                              pfx, A[0], in->slot);
                break;
            case SJ_IR_BUF_READ_LIN:
                sj__sb_printf(sb, "        v%u = %s_lin_f64(s->bufs[%u], s->buf_lens[%u], %s);\n", i, pfx, in->slot,
                              in->slot, A[0]);
                break;
            case SJ_IR_TAB_READ_LIN:
                sj__sb_printf(sb, "        v%u = %s_lin_f32(s->tables[%u], s->table_lens[%u], %s);\n", i, pfx,
                              in->slot, in->slot, A[0]);
                break;
            case SJ_IR_BUF_WRITE:
                sj__sb_printf(sb, "        s->bufs[%u][%s_wrap(%s, s->buf_lens[%u])] = %s;\n", in->slot, pfx, A[0],
                              in->slot, A[1]);
                break;
            case SJ_IR_CALL: {
                const sj_ir_call *cl = &f->calls[in->c];
                const sj_node_type *t = cl->type;
                int nv = 0;
                for (uint32_t k = 0; k < in->b && k < 10; k++)
                    val(sb, f, f->args[in->a + k], ca[nv++]);
                const char *mx = builtin(std, t);
                bool ret = strchr(t->signature, 'r') != NULL;
                if (mx) {
                    char res[24], st[32];
                    snprintf(res, sizeof res, "v%u", i);
                    snprintf(st, sizeof st, "s->bs%u", cl->state);
                    sj__sb_append(sb, "        ");
                    put(sb, pfx, mx, ca, nv, res, cl->state != SJ_IR_NONE ? st : NULL);
                    sj__sb_append(sb, "\n");
                    break;
                }
                /* through the host-provided pointer, with the real prototype */
                sj__sb_printf(sb, "        v%u = ", i);
                if (!ret)
                    sj__sb_append(sb, "0.0;\n        ");
                sj__sb_printf(sb, "((%s (*)(", ret ? "double" : "void");
                bool first = true;
                for (const char *c = t->signature; *c; c++) {
                    const char *ty = *c == 'v' ? "double" : *c == 'D' || *c == 'S' ? "void *" : *c == 'M' ? "double *" : NULL;
                    if (!ty)
                        continue;
                    sj__sb_printf(sb, "%s%s", first ? "" : ", ", ty);
                    first = false;
                }
                if (first)
                    sj__sb_append(sb, "void");
                sj__sb_printf(sb, "))s->node_fn[%u])(", in->c);
                first = true;
                int k = 0;
                for (const char *c = t->signature; *c; c++) {
                    char buf[64];
                    if (*c == 'v')
                        snprintf(buf, sizeof buf, "%s", k < nv ? ca[k] : "0.0"), k++;
                    else if (*c == 'D')
                        snprintf(buf, sizeof buf, "s->dsp");
                    else if (*c == 'S')
                        snprintf(buf, sizeof buf, "(void *)s->node_state%u", cl->state);
                    else if (*c == 'M')
                        snprintf(buf, sizeof buf, "rv");
                    else
                        continue;
                    sj__sb_printf(sb, "%s%s", first ? "" : ", ", buf);
                    first = false;
                }
                sj__sb_append(sb, ");\n");
                break;
            }
            case SJ_IR_JMP:
            case SJ_IR_BR: {
                uint32_t targets[2] = {in->b, in->c};
                int nt = in->op == SJ_IR_BR ? 2 : 1;
                if (in->op == SJ_IR_BR)
                    sj__sb_printf(sb, "        if (%s != 0.0) {\n", A[0]);
                else
                    sj__sb_append(sb, "        {\n");
                for (int t = 0; t < nt; t++) {
                    if (t == 1)
                        sj__sb_append(sb, "        } else {\n");
                    const sj_ir_block *tb = &f->blocks[targets[t]];
                    uint32_t k = 0;
                    while (k < tb->npreds && tb->preds[k] != bi)
                        k++;
                    /* phis: parallel assignment through temporaries */
                    uint32_t nphi = 0;
                    for (uint32_t p = tb->start; p < tb->end && f->insts[p].op == SJ_IR_PHI; p++, nphi++) {
                        char t0[48];
                        val(sb, f, f->args[f->insts[p].a + k], t0);
                        sj__sb_printf(sb, "            double t%u = %s;\n", p, t0);
                    }
                    for (uint32_t p = tb->start; p < tb->start + nphi; p++)
                        sj__sb_printf(sb, "            v%u = t%u;\n", p, p);
                    sj__sb_printf(sb, "            goto b%u;\n", targets[t]);
                    if (in->op == SJ_IR_JMP)
                        sj__sb_append(sb, "        }\n");
                }
                if (in->op == SJ_IR_BR)
                    sj__sb_append(sb, "        }\n");
                break;
            }
            case SJ_IR_RET:
                sj__sb_printf(sb, "        ret[fr] = %s;\n        goto next;\n", A[0]);
                break;
            }
        }
    }
    sj__sb_append(sb, "    next:\n        aux2 = 0.0;\n    }\n");
    for (uint32_t k = 0; k < b->npv; k++)
        sj__sb_printf(sb, "    s->pv[%u] = pv%u;\n", k, k);
    sj__sb_append(sb, "    s->reset = aux2;\n}\n");
}

sj_status sj_export_c(sj_context *ctx, const sj_ast *ast, const char *prefix, char **out, sj_diag *diag)
{
    if (out)
        *out = NULL;
    if (!ctx || !ast || !out)
        return sj__diag_set(diag, SJ_ERR_INVALID_ARGUMENT, NULL, "sj_export_c needs a context, a program and an output");
    const char *pfx = prefix && *prefix ? prefix : "sjx";
    for (const char *p = pfx; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || (p > pfx && *p >= '0' && *p <= '9')))
            return sj__diag_set(diag, SJ_ERR_INVALID_ARGUMENT, NULL, "the prefix must be a C identifier");
    xb b;
    memset(&b, 0, sizeof b);
    sj_lower_hooks hooks = {&b, h_pv, h_state, h_decl, h_used};
    sj_ir_func ir;
    sj_status st = sj__ir_build(ast, sj_context_library(ctx), &hooks, true, &ir, diag);
    sj_library *std = NULL;
    if (st == SJ_OK) {
        std = sj_library_new_std();
        sj_sb sb;
        sj__sb_init(&sb);
        sj__sb_printf(&sb, "/* Generated by sigjit %s (C export). Build with -std=c11 or -ffp-contract=off so the\n"
                            " * results equal the interpreter's bit for bit.\n", SJ_VERSION_STRING);
        char *dump = sj_ast_dump(ast);
        if (dump) {
            sj__sb_append(&sb, " *\n * Program:\n");
            for (char *line = dump; *line;) {
                char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t)(nl - line) : strlen(line);
                sj__sb_append(&sb, " * ");
                /* keep the comment closed whatever the names contain */
                for (size_t i = 0; i < len; i++)
                    sj__sb_appendn(&sb, (line[i] == '*' && i + 1 < len && line[i + 1] == '/') ? "+" : line + i, 1);
                sj__sb_append(&sb, "\n");
                line += len + (nl ? 1 : 0);
            }
            sj_free(dump);
        }
        /* host-provided nodes */
        bool hosted = false;
        for (uint32_t c = 0; c < ir.ncalls; c++) {
            if (builtin(std, ir.calls[c].type))
                continue;
            if (!hosted)
                sj__sb_append(&sb, " *\n * Nodes called through s->node_fn[k] (set them before processing, e.g. to\n"
                                   " * sj_library_find(lib, name)->fn), with their reset in s->node_reset[k]:\n");
            hosted = true;
            sj__sb_printf(&sb, " *   node_fn[%u] = \"%s\" (signature %s)\n", c, ir.calls[c].type->name,
                          ir.calls[c].type->signature);
        }
        sj__sb_append(&sb, " */\n");
        char none[1][48];
        put(&sb, pfx, prelude, none, 0, NULL, NULL);
        /* state struct */
        sj__sb_printf(&sb, "typedef struct %s_state {\n    double srate, israte, reset;\n    double pv[%u];\n"
                            "    double rv[5];\n    void *dsp; /* for 'D' nodes (sj_dsp_state *) */\n",
                      pfx, b.npv ? b.npv : 1);
        sj__sb_printf(&sb, "    void (*node_fn[%u])(void);\n    void (*node_reset[%u])(void *dsp, void *state);\n",
                      ir.ncalls ? ir.ncalls : 1, ir.nstates ? ir.nstates : 1);
        for (uint32_t k = 0; k < b.nstates; k++) {
            if (builtin(std, b.states[k].type))
                sj__sb_printf(&sb, "    struct %s_bstate bs%u; /* %s, uid %llu */\n", pfx, k, b.states[k].type->name,
                              (unsigned long long)b.states[k].uid);
            else
                sj__sb_printf(&sb, "    _Alignas(16) unsigned char node_state%u[%zu]; /* %s, uid %llu */\n", k,
                              b.states[k].type->state_size ? b.states[k].type->state_size : 1,
                              b.states[k].type->name, (unsigned long long)b.states[k].uid);
        }
        sj__sb_printf(&sb, "    double *bufs[%d];\n    uint64_t buf_lens[%d];\n    const float *tables[%d];\n"
                            "    uint64_t table_lens[%d];\n",
                      SJ_BUFFER_COUNT, SJ_BUFFER_COUNT, SJ_TABLE_COUNT, SJ_TABLE_COUNT);
        for (int k = 0; k < SJ_BUFFER_COUNT; k++) {
            size_t len = b.declared[k] ? b.declared[k] : SJ_BUFFER_DEFAULT_LEN;
            if (b.used[k])
                sj__sb_printf(&sb, "    double buf%d[%zu];\n", k, len);
        }
        sj__sb_printf(&sb, "    float no_table[1];\n} %s_state;\n\n", pfx);
        /* init */
        sj__sb_printf(&sb,
                      "/* Zeroes the state, sets the rate and the buffers; tables are empty (one 0.0) until set\n"
                      " * (tables[k] and table_lens[k] >= 1). Call it again to reset. The struct holds the\n"
                      " * buffers: allocate it on the heap (see _state_size below) when they are large. */\n"
                      "void %s_init(%s_state *s, double srate)\n{\n"
                      "    void (*fn[%u])(void);\n    void (*rs[%u])(void *, void *);\n    void *dsp = s->dsp;\n"
                      "    const float *tables[%d];\n    uint64_t table_lens[%d];\n"
                      "    memcpy(fn, s->node_fn, sizeof fn);\n    memcpy(rs, s->node_reset, sizeof rs);\n"
                      "    memcpy(tables, s->tables, sizeof tables);\n    memcpy(table_lens, s->table_lens, sizeof table_lens);\n"
                      "    memset(s, 0, sizeof *s);\n"
                      "    memcpy(s->node_fn, fn, sizeof fn);\n    memcpy(s->node_reset, rs, sizeof rs);\n    s->dsp = dsp;\n"
                      "    s->srate = srate;\n    s->israte = 1.0 / srate;\n    s->reset = 1.0;\n",
                      pfx, pfx, ir.ncalls ? ir.ncalls : 1, ir.nstates ? ir.nstates : 1, SJ_TABLE_COUNT, SJ_TABLE_COUNT);
        for (int k = 0; k < SJ_BUFFER_COUNT; k++) {
            size_t len = b.declared[k] ? b.declared[k] : SJ_BUFFER_DEFAULT_LEN;
            if (b.used[k])
                sj__sb_printf(&sb, "    s->bufs[%d] = s->buf%d;\n    s->buf_lens[%d] = %zu;\n", k, k, k, len);
            else
                sj__sb_printf(&sb, "    s->bufs[%d] = NULL;\n    s->buf_lens[%d] = 0;\n", k, k);
        }
        sj__sb_printf(&sb, "    for (int k = 0; k < %d; k++) {\n        s->tables[k] = table_lens[k] ? tables[k] : s->no_table;\n"
                            "        s->table_lens[k] = table_lens[k] ? table_lens[k] : 1;\n    }\n",
                      SJ_TABLE_COUNT);
        for (uint32_t k = 0; k < b.nstates; k++) {
            if (builtin(std, b.states[k].type))
                sj__sb_printf(&sb, "    s->bs%u.israte = 1.0 / srate;\n", k);
            else
                sj__sb_printf(&sb, "    if (s->node_reset[%u])\n        s->node_reset[%u](s->dsp, s->node_state%u);\n", k,
                              k, k);
        }
        sj__sb_append(&sb, "}\n\n");
        /* host helpers that need no knowledge of the struct */
        sj__sb_printf(&sb, "size_t %s_state_size(void)\n{\n    return sizeof(%s_state);\n}\n\n", pfx, pfx);
        sj__sb_printf(&sb,
                      "/* Sets table k (len >= 1; the data must outlive the state). Call before or after init. */\n"
                      "void %s_set_table(%s_state *s, int k, const float *data, uint64_t len)\n{\n"
                      "    if (k >= 0 && k < %d && data && len) {\n        s->tables[k] = data;\n"
                      "        s->table_lens[k] = len;\n    }\n}\n\n",
                      pfx, pfx, SJ_TABLE_COUNT);
        sj__sb_printf(&sb,
                      "/* Binds the host nodes by name (lookup gives a node's function and reset; either may be\n"
                      " * NULL) and the DSP state for 'D' nodes. Call before init. */\n"
                      "void %s_bind(%s_state *s, void *dsp,\n"
                      "             void (*lookup)(const char *name, void (**fn)(void), void (**reset)(void *, void *)))\n{\n"
                      "    void (*fn)(void);\n    void (*rs)(void *, void *);\n    (void)fn;\n    (void)rs;\n"
                      "    s->dsp = dsp;\n",
                      pfx, pfx);
        for (uint32_t c = 0; c < ir.ncalls; c++) {
            if (builtin(std, ir.calls[c].type))
                continue;
            sj__sb_printf(&sb, "    fn = NULL, rs = NULL;\n    lookup(\"");
            for (const char *q = ir.calls[c].type->name; *q; q++)
                sj__sb_printf(&sb, (*q == '"' || *q == '\\') ? "\\%c" : (*q < 32 || *q > 126) ? "\\%03o" : "%c",
                              (unsigned char)*q);
            sj__sb_printf(&sb, "\", &fn, &rs);\n    s->node_fn[%u] = fn;\n", c);
            if (ir.calls[c].state != SJ_IR_NONE)
                sj__sb_printf(&sb, "    s->node_reset[%u] = rs;\n", ir.calls[c].state);
        }
        sj__sb_append(&sb, "}\n\n");
        sj__sb_printf(&sb, "/* Runs n frames: in[0..5] = in1, in2, alpha, beta, delta, gamma (n values each); sig1, sig2\n"
                            " * and ret receive n values. &sig1/&sig2 start at 0.0 on every frame. */\n");
        emit_func(&sb, pfx, &ir, &b, std, b.pv_names);
        /* node_reset is indexed by state; node_fn by call */
        *out = sj__sb_finish(&sb);
        if (!*out)
            st = sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
        sj__ir_fini(&ir);
    }
    if (std)
        sj_library_release(std);
    for (uint32_t i = 0; i < b.npv; i++)
        sj__free(b.pv_names[i]);
    sj__free(b.pv_names);
    sj__free(b.states);
    return st;
}

/*
 * AST -> IR lowering.
 *
 * Variables become SSA values. Every variable the program can read is given its initial value in
 * the entry block (parameters from the inputs, &sig1/&sig2 from the outputs' initial values,
 * persistent variables loaded from their slots, locals 0.0 as the reference zeroes them on every
 * call), so that each variable has a value on every path; if/else merges create phis where the
 * arms disagree. At the end the persistent variables that changed are stored, the outputs written
 * and the root value returned. Unused initial values are removed by dead-code elimination.
 *
 * Evaluation order, name resolution and error cases follow the reference (§1.4): a call compiles
 * only the arguments its signature consumes (extra ones are ignored, never compiled), a buffer
 * index is evaluated before the buffer number is checked, and so on.
 */
#include "ir/lower.h"
#include "base/alloc.h"
#include "nodes/nodes.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- constants (reference §1.4, Rust std::f64::consts, plus decisions #5) ---- */

static const struct {
    const char *name;
    double value;
} constants[] = {
    {"PI", 3.14159265358979323846264338327950288},
    {"TAU", 6.28318530717958647692528676655900577},
    {"E", 2.71828182845904523536028747135266250},
    {"1PI", 0.318309886183790671537767526745028724},
    {"2PI", 0.636619772367581343075535053490057448},
    {"PI2", 1.57079632679489661923132169163975144},
    {"PI3", 1.04719755119659774615421446109316763},
    {"PI4", 0.785398163397448309615660845819875721},
    {"PI6", 0.52359877559829887307710723054658381},
    {"PI8", 0.39269908169872415480783042290993786},
    {"1SQRT2", 0.707106781186547524400844362104849039},
    {"2SQRT_PI", 1.12837916709551257389615890312154517},
    {"1SQRT_PI", 0.564189583547756286948079451560772586},
    {"LN2", 0.693147180559945309417232121458176568},
    {"LN10", 2.30258509299404568401799145468436421},
};

bool sj__constant_value(const char *name, double *value)
{
    for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++) {
        if (strcmp(constants[i].name, name) == 0) {
            *value = constants[i].value;
            return true;
        }
    }
    return false;
}

static const char *const param_names[6] = {"in1", "in2", "alpha", "beta", "delta", "gamma"};

/* ---- variables ---- */

typedef enum var_kind { VAR_PARAM, VAR_SIG, VAR_PV, VAR_LOCAL } var_kind;

typedef struct var_info {
    const char *name; /* points into the AST */
    var_kind kind;
    uint32_t slot;
    uint32_t init; /* the entry-block value */
} var_info;

typedef struct lowerer {
    const sj_library *lib;
    const sj_lower_hooks *hooks;
    sj_ir_func *f;
    sj_diag *diag;
    var_info *vars;
    size_t nvars, vars_cap;
    uint32_t *map; /* hash index over vars: id + 1, 0 empty */
    size_t map_cap;
    uint32_t *env; /* current value of each variable */
    uint32_t cur;  /* the block being filled */
} lowerer;

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static long var_find(const lowerer *L, const char *name)
{
    if (!L->map_cap)
        return -1;
    size_t mask = L->map_cap - 1;
    for (size_t i = hash_str(name) & mask;; i = (i + 1) & mask) {
        if (!L->map[i])
            return -1;
        if (strcmp(L->vars[L->map[i] - 1].name, name) == 0)
            return (long)L->map[i] - 1;
    }
}

static sj_status var_add(lowerer *L, const char *name, var_kind kind, uint32_t slot)
{
    if (var_find(L, name) >= 0)
        return SJ_OK;
    if (!sj__grow((void **)&L->vars, &L->vars_cap, L->nvars + 1, sizeof *L->vars))
        return SJ_ERR_NOMEM;
    if ((L->nvars + 1) * 2 > L->map_cap) {
        size_t cap = L->map_cap ? L->map_cap * 2 : 32;
        uint32_t *map = sj__calloc(cap, sizeof *map);
        if (!map)
            return SJ_ERR_NOMEM;
        for (size_t v = 0; v < L->nvars; v++) {
            size_t i = hash_str(L->vars[v].name) & (cap - 1);
            while (map[i])
                i = (i + 1) & (cap - 1);
            map[i] = (uint32_t)v + 1;
        }
        sj__free(L->map);
        L->map = map;
        L->map_cap = cap;
    }
    size_t i = hash_str(name) & (L->map_cap - 1);
    while (L->map[i])
        i = (i + 1) & (L->map_cap - 1);
    L->map[i] = (uint32_t)L->nvars + 1;
    L->vars[L->nvars++] = (var_info){name, kind, slot, 0};
    return SJ_OK;
}

static sj_status fail(lowerer *L, sj_status code, const sj_ast *node, const char *fmt, const char *arg)
{
    sj__diag_set(L->diag, code, node, fmt, arg);
    return code;
}

/* Registers the variable a read or write of name refers to, if it is one that lives in the env. */
static sj_status declare_name(lowerer *L, const sj_ast *node, bool is_read)
{
    const char *name = node->name;
    double k;
    if (name[0] == '$' || name[0] == '%')
        return SJ_OK;
    if (is_read && sj__constant_value(name, &k))
        return SJ_OK;
    if (!is_read && sj__constant_value(name, &k))
        return SJ_OK; /* a write to a constant's name is a shadow local no read can see */
    if (name[0] == '&') {
        if (strcmp(name, "&sig1") == 0)
            return var_add(L, name, VAR_SIG, 0);
        if (strcmp(name, "&sig2") == 0)
            return var_add(L, name, VAR_SIG, 1);
        return SJ_OK; /* an error when lowered */
    }
    if (name[0] == '*') {
        if (var_find(L, name) >= 0)
            return SJ_OK;
        uint32_t slot;
        sj_status st = L->hooks->pv_slot(L->hooks->user, name, &slot);
        if (st)
            return fail(L, st, node, "cannot allocate persistent variable %s", name);
        return var_add(L, name, VAR_PV, slot);
    }
    for (uint32_t p = 0; p < 6; p++)
        if (strcmp(name, param_names[p]) == 0)
            return var_add(L, name, VAR_PARAM, p);
    return var_add(L, name, VAR_LOCAL, 0);
}

/* Finds the variables the compiled part of the program uses: everything except call arguments
 * beyond what the node's signature consumes (the reference never compiles those). */
static sj_status scan(lowerer *L, const sj_ast *n)
{
    size_t nkids = n->nkids;
    if (n->kind == SJ_AST_VAR || n->kind == SJ_AST_ASSIGN) {
        sj_status st = declare_name(L, n, n->kind == SJ_AST_VAR);
        if (st)
            return st;
    } else if (n->kind == SJ_AST_CALL) {
        const sj_node_type *t = sj_library_find(L->lib, n->name);
        size_t nv = t ? sj_node_type_arg_count(t) : 0;
        if (nkids > nv)
            nkids = nv;
    }
    for (size_t i = 0; i < nkids; i++) {
        sj_status st = scan(L, n->kids[i]);
        if (st)
            return st;
    }
    return SJ_OK;
}

/* ---- emitting ---- */

static sj_status emit(lowerer *L, sj_ir_inst in, uint32_t *out)
{
    sj_ir_func *f = L->f;
    size_t cap = f->insts_cap;
    if (f->ninsts >= UINT32_MAX - 1 || !sj__grow((void **)&f->insts, &cap, f->ninsts + 1, sizeof *f->insts))
        return fail(L, SJ_ERR_NOMEM, NULL, "out of memory%s", "");
    f->insts_cap = (uint32_t)cap;
    f->insts[f->ninsts] = in;
    if (out)
        *out = f->ninsts;
    f->ninsts++;
    return SJ_OK;
}

static sj_status emit_const(lowerer *L, double k, uint32_t *out)
{
    return emit(L, (sj_ir_inst){.op = SJ_IR_CONST, .k = k}, out);
}

static sj_status emit_args(lowerer *L, const uint32_t *vals, uint32_t n, uint32_t *start)
{
    sj_ir_func *f = L->f;
    size_t cap = f->args_cap;
    if (!sj__grow((void **)&f->args, &cap, (size_t)f->nargs + n, sizeof *f->args))
        return fail(L, SJ_ERR_NOMEM, NULL, "out of memory%s", "");
    f->args_cap = (uint32_t)cap;
    *start = f->nargs;
    memcpy(f->args + f->nargs, vals, n * sizeof *vals);
    f->nargs += n;
    return SJ_OK;
}

/* Opens a new block after the current one was terminated. */
static sj_status start_block(lowerer *L, uint32_t npreds, uint32_t p0, uint32_t p1)
{
    sj_ir_func *f = L->f;
    size_t cap = f->blocks_cap;
    if (!sj__grow((void **)&f->blocks, &cap, f->nblocks + 1, sizeof *f->blocks))
        return fail(L, SJ_ERR_NOMEM, NULL, "out of memory%s", "");
    f->blocks_cap = (uint32_t)cap;
    f->blocks[f->nblocks] = (sj_ir_block){f->ninsts, f->ninsts, {p0, p1}, npreds};
    L->cur = f->nblocks++;
    return SJ_OK;
}

static sj_status terminate(lowerer *L, sj_ir_inst in, uint32_t *at)
{
    sj_status st = emit(L, in, at);
    if (!st)
        L->f->blocks[L->cur].end = L->f->ninsts;
    return st;
}

/* ---- expressions ---- */

static sj_status lower(lowerer *L, const sj_ast *n, uint32_t *out);

_Static_assert(SJ_IR_NE == SJ_IR_EQ + 1 && SJ_IR_LT == SJ_IR_EQ + 2 && SJ_IR_LE == SJ_IR_EQ + 3 &&
                   SJ_IR_GT == SJ_IR_EQ + 4 && SJ_IR_GE == SJ_IR_EQ + 5,
               "the comparisons are EQ..GE in a row");

static bool is_comparison(const sj_ast *n)
{
    return n->kind == SJ_AST_BINOP && n->op >= SJ_EQ && n->op <= SJ_GE;
}

static sj_status lower_var(lowerer *L, const sj_ast *n, uint32_t *out)
{
    const char *name = n->name;
    double k;
    if (sj__constant_value(name, &k))
        return emit_const(L, k, out);
    if (name[0] == '$') {
        static const char *const aux[3] = {"$srate", "$israte", "$reset"};
        for (uint32_t i = 0; i < 3; i++)
            if (strcmp(name, aux[i]) == 0)
                return emit(L, (sj_ir_inst){.op = SJ_IR_AUX, .slot = i}, out);
        sj_status st = fail(L, SJ_ERR_UNDEFINED_VARIABLE, n, "undefined variable %s", name);
        if (L->diag)
            snprintf(L->diag->name, sizeof L->diag->name, "%s", name);
        return st;
    }
    if (name[0] == '%') {
        if (strlen(name) != 2 || name[1] < '1' || name[1] > '5') {
            sj_status st = fail(L, SJ_ERR_INVALID_RETURN_VALUE_ACCESS, n,
                                "invalid return value access %s (use %%1 to %%5)", name);
            if (L->diag)
                snprintf(L->diag->name, sizeof L->diag->name, "%s", name);
            return st;
        }
        return emit(L, (sj_ir_inst){.op = SJ_IR_RV_LOAD, .slot = (uint32_t)(name[1] - '1')}, out);
    }
    long v = var_find(L, name);
    if (v < 0) {
        /* Only '&' names other than &sig1/&sig2 are not variables. */
        sj_status st = fail(L, SJ_ERR_UNDEFINED_VARIABLE, n, "undefined variable %s", name);
        if (L->diag)
            snprintf(L->diag->name, sizeof L->diag->name, "%s", name);
        return st;
    }
    *out = L->env[v];
    return SJ_OK;
}

static sj_status lower_assign(lowerer *L, const sj_ast *n, uint32_t *out)
{
    sj_status st = lower(L, n->kids[0], out);
    if (st)
        return st;
    const char *name = n->name;
    double k;
    if (name[0] == '$' || name[0] == '%' || sj__constant_value(name, &k))
        return SJ_OK; /* a shadow local that reads never see (reads resolve by prefix first) */
    long v = var_find(L, name);
    if (v < 0) {
        st = fail(L, SJ_ERR_UNDEFINED_VARIABLE, n, "undefined variable %s (only &sig1 and &sig2 are outputs)",
                  name);
        if (L->diag)
            snprintf(L->diag->name, sizeof L->diag->name, "%s", name);
        return st;
    }
    L->env[v] = *out;
    return SJ_OK;
}

static sj_status lower_if(lowerer *L, const sj_ast *n, uint32_t *out)
{
    sj_ir_func *f = L->f;
    uint32_t cond;
    sj_status st = lower(L, n->kids[0], &cond);
    if (st)
        return st;
    /* A comparison's value is exactly 1.0 or 0.0, so branching on it is the same as testing >= 0.5:
     * that covers a comparison written in the condition, one held in a variable, and the comparison
     * nodes (gt, ...) that the block language uses, which lower to the same instruction. */
    uint8_t cond_op = f->insts[cond].op;
    if (!is_comparison(n->kids[0]) && !(cond_op >= SJ_IR_EQ && cond_op <= SJ_IR_GE)) {
        /* decisions #2: any other value is true when >= 0.5 (NaN false). */
        uint32_t half;
        if ((st = emit_const(L, 0.5, &half)) || (st = emit(L, (sj_ir_inst){.op = SJ_IR_GE, .a = cond, .b = half},
                                                           &cond)))
            return st;
    }
    bool has_else = n->nkids > 2;
    uint32_t else_val = 0;
    if (!has_else && (st = emit_const(L, 0.0, &else_val)))
        return st;
    size_t env_bytes = L->nvars * sizeof *L->env;
    uint32_t *env0 = sj__malloc(env_bytes ? env_bytes : 1);
    uint32_t *env_then = sj__malloc(env_bytes ? env_bytes : 1);
    if (!env0 || !env_then) {
        sj__free(env0);
        sj__free(env_then);
        return fail(L, SJ_ERR_NOMEM, n, "out of memory%s", "");
    }
    memcpy(env0, L->env, env_bytes);
    uint32_t br_at, cond_block = L->cur, then_end, else_end, jmp_then, jmp_else = SJ_IR_NONE, then_val;
    if ((st = terminate(L, (sj_ir_inst){.op = SJ_IR_BR, .a = cond, .b = f->nblocks}, &br_at)))
        goto done;
    if ((st = start_block(L, 1, cond_block, 0)) || (st = lower(L, n->kids[1], &then_val)))
        goto done;
    then_end = L->cur;
    if ((st = terminate(L, (sj_ir_inst){.op = SJ_IR_JMP}, &jmp_then)))
        goto done;
    memcpy(env_then, L->env, env_bytes);
    if (has_else) {
        memcpy(L->env, env0, env_bytes);
        L->f->insts[br_at].c = f->nblocks;
        if ((st = start_block(L, 1, cond_block, 0)) || (st = lower(L, n->kids[2], &else_val)))
            goto done;
        else_end = L->cur;
        if ((st = terminate(L, (sj_ir_inst){.op = SJ_IR_JMP}, &jmp_else)))
            goto done;
    } else {
        else_end = cond_block;
    }
    /* The merge block: reached from the end of the then arm and from the else arm (or the
     * condition block directly). */
    uint32_t merge = f->nblocks;
    f->insts[jmp_then].b = merge;
    if (jmp_else != SJ_IR_NONE)
        f->insts[jmp_else].b = merge;
    else
        f->insts[br_at].c = merge;
    if ((st = start_block(L, 2, then_end, else_end)))
        goto done;
    uint32_t pair[2], at;
    *out = then_val;
    if (then_val != else_val) {
        pair[0] = then_val;
        pair[1] = else_val;
        if ((st = emit_args(L, pair, 2, &at)) || (st = emit(L, (sj_ir_inst){.op = SJ_IR_PHI, .a = at, .b = 2}, out)))
            goto done;
    }
    const uint32_t *env_else = L->env; /* holds the else arm's values (or env0 without else) */
    if (!has_else)
        memcpy(L->env, env0, env_bytes);
    for (size_t v = 0; v < L->nvars; v++) {
        if (env_then[v] == env_else[v])
            continue;
        pair[0] = env_then[v];
        pair[1] = env_else[v];
        uint32_t phi;
        if ((st = emit_args(L, pair, 2, &at)) || (st = emit(L, (sj_ir_inst){.op = SJ_IR_PHI, .a = at, .b = 2}, &phi)))
            goto done;
        L->env[v] = phi;
    }
done:
    sj__free(env0);
    sj__free(env_then);
    return st;
}

static sj_status lower_call(lowerer *L, const sj_ast *n, uint32_t *out)
{
    sj_ir_func *f = L->f;
    const sj_node_type *t = sj_library_find(L->lib, n->name);
    if (!t) {
        sj_status st = fail(L, SJ_ERR_UNDEFINED_NODE, n, "undefined DSP node '%s'", n->name);
        if (L->diag) {
            snprintf(L->diag->name, sizeof L->diag->name, "%s", n->name);
            L->diag->uid = n->uid;
        }
        return st;
    }
    uint32_t vals[8], nv = 0, state = SJ_IR_NONE;
    size_t next_arg = 0;
    for (const char *c = t->signature; *c; c++) {
        if (*c == 'v') {
            if (next_arg >= n->nkids) {
                sj_status st = fail(L, SJ_ERR_NOT_ENOUGH_ARGS, n, "not enough arguments in call of '%s'", n->name);
                if (L->diag) {
                    snprintf(L->diag->name, sizeof L->diag->name, "%s", n->name);
                    L->diag->uid = n->uid;
                }
                return st;
            }
            sj_status st = lower(L, n->kids[next_arg++], &vals[nv++]);
            if (st)
                return st;
        } else if (*c == 'S') {
            char msg[200] = "";
            sj_status st = L->hooks->node_state(L->hooks->user, t, n->uid, &state, msg, sizeof msg);
            if (st) {
                fail(L, st, n, "%s", msg);
                if (L->diag) {
                    snprintf(L->diag->name, sizeof L->diag->name, "%s", n->name);
                    L->diag->uid = n->uid;
                }
                return st;
            }
            if (state + 1 > f->nstates)
                f->nstates = state + 1;
        }
    }
    int op = sj__nodes_intrinsic_op(t);
    if (op >= 0)
        return emit(L, (sj_ir_inst){.op = (uint8_t)op, .a = vals[0], .b = nv > 1 ? vals[1] : 0}, out);
    size_t cap = f->calls_cap;
    if (!sj__grow((void **)&f->calls, &cap, f->ncalls + 1, sizeof *f->calls))
        return fail(L, SJ_ERR_NOMEM, n, "out of memory%s", "");
    f->calls_cap = (uint32_t)cap;
    f->calls[f->ncalls] = (sj_ir_call){t, state};
    uint32_t at;
    sj_status st = emit_args(L, vals, nv, &at);
    if (st)
        return st;
    return emit(L, (sj_ir_inst){.op = SJ_IR_CALL, .a = at, .b = nv, .c = f->ncalls++}, out);
}

static sj_status unknown_index(lowerer *L, const sj_ast *n, bool table)
{
    sj__diag_set(L->diag, table ? SJ_ERR_UNKNOWN_TABLE : SJ_ERR_UNKNOWN_BUFFER, n, "unknown %s %zu (0 to %d)",
                 table ? "table" : "buffer", n->index, (table ? SJ_TABLE_COUNT : SJ_BUFFER_COUNT) - 1);
    if (L->diag)
        L->diag->index = n->index;
    return table ? SJ_ERR_UNKNOWN_TABLE : SJ_ERR_UNKNOWN_BUFFER;
}

static sj_status lower_buf_op(lowerer *L, const sj_ast *n, uint32_t *out)
{
    uint32_t idx;
    sj_status st = lower(L, n->kids[0], &idx);
    if (st)
        return st;
    bool table = n->op == SJ_TABLE_READ || n->op == SJ_TABLE_READ_LIN;
    if (n->index >= (table ? SJ_TABLE_COUNT : SJ_BUFFER_COUNT))
        return unknown_index(L, n, table);
    uint32_t slot = (uint32_t)n->index;
    if (!table)
        L->hooks->buf_used(L->hooks->user, n->index);
    switch (n->op) {
    case SJ_BUF_WRITE: {
        if (n->nkids < 2) {
            sj__diag_set(L->diag, SJ_ERR_NO_VALUE_BUFFER_WRITE, n, "write to buffer %zu without a value", n->index);
            if (L->diag)
                L->diag->index = n->index;
            return SJ_ERR_NO_VALUE_BUFFER_WRITE;
        }
        uint32_t val;
        if ((st = lower(L, n->kids[1], &val)) ||
            (st = emit(L, (sj_ir_inst){.op = SJ_IR_BUF_WRITE, .slot = slot, .a = idx, .b = val}, NULL)))
            return st;
        return emit_const(L, 0.0, out);
    }
    case SJ_BUF_READ: return emit(L, (sj_ir_inst){.op = SJ_IR_BUF_READ, .slot = slot, .a = idx}, out);
    case SJ_BUF_READ_LIN: return emit(L, (sj_ir_inst){.op = SJ_IR_BUF_READ_LIN, .slot = slot, .a = idx}, out);
    case SJ_TABLE_READ: return emit(L, (sj_ir_inst){.op = SJ_IR_TAB_READ, .slot = slot, .a = idx}, out);
    default: return emit(L, (sj_ir_inst){.op = SJ_IR_TAB_READ_LIN, .slot = slot, .a = idx}, out);
    }
}

static sj_status lower(lowerer *L, const sj_ast *n, uint32_t *out)
{
    sj_status st;
    switch (n->kind) {
    case SJ_AST_LIT: return emit_const(L, n->value, out);
    case SJ_AST_VAR: return lower_var(L, n, out);
    case SJ_AST_ASSIGN: return lower_assign(L, n, out);
    case SJ_AST_BINOP: {
        static const uint8_t ops[] = {SJ_IR_ADD, SJ_IR_SUB, SJ_IR_MUL, SJ_IR_DIV, SJ_IR_EQ,
                                      SJ_IR_NE,  SJ_IR_LT,  SJ_IR_LE,  SJ_IR_GT,  SJ_IR_GE};
        uint32_t a, b;
        if ((unsigned)n->op > SJ_GE)
            return fail(L, SJ_ERR_INVALID_ARGUMENT, n, "bad binary operator%s", "");
        if ((st = lower(L, n->kids[0], &a)) || (st = lower(L, n->kids[1], &b)))
            return st;
        return emit(L, (sj_ir_inst){.op = ops[n->op], .a = a, .b = b}, out);
    }
    case SJ_AST_IF: return lower_if(L, n, out);
    case SJ_AST_CALL: return lower_call(L, n, out);
    case SJ_AST_BUF_DECLARE:
        if (n->index >= SJ_BUFFER_COUNT)
            return unknown_index(L, n, false);
        if (n->len < 1 || n->len > SJ_MAX_BUFFER_LEN) {
            sj__diag_set(L->diag, SJ_ERR_LIMIT, n, "buffer %zu: length %zu is outside 1 to %zu", n->index, n->len,
                         (size_t)SJ_MAX_BUFFER_LEN);
            if (L->diag)
                L->diag->index = n->index;
            return SJ_ERR_LIMIT;
        }
        L->hooks->buf_declare(L->hooks->user, n->index, n->len);
        return emit_const(L, 0.0, out);
    case SJ_AST_LEN: {
        bool table = n->op == SJ_LEN_TABLE;
        if (n->index >= (table ? SJ_TABLE_COUNT : SJ_BUFFER_COUNT))
            return unknown_index(L, n, table);
        if (!table)
            L->hooks->buf_used(L->hooks->user, n->index);
        return emit(L, (sj_ir_inst){.op = table ? SJ_IR_TAB_LEN : SJ_IR_BUF_LEN, .slot = (uint32_t)n->index}, out);
    }
    case SJ_AST_BUF_OP: return lower_buf_op(L, n, out);
    case SJ_AST_STMTS:
        if (n->nkids == 0)
            return emit_const(L, 0.0, out);
        for (size_t i = 0; i < n->nkids; i++)
            if ((st = lower(L, n->kids[i], out)))
                return st;
        return SJ_OK;
    }
    return fail(L, SJ_ERR_INVALID_ARGUMENT, n, "bad AST node%s", "");
}

sj_status sj__ir_lower(const sj_ast *ast, const sj_library *lib, const sj_lower_hooks *hooks, sj_ir_func *out,
                       sj_diag *diag)
{
    sj__ir_init(out);
    if (!ast || !lib || !hooks)
        return sj__diag_set(diag, SJ_ERR_INVALID_ARGUMENT, NULL, "missing program, library or hooks");
    if (ast->height > SJ_MAX_AST_HEIGHT)
        return sj__diag_set(diag, SJ_ERR_TOO_DEEP, ast, "program nested %zu levels deep; the limit is %d",
                            ast->height, SJ_MAX_AST_HEIGHT);
    lowerer L = {.lib = lib, .hooks = hooks, .f = out, .diag = diag};
    sj_status st = scan(&L, ast);
    if (st) {
        if (st == SJ_ERR_NOMEM)
            sj__diag_set(diag, st, NULL, "out of memory");
        goto fail;
    }
    L.env = sj__malloc((L.nvars ? L.nvars : 1) * sizeof *L.env);
    if (!L.env) {
        st = fail(&L, SJ_ERR_NOMEM, NULL, "out of memory%s", "");
        goto fail;
    }
    if ((st = start_block(&L, 0, 0, 0)))
        goto fail;
    /* Initial values of all variables, then the multi-return slots are cleared (a fresh array per
     * call in the reference). */
    uint32_t zero = SJ_IR_NONE;
    for (size_t v = 0; v < L.nvars && !st; v++) {
        var_info *vi = &L.vars[v];
        switch (vi->kind) {
        case VAR_PARAM: st = emit(&L, (sj_ir_inst){.op = SJ_IR_PARAM, .slot = vi->slot}, &vi->init); break;
        case VAR_SIG: st = emit(&L, (sj_ir_inst){.op = SJ_IR_SIG_IN, .slot = vi->slot}, &vi->init); break;
        case VAR_PV:
            st = emit(&L, (sj_ir_inst){.op = SJ_IR_PV_LOAD, .slot = vi->slot}, &vi->init);
            if (vi->slot + 1 > out->npv)
                out->npv = vi->slot + 1;
            break;
        case VAR_LOCAL:
            if (zero == SJ_IR_NONE)
                st = emit_const(&L, 0.0, &zero);
            vi->init = zero;
            break;
        }
        L.env[v] = vi->init;
    }
    if (st || (st = emit(&L, (sj_ir_inst){.op = SJ_IR_RV_ZERO}, NULL)))
        goto fail;
    uint32_t result;
    if ((st = lower(&L, ast, &result)))
        goto fail;
    /* Epilogue: persistent variables that changed, the outputs, the return value. */
    bool sig_done[2] = {false, false};
    for (size_t v = 0; v < L.nvars && !st; v++) {
        var_info *vi = &L.vars[v];
        if (vi->kind == VAR_PV && L.env[v] != vi->init)
            st = emit(&L, (sj_ir_inst){.op = SJ_IR_PV_STORE, .slot = vi->slot, .a = L.env[v]}, NULL);
        else if (vi->kind == VAR_SIG) {
            st = emit(&L, (sj_ir_inst){.op = SJ_IR_OUT_STORE, .slot = vi->slot, .a = L.env[v]}, NULL);
            sig_done[vi->slot] = true;
        }
    }
    /* Outputs the program never names keep their initial value (0.0 in block processing). */
    for (uint32_t s = 0; s < 2 && !st; s++) {
        uint32_t init;
        if (!sig_done[s] && !(st = emit(&L, (sj_ir_inst){.op = SJ_IR_SIG_IN, .slot = s}, &init)))
            st = emit(&L, (sj_ir_inst){.op = SJ_IR_OUT_STORE, .slot = s, .a = init}, NULL);
    }
    if (st || (st = terminate(&L, (sj_ir_inst){.op = SJ_IR_RET, .a = result}, NULL)))
        goto fail;
    sj__free(L.vars);
    sj__free(L.map);
    sj__free(L.env);
    return SJ_OK;
fail:
    sj__free(L.vars);
    sj__free(L.map);
    sj__free(L.env);
    sj__ir_fini(out);
    return st;
}

sj_status sj__ir_build(const sj_ast *ast, const sj_library *lib, const sj_lower_hooks *hooks, bool optimize,
                       sj_ir_func *out, sj_diag *diag)
{
    sj_status st = sj__ir_lower(ast, lib, hooks, out, diag);
    if (st)
        return st;
    if (optimize) {
        sj__ir_fold(out);
        sj__ir_dce(out);
        if ((st = sj__ir_compact(out))) {
            sj__ir_fini(out);
            return sj__diag_set(diag, st, NULL, "out of memory");
        }
    }
    char msg[200];
    if ((st = sj__ir_verify(out, msg, sizeof msg))) {
        sj__ir_fini(out);
        return sj__diag_set(diag, st, NULL, "internal error: IR verification failed: %s", msg);
    }
    return SJ_OK;
}

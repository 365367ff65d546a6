/*
 * From text to blocks: an automatic layout of an AST onto the block grid (docs/blocks.md, "From
 * text to blocks"). The grid compiles (sj_blockfun_compile) to a program that computes the same
 * outputs as the AST, frame by frame.
 *
 * 1. A scan in evaluation order binds each read of %k to the multi-output call that wrote it.
 * 2. The AST becomes a tree of blocks per statement (bt): literals are `value` (or π / 2π),
 *    variables are `get`, assignments are `set`, + - * / and calls are their blocks, a comparison
 *    is the block of its node (eq, ne, lt, le, gt, ge: the block language has no comparison
 *    operators), `if` is an `if` block whose two sub-areas hold the branches. The extra outputs of
 *    a multi-output call feed `set` blocks of temporaries that later `%k` reads `get`.
 * 3. Each statement is one chain: its root (a `set`, or an unconnected output that gives the
 *    area's result) on the right, its arguments to the left, statements stacked downwards, so the
 *    block compiler (sinks from top to bottom) runs them in the text's order. Connections are
 *    geometric: input k of a block at (x, y) reads the block at (x-1, y+k). Arguments are fitted
 *    in order on a map of the cells taken, each in the cell its parent reserved for it, with the
 *    output of a block on its top or bottom row (arguments above the last grow upwards, the last
 *    downwards), or a few columns further left behind `->` blocks. A subtree that does not fit is
 *    hoisted into a temporary (`set _tN` in a statement before, `get _tN` in its place); what it
 *    jumps over is hoisted too unless the two commute (no variable written by one and used by the
 *    other, not both calls: a node may touch the DSP state's atoms).
 *
 * Call uids become block ids where the file format allows it (1 .. SIZE_MAX/2 - SIZE_MAX/256, the
 * first call with that uid); other calls and all other blocks get fresh small ids.
 */
#include "base/arena.h"
#include "blocks/internal.h"
#include "ir/lower.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define MAX_PAD 4 /* the most `->` blocks in front of an argument before it becomes a temporary */
#define MAX_KEEP_ID ((uint64_t)(SIZE_MAX / 2 - SIZE_MAX / 256))

/* ---------------------------------------------------------------------------------------------- */

/* ---------------------------------------------------------------------------------------------- */
/* The block tree. */

typedef enum { K_LEAF, K_NODE, K_IF, K_SET, K_DUP } bkind;
enum { M_FLAT, M_UP, M_DOWN, M_ANY };

typedef struct bt bt;
typedef struct blist {
    bt **st;
    size_t n, cap;
} blist;

struct bt {
    bkind kind;
    const char *typ, *lbl; /* block type and label (NULL: the type name) */
    const sj_ast *src;
    bool is_call, stateful;
    uint64_t uid;
    bool keep_uid;        /* the block id is the call's uid */
    bool no_output;       /* a call without outputs (a sink) */
    bt **kid;             /* inputs, rows 0..n-1 */
    size_t n, rows;
    size_t nextra;        /* multi-output calls: rows and variables of the other outputs */
    size_t *extra_row;
    const char **extra_var;
    blist then_, else_;   /* K_IF */
    const char *var;      /* K_SET, K_DUP: the variable */
    int64_t x, y0, o;     /* fitted: column, top row and output row (relative to the statement) */
    size_t pad;           /* `->` blocks between its output and its parent's input */
};

typedef struct binding {
    const sj_ast *read, *call;
    size_t k;
    const char *var;
} binding;

typedef struct layout {
    sj_arena A;
    const sj_blocklang *lang;
    sj_diag *diag;
    sj_status st;
    const char *prefix; /* of the layout's temporaries, unused by the program */
    const char *junk;   /* unused extra outputs are stored here */
    size_t tmp_counter;
    binding *bind;
    size_t nbind, bcap;
    uint64_t *kept; /* uids used as block ids: a hash set (0 = empty slot) */
    size_t nkept, kcap;
    size_t next_id, max_id;
    size_t nblocks;
    sj_blockfun *fun;
} layout;

static sj_status lnomem(layout *L)
{
    if (!L->st)
        L->st = sj__diag_set(L->diag, SJ_ERR_NOMEM, NULL, "out of memory");
    return L->st;
}

static const char *construct_name(const sj_ast *a, char *buf, size_t size)
{
    static const char *const ops[] = {"+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">="};
    switch (a->kind) {
    case SJ_AST_BINOP:
        snprintf(buf, size, "comparison '%s'", a->op >= 0 && a->op < 10 ? ops[a->op] : "?");
        break;
    case SJ_AST_BUF_DECLARE:
        snprintf(buf, size, "buffer declaration 'decl buf[%zu]'", a->index);
        break;
    case SJ_AST_BUF_OP:
        snprintf(buf, size, "%s", a->op == SJ_BUF_WRITE ? "buffer write" : a->op == SJ_BUF_READ ? "buffer read"
                                  : a->op == SJ_BUF_READ_LIN ? "interpolated buffer read"
                                  : a->op == SJ_TABLE_READ ? "table read" : "interpolated table read");
        break;
    case SJ_AST_LEN:
        snprintf(buf, size, "%s", a->op == SJ_LEN_TABLE ? "table length" : "buffer length");
        break;
    case SJ_AST_STMTS:
        snprintf(buf, size, "statement list inside an expression");
        break;
    default:
        snprintf(buf, size, "construct");
        break;
    }
    return buf;
}

/* Fails with code at node a: "what cannot be drawn as blocks: why"; the position is in the diag's
 * line and col, as for every other diagnostic. */
static sj_status lfail(layout *L, sj_status code, const sj_ast *a, const char *what, const char *why)
{
    if (L->st)
        return L->st;
    L->st = sj__diag_set(L->diag, code, a, "%s cannot be drawn as blocks: %s", what, why);
    if (L->diag && a && a->name)
        snprintf(L->diag->name, sizeof L->diag->name, "%s", a->name);
    if (L->diag && a && a->kind == SJ_AST_CALL)
        L->diag->uid = a->uid;
    return L->st;
}

static char *lstrdup(layout *L, const char *s)
{
    size_t n = strlen(s);
    char *d = sj__arena_alloc(&L->A, n + 1);
    if (!d) {
        lnomem(L);
        return NULL;
    }
    memcpy(d, s, n + 1);
    return d;
}

static bool lpush(layout *L, void **arr, size_t *n, size_t *cap, const void *item, size_t size)
{
    if (sj__arena_push(&L->A, arr, n, cap, item, size))
        return true;
    lnomem(L);
    return false;
}

static bool list_push(layout *L, blist *l, bt *b)
{
    return b && lpush(L, (void **)&l->st, &l->n, &l->cap, &b, sizeof b);
}

static bool list_insert(layout *L, blist *l, size_t at, bt *b)
{
    if (!list_push(L, l, b))
        return false;
    memmove(l->st + at + 1, l->st + at, (l->n - 1 - at) * sizeof *l->st);
    l->st[at] = b;
    return true;
}

static const char *new_tmp(layout *L)
{
    char buf[96];
    snprintf(buf, sizeof buf, "%s%zu", L->prefix, ++L->tmp_counter);
    return lstrdup(L, buf);
}

static bt *bnew(layout *L, bkind k, const char *typ, const char *lbl, const sj_ast *src)
{
    bt *b = sj__arena_alloc(&L->A, sizeof *b);
    if (!b) {
        lnomem(L);
        return NULL;
    }
    b->kind = k;
    b->typ = typ;
    b->lbl = lbl;
    b->src = src;
    b->rows = 1;
    return b;
}

static bool set_kids(layout *L, bt *b, size_t n)
{
    b->n = n;
    if (!n)
        return true;
    b->kid = sj__arena_alloc(&L->A, n * sizeof *b->kid);
    if (!b->kid)
        lnomem(L);
    return b->kid != NULL;
}

static bt *leaf_get(layout *L, const char *var, const sj_ast *src)
{
    return bnew(L, K_LEAF, "get", var, src);
}

static bt *root_set(layout *L, const char *var, bt *e, const sj_ast *src)
{
    if (!e)
        return NULL;
    bt *b = bnew(L, K_SET, "set", var, src);
    if (!b || !set_kids(L, b, 1))
        return NULL;
    b->var = var;
    b->kid[0] = e;
    return b;
}

/* ---------------------------------------------------------------------------------------------- */
/* Names. */

static bool reserved_name(const char *s)
{
    if (strcmp(s, "_res_") == 0)
        return true;
    if (strncmp(s, "_tmp", 4) == 0)
        return true;
    return strncmp(s, "_if", 3) == 0 && s[3] >= '0' && s[3] <= '9';
}

/* Reading the variable right after assigning it gives the assigned value. */
static bool readback_safe(const char *s)
{
    double v;
    return s[0] != '$' && s[0] != '%' && !sj__constant_value(s, &v);
}

typedef struct names {
    const char **v;
    size_t n, cap;
} names;

static bool collect_names(layout *L, const sj_ast *a, names *out)
{
    if ((a->kind == SJ_AST_VAR || a->kind == SJ_AST_ASSIGN) && a->name)
        if (!lpush(L, (void **)&out->v, &out->n, &out->cap, &a->name, sizeof a->name))
            return false;
    for (size_t i = 0; i < a->nkids; i++)
        if (a->kids[i] && !collect_names(L, a->kids[i], out))
            return false;
    return true;
}

static bool choose_prefix(layout *L, const sj_ast *ast)
{
    names nm = {0};
    if (!collect_names(L, ast, &nm))
        return false;
    char pre[64] = "_t";
    for (;;) {
        size_t pl = strlen(pre);
        bool clash = false;
        for (size_t i = 0; i < nm.n && !clash; i++)
            clash = strncmp(nm.v[i], pre, pl) == 0;
        if (!clash || pl + 2 >= sizeof pre)
            break;
        memmove(pre + 1, pre, pl + 1);
        pre[0] = '_';
    }
    char junk[80];
    snprintf(junk, sizeof junk, "%sdrop", pre);
    L->prefix = lstrdup(L, pre);
    L->junk = lstrdup(L, junk);
    return L->prefix && L->junk;
}

/* ---------------------------------------------------------------------------------------------- */
/* Node types. */

static size_t type_output_count(const sj_block_type *t)
{
    size_t k = 0;
    for (size_t i = 0; i < t->noutputs; i++)
        k += t->outputs[i] != NULL;
    return k;
}

/* Does a call of this type write the %k slots? (The block language keeps no signatures; in the
 * standard library exactly the nodes with several outputs have 'M'.) */
static bool writes_slots(const sj_block_type *t)
{
    return type_output_count(t) > 1;
}

static const sj_block_type *call_type(layout *L, const sj_ast *a)
{
    const sj_block_type *t = a->name ? sj_blocklang_find(L->lang, a->name) : NULL;
    if (!t || (strcmp(t->category, "nodes") != 0 && strcmp(t->category, "functions") != 0))
        return NULL;
    return t;
}

/* ---------------------------------------------------------------------------------------------- */
/* 1. %k reads: which call wrote the slots (evaluation order; after an if whose branches differ,
 *    nobody knows). */

static const sj_ast UNKNOWN_CALL;

static void scan(layout *L, const sj_ast *a, const sj_ast **last, size_t depth)
{
    if (!a || L->st || depth > SJ_MAX_AST_HEIGHT + 8)
        return;
    switch (a->kind) {
    case SJ_AST_IF: {
        scan(L, a->nkids ? a->kids[0] : NULL, last, depth + 1);
        const sj_ast *s0 = *last;
        scan(L, a->nkids > 1 ? a->kids[1] : NULL, last, depth + 1);
        const sj_ast *s1 = *last;
        *last = s0;
        scan(L, a->nkids > 2 ? a->kids[2] : NULL, last, depth + 1);
        if (*last != s1)
            *last = &UNKNOWN_CALL;
        return;
    }
    case SJ_AST_CALL: {
        const sj_block_type *t = call_type(L, a);
        size_t nin = t ? t->ninputs : a->nkids;
        for (size_t i = 0; i < a->nkids && i < nin; i++)
            scan(L, a->kids[i], last, depth + 1);
        if (t && writes_slots(t))
            *last = a;
        else if (!t)
            *last = &UNKNOWN_CALL;
        return;
    }
    case SJ_AST_VAR:
        if (a->name && a->name[0] == '%' && *last && *last != &UNKNOWN_CALL) {
            char *end;
            unsigned long k = strtoul(a->name + 1, &end, 10);
            const sj_block_type *t = call_type(L, *last);
            if (a->name[1] >= '1' && a->name[1] <= '9' && !*end && t && k < type_output_count(t)) {
                const char *var = NULL;
                for (size_t i = 0; i < L->nbind && !var; i++)
                    if (L->bind[i].call == *last && L->bind[i].k == k)
                        var = L->bind[i].var;
                if (!var && !(var = new_tmp(L)))
                    return;
                binding bd = {a, *last, (size_t)k, var};
                lpush(L, (void **)&L->bind, &L->nbind, &L->bcap, &bd, sizeof bd);
            }
        }
        return;
    default:
        for (size_t i = 0; i < a->nkids; i++)
            scan(L, a->kids[i], last, depth + 1);
        return;
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* 2. AST -> block trees. */

static bool value_label(double v, char *buf, size_t size)
{
    if (isnan(v)) {
        double q = NAN;
        if (memcmp(&q, &v, sizeof v) != 0)
            return false;
        snprintf(buf, size, "NaN");
        return true;
    }
    if (isinf(v)) {
        snprintf(buf, size, v < 0 ? "-inf" : "inf");
        return true;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        double back = strtod(buf, NULL);
        if (memcmp(&back, &v, sizeof v) == 0)
            return true;
    }
    return false;
}

static bt *conv_expr(layout *L, const sj_ast *a, bool want_value, size_t depth);
static bool conv_list(layout *L, const sj_ast *a, blist *out, bool want_value, size_t depth);

static bool check_var_name(layout *L, const sj_ast *a)
{
    if (!a->name)
        return lfail(L, SJ_ERR_INVALID_ARGUMENT, a, "a variable without a name", "the AST is malformed") && false;
    if (reserved_name(a->name)) {
        char what[128];
        snprintf(what, sizeof what, "the variable '%.60s'", a->name);
        lfail(L, SJ_ERR_UNSUPPORTED, a, what, "the block compiler uses this name for its own temporaries");
        return false;
    }
    return true;
}

static size_t kept_slot(const layout *L, uint64_t u)
{
    uint64_t h = u * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h >> 20) & (L->kcap - 1);
    while (L->kept[i] && L->kept[i] != u)
        i = (i + 1) & (L->kcap - 1);
    return i;
}

static bool kept_has(const layout *L, uint64_t u)
{
    return L->kcap && L->kept[kept_slot(L, u)] == u;
}

static bool kept_add(layout *L, uint64_t u)
{
    if ((L->nkept + 1) * 2 > L->kcap) {
        size_t oc = L->kcap, nc = oc ? oc * 2 : 64;
        uint64_t *old = L->kept, *nv = sj__arena_alloc(&L->A, nc * sizeof *nv);
        if (!nv) {
            lnomem(L);
            return false;
        }
        L->kept = nv;
        L->kcap = nc;
        for (size_t i = 0; i < oc; i++)
            if (old[i])
                L->kept[kept_slot(L, old[i])] = old[i];
    }
    L->kept[kept_slot(L, u)] = u;
    L->nkept++;
    return true;
}

static bt *conv_call(layout *L, const sj_ast *a, bool want_value, size_t depth)
{
    const sj_block_type *t = call_type(L, a);
    char what[128];
    snprintf(what, sizeof what, "the call of '%.60s'", a->name ? a->name : "?");
    if (!t) {
        lfail(L, SJ_ERR_UNDEFINED_NODE, a, what, "the block language has no node of that name");
        return NULL;
    }
    size_t nin = t->ninputs;
    if (a->nkids < nin) {
        lfail(L, SJ_ERR_NOT_ENOUGH_ARGS, a, what, "it has fewer arguments than the node has inputs");
        return NULL;
    }
    bool named = !(nin > 0 && t->inputs[0] && t->inputs[0][0] == 0);
    for (size_t i = 0; i < nin; i++) {
        if (!t->inputs[i]) {
            lfail(L, SJ_ERR_UNSUPPORTED, a, what, "the node's block has a row without an input port");
            return NULL;
        }
        for (size_t j = 0; named && j < i; j++)
            if (strcmp(t->inputs[i], t->inputs[j]) == 0) {
                lfail(L, SJ_ERR_UNSUPPORTED, a, what,
                      "two inputs of the node have the same block label (the first two bytes of their names)");
                return NULL;
            }
    }
    size_t cnt = type_output_count(t);
    if (cnt == 0 && want_value) {
        lfail(L, SJ_ERR_UNSUPPORTED, a, what, "the node has no output, so its value cannot feed another block");
        return NULL;
    }
    if (cnt > 0 && !t->outputs[0]) {
        lfail(L, SJ_ERR_UNSUPPORTED, a, what, "the node's first output is not on its first row");
        return NULL;
    }
    for (size_t i = 1; i < t->noutputs; i++)
        for (size_t j = 0; t->outputs[i] && j < i; j++)
            if (t->outputs[j] && strcmp(t->outputs[i], t->outputs[j]) == 0) {
                lfail(L, SJ_ERR_UNSUPPORTED, a, what,
                      "two outputs of the node have the same block label (the first two bytes of their names)");
                return NULL;
            }
    bt *b = bnew(L, K_NODE, t->name, NULL, a);
    if (!b || !set_kids(L, b, nin))
        return NULL;
    b->is_call = true;
    b->stateful = strcmp(t->category, "nodes") == 0;
    b->uid = a->uid;
    b->rows = t->rows;
    b->no_output = cnt == 0;
    for (size_t i = 0; i < nin; i++)
        if (!(b->kid[i] = conv_expr(L, a->kids[i], true, depth + 1)))
            return NULL;
    if (cnt > 1) {
        b->extra_row = sj__arena_alloc(&L->A, cnt * sizeof *b->extra_row);
        b->extra_var = sj__arena_alloc(&L->A, cnt * sizeof *b->extra_var);
        if (!b->extra_row || !b->extra_var) {
            lnomem(L);
            return NULL;
        }
        size_t k = 0;
        for (size_t r = 0; r < t->noutputs; r++) {
            if (!t->outputs[r])
                continue;
            if (k > 0) {
                const char *var = L->junk;
                for (size_t i = 0; i < L->nbind; i++)
                    if (L->bind[i].call == a && L->bind[i].k == k)
                        var = L->bind[i].var;
                b->extra_row[b->nextra] = r;
                b->extra_var[b->nextra++] = var;
            }
            k++;
        }
    }
    /* Block ids are uids: keep this one unless the file format cannot hold it or a block has it. */
    if (a->uid >= 1 && a->uid <= MAX_KEEP_ID) {
        if (!kept_has(L, a->uid)) {
            b->keep_uid = true;
            if (!kept_add(L, a->uid))
                return NULL;
        } else if (b->stateful) {
            lfail(L, SJ_ERR_UNSUPPORTED, a, what, "another call has the same state uid; blocks cannot share state");
            return NULL;
        }
    }
    return b;
}

/* The block type of a comparison a OP b: the library node that computes OP (eq, ne, lt, le, gt, ge:
 * the same IR operation, so the same value bit for bit), with inputs a and b on rows 0 and 1 like
 * `-` and `/`. Pure, so it is no call for the hoisting rule and needs no uid. An `if` on it branches
 * as on the operator: the block `if` is true at >= 0.5 and the node gives 1 or 0 (NaN included:
 * ordered comparisons give 0, `!=` gives 1, on both sides). NULL (failed) when the language lacks
 * that node or has another node of that name. */
static const char *comparison_type(layout *L, const sj_ast *a)
{
    static const char *const node_names[] = {"eq", "ne", "lt", "le", "gt", "ge"};
    static const int ir_ops[] = {SJ_IR_EQ, SJ_IR_NE, SJ_IR_LT, SJ_IR_LE, SJ_IR_GT, SJ_IR_GE};
    size_t k = (size_t)(a->op - SJ_EQ);
    const sj__btype *t = sj__blocklang_type(L->lang, node_names[k]);
    if (t && t->node_op == ir_ops[k])
        return t->pub.name;
    char what[64], why[128];
    snprintf(why, sizeof why, "the block language lacks the standard library's comparison node '%s'", node_names[k]);
    lfail(L, SJ_ERR_UNSUPPORTED, a, construct_name(a, what, sizeof what), why);
    return NULL;
}

static bt *conv_expr(layout *L, const sj_ast *a, bool want_value, size_t depth)
{
    if (L->st)
        return NULL;
    if (!a) {
        lfail(L, SJ_ERR_INVALID_ARGUMENT, NULL, "a missing expression", "the AST is malformed");
        return NULL;
    }
    char what[128];
    switch (a->kind) {
    case SJ_AST_LIT: {
        if (memcmp(&a->value, &(double){M_PI}, sizeof(double)) == 0)
            return bnew(L, K_LEAF, "\xCF\x80", NULL, a);
        if (memcmp(&a->value, &(double){2.0 * M_PI}, sizeof(double)) == 0)
            return bnew(L, K_LEAF, "2\xCF\x80", NULL, a);
        char buf[64];
        if (!value_label(a->value, buf, sizeof buf)) {
            lfail(L, SJ_ERR_UNSUPPORTED, a, "a NaN literal with a sign or payload",
                  "a value block holds only the plain NaN");
            return NULL;
        }
        const char *lbl = lstrdup(L, buf);
        return lbl ? bnew(L, K_LEAF, "value", lbl, a) : NULL;
    }
    case SJ_AST_VAR:
        if (!check_var_name(L, a))
            return NULL;
        if (a->name[0] == '%') {
            for (size_t i = 0; i < L->nbind; i++)
                if (L->bind[i].read == a)
                    return leaf_get(L, L->bind[i].var, a);
            snprintf(what, sizeof what, "the read of '%.60s'", a->name);
            lfail(L, SJ_ERR_UNSUPPORTED, a, what,
                  "blocks show only the outputs of the multi-output call that surely ran last, and here no such "
                  "call has that output");
            return NULL;
        }
        if (strcmp(a->name, "PI") == 0) /* the constants (assignments never change them) */
            return bnew(L, K_LEAF, "\xCF\x80", NULL, a);
        if (strcmp(a->name, "TAU") == 0)
            return bnew(L, K_LEAF, "2\xCF\x80", NULL, a);
        return leaf_get(L, a->name, a);
    case SJ_AST_ASSIGN: {
        if (!check_var_name(L, a))
            return NULL;
        bt *e = conv_expr(L, a->nkids ? a->kids[0] : NULL, true, depth + 1);
        bt *b = e ? bnew(L, K_DUP, "->2", NULL, a) : NULL;
        if (!b || !set_kids(L, b, 1))
            return NULL;
        b->kid[0] = e;
        b->var = a->name;
        b->rows = 2;
        return b;
    }
    case SJ_AST_BINOP: {
        static const char *const ops[] = {"+", "-", "*", "/"};
        if (a->op < SJ_ADD || a->op > SJ_GE || a->nkids != 2) {
            lfail(L, SJ_ERR_INVALID_ARGUMENT, a, "a binary operator", "the AST is malformed");
            return NULL;
        }
        const char *typ = a->op <= SJ_DIV ? ops[a->op] : comparison_type(L, a);
        bt *b = typ ? bnew(L, K_NODE, typ, NULL, a) : NULL;
        if (!b || !set_kids(L, b, 2))
            return NULL;
        b->rows = 2;
        for (size_t i = 0; i < 2; i++)
            if (!(b->kid[i] = conv_expr(L, a->kids[i], true, depth + 1)))
                return NULL;
        return b;
    }
    case SJ_AST_IF: {
        bt *b = bnew(L, K_IF, "if", NULL, a);
        if (!b || !set_kids(L, b, 1) || !(b->kid[0] = conv_expr(L, a->nkids ? a->kids[0] : NULL, true, depth + 1)))
            return NULL;
        if (a->nkids > 1 && a->kids[1] && !conv_list(L, a->kids[1], &b->then_, want_value, depth + 1))
            return NULL;
        if (a->nkids > 2 && a->kids[2] && !conv_list(L, a->kids[2], &b->else_, want_value, depth + 1))
            return NULL;
        return b;
    }
    case SJ_AST_CALL:
        return conv_call(L, a, want_value, depth);
    case SJ_AST_STMTS:
        lfail(L, SJ_ERR_UNSUPPORTED, a, construct_name(a, what, sizeof what),
              "a block has one value; write the statements before it");
        return NULL;
    case SJ_AST_BUF_DECLARE:
    case SJ_AST_BUF_OP:
    case SJ_AST_LEN:
        lfail(L, SJ_ERR_UNSUPPORTED, a, construct_name(a, what, sizeof what),
              "the block language has no buffers or tables");
        return NULL;
    }
    lfail(L, SJ_ERR_INVALID_ARGUMENT, a, "an unknown AST node", "the AST is malformed");
    return NULL;
}

/* Statements of a list (nested statement lists are spliced in). With want_value the last
 * statement gives the list's value (an unconnected output). */
static bool conv_stmt(layout *L, const sj_ast *s, blist *out, bool last, size_t depth)
{
    if (L->st)
        return false;
    if (s->kind == SJ_AST_STMTS) {
        for (size_t i = 0; i < s->nkids; i++)
            if (!conv_stmt(L, s->kids[i], out, last && i + 1 == s->nkids, depth + 1))
                return false;
        if (last && s->nkids == 0) /* an empty list's value is 0.0 */
            return list_push(L, out, bnew(L, K_LEAF, "value", "0", s));
        return true;
    }
    if (s->kind == SJ_AST_ASSIGN) {
        if (!check_var_name(L, s))
            return false;
        bt *e = conv_expr(L, s->nkids ? s->kids[0] : NULL, true, depth + 1);
        if (!e)
            return false;
        if (last && !readback_safe(s->name)) { /* value and assignment from one ->2 */
            bt *b = bnew(L, K_DUP, "->2", NULL, s);
            if (!b || !set_kids(L, b, 1))
                return false;
            b->kid[0] = e;
            b->var = s->name;
            b->rows = 2;
            return list_push(L, out, b);
        }
        if (!list_push(L, out, root_set(L, s->name, e, s)))
            return false;
        return !last || list_push(L, out, leaf_get(L, s->name, s));
    }
    if (!last && (s->kind == SJ_AST_LIT || (s->kind == SJ_AST_VAR && s->name && s->name[0] != '%')))
        return true; /* no effect */
    bt *e = conv_expr(L, s, s->kind == SJ_AST_CALL ? false : last, depth + 1);
    if (!e)
        return false;
    if (!list_push(L, out, e))
        return false;
    if (last && e->no_output)
        return list_push(L, out, bnew(L, K_LEAF, "value", "0", s));
    return true;
}

static bool conv_list(layout *L, const sj_ast *a, blist *out, bool want_value, size_t depth)
{
    return conv_stmt(L, a, out, want_value, depth);
}

/* ---------------------------------------------------------------------------------------------- */
/* Effects, for hoisting: variables read and written, and calls that touch the shared DSP state. */

typedef struct effects {
    const char **r, **w;
    size_t nr, cr, nw, cw;
    bool global;
} effects;

static bool effects_of(layout *L, const bt *b, effects *e);

static bool effects_list(layout *L, const blist *l, effects *e)
{
    for (size_t i = 0; i < l->n; i++)
        if (!effects_of(L, l->st[i], e))
            return false;
    return true;
}

static bool effects_of(layout *L, const bt *b, effects *e)
{
    if (b->kind == K_LEAF && strcmp(b->typ, "get") == 0)
        if (!lpush(L, (void **)&e->r, &e->nr, &e->cr, &b->lbl, sizeof b->lbl))
            return false;
    if ((b->kind == K_SET || b->kind == K_DUP) && !lpush(L, (void **)&e->w, &e->nw, &e->cw, &b->var, sizeof b->var))
        return false;
    for (size_t i = 0; i < b->nextra; i++)
        if (!lpush(L, (void **)&e->w, &e->nw, &e->cw, &b->extra_var[i], sizeof b->extra_var[i]))
            return false;
    if (b->is_call) /* node signatures are unknown here: any call may touch the DSP state (atoms) */
        e->global = true;
    for (size_t i = 0; i < b->n; i++)
        if (!effects_of(L, b->kid[i], e))
            return false;
    return effects_list(L, &b->then_, e) && effects_list(L, &b->else_, e);
}

static bool names_meet(const char **a, size_t na, const char **b, size_t nb)
{
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (strcmp(a[i], b[j]) == 0)
                return true;
    return false;
}

static bool commute(const effects *a, const effects *b)
{
    return !(a->global && b->global) && !names_meet(a->w, a->nw, b->r, b->nr) &&
           !names_meet(a->w, a->nw, b->w, b->nw) && !names_meet(b->w, b->nw, a->r, a->nr);
}

/* ---------------------------------------------------------------------------------------------- */
/* 3a. Fitting a statement: cells taken so far (a hash set of (x, y) with a rollback stack). */

typedef struct cellset {
    uint64_t *keys;
    bool *full;
    size_t cap, n;
    uint64_t *stack;
    size_t sn, scap;
} cellset;

static uint64_t cell_key(int64_t x, int64_t y)
{
    return (uint64_t)(uint32_t)(int32_t)x << 32 | (uint32_t)(int32_t)y;
}

static size_t cell_home(const cellset *cs, uint64_t k)
{
    k ^= k >> 29;
    k *= 0xBF58476D1CE4E5B9ull;
    k ^= k >> 32;
    return (size_t)k & (cs->cap - 1);
}

static bool cell_has(const cellset *cs, int64_t x, int64_t y)
{
    if (!cs->cap)
        return false;
    uint64_t k = cell_key(x, y);
    for (size_t i = cell_home(cs, k); cs->full[i]; i = (i + 1) & (cs->cap - 1))
        if (cs->keys[i] == k)
            return true;
    return false;
}

static void cell_insert(cellset *cs, uint64_t k)
{
    size_t i = cell_home(cs, k);
    while (cs->full[i])
        i = (i + 1) & (cs->cap - 1);
    cs->keys[i] = k;
    cs->full[i] = true;
    cs->n++;
}

static bool cell_add(layout *L, cellset *cs, int64_t x, int64_t y)
{
    if ((cs->n + 1) * 2 > cs->cap) {
        size_t oc = cs->cap, nc = oc ? oc * 2 : 256;
        uint64_t *ok = cs->keys, *nk = sj__malloc(nc * sizeof *nk);
        bool *of = cs->full, *nf = sj__calloc(nc, sizeof *nf);
        if (!nk || !nf) {
            sj__free(nk);
            sj__free(nf);
            lnomem(L);
            return false;
        }
        cs->keys = nk;
        cs->full = nf;
        cs->cap = nc;
        cs->n = 0;
        for (size_t i = 0; i < oc; i++)
            if (of[i])
                cell_insert(cs, ok[i]);
        sj__free(ok);
        sj__free(of);
    }
    if (!sj__grow((void **)&cs->stack, &cs->scap, cs->sn + 1, sizeof *cs->stack)) {
        lnomem(L);
        return false;
    }
    uint64_t k = cell_key(x, y);
    cell_insert(cs, k);
    cs->stack[cs->sn++] = k;
    return true;
}

/* Removes the cells added after mark (linear probing with backward-shift deletion). */
static void cell_rollback(cellset *cs, size_t mark)
{
    while (cs->sn > mark) {
        uint64_t k = cs->stack[--cs->sn];
        size_t i = cell_home(cs, k);
        while (cs->keys[i] != k || !cs->full[i])
            i = (i + 1) & (cs->cap - 1);
        cs->full[i] = false;
        cs->n--;
        for (size_t j = (i + 1) & (cs->cap - 1); cs->full[j]; j = (j + 1) & (cs->cap - 1)) {
            size_t h = cell_home(cs, cs->keys[j]);
            bool move = i <= j ? (h <= i || h > j) : (h <= i && h > j);
            if (move) {
                cs->keys[i] = cs->keys[j];
                cs->full[i] = true;
                cs->full[j] = false;
                i = j;
            }
        }
    }
}

static void cell_free(cellset *cs)
{
    sj__free(cs->keys);
    sj__free(cs->full);
    sj__free(cs->stack);
    memset(cs, 0, sizeof *cs);
}

typedef struct fitter {
    cellset cs;
    size_t work, budget;
} fitter;

/* Fits b with its output on (x, yout), a cell its parent has reserved for it. Tries the output on
 * each row of the block (top first, then bottom: a block above its siblings grows upwards). Each
 * attempt takes the block's cells, the cells of the set blocks its extra outputs feed, and reserves
 * the cell left of each input for the argument, so an argument never takes another one's place.
 * Returns NULL when it fits (b->x, b->y0, b->o set), else the node to hoist. allow_multi: b may
 * have extra outputs (only at the root of a statement, where they are the last sinks). up: try the
 * output on the bottom row first. */
static bt *fit(layout *L, fitter *F, bt *b, int64_t x, int64_t yout, bool allow_multi, bool up, size_t minpad);

static bt *fit_at(layout *L, fitter *F, bt *b, int64_t x, int64_t yout, bool allow_multi, bool up)
{
    if (L->st)
        return b;
    if ((b->nextra || b->kind == K_DUP) && !allow_multi)
        return b;
    if (b->n && ++F->work > F->budget) /* a leaf always fits its reserved cell */
        return b;
    int64_t r = (int64_t)b->rows;
    bool single = !b->nextra && b->kind != K_DUP && !b->no_output;
    int64_t ncand = single ? r : 1;
    bt *first = NULL;
    for (int64_t c = 0; c < ncand; c++) {
        int64_t o = c == 0 ? (up ? r - 1 : 0) : c == 1 ? (up ? 0 : r - 1) : c - 1;
        int64_t y0 = yout - o;
        size_t mark = F->cs.sn;
        bool ok = true;
        for (int64_t k = 0; k < r && ok; k++)
            if (k != o)
                ok = !cell_has(&F->cs, x, y0 + k) && cell_add(L, &F->cs, x, y0 + k);
        for (size_t k = 0; k < b->nextra && ok; k++)
            ok = !cell_has(&F->cs, x + 1, y0 + (int64_t)b->extra_row[k]) &&
                 cell_add(L, &F->cs, x + 1, y0 + (int64_t)b->extra_row[k]);
        if (ok && b->kind == K_DUP)
            ok = !cell_has(&F->cs, x + 1, y0 + 1) && cell_add(L, &F->cs, x + 1, y0 + 1);
        for (size_t i = 0; i < b->n && ok; i++)
            ok = !cell_has(&F->cs, x - 1, y0 + (int64_t)i) && cell_add(L, &F->cs, x - 1, y0 + (int64_t)i);
        size_t prev_mark = F->cs.sn;
        for (size_t i = 0; i < b->n && ok; i++) {
            /* Arguments are fitted in order: all but the last grow upwards, away from the next. */
            size_t m = F->cs.sn;
            bt *cul = fit(L, F, b->kid[i], x - 1, y0 + (int64_t)i, false, b->n == 1 ? up : i + 1 < b->n, 0);
            /* When it does not fit, the argument before it may make room by moving further left. */
            for (size_t minpad = 1; cul && i > 0 && minpad <= 2 && !L->st; minpad++) {
                cell_rollback(&F->cs, prev_mark);
                if (fit(L, F, b->kid[i - 1], x - 1, y0 + (int64_t)i - 1, false, true, minpad))
                    break;
                m = F->cs.sn;
                cul = fit(L, F, b->kid[i], x - 1, y0 + (int64_t)i, false, i + 1 < b->n, 0);
            }
            prev_mark = m;
            if (cul) {
                if (!first)
                    first = cul;
                ok = false;
            }
        }
        if (L->st)
            return b;
        if (ok) {
            b->x = x;
            b->y0 = y0;
            b->o = o;
            return NULL;
        }
        cell_rollback(&F->cs, mark);
    }
    return first ? first : b;
}

/* fit_at, and when that fails, the same a few columns further left behind `->` blocks on the
 * output row (a subtree often fits beyond the columns its earlier siblings take). */
static bt *fit(layout *L, fitter *F, bt *b, int64_t x, int64_t yout, bool allow_multi, bool up, size_t minpad)
{
    b->pad = 0;
    bt *first = minpad ? b : fit_at(L, F, b, x, yout, allow_multi, up);
    if (!first || L->st || allow_multi || !b->n)
        return first;
    size_t mark = F->cs.sn;
    for (int64_t pad = 1; pad <= MAX_PAD && F->work <= F->budget; pad++) {
        if (cell_has(&F->cs, x - pad, yout) || !cell_add(L, &F->cs, x - pad, yout))
            break;
        if (pad < (int64_t)minpad)
            continue;
        if (!fit_at(L, F, b, x - pad, yout, allow_multi, up)) {
            b->pad = (size_t)pad;
            return NULL;
        }
        if (L->st)
            return b;
    }
    cell_rollback(&F->cs, mark);
    return first;
}

static size_t tree_size(const bt *b)
{
    size_t n = 1;
    for (size_t i = 0; i < b->n; i++)
        n += tree_size(b->kid[i]);
    return n;
}

/* Hoisting cul out of the statement would not shrink it: the root, a leaf, or the input of a set
 * root (the input of a ->2 root is fine when it has extra outputs: a set root allows those). */
static bool useless_hoist(const bt *root, const bt *cul)
{
    if (cul == root || (!cul->n && !cul->nextra))
        return true;
    if (root->kind == K_SET && cul == root->kid[0])
        return true;
    return root->kind == K_DUP && cul == root->kid[0] && !cul->nextra && cul->kind != K_DUP;
}

/* Fits a statement with its root's output (or its set) at (0, 0). Returns the node to hoist or NULL.
 * Never the root, nor the input of a set or ->2 root (hoisting those would not shrink anything):
 * then the first argument below that is not a leaf. */
static bt *fit_root(layout *L, fitter *F, bt *root)
{
    cell_rollback(&F->cs, 0);
    F->work = 0;
    F->budget = 2000 + 128 * tree_size(root);
    bt *cul;
    if (root->kind == K_SET || root->kind == K_DUP) {
        root->x = 0;
        root->y0 = 0;
        root->o = 0;
        if (!cell_add(L, &F->cs, 0, 0) || (root->kind == K_DUP && (!cell_add(L, &F->cs, 0, 1) ||
                                                                     !cell_add(L, &F->cs, 1, 1))) ||
            !cell_add(L, &F->cs, -1, 0))
            return root;
        cul = fit(L, F, root->kid[0], -1, 0, root->kind == K_SET, false, 0);
    } else {
        if (!cell_add(L, &F->cs, 0, 0))
            return root;
        cul = fit(L, F, root, 0, 0, true, false, 0);
    }
    while (cul && useless_hoist(root, cul)) {
        bt *next = NULL;
        for (size_t i = 0; i < cul->n && !next; i++)
            if (cul->kid[i]->n)
                next = cul->kid[i];
        if (!next)
            break;
        cul = next;
    }
    return cul;
}

/* ---------------------------------------------------------------------------------------------- */
/* 3b. Hoisting. */

typedef struct slots {
    bt ***v;
    size_t n, cap;
} slots;

/* The slots evaluated before target (whole subtrees, in evaluation order); *found: target's slot. */
static bool prefix_of(layout *L, bt **slot, const bt *target, slots *pre, bt ***found)
{
    bt *b = *slot;
    if (b == target) {
        *found = slot;
        return true;
    }
    for (size_t i = 0; i < b->n; i++) {
        bool in = false;
        slots tmp = {0};
        bt **f = NULL;
        if (!prefix_of(L, &b->kid[i], target, &tmp, &f))
            return false;
        in = f != NULL;
        if (in) {
            for (size_t k = 0; k < tmp.n; k++)
                if (!lpush(L, (void **)&pre->v, &pre->n, &pre->cap, &tmp.v[k], sizeof tmp.v[k]))
                    return false;
            *found = f;
            return true;
        }
        bt **s = &b->kid[i];
        if (!lpush(L, (void **)&pre->v, &pre->n, &pre->cap, &s, sizeof s))
            return false;
    }
    pre->n = 0; /* target not below b: nothing counts */
    return true;
}

/* Moves the subtree in *slot to a statement (inserted at *at in l) and leaves a get in its place. */
static bool hoist_one(layout *L, blist *l, size_t *at, bt **slot)
{
    bt *s = *slot;
    if (s->kind == K_DUP) { /* an assignment inside an expression */
        if (readback_safe(s->var)) {
            bt *g = leaf_get(L, s->var, s->src);
            if (!g || !list_insert(L, l, (*at)++, root_set(L, s->var, s->kid[0], s->src)))
                return false;
            *slot = g;
            return true;
        }
        const char *t = new_tmp(L);
        bt *g1 = t ? leaf_get(L, t, s->src) : NULL, *g2 = t ? leaf_get(L, t, s->src) : NULL;
        if (!g1 || !g2 || !list_insert(L, l, (*at)++, root_set(L, t, s->kid[0], s->src)) ||
            !list_insert(L, l, (*at)++, root_set(L, s->var, g1, s->src)))
            return false;
        *slot = g2;
        return true;
    }
    const char *t = new_tmp(L);
    bt *g = t ? leaf_get(L, t, s->src) : NULL;
    if (!g || !list_insert(L, l, (*at)++, root_set(L, t, s, s->src)))
        return false;
    *slot = g;
    return true;
}

/* Hoists culprit out of statement l->st[i], with whatever evaluated before it does not commute. */
static bool hoist(layout *L, blist *l, size_t i, bt *culprit)
{
    slots pre = {0};
    bt **found = NULL;
    bt **root = &l->st[i];
    /* The root itself is never hoisted; search below it. */
    for (size_t k = 0; k < (*root)->n && !found; k++) {
        slots tmp = {0};
        bt **f = NULL;
        if (!prefix_of(L, &(*root)->kid[k], culprit, &tmp, &f))
            return false;
        if (f) {
            for (size_t q = 0; q < tmp.n; q++)
                if (!lpush(L, (void **)&pre.v, &pre.n, &pre.cap, &tmp.v[q], sizeof tmp.v[q]))
                    return false;
            found = f;
        } else {
            bt **s = &(*root)->kid[k];
            if (!lpush(L, (void **)&pre.v, &pre.n, &pre.cap, &s, sizeof s))
                return false;
        }
    }
    if (!found)
        return lfail(L, SJ_ERR_INTERNAL, culprit->src, "a part of the program", "layout failed") && false;
    bool *h = sj__arena_alloc(&L->A, (pre.n + 1) * sizeof *h);
    effects later = {0};
    if (!h || !effects_of(L, *found, &later)) {
        lnomem(L);
        return false;
    }
    for (size_t k = pre.n; k-- > 0;) {
        effects e = {0};
        if (!effects_of(L, *pre.v[k], &e))
            return false;
        if (!commute(&e, &later)) {
            h[k] = true;
            if (!effects_of(L, *pre.v[k], &later))
                return false;
        }
    }
    size_t at = i;
    for (size_t k = 0; k < pre.n; k++)
        if (h[k] && !hoist_one(L, l, &at, pre.v[k]))
            return false;
    return hoist_one(L, l, &at, found);
}

/* ---------------------------------------------------------------------------------------------- */
/* 3c. Placing blocks. */

static size_t fresh_id(layout *L)
{
    for (;;) {
        size_t id = ++L->next_id;
        if (!kept_has(L, (uint64_t)id))
            return id;
    }
}

static bool layout_list(layout *L, blist *l, size_t area);

static bool add_block(layout *L, size_t area, const char *typ, const char *lbl, size_t id, int64_t x, int64_t y,
                      sj__block **out)
{
    const sj_block_type *t = sj_blocklang_find(L->lang, typ);
    if (!t) {
        lfail(L, SJ_ERR_NOT_FOUND, NULL, "a block", "the language lacks a built-in block type");
        return false;
    }
    if (++L->nblocks > SJ__BLOCK_MAX_BLOCKS || x > SJ_BLOCK_COORD_MAX || y > SJ_BLOCK_COORD_MAX - 256) {
        lfail(L, SJ_ERR_LIMIT, NULL, "the program", "it needs more blocks than a block file holds (65536)");
        return false;
    }
    sj__area *a = L->fun->areas[area];
    /* The fitting never overlaps blocks; checked while the area is small (the scan is linear). */
    if (a->n < 1024 && !sj__area_has_space(a, x, y, t->rows)) {
        lfail(L, SJ_ERR_INTERNAL, NULL, "a block", "two blocks of the layout overlap");
        return false;
    }
    sj__block *b = sj__block_new_from_type(t, id, lbl);
    if (!b) {
        lnomem(L);
        return false;
    }
    b->x = x;
    b->y = y;
    if (!sj__area_add(a, b)) {
        sj__block_free(b);
        lnomem(L);
        return false;
    }
    if (id > L->max_id)
        L->max_id = id;
    if (out)
        *out = b;
    return true;
}

/* Puts the (single) output port of a block on row o, as shift_port would. */
static bool move_output(layout *L, sj__block *b, size_t o)
{
    if (o >= b->rows || sj__block_count_outputs(b) != 1) {
        lfail(L, SJ_ERR_INTERNAL, NULL, "a block", "bad output row");
        return false;
    }
    char **v = sj__calloc(b->rows, sizeof *v);
    if (!v) {
        lnomem(L);
        return false;
    }
    for (size_t i = 0; i < b->noutputs; i++)
        if (b->outputs[i])
            v[o] = b->outputs[i];
    sj__free(b->outputs);
    b->outputs = v;
    b->noutputs = b->rows;
    return true;
}

static bool new_area(layout *L, size_t *idx)
{
    if (L->fun->nareas >= SJ__BLOCK_MAX_AREAS) {
        lfail(L, SJ_ERR_LIMIT, NULL, "the program", "too many if blocks");
        return false;
    }
    sj__area *a = sj__area_new(1, 1, true);
    if (!a || !sj__blockfun_push_area(L->fun, a)) {
        sj__area_free(a);
        lnomem(L);
        return false;
    }
    *idx = L->fun->nareas - 1;
    return true;
}

/* Creates the blocks of a fitted tree, shifted by (dx, dy). */
static bool place(layout *L, bt *b, size_t area, int64_t dx, int64_t dy, size_t depth)
{
    if (depth > SJ_MAX_AST_HEIGHT * 2) {
        lfail(L, SJ_ERR_TOO_DEEP, b->src, "the program", "it is nested too deeply");
        return false;
    }
    int64_t x = b->x + dx, y0 = b->y0 + dy;
    size_t id = b->keep_uid ? (size_t)b->uid : fresh_id(L);
    sj__block *blk;
    if (!add_block(L, area, b->typ, b->lbl, id, x, y0, &blk))
        return false;
    if (b->o > 0 && !move_output(L, blk, (size_t)b->o))
        return false;
    for (size_t k = 1; k <= b->pad; k++)
        if (!add_block(L, area, "->", NULL, fresh_id(L), x + (int64_t)k, y0 + b->o, NULL))
            return false;
    if (b->kind == K_IF) {
        size_t s0, s1;
        if (!new_area(L, &s0) || !new_area(L, &s1))
            return false;
        blk->contains[0] = s0;
        blk->contains[1] = s1;
        if (!layout_list(L, &b->then_, s0) || !layout_list(L, &b->else_, s1))
            return false;
    }
    if (b->kind == K_DUP && !add_block(L, area, "set", b->var, fresh_id(L), x + 1, y0 + 1, NULL))
        return false;
    for (size_t i = 0; i < b->nextra; i++)
        if (!add_block(L, area, "set", b->extra_var[i], fresh_id(L), x + 1, y0 + (int64_t)b->extra_row[i], NULL))
            return false;
    for (size_t i = 0; i < b->n; i++)
        if (!place(L, b->kid[i], area, dx, dy, depth + 1))
            return false;
    return true;
}

/* Lays out a statement list in an (empty) area: one chain per statement, from the top, each
 * starting at column 0 and below the rows of the one before. */
static bool layout_list(layout *L, blist *l, size_t area)
{
    int64_t cursor = 0;
    fitter F;
    memset(&F, 0, sizeof F);
    bool ok = true;
    for (size_t i = 0; i < l->n && ok;) {
        bt *c = fit_root(L, &F, l->st[i]);
        if (L->st) {
            ok = false;
            break;
        }
        if (c) {
            if (useless_hoist(l->st[i], c)) {
                lfail(L, SJ_ERR_INTERNAL, c->src, "a part of the program", "the layout found no place for it");
                ok = false;
                break;
            }
            ok = hoist(L, l, i, c);
            continue; /* the hoisted statements come first */
        }
        int64_t minx = 0, miny = 0, maxy = 0;
        for (size_t k = 0; k < F.cs.sn; k++) {
            int64_t cx = (int32_t)(uint32_t)(F.cs.stack[k] >> 32), cy = (int32_t)(uint32_t)F.cs.stack[k];
            minx = cx < minx ? cx : minx;
            miny = cy < miny ? cy : miny;
            maxy = cy > maxy ? cy : maxy;
        }
        ok = place(L, l->st[i], area, -minx, cursor - miny, 0);
        cursor += maxy - miny + 1;
        i++;
    }
    cell_free(&F.cs);
    return ok && !L->st;
}

/* ---------------------------------------------------------------------------------------------- */

sj_status sj_blocks_layout(const sj_ast *ast, const sj_blocklang *lang, sj_blockfun **out, sj_diag *diag)
{
    if (out)
        *out = NULL;
    if (!ast || !lang || !out)
        return sj__diag_set(diag, SJ_ERR_INVALID_ARGUMENT, NULL, "invalid argument");
    if (ast->height > SJ_MAX_AST_HEIGHT)
        return sj__diag_set(diag, SJ_ERR_TOO_DEEP, ast, "the program is nested too deeply to be drawn as blocks");
    layout L;
    memset(&L, 0, sizeof L);
    L.lang = lang;
    L.diag = diag;
    blist top = {0};
    if (choose_prefix(&L, ast)) {
        const sj_ast *last = NULL;
        scan(&L, ast, &last, 0);
    }
    if (!L.st && (!L.prefix || !L.junk))
        lnomem(&L);
    if (!L.st)
        conv_list(&L, ast, &top, true, 0);
    if (!L.st && !(L.fun = sj_blockfun_new(lang)))
        lnomem(&L);
    if (!L.st && layout_list(&L, &top, 0)) {
        L.fun->id_counter = L.max_id;
        L.fun->generation++;
        sj_status st = sj__recalculate_sizes(L.fun);
        if (st)
            L.st = sj__diag_set(diag, st, NULL, "%s", sj_strerror(st));
    }
    if (L.st) {
        sj_blockfun_free(L.fun);
        L.fun = NULL;
    }
    sj__arena_free(&L.A);
    *out = L.fun;
    return L.st;
}

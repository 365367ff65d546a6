/*
 * The block compiler (reference Block2JITCompiler, §5.5-5.6): grid -> tree -> block AST -> AST.
 *
 * 1. generate_tree walks the grid from the sinks of each area (blocks without outputs and outputs
 *    nobody reads) with an explicit job stack, exactly in the reference's order, building a tree of
 *    block nodes; a block with several used outputs is one shared node.
 * 2. trans turns the tree into the block AST (Area/Set/Get/Node/Literal): multi-output nodes store
 *    their outputs in temporaries "_tmpN_label_" and later references read them.
 * 3. lower turns the block AST into the sigjit AST, mapping named inputs to the node's argument
 *    order.
 *
 * Differences from the reference (decisions #9):
 *   - `if` compiles: If(input, then-area, else-area); each branch is its sub-area's statements
 *     followed by the branch result, which the sub-area's unconnected output writes to "_ifN_"
 *     (N = the if block's id) instead of the function result "_res_";
 *   - π and 2π are the constants π and 2π (the reference calls nodes that do not exist);
 *   - when reordering named inputs would read a temporary before the argument that sets it, the
 *     arguments are first evaluated in row order into temporaries "_tmpN_arg_", then passed;
 *   - nothing panics: a missing null type, a cyclic structure or a huge tree are errors.
 */
#include "base/arena.h"
#include "blocks/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Deepest tree the translation recurses into, and the most nodes it produces. */
#define MAX_DEPTH 5000
#define MAX_NODES 1000000

/* ---------------------------------------------------------------------------------------------- */

static char *astrdup(sj_arena *A, const char *s)
{
    size_t n = strlen(s);
    char *d = sj__arena_alloc(A, n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}


/* ---------------------------------------------------------------------------------------------- */
/* Stage 1: the tree (reference generate_tree). */

typedef struct tnode tnode;
typedef struct tedge {
    const char *in, *out;
    tnode *node;
} tedge;

struct tnode {
    size_t id;
    const char *typ, *lbl;
    const sj__block *blk; /* the block (NULL for structural and null nodes) */
    size_t area;          /* the block's area, or the area of an "<a>" node */
    tedge *kids;
    size_t n, cap;
};

typedef enum { JOB_NODE, JOB_OUTPUT, JOB_SINK, JOB_AREA } jobkind;
typedef struct job {
    jobkind kind;
    size_t area;
    int64_t x, y;
    const char *in_port;
    tnode *node, *out;
} job;

typedef struct compiler {
    const sj_blockfun *fun;
    sj_arena A;
    sj_diag *diag;
    sj_status st;
    /* shared nodes by block (open addressing on the block pointer) */
    const sj__block **mkeys;
    tnode **mvals;
    size_t mcap;
    /* stage 2 */
    struct idout {
        size_t id;
        const char *out;
        const char *var;
    } *idout;
    size_t nidout, idcap;
    size_t tmp_counter;
    size_t nodes_made;
} compiler;

static sj_status cfail(compiler *C, sj_status code, const sj__block *b, const char *fmt, const char *a1,
                       const char *a2)
{
    if (C->st)
        return C->st;
    char what[200];
    snprintf(what, sizeof what, fmt, a1 ? a1 : "", a2 ? a2 : "");
    if (b)
        C->st = sj__diag_set(C->diag, code, NULL, "block %zu (%s) at (%lld,%lld): %s", b->id, b->typ,
                             (long long)b->x, (long long)b->y, what);
    else
        C->st = sj__diag_set(C->diag, code, NULL, "%s", what);
    if (C->diag && b) {
        C->diag->uid = b->id;
        snprintf(C->diag->name, sizeof C->diag->name, "%s", b->typ);
    }
    return C->st;
}

static sj_status cnomem(compiler *C)
{
    if (!C->st)
        C->st = sj__diag_set(C->diag, SJ_ERR_NOMEM, NULL, "out of memory");
    return C->st;
}

static tnode *tnew(compiler *C, size_t id, const char *typ, const char *lbl, const sj__block *blk, size_t area)
{
    if (++C->nodes_made > MAX_NODES) {
        cfail(C, SJ_ERR_LIMIT, NULL, "the block program is too large%s%s", NULL, NULL);
        return NULL;
    }
    tnode *t = sj__arena_alloc(&C->A, sizeof *t);
    if (!t) {
        cnomem(C);
        return NULL;
    }
    t->id = id;
    t->typ = typ;
    t->lbl = lbl;
    t->blk = blk;
    t->area = area;
    return t;
}

static bool tadd(compiler *C, tnode *parent, const char *in, const char *out, tnode *child)
{
    tedge e = {in, out, child};
    if (!sj__arena_push(&C->A, (void **)&parent->kids, &parent->n, &parent->cap, &e, sizeof e)) {
        cnomem(C);
        return false;
    }
    return true;
}

static size_t phash(const void *p, size_t cap)
{
    uintptr_t v = (uintptr_t)p;
    v ^= v >> 17;
    v *= (uintptr_t)0x9E3779B97F4A7C15ull;
    return (size_t)(v >> 7) & (cap - 1);
}

static tnode *shared_get(compiler *C, const sj__block *b)
{
    for (size_t i = phash(b, C->mcap);; i = (i + 1) & (C->mcap - 1)) {
        if (!C->mkeys[i])
            return NULL;
        if (C->mkeys[i] == b)
            return C->mvals[i];
    }
}

static void shared_put(compiler *C, const sj__block *b, tnode *t)
{
    size_t i = phash(b, C->mcap);
    while (C->mkeys[i])
        i = (i + 1) & (C->mcap - 1);
    C->mkeys[i] = b;
    C->mvals[i] = t;
}

static bool push_job(compiler *C, job **stack, size_t *n, size_t *cap, job j)
{
    if (!sj__grow((void **)stack, cap, *n + 1, sizeof **stack)) {
        cnomem(C);
        return false;
    }
    (*stack)[(*n)++] = j;
    return true;
}

typedef struct sink {
    int64_t x, y;
    bool has_row;
} sink;

/* reference collect_sinks, sorted by y descending, then x descending. */
static bool collect_sinks(compiler *C, const sj__area *a, sink **out, size_t *n)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    for (size_t i = 0; i < a->n; i++) {
        const sj__block *b = a->blocks[i];
        if (sj__block_count_outputs(b) == 0) {
            sink s = {b->x, b->y, false};
            if (!sj__grow((void **)out, &cap, *n + 1, sizeof **out))
                goto nomem;
            (*out)[(*n)++] = s;
            continue;
        }
        for (size_t r = 0; r < b->rows; r++) {
            if (!sj__block_has_output(b, r) || sj__area_port_at(a, b->x + 1, b->y + (int64_t)r, false))
                continue;
            sink s = {b->x, b->y + (int64_t)r, true};
            if (!sj__grow((void **)out, &cap, *n + 1, sizeof **out))
                goto nomem;
            (*out)[(*n)++] = s;
        }
    }
    for (size_t i = 1; i < *n; i++) { /* insertion sort (stable, no comparator globals) */
        sink v = (*out)[i];
        size_t j = i;
        while (j > 0 && ((*out)[j - 1].y < v.y || ((*out)[j - 1].y == v.y && (*out)[j - 1].x < v.x))) {
            (*out)[j] = (*out)[j - 1];
            j--;
        }
        (*out)[j] = v;
    }
    return true;
nomem:
    sj__free(*out);
    *out = NULL;
    cnomem(C);
    return false;
}

/* A block reached for the first time: its sub-areas and inputs become jobs (popped in the order
 * inputs row 0..n, sub-area 0, sub-area 1). */
static bool expand_block(compiler *C, job **stack, size_t *n, size_t *cap, const sj__block *b, size_t area,
                         tnode *node)
{
    for (int k = 1; k >= 0; k--) {
        if (b->contains[k] == SJ__NO_AREA)
            continue;
        job j = {JOB_AREA, b->contains[k], 0, 0, NULL, NULL, node};
        if (!push_job(C, stack, n, cap, j))
            return false;
    }
    for (size_t r = b->rows; r-- > 0;) {
        if (!sj__block_has_input(b, r))
            continue;
        job j = {JOB_OUTPUT, area, b->x - 1, b->y + (int64_t)r, b->inputs[r], NULL, node};
        if (!push_job(C, stack, n, cap, j))
            return false;
    }
    return true;
}

static tnode *generate_tree(compiler *C)
{
    const sj_blockfun *fun = C->fun;
    const char *null_typ = "zero";
    if (!sj_blocklang_find(fun->lang, null_typ)) {
        cfail(C, SJ_ERR_NOT_FOUND, NULL, "the language has no null type \"%s\"%s", null_typ, NULL);
        return NULL;
    }
    size_t total = 0;
    for (size_t a = 0; a < fun->nareas; a++)
        total += fun->areas[a]->n;
    C->mcap = 16;
    while (C->mcap < total * 2 + 2)
        C->mcap *= 2;
    C->mkeys = sj__arena_alloc(&C->A, C->mcap * sizeof *C->mkeys);
    C->mvals = sj__arena_alloc(&C->A, C->mcap * sizeof *C->mvals);
    tnode *root = tnew(C, 0, "<r>", "", NULL, 0);
    if (!C->mkeys || !C->mvals || !root) {
        cnomem(C);
        return NULL;
    }
    job *stack = NULL;
    size_t n = 0, cap = 0;
    /* Each area is expanded once at most (a well-formed program holds each sub-area in one block);
     * the marks keep a malformed one from looping. */
    bool *area_seen = sj__calloc(fun->nareas, sizeof *area_seen);
    if (!area_seen) {
        cnomem(C);
        return NULL;
    }
    job j0 = {JOB_AREA, 0, 0, 0, NULL, NULL, root};
    push_job(C, &stack, &n, &cap, j0);
    while (n && !C->st) {
        job j = stack[--n];
        switch (j.kind) {
        case JOB_AREA: {
            if (j.area >= fun->nareas || area_seen[j.area]) {
                char num[32];
                snprintf(num, sizeof num, "%zu", j.area);
                cfail(C, SJ_ERR_SYNTAX, NULL, "unknown or shared area %s%s", num, NULL);
                break;
            }
            area_seen[j.area] = true;
            const sj__area *a = fun->areas[j.area];
            tnode *an = tnew(C, 0, "<a>", "", NULL, j.area);
            if (!an || !tadd(C, j.out, "", "", an))
                break;
            sink *sinks;
            size_t ns;
            if (!collect_sinks(C, a, &sinks, &ns))
                break;
            for (size_t i = 0; i < ns && !C->st; i++) {
                if (sinks[i].has_row) {
                    tnode *res = tnew(C, 0, "<res>", "", NULL, j.area);
                    if (!res)
                        break;
                    job jo = {JOB_OUTPUT, j.area, sinks[i].x, sinks[i].y, "", NULL, res};
                    job jn = {JOB_NODE, j.area, 0, 0, NULL, res, an};
                    if (!push_job(C, &stack, &n, &cap, jo) || !push_job(C, &stack, &n, &cap, jn))
                        break;
                } else {
                    job js = {JOB_SINK, j.area, sinks[i].x, sinks[i].y, NULL, NULL, an};
                    if (!push_job(C, &stack, &n, &cap, js))
                        break;
                }
            }
            sj__free(sinks);
            break;
        }
        case JOB_NODE:
            tadd(C, j.out, "", "", j.node);
            break;
        case JOB_SINK:
        case JOB_OUTPUT: {
            const sj__area *a = fun->areas[j.area];
            size_t bi = sj__area_find(a, j.x, j.y);
            if (bi == SIZE_MAX && j.kind == JOB_SINK)
                break; /* a block without cells (rows 0, from a file): nothing to evaluate */
            if (bi == SIZE_MAX) { /* an unconnected input reads 0.0 */
                tnode *z = tnew(C, 0, null_typ, "", NULL, j.area);
                if (z)
                    tadd(C, j.out, j.in_port, "", z);
                break;
            }
            const sj__block *b = a->blocks[bi];
            tnode *node = shared_get(C, b);
            bool fresh = !node;
            if (fresh && !(node = tnew(C, b->id, b->typ, b->lbl, b, j.area)))
                break;
            if (j.kind == JOB_SINK) {
                if (!tadd(C, j.out, "", "", node))
                    break;
            } else {
                size_t row = (size_t)(j.y - b->y);
                if (row < b->noutputs && b->outputs[row]) {
                    if (!tadd(C, j.out, j.in_port, b->outputs[row], node))
                        break;
                } else {
                    tnode *z = tnew(C, 0, null_typ, "", NULL, j.area);
                    if (!z || !tadd(C, j.out, j.in_port, "", z))
                        break;
                }
            }
            if (fresh) {
                shared_put(C, b, node);
                expand_block(C, &stack, &n, &cap, b, j.area, node);
            }
            break;
        }
        }
    }
    sj__free(stack);
    sj__free(area_seen);
    return C->st ? NULL : root;
}

/* The tree dump (reference walk_dump): "   "*(indent+1) "{id}#{typ}[{lbl}] (out: o)(in: i)". */
static void tdump(sj_sb *sb, const tnode *t, const char *in, const char *out, size_t indent)
{
    if (sb->len > ((size_t)1 << 22)) { /* shared nodes repeat: keep the text bounded */
        if (!strstr(sb->data + sb->len - 4, "..."))
            sj__sb_append(sb, "...\n");
        return;
    }
    for (size_t i = 0; i <= indent; i++)
        sj__sb_append(sb, "   ");
    sj__sb_printf(sb, "%zu#%s[%s] ", t->id, t->typ, t->lbl);
    if (out[0])
        sj__sb_printf(sb, "(out: %s)", out);
    if (in[0])
        sj__sb_printf(sb, "(in: %s)", in);
    sj__sb_append(sb, "\n");
    if (indent > MAX_DEPTH)
        return;
    for (size_t i = 0; i < t->n; i++)
        tdump(sb, t->kids[i].node, t->kids[i].in, t->kids[i].out, indent + 1);
}

/* ---------------------------------------------------------------------------------------------- */
/* Stage 2: the block AST (reference trans2bjit). */

typedef enum { BK_AREA, BK_SET, BK_GET, BK_NODE, BK_LIT, BK_IF } bkind;
typedef struct bnode bnode;
struct bnode {
    bkind kind;
    size_t id;
    const char *typ, *lbl; /* BK_NODE */
    const char *var;       /* BK_SET / BK_GET */
    double value;          /* BK_LIT */
    const sj__block *blk;  /* for messages */
    bnode **kids;          /* BK_AREA statements, BK_SET expression, BK_NODE / BK_IF inputs */
    const char **kin;      /* BK_NODE: input label of each kid (NULL: unnamed) */
    size_t n, cap, kincap;
    bnode *then_, *else_;  /* BK_IF */
};

static bnode *bnew(compiler *C, bkind k)
{
    bnode *b = sj__arena_alloc(&C->A, sizeof *b);
    if (!b)
        cnomem(C);
    else
        b->kind = k;
    return b;
}

static bool bkid(compiler *C, bnode *p, bnode *k, const char *in)
{
    if (!k)
        return false;
    size_t n0 = p->n;
    if (!sj__arena_push(&C->A, (void **)&p->kids, &p->n, &p->cap, &k, sizeof k)) {
        cnomem(C);
        return false;
    }
    size_t kn = n0;
    if (!sj__arena_push(&C->A, (void **)&p->kin, &kn, &p->kincap, &in, sizeof in)) {
        cnomem(C);
        return false;
    }
    return true;
}

static bnode *bget(compiler *C, const char *var)
{
    bnode *b = bnew(C, BK_GET);
    if (b)
        b->var = var;
    return b;
}

static bnode *bset(compiler *C, const char *var, bnode *e)
{
    if (!e)
        return NULL;
    bnode *b = bnew(C, BK_SET);
    if (b) {
        b->var = var;
        if (!bkid(C, b, e, NULL))
            return NULL;
    }
    return b;
}

static const char *tmpname(compiler *C, const char *extra)
{
    char buf[64];
    C->tmp_counter++;
    int n = snprintf(buf, sizeof buf, "_tmp%zu_", C->tmp_counter);
    size_t el = strlen(extra);
    char *s = sj__arena_alloc(&C->A, (size_t)n + el + 2);
    if (!s) {
        cnomem(C);
        return NULL;
    }
    memcpy(s, buf, (size_t)n);
    memcpy(s + n, extra, el);
    s[(size_t)n + el] = '_';
    s[(size_t)n + el + 1] = 0;
    return s;
}

static const char *idout_get(compiler *C, size_t id, const char *out)
{
    for (size_t i = C->nidout; i-- > 0;)
        if (C->idout[i].id == id && strcmp(C->idout[i].out, out) == 0)
            return C->idout[i].var;
    return NULL;
}

static bool idout_put(compiler *C, size_t id, const char *out, const char *var)
{
    for (size_t i = 0; i < C->nidout; i++)
        if (C->idout[i].id == id && strcmp(C->idout[i].out, out) == 0) {
            C->idout[i].var = var;
            return true;
        }
    struct idout e = {id, out, var};
    if (!sj__arena_push(&C->A, (void **)&C->idout, &C->nidout, &C->idcap, &e, sizeof e)) {
        cnomem(C);
        return false;
    }
    return true;
}

/* The idx-th present output label of a type (reference get_output_name_at_index). */
static const char *type_output_at(const sj_block_type *t, size_t idx)
{
    size_t k = 0;
    for (size_t i = 0; t && i < t->noutputs; i++)
        if (t->outputs[i]) {
            if (k == idx)
                return t->outputs[i];
            k++;
        }
    return NULL;
}

static size_t type_output_count(const sj_block_type *t)
{
    size_t k = 0;
    for (size_t i = 0; t && i < t->noutputs; i++)
        k += t->outputs[i] != NULL;
    return k;
}

/* Rust's str::parse::<f64>: an optional sign, digits with an optional fraction and exponent, or
 * inf/infinity/nan in any case; no whitespace. */
static bool parse_f64(const char *s, double *out)
{
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    if (strcasecmp(p, "inf") == 0 || strcasecmp(p, "infinity") == 0) {
        *out = neg ? -INFINITY : INFINITY;
        return true;
    }
    if (strcasecmp(p, "nan") == 0) {
        *out = NAN;
        return true;
    }
    const char *q = p;
    size_t digits = 0;
    while (*q >= '0' && *q <= '9') {
        q++;
        digits++;
    }
    if (*q == '.') {
        q++;
        while (*q >= '0' && *q <= '9') {
            q++;
            digits++;
        }
    }
    if (!digits)
        return false;
    if (*q == 'e' || *q == 'E') {
        q++;
        if (*q == '+' || *q == '-')
            q++;
        if (!(*q >= '0' && *q <= '9'))
            return false;
        while (*q >= '0' && *q <= '9')
            q++;
    }
    if (*q)
        return false;
    char *end;
    double v = strtod(s, &end); /* same text; C's strtod reads this subset exactly */
    if (end != q)
        return false;
    *out = v;
    return true;
}

static bnode *trans(compiler *C, const tnode *t, const char *my_out, const char *resvar, size_t depth);

static bnode *trans_first(compiler *C, const tnode *t, const char *resvar, size_t depth)
{
    if (!t->n) {
        cfail(C, SJ_ERR_SYNTAX, t->blk, "block \"%s\" has no input (bad tree)%s", t->typ, NULL);
        return NULL;
    }
    return trans(C, t->kids[0].node, t->kids[0].out[0] ? t->kids[0].out : NULL, resvar, depth + 1);
}

static bnode *trans_if(compiler *C, const tnode *t, const char *resvar, size_t depth)
{
    bnode *b = bnew(C, BK_IF);
    if (!b)
        return NULL;
    b->id = t->id;
    b->typ = t->typ;
    b->blk = t->blk;
    char nm[48];
    snprintf(nm, sizeof nm, "_if%zu_", t->id);
    const char *var = astrdup(&C->A, nm);
    if (!var) {
        cnomem(C);
        return NULL;
    }
    for (size_t i = 0; i < t->n && !C->st; i++) {
        const tedge *e = &t->kids[i];
        if (strcmp(e->node->typ, "<a>") == 0 && e->node->blk == NULL) {
            /* A sub-area: the branch is its statements, then the branch result. */
            bnode *area = trans(C, e->node, NULL, var, depth + 1);
            bnode *branch = bnew(C, BK_AREA);
            if (!area || !branch || !bkid(C, branch, area, NULL) || !bkid(C, branch, bget(C, var), NULL))
                return NULL;
            if (t->blk && e->node->area == t->blk->contains[1])
                b->else_ = branch;
            else
                b->then_ = branch;
        } else {
            bnode *k = trans(C, e->node, e->out[0] ? e->out : NULL, resvar, depth + 1);
            if (!bkid(C, b, k, e->in[0] ? e->in : NULL))
                return NULL;
        }
    }
    return C->st ? NULL : b;
}

static bnode *trans(compiler *C, const tnode *t, const char *my_out, const char *resvar, size_t depth)
{
    if (C->st)
        return NULL;
    if (depth > MAX_DEPTH) {
        cfail(C, SJ_ERR_TOO_DEEP, t->blk, "the block program is nested too deeply%s%s", NULL, NULL);
        return NULL;
    }
    if (++C->nodes_made > MAX_NODES) {
        cfail(C, SJ_ERR_LIMIT, t->blk, "the block program is too large%s%s", NULL, NULL);
        return NULL;
    }
    const char *v = idout_get(C, t->id, my_out ? my_out : "");
    if (v)
        return bget(C, v);
    const char *typ = t->typ;
    if (strcmp(typ, "<a>") == 0) {
        bnode *b = bnew(C, BK_AREA);
        for (size_t i = 0; b && i < t->n; i++)
            if (!bkid(C, b, trans(C, t->kids[i].node, t->kids[i].out[0] ? t->kids[i].out : NULL, resvar, depth + 1),
                      NULL))
                return NULL;
        return b;
    }
    if (strcmp(typ, "<r>") == 0) {
        if (!t->n) {
            cfail(C, SJ_ERR_SYNTAX, NULL, "bad tree: no root area%s%s", NULL, NULL);
            return NULL;
        }
        bnode *b = bnew(C, BK_AREA);
        if (!b || !bkid(C, b, trans_first(C, t, resvar, depth), NULL) || !bkid(C, b, bget(C, "_res_"), NULL))
            return NULL;
        return b;
    }
    if (strcmp(typ, "->") == 0)
        return trans_first(C, t, resvar, depth);
    if (strcmp(typ, "value") == 0) {
        bnode *b = bnew(C, BK_LIT);
        if (b && !parse_f64(t->lbl, &b->value)) {
            cfail(C, SJ_ERR_SYNTAX, t->blk, "bad literal number \"%s\"%s", t->lbl, NULL);
            return NULL;
        }
        return b;
    }
    if (strcmp(typ, "set") == 0 || strcmp(typ, "<res>") == 0) {
        bnode *e = trans_first(C, t, resvar, depth);
        return bset(C, typ[0] == '<' ? resvar : t->lbl, e);
    }
    if (strcmp(typ, "get") == 0) {
        bnode *b = bget(C, t->lbl);
        if (b)
            b->id = t->id;
        return b;
    }
    if (strcmp(typ, "->2") == 0 || strcmp(typ, "->3") == 0) {
        if (!t->n) {
            cfail(C, SJ_ERR_SYNTAX, t->blk, "block \"%s\" has no input (bad tree)%s", typ, NULL);
            return NULL;
        }
        const char *tv = tmpname(C, "");
        bnode *e = trans_first(C, t, resvar, depth);
        bnode *b = bnew(C, BK_AREA);
        if (!tv || !b || !bkid(C, b, bset(C, tv, e), NULL) || !bkid(C, b, bget(C, tv), NULL))
            return NULL;
        if (!idout_put(C, t->id, "", tv))
            return NULL;
        return b;
    }
    if (strcmp(typ, "if") == 0)
        return trans_if(C, t, resvar, depth);
    /* Any other type: a node (call, operator, constant). */
    bnode *node = bnew(C, BK_NODE);
    if (!node)
        return NULL;
    node->id = t->id;
    node->typ = t->typ;
    node->lbl = t->lbl;
    node->blk = t->blk;
    for (size_t i = 0; i < t->n; i++) {
        const tedge *e = &t->kids[i];
        if (!bkid(C, node, trans(C, e->node, e->out[0] ? e->out : NULL, resvar, depth + 1), e->in[0] ? e->in : NULL))
            return NULL;
    }
    const sj_block_type *bt = sj_blocklang_find(C->fun->lang, typ);
    size_t cnt = type_output_count(bt);
    if (cnt <= 1)
        return node;
    bnode *area = bnew(C, BK_AREA);
    if (!area)
        return NULL;
    for (size_t i = 0; i < cnt; i++) {
        const char *oname = type_output_at(bt, i);
        if (!oname) {
            cfail(C, SJ_ERR_SYNTAX, t->blk, "type \"%s\" has no output at that index%s", typ, NULL);
            return NULL;
        }
        const char *tv = tmpname(C, oname);
        if (!tv)
            return NULL;
        bnode *val;
        if (i == 0) {
            val = node;
        } else {
            char pct[32];
            snprintf(pct, sizeof pct, "%%%zu", i);
            val = bget(C, astrdup(&C->A, pct));
        }
        if (!bkid(C, area, bset(C, tv, val), NULL) || !idout_put(C, t->id, oname, tv))
            return NULL;
    }
    if (!my_out) {
        cfail(C, SJ_ERR_SYNTAX, t->blk, "missing output label%s%s", NULL, NULL);
        return NULL;
    }
    const char *ov = idout_get(C, t->id, my_out);
    if (!ov) {
        cfail(C, SJ_ERR_SYNTAX, t->blk, "no temporary variable for output \"%s\"%s", my_out, NULL);
        return NULL;
    }
    if (!bkid(C, area, bget(C, ov), NULL))
        return NULL;
    return area;
}

/* ---------------------------------------------------------------------------------------------- */
/* Stage 3: the AST (reference bjit2jit). */

static bool is_tmp(const char *v)
{
    return strncmp(v, "_tmp", 4) == 0;
}

/* Does subtree b set (want_set) or read a temporary named var? */
static bool touches(const bnode *b, const char *var, bool want_set, size_t depth)
{
    if (!b || depth > MAX_DEPTH)
        return false;
    if (b->kind == BK_SET && want_set && strcmp(b->var, var) == 0)
        return true;
    if (b->kind == BK_GET && !want_set && strcmp(b->var, var) == 0)
        return true;
    for (size_t i = 0; i < b->n; i++)
        if (touches(b->kids[i], var, want_set, depth + 1))
            return true;
    return touches(b->then_, var, want_set, depth + 1) || touches(b->else_, var, want_set, depth + 1);
}

/* Collects the temporaries set inside b. */
static bool sets_of(compiler *C, const bnode *b, const char ***vars, size_t *n, size_t *cap, size_t depth)
{
    if (!b || depth > MAX_DEPTH)
        return true;
    if (b->kind == BK_SET && is_tmp(b->var))
        if (!sj__arena_push(&C->A, (void **)vars, n, cap, &b->var, sizeof b->var))
            return false;
    for (size_t i = 0; i < b->n; i++)
        if (!sets_of(C, b->kids[i], vars, n, cap, depth + 1))
            return false;
    return sets_of(C, b->then_, vars, n, cap, depth + 1) && sets_of(C, b->else_, vars, n, cap, depth + 1);
}

static sj_status lower(compiler *C, const bnode *b, sj_ast **out, size_t depth);

static sj_status lower_list(compiler *C, bnode *const *kids, size_t n, sj_ast ***out, size_t depth)
{
    sj_ast **v = sj__calloc(n ? n : 1, sizeof *v);
    if (!v)
        return cnomem(C);
    for (size_t i = 0; i < n; i++) {
        sj_status st = lower(C, kids[i], &v[i], depth + 1);
        if (st) {
            for (size_t k = 0; k < i; k++)
                sj_ast_free(v[k]);
            sj__free(v);
            return st;
        }
    }
    *out = v;
    return SJ_OK;
}

static void free_list(sj_ast **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sj_ast_free(v[i]);
    sj__free(v);
}

static sj_status built(compiler *C, sj_ast *a, sj_ast **out)
{
    if (!a)
        return cnomem(C);
    *out = a;
    return SJ_OK;
}

static sj_status lower_node(compiler *C, const bnode *b, sj_ast **out, size_t depth)
{
    const char *typ = b->typ;
    if (strcmp(typ, "zero") == 0)
        return built(C, sj_lit(0.0), out);
    if (strcmp(typ, "\xCF\x80") == 0) /* π */
        return built(C, sj_lit(M_PI), out);
    if (strcmp(typ, "2\xCF\x80") == 0) /* 2π */
        return built(C, sj_lit(2.0 * M_PI), out);
    char num[32];
    if (b->id == 0)
        return cfail(C, SJ_ERR_SYNTAX, b->blk, "block of type \"%s\" without an id%s", typ, NULL);
    const sj_block_type *t = sj_blocklang_find(C->fun->lang, typ);
    if (!t)
        return cfail(C, SJ_ERR_NOT_FOUND, b->blk, "unknown block type \"%s\"%s", typ, NULL);
    size_t nin = t->ninputs;
    if (b->n > nin)
        return cfail(C, SJ_ERR_SYNTAX, b->blk, "too many inputs for \"%s\"%s", typ, NULL);
    /* perm[k]: the kid that gives argument k. */
    size_t *perm = sj__calloc(nin ? nin : 1, sizeof *perm);
    if (!perm)
        return cnomem(C);
    size_t nargs = 0;
    bool named = !(nin > 0 && t->inputs[0] && t->inputs[0][0] == 0);
    if (!named) {
        if (b->n != nin) {
            sj__free(perm);
            snprintf(num, sizeof num, "%zu", b->n);
            return cfail(C, SJ_ERR_SYNTAX, b->blk, "wrong number of inputs for \"%s\": %s connected", typ, num);
        }
        for (size_t k = 0; k < nin; k++)
            perm[nargs++] = k;
    } else {
        for (size_t k = 0; k < nin; k++) {
            const char *want = t->inputs[k]; /* NULL: a row without a port in the type */
            size_t found = SIZE_MAX;
            for (size_t i = 0; i < b->n && found == SIZE_MAX; i++) {
                const char *have = b->kin[i];
                if ((!want && !have) || (want && have && strcmp(want, have) == 0))
                    found = i;
            }
            if (found == SIZE_MAX) {
                char nm[80];
                if (want)
                    snprintf(nm, sizeof nm, "Some(\"%s\")", want);
                else
                    snprintf(nm, sizeof nm, "None");
                sj__free(perm);
                return cfail(C, SJ_ERR_SYNTAX, b->blk, "unassigned input %s of \"%s\"", nm, typ);
            }
            perm[nargs++] = found;
        }
    }
    bool binop = (typ[0] == '+' || typ[0] == '-' || typ[0] == '*' || typ[0] == '/') && typ[1] == 0;
    if (binop && nargs != 2) {
        sj__free(perm);
        snprintf(num, sizeof num, "%zu", nargs);
        return cfail(C, SJ_ERR_SYNTAX, b->blk, "wrong number of inputs for \"%s\": %s", typ, num);
    }
    /* The hazard: argument k reads a temporary that a later argument sets. */
    bool hazard = false;
    for (size_t k2 = 1; k2 < nargs && !hazard; k2++) {
        const char **vars = NULL;
        size_t nv = 0, cv = 0;
        if (!sets_of(C, b->kids[perm[k2]], &vars, &nv, &cv, 0)) {
            sj__free(perm);
            return cnomem(C);
        }
        for (size_t q = 0; q < nv && !hazard; q++)
            for (size_t k1 = 0; k1 < k2 && !hazard; k1++)
                if (perm[k1] != perm[k2] && touches(b->kids[perm[k1]], vars[q], false, 0))
                    hazard = true;
    }
    sj_ast **args = sj__calloc(nargs ? nargs : 1, sizeof *args);
    sj_ast **pre = NULL;
    size_t npre = 0;
    if (!args) {
        sj__free(perm);
        return cnomem(C);
    }
    sj_status st = SJ_OK;
    if (!hazard) {
        for (size_t k = 0; k < nargs && !st; k++)
            st = lower(C, b->kids[perm[k]], &args[k], depth + 1);
    } else {
        /* Evaluate the used inputs in row order into temporaries, then pass them. */
        const char **tv = sj__calloc(b->n ? b->n : 1, sizeof *tv);
        pre = sj__calloc(b->n + 1, sizeof *pre);
        if (!tv || !pre)
            st = cnomem(C);
        for (size_t i = 0; i < b->n && !st; i++) {
            bool used = false;
            for (size_t k = 0; k < nargs; k++)
                used |= perm[k] == i;
            if (!used)
                continue;
            sj_ast *e;
            tv[i] = tmpname(C, "arg");
            if (!tv[i]) {
                st = cnomem(C);
                break;
            }
            st = lower(C, b->kids[i], &e, depth + 1);
            if (!st && !(pre[npre++] = sj_assign(tv[i], e)))
                st = cnomem(C);
        }
        for (size_t k = 0; k < nargs && !st; k++)
            if (!(args[k] = sj_var(tv[perm[k]])))
                st = cnomem(C);
        sj__free(tv);
    }
    sj__free(perm);
    if (st) {
        free_list(args, nargs);
        free_list(pre, npre);
        return st;
    }
    sj_ast *call;
    if (binop) {
        sj_ast *x = args[0], *y = args[1];
        call = typ[0] == '+' ? sj_add(x, y) : typ[0] == '-' ? sj_sub(x, y) : typ[0] == '*' ? sj_mul(x, y) : sj_div(x, y);
    } else {
        call = sj_call_v(typ, (uint64_t)b->id, args, nargs);
    }
    sj__free(args);
    if (!call) {
        free_list(pre, npre);
        return cnomem(C);
    }
    if (!hazard)
        return built(C, call, out);
    pre[npre++] = call; /* pre has b->n + 1 slots */
    sj_ast *s = sj_stmts_v(pre, npre);
    sj__free(pre);
    return built(C, s, out);
}

static sj_status lower(compiler *C, const bnode *b, sj_ast **out, size_t depth)
{
    *out = NULL;
    if (depth > MAX_DEPTH)
        return cfail(C, SJ_ERR_TOO_DEEP, b->blk, "the block program is nested too deeply%s%s", NULL, NULL);
    switch (b->kind) {
    case BK_AREA: {
        sj_ast **v = NULL;
        sj_status st = lower_list(C, b->kids, b->n, &v, depth);
        if (st)
            return st;
        sj_ast *s = sj_stmts_v(v, b->n);
        sj__free(v);
        return built(C, s, out);
    }
    case BK_SET: {
        sj_ast *e;
        sj_status st = lower(C, b->kids[0], &e, depth + 1);
        if (st)
            return st;
        return built(C, sj_assign(b->var, e), out);
    }
    case BK_GET:
        return built(C, sj_var(b->var), out);
    case BK_LIT:
        return built(C, sj_lit(b->value), out);
    case BK_IF: {
        if (b->n != 1) {
            char num[32];
            snprintf(num, sizeof num, "%zu", b->n);
            return cfail(C, SJ_ERR_SYNTAX, b->blk, "wrong number of inputs for \"if\": %s%s", num, NULL);
        }
        sj_ast *c = NULL, *th = NULL, *el = NULL;
        sj_status st = lower(C, b->kids[0], &c, depth + 1);
        if (!st)
            st = b->then_ ? lower(C, b->then_, &th, depth + 1) : built(C, sj_lit(0.0), &th);
        if (!st)
            st = b->else_ ? lower(C, b->else_, &el, depth + 1) : built(C, sj_lit(0.0), &el);
        if (st) {
            sj_ast_free(c);
            sj_ast_free(th);
            sj_ast_free(el);
            return st;
        }
        return built(C, sj_if(c, th, el), out);
    }
    case BK_NODE:
        return lower_node(C, b, out, depth);
    }
    return cfail(C, SJ_ERR_INTERNAL, NULL, "bad block AST%s%s", NULL, NULL);
}

/* ---------------------------------------------------------------------------------------------- */

sj_status sj_blockfun_compile(const sj_blockfun *fun, sj_ast **out, sj_diag *diag)
{
    if (out)
        *out = NULL;
    if (!fun || !out)
        return sj__diag_set(diag, SJ_ERR_INVALID_ARGUMENT, NULL, "invalid argument");
    compiler C;
    memset(&C, 0, sizeof C);
    C.fun = fun;
    C.diag = diag;
    tnode *tree = generate_tree(&C);
    bnode *blk = tree ? trans(&C, tree, NULL, "_res_", 0) : NULL;
    if (blk && !C.st)
        lower(&C, blk, out, 0);
    if (C.A.failed)
        cnomem(&C);
    if (C.st && *out) {
        sj_ast_free(*out);
        *out = NULL;
    }
    sj__arena_free(&C.A);
    return C.st;
}

char *sj_blockfun_dump_tree(const sj_blockfun *fun)
{
    if (!fun)
        return NULL;
    compiler C;
    memset(&C, 0, sizeof C);
    C.fun = fun;
    tnode *tree = generate_tree(&C);
    char *s = NULL;
    if (tree) {
        sj_sb sb;
        sj__sb_init(&sb);
        sj__sb_append(&sb, "");
        tdump(&sb, tree, "", "", 0);
        s = sj__sb_finish(&sb);
    }
    sj__arena_free(&C.A);
    return s;
}

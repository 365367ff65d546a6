/*
 * The AST: builder, free, walk, clone, equality and the reference's dump format.
 *
 * Ownership: a builder takes ownership of the children it is given. When it fails (allocation, or
 * a NULL child), it frees every child it was given, so a nested builder expression never leaks and
 * only the outermost result needs checking. A node can have one parent: giving an attached node to
 * a second builder is refused (it would be freed twice).
 *
 * Nothing here recurses over the tree: free, walk, clone and equality keep explicit stacks, so a
 * tree of any depth is handled. Each node records its height so compilers can refuse trees too deep
 * for their recursion before starting.
 */
#include "base/alloc.h"

#include <stdarg.h>
#include <string.h>

static sj_ast *node_new(sj_ast_kind kind)
{
    sj_ast *n = sj__calloc(1, sizeof *n);
    if (n) {
        n->kind = kind;
        n->height = 1;
    }
    return n;
}

static void update_height(sj_ast *n, const sj_ast *kid)
{
    if (kid->height + 1 > n->height)
        n->height = kid->height + 1;
}

void sj_ast_free(sj_ast *node)
{
    /* An intrusive stack through link_: no allocation, no recursion. */
    sj_ast *stack = node;
    if (stack)
        stack->link_ = NULL;
    while (stack) {
        sj_ast *n = stack;
        stack = n->link_;
        for (size_t i = 0; i < n->nkids; i++) {
            if (n->kids[i]) {
                n->kids[i]->link_ = stack;
                stack = n->kids[i];
            }
        }
        sj__free(n->kids);
        sj__free(n->name);
        sj__free(n);
    }
}

/* Frees the given (unattached) children; used when a builder fails. */
static void free_unattached(sj_ast *const *kids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (kids[i] && !kids[i]->attached_)
            sj_ast_free(kids[i]);
}

/* Creates a node of kind with the given children (all must be non-NULL and unattached). */
static sj_ast *node_with_kids(sj_ast_kind kind, sj_ast *const *kids, size_t n)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        if (!kids[i] || kids[i]->attached_)
            ok = false;
    sj_ast *node = ok ? node_new(kind) : NULL;
    if (node && n) {
        node->kids = sj__malloc(n * sizeof *node->kids);
        if (!node->kids) {
            sj__free(node);
            node = NULL;
        }
    }
    if (!node) {
        free_unattached(kids, n);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        node->kids[i] = kids[i];
        kids[i]->attached_ = true;
        update_height(node, kids[i]);
    }
    node->nkids = node->kids_cap_ = n;
    return node;
}

static sj_ast *with_name(sj_ast *node, const char *name)
{
    if (!node)
        return NULL;
    node->name = name ? sj__strdup(name) : NULL;
    if (!node->name) {
        sj_ast_free(node);
        return NULL;
    }
    return node;
}

sj_ast *sj_lit(double value)
{
    sj_ast *n = node_new(SJ_AST_LIT);
    if (n)
        n->value = value;
    return n;
}

sj_ast *sj_var(const char *name)
{
    return with_name(node_new(SJ_AST_VAR), name);
}

sj_ast *sj_assign(const char *name, sj_ast *expr)
{
    if (!name) {
        free_unattached(&expr, 1);
        return NULL;
    }
    return with_name(node_with_kids(SJ_AST_ASSIGN, &expr, 1), name);
}

sj_ast *sj_binop(sj_binary_op op, sj_ast *a, sj_ast *b)
{
    sj_ast *kids[2] = {a, b};
    if ((unsigned)op > SJ_GE) {
        free_unattached(kids, 2);
        return NULL;
    }
    sj_ast *n = node_with_kids(SJ_AST_BINOP, kids, 2);
    if (n)
        n->op = (int)op;
    return n;
}

sj_ast *sj_add(sj_ast *a, sj_ast *b) { return sj_binop(SJ_ADD, a, b); }
sj_ast *sj_sub(sj_ast *a, sj_ast *b) { return sj_binop(SJ_SUB, a, b); }
sj_ast *sj_mul(sj_ast *a, sj_ast *b) { return sj_binop(SJ_MUL, a, b); }
sj_ast *sj_div(sj_ast *a, sj_ast *b) { return sj_binop(SJ_DIV, a, b); }
sj_ast *sj_eq(sj_ast *a, sj_ast *b) { return sj_binop(SJ_EQ, a, b); }
sj_ast *sj_ne(sj_ast *a, sj_ast *b) { return sj_binop(SJ_NE, a, b); }
sj_ast *sj_lt(sj_ast *a, sj_ast *b) { return sj_binop(SJ_LT, a, b); }
sj_ast *sj_le(sj_ast *a, sj_ast *b) { return sj_binop(SJ_LE, a, b); }
sj_ast *sj_gt(sj_ast *a, sj_ast *b) { return sj_binop(SJ_GT, a, b); }
sj_ast *sj_ge(sj_ast *a, sj_ast *b) { return sj_binop(SJ_GE, a, b); }

sj_ast *sj_if(sj_ast *cond, sj_ast *then_, sj_ast *else_)
{
    sj_ast *kids[3] = {cond, then_, else_};
    return node_with_kids(SJ_AST_IF, kids, else_ ? 3 : 2);
}

sj_ast *sj_call_v(const char *name, uint64_t uid, sj_ast *const *args, size_t nargs)
{
    if (!name || (nargs && !args)) {
        if (args)
            free_unattached(args, nargs);
        return NULL;
    }
    sj_ast *n = with_name(node_with_kids(SJ_AST_CALL, args, nargs), name);
    if (n)
        n->uid = uid;
    return n;
}

#define SJ__MAX_VARARGS 64

sj_ast *sj_call(const char *name, uint64_t uid, size_t nargs, ...)
{
    sj_ast *args[SJ__MAX_VARARGS];
    va_list ap;
    va_start(ap, nargs);
    size_t n = nargs < SJ__MAX_VARARGS ? nargs : SJ__MAX_VARARGS;
    for (size_t i = 0; i < nargs; i++) {
        sj_ast *a = va_arg(ap, sj_ast *);
        if (i < n)
            args[i] = a;
        else
            free_unattached(&a, 1);
    }
    va_end(ap);
    if (nargs > SJ__MAX_VARARGS) {
        free_unattached(args, n);
        return NULL;
    }
    return sj_call_v(name, uid, args, n);
}

sj_ast *sj_stmts_v(sj_ast *const *stmts, size_t n)
{
    if (n && !stmts)
        return NULL;
    return node_with_kids(SJ_AST_STMTS, stmts, n);
}

sj_ast *sj_stmts(size_t n, ...)
{
    sj_ast *kids[SJ__MAX_VARARGS];
    va_list ap;
    va_start(ap, n);
    size_t m = n < SJ__MAX_VARARGS ? n : SJ__MAX_VARARGS;
    for (size_t i = 0; i < n; i++) {
        sj_ast *a = va_arg(ap, sj_ast *);
        if (i < m)
            kids[i] = a;
        else
            free_unattached(&a, 1);
    }
    va_end(ap);
    if (n > SJ__MAX_VARARGS) {
        free_unattached(kids, m);
        return NULL;
    }
    return sj_stmts_v(kids, m);
}

sj_ast *sj_buf_declare(size_t buf_idx, size_t len)
{
    sj_ast *n = node_new(SJ_AST_BUF_DECLARE);
    if (n) {
        n->index = buf_idx;
        n->len = len;
    }
    return n;
}

static sj_ast *len_node(sj_lenop op, size_t idx)
{
    sj_ast *n = node_new(SJ_AST_LEN);
    if (n) {
        n->op = (int)op;
        n->index = idx;
    }
    return n;
}

sj_ast *sj_buf_len(size_t buf_idx) { return len_node(SJ_LEN_BUFFER, buf_idx); }
sj_ast *sj_table_len(size_t tbl_idx) { return len_node(SJ_LEN_TABLE, tbl_idx); }

sj_ast *sj_buf_op(sj_bufop op, size_t index, sj_ast *idx, sj_ast *val_or_null)
{
    sj_ast *kids[2] = {idx, val_or_null};
    if ((unsigned)op > SJ_TABLE_READ_LIN) {
        free_unattached(kids, 2);
        return NULL;
    }
    sj_ast *n = node_with_kids(SJ_AST_BUF_OP, kids, val_or_null ? 2 : 1);
    if (n) {
        n->op = (int)op;
        n->index = index;
    }
    return n;
}

sj_ast *sj_buf_write(size_t i, sj_ast *idx, sj_ast *val)
{
    if (!val) {
        free_unattached(&idx, 1);
        return NULL;
    }
    return sj_buf_op(SJ_BUF_WRITE, i, idx, val);
}
sj_ast *sj_buf_read(size_t i, sj_ast *idx) { return sj_buf_op(SJ_BUF_READ, i, idx, NULL); }
sj_ast *sj_buf_read_lin(size_t i, sj_ast *idx) { return sj_buf_op(SJ_BUF_READ_LIN, i, idx, NULL); }
sj_ast *sj_table_read(size_t i, sj_ast *idx) { return sj_buf_op(SJ_TABLE_READ, i, idx, NULL); }
sj_ast *sj_table_read_lin(size_t i, sj_ast *idx) { return sj_buf_op(SJ_TABLE_READ_LIN, i, idx, NULL); }

sj_status sj_ast_push(sj_ast *parent, sj_ast *child)
{
    if (!parent || !child || child->attached_ || parent->attached_ ||
        (parent->kind != SJ_AST_STMTS && parent->kind != SJ_AST_CALL)) {
        if (child && !child->attached_)
            sj_ast_free(child);
        return !parent || !child ? SJ_ERR_INVALID_ARGUMENT : SJ_ERR_INVALID_ARGUMENT;
    }
    if (!sj__grow((void **)&parent->kids, &parent->kids_cap_, parent->nkids + 1, sizeof *parent->kids)) {
        sj_ast_free(child);
        return SJ_ERR_NOMEM;
    }
    parent->kids[parent->nkids++] = child;
    child->attached_ = true;
    update_height(parent, child);
    return SJ_OK;
}

sj_ast *sj_ast_at(sj_ast *node, int line, int col)
{
    if (node) {
        node->line = line;
        node->col = col;
    }
    return node;
}

/* ---- walking with an explicit stack ---- */

typedef struct walk_item {
    const sj_ast *node;
    size_t depth;
} walk_item;

sj_status sj_ast_walk(const sj_ast *root, sj_ast_visitor visit, void *user)
{
    if (!root || !visit)
        return root ? SJ_ERR_INVALID_ARGUMENT : SJ_OK;
    walk_item *stack = NULL;
    size_t n = 0, cap = 0;
    if (!sj__grow((void **)&stack, &cap, 16, sizeof *stack))
        return SJ_ERR_NOMEM;
    stack[n++] = (walk_item){root, 0};
    sj_status st = SJ_OK;
    while (n) {
        walk_item it = stack[--n];
        if (!visit(it.node, it.depth, user))
            break;
        if (!sj__grow((void **)&stack, &cap, n + it.node->nkids, sizeof *stack)) {
            st = SJ_ERR_NOMEM;
            break;
        }
        /* Push in reverse so that children are visited in order. */
        for (size_t i = it.node->nkids; i-- > 0;)
            stack[n++] = (walk_item){it.node->kids[i], it.depth + 1};
    }
    sj__free(stack);
    return st;
}

/* ---- dump (reference ASTNode::dump, §1.6) ---- */

static const char *binop_name(int op)
{
    static const char *names[] = {"Add", "Sub", "Mul", "Div", "Eq", "Ne", "Lt", "Le", "Gt", "Ge"};
    return (unsigned)op <= SJ_GE ? names[op] : "?";
}

static const char *bufop_name(int op)
{
    static const char *names[] = {"Write", "Read", "ReadLin", "TableRead", "TableReadLin"};
    return (unsigned)op <= SJ_TABLE_READ_LIN ? names[op] : "?";
}

/* Rust's "{:6.4}" for f64: 4 decimals, right-aligned in 6 characters. */
static void dump_label(sj_sb *sb, const sj_ast *n)
{
    switch (n->kind) {
    case SJ_AST_LIT:
        if (n->value != n->value)
            sj__sb_append(sb, "lit:   NaN"); /* Rust spells NaN this way */
        else
            sj__sb_printf(sb, "lit:%6.4f", n->value);
        break;
    case SJ_AST_VAR: sj__sb_printf(sb, "var:%s", n->name); break;
    case SJ_AST_ASSIGN: sj__sb_printf(sb, "assign:%s", n->name); break;
    case SJ_AST_BINOP: sj__sb_printf(sb, "binop:%s", binop_name(n->op)); break;
    case SJ_AST_IF: sj__sb_append(sb, "if"); break;
    case SJ_AST_CALL: sj__sb_printf(sb, "call%llu:%s", (unsigned long long)n->uid, n->name); break;
    case SJ_AST_BUF_DECLARE: sj__sb_printf(sb, "bufdecl%zu:%zu", n->index, n->len); break;
    case SJ_AST_LEN:
        sj__sb_printf(sb, "len:%s(%zu)", n->op == SJ_LEN_TABLE ? "Table" : "Buffer", n->index);
        break;
    case SJ_AST_BUF_OP: sj__sb_printf(sb, "buf:%s(%zu)", bufop_name(n->op), n->index); break;
    case SJ_AST_STMTS: sj__sb_printf(sb, "stmts:%zu", n->nkids); break;
    }
}

typedef struct dump_item {
    const sj_ast *node;
    size_t indent;
    long arg; /* call argument number, or -1 */
} dump_item;

char *sj_ast_dump(const sj_ast *root)
{
    if (!root)
        return NULL;
    sj_sb sb;
    sj__sb_init(&sb);
    dump_item *stack = NULL;
    size_t n = 0, cap = 0;
    if (!sj__grow((void **)&stack, &cap, 16, sizeof *stack))
        return NULL;
    stack[n++] = (dump_item){root, 0, -1};
    while (n && !sb.failed) {
        dump_item it = stack[--n];
        /* Call arguments get "[i] " before the child's own indentation (reference behaviour). */
        if (it.arg >= 0)
            sj__sb_printf(&sb, "[%ld] ", it.arg);
        for (size_t i = 0; i <= it.indent; i++)
            sj__sb_append(&sb, "   ");
        dump_label(&sb, it.node);
        sj__sb_append(&sb, "\n");
        if (!sj__grow((void **)&stack, &cap, n + it.node->nkids, sizeof *stack)) {
            sb.failed = true;
            break;
        }
        for (size_t i = it.node->nkids; i-- > 0;)
            stack[n++] = (dump_item){it.node->kids[i], it.indent + 1,
                                     it.node->kind == SJ_AST_CALL ? (long)i : -1};
    }
    sj__free(stack);
    return sj__sb_finish(&sb);
}

/* ---- clone and equality ---- */

static bool same_fields(const sj_ast *a, const sj_ast *b)
{
    if (a->kind != b->kind || a->nkids != b->nkids)
        return false;
    switch (a->kind) {
    case SJ_AST_LIT: return memcmp(&a->value, &b->value, sizeof a->value) == 0;
    case SJ_AST_VAR:
    case SJ_AST_ASSIGN: return strcmp(a->name, b->name) == 0;
    case SJ_AST_BINOP: return a->op == b->op;
    case SJ_AST_IF:
    case SJ_AST_STMTS: return true;
    case SJ_AST_CALL: return a->uid == b->uid && strcmp(a->name, b->name) == 0;
    case SJ_AST_BUF_DECLARE: return a->index == b->index && a->len == b->len;
    case SJ_AST_BUF_OP:
    case SJ_AST_LEN: return a->op == b->op && a->index == b->index;
    }
    return false;
}

typedef struct pair_item {
    const sj_ast *a;
    const sj_ast *b;
} pair_item;

bool sj_ast_equal(const sj_ast *a, const sj_ast *b)
{
    if (!a || !b)
        return a == b;
    pair_item *stack = NULL;
    size_t n = 0, cap = 0;
    bool equal = true;
    if (!sj__grow((void **)&stack, &cap, 16, sizeof *stack))
        return false;
    stack[n++] = (pair_item){a, b};
    while (n && equal) {
        pair_item it = stack[--n];
        if (!same_fields(it.a, it.b)) {
            equal = false;
            break;
        }
        if (!sj__grow((void **)&stack, &cap, n + it.a->nkids, sizeof *stack)) {
            equal = false;
            break;
        }
        for (size_t i = 0; i < it.a->nkids; i++)
            stack[n++] = (pair_item){it.a->kids[i], it.b->kids[i]};
    }
    sj__free(stack);
    return equal;
}

/* Copies the fields of src into a new node with room for its kids (filled in later). */
static sj_ast *copy_node(const sj_ast *src)
{
    sj_ast *n = node_new(src->kind);
    if (!n)
        return NULL;
    n->op = src->op;
    n->value = src->value;
    n->uid = src->uid;
    n->index = src->index;
    n->len = src->len;
    n->line = src->line;
    n->col = src->col;
    n->height = src->height;
    if (src->name && !(n->name = sj__strdup(src->name))) {
        sj__free(n);
        return NULL;
    }
    if (src->nkids) {
        n->kids = sj__calloc(src->nkids, sizeof *n->kids);
        if (!n->kids) {
            sj__free(n->name);
            sj__free(n);
            return NULL;
        }
        n->kids_cap_ = src->nkids;
    }
    return n;
}

sj_ast *sj_ast_clone(const sj_ast *root)
{
    if (!root)
        return NULL;
    sj_ast *copy = copy_node(root);
    if (!copy)
        return NULL;
    pair_item *stack = NULL; /* (source, its copy whose kids are still to fill) */
    size_t n = 0, cap = 0;
    bool ok = sj__grow((void **)&stack, &cap, 16, sizeof *stack);
    if (ok)
        stack[n++] = (pair_item){root, copy};
    while (ok && n) {
        pair_item it = stack[--n];
        sj_ast *dst = (sj_ast *)it.b;
        for (size_t i = 0; i < it.a->nkids && ok; i++) {
            sj_ast *kid = copy_node(it.a->kids[i]);
            if (!kid || !sj__grow((void **)&stack, &cap, n + 1, sizeof *stack)) {
                sj_ast_free(kid);
                ok = false;
                break;
            }
            kid->attached_ = true;
            dst->kids[dst->nkids++] = kid;
            stack[n++] = (pair_item){it.a->kids[i], kid};
        }
    }
    sj__free(stack);
    if (!ok) {
        sj_ast_free(copy);
        return NULL;
    }
    return copy;
}

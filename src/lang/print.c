/*
 * Printer of the text language: any AST to text that parses back to an equal AST.
 *
 * What makes the round trip exact:
 *   - literals print with the shortest of %.15g/%.16g/%.17g that reads back to the same bits;
 *     infinities as inf/-inf, NaNs as nan/-nan or nan(0xBITS) for other payloads;
 *   - names that are not plain words print in backticks with escapes;
 *   - parentheses wherever precedence needs them (operators are left-associative);
 *   - a list of exactly one statement in a branch or at the top level is that statement, so a
 *     STMTS with one kid is printed as a block inside the list;
 *   - call uids are printed (node@uid) only where they differ from the automatic uid the parser
 *     would assign at that position (the same counter as the parser, visited in the same order).
 * The formatter (sj_format_source) passes the parser's side information to keep labels, comments
 * and blank lines.
 */
#include "lang/lang.h"

#include "base/alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INLINE_MAX 48

typedef struct printer {
    sj_sb sb;
    sj_uid_counter uids;
    const char *anchor;
    const sj_source_info *info;
    sj_label_entry *labels; /* sorted by uid */
    sj_stmt_pos *stmts;     /* sorted by node */
    sj_stmt_pos *closes;    /* sorted by node */
    size_t depth;
    bool fail;
    size_t next_comment;
    int last_line; /* last source line printed (fmt) */
} printer;

static void put(printer *pr, const char *s)
{
    sj__sb_append(&pr->sb, s);
}

static void indent(printer *pr, int n)
{
    for (int i = 0; i < n; i++)
        put(pr, "    ");
}

static void put_name(printer *pr, const char *name)
{
    if (sj__lang_name_is_plain(name)) {
        put(pr, name);
        return;
    }
    put(pr, "`");
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        if (*c == '`' || *c == '\\') {
            char b[3] = {'\\', (char)*c, 0};
            put(pr, b);
        } else if (*c < 0x20 || *c == 0x7f) {
            sj__sb_printf(&pr->sb, "\\x%02x", *c);
        } else {
            sj__sb_appendn(&pr->sb, (const char *)c, 1);
        }
    }
    put(pr, "`");
}

static void put_double(printer *pr, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    if (isnan(v)) {
        if (bits == 0x7ff8000000000000ULL)
            put(pr, "nan");
        else if (bits == 0xfff8000000000000ULL)
            put(pr, "-nan");
        else
            sj__sb_printf(&pr->sb, "nan(0x%016llx)", (unsigned long long)bits);
        return;
    }
    if (isinf(v)) {
        put(pr, v < 0 ? "-inf" : "inf");
        return;
    }
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        double back = strtod(buf, NULL);
        uint64_t bb;
        memcpy(&bb, &back, sizeof bb);
        if (bb == bits)
            break;
    }
    put(pr, buf);
}

/* Precedence of a node as an operand: 0 assignment-like, 1..4 binary levels, 5 unary, 6 primary. */
static int binop_level(int op)
{
    switch (op) {
    case SJ_EQ:
    case SJ_NE: return 1;
    case SJ_LT:
    case SJ_LE:
    case SJ_GT:
    case SJ_GE: return 2;
    case SJ_ADD:
    case SJ_SUB: return 3;
    default: return 4;
    }
}

static const char *binop_text(int op)
{
    static const char *const t[] = {"+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">="};
    return op >= 0 && op <= SJ_GE ? t[op] : "?";
}

static int prec_of(const sj_ast *n)
{
    switch (n->kind) {
    case SJ_AST_ASSIGN:
    case SJ_AST_BUF_DECLARE: return 0;
    case SJ_AST_BUF_OP: return n->op == SJ_BUF_WRITE ? 0 : 6;
    case SJ_AST_BINOP: return binop_level(n->op);
    case SJ_AST_LIT: return signbit(n->value) ? 5 : 6;
    case SJ_AST_IF: return 5; /* parenthesized as an operator's operand, for the reader */
    default: return 6;
    }
}

static void print_expr(printer *pr, const sj_ast *n, int minprec, int ind);
static void print_stmt(printer *pr, const sj_ast *n, int ind);
static void flush_comments(printer *pr, int line, int ind);

/* The entry of node n in a of n entries sorted by node (cmp_stmt), or NULL. */
static const sj_stmt_pos *find_pos(const sj_stmt_pos *a, size_t count, const sj_ast *n)
{
    if (!a || !n)
        return NULL;
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((uintptr_t)a[mid].node < (uintptr_t)n)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < count && a[lo].node == n ? &a[lo] : NULL;
}

static const sj_stmt_pos *stmt_info(const printer *pr, const sj_ast *n)
{
    return pr->info ? find_pos(pr->stmts, pr->info->nstmts, n) : NULL;
}

/* Comments before the '}' of a block whose last statement is last (fmt). */
static void flush_before_close(printer *pr, const sj_ast *last, int ind)
{
    const sj_stmt_pos *c = pr->info ? find_pos(pr->closes, pr->info->ncloses, last) : NULL;
    if (c)
        flush_comments(pr, c->first_line, ind);
}

static const char *label_of(const printer *pr, uint64_t uid)
{
    if (!pr->info || !pr->labels)
        return NULL;
    size_t lo = 0, hi = pr->info->nlabels;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (pr->labels[mid].uid < uid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < pr->info->nlabels && pr->labels[lo].uid == uid ? pr->labels[lo].label : NULL;
}

/* Comment text as written, except NUL bytes (the output is a C string). */
static void put_comment(printer *pr, const sj_comment *c)
{
    const char *t = pr->info->src + c->off;
    size_t start = 0, len = c->len;
    while (len > 0 && (t[len - 1] == '\r' || t[len - 1] == ' ' || t[len - 1] == '\t'))
        len--; /* CRLF files and trailing blanks */
    for (size_t i = 0; i <= len; i++) {
        if (i == len || t[i] == 0) {
            sj__sb_appendn(&pr->sb, t + start, i - start);
            start = i + 1;
        }
    }
}

/* One blank line where the source had one or more (fmt), never right after '{' or a blank line. */
static void maybe_blank(printer *pr, int line)
{
    size_t n = pr->sb.len;
    if (pr->last_line > 0 && line > pr->last_line + 1 && n > 0 && pr->sb.data[n - 1] == '\n' &&
        !(n >= 2 && (pr->sb.data[n - 2] == '\n' || pr->sb.data[n - 2] == '{')))
        put(pr, "\n");
}

/* Comments (fmt only): every comment that starts before `line`. */
static void flush_comments(printer *pr, int line, int ind)
{
    const sj_lexed *lx = pr->info ? pr->info->lx : NULL;
    if (!lx)
        return;
    while (pr->next_comment < lx->ncomments && lx->comments[pr->next_comment].line < line) {
        const sj_comment *c = &lx->comments[pr->next_comment++];
        maybe_blank(pr, c->line);
        indent(pr, ind);
        put_comment(pr, c);
        put(pr, "\n");
        pr->last_line = c->line;
    }
}

/* A trailing comment on the statement's last line. */
static void trailing_comment(printer *pr, int line)
{
    const sj_lexed *lx = pr->info ? pr->info->lx : NULL;
    if (!lx)
        return;
    if (pr->next_comment < lx->ncomments && lx->comments[pr->next_comment].line == line &&
        !lx->comments[pr->next_comment].own_line) {
        const sj_comment *c = &lx->comments[pr->next_comment++];
        /* Keep the comment's column when the code still fits before it (aligned comments stay
         * aligned), else two spaces. */
        int width = 0;
        for (size_t i = pr->sb.len; i > 0 && pr->sb.data[i - 1] != '\n'; i--)
            if (((unsigned char)pr->sb.data[i - 1] & 0xC0) != 0x80)
                width++;
        put(pr, "  ");
        for (int k = width + 2; k < c->col - 1 && k < 200; k++)
            put(pr, " ");
        put_comment(pr, c);
    }
}

static bool enter(printer *pr)
{
    if (++pr->depth > SJ_MAX_AST_HEIGHT + 16) {
        pr->fail = true;
        return false;
    }
    return true;
}

/* Statements of a list, one per line, at indentation ind. */
static void print_list(printer *pr, sj_ast *const *kids, size_t n, int ind)
{
    for (size_t i = 0; i < n && !pr->fail; i++)
        print_stmt(pr, kids[i], ind);
}

/* A block: "{", the statements, "}" (a STMTS node as an expression). */
static void print_block(printer *pr, const sj_ast *n, int ind)
{
    if (n->nkids == 0) {
        put(pr, "{}");
        return;
    }
    put(pr, "{\n");
    print_list(pr, n->kids, n->nkids, ind + 1);
    flush_before_close(pr, n->kids[n->nkids - 1], ind + 1);
    indent(pr, ind);
    put(pr, "}");
}

/* A branch of if: one statement is written as is, a STMTS with n != 1 kids as its statements. */
static void print_branch(printer *pr, const sj_ast *n, int ind, int if_line)
{
    /* Inline form for a single short expression: { expr }. Decided on the shape only, so the uid
     * counter is visited exactly once. */
    bool simple = n->kind != SJ_AST_STMTS && n->kind != SJ_AST_IF && n->height <= 6;
    const sj_stmt_pos *sp = stmt_info(pr, n);
    if (simple && sp) {
        /* fmt: keep the user's line breaks, and never move a comment out of the branch */
        const sj_lexed *lx = pr->info->lx;
        if (sp->first_line != sp->last_line || sp->first_line != if_line)
            simple = false;
        if (lx && pr->next_comment < lx->ncomments && lx->comments[pr->next_comment].line <= sp->last_line)
            simple = false;
    }
    if (simple) {
        put(pr, "{ ");
        print_expr(pr, n, 0, ind);
        put(pr, " }");
        return;
    }
    put(pr, "{\n");
    if (n->kind == SJ_AST_STMTS && n->nkids != 1) {
        print_list(pr, n->kids, n->nkids, ind + 1);
        flush_before_close(pr, n->nkids ? n->kids[n->nkids - 1] : NULL, ind + 1);
    } else {
        print_stmt(pr, n, ind + 1);
        flush_before_close(pr, n, ind + 1);
    }
    indent(pr, ind);
    put(pr, "}");
}

static void print_if(printer *pr, const sj_ast *n, int ind)
{
    put(pr, "if ");
    const sj_ast *c = n->kids[0];
    if (c->kind == SJ_AST_IF) {
        put(pr, "(");
        print_expr(pr, c, 0, ind);
        put(pr, ")");
    } else {
        print_expr(pr, c, 0, ind);
    }
    put(pr, " ");
    print_branch(pr, n->kids[1], ind, n->line);
    if (n->nkids > 2 && n->kids[2]) {
        put(pr, " else ");
        if (n->kids[2]->kind == SJ_AST_IF) {
            if (!enter(pr))
                return;
            print_if(pr, n->kids[2], ind);
            pr->depth--;
        } else {
            print_branch(pr, n->kids[2], ind, n->line);
        }
    }
}

static void print_call(printer *pr, const sj_ast *n, int ind)
{
    uint64_t autouid = sj__uid_counter_next(&pr->uids, pr->anchor, n->name);
    if (pr->uids.nomem)
        pr->fail = true;
    put_name(pr, n->name);
    if (n->uid != autouid) {
        const char *label = label_of(pr, n->uid);
        put(pr, "@");
        if (label)
            put_name(pr, label);
        else
            sj__sb_printf(&pr->sb, "%llu", (unsigned long long)n->uid);
    }
    put(pr, "(");
    for (size_t i = 0; i < n->nkids && !pr->fail; i++) {
        if (i)
            put(pr, ", ");
        print_expr(pr, n->kids[i], 0, ind);
    }
    put(pr, ")");
}

static void print_binop_chain(printer *pr, const sj_ast *n, int ind)
{
    /* Walk down the left spine of operators of the same level iteratively, so a long chain
     * (a + b + c + ...) does not recurse once per term. */
    int lvl = binop_level(n->op);
    size_t cnt = 0, cap = 0;
    const sj_ast **spine = NULL;
    const sj_ast *cur = n;
    while (cur->kind == SJ_AST_BINOP && cur->nkids == 2 && binop_level(cur->op) == lvl) {
        if (!sj__grow((void **)&spine, &cap, cnt + 1, sizeof *spine)) {
            pr->fail = true;
            sj__free(spine);
            return;
        }
        spine[cnt++] = cur;
        cur = cur->kids[0];
    }
    print_expr(pr, cur, lvl, ind);
    for (size_t i = cnt; i-- > 0 && !pr->fail;) {
        put(pr, " ");
        put(pr, binop_text(spine[i]->op));
        put(pr, " ");
        print_expr(pr, spine[i]->kids[1], lvl + 1, ind);
    }
    sj__free(spine);
}

static void print_expr(printer *pr, const sj_ast *n, int minprec, int ind)
{
    if (pr->fail)
        return;
    if (!n) {
        pr->fail = true;
        return;
    }
    if (!enter(pr))
        return;
    bool paren = prec_of(n) < minprec;
    if (paren)
        put(pr, "(");
    switch (n->kind) {
    case SJ_AST_LIT:
        put_double(pr, n->value);
        break;
    case SJ_AST_VAR:
        put_name(pr, n->name ? n->name : "");
        break;
    case SJ_AST_ASSIGN: {
        put_name(pr, n->name ? n->name : "");
        put(pr, " = ");
        const char *saved = pr->anchor;
        pr->anchor = n->name ? n->name : "";
        print_expr(pr, n->nkids ? n->kids[0] : NULL, 0, ind);
        pr->anchor = saved;
        break;
    }
    case SJ_AST_BINOP:
        if (n->nkids != 2) {
            pr->fail = true;
            break;
        }
        print_binop_chain(pr, n, ind);
        break;
    case SJ_AST_IF:
        if (n->nkids < 2) {
            pr->fail = true;
            break;
        }
        print_if(pr, n, ind);
        break;
    case SJ_AST_CALL:
        print_call(pr, n, ind);
        break;
    case SJ_AST_BUF_DECLARE:
        sj__sb_printf(&pr->sb, "decl buf[%zu] = %zu", n->index, n->len);
        break;
    case SJ_AST_LEN:
        sj__sb_printf(&pr->sb, "%s[%zu].len", n->op == SJ_LEN_TABLE ? "table" : "buf", n->index);
        break;
    case SJ_AST_BUF_OP: {
        static const char *const kw[] = {"buf", "buf", "buf~", "table", "table~"};
        if (n->nkids < 1 || n->op < 0 || n->op > SJ_TABLE_READ_LIN) {
            pr->fail = true;
            break;
        }
        sj__sb_printf(&pr->sb, "%s[%zu][", kw[n->op], n->index);
        print_expr(pr, n->kids[0], 0, ind);
        put(pr, "]");
        if (n->op == SJ_BUF_WRITE) {
            put(pr, " = ");
            if (n->nkids > 1 && n->kids[1]) {
                char anchor[48];
                snprintf(anchor, sizeof anchor, "buf[%zu]", n->index);
                const char *saved = pr->anchor;
                pr->anchor = anchor;
                print_expr(pr, n->kids[1], 0, ind);
                pr->anchor = saved;
            } else {
                put(pr, "?");
            }
        }
        break;
    }
    case SJ_AST_STMTS:
        print_block(pr, n, ind);
        break;
    default:
        pr->fail = true;
        break;
    }
    if (paren)
        put(pr, ")");
    pr->depth--;
}

static void print_stmt(printer *pr, const sj_ast *n, int ind)
{
    const sj_stmt_pos *sp = stmt_info(pr, n);
    if (sp) {
        flush_comments(pr, sp->first_line, ind);
        maybe_blank(pr, sp->first_line);
        pr->last_line = sp->first_line;
    }
    indent(pr, ind);
    print_expr(pr, n, 0, ind);
    if (sp) {
        pr->last_line = sp->last_line;
        trailing_comment(pr, sp->last_line);
    }
    put(pr, "\n");
}

static int cmp_stmt(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const sj_stmt_pos *)a)->node, y = (uintptr_t)((const sj_stmt_pos *)b)->node;
    return x < y ? -1 : x > y;
}

static int cmp_label(const void *a, const void *b)
{
    uint64_t x = ((const sj_label_entry *)a)->uid, y = ((const sj_label_entry *)b)->uid;
    return x < y ? -1 : x > y;
}

/* A sorted copy of n entries of size bytes (NULL when n is 0; sets *fail when out of memory). */
static void *sorted_copy(const void *a, size_t n, size_t size, int (*cmp)(const void *, const void *), bool *fail)
{
    if (n == 0)
        return NULL;
    void *r = sj__malloc(n * size);
    if (!r) {
        *fail = true;
        return NULL;
    }
    memcpy(r, a, n * size);
    qsort(r, n, size, cmp);
    return r;
}

char *sj__lang_print(const sj_ast *ast, const sj_source_info *info)
{
    if (!ast)
        return NULL;
    printer pr;
    memset(&pr, 0, sizeof pr);
    sj__sb_init(&pr.sb);
    sj__uid_counter_init(&pr.uids);
    pr.anchor = "";
    pr.info = info;
    if (info) {
        pr.stmts = sorted_copy(info->stmts, info->nstmts, sizeof *pr.stmts, cmp_stmt, &pr.fail);
        pr.closes = sorted_copy(info->closes, info->ncloses, sizeof *pr.closes, cmp_stmt, &pr.fail);
        pr.labels = sorted_copy(info->labels, info->nlabels, sizeof *pr.labels, cmp_label, &pr.fail);
    }
    /* The top level is a statement list; a list of one statement is that statement. */
    if (ast->kind == SJ_AST_STMTS && ast->nkids != 1)
        print_list(&pr, ast->kids, ast->nkids, 0);
    else
        print_stmt(&pr, ast, 0);
    flush_comments(&pr, 1 << 30, 0);
    char *r = NULL;
    if (!pr.fail)
        r = sj__sb_finish(&pr.sb);
    sj__sb_fini(&pr.sb);
    sj__uid_counter_fini(&pr.uids);
    sj__free(pr.stmts);
    sj__free(pr.closes);
    sj__free(pr.labels);
    return r;
}

char *sj_print(const sj_ast *ast)
{
    return sj__lang_print(ast, NULL);
}

sj_status sj_format_source(const char *src, size_t len, const char *filename, char **out, sj_diag_list *diags)
{
    if (!out)
        return SJ_ERR_INVALID_ARGUMENT;
    *out = NULL;
    sj_source_info info;
    memset(&info, 0, sizeof info);
    sj_lexed lx;
    memset(&lx, 0, sizeof lx);
    sj_ast *ast = NULL;
    sj_status st = sj__lang_parse(src, len, filename, NULL, &ast, diags, &info, &lx);
    if (st == SJ_OK) {
        info.lx = &lx;
        *out = sj__lang_print(ast, &info);
        if (!*out)
            st = SJ_ERR_NOMEM;
    }
    sj_ast_free(ast);
    for (size_t i = 0; i < info.nlabels; i++)
        sj__free(info.labels[i].label);
    sj__free(info.labels);
    sj__free(info.stmts);
    sj__free(info.closes);
    sj__lang_lexed_free(&lx);
    return st;
}

/*
 * Parser of the text language: recursive descent over the token array, building the AST with the
 * public builder. Grammar (docs/language.md has the full reference):
 *
 *   program   = stmtlist EOF                 (one statement: that statement; else STMTS)
 *   stmtlist  = [stmt { (';' | newline) stmt }]
 *   stmt      = expr
 *   expr      = NAME '=' expr | 'decl' 'buf' '[' INT ']' '=' INT | bufwrite | binary(1)
 *   bufwrite  = 'buf' '[' INT ']' '[' expr ']' '=' (expr | '?')
 *   binary(k) = unary { op(k) binary(k+1) }  k: 1 == !=  2 < <= > >=  3 + -  4 * /
 *   unary     = '-' unary | primary
 *   primary   = NUM | 'inf' | 'nan' ['(' hexbits ')'] | NAME | call | '(' expr ')' | '{' stmtlist '}'
 *             | if | ('buf' | 'buf~' | 'table' | 'table~') '[' INT ']' ('[' expr ']' | '.' 'len')
 *   call      = NAME ['@' (NAME | INT)] '(' [expr {',' expr} [',']] ')'
 *   if        = 'if' expr branch ['else' (branch | if)]
 *   branch    = '{' stmtlist '}'             (one statement: that statement; else STMTS)
 *
 * Errors are collected; after an error the parser skips to the next statement of the same block
 * and goes on, so one run reports every error of a file. Only the first error of a line is kept
 * (later ones are usually consequences of it). Recursion is bounded by SJ_LANG_MAX_DEPTH.
 */
#include "lang/lang.h"

#include "base/alloc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ERRORS 100

typedef struct var_event {
    const char *name; /* token text (lives as long as the tokens) */
    int line, col, span;
    bool assign;
} var_event;

typedef struct stateful_use {
    uint64_t uid;
    int line, col, span;
    const char *label;
} stateful_use;

typedef struct parser {
    const char *src;
    size_t len;
    sj_tok *t;
    size_t n, pos;
    sj_diag_list *diags;
    const sj_library *lib;
    int depth;
    bool fatal, nomem, panic;
    int last_err_line;
    size_t nerrors;
    sj_status first_err;
    sj_uid_counter uids;
    const char *anchor;
    var_event *vars;
    size_t nvars, vcap;
    stateful_use *uses;
    size_t nuses, ucap;
    sj_source_info *info;
    const sj_tok *open_paren; /* innermost '(' being parsed, for "not closed" hints */
    size_t first_msg;         /* the messages of this parse start here */
} parser;

static const sj_tok *tok(const parser *p)
{
    return &p->t[p->pos];
}

static const sj_tok *peek(const parser *p, size_t k)
{
    size_t i = p->pos + k;
    return &p->t[i < p->n ? i : p->n - 1];
}

static void adv(parser *p)
{
    if (p->t[p->pos].kind != SJ_T_EOF)
        p->pos++;
}

static bool line_has_error(const parser *p, int line)
{
    if (!p->diags)
        return false;
    for (size_t i = p->first_msg; i < p->diags->count; i++)
        if (p->diags->items[i].line == line && p->diags->items[i].severity == SJ_SEVERITY_ERROR)
            return true;
    return false;
}

static void verror(parser *p, const sj_tok *at, sj_status code, const char *hint, const char *fmt, va_list ap)
{
    p->panic = true;
    if (p->first_err == SJ_OK)
        p->first_err = code;
    p->nerrors++;
    if (p->fatal || at->line == p->last_err_line || line_has_error(p, at->line))
        return;
    p->last_err_line = at->line;
    char phint[96];
    if (!hint && p->open_paren && at->line > p->open_paren->line) {
        snprintf(phint, sizeof phint, "is the '(' on line %d, column %d closed?", p->open_paren->line,
                 p->open_paren->col);
        hint = phint;
    }
    if (p->diags) {
        char buf[400];
        vsnprintf(buf, sizeof buf, fmt, ap);
        if (sj_diag_list_add(p->diags, SJ_SEVERITY_ERROR, code, at->line, at->col, at->span, hint, "%s", buf) !=
            SJ_OK)
            p->nomem = true;
        if (p->diags->errors >= MAX_ERRORS) {
            sj_diag_list_add(p->diags, SJ_SEVERITY_NOTE, SJ_OK, 0, 0, 1, NULL, "too many errors; stopping here");
            p->fatal = true;
        }
    }
}

static void __attribute__((format(printf, 5, 6)))
error_at(parser *p, const sj_tok *at, sj_status code, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(p, at, code, hint, fmt, ap);
    va_end(ap);
}

/* A semantic error: does not throw the parser into recovery mode. */
static void __attribute__((format(printf, 5, 6)))
check_error(parser *p, const sj_tok *at, sj_status code, const char *hint, const char *fmt, ...)
{
    bool panic = p->panic;
    int last = p->last_err_line;
    p->last_err_line = 0; /* semantic errors are independent of syntax errors on the line */
    va_list ap;
    va_start(ap, fmt);
    verror(p, at, code, hint, fmt, ap);
    va_end(ap);
    p->panic = panic;
    if (last)
        p->last_err_line = last;
}

static void __attribute__((format(printf, 4, 5)))
warn_at(parser *p, const sj_tok *at, const char *hint, const char *fmt, ...)
{
    if (!p->diags || p->fatal)
        return;
    if (p->diags->warnings >= 200) {
        if (p->diags->warnings == 200) {
            sj_diag_list_add(p->diags, SJ_SEVERITY_WARNING, SJ_OK, 0, 0, 1, NULL, "more warnings not shown");
        }
        return;
    }
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (sj_diag_list_add(p->diags, SJ_SEVERITY_WARNING, SJ_OK, at->line, at->col, at->span, hint, "%s", buf) != SJ_OK)
        p->nomem = true;
}

static const char *tok_desc(const sj_tok *t)
{
    switch (t->kind) {
    case SJ_T_EOF: return "end of file";
    case SJ_T_NUM: return "a number";
    case SJ_T_NAME: return "a name";
    case SJ_T_IF: return "'if'";
    case SJ_T_ELSE: return "'else'";
    case SJ_T_BUF: return "'buf'";
    case SJ_T_BUF_LIN: return "'buf~'";
    case SJ_T_TABLE: return "'table'";
    case SJ_T_TABLE_LIN: return "'table~'";
    case SJ_T_DECL: return "'decl'";
    case SJ_T_INF: return "'inf'";
    case SJ_T_NAN: return "'nan'";
    case SJ_T_LPAREN: return "'('";
    case SJ_T_RPAREN: return "')'";
    case SJ_T_LBRACE: return "'{'";
    case SJ_T_RBRACE: return "'}'";
    case SJ_T_LBRACK: return "'['";
    case SJ_T_RBRACK: return "']'";
    case SJ_T_COMMA: return "','";
    case SJ_T_SEMI: return "';'";
    case SJ_T_ASSIGN: return "'='";
    case SJ_T_EQ: return "'=='";
    case SJ_T_NE: return "'!='";
    case SJ_T_LT: return "'<'";
    case SJ_T_LE: return "'<='";
    case SJ_T_GT: return "'>'";
    case SJ_T_GE: return "'>='";
    case SJ_T_PLUS: return "'+'";
    case SJ_T_MINUS: return "'-'";
    case SJ_T_STAR: return "'*'";
    case SJ_T_SLASH: return "'/'";
    case SJ_T_AT: return "'@'";
    case SJ_T_DOT: return "'.'";
    case SJ_T_QUESTION: return "'?'";
    default: return "a bad token";
    }
}

static bool expect(parser *p, sj_tok_kind kind, const char *what)
{
    if (tok(p)->kind == kind) {
        adv(p);
        return true;
    }
    if (!p->panic)
        error_at(p, tok(p), SJ_ERR_SYNTAX, NULL, "expected %s, found %s", what, tok_desc(tok(p)));
    return false;
}

/* Node helpers: NULL means out of memory. */
static sj_ast *at(parser *p, sj_ast *node, const sj_tok *t)
{
    if (!node) {
        p->nomem = true;
        return NULL;
    }
    return sj_ast_at(node, t->line, t->col);
}

static sj_ast *placeholder(parser *p, const sj_tok *t)
{
    return at(p, sj_lit(0.0), t);
}

static bool enter(parser *p)
{
    if (p->fatal || p->nomem)
        return false;
    if (++p->depth > SJ_LANG_MAX_DEPTH) {
        error_at(p, tok(p), SJ_ERR_TOO_DEEP, "split the expression with intermediate variables",
                 "nesting too deep (more than %d levels)", SJ_LANG_MAX_DEPTH);
        p->fatal = true;
        return false;
    }
    return true;
}

static void leave(parser *p)
{
    p->depth--;
}

static void record_var(parser *p, const sj_tok *t, bool assign)
{
    if (!sj__grow((void **)&p->vars, &p->vcap, p->nvars + 1, sizeof *p->vars)) {
        p->nomem = true;
        return;
    }
    p->vars[p->nvars++] = (var_event){t->text, t->line, t->col, t->span, assign};
}

static void record_stmt(parser *p, const sj_ast *node, size_t first_tok, size_t last_tok)
{
    sj_source_info *in = p->info;
    if (!in || !node)
        return;
    if (!sj__grow((void **)&in->stmts, &in->scap, in->nstmts + 1, sizeof *in->stmts)) {
        in->nomem = true;
        return;
    }
    in->stmts[in->nstmts++] = (sj_stmt_pos){node, p->t[first_tok].line, p->t[last_tok].line};
}

static sj_ast *parse_expr(parser *p);
static sj_ast *parse_if(parser *p);

/* Skips to the start of the next statement of the list whose statements are at `level`. */
static void sync(parser *p, int level, int col)
{
    int line = tok(p)->line;
    while (tok(p)->kind != SJ_T_EOF) {
        const sj_tok *t = tok(p);
        if (t->level < level)
            break;
        if (t->level == level && (t->kind == SJ_T_SEMI || t->nl || t->kind == SJ_T_RBRACE))
            break;
        /* Brackets left open: resume at a line that starts where the statement started. */
        if (t->bol && t->line > line && t->col <= col && t->kind != SJ_T_RPAREN && t->kind != SJ_T_RBRACK)
            break;
        adv(p);
    }
    p->panic = false;
}

/* Parses statements until '}' (inside a block) or EOF. Returns the statements (owned array). */
static sj_ast **parse_stmtlist(parser *p, bool in_block, int level, size_t *count)
{
    sj_ast **items = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        while (tok(p)->kind == SJ_T_SEMI)
            adv(p);
        const sj_tok *t = tok(p);
        if (t->kind == SJ_T_EOF || p->fatal || p->nomem)
            break;
        if (in_block && (t->kind == SJ_T_RBRACE || t->level < level))
            break;
        if (!in_block && t->kind == SJ_T_RBRACE) {
            error_at(p, t, SJ_ERR_SYNTAX, NULL, "unmatched '}'");
            adv(p);
            p->panic = false;
            continue;
        }
        size_t start = p->pos;
        sj_ast *s = parse_expr(p);
        if (!s) {
            p->nomem = true;
            break;
        }
        if (!sj__grow((void **)&items, &cap, n + 1, sizeof *items)) {
            sj_ast_free(s);
            p->nomem = true;
            break;
        }
        items[n++] = s;
        record_stmt(p, s, start, p->pos > start ? p->pos - 1 : start);
        if (p->pos == start && tok(p)->kind != SJ_T_EOF)
            adv(p); /* no progress: skip the offending token */
        if (p->panic) {
            sync(p, level, p->t[start].col);
            continue;
        }
        t = tok(p);
        if (t->kind == SJ_T_SEMI || t->kind == SJ_T_EOF || t->nl || (in_block && t->kind == SJ_T_RBRACE) ||
            (t->bol && t->level > level))
            continue;
        if (!in_block && t->kind == SJ_T_RBRACE)
            continue; /* reported as unmatched by the loop */
        const char *kwhint = NULL;
        if (t->kind == SJ_T_NAME && !t->quoted) {
            if (sj__lang_similar(t->text, "else"))
                kwhint = "did you mean 'else'?";
            else if (p->t[start].kind == SJ_T_NAME && sj__lang_similar(p->t[start].text, "if"))
                kwhint = "did you mean 'if'?";
        }
        error_at(p, t, SJ_ERR_SYNTAX, kwhint, "expected ';' or a new line after the statement, found %s",
                 tok_desc(t));
        sync(p, level, p->t[start].col);
    }
    *count = n;
    return items;
}

static void free_items(sj_ast **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sj_ast_free(items[i]);
    sj__free(items);
}

/* '{' stmtlist '}'. as_branch: one statement gives that statement itself. */
static sj_ast *parse_block(parser *p, bool as_branch)
{
    const sj_tok *open = tok(p);
    if (open->kind != SJ_T_LBRACE) {
        error_at(p, open, SJ_ERR_SYNTAX, "the branches of 'if' are written in braces: if c { ... }",
                 "expected '{', found %s", tok_desc(open));
        return placeholder(p, open);
    }
    adv(p);
    size_t n;
    sj_ast **items = parse_stmtlist(p, true, open->level + 1, &n);
    if (p->nomem) {
        free_items(items, n);
        return NULL;
    }
    if (tok(p)->kind == SJ_T_RBRACE) {
        sj_source_info *in = p->info;
        if (in && n > 0) {
            if (!sj__grow((void **)&in->closes, &in->ccap, in->ncloses + 1, sizeof *in->closes))
                in->nomem = true;
            else
                in->closes[in->ncloses++] = (sj_stmt_pos){items[n - 1], tok(p)->line, tok(p)->line};
        }
        adv(p);
    } else if (!p->fatal)
        error_at(p, tok(p), SJ_ERR_SYNTAX, NULL, "expected '}' to close the block opened on line %d, found %s",
                 open->line, tok_desc(tok(p)));
    sj_ast *r;
    if (as_branch && n == 1) {
        r = items[0];
        sj__free(items);
        return r;
    }
    r = at(p, sj_stmts_v(items, n), open);
    sj__free(items);
    return r;
}

static bool name_known_var(const parser *p, const char *name)
{
    for (size_t i = 0; i < p->nvars; i++)
        if (p->vars[i].assign && strcmp(p->vars[i].name, name) == 0)
            return true;
    return false;
}

static void suggest_node(const parser *p, const char *name, char *hint, size_t hsz)
{
    hint[0] = 0;
    size_t best = (size_t)-1;
    size_t cnt = sj_library_count(p->lib);
    for (size_t i = 0; i < cnt; i++) {
        const sj_node_type *ty = sj_library_at(p->lib, i);
        if (!ty || !ty->name || !sj__lang_similar(name, ty->name))
            continue;
        size_t d = sj__lang_distance(name, ty->name, 8);
        if (d < best) {
            best = d;
            snprintf(hint, hsz, "did you mean '%s'?", ty->name);
        }
    }
    if (!hint[0] && name_known_var(p, name))
        snprintf(hint, hsz, "'%s' is a variable; only nodes can be called (sigjit nodes lists them)", name);
    if (!hint[0])
        snprintf(hint, hsz, "'sigjit nodes' lists the nodes of the library");
}

static void check_call(parser *p, const sj_tok *nt, size_t nargs, uint64_t uid, const char *label)
{
    if (!p->lib)
        return;
    const sj_node_type *ty = sj_library_find(p->lib, nt->text);
    if (!ty) {
        char hint[200];
        suggest_node(p, nt->text, hint, sizeof hint);
        check_error(p, nt, SJ_ERR_UNDEFINED_NODE, hint, "unknown node '%s'", nt->text);
        return;
    }
    size_t need = sj_node_type_arg_count(ty);
    if (nargs != need) {
        char ports[200] = "";
        size_t k = 0;
        for (size_t i = 0; i < need && k < sizeof ports; i++) {
            const char *pn = ty->inputs && ty->inputs[i] && ty->inputs[i][0] ? ty->inputs[i] : "x";
            k += (size_t)snprintf(ports + k, sizeof ports - k, "%s%s", i ? ", " : "", pn);
        }
        char hint[260];
        snprintf(hint, sizeof hint, "%s(%s)", ty->name, ports);
        if (nargs < need)
            check_error(p, nt, SJ_ERR_NOT_ENOUGH_ARGS, hint, "'%s' takes %zu argument%s, %zu given", nt->text, need,
                        need == 1 ? "" : "s", nargs);
        else
            warn_at(p, nt, hint, "'%s' takes %zu argument%s; %zu more %s never evaluated", nt->text, need,
                    need == 1 ? "" : "s", nargs - need, nargs - need == 1 ? "is" : "are");
    }
    if (sj_node_type_is_stateful(ty)) {
        if (!sj__grow((void **)&p->uses, &p->ucap, p->nuses + 1, sizeof *p->uses)) {
            p->nomem = true;
            return;
        }
        p->uses[p->nuses++] = (stateful_use){uid, nt->line, nt->col, nt->span, label};
    }
}

static void add_label(parser *p, uint64_t uid, const char *label)
{
    sj_source_info *in = p->info;
    if (!in)
        return;
    if (!sj__grow((void **)&in->labels, &in->lcap, in->nlabels + 1, sizeof *in->labels)) {
        in->nomem = true;
        return;
    }
    char *l = sj__strdup(label);
    if (!l) {
        in->nomem = true;
        return;
    }
    in->labels[in->nlabels++] = (sj_label_entry){uid, l};
}

static sj_ast *parse_call(parser *p)
{
    const sj_tok *nt = tok(p);
    adv(p);
    uint64_t uid = sj__uid_counter_next(&p->uids, p->anchor, nt->text);
    if (p->uids.nomem) {
        p->nomem = true;
        return NULL;
    }
    const char *label = NULL;
    if (tok(p)->kind == SJ_T_AT) {
        adv(p);
        const sj_tok *lt = tok(p);
        if (lt->kind == SJ_T_NAME) {
            uid = sj_lang_label_uid(lt->text);
            label = lt->text;
            add_label(p, uid, lt->text);
            adv(p);
        } else if (lt->kind == SJ_T_NUM && lt->is_int && lt->int_ok) {
            uid = lt->ival;
            adv(p);
        } else {
            error_at(p, lt, SJ_ERR_SYNTAX, "a label is a name or a whole number: phase@osc(...), phase@7(...)",
                     "expected a label after '@', found %s", tok_desc(lt));
        }
    }
    sj_ast *call = at(p, sj_call_v(nt->text, uid, NULL, 0), nt);
    if (!call)
        return NULL;
    if (tok(p)->kind != SJ_T_LPAREN) {
        if (!p->panic)
            error_at(p, tok(p), SJ_ERR_SYNTAX, NULL, "expected '(' after '%s@label'", nt->text);
        return call;
    }
    adv(p);
    size_t nargs = 0;
    while (tok(p)->kind != SJ_T_RPAREN && !p->fatal && !p->nomem) {
        if (tok(p)->kind == SJ_T_EOF) {
            error_at(p, tok(p), SJ_ERR_SYNTAX, NULL, "expected ')' to close the call of '%s'", nt->text);
            break;
        }
        sj_ast *a = parse_expr(p);
        if (!a || sj_ast_push(call, a) != SJ_OK) {
            p->nomem = true;
            sj_ast_free(call);
            return NULL;
        }
        nargs++;
        if (p->panic)
            break;
        if (tok(p)->kind == SJ_T_COMMA) {
            adv(p);
            continue;
        }
        if (tok(p)->kind != SJ_T_RPAREN) {
            error_at(p, tok(p), SJ_ERR_SYNTAX, NULL, "expected ',' or ')' in the call of '%s', found %s", nt->text,
                     tok_desc(tok(p)));
            break;
        }
    }
    if (tok(p)->kind == SJ_T_RPAREN && !p->panic)
        adv(p);
    if (!p->panic)
        check_call(p, nt, nargs, uid, label);
    return call;
}

static void check_var_name(parser *p, const sj_tok *t, bool assign)
{
    const char *s = t->text;
    if (s[0] == '%') {
        if (p->lib && !(strlen(s) == 2 && s[1] >= '1' && s[1] <= '5')) {
            if (assign)
                warn_at(p, t, "%1..%5 are read-only", "assigning '%s' writes a local that reads never see", s);
            else
                check_error(p, t, SJ_ERR_INVALID_RETURN_VALUE_ACCESS, "multi-return values are %1 .. %5",
                            "invalid multi-return access '%s'", s);
        } else if (assign) {
            warn_at(p, t, "%1..%5 are read-only", "assigning '%s' writes a local that reads never see", s);
        }
        return;
    }
    if (s[0] == '$') {
        static const char *const aux[] = {"$srate", "$israte", "$reset", NULL};
        bool ok = false;
        char hint[128] = "the aux variables are $srate, $israte and $reset";
        size_t best = (size_t)-1;
        for (size_t i = 0; aux[i]; i++) {
            size_t d = sj__lang_distance(s, aux[i], 8);
            if (strcmp(aux[i], s) == 0)
                ok = true;
            else if (sj__lang_similar(s, aux[i]) && d < best) {
                best = d;
                snprintf(hint, sizeof hint, "did you mean '%s'?", aux[i]);
            }
        }
        if (assign)
            warn_at(p, t, "$srate, $israte and $reset are read-only",
                    "assigning '%s' writes a local that reads never see", s);
        else if (!ok && p->lib)
            check_error(p, t, SJ_ERR_UNDEFINED_VARIABLE, hint, "unknown aux variable '%s'", s);
        return;
    }
    if (s[0] == '&') {
        bool sig = strcmp(s, "&sig1") == 0 || strcmp(s, "&sig2") == 0;
        if (sig || !p->lib)
            return;
        char hint[128] = "the outputs are &sig1 and &sig2";
        if (sj__lang_similar(s, "&sig1"))
            snprintf(hint, sizeof hint, "did you mean '&sig1'?");
        if (sj__lang_is_param(s))
            check_error(p, t, SJ_ERR_UNDEFINED_VARIABLE, hint, "'%s' is an internal parameter of the function", s);
        else
            check_error(p, t, SJ_ERR_UNDEFINED_VARIABLE, hint, "unknown output '%s'", s);
        return;
    }
    if (s[0] == '*')
        return; /* persistent variable */
    if (sj__lang_is_constant(s)) {
        if (assign)
            warn_at(p, t, NULL, "'%s' is a constant; the assignment writes a local that reads never see", s);
        return;
    }
    if (sj__lang_is_param(s))
        return;
    record_var(p, t, assign);
}

static sj_ast *parse_bufref(parser *p, const sj_tok *kw, size_t *index)
{
    (void)kw;
    *index = 0;
    if (!expect(p, SJ_T_LBRACK, "'[' and the buffer number"))
        return NULL;
    const sj_tok *it = tok(p);
    if (it->kind == SJ_T_NUM && it->is_int && it->int_ok && it->ival <= SIZE_MAX) {
        *index = (size_t)it->ival;
        adv(p);
    } else {
        error_at(p, it, SJ_ERR_SYNTAX, "buffers and tables are numbered: buf[0] .. buf[15], table[0] .. table[15]",
                 "expected a whole number, found %s", tok_desc(it));
        return NULL;
    }
    if (!expect(p, SJ_T_RBRACK, "']'"))
        return NULL;
    return (sj_ast *)1; /* ok marker */
}

/* buf[N][i], buf~[N][i], table[N][i], table~[N][i], buf[N].len, table[N].len */
static sj_ast *parse_bufaccess(parser *p)
{
    const sj_tok *kw = tok(p);
    adv(p);
    size_t index;
    if (!parse_bufref(p, kw, &index))
        return placeholder(p, kw);
    const sj_tok *t = tok(p);
    if (t->kind == SJ_T_DOT && !t->nl) {
        adv(p);
        const sj_tok *lt = tok(p);
        if (lt->kind != SJ_T_NAME || lt->quoted || strcmp(lt->text, "len") != 0) {
            error_at(p, lt, SJ_ERR_SYNTAX, NULL, "expected 'len' after '.', found %s", tok_desc(lt));
            return placeholder(p, kw);
        }
        adv(p);
        if (kw->kind == SJ_T_BUF)
            return at(p, sj_buf_len(index), kw);
        if (kw->kind == SJ_T_TABLE)
            return at(p, sj_table_len(index), kw);
        error_at(p, kw, SJ_ERR_SYNTAX, "write buf[N].len or table[N].len", "'~' has no meaning for a length");
        return placeholder(p, kw);
    }
    if (t->kind == SJ_T_LBRACK && !t->nl) {
        adv(p);
        sj_ast *idx = parse_expr(p);
        if (!idx)
            return NULL;
        if (!p->panic)
            expect(p, SJ_T_RBRACK, "']'");
        sj_bufop op = kw->kind == SJ_T_BUF       ? SJ_BUF_READ
                      : kw->kind == SJ_T_BUF_LIN ? SJ_BUF_READ_LIN
                      : kw->kind == SJ_T_TABLE   ? SJ_TABLE_READ
                                                 : SJ_TABLE_READ_LIN;
        return at(p, sj_buf_op(op, index, idx, NULL), kw);
    }
    error_at(p, t, SJ_ERR_SYNTAX, "buf[N][index] reads, buf[N].len is the length", "expected '[' or '.len' after %s[%zu]",
             kw->kind == SJ_T_BUF ? "buf" : kw->kind == SJ_T_BUF_LIN ? "buf~" : kw->kind == SJ_T_TABLE ? "table" : "table~",
             index);
    return placeholder(p, kw);
}

static double nan_from_bits(parser *p, const sj_tok *t)
{
    uint64_t bits = 0x7ff8000000000000ULL;
    const char *s = t->kind == SJ_T_NAME ? t->text : "";
    bool ok = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2];
    uint64_t v = 0;
    for (size_t i = 2; ok && s[i]; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0 || i > 17)
            ok = false;
        else
            v = v * 16 + (uint64_t)d;
    }
    if (ok && ((v >> 52) & 0x7ff) == 0x7ff && (v & 0xfffffffffffffULL))
        bits = v;
    else
        error_at(p, t, SJ_ERR_SYNTAX, "nan(0x7ff8000000000001): 16 hex digits of a NaN's bits",
                 "expected the bits of a NaN");
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static sj_ast *parse_primary(parser *p)
{
    const sj_tok *t = tok(p);
    switch (t->kind) {
    case SJ_T_NUM:
        adv(p);
        return at(p, sj_lit(t->num), t);
    case SJ_T_INF:
        adv(p);
        return at(p, sj_lit(INFINITY), t);
    case SJ_T_NAN: {
        adv(p);
        uint64_t bits = 0x7ff8000000000000ULL;
        double d;
        memcpy(&d, &bits, sizeof d);
        if (tok(p)->kind == SJ_T_LPAREN && !tok(p)->nl) {
            adv(p);
            d = nan_from_bits(p, tok(p));
            if (!p->panic) {
                adv(p);
                expect(p, SJ_T_RPAREN, "')'");
            }
        }
        return at(p, sj_lit(d), t);
    }
    case SJ_T_NAME: {
        const sj_tok *nx = peek(p, 1);
        if (nx->kind == SJ_T_AT || (nx->kind == SJ_T_LPAREN && !nx->nl))
            return parse_call(p);
        adv(p);
        check_var_name(p, t, false);
        return at(p, sj_var(t->text), t);
    }
    case SJ_T_LPAREN: {
        const sj_tok *saved = p->open_paren;
        p->open_paren = t;
        adv(p);
        sj_ast *e = parse_expr(p);
        if (e && !p->panic)
            expect(p, SJ_T_RPAREN, "')'");
        p->open_paren = saved;
        return e;
    }
    case SJ_T_LBRACE:
        return parse_block(p, false);
    case SJ_T_IF:
        return parse_if(p);
    case SJ_T_BUF:
    case SJ_T_BUF_LIN:
    case SJ_T_TABLE:
    case SJ_T_TABLE_LIN:
        return parse_bufaccess(p);
    case SJ_T_DECL:
        error_at(p, t, SJ_ERR_SYNTAX, "write it as a statement, or in parentheses: (decl buf[0] = 64)",
                 "'decl' cannot be an operand");
        adv(p);
        return placeholder(p, t);
    default:
        break;
    }
    const char *hint = NULL;
    if (t->kind == SJ_T_ASSIGN)
        hint = "only a name or buf[N][i] can be assigned; '==' compares";
    error_at(p, t, SJ_ERR_SYNTAX, hint, "expected an expression, found %s", tok_desc(t));
    if (t->kind != SJ_T_EOF && t->kind != SJ_T_RBRACE && t->kind != SJ_T_RPAREN && t->kind != SJ_T_RBRACK &&
        t->kind != SJ_T_SEMI)
        adv(p);
    return placeholder(p, t);
}

static sj_ast *parse_unary(parser *p)
{
    const sj_tok *t = tok(p);
    if (t->kind != SJ_T_MINUS)
        return parse_primary(p);
    if (!enter(p))
        return placeholder(p, t);
    adv(p);
    sj_ast *e = parse_unary(p);
    leave(p);
    if (!e)
        return NULL;
    if (e->kind == SJ_AST_LIT) {
        /* -literal is a literal: the value is negated exactly (sign bit), so -0 and -nan work. */
        double v = -e->value;
        sj_ast_free(e);
        return at(p, sj_lit(v), t);
    }
    /* -e is (-1 * e): exact negation for every value (signed zero and infinities too). */
    return at(p, sj_mul(at(p, sj_lit(-1.0), t), e), t);
}

static int binop_level(sj_tok_kind k, sj_binary_op *op)
{
    switch (k) {
    case SJ_T_EQ: *op = SJ_EQ; return 1;
    case SJ_T_NE: *op = SJ_NE; return 1;
    case SJ_T_LT: *op = SJ_LT; return 2;
    case SJ_T_LE: *op = SJ_LE; return 2;
    case SJ_T_GT: *op = SJ_GT; return 2;
    case SJ_T_GE: *op = SJ_GE; return 2;
    case SJ_T_PLUS: *op = SJ_ADD; return 3;
    case SJ_T_MINUS: *op = SJ_SUB; return 3;
    case SJ_T_STAR: *op = SJ_MUL; return 4;
    case SJ_T_SLASH: *op = SJ_DIV; return 4;
    default: return 0;
    }
}

/* Precedence climbing: one C frame per operator that nests, not per precedence level. */
static sj_ast *parse_binary(parser *p, int minlvl)
{
    sj_ast *lhs = parse_unary(p);
    while (lhs && !p->panic && !p->fatal) {
        const sj_tok *t = tok(p);
        sj_binary_op op = SJ_ADD;
        int lvl = binop_level(t->kind, &op);
        if (lvl == 0 || lvl < minlvl || t->nl)
            break;
        adv(p);
        sj_ast *rhs = parse_binary(p, lvl + 1);
        if (!rhs) {
            sj_ast_free(lhs);
            return NULL;
        }
        lhs = at(p, sj_binop(op, lhs, rhs), t);
    }
    return lhs;
}

/* Is the token at pos the start of "buf[N][...] =" (a buffer write)? */
static bool is_buf_write(const parser *p)
{
    size_t i = p->pos;
    const sj_tok *t = &p->t[i];
    if (t->kind != SJ_T_BUF && t->kind != SJ_T_BUF_LIN && t->kind != SJ_T_TABLE && t->kind != SJ_T_TABLE_LIN)
        return false;
    /* kw [ N ] [ ... ] = */
    if (i + 4 >= p->n || p->t[i + 1].kind != SJ_T_LBRACK || p->t[i + 3].kind != SJ_T_RBRACK ||
        p->t[i + 4].kind != SJ_T_LBRACK)
        return false;
    int lvl = p->t[i + 4].level;
    for (size_t j = i + 5; j < p->n; j++) {
        if (p->t[j].kind == SJ_T_EOF || p->t[j].level < lvl)
            return false;
        if (p->t[j].kind == SJ_T_RBRACK && p->t[j].level == lvl)
            return j + 1 < p->n && p->t[j + 1].kind == SJ_T_ASSIGN && !p->t[j + 1].nl;
    }
    return false;
}

static sj_ast *parse_buf_write(parser *p)
{
    const sj_tok *kw = tok(p);
    adv(p);
    size_t index;
    if (!parse_bufref(p, kw, &index))
        return placeholder(p, kw);
    if (kw->kind != SJ_T_BUF)
        error_at(p, kw, SJ_ERR_SYNTAX, kw->kind == SJ_T_BUF_LIN ? "write with buf[N][i] = value" : NULL,
                 kw->kind == SJ_T_BUF_LIN ? "cannot write through 'buf~'" : "tables are read-only");
    adv(p); /* [ */
    sj_ast *idx = parse_expr(p);
    if (!idx)
        return NULL;
    if (p->panic)
        return idx;
    expect(p, SJ_T_RBRACK, "']'");
    const sj_tok *eq = tok(p);
    adv(p); /* = */
    char anchor[48];
    snprintf(anchor, sizeof anchor, "buf[%zu]", index);
    sj_ast *val = NULL;
    if (tok(p)->kind == SJ_T_QUESTION) {
        adv(p); /* a write without a value (the builder's sj_buf_op with NULL): a compile error */
    } else {
        const char *saved = p->anchor;
        p->anchor = anchor;
        val = parse_expr(p);
        p->anchor = saved;
        if (!val) {
            sj_ast_free(idx);
            return NULL;
        }
    }
    (void)eq;
    return at(p, sj_buf_op(SJ_BUF_WRITE, index, idx, val), kw);
}

static sj_ast *parse_decl(parser *p)
{
    const sj_tok *kw = tok(p);
    adv(p);
    const sj_tok *b = tok(p);
    if (b->kind != SJ_T_BUF) {
        error_at(p, b, SJ_ERR_SYNTAX,
                 b->kind == SJ_T_TABLE ? "tables come from the host (sj_context_set_table)" : "decl buf[0] = 4096",
                 "expected 'buf' after 'decl', found %s", tok_desc(b));
        return placeholder(p, kw);
    }
    adv(p);
    size_t index;
    if (!parse_bufref(p, b, &index))
        return placeholder(p, kw);
    if (!expect(p, SJ_T_ASSIGN, "'=' and the length"))
        return placeholder(p, kw);
    const sj_tok *lt = tok(p);
    if (lt->kind != SJ_T_NUM || !lt->is_int || !lt->int_ok || lt->ival > SIZE_MAX) {
        error_at(p, lt, SJ_ERR_SYNTAX, "the length is a whole number of samples, fixed at compile time",
                 "expected a whole number, found %s", tok_desc(lt));
        return placeholder(p, kw);
    }
    adv(p);
    return at(p, sj_buf_declare(index, (size_t)lt->ival), kw);
}

/* "a = 1 +" followed by a new line continues on the next line; say so when that leads to an error. */
static void continued_hint(const parser *p, char *hint, size_t sz)
{
    hint[0] = 0;
    int line = tok(p)->line;
    for (size_t k = p->pos, steps = 0; k > 1 && steps < 64; k--, steps++) {
        const sj_tok *a = &p->t[k - 2], *b = &p->t[k - 1];
        if (b->line < line - 1)
            break;
        sj_binary_op op;
        if (b->bol && b->line == line && a->line < line && (binop_level(a->kind, &op) || a->kind == SJ_T_ASSIGN)) {
            snprintf(hint, sz, "the '%.*s' at the end of line %d continues the statement on line %d", (int)a->len,
                     p->src + a->off, a->line, line);
            return;
        }
    }
}

static sj_ast *parse_expr(parser *p)
{
    const sj_tok *t = tok(p);
    if (!enter(p))
        return p->nomem ? NULL : placeholder(p, t);
    sj_ast *r;
    if (t->kind == SJ_T_NAME && peek(p, 1)->kind == SJ_T_ASSIGN && !peek(p, 1)->nl) {
        adv(p);
        adv(p);
        const char *saved = p->anchor;
        p->anchor = t->text;
        sj_ast *rhs = parse_expr(p);
        p->anchor = saved;
        check_var_name(p, t, true);
        r = rhs ? at(p, sj_assign(t->text, rhs), t) : NULL;
    } else if (t->kind == SJ_T_DECL) {
        r = parse_decl(p);
    } else if (is_buf_write(p)) {
        r = parse_buf_write(p);
    } else {
        r = parse_binary(p, 1);
        if (r && !p->panic && tok(p)->kind == SJ_T_ASSIGN && !tok(p)->nl) {
            if (p->open_paren && tok(p)->line > p->open_paren->line)
                error_at(p, tok(p), SJ_ERR_SYNTAX, NULL, "expected ')' to close the '(' of line %d, column %d",
                         p->open_paren->line, p->open_paren->col);
            else {
                char hint[120];
                continued_hint(p, hint, sizeof hint);
                error_at(p, tok(p), SJ_ERR_SYNTAX, hint[0] ? hint : "only a name or buf[N][i] can be assigned; '==' compares",
                         "cannot assign to this expression");
            }
        }
    }
    leave(p);
    if (!r)
        p->nomem = true;
    return r;
}

/* Depth: the statements and the condition count through parse_expr; only the else-if chain
 * recurses here directly, so it counts itself (one level per AST level in both cases). */
static sj_ast *parse_if(parser *p)
{
    const sj_tok *kw = tok(p);
    adv(p);
    const sj_tok *ct = tok(p);
    sj_ast *cond = parse_expr(p);
    if (!cond)
        return NULL;
    if (cond->kind == SJ_AST_ASSIGN && ct->kind == SJ_T_NAME)
        warn_at(p, ct, "write (x = ...) in parentheses if the assignment is meant",
                "the condition assigns '%s'; did you mean '=='?", ct->text);
    if (p->panic)
        return cond;
    sj_ast *then_ = parse_block(p, true);
    if (!then_) {
        sj_ast_free(cond);
        return NULL;
    }
    sj_ast *else_ = NULL;
    if (tok(p)->kind == SJ_T_ELSE && !p->panic) {
        adv(p);
        if (tok(p)->kind == SJ_T_IF) {
            if (enter(p)) {
                else_ = parse_if(p);
                leave(p);
            } else {
                else_ = placeholder(p, kw);
            }
        } else {
            else_ = parse_block(p, true);
        }
        if (!else_) {
            sj_ast_free(cond);
            sj_ast_free(then_);
            return NULL;
        }
    }
    return at(p, sj_if(cond, then_, else_), kw);
}

static int cmp_use(const void *a, const void *b)
{
    const stateful_use *x = a, *y = b;
    if (x->uid != y->uid)
        return x->uid < y->uid ? -1 : 1;
    if (x->line != y->line)
        return x->line - y->line;
    return x->col - y->col;
}

static void check_duplicates(parser *p)
{
    if (p->nuses < 2)
        return;
    qsort(p->uses, p->nuses, sizeof *p->uses, cmp_use);
    for (size_t i = 1; i < p->nuses; i++) {
        stateful_use *a = &p->uses[i - 1], *b = &p->uses[i];
        if (a->uid != b->uid)
            continue;
        char hint[200];
        snprintf(hint, sizeof hint, "the first use is at line %d, column %d; each stateful call needs its own label",
                 a->line, a->col);
        sj_tok at_tok = {0};
        at_tok.line = b->line;
        at_tok.col = b->col;
        at_tok.span = b->span;
        if (b->label)
            check_error(p, &at_tok, SJ_ERR_NODE_STATE, hint, "label '%s' is used by two stateful calls", b->label);
        else
            check_error(p, &at_tok, SJ_ERR_NODE_STATE, hint, "uid %llu is used by two stateful calls",
                        (unsigned long long)b->uid);
    }
}

/* Warnings for plain names read before (or without) any assignment. */
static int cmp_var(const void *a, const void *b)
{
    const var_event *x = *(const var_event *const *)a, *y = *(const var_event *const *)b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x < y ? -1 : x > y; /* one array: address order is source order */
}

static void check_locals(parser *p)
{
    /* Group the events by name (in source order within a group): only the first event of a name
     * can warn, when it is a read. O(n log n), so long programs stay fast. */
    if (!p->nvars)
        return;
    var_event **order = sj__malloc(p->nvars * sizeof *order);
    if (!order) {
        p->nomem = true;
        return;
    }
    for (size_t i = 0; i < p->nvars; i++)
        order[i] = &p->vars[i];
    qsort(order, p->nvars, sizeof *order, cmp_var);
    for (size_t g = 0; g < p->nvars;) {
        size_t end = g + 1;
        bool any_assign = order[g]->assign;
        while (end < p->nvars && strcmp(order[end]->name, order[g]->name) == 0) {
            any_assign |= order[end]->assign;
            end++;
        }
        var_event *e = order[g];
        g = end;
        if (e->assign || line_has_error(p, e->line))
            continue;
        bool later = any_assign;
        sj_tok at_tok = {0};
        at_tok.line = e->line;
        at_tok.col = e->col;
        at_tok.span = e->span;
        if (later) {
            warn_at(p, &at_tok, "use *name for a value that is kept from one sample to the next",
                    "'%s' is read before it is assigned; locals start at 0.0 on every sample", e->name);
            continue;
        }
        /* Suggest a similar name: assigned locals, parameters, constants, persistent variables. */
        char hint[200] = "";
        size_t best = (size_t)-1;
        for (size_t j = 0; j < p->nvars; j++) {
            const char *c = p->vars[j].name;
            if (p->vars[j].assign && strcmp(c, e->name) != 0 && sj__lang_similar(e->name, c)) {
                size_t d = sj__lang_distance(e->name, c, 8);
                if (d < best) {
                    best = d;
                    snprintf(hint, sizeof hint, "did you mean '%s'?", c);
                }
            }
        }
        for (int tbl = 0; tbl < 2; tbl++) {
            const char *const *names = tbl ? sj__lang_constants : sj__lang_params;
            for (size_t j = 0; names[j]; j++) {
                if (sj__lang_similar(e->name, names[j])) {
                    size_t d = sj__lang_distance(e->name, names[j], 8);
                    if (d < best) {
                        best = d;
                        snprintf(hint, sizeof hint, "did you mean '%s'?", names[j]);
                    }
                }
            }
        }
        if (!hint[0] && p->lib && sj_library_find(p->lib, e->name))
            snprintf(hint, sizeof hint, "'%s' is a node; call it: %s(...)", e->name, e->name);
        warn_at(p, &at_tok, hint[0] ? hint : NULL, "'%s' is never assigned; it reads as 0.0", e->name);
    }
    sj__free(order);
}

/* Stable sort by position (insertion sort: message lists are short; notes without a position stay
 * after the message before them). */
static void sort_messages(sj_message *m, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        sj_message x = m[i];
        if (x.line == 0)
            continue;
        size_t j = i;
        while (j > 0 && m[j - 1].line != 0 &&
               (m[j - 1].line > x.line || (m[j - 1].line == x.line && m[j - 1].col > x.col))) {
            m[j] = m[j - 1];
            j--;
        }
        m[j] = x;
    }
}

sj_status sj__lang_parse(const char *src, size_t len, const char *filename, const sj_library *lib, sj_ast **out,
                         sj_diag_list *diags, sj_source_info *info, sj_lexed *keep_lexed)
{
    if (out)
        *out = NULL;
    if (!out || (!src && len))
        return SJ_ERR_INVALID_ARGUMENT;
    if (diags) {
        sj__free(diags->filename);
        diags->filename = sj__strdup(filename ? filename : "<input>");
        if (!diags->filename)
            return SJ_ERR_NOMEM;
    }
    size_t first_msg = diags ? diags->count : 0;
    sj_lexed lx;
    if (!sj__lang_lex(src, len, &lx, diags)) {
        sj__lang_lexed_free(&lx);
        return SJ_ERR_NOMEM;
    }
    parser *p = sj__calloc(1, sizeof *p);
    if (!p) {
        sj__lang_lexed_free(&lx);
        return SJ_ERR_NOMEM;
    }
    p->src = src;
    p->len = len;
    p->t = lx.toks;
    p->n = lx.count;
    p->diags = diags;
    p->lib = lib;
    p->anchor = "";
    p->info = info;
    p->first_msg = first_msg;
    sj__uid_counter_init(&p->uids);
    if (lx.errors > 0)
        p->first_err = SJ_ERR_SYNTAX;
    if (info) {
        info->src = src;
        info->src_len = len;
        info->last_line = lx.count ? lx.toks[lx.count - 1].line : 1;
    }

    size_t n;
    sj_ast **items = parse_stmtlist(p, false, 0, &n);
    sj_ast *root = NULL;
    if (!p->nomem) {
        if (n == 1) {
            root = items[0];
            sj__free(items);
            items = NULL;
        } else {
            root = sj_stmts_v(items, n);
            sj__free(items);
            items = NULL;
            if (!root)
                p->nomem = true;
            else if (n > 0)
                sj_ast_at(root, root->kids[0]->line, root->kids[0]->col);
            else
                sj_ast_at(root, 1, 1);
        }
    } else {
        free_items(items, n);
    }
    if (!p->nomem) {
        check_duplicates(p);
        check_locals(p);
    }
    if (info && info->nomem)
        p->nomem = true;

    if (diags && diags->count > first_msg)
        sort_messages(diags->items + first_msg, diags->count - first_msg);
    sj_status st;
    if (p->nomem || (diags && diags->nomem_)) {
        st = SJ_ERR_NOMEM;
    } else if (p->first_err != SJ_OK || p->nerrors > 0) {
        st = p->first_err != SJ_OK ? p->first_err : SJ_ERR_SYNTAX;
    } else {
        st = SJ_OK;
    }
    if (st == SJ_OK)
        *out = root;
    else
        sj_ast_free(root);
    sj__uid_counter_fini(&p->uids);
    sj__free(p->vars);
    sj__free(p->uses);
    sj__free(p);
    if (keep_lexed)
        *keep_lexed = lx;
    else
        sj__lang_lexed_free(&lx);
    return st;
}

sj_status sj_parse(const char *src, size_t len, const char *filename, const sj_library *lib, sj_ast **out,
                   sj_diag_list *diags)
{
    return sj__lang_parse(src, len, filename, lib, out, diags, NULL, NULL);
}

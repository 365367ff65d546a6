/*
 * Lexer of the text language. It runs once over the whole source and produces a token array.
 *
 * Two things are decided here rather than in the parser:
 *   - Whether '*' or '/' starts a name. The reference's names include "*phase" (a persistent
 *     variable) and "/%" (a node). Where an operand is expected (after an operator, '(', ',', '=',
 *     at the start of a statement) "*word" and "/word" are names; after an operand they are the
 *     operators. So "a*b" multiplies and "x = *phase" reads a persistent variable.
 *   - Which newlines matter. A newline ends a statement unless it is inside ( ) or [ ]; the lexer
 *     keeps a stack of open brackets and marks each token that follows a significant newline.
 */
#include "lang/lang.h"
#include "base/chars.h"

#include "base/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEX_MAX_STACK 4096

bool sj__lang_is_word_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '&' ||
           c == '~' || c == '$' || c == '%' || c == '\'' || c >= 0x80;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

sj_tok_kind sj__lang_keyword(const char *s, size_t n)
{
    static const struct {
        const char *w;
        sj_tok_kind k;
    } kw[] = {
        {"if", SJ_T_IF},         {"else", SJ_T_ELSE},           {"buf", SJ_T_BUF}, {"buf~", SJ_T_BUF_LIN},
        {"table", SJ_T_TABLE},   {"table~", SJ_T_TABLE_LIN},    {"decl", SJ_T_DECL}, {"inf", SJ_T_INF},
        {"nan", SJ_T_NAN},
    };
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (strlen(kw[i].w) == n && memcmp(kw[i].w, s, n) == 0)
            return kw[i].k;
    return SJ_T_NAME;
}

typedef struct lexer {
    const char *s;
    size_t n, p;
    int line, col;
    sj_lexed *out;
    sj_diag_list *diags;
    char stack[LEX_MAX_STACK];
    int sline[LEX_MAX_STACK], scol[LEX_MAX_STACK]; /* where each open bracket is */
    size_t depth;        /* may exceed LEX_MAX_STACK; entries above it count as '(' */
    bool pending_nl;
    bool line_has_token; /* for comments: is the comment alone on its line */
    int last_err_line;
} lexer;

static void lex_error(lexer *L, int line, int col, int span, const char *msg, const char *hint)
{
    L->out->errors++;
    if (L->last_err_line == line)
        return; /* one lexical error per line is enough */
    L->last_err_line = line;
    if (L->diags)
        sj_diag_list_add(L->diags, SJ_SEVERITY_ERROR, SJ_ERR_SYNTAX, line, col, span, hint, "%s", msg);
}

static void advance(lexer *L)
{
    unsigned char c = (unsigned char)L->s[L->p++];
    if (c == '\n') {
        L->line++;
        L->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        L->col++;
    }
}

static int span_of(const char *s, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            k++;
    return k > 0 ? k : 1;
}

static sj_tok *push_tok(lexer *L, sj_tok_kind kind, size_t off, int line, int col)
{
    sj_lexed *o = L->out;
    if (!sj__grow((void **)&o->toks, &o->cap, o->count + 1, sizeof(sj_tok))) {
        o->nomem = true;
        return NULL;
    }
    sj_tok *t = &o->toks[o->count++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->off = off;
    t->len = L->p - off;
    t->line = line;
    t->col = col;
    t->span = span_of(L->s + off, t->len);
    bool in_paren = L->depth > 0 && (L->depth > LEX_MAX_STACK || L->stack[L->depth - 1] != '{');
    t->nl = L->pending_nl && !in_paren;
    t->bol = !L->line_has_token;
    L->pending_nl = false;
    L->line_has_token = true;
    t->level = (int)(L->depth > 1000000 ? 1000000 : L->depth);
    return t;
}

/* Does the previous token end an operand (so '*' and '/' are operators)? */
static bool after_operand(const lexer *L)
{
    if (L->out->count == 0)
        return false;
    const sj_tok *t = &L->out->toks[L->out->count - 1];
    bool in_paren = L->depth > 0 && (L->depth > LEX_MAX_STACK || L->stack[L->depth - 1] != '{');
    if (L->pending_nl && !in_paren)
        return false; /* a new statement starts */
    switch (t->kind) {
    case SJ_T_NUM:
    case SJ_T_NAME:
    case SJ_T_INF:
    case SJ_T_NAN:
    case SJ_T_RPAREN:
    case SJ_T_RBRACK:
    case SJ_T_RBRACE:
    case SJ_T_QUESTION:
        return true;
    default:
        return false;
    }
}

static void open_bracket(lexer *L, char c, int line, int col)
{
    if (L->depth < LEX_MAX_STACK) {
        L->stack[L->depth] = c;
        L->sline[L->depth] = line;
        L->scol[L->depth] = col;
    }
    L->depth++;
}

static void close_bracket(lexer *L)
{
    if (L->depth > 0)
        L->depth--;
}

static bool add_comment(lexer *L, size_t off, int line, int col)
{
    sj_lexed *o = L->out;
    if (!sj__grow((void **)&o->comments, &o->ccap, o->ncomments + 1, sizeof(sj_comment))) {
        o->nomem = true;
        return false;
    }
    sj_comment *c = &o->comments[o->ncomments++];
    c->off = off;
    c->len = L->p - off;
    c->line = line;
    c->col = col;
    c->own_line = !L->line_has_token;
    return true;
}


/* `name with \` escapes \\ \xHH` */
static void lex_quoted(lexer *L)
{
    size_t off = L->p;
    int line = L->line, col = L->col;
    advance(L); /* ` */
    sj_sb sb;
    sj__sb_init(&sb);
    bool bad = false, closed = false;
    while (L->p < L->n) {
        unsigned char c = (unsigned char)L->s[L->p];
        if (c == '`') {
            advance(L);
            closed = true;
            break;
        }
        if (c == '\n')
            break;
        if (c == '\\' && L->p + 1 < L->n) {
            unsigned char e = (unsigned char)L->s[L->p + 1];
            if (e == '\\' || e == '`') {
                sj__sb_appendn(&sb, (const char *)&e, 1);
                advance(L);
                advance(L);
                continue;
            }
            if (e == 'x' && L->p + 3 < L->n && sj__hex_digit((unsigned char)L->s[L->p + 2]) >= 0 &&
                sj__hex_digit((unsigned char)L->s[L->p + 3]) >= 0) {
                char v = (char)(sj__hex_digit((unsigned char)L->s[L->p + 2]) * 16 + sj__hex_digit((unsigned char)L->s[L->p + 3]));
                if (v == 0)
                    bad = true;
                else
                    sj__sb_appendn(&sb, &v, 1);
                for (int k = 0; k < 4; k++)
                    advance(L);
                continue;
            }
            bad = true;
            advance(L);
            continue;
        }
        if (c == 0)
            bad = true;
        else
            sj__sb_appendn(&sb, (const char *)&c, 1);
        advance(L);
    }
    if (!closed) {
        lex_error(L, line, col, 1, "unterminated `name`", "a quoted name ends with ` on the same line");
        sj__sb_fini(&sb);
        return;
    }
    if (bad) {
        lex_error(L, line, col, span_of(L->s + off, L->p - off), "bad escape in `name`",
                  "escapes are \\\\, \\` and \\xHH (not \\x00)");
        sj__sb_fini(&sb);
        return;
    }
    char *text = sj__sb_finish(&sb);
    if (!text) {
        L->out->nomem = true;
        return;
    }
    sj_tok *t = push_tok(L, SJ_T_NAME, off, line, col);
    if (!t) {
        sj__free(text);
        return;
    }
    t->text = text;
    t->quoted = true;
}

static void lex_word(lexer *L, size_t off, int line, int col)
{
    while (L->p < L->n && sj__lang_is_word_char((unsigned char)L->s[L->p]))
        advance(L);
    sj_tok_kind k = sj__lang_keyword(L->s + off, L->p - off);
    sj_tok *t = push_tok(L, k, off, line, col);
    if (!t)
        return;
    if (k == SJ_T_NAME) {
        t->text = sj__strndup(L->s + off, L->p - off);
        if (!t->text)
            L->out->nomem = true;
    }
}

static void lex_number(lexer *L)
{
    size_t off = L->p;
    int line = L->line, col = L->col;
    size_t q = L->p;
    bool dot = false;
    while (q < L->n && is_digit((unsigned char)L->s[q]))
        q++;
    if (q < L->n && L->s[q] == '.') {
        dot = true;
        q++;
        while (q < L->n && is_digit((unsigned char)L->s[q]))
            q++;
    }
    bool expo = false;
    if (q < L->n && (L->s[q] == 'e' || L->s[q] == 'E')) {
        size_t r = q + 1;
        if (r < L->n && (L->s[r] == '+' || L->s[r] == '-'))
            r++;
        if (r < L->n && is_digit((unsigned char)L->s[r])) {
            while (r < L->n && is_digit((unsigned char)L->s[r]))
                r++;
            q = r;
            expo = true;
        }
    }
    if (q < L->n && sj__lang_is_word_char((unsigned char)L->s[q])) {
        if (dot) {
            /* "1.5x": not a number and not a name. */
            while (L->p < q)
                advance(L);
            while (L->p < L->n && sj__lang_is_word_char((unsigned char)L->s[L->p]))
                advance(L);
            lex_error(L, line, col, span_of(L->s + off, L->p - off), "invalid number",
                      "a name cannot contain '.'; a number cannot end with letters");
            sj_tok *t = push_tok(L, SJ_T_NUM, off, line, col);
            (void)t;
            return;
        }
        /* A name that starts with digits, as the reference's constants 1SQRT2, 2PI. */
        lex_word(L, off, line, col);
        return;
    }
    while (L->p < q)
        advance(L);
    size_t n = q - off;
    char small[80];
    char *buf = n < sizeof small ? small : sj__malloc(n + 1);
    if (!buf) {
        L->out->nomem = true;
        return;
    }
    memcpy(buf, L->s + off, n);
    buf[n] = 0;
    double v = strtod(buf, NULL);
    if (buf != small)
        sj__free(buf);
    sj_tok *t = push_tok(L, SJ_T_NUM, off, line, col);
    if (!t)
        return;
    t->num = v;
    if (!dot && !expo) {
        t->is_int = true;
        t->int_ok = true;
        uint64_t acc = 0;
        for (size_t i = off; i < q; i++) {
            uint64_t d = (uint64_t)(L->s[i] - '0');
            if (acc > (UINT64_MAX - d) / 10) {
                t->int_ok = false;
                break;
            }
            acc = acc * 10 + d;
        }
        t->ival = acc;
    }
}

bool sj__lang_lex(const char *src, size_t len, sj_lexed *out, sj_diag_list *diags)
{
    memset(out, 0, sizeof *out);
    lexer *L = sj__malloc(sizeof *L);
    if (!L) {
        out->nomem = true;
        return false;
    }
    memset(L, 0, offsetof(lexer, stack));
    L->depth = 0;
    L->s = src ? src : "";
    L->n = src ? len : 0;
    L->line = 1;
    L->col = 1;
    L->out = out;
    L->diags = diags;
    L->pending_nl = true; /* the first token starts a statement */
    L->line_has_token = false;
    L->last_err_line = 0;
    if (L->n >= 3 && memcmp(L->s, "\xEF\xBB\xBF", 3) == 0)
        L->p = 3;
    while (L->p < L->n && !out->nomem) {
        unsigned char c = (unsigned char)L->s[L->p];
        size_t off = L->p;
        int line = L->line, col = L->col;
        if (c == '\n') {
            advance(L);
            L->pending_nl = true;
            L->line_has_token = false;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            advance(L);
            continue;
        }
        if (c == '#' || (c == '/' && L->p + 1 < L->n && L->s[L->p + 1] == '/')) {
            while (L->p < L->n && L->s[L->p] != '\n')
                advance(L);
            add_comment(L, off, line, col);
            continue;
        }
        if (is_digit(c) || (c == '.' && L->p + 1 < L->n && is_digit((unsigned char)L->s[L->p + 1]))) {
            lex_number(L);
            continue;
        }
        if ((c == '*' || c == '/') && !after_operand(L) && L->p + 1 < L->n &&
            sj__lang_is_word_char((unsigned char)L->s[L->p + 1])) {
            advance(L);
            lex_word(L, off, line, col); /* "*if" is a name: the prefix is part of the word */
            continue;
        }
        if (sj__lang_is_word_char(c)) {
            lex_word(L, off, line, col);
            continue;
        }
        if (c == '`') {
            lex_quoted(L);
            continue;
        }
        sj_tok_kind k = SJ_T_ERROR;
        size_t w = 1;
        char next = L->p + 1 < L->n ? L->s[L->p + 1] : 0;
        switch (c) {
        case '(': k = SJ_T_LPAREN; break;
        case ')': k = SJ_T_RPAREN; break;
        case '{': k = SJ_T_LBRACE; break;
        case '}': k = SJ_T_RBRACE; break;
        case '[': k = SJ_T_LBRACK; break;
        case ']': k = SJ_T_RBRACK; break;
        case ',': k = SJ_T_COMMA; break;
        case ';': k = SJ_T_SEMI; break;
        case '+': k = SJ_T_PLUS; break;
        case '-': k = SJ_T_MINUS; break;
        case '*': k = SJ_T_STAR; break;
        case '/': k = SJ_T_SLASH; break;
        case '@': k = SJ_T_AT; break;
        case '.': k = SJ_T_DOT; break;
        case '?': k = SJ_T_QUESTION; break;
        case '=':
            if (next == '=') { k = SJ_T_EQ; w = 2; } else k = SJ_T_ASSIGN;
            break;
        case '!':
            if (next == '=') { k = SJ_T_NE; w = 2; }
            break;
        case '<':
            if (next == '=') { k = SJ_T_LE; w = 2; } else k = SJ_T_LT;
            break;
        case '>':
            if (next == '=') { k = SJ_T_GE; w = 2; } else k = SJ_T_GT;
            break;
        default: break;
        }
        if (k == SJ_T_ERROR) {
            /* Skip one whole UTF-8 sequence (bytes >= 0x80 are name characters, so only ASCII
             * and control bytes arrive here). */
            advance(L);
            char msg[64];
            if (c >= 0x20 && c < 0x7f)
                snprintf(msg, sizeof msg, "unexpected character '%c'", c);
            else
                snprintf(msg, sizeof msg, "unexpected byte 0x%02x", c);
            lex_error(L, line, col, 1, msg, c == '!' ? "'!=' is the only use of '!'" : NULL);
            continue;
        }
        for (size_t i = 0; i < w; i++)
            advance(L);
        if (k == SJ_T_RPAREN || k == SJ_T_RBRACE || k == SJ_T_RBRACK)
            close_bracket(L);
        push_tok(L, k, off, line, col);
        if (k == SJ_T_LPAREN || k == SJ_T_LBRACE || k == SJ_T_LBRACK)
            open_bracket(L, (char)c, line, col);
    }
    if (!out->nomem) {
        /* Brackets never closed: report the innermost (the others usually follow from it). */
        if (L->depth > 0 && L->depth <= LEX_MAX_STACK) {
            size_t k = L->depth - 1;
            char msg[64];
            snprintf(msg, sizeof msg, "'%c' is never closed", L->stack[k]);
            L->last_err_line = 0;
            lex_error(L, L->sline[k], L->scol[k], 1, msg, NULL);
        }
        L->pending_nl = true;
        L->depth = 0;
        sj_tok *t = push_tok(L, SJ_T_EOF, L->n, L->line, L->col);
        if (t)
            t->len = 0;
    }
    sj__free(L);
    return !out->nomem;
}

void sj__lang_lexed_free(sj_lexed *lx)
{
    if (!lx)
        return;
    for (size_t i = 0; i < lx->count; i++)
        sj__free(lx->toks[i].text);
    sj__free(lx->toks);
    sj__free(lx->comments);
    memset(lx, 0, sizeof *lx);
}

bool sj__lang_name_is_plain(const char *name)
{
    size_t n = strlen(name);
    if (n == 0)
        return false;
    if (n >= 3 && memcmp(name, "\xEF\xBB\xBF", 3) == 0)
        return false; /* a byte order mark at the start of a file is skipped, so quote it */
    size_t i = 0;
    unsigned char c0 = (unsigned char)name[0];
    if (c0 == '*' || c0 == '/') {
        if (n < 2 || !sj__lang_is_word_char((unsigned char)name[1]))
            return false;
        i = 1;
        for (size_t k = 1; k < n; k++)
            if (!sj__lang_is_word_char((unsigned char)name[k]))
                return false;
        return true; /* "*if" is a name: keywords never take the prefix */
    }
    for (; i < n; i++)
        if (!sj__lang_is_word_char((unsigned char)name[i]))
            return false;
    if (sj__lang_keyword(name, n) != SJ_T_NAME)
        return false;
    if (is_digit(c0)) {
        /* It must not lex as a number: digits [.digits] [e[+-]digits] followed by a word char. */
        size_t q = 0;
        while (q < n && is_digit((unsigned char)name[q]))
            q++;
        if (q < n && name[q] == '.')
            return false;
        if (q < n && (name[q] == 'e' || name[q] == 'E')) {
            size_t r = q + 1;
            if (r < n && (name[r] == '+' || name[r] == '-'))
                return false;
            if (r < n && is_digit((unsigned char)name[r])) {
                while (r < n && is_digit((unsigned char)name[r]))
                    r++;
                q = r;
            }
        }
        if (q == n)
            return false; /* all number */
    }
    /* A valid UTF-8 check is not needed: any byte >= 0x80 lexes as a name character. */
    return true;
}

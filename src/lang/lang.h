/*
 * The text language: lexer, parser, printer and message list (docs/language.md).
 *
 * The lexer runs first over the whole source and produces a token array; the parser is a
 * recursive-descent parser over that array with a depth limit; the printer walks an AST and writes
 * text that parses back to an equal AST. The uid rule (state identity that survives editing) lives
 * in uid.c and is shared by the parser (which assigns uids) and the printer (which writes a uid only
 * where it differs from the one the parser would assign).
 */
#ifndef SJ_LANG_LANG_H
#define SJ_LANG_LANG_H

#include "sigjit.h"

#include <stddef.h>
#include <stdint.h>

typedef enum sj_tok_kind {
    SJ_T_EOF,
    SJ_T_NUM,
    SJ_T_NAME,     /* plain or `quoted`; text holds the name */
    SJ_T_IF,
    SJ_T_ELSE,
    SJ_T_BUF,      /* buf */
    SJ_T_BUF_LIN,  /* buf~ */
    SJ_T_TABLE,    /* table */
    SJ_T_TABLE_LIN,/* table~ */
    SJ_T_DECL,
    SJ_T_INF,
    SJ_T_NAN,
    SJ_T_LPAREN,
    SJ_T_RPAREN,
    SJ_T_LBRACE,
    SJ_T_RBRACE,
    SJ_T_LBRACK,
    SJ_T_RBRACK,
    SJ_T_COMMA,
    SJ_T_SEMI,
    SJ_T_ASSIGN,
    SJ_T_EQ,
    SJ_T_NE,
    SJ_T_LT,
    SJ_T_LE,
    SJ_T_GT,
    SJ_T_GE,
    SJ_T_PLUS,
    SJ_T_MINUS,
    SJ_T_STAR,
    SJ_T_SLASH,
    SJ_T_AT,
    SJ_T_DOT,
    SJ_T_QUESTION,
    SJ_T_ERROR     /* a bad character or literal (already reported) */
} sj_tok_kind;

typedef struct sj_tok {
    sj_tok_kind kind;
    size_t off, len;   /* bytes in the source */
    int line, col;     /* 1-based, col in code points */
    int span;          /* length in code points (>= 1) */
    int level;         /* bracket nesting outside the token: an opener and its closer share it */
    bool nl;           /* a significant newline precedes it (newlines inside ( ) and [ ] are not) */
    bool bol;          /* first token of its line */
    bool quoted;       /* NAME written in backticks */
    bool is_int;       /* NUM written with digits only; ival holds it if it fits in 64 bits */
    bool int_ok;
    uint64_t ival;
    double num;
    char *text;        /* NAME: the name (owned) */
} sj_tok;

typedef struct sj_comment {
    size_t off, len;   /* the comment text including its '#' or '//' */
    int line, col;
    bool own_line;     /* nothing but blanks before it on its line */
} sj_comment;

typedef struct sj_lexed {
    sj_tok *toks;
    size_t count, cap;
    sj_comment *comments;
    size_t ncomments, ccap;
    size_t errors;
    bool nomem;
} sj_lexed;

/* Tokenizes the whole source (always ends with an EOF token unless out of memory). Errors go to
 * diags. Returns false only on allocation failure. */
bool sj__lang_lex(const char *src, size_t len, sj_lexed *out, sj_diag_list *diags);
void sj__lang_lexed_free(sj_lexed *lx);

/* Characters allowed in plain names after the first (letters, digits, _ & ~ $ % ' and UTF-8). */
bool sj__lang_is_word_char(unsigned char c);
/* True if the name can be written without backticks (it lexes as one plain name, is not a keyword
 * and not a number). */
bool sj__lang_name_is_plain(const char *name);
/* Keyword for a word, or SJ_T_NAME. */
sj_tok_kind sj__lang_keyword(const char *s, size_t n);

/* Counters for automatic uids: occurrences of (anchor, node) in source order. */
typedef struct sj_uid_counter {
    struct sj_uid_slot *slots;
    size_t cap, used;
    bool nomem;
} sj_uid_counter;
void sj__uid_counter_init(sj_uid_counter *c);
void sj__uid_counter_fini(sj_uid_counter *c);
/* The automatic uid for the next call of node under anchor (and counts it). */
uint64_t sj__uid_counter_next(sj_uid_counter *c, const char *anchor, const char *node);

/* Levenshtein distance, capped: returns cap+1 when larger. */
size_t sj__lang_distance(const char *a, const char *b, size_t cap);
/* True if candidate is close enough to name for a "did you mean" hint. */
bool sj__lang_similar(const char *name, const char *candidate);

/* Side information for printing a parsed program back with the user's labels and comments. */
typedef struct sj_label_entry {
    uint64_t uid;
    char *label;
} sj_label_entry;
typedef struct sj_stmt_pos {
    const sj_ast *node;
    int first_line, last_line;
} sj_stmt_pos;
typedef struct sj_source_info {
    sj_label_entry *labels;
    size_t nlabels, lcap;
    sj_stmt_pos *stmts;
    size_t nstmts, scap;
    sj_stmt_pos *closes; /* last statement of a block -> line of its '}' (first_line) */
    size_t ncloses, ccap;
    const char *src;
    size_t src_len;
    sj_lexed *lx; /* comments */
    int last_line;
    bool nomem;
} sj_source_info;

/* Parses with side information (labels, statement lines) for the formatter. info may be NULL. */
sj_status sj__lang_parse(const char *src, size_t len, const char *filename, const sj_library *lib, sj_ast **out,
                         sj_diag_list *diags, sj_source_info *info, sj_lexed *keep_lexed);
/* Prints with side information (NULL: plain sj_print). */
char *sj__lang_print(const sj_ast *ast, const sj_source_info *info);

/* Names with a fixed meaning (reference §1.2, §1.4 and decisions.md #5). */
bool sj__lang_is_param(const char *name);
bool sj__lang_is_constant(const char *name);
extern const char *const sj__lang_constants[];
extern const char *const sj__lang_params[];

#endif

/*
 * A small strict JSON reader (RFC 8259: UTF-8 checked, surrogate pairs joined, nesting bounded)
 * that builds a tree of values with their line/column, and the string escaping serde_json uses when
 * it writes (so saved files match the reference byte for byte).
 */
#ifndef SJ_BLOCKS_JSON_H
#define SJ_BLOCKS_JSON_H

#include "base/alloc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* serde_json's default recursion limit. */
#define SJ__JSON_MAX_DEPTH 128

typedef enum sj__jkind { SJ__JNULL, SJ__JBOOL, SJ__JNUM, SJ__JSTR, SJ__JARR, SJ__JOBJ } sj__jkind;

typedef struct sj__jval {
    sj__jkind kind;
    size_t off;           /* where the value starts (byte offset; see sj__json_linecol) */
    bool b;
    bool is_int;          /* a number written without fraction or exponent that fits in int64 */
    int64_t i;
    double d;
    char *s;              /* strings (NUL-terminated; slen excludes the NUL) */
    size_t slen;
    struct sj__jval *items; /* array elements, or object values */
    char **keys;          /* object keys (parallel to items) */
    size_t *klens;
    size_t n;
} sj__jval;

/* Parses text[0..len). On success returns a tree to free with sj__json_free. On failure returns
 * NULL and fills err (message with line and column), *line and *col; *nomem tells allocation
 * failure apart from bad input. */
sj__jval *sj__json_parse(const char *text, size_t len, char *err, size_t errsz, int *line, int *col, bool *nomem);
void sj__json_free(sj__jval *v);
/* Line and column (1-based, columns in characters) of a byte offset. */
void sj__json_linecol(const char *text, size_t off, int *line, int *col);
/* The last value of key in an object (serde_json keeps the last of duplicate keys), or NULL. */
const sj__jval *sj__json_get(const sj__jval *obj, const char *key);
/* Appends s as a JSON string literal, escaped as serde_json does. */
void sj__json_write_string(sj_sb *sb, const char *s);

#endif

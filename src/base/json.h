/*
 * The project's strict JSON (RFC 8259: UTF-8 checked, surrogate pairs joined, lone surrogates and
 * out-of-range numbers refused, nesting bounded): a reader that builds a tree of values with their
 * positions, and writers that append to an sj_sb. Block files (src/blocks/file.c) and the studio's
 * WebSocket messages (cli/studio_server.c) both read and write with it. Strings are written as
 * serde_json writes them, so saved block files match the reference byte for byte.
 */
#ifndef SJ_BASE_JSON_H
#define SJ_BASE_JSON_H

#include "base/alloc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* serde_json's default recursion limit: the depth when no options say otherwise. */
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

/* Limits for untrusted input. */
typedef struct sj__json_opts {
    int max_depth;     /* arrays and objects nested deeper are refused (0: SJ__JSON_MAX_DEPTH) */
    size_t max_values; /* a text with more values in all is refused, so the tree stays small (0: no limit) */
    bool unique_keys;  /* an object that repeats a key is refused (else the last one counts) */
} sj__json_opts;

/* The limits for small messages from untrusted peers (the studio's WebSocket protocol): 32 levels,
 * 256 values, no repeated keys, so what a message costs is bounded whatever it holds. */
extern const sj__json_opts sj__json_message_opts;

/* Parses text[0..len) (opts NULL: the defaults above). On success returns a tree to free with
 * sj__json_free. On failure returns NULL and fills err (message with line and column), *line and
 * *col; *nomem tells allocation failure apart from bad input. */
sj__jval *sj__json_parse(const char *text, size_t len, const sj__json_opts *opts, char *err, size_t errsz, int *line,
                         int *col, bool *nomem);
void sj__json_free(sj__jval *v);
/* Line and column (1-based, columns in characters) of a byte offset. */
void sj__json_linecol(const char *text, size_t off, int *line, int *col);
/* The last value of key in an object (serde_json keeps the last of duplicate keys), or NULL. */
const sj__jval *sj__json_get(const sj__jval *obj, const char *key);
/* The text of v if it is a string without NUL bytes (\u0000), so usable as a C string; else NULL. */
const char *sj__json_str(const sj__jval *v);

/* Appends s (NUL-terminated), or s[0..n), as a JSON string literal, escaped as serde_json does;
 * bytes that are not valid UTF-8 become U+FFFD, so the output is always valid JSON. */
void sj__json_write_string(sj_sb *sb, const char *s);
void sj__json_write_stringn(sj_sb *sb, const char *s, size_t n);
/* Appends a number (%.17g: reads back exactly); NaN and infinities, which JSON lacks, become null. */
void sj__json_write_number(sj_sb *sb, double v);

#endif

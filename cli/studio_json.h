/*
 * A small JSON reader and writer for the studio's WebSocket protocol (docs/studio.md).
 *
 * The reader checks a whole message (strict RFC 8259: no trailing commas, no comments, no leading
 * zeros, valid escapes and UTF-8 passed through as bytes) and indexes the members of the top-level
 * object. Nested objects and arrays are validated and kept as raw spans. It never allocates beyond
 * what the caller gives it, so a hostile message costs at most its own size.
 * The writer appends to a growable string and escapes strings for JSON.
 * Independent of civetweb, so it is compiled (and unit-testable) in every build.
 */
#ifndef SJ_STUDIO_JSON_H
#define SJ_STUDIO_JSON_H

#include <stdbool.h>
#include <stddef.h>

typedef enum sjs_jtype { SJS_J_NULL, SJS_J_BOOL, SJS_J_NUMBER, SJS_J_STRING, SJS_J_OBJECT, SJS_J_ARRAY } sjs_jtype;

typedef struct sjs_jmember {
    const char *key; /* raw key bytes inside the message (no escapes allowed in keys) */
    size_t key_len;
    sjs_jtype type;
    const char *raw; /* the value's text in the message */
    size_t raw_len;
    double number;
    bool boolean;
} sjs_jmember;

#define SJS_JSON_MAX_MEMBERS 24
#define SJS_JSON_MAX_DEPTH 32

typedef struct sjs_jobject {
    sjs_jmember m[SJS_JSON_MAX_MEMBERS];
    size_t n;
} sjs_jobject;

/* Parses s[0..len) as one JSON object. false (and a reason in err) if it is not one, has more than
 * SJS_JSON_MAX_MEMBERS members, repeats a key, nests deeper than SJS_JSON_MAX_DEPTH or has a key
 * with an escape. */
bool sjs_json_parse_object(const char *s, size_t len, sjs_jobject *out, char *err, size_t errsz);
/* The member called key, or NULL. */
const sjs_jmember *sjs_json_get(const sjs_jobject *o, const char *key);
/* Decodes a string member (escapes, \u surrogate pairs to UTF-8) into a new malloc'ed
 * NUL-terminated string; *len gets its length. NULL if the member is not a string, on allocation
 * failure, or if it decodes to a NUL byte (never valid in our messages). */
char *sjs_json_string(const sjs_jmember *m, size_t *len);

/* A growable string. All functions keep it NUL-terminated; after an allocation failure `failed` is
 * set and further appends do nothing. */
typedef struct sjs_buf {
    char *s;
    size_t len, cap;
    bool failed;
} sjs_buf;

void sjs_buf_init(sjs_buf *b);
void sjs_buf_free(sjs_buf *b);
void sjs_buf_put(sjs_buf *b, const char *s, size_t n);
void sjs_buf_puts(sjs_buf *b, const char *s);
void sjs_buf_printf(sjs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s[0..n) as a JSON string with quotes. Invalid UTF-8 bytes become U+FFFD. */
void sjs_buf_json_string(sjs_buf *b, const char *s, size_t n);
/* Appends a number; NaN and infinities (not JSON) become null. */
void sjs_buf_json_number(sjs_buf *b, double v);

#endif

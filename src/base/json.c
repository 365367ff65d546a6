/*
 * The strict JSON reader and the writers (see json.h). The reader is a recursive descent parser with
 * an explicit depth bound, so any input either parses or gives an error with its position; it never
 * reads past len.
 */
#include "base/json.h"
#include "base/chars.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jparser {
    const char *start, *p, *end;
    char *err;
    size_t errsz;
    bool failed, nomem;
    int eline, ecol;
    int max_depth;
    size_t max_values, nvalues;
    bool unique_keys;
} jparser;

void sj__json_linecol(const char *text, size_t off, int *line, int *col)
{
    /* Columns count characters (UTF-8 continuation bytes do not start a column). Computed only
     * when a message needs them, so parsing stays linear. */
    int l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static void fail_at(jparser *ps, const char *at, const char *what)
{
    if (ps->failed)
        return;
    ps->failed = true;
    sj__json_linecol(ps->start, (size_t)(at - ps->start), &ps->eline, &ps->ecol);
    if (ps->err)
        snprintf(ps->err, ps->errsz, "line %d, column %d: %s", ps->eline, ps->ecol, what);
}

static void fail_nomem(jparser *ps)
{
    if (!ps->failed)
        fail_at(ps, ps->p, "out of memory");
    ps->nomem = true;
}

static void skip_ws(jparser *ps)
{
    while (ps->p < ps->end) {
        char c = *ps->p;
        if (c == '\n' || c == ' ' || c == '\t' || c == '\r') {
            ps->p++;
        } else {
            break;
        }
    }
}

static bool parse_value(jparser *ps, sj__jval *v, int depth);


static bool read_hex4(jparser *ps, const char *at, unsigned *out)
{
    if (ps->end - at < 4) {
        fail_at(ps, at, "incomplete \\u escape");
        return false;
    }
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = sj__hex_digit((unsigned char)at[k]);
        if (h < 0) {
            fail_at(ps, at + k, "invalid hex digit in \\u escape");
            return false;
        }
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return true;
}

/* Length of a valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    unsigned cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static void put_utf8(sj_sb *sb, unsigned cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sj__sb_appendn(sb, b, n);
}

/* The two-character escapes: backslash and esc_letter[i] stand for esc_char[i]. */
static const char esc_letter[] = "\"\\/bfnrt";
static const char esc_char[] = "\"\\/\b\f\n\r\t";

/* At the opening quote. */
static bool parse_string(jparser *ps, char **out, size_t *outlen)
{
    sj_sb sb;
    sj__sb_init(&sb);
    sj__sb_appendn(&sb, "", 0); /* so an empty string is "" and not NULL */
    ps->p++;
    for (;;) {
        if (ps->p >= ps->end) {
            fail_at(ps, ps->p, "unterminated string");
            break;
        }
        unsigned char c = (unsigned char)*ps->p;
        if (c == '"') {
            ps->p++;
            if (sb.failed) {
                fail_nomem(ps);
                break;
            }
            *outlen = sb.len;
            *out = sj__sb_finish(&sb);
            if (!*out) {
                fail_nomem(ps);
                return false;
            }
            return true;
        }
        if (c < 0x20) {
            fail_at(ps, ps->p, "control character in string (escape it)");
            break;
        }
        if (c == '\\') {
            const char *esc = ps->p;
            if (ps->end - ps->p < 2) {
                fail_at(ps, esc, "unterminated escape");
                break;
            }
            char e = ps->p[1];
            ps->p += 2;
            const char *k = memchr(esc_letter, e, sizeof esc_letter - 1);
            if (k) {
                sj__sb_appendn(&sb, &esc_char[k - esc_letter], 1);
            } else if (e != 'u') {
                fail_at(ps, esc, "invalid escape");
                goto out;
            } else {
                unsigned cp;
                if (!read_hex4(ps, ps->p, &cp))
                    goto out;
                ps->p += 4;
                if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    fail_at(ps, esc, "lone low surrogate in \\u escape");
                    goto out;
                }
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    unsigned lo;
                    if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') {
                        fail_at(ps, esc, "lone high surrogate in \\u escape");
                        goto out;
                    }
                    if (!read_hex4(ps, ps->p + 2, &lo))
                        goto out;
                    if (lo < 0xDC00 || lo > 0xDFFF) {
                        fail_at(ps, esc, "invalid surrogate pair in \\u escape");
                        goto out;
                    }
                    ps->p += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                put_utf8(&sb, cp);
            }
            continue;
        }
        size_t n = utf8_len((const unsigned char *)ps->p, (const unsigned char *)ps->end);
        if (!n) {
            fail_at(ps, ps->p, "invalid UTF-8 in string");
            break;
        }
        sj__sb_appendn(&sb, ps->p, n);
        ps->p += n;
    }
out:
    sj__sb_fini(&sb);
    return false;
}

/* Past the digits at q, or NULL (failing with what) if there are none. */
static const char *skip_digits(jparser *ps, const char *q, const char *what)
{
    if (q >= ps->end || !(*q >= '0' && *q <= '9')) {
        fail_at(ps, q, what);
        return NULL;
    }
    while (q < ps->end && *q >= '0' && *q <= '9')
        q++;
    return q;
}

static bool parse_number(jparser *ps, sj__jval *v)
{
    const char *s = ps->p;
    const char *q = s;
    bool is_int = true;
    if (q < ps->end && *q == '-')
        q++;
    if (q >= ps->end || !(*q >= '0' && *q <= '9')) {
        fail_at(ps, s, "invalid number");
        return false;
    }
    if (*q == '0') {
        q++;
        if (q < ps->end && *q >= '0' && *q <= '9') {
            fail_at(ps, s, "invalid number (leading zero)");
            return false;
        }
    } else {
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < ps->end && *q == '.') {
        is_int = false;
        if (!(q = skip_digits(ps, q + 1, "invalid number (digits expected after '.')")))
            return false;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        is_int = false;
        q++;
        if (q < ps->end && (*q == '+' || *q == '-'))
            q++;
        if (!(q = skip_digits(ps, q, "invalid number (digits expected in exponent)")))
            return false;
    }
    size_t n = (size_t)(q - s);
    char buf[64];
    char *tmp = n < sizeof buf ? buf : sj__malloc(n + 1);
    if (!tmp) {
        fail_nomem(ps);
        return false;
    }
    memcpy(tmp, s, n);
    tmp[n] = 0;
    v->kind = SJ__JNUM;
    v->d = strtod(tmp, NULL);
    v->is_int = false;
    if (is_int) {
        errno = 0;
        long long ll = strtoll(tmp, NULL, 10);
        if (errno == 0) {
            v->is_int = true;
            v->i = ll;
        }
    }
    if (tmp != buf)
        sj__free(tmp);
    if (!isfinite(v->d)) {
        fail_at(ps, s, "number out of range");
        return false;
    }
    ps->p = q;
    return true;
}

static bool match_word(jparser *ps, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, w, n) == 0) {
        ps->p += n;
        return true;
    }
    return false;
}

static bool push_item(jparser *ps, sj__jval *v, size_t *cap, char *key, size_t klen)
{
    if (!sj__grow((void **)&v->items, cap, v->n + 1, sizeof *v->items)) {
        fail_nomem(ps);
        return false;
    }
    if (v->kind == SJ__JOBJ) {
        size_t kc = *cap;
        char **nk = sj__realloc(v->keys, kc * sizeof *nk);
        if (!nk) {
            fail_nomem(ps);
            return false;
        }
        v->keys = nk;
        size_t *nl = sj__realloc(v->klens, kc * sizeof *nl);
        if (!nl) {
            fail_nomem(ps);
            return false;
        }
        v->klens = nl;
        v->keys[v->n] = key;
        v->klens[v->n] = klen;
    }
    memset(&v->items[v->n], 0, sizeof v->items[v->n]);
    v->n++;
    return true;
}

static bool parse_value(jparser *ps, sj__jval *v, int depth)
{
    skip_ws(ps);
    memset(v, 0, sizeof *v);
    v->off = (size_t)(ps->p - ps->start);
    if (ps->max_values && ++ps->nvalues > ps->max_values) {
        fail_at(ps, ps->p, "too many values");
        return false;
    }
    if (ps->p >= ps->end) {
        fail_at(ps, ps->p, "unexpected end of input, a value was expected");
        return false;
    }
    char c = *ps->p;
    if (c == '{' || c == '[') {
        if (depth >= ps->max_depth) {
            fail_at(ps, ps->p, "nesting too deep");
            return false;
        }
        bool obj = c == '{';
        char close = obj ? '}' : ']';
        v->kind = obj ? SJ__JOBJ : SJ__JARR;
        size_t cap = 0;
        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return true;
        }
        for (;;) {
            char *key = NULL;
            size_t klen = 0;
            if (obj) {
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != '"') {
                    fail_at(ps, ps->p, "a key (string) was expected");
                    return false;
                }
                const char *kat = ps->p;
                if (!parse_string(ps, &key, &klen))
                    return false;
                for (size_t i = 0; ps->unique_keys && i < v->n; i++) {
                    if (v->klens[i] == klen && memcmp(v->keys[i], key, klen) == 0) {
                        sj__free(key);
                        fail_at(ps, kat, "duplicate key");
                        return false;
                    }
                }
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != ':') {
                    sj__free(key);
                    fail_at(ps, ps->p, "':' was expected after the key");
                    return false;
                }
                ps->p++;
            }
            if (!push_item(ps, v, &cap, key, klen)) {
                sj__free(key);
                return false;
            }
            if (!parse_value(ps, &v->items[v->n - 1], depth + 1))
                return false;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == close) {
                ps->p++;
                return true;
            }
            fail_at(ps, ps->p, obj ? "',' or '}' was expected" : "',' or ']' was expected");
            return false;
        }
    }
    if (c == '"') {
        v->kind = SJ__JSTR;
        return parse_string(ps, &v->s, &v->slen);
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number(ps, v);
    if (match_word(ps, "true")) {
        v->kind = SJ__JBOOL;
        v->b = true;
        return true;
    }
    if (match_word(ps, "false")) {
        v->kind = SJ__JBOOL;
        return true;
    }
    if (match_word(ps, "null")) {
        v->kind = SJ__JNULL;
        return true;
    }
    fail_at(ps, ps->p, "a value was expected");
    return false;
}

static void free_children(sj__jval *v)
{
    /* Recursion depth is bounded by SJ__JSON_MAX_DEPTH. */
    for (size_t i = 0; i < v->n; i++) {
        free_children(&v->items[i]);
        if (v->keys)
            sj__free(v->keys[i]);
    }
    sj__free(v->items);
    sj__free(v->keys);
    sj__free(v->klens);
    sj__free(v->s);
}

void sj__json_free(sj__jval *v)
{
    if (!v)
        return;
    free_children(v);
    sj__free(v);
}

const sj__json_opts sj__json_message_opts = {.max_depth = 32, .max_values = 256, .unique_keys = true};

sj__jval *sj__json_parse(const char *text, size_t len, const sj__json_opts *opts, char *err, size_t errsz, int *line,
                         int *col, bool *nomem)
{
    static const sj__json_opts defaults = {SJ__JSON_MAX_DEPTH, 0, false};
    if (!opts)
        opts = &defaults;
    jparser ps = {text, text, text + len, err, errsz, false, false, 0, 0,
                  opts->max_depth > 0 ? opts->max_depth : SJ__JSON_MAX_DEPTH, opts->max_values, 0, opts->unique_keys};
    if (err && errsz)
        err[0] = 0;
    *nomem = false;
    sj__jval *root = sj__calloc(1, sizeof *root);
    if (!root) {
        *nomem = true;
        if (err)
            snprintf(err, errsz, "out of memory");
        return NULL;
    }
    /* A UTF-8 byte order mark is not JSON (serde_json rejects it too). */
    if (parse_value(&ps, root, 0)) {
        skip_ws(&ps);
        if (ps.p < ps.end)
            fail_at(&ps, ps.p, "trailing characters after the JSON value");
    }
    if (ps.failed) {
        sj__json_free(root);
        *line = ps.eline;
        *col = ps.ecol;
        *nomem = ps.nomem;
        return NULL;
    }
    return root;
}

const sj__jval *sj__json_get(const sj__jval *obj, const char *key)
{
    if (!obj || obj->kind != SJ__JOBJ)
        return NULL;
    size_t kl = strlen(key);
    for (size_t i = obj->n; i-- > 0;)
        if (obj->klens[i] == kl && memcmp(obj->keys[i], key, kl) == 0)
            return &obj->items[i];
    return NULL;
}

const char *sj__json_str(const sj__jval *v)
{
    return v && v->kind == SJ__JSTR && !memchr(v->s, 0, v->slen) ? v->s : NULL;
}

void sj__json_write_string(sj_sb *sb, const char *s)
{
    sj__json_write_stringn(sb, s, strlen(s));
}

void sj__json_write_stringn(sj_sb *sb, const char *s, size_t n)
{
    const unsigned char *q = (const unsigned char *)s, *end = q + n, *run = q;
    sj__sb_appendn(sb, "\"", 1);
    while (q < end) {
        unsigned char c = *q;
        /* '/' is not escaped (serde_json writes it as it is); other controls as \u00xx. */
        const char *e = c != '/' ? memchr(esc_char, c, sizeof esc_char - 1) : NULL, *esc = NULL;
        char u[7];
        size_t k = 1;
        if (e || c < 0x20) {
            if (e)
                snprintf(u, sizeof u, "\\%c", esc_letter[e - esc_char]);
            else
                snprintf(u, sizeof u, "\\u%04x", c);
            esc = u;
        } else if (c >= 0x80 && !(k = utf8_len(q, end))) {
            esc = "\xEF\xBF\xBD"; /* U+FFFD */
            k = 1;
        }
        if (esc) {
            sj__sb_appendn(sb, (const char *)run, (size_t)(q - run));
            sj__sb_append(sb, esc);
            run = q + k;
        }
        q += k;
    }
    sj__sb_appendn(sb, (const char *)run, (size_t)(end - run));
    sj__sb_appendn(sb, "\"", 1);
}

void sj__json_write_number(sj_sb *sb, double v)
{
    if (isfinite(v))
        sj__sb_printf(sb, "%.17g", v);
    else
        sj__sb_append(sb, "null");
}

/*
 * JSON reader and writer of the studio protocol. See studio_json.h.
 */
#include "studio_json.h"
#include "base/chars.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jp {
    const char *s;
    size_t n, p;
    char *err;
    size_t errsz;
    bool failed;
} jp;

static bool fail(jp *J, const char *what)
{
    if (!J->failed && J->err && J->errsz)
        snprintf(J->err, J->errsz, "%s at byte %zu", what, J->p);
    J->failed = true;
    return false;
}

static void ws(jp *J)
{
    while (J->p < J->n && (J->s[J->p] == ' ' || J->s[J->p] == '\t' || J->s[J->p] == '\n' || J->s[J->p] == '\r'))
        J->p++;
}


/* Checks a string starting at the quote; *has_escape says whether it holds a backslash. */
static bool scan_string(jp *J, bool *has_escape)
{
    *has_escape = false;
    J->p++; /* opening quote */
    while (J->p < J->n) {
        unsigned char c = (unsigned char)J->s[J->p];
        if (c == '"') {
            J->p++;
            return true;
        }
        if (c < 0x20)
            return fail(J, "control character in string");
        if (c == '\\') {
            *has_escape = true;
            if (J->p + 1 >= J->n)
                return fail(J, "unterminated escape");
            char e = J->s[J->p + 1];
            if (e == 'u') {
                if (J->p + 6 > J->n)
                    return fail(J, "short \\u escape");
                for (int i = 2; i < 6; i++)
                    if (sj__hex_digit((unsigned char)J->s[J->p + i]) < 0)
                        return fail(J, "bad \\u escape");
                J->p += 6;
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || e == 0)
                return fail(J, "bad escape");
            J->p += 2;
            continue;
        }
        J->p++;
    }
    return fail(J, "unterminated string");
}

static bool scan_number(jp *J, double *out)
{
    size_t st = J->p;
    if (J->p < J->n && J->s[J->p] == '-')
        J->p++;
    if (J->p >= J->n)
        return fail(J, "bad number");
    if (J->s[J->p] == '0') {
        J->p++;
    } else if (J->s[J->p] >= '1' && J->s[J->p] <= '9') {
        while (J->p < J->n && J->s[J->p] >= '0' && J->s[J->p] <= '9')
            J->p++;
    } else {
        return fail(J, "bad number");
    }
    if (J->p < J->n && J->s[J->p] == '.') {
        J->p++;
        if (J->p >= J->n || !(J->s[J->p] >= '0' && J->s[J->p] <= '9'))
            return fail(J, "bad number");
        while (J->p < J->n && J->s[J->p] >= '0' && J->s[J->p] <= '9')
            J->p++;
    }
    if (J->p < J->n && (J->s[J->p] == 'e' || J->s[J->p] == 'E')) {
        J->p++;
        if (J->p < J->n && (J->s[J->p] == '+' || J->s[J->p] == '-'))
            J->p++;
        if (J->p >= J->n || !(J->s[J->p] >= '0' && J->s[J->p] <= '9'))
            return fail(J, "bad number");
        while (J->p < J->n && J->s[J->p] >= '0' && J->s[J->p] <= '9')
            J->p++;
    }
    char tmp[64];
    size_t k = J->p - st;
    if (k >= sizeof tmp)
        return fail(J, "number too long");
    memcpy(tmp, J->s + st, k);
    tmp[k] = 0;
    *out = strtod(tmp, NULL);
    return true;
}

static bool lit(jp *J, const char *w)
{
    size_t k = strlen(w);
    if (J->n - J->p < k || memcmp(J->s + J->p, w, k) != 0)
        return fail(J, "unexpected token");
    J->p += k;
    return true;
}

static bool scan_value(jp *J, int depth, sjs_jmember *m);

static bool scan_container(jp *J, int depth, char close)
{
    if (depth >= SJS_JSON_MAX_DEPTH)
        return fail(J, "nested too deeply");
    J->p++;
    ws(J);
    if (J->p < J->n && J->s[J->p] == close) {
        J->p++;
        return true;
    }
    for (;;) {
        ws(J);
        if (close == '}') {
            bool esc;
            if (J->p >= J->n || J->s[J->p] != '"')
                return fail(J, "expected a key");
            if (!scan_string(J, &esc))
                return false;
            ws(J);
            if (J->p >= J->n || J->s[J->p] != ':')
                return fail(J, "expected ':'");
            J->p++;
            ws(J);
        }
        sjs_jmember tmp;
        if (!scan_value(J, depth + 1, &tmp))
            return false;
        ws(J);
        if (J->p < J->n && J->s[J->p] == ',') {
            J->p++;
            continue;
        }
        if (J->p < J->n && J->s[J->p] == close) {
            J->p++;
            return true;
        }
        return fail(J, "expected ',' or a closing bracket");
    }
}

static bool scan_value(jp *J, int depth, sjs_jmember *m)
{
    if (J->p >= J->n)
        return fail(J, "expected a value");
    size_t st = J->p;
    char c = J->s[J->p];
    bool ok;
    memset(m, 0, sizeof *m);
    if (c == '{') {
        m->type = SJS_J_OBJECT;
        ok = scan_container(J, depth, '}');
    } else if (c == '[') {
        m->type = SJS_J_ARRAY;
        ok = scan_container(J, depth, ']');
    } else if (c == '"') {
        bool esc;
        m->type = SJS_J_STRING;
        ok = scan_string(J, &esc);
    } else if (c == 't') {
        m->type = SJS_J_BOOL;
        m->boolean = true;
        ok = lit(J, "true");
    } else if (c == 'f') {
        m->type = SJS_J_BOOL;
        ok = lit(J, "false");
    } else if (c == 'n') {
        m->type = SJS_J_NULL;
        ok = lit(J, "null");
    } else {
        m->type = SJS_J_NUMBER;
        ok = scan_number(J, &m->number);
    }
    m->raw = J->s + st;
    m->raw_len = J->p - st;
    return ok;
}

bool sjs_json_parse_object(const char *s, size_t len, sjs_jobject *out, char *err, size_t errsz)
{
    jp J = {s, len, 0, err, errsz, false};
    out->n = 0;
    if (err && errsz)
        err[0] = 0;
    ws(&J);
    if (J.p >= J.n || s[J.p] != '{')
        return fail(&J, "expected an object");
    J.p++;
    ws(&J);
    if (J.p < J.n && s[J.p] == '}') {
        J.p++;
    } else {
        for (;;) {
            ws(&J);
            if (J.p >= J.n || s[J.p] != '"')
                return fail(&J, "expected a key");
            size_t kst = J.p + 1;
            bool esc;
            if (!scan_string(&J, &esc))
                return false;
            if (esc)
                return fail(&J, "escape in a key");
            size_t klen = J.p - 1 - kst;
            ws(&J);
            if (J.p >= J.n || s[J.p] != ':')
                return fail(&J, "expected ':'");
            J.p++;
            ws(&J);
            if (out->n >= SJS_JSON_MAX_MEMBERS)
                return fail(&J, "too many members");
            for (size_t i = 0; i < out->n; i++)
                if (out->m[i].key_len == klen && memcmp(out->m[i].key, s + kst, klen) == 0)
                    return fail(&J, "duplicate key");
            sjs_jmember *m = &out->m[out->n];
            if (!scan_value(&J, 1, m))
                return false;
            m->key = s + kst;
            m->key_len = klen;
            out->n++;
            ws(&J);
            if (J.p < J.n && s[J.p] == ',') {
                J.p++;
                continue;
            }
            if (J.p < J.n && s[J.p] == '}') {
                J.p++;
                break;
            }
            return fail(&J, "expected ',' or '}'");
        }
    }
    ws(&J);
    if (J.p != J.n)
        return fail(&J, "trailing characters");
    return true;
}

const sjs_jmember *sjs_json_get(const sjs_jobject *o, const char *key)
{
    size_t k = strlen(key);
    for (size_t i = 0; i < o->n; i++)
        if (o->m[i].key_len == k && memcmp(o->m[i].key, key, k) == 0)
            return &o->m[i];
    return NULL;
}

static size_t put_utf8(char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xC0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static uint32_t hex4(const char *p)
{
    uint32_t v = 0;
    for (int k = 0; k < 4; k++)
        v = v << 4 | (uint32_t)sj__hex_digit((unsigned char)p[k]);
    return v;
}

char *sjs_json_string(const sjs_jmember *m, size_t *len)
{
    if (!m || m->type != SJS_J_STRING || m->raw_len < 2)
        return NULL;
    const char *s = m->raw + 1;
    size_t n = m->raw_len - 2; /* validated by the parser: escapes are complete */
    char *out = malloc(n + 1); /* decoding never grows the text: \uXXXX (6 bytes) gives at most 4 */
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') {
            out[o++] = s[i++];
            continue;
        }
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            uint32_t cp = hex4(s + i);
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
                uint32_t lo = hex4(s + i + 2);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            if (cp >= 0xD800 && cp < 0xE000)
                cp = 0xFFFD; /* a lone surrogate */
            if (cp == 0) {
                free(out);
                return NULL;
            }
            o += put_utf8(out + o, cp);
            break;
        }
        default: out[o++] = e; break; /* " \ / */
        }
    }
    out[o] = 0;
    if (memchr(out, 0, o)) {
        free(out);
        return NULL;
    }
    if (len)
        *len = o;
    return out;
}

void sjs_buf_init(sjs_buf *b)
{
    memset(b, 0, sizeof *b);
}

void sjs_buf_free(sjs_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

static bool reserve(sjs_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *ns = realloc(b->s, cap);
    if (!ns) {
        b->failed = true;
        return false;
    }
    b->s = ns;
    b->cap = cap;
    return true;
}

void sjs_buf_put(sjs_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void sjs_buf_puts(sjs_buf *b, const char *s)
{
    sjs_buf_put(b, s, strlen(s));
}

void sjs_buf_printf(sjs_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k >= 0 && reserve(b, (size_t)k)) {
        vsnprintf(b->s + b->len, (size_t)k + 1, fmt, ap2);
        b->len += (size_t)k;
    }
    va_end(ap2);
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t k;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        k = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000))) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return k;
}

void sjs_buf_json_string(sjs_buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    sjs_buf_put(b, "\"", 1);
    size_t run = 0; /* start of the current run of bytes copied as they are */
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        const char *rep = NULL;
        char tmp[8];
        size_t k = 1;
        if (c == '"')
            rep = "\\\"";
        else if (c == '\\')
            rep = "\\\\";
        else if (c == '\n')
            rep = "\\n";
        else if (c == '\r')
            rep = "\\r";
        else if (c == '\t')
            rep = "\\t";
        else if (c < 0x20 || c == 0x7F) {
            snprintf(tmp, sizeof tmp, "\\u%04x", c);
            rep = tmp;
        } else if (c >= 0x80) {
            k = utf8_len(u + i, n - i);
            if (k == 0) {
                rep = "\xEF\xBF\xBD";
                k = 1;
            }
        }
        if (rep) {
            sjs_buf_put(b, s + run, i - run);
            sjs_buf_puts(b, rep);
            i += k;
            run = i;
        } else {
            i += k;
        }
    }
    sjs_buf_put(b, s + run, n - run);
    sjs_buf_put(b, "\"", 1);
}

void sjs_buf_json_number(sjs_buf *b, double v)
{
    if (!isfinite(v)) {
        sjs_buf_puts(b, "null");
        return;
    }
    sjs_buf_printf(b, "%.17g", v);
}

/*
 * The message list of the text language (errors, warnings, notes with positions and hints) and
 * its compiler-style formatting with the source line and a caret. Also the "did you mean"
 * distance and the tables of names with a fixed meaning.
 */
#include "lang/lang.h"

#include "base/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const sj__lang_params[] = {"in1",    "in2",     "alpha", "beta",  "delta",      "gamma",
                                       "&sig1",  "&sig2",   "&aux",  "&state", "&fstate",   "&pv",
                                       "&rv",    "&bufs",   "&buf_lens", "&tables", "&table_lens", NULL};

/* Reference §1.4 plus decisions.md #5 (1SQRT_PI). */
const char *const sj__lang_constants[] = {"PI",  "TAU", "E",   "1PI",    "2PI",      "PI2",      "PI3", "PI4",
                                          "PI6", "PI8", "1SQRT2", "2SQRT_PI", "1SQRT_PI", "LN2", "LN10", NULL};

bool sj__lang_is_param(const char *name)
{
    for (size_t i = 0; sj__lang_params[i]; i++)
        if (strcmp(sj__lang_params[i], name) == 0)
            return true;
    return false;
}

bool sj__lang_is_constant(const char *name)
{
    for (size_t i = 0; sj__lang_constants[i]; i++)
        if (strcmp(sj__lang_constants[i], name) == 0)
            return true;
    return false;
}

void sj_diag_list_init(sj_diag_list *list)
{
    if (list)
        memset(list, 0, sizeof *list);
}

void sj_diag_list_fini(sj_diag_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++) {
        sj__free(list->items[i].text);
        sj__free(list->items[i].hint);
    }
    sj__free(list->items);
    sj__free(list->filename);
    memset(list, 0, sizeof *list);
}

static sj_status add_v(sj_diag_list *list, sj_severity sev, sj_status code, int line, int col, int span,
                       const char *hint, const char *fmt, va_list ap)
{
    if (!list)
        return SJ_OK;
    if (!sj__grow((void **)&list->items, &list->cap_, list->count + 1, sizeof(sj_message))) {
        list->nomem_ = true;
        return SJ_ERR_NOMEM;
    }
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    sj_message *m = &list->items[list->count];
    memset(m, 0, sizeof *m);
    m->severity = sev;
    m->code = code;
    m->line = line;
    m->col = col;
    m->span = span > 0 ? span : 1;
    m->text = sj__strdup(buf);
    m->hint = hint ? sj__strdup(hint) : NULL;
    if (!m->text || (hint && !m->hint)) {
        sj__free(m->text);
        sj__free(m->hint);
        list->nomem_ = true;
        return SJ_ERR_NOMEM;
    }
    list->count++;
    if (sev == SJ_SEVERITY_ERROR)
        list->errors++;
    else if (sev == SJ_SEVERITY_WARNING)
        list->warnings++;
    return SJ_OK;
}

sj_status sj_diag_list_add(sj_diag_list *list, sj_severity severity, sj_status code, int line, int col, int span,
                           const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sj_status st = add_v(list, severity, code, line, col, span, hint, fmt, ap);
    va_end(ap);
    return st;
}

sj_status sj_diag_list_add_diag(sj_diag_list *list, const sj_diag *diag)
{
    if (!diag)
        return SJ_ERR_INVALID_ARGUMENT;
    int span = 1;
    if (diag->node && diag->node->name && diag->node->kind != SJ_AST_BINOP) {
        /* Underline the name of the offending call, variable or assignment. */
        int k = 0;
        for (const char *p = diag->node->name; *p; p++)
            if (((unsigned char)*p & 0xC0) != 0x80)
                k++;
        if (k > 0)
            span = k;
    }
    return sj_diag_list_add(list, SJ_SEVERITY_ERROR, diag->code, diag->line, diag->col, span, NULL, "%s",
                            diag->message[0] ? diag->message : sj_strerror(diag->code));
}

/* Finds line `line` (1-based) in src. */
static bool find_line(const char *src, size_t len, int line, size_t *start, size_t *end)
{
    size_t p = 0;
    int l = 1;
    while (l < line && p < len) {
        if (src[p] == '\n')
            l++;
        p++;
    }
    if (l != line)
        return false;
    size_t e = p;
    while (e < len && src[e] != '\n')
        e++;
    if (e > p && src[e - 1] == '\r')
        e--;
    *start = p;
    *end = e;
    return true;
}

static size_t next_cp(const char *s, size_t p, size_t end)
{
    p++;
    while (p < end && ((unsigned char)s[p] & 0xC0) == 0x80)
        p++;
    return p;
}

char *sj_diag_list_format(const sj_diag_list *list, const char *src, size_t len, bool color)
{
    sj_sb sb;
    sj__sb_init(&sb);
    const char *fname = list && list->filename ? list->filename : "<input>";
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    for (size_t i = 0; list && i < list->count; i++) {
        const sj_message *m = &list->items[i];
        const char *sev = m->severity == SJ_SEVERITY_ERROR     ? "error"
                          : m->severity == SJ_SEVERITY_WARNING ? "warning"
                                                               : "note";
        const char *scol = !color                                ? ""
                           : m->severity == SJ_SEVERITY_ERROR   ? "\033[1;31m"
                           : m->severity == SJ_SEVERITY_WARNING ? "\033[1;35m"
                                                                : "\033[1;36m";
        if (m->line > 0)
            sj__sb_printf(&sb, "%s%s:%d:%d:%s %s%s:%s %s\n", bold, fname, m->line, m->col, reset, scol, sev, reset,
                          m->text);
        else
            sj__sb_printf(&sb, "%s%s:%s %s%s:%s %s\n", bold, fname, reset, scol, sev, reset, m->text);
        size_t ls, le;
        if (src && m->line > 0 && find_line(src, len, m->line, &ls, &le)) {
            char gutter[32];
            int gw = snprintf(gutter, sizeof gutter, "%d", m->line);
            sj__sb_printf(&sb, " %s | ", gutter);
            /* A window of at most 160 characters around the column on long lines; control
             * characters are shown as '?' so a message never drives the terminal. */
            int first = m->col > 100 ? m->col - 60 : 1;
            size_t ws = ls;
            for (int c = 1; c < first && ws < le; c++)
                ws = next_cp(src, ws, le);
            size_t we = ws;
            for (int k = 0; k < 160 && we < le; k++)
                we = next_cp(src, we, le);
            if (ws > ls)
                sj__sb_append(&sb, "...");
            for (size_t q = ws; q < we; q++) {
                unsigned char c = (unsigned char)src[q];
                if ((c < 0x20 && c != '\t') || c == 0x7f)
                    sj__sb_append(&sb, "?");
                else
                    sj__sb_appendn(&sb, src + q, 1);
            }
            if (we < le)
                sj__sb_append(&sb, "...");
            sj__sb_append(&sb, "\n");
            sj__sb_printf(&sb, " %*s | %s", gw, "", ws > ls ? "   " : "");
            /* Walk the line by code points: tabs stay tabs so the caret lines up. */
            int col = first;
            size_t p = ws;
            while (col < m->col && p < le) {
                sj__sb_append(&sb, src[p] == '\t' ? "\t" : " ");
                col++;
                p = next_cp(src, p, le);
            }
            sj__sb_append(&sb, color ? "\033[1;32m^" : "^");
            for (int k = 1; k < m->span && k < 200; k++)
                sj__sb_append(&sb, "~");
            sj__sb_printf(&sb, "%s\n", reset);
        }
        if (m->hint)
            sj__sb_printf(&sb, " %shint:%s %s\n", color ? "\033[1;36m" : "", reset, m->hint);
    }
    return sj__sb_finish(&sb);
}

/* Optimal string alignment distance (Levenshtein plus transpositions, so "TUA" is 1 from "TAU"),
 * ASCII case differences costing nothing extra beyond one edit. Stops early above cap. */
size_t sj__lang_distance(const char *a, const char *b, size_t cap)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 64 || m > 64)
        return cap + 1;
    if ((n > m ? n - m : m - n) > cap)
        return cap + 1;
    size_t d[65][65];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t best = (size_t)-1;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t v = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
            if (v < best)
                best = v;
        }
        if (best > cap + 1 && i > 1)
            return cap + 1;
    }
    return d[n][m];
}

bool sj__lang_similar(const char *name, const char *candidate)
{
    size_t n = strlen(name);
    size_t cap = n <= 3 ? 1 : n <= 6 ? 2 : 3;
    return sj__lang_distance(name, candidate, cap) <= cap;
}

/*
 * An ASCII drawing of a block program for the terminal (`sigjit blocks show FILE`), and the two
 * entry points the command line uses (blocks.h).
 *
 * Each grid cell is 17 characters: input side (3), box (11), output side (3).
 *   [0.3      ]------>[set &sig1]      a value feeding a set block
 *   [/%       ]di>                     an unconnected output labelled "di"
 *   |         |re----a>[-        ]     the second row of /% feeding input "a" of a "-" block
 * A box shows its label on its first row ("[...]"), later rows are "|...|". An input port is
 * "lb>" (its label, right-aligned, then '>'), an output port "lb>" or, when connected, the label
 * padded with '-'. Empty cells are ".". Sub-areas follow their parent area, each with a title.
 */
#include "blocks/internal.h"
#include "blocks/blocks.h"

#include <stdio.h>
#include <string.h>

#define BOXW 9 /* characters of text inside the box */

/* Appends up to max characters (code points) of s, padded with pad to exactly width characters
 * (left-aligned, or right-aligned with right). */
static void put_field(sj_sb *sb, const char *s, size_t max, size_t width, char pad, bool right)
{
    size_t bytes = 0, chars = 0;
    while (s[bytes] && chars < max) {
        bytes++;
        while (((unsigned char)s[bytes] & 0xC0) == 0x80)
            bytes++;
        chars++;
    }
    char p[2] = {pad, 0};
    if (right)
        for (size_t i = chars; i < width; i++)
            sj__sb_append(sb, p);
    for (size_t i = 0; i < bytes; i++) {
        /* control characters would break the lines of the drawing */
        unsigned char c = (unsigned char)s[i];
        char ch = c < 0x20 || c == 0x7f ? '?' : (char)c;
        sj__sb_appendn(sb, &ch, 1);
    }
    if (!right)
        for (size_t i = chars; i < width; i++)
            sj__sb_append(sb, p);
}

static void block_text(const sj__block *b, char *buf, size_t size)
{
    char sub[64] = "";
    if (b->contains[0] != SJ__NO_AREA || b->contains[1] != SJ__NO_AREA) {
        char s0[24] = "-", s1[24] = "-";
        if (b->contains[0] != SJ__NO_AREA)
            snprintf(s0, sizeof s0, "%zu", b->contains[0]);
        if (b->contains[1] != SJ__NO_AREA)
            snprintf(s1, sizeof s1, "%zu", b->contains[1]);
        snprintf(sub, sizeof sub, " [%s|%s]", s0, s1);
    }
    if (strcmp(b->typ, "value") == 0 || strcmp(b->lbl, b->typ) == 0)
        snprintf(buf, size, "%s%s", b->lbl, sub);
    else
        snprintf(buf, size, "%s %s%s", b->typ, b->lbl, sub);
}

static void draw_area(sj_sb *sb, const sj__area *a)
{
    if (!a->n) {
        sj__sb_append(sb, "  (empty)\n");
        return;
    }
    int64_t minx = 0, miny = 0, maxx = 0, maxy = 0;
    for (size_t i = 0; i < a->n; i++) {
        const sj__block *b = a->blocks[i];
        int64_t last = b->y + (int64_t)(b->rows ? b->rows - 1 : 0);
        minx = b->x < minx ? b->x : minx;
        maxx = b->x > maxx ? b->x : maxx;
        miny = b->y < miny ? b->y : miny;
        maxy = last > maxy ? last : maxy;
    }
    /* A drawing wider or taller than this is not useful on a terminal. */
    bool cut = false;
    if (maxx - minx > 64) {
        maxx = minx + 64;
        cut = true;
    }
    if (maxy - miny > 256) {
        maxy = miny + 256;
        cut = true;
    }
    size_t head_start = sb->len;
    sj__sb_append(sb, "     ");
    for (int64_t x = minx; x <= maxx; x++) {
        char num[24];
        snprintf(num, sizeof num, "%lld", (long long)x);
        put_field(sb, "", 0, 3 + (11 - strlen(num)) / 2, ' ', false);
        sj__sb_append(sb, num);
        put_field(sb, "", 0, 11 - (11 - strlen(num)) / 2 - strlen(num) + 3, ' ', false);
    }
    while (sb->len > head_start && !sb->failed && sb->data[sb->len - 1] == ' ')
        sb->data[--sb->len] = 0;
    sj__sb_append(sb, "\n");
    for (int64_t y = miny; y <= maxy; y++) {
        sj__sb_printf(sb, "%4lld ", (long long)y);
        size_t line_start = sb->len;
        for (int64_t x = minx; x <= maxx; x++) {
            size_t bi = sj__area_find(a, x, y);
            if (bi == SIZE_MAX) {
                sj__sb_append(sb, "        .        ");
                continue;
            }
            const sj__block *b = a->blocks[bi];
            size_t row = (size_t)(y - b->y);
            if (sj__block_has_input(b, row)) {
                bool con = sj__area_port_at(a, x - 1, y, true) != NULL;
                put_field(sb, b->inputs[row], 2, 2, con ? '-' : ' ', true);
                sj__sb_append(sb, ">");
            } else {
                sj__sb_append(sb, "   ");
            }
            if (row == 0) {
                char text[160];
                block_text(b, text, sizeof text);
                sj__sb_append(sb, "[");
                put_field(sb, text, BOXW, BOXW, ' ', false);
                sj__sb_append(sb, "]");
            } else {
                sj__sb_append(sb, "|         |");
            }
            if (sj__block_has_output(b, row)) {
                bool con = sj__area_port_at(a, x + 1, y, false) != NULL;
                if (con) {
                    put_field(sb, b->outputs[row], 2, 3, '-', false);
                } else if (b->outputs[row][0]) {
                    put_field(sb, b->outputs[row], 2, 2, ' ', false);
                    sj__sb_append(sb, ">");
                } else {
                    sj__sb_append(sb, ">  ");
                }
            } else {
                sj__sb_append(sb, "   ");
            }
        }
        /* no trailing blanks */
        while (sb->len > line_start && !sb->failed && sb->data[sb->len - 1] == ' ')
            sb->data[--sb->len] = 0;
        sj__sb_append(sb, "\n");
    }
    if (cut)
        sj__sb_printf(sb, "  (cut at %lld columns and %lld rows from (%lld,%lld))\n", (long long)(maxx - minx + 1),
                      (long long)(maxy - miny + 1), (long long)minx, (long long)miny);
}

char *sj_blockfun_ascii(const sj_blockfun *fun)
{
    if (!fun)
        return NULL;
    sj_sb sb;
    sj__sb_init(&sb);
    size_t n = fun->nareas;
    size_t *stack = sj__malloc(n * sizeof *stack);
    bool *seen = sj__calloc(n, sizeof *seen);
    if (!stack || !seen) {
        sj__free(stack);
        sj__free(seen);
        return NULL;
    }
    /* Pre-order from the root; each pushed area remembers nothing else: the title is found by
     * looking up the block holding it. */
    size_t ns = 0;
    stack[ns++] = 0;
    seen[0] = true;
    while (ns) {
        size_t ai = stack[--ns];
        const sj__area *a = fun->areas[ai];
        if (ai == 0) {
            sj__sb_printf(&sb, "area 0 (root, %zux%zu)\n", a->w, a->h);
        } else {
            /* find the holder */
            for (size_t p = 0; p < n; p++)
                for (size_t i = 0; i < fun->areas[p]->n; i++) {
                    const sj__block *b = fun->areas[p]->blocks[i];
                    for (int k = 0; k < 2; k++)
                        if (b->contains[k] == ai) {
                            const char *role = strcmp(b->typ, "if") == 0 ? (k == 0 ? "then" : "else")
                                                                         : (k == 0 ? "sub-area 0" : "sub-area 1");
                            sj__sb_printf(&sb, "\narea %zu (%s of block %zu '%s' in area %zu at (%lld,%lld), %zux%zu)\n",
                                          ai, role, b->id, b->typ, p, (long long)b->x, (long long)b->y, a->w, a->h);
                        }
                }
        }
        draw_area(&sb, a);
        /* Push sub-areas in reverse so they come out in block order. */
        for (size_t i = a->n; i-- > 0;)
            for (int k = 1; k >= 0; k--) {
                size_t c = a->blocks[i]->contains[k];
                if (c < n && !seen[c]) {
                    seen[c] = true;
                    stack[ns++] = c;
                }
            }
    }
    sj__free(stack);
    sj__free(seen);
    return sj__sb_finish(&sb);
}

/* ---------------------------------------------------------------------------------------------- */
/* Entry points for the command line (blocks.h). */

static sj_blockfun *load(const char *json, size_t len, const sj_library *lib, sj_blocklang **lang, sj_diag *diag,
                         sj_status *st)
{
    *lang = sj_blocklang_new(lib);
    sj_blockfun *fun = *lang ? sj_blockfun_new(*lang) : NULL;
    if (!fun) {
        sj_blocklang_free(*lang);
        *lang = NULL;
        *st = sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
        return NULL;
    }
    if ((*st = sj_blockfun_load_json(fun, json, len, diag)) != SJ_OK) {
        sj_blockfun_free(fun);
        sj_blocklang_free(*lang);
        *lang = NULL;
        return NULL;
    }
    return fun;
}

sj_status sj_blocks_json_to_ast(const char *json, size_t len, const sj_library *lib, sj_ast **out, sj_diag *diag)
{
    if (!out)
        return sj__diag_set(diag, SJ_ERR_INVALID_ARGUMENT, NULL, "invalid argument");
    *out = NULL;
    sj_blocklang *lang;
    sj_status st;
    sj_blockfun *fun = load(json, len, lib, &lang, diag, &st);
    if (!fun)
        return st;
    st = sj_blockfun_compile(fun, out, diag);
    sj_blockfun_free(fun);
    sj_blocklang_free(lang);
    return st;
}

char *sj_blocks_json_to_ascii(const char *json, size_t len, const sj_library *lib, sj_diag *diag)
{
    sj_blocklang *lang;
    sj_status st;
    sj_blockfun *fun = load(json, len, lib, &lang, diag, &st);
    if (!fun)
        return NULL;
    char *s = sj_blockfun_ascii(fun);
    if (!s)
        sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
    sj_blockfun_free(fun);
    sj_blocklang_free(lang);
    return s;
}

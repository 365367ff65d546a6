/*
 * libFuzzer target for block files (make fuzz-blocks; mk/blocks.mk). Any input must either load or
 * fail with a status; a loaded program must survive everything else without a crash, leak or
 * sanitizer report:
 *   - save, load what was saved, save again: the same text (files round-trip);
 *   - compile, dump the tree, draw it;
 *   - a few editing operations chosen by the input's last bytes, then the sizes, then the round trip
 *     again (the operations keep the model valid: no overlaps, unique ids, sub-areas form a tree).
 * The shared JSON underneath (src/base/json.c) also reads the input with the studio's options, and
 * writes it as a JSON string, which must read back (bad UTF-8 becomes U+FFFD, never invalid JSON).
 */
#include "sigjit.h"
#include "base/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static sj_library *g_lib;
static sj_blocklang *g_lang;

static void check_round_trip(const sj_blockfun *f)
{
    char *s = sj_blockfun_save_json(f);
    if (!s)
        return;
    sj_blockfun *g = sj_blockfun_new(g_lang);
    sj_diag d;
    if (sj_blockfun_load_json(g, s, strlen(s), &d) != SJ_OK)
        __builtin_trap(); /* what we write, we read */
    char *s2 = sj_blockfun_save_json(g);
    if (!s2 || strcmp(s, s2) != 0)
        __builtin_trap(); /* and it comes out the same */
    sj_free(s);
    sj_free(s2);
    sj_blockfun_free(g);
}

static void exercise(const sj_blockfun *f)
{
    sj_ast *ast = NULL;
    sj_diag d;
    if (sj_blockfun_compile(f, &ast, &d) == SJ_OK)
        sj_ast_free(ast);
    sj_free(sj_blockfun_dump_tree(f));
    sj_free(sj_blockfun_ascii(f));
}

static void check_json(const uint8_t *data, size_t size)
{
    char err[160];
    int line, col;
    bool nomem;
    sj__json_free(sj__json_parse((const char *)data, size, &sj__json_message_opts, err, sizeof err, &line, &col, &nomem));
    sj_sb sb;
    sj__sb_init(&sb);
    sj__json_write_stringn(&sb, (const char *)data, size);
    char *w = sj__sb_finish(&sb);
    sj__jval *v = w ? sj__json_parse(w, strlen(w), NULL, err, sizeof err, &line, &col, &nomem) : NULL;
    /* What we write, we read: the same bytes, or longer where U+FFFD (3 bytes) replaced a bad one. */
    if (w && (!v || v->kind != SJ__JSTR || v->slen < size || (v->slen == size && memcmp(v->s, data, size) != 0)))
        __builtin_trap();
    sj__json_free(v);
    sj_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_lang) {
        g_lib = sj_library_new_std();
        g_lang = sj_blocklang_new(g_lib);
        if (!g_lang)
            abort();
    }
    check_json(data, size);
    sj_blockfun *f = sj_blockfun_new(g_lang);
    sj_diag d;
    if (sj_blockfun_load_json(f, (const char *)data, size, &d) == SJ_OK) {
        check_round_trip(f);
        exercise(f);
        /* Edits driven by the last bytes of the input. */
        static const char *const types[] = {"value", "+", "/%", "if", "->2", "accum", "set", "nope"};
        size_t k = size > 12 ? size - 12 : 0;
        for (; k + 6 <= size; k += 6) {
            const uint8_t *p = data + k;
            size_t na = sj_blockfun_area_count(f);
            size_t a = na ? p[1] % (na + 1) : 0, a2 = na ? p[2] % (na + 1) : 0;
            int64_t x = (int64_t)(p[3] % 20) - 2, y = (int64_t)(p[4] % 20) - 2;
            int64_t x2 = (int64_t)(p[5] % 20) - 2, y2 = (int64_t)((p[5] >> 3) % 20) - 2;
            switch (p[0] % 9) {
            case 0: sj_blockfun_instantiate(f, a, x, y, types[p[5] % 8], "1"); break;
            case 1: sj_blockfun_remove(f, a, x, y); break;
            case 2: sj_blockfun_shift_port(f, a, x, y, p[5] % 4, p[5] & 8); break;
            case 3: sj_blockfun_move_block(f, a, x, y, a2, x2, y2); break;
            case 4: sj_blockfun_clone_block(f, a, x, y, a2, x2, y2); break;
            case 5: sj_blockfun_move_chain(f, a, x, y, a2, x2, y2); break;
            case 6: sj_blockfun_split_chain(f, a, x, y, (p[5] & 1) ? "->" : NULL); break;
            case 7: {
                sj_block_chain *c = NULL;
                sj_blockfun_retrieve_chain(f, a, x, y, p[5] & 1, &c);
                sj_block_chain_free(c);
                break;
            }
            default: sj_blockfun_recalculate_area_sizes(f); break;
            }
        }
        exercise(f);
        /* Editing does not resize areas (the editor asks for it, as in the reference); loading does. */
        sj_blockfun_recalculate_area_sizes(f);
        check_round_trip(f);
    }
    sj_blockfun_free(f);
    return 0;
}

/* The block language: the language definition (reference §5.2), the grid model and every editing
 * operation of §5.3 with its errors, area sizes, chains and the generation counter. Expected values
 * come from the reference's semantics as described in reference-system.md §5.1-5.3. */
#include "sjtest.h"

#include <string.h>



static void put(sj_blockfun *f, size_t a, int64_t x, int64_t y, const char *typ, const char *ui)
{
    sj_status st = sj_blockfun_instantiate(f, a, x, y, typ, ui);
    if (st)
        fail_msg("instantiate %s at (%lld,%lld): %s", typ, (long long)x, (long long)y,
                 sj_blockfun_last_error(f)->message);
}

static const sj_block_error *err(sj_blockfun *f)
{
    return sj_blockfun_last_error(f);
}

static void assert_ports(const char *const *v, size_t n, const char *const *want, size_t nwant)
{
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < n; i++) {
        if (!want[i])
            assert_null(v[i]);
        else {
            assert_non_null(v[i]);
            assert_string_equal(v[i], want[i]);
        }
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* Language (§5.2) */

static void test_builtin_types(void **state)
{
    (void)state;
    /* The table of §5.2, row by row. */
    static const char *const one[] = {""}, *const two[] = {"", ""}, *const three[] = {"", "", ""};
    static const char *const ab[] = {"a", "b"};
    struct {
        const char *name, *cat;
        size_t rows;
        const char *const *in;
        size_t nin;
        const char *const *out;
        size_t nout, areas;
        sj_block_user_input ui;
        size_t color;
        const char *desc;
    } want[] = {
        {"zero", "literals", 1, NULL, 0, one, 1, 0, SJ_BLOCK_INPUT_NONE, 1, "The 0.0 value"},
        {"\xCF\x80", "literals", 1, NULL, 0, one, 1, 0, SJ_BLOCK_INPUT_NONE, 1, "The PI number"},
        {"2\xCF\x80", "literals", 1, NULL, 0, one, 1, 0, SJ_BLOCK_INPUT_NONE, 1, "2 * PI == TAU"},
        {"value", "literals", 1, NULL, 0, one, 1, 0, SJ_BLOCK_INPUT_FLOAT, 1, "A literal value, typed in by the user."},
        {"->", "routing", 1, one, 1, one, 1, 0, SJ_BLOCK_INPUT_NONE, 6, "Forwards the value one block"},
        {"->2", "routing", 2, one, 1, two, 2, 0, SJ_BLOCK_INPUT_NONE, 6,
         "Forwards the value one block and sends it to multiple destinations"},
        {"->3", "routing", 3, one, 1, three, 3, 0, SJ_BLOCK_INPUT_NONE, 6,
         "Forwards the value one block and sends it to multiple destinations"},
        {"set", "variables", 1, one, 1, NULL, 0, 0, SJ_BLOCK_INPUT_IDENTIFIER, 2, "Stores into a variable"},
        {"get", "variables", 1, NULL, 0, one, 1, 0, SJ_BLOCK_INPUT_IDENTIFIER, 12, "Loads a variable"},
        {"if", "variables", 1, one, 1, one, 1, 2, SJ_BLOCK_INPUT_NONE, 0,
         "Divides the controlflow based on a true (>= 0.5) or false (< 0.5) input value."},
        {"+", "arithmetics", 2, two, 2, one, 1, 0, SJ_BLOCK_INPUT_NONE, 4, "A binary arithmetics operation"},
        {"-", "arithmetics", 2, ab, 2, one, 1, 0, SJ_BLOCK_INPUT_NONE, 4, "A binary arithmetics operation"},
        {"*", "arithmetics", 2, two, 2, one, 1, 0, SJ_BLOCK_INPUT_NONE, 4, "A binary arithmetics operation"},
        {"/", "arithmetics", 2, ab, 2, one, 1, 0, SJ_BLOCK_INPUT_NONE, 4, "A binary arithmetics operation"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const sj_block_type *t = sj_blocklang_find(sjt_blocks_lang, want[i].name);
        assert_non_null(t);
        assert_ptr_equal(t, sj_blocklang_type_at(sjt_blocks_lang, i)); /* definition order */
        assert_string_equal(t->category, want[i].cat);
        assert_int_equal(t->rows, want[i].rows);
        assert_ports(t->inputs, t->ninputs, want[i].in, want[i].nin);
        assert_ports(t->outputs, t->noutputs, want[i].out, want[i].nout);
        assert_int_equal(t->area_count, want[i].areas);
        assert_int_equal(t->user_input, want[i].ui);
        assert_int_equal(t->color, want[i].color);
        assert_string_equal(t->description, want[i].desc);
    }
}

static void test_node_types(void **state)
{
    (void)state;
    /* §5.2 "with the stdlib this gives": rows = max(inputs, outputs), labels cut to 2 bytes,
     * "nodes"/8 if stateful else "functions"/16, description = documentation. */
    static const char *const e[] = {""}, *const in_re[] = {"in", "re"}, *const su[] = {"su"};
    static const char *const fr_re[] = {"fr", "re"}, *const ph[] = {"ph"}, *const ab[] = {"a", "b"};
    static const char *const di_re[] = {"di", "re"}, *const in[] = {"in"}, *const va[] = {"va"};
    static const char *const in_va[] = {"in", "va"}, *const in_se[] = {"in", "se"};
    struct {
        const char *name;
        size_t rows;
        const char *const *i;
        size_t ni;
        const char *const *o;
        size_t no;
        bool stateful;
    } want[] = {
        {"sin", 1, e, 1, e, 1, false},          {"accum", 2, in_re, 2, su, 1, true},
        {"phase", 2, fr_re, 2, ph, 1, true},    {"/%", 2, ab, 2, di_re, 2, false},
        {"atomr", 1, in, 1, va, 1, false},      {"atomr~", 1, in, 1, va, 1, false},
        {"atomw", 2, in_va, 2, va, 1, false},   {"s&h", 2, in_se, 2, va, 1, true},
        {"s&h~", 2, in_se, 2, va, 1, true},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const sj_block_type *t = sj_blocklang_find(sjt_blocks_lang, want[i].name);
        assert_non_null(t);
        assert_int_equal(t->rows, want[i].rows);
        assert_ports(t->inputs, t->ninputs, want[i].i, want[i].ni);
        assert_ports(t->outputs, t->noutputs, want[i].o, want[i].no);
        assert_string_equal(t->category, want[i].stateful ? "nodes" : "functions");
        assert_int_equal(t->color, want[i].stateful ? 8 : 16);
        const sj_node_type *nt = sj_library_find(sjt_blocks_lib, want[i].name);
        assert_string_equal(t->description, nt->doc ? nt->doc : "undocumented");
        assert_int_equal(t->area_count, 0);
        assert_int_equal(t->user_input, SJ_BLOCK_INPUT_NONE);
    }
    /* One type per library node, after the 14 built-ins. */
    assert_int_equal(sj_blocklang_type_count(sjt_blocks_lang), 14 + sj_library_count(sjt_blocks_lib));
}

static double dummy_fn(double x)
{
    return x;
}

static void test_label_utf8(void **state)
{
    (void)state;
    /* The reference slices 2 bytes (panicking inside a character); we keep whole characters that
     * fit in 2 bytes, and at least the first one. */
    static const char *const ins[] = {"\xCF\x80x", "\xE2\x82\xAC" "a", "a\xCF\x80", "ab", NULL};
    static const char *const outs[] = {"\xF0\x9F\x8E\xB5z", NULL};
    sj_node_type nt = {"uni", "doc", ins, outs, "vvvvr", 0, NULL, (void (*)(void))dummy_fn};
    sj_library *lib = sj_library_new();
    assert_int_equal(sj_library_add(lib, &nt, NULL), SJ_OK);
    sj_blocklang *lang = sj_blocklang_new(lib);
    const sj_block_type *t = sj_blocklang_find(lang, "uni");
    assert_non_null(t);
    static const char *const wi[] = {"\xCF\x80", "\xE2\x82\xAC", "a", "ab"};
    static const char *const wo[] = {"\xF0\x9F\x8E\xB5"};
    assert_ports(t->inputs, t->ninputs, wi, 4);
    assert_ports(t->outputs, t->noutputs, wo, 1);
    assert_int_equal(t->rows, 4);
    sj_blocklang_free(lang);
    sj_library_release(lib);
}

static void test_identifiers(void **state)
{
    (void)state;
    /* decisions #9: $srate/$israte instead of srate/israte; listed sorted (byte order). */
    const char *want[] = {"$israte", "$srate", "&sig1", "&sig2", "alpha", "beta", "delta", "gamma", "in1", "in2"};
    assert_int_equal(sj_blocklang_identifier_count(sjt_blocks_lang), 10);
    for (size_t i = 0; i < 10; i++)
        assert_string_equal(sj_blocklang_identifier_at(sjt_blocks_lang, i), want[i]);
    assert_true(sj_blocklang_is_identifier(sjt_blocks_lang, "$srate"));
    assert_false(sj_blocklang_is_identifier(sjt_blocks_lang, "srate"));
    /* A language without a library has only the built-ins. */
    sj_blocklang *l = sj_blocklang_new(NULL);
    assert_int_equal(sj_blocklang_type_count(l), 14);
    assert_null(sj_blocklang_find(l, "sin"));
    sj_blocklang_free(l);
}

/* ---------------------------------------------------------------------------------------------- */
/* Model */

static void test_new_program(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    size_t w, h;
    assert_int_equal(sj_blockfun_area_count(f), 1);
    assert_true(sj_blockfun_area_size(f, 0, &w, &h));
    assert_int_equal(w, 16);
    assert_int_equal(h, 16);
    assert_false(sj_blockfun_area_auto_shrink(f, 0));
    assert_string_equal(sj_blockfun_area_header(f, 0), "");
    assert_true(sj_blockfun_is_unset(f));
    assert_int_equal(sj_blockfun_generation(f), 0);
    /* Unknown areas: size (0,0), no header. */
    assert_false(sj_blockfun_area_size(f, 7, &w, &h));
    assert_int_equal(w, 0);
    assert_null(sj_blockfun_area_header(f, 7));
    sj_blockfun_free(f);
}

static void test_instantiate(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    put(f, 0, 1, 1, "accum", NULL);
    assert_int_equal(sj_blockfun_generation(f), 1);
    assert_false(sj_blockfun_is_unset(f));
    sj_block_info bi;
    /* block_at: only the origin; block_covering / origin_at: any cell. */
    assert_true(sj_blockfun_block_at(f, 0, 1, 1, &bi));
    assert_int_equal(bi.id, 1);
    assert_string_equal(bi.type, "accum");
    assert_string_equal(bi.label, "accum"); /* no user input: the type name */
    assert_int_equal(bi.rows, 2);
    assert_int_equal(bi.color, 8);
    assert_true(bi.expanded);
    assert_false(bi.has_sub[0]);
    assert_false(sj_blockfun_block_at(f, 0, 1, 2, NULL));
    assert_true(sj_blockfun_block_covering(f, 0, 1, 2, &bi));
    assert_int_equal(bi.y, 1);
    int64_t xo, yo;
    assert_true(sj_blockfun_origin_at(f, 0, 1, 2, &xo, &yo));
    assert_int_equal(xo, 1);
    assert_int_equal(yo, 1);
    assert_false(sj_blockfun_origin_at(f, 0, 1, 3, &xo, &yo));

    put(f, 0, 0, 1, "value", "0.5");
    assert_true(sj_blockfun_block_at(f, 0, 0, 1, &bi));
    assert_int_equal(bi.id, 2);
    assert_string_equal(bi.label, "0.5");
    assert_int_equal(sj_blockfun_current_id(f), 2);
    /* Negative coordinates are allowed (the reference has no bounds). */
    put(f, 0, -3, -2, "zero", NULL);

    /* Errors, in the reference's order: unknown area first, then space (for a known type), then
     * the type. A failure bumps nothing. */
    uint64_t g = sj_blockfun_generation(f);
    assert_int_equal(sj_blockfun_instantiate(f, 5, 0, 0, "nope", NULL), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_UNKNOWN_AREA);
    assert_int_equal(err(f)->area, 5);
    assert_int_equal(sj_blockfun_instantiate(f, 0, 1, 0, "accum", NULL), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_NO_SPACE); /* rows 0..1 at x=1: row 1 is taken */
    assert_int_equal(err(f)->area, 0);
    assert_int_equal(err(f)->x, 1);
    assert_int_equal(err(f)->y, 0);
    assert_int_equal(err(f)->rows, 2);
    assert_string_equal(err(f)->message, "no space available in area 0 at (1,0) for 2 rows");
    assert_int_equal(sj_blockfun_instantiate(f, 0, 1, 2, "nope", NULL), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_UNKNOWN_TYPE);
    assert_string_equal(err(f)->name, "nope");
    assert_int_equal(sj_blockfun_instantiate(f, 0, (int64_t)1 << 40, 0, "zero", NULL), SJ_ERR_LIMIT);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_OUT_OF_RANGE);
    assert_int_equal(sj_blockfun_instantiate(f, 0, 9, 9, NULL, NULL), SJ_ERR_NOT_FOUND);
    assert_int_equal(sj_blockfun_generation(f), g);
    assert_int_equal(sj_blockfun_current_id(f), 3);
    /* Success clears the error. */
    put(f, 0, 9, 9, "sin", NULL);
    assert_int_equal(err(f)->kind, SJ_BLOCK_OK);
    sj_blockfun_free(f);
}

static void test_instantiate_if_creates_areas(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    put(f, 0, 2, 3, "if", NULL);
    sj_block_info bi;
    assert_true(sj_blockfun_block_at(f, 0, 2, 3, &bi));
    assert_true(bi.has_sub[0] && bi.has_sub[1]);
    assert_int_equal(bi.sub[0], 1);
    assert_int_equal(bi.sub[1], 2);
    assert_int_equal(sj_blockfun_area_count(f), 3);
    size_t w, h;
    sj_blockfun_area_size(f, 1, &w, &h);
    assert_int_equal(w, 1); /* BlockArea::new(1,1), auto-shrinking */
    assert_int_equal(h, 1);
    assert_true(sj_blockfun_area_auto_shrink(f, 1));
    /* Blocks go into sub-areas like anywhere else. */
    put(f, 1, 0, 0, "value", "1");
    assert_true(sj_blockfun_area_is_subarea_of(f, 1, 0, 2, 3));
    assert_true(sj_blockfun_area_is_subarea_of(f, 2, 0, 2, 3));
    assert_false(sj_blockfun_area_is_subarea_of(f, 0, 0, 2, 3));
    /* Nested: an if inside the then-area; its areas are sub-areas of the outer if too. */
    put(f, 1, 1, 1, "if", NULL);
    assert_true(sj_blockfun_area_is_subarea_of(f, 4, 0, 2, 3));
    sj_blockfun_free(f);
}

static void test_remove(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    put(f, 0, 1, 1, "accum", NULL);
    uint64_t g = sj_blockfun_generation(f);
    assert_int_equal(sj_blockfun_remove(f, 3, 1, 1), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_UNKNOWN_AREA);
    assert_int_equal(sj_blockfun_remove(f, 0, 2, 2), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_NO_BLOCK_AT);
    assert_int_equal(err(f)->x, 2);
    assert_int_equal(err(f)->y, 2);
    assert_int_equal(sj_blockfun_generation(f), g);
    /* Any cell of the block removes it. */
    assert_int_equal(sj_blockfun_remove(f, 0, 1, 2), SJ_OK);
    assert_int_equal(sj_blockfun_generation(f), g + 1);
    assert_int_equal(sj_blockfun_block_count(f, 0), 0);
    /* Sub-areas stay (orphaned): areas are never removed. */
    put(f, 0, 0, 0, "if", NULL);
    assert_int_equal(sj_blockfun_remove(f, 0, 0, 0), SJ_OK);
    assert_int_equal(sj_blockfun_area_count(f), 3);
    sj_blockfun_free(f);
}

static void test_shift_port(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    sj_block_info bi;
    /* "[a,b] shift 0 -> [b,a]" */
    put(f, 0, 1, 1, "-", NULL);
    assert_int_equal(sj_blockfun_shift_port(f, 0, 1, 2, 0, false), SJ_OK); /* found by its 2nd cell */
    sj_blockfun_block_at(f, 0, 1, 1, &bi);
    static const char *const ba[] = {"b", "a"};
    assert_ports(bi.inputs, bi.ninputs, ba, 2);
    /* "[o] on 2 rows shift 0 -> [None, o]" (the output vector is padded to rows first) */
    assert_int_equal(sj_blockfun_shift_port(f, 0, 1, 1, 0, true), SJ_OK);
    sj_blockfun_block_at(f, 0, 1, 1, &bi);
    static const char *const no[] = {NULL, ""};
    assert_ports(bi.outputs, bi.noutputs, no, 2);
    /* shifting the last row wraps to row 0 */
    assert_int_equal(sj_blockfun_shift_port(f, 0, 1, 1, 1, true), SJ_OK);
    sj_blockfun_block_at(f, 0, 1, 1, &bi);
    static const char *const on[] = {"", NULL};
    assert_ports(bi.outputs, bi.noutputs, on, 2);
    /* 3 rows: [x,y,z] shift 1 -> [x,z,y] */
    put(f, 0, 5, 0, "->3", NULL);
    sj_blockfun_set_label(f, 0, 5, 0, "fan");
    uint64_t g = sj_blockfun_generation(f);
    /* row >= rows: the reference panics; we report it and change nothing. */
    assert_int_equal(sj_blockfun_shift_port(f, 0, 5, 0, 3, true), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_BAD_ROW);
    assert_int_equal(err(f)->rows, 3);
    assert_int_equal(sj_blockfun_generation(f), g);
    /* a one-row block: no-op, but the generation moves (the block was found) */
    put(f, 0, 7, 0, "sin", NULL);
    g = sj_blockfun_generation(f);
    assert_int_equal(sj_blockfun_shift_port(f, 0, 7, 0, 0, false), SJ_OK);
    assert_int_equal(sj_blockfun_shift_port(f, 0, 7, 0, 9, false), SJ_OK);
    assert_int_equal(sj_blockfun_generation(f), g + 2);
    sj_blockfun_block_at(f, 0, 7, 0, &bi);
    assert_int_equal(bi.ninputs, 1);
    /* no block / no area */
    assert_int_equal(sj_blockfun_shift_port(f, 0, 9, 9, 0, false), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_NO_BLOCK_AT);
    assert_int_equal(sj_blockfun_shift_port(f, 4, 9, 9, 0, false), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_UNKNOWN_AREA);
    sj_blockfun_free(f);
}

static void test_move_block(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    sj_block_info bi;
    put(f, 0, 1, 1, "accum", NULL); /* id 1, rows 1..2 */
    put(f, 0, 3, 3, "value", "2");  /* id 2 */
    /* Grabbed at its second row (1,2) and dropped at (5,6): that cell lands at (5,6), so the
     * block's top goes to (5,5). The id stays. */
    assert_int_equal(sj_blockfun_move_block(f, 0, 1, 2, 0, 5, 6), SJ_OK);
    assert_false(sj_blockfun_block_at(f, 0, 1, 1, NULL));
    assert_true(sj_blockfun_block_at(f, 0, 5, 5, &bi));
    assert_int_equal(bi.id, 1);
    /* grab offset clamps at 0: grabbed at row 1, dropped at y 0 -> top at 0 */
    assert_int_equal(sj_blockfun_move_block(f, 0, 5, 6, 0, 8, 0), SJ_OK);
    assert_true(sj_blockfun_block_at(f, 0, 8, 0, &bi));
    /* No space: the block goes back, the error names the destination, the generation moved. */
    uint64_t g = sj_blockfun_generation(f);
    assert_int_equal(sj_blockfun_move_block(f, 0, 8, 0, 0, 3, 2), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_NO_SPACE);
    assert_int_equal(err(f)->area, 0);
    assert_int_equal(err(f)->x, 3);
    assert_int_equal(err(f)->y, 2);
    assert_int_equal(err(f)->rows, 2);
    assert_int_equal(sj_blockfun_generation(f), g + 1);
    assert_true(sj_blockfun_block_at(f, 0, 8, 0, &bi));
    assert_int_equal(bi.id, 1);
    /* Moving onto its own old cells works (it is lifted first). */
    assert_int_equal(sj_blockfun_move_block(f, 0, 8, 0, 0, 8, 1), SJ_OK);
    assert_true(sj_blockfun_block_at(f, 0, 8, 1, NULL));
    /* Into a sub-area and out again. */
    put(f, 0, 0, 8, "if", NULL); /* areas 1, 2 */
    assert_int_equal(sj_blockfun_move_block(f, 0, 3, 3, 1, 0, 0), SJ_OK);
    assert_true(sj_blockfun_block_at(f, 1, 0, 0, &bi));
    assert_int_equal(bi.id, 2);
    /* Circular: the if into its own then-area (or deeper). */
    put(f, 1, 2, 0, "if", NULL); /* areas 3, 4 */
    g = sj_blockfun_generation(f);
    assert_int_equal(sj_blockfun_move_block(f, 0, 0, 8, 1, 4, 4), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_CIRCULAR);
    assert_int_equal(err(f)->area, 0);
    assert_int_equal(err(f)->area2, 1);
    assert_int_equal(sj_blockfun_move_block(f, 0, 0, 8, 4, 0, 0), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_CIRCULAR);
    assert_int_equal(sj_blockfun_generation(f), g);
    /* Errors: unknown source area, no block, unknown destination (nothing moves). */
    assert_int_equal(sj_blockfun_move_block(f, 9, 0, 0, 0, 1, 1), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_UNKNOWN_AREA);
    assert_int_equal(sj_blockfun_move_block(f, 0, 12, 12, 0, 1, 1), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_NO_BLOCK_AT);
    assert_int_equal(sj_blockfun_move_block(f, 0, 8, 1, 9, 1, 1), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_UNKNOWN_AREA);
    assert_int_equal(err(f)->area, 9);
    assert_true(sj_blockfun_block_at(f, 0, 8, 1, NULL));
    sj_blockfun_free(f);
}

static void test_clone_block(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    sj_block_info bi;
    put(f, 0, 1, 1, "-", NULL);                          /* id 1 */
    sj_blockfun_shift_port(f, 0, 1, 1, 0, false);        /* inputs [b, a] */
    assert_int_equal(sj_blockfun_clone_block(f, 0, 1, 2, 0, 4, 5), SJ_OK); /* grabbed at row 1 */
    assert_true(sj_blockfun_block_at(f, 0, 4, 4, &bi));
    assert_int_equal(bi.id, 2); /* a new id */
    static const char *const ba[] = {"b", "a"};
    assert_ports(bi.inputs, bi.ninputs, ba, 2); /* the ports are copied as they are */
    assert_true(sj_blockfun_block_at(f, 0, 1, 1, &bi));
    assert_int_equal(bi.id, 1); /* the original stays */
    /* A block with sub-areas gets new, empty sub-areas (contents are not cloned). */
    put(f, 0, 8, 0, "if", NULL); /* id 3, areas 1, 2 */
    put(f, 1, 0, 0, "value", "5");
    assert_int_equal(sj_blockfun_clone_block(f, 0, 8, 0, 0, 10, 0), SJ_OK);
    assert_true(sj_blockfun_block_at(f, 0, 10, 0, &bi));
    assert_int_equal(bi.id, 5);
    assert_int_equal(bi.sub[0], 3);
    assert_int_equal(bi.sub[1], 4);
    assert_int_equal(sj_blockfun_block_count(f, 3), 0);
    /* No space: no id is used up, no area is created (the reference leaks both). */
    uint64_t g = sj_blockfun_generation(f);
    size_t na = sj_blockfun_area_count(f);
    assert_int_equal(sj_blockfun_clone_block(f, 0, 8, 0, 0, 1, 2), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_NO_SPACE);
    assert_int_equal(err(f)->rows, 1);
    assert_int_equal(sj_blockfun_current_id(f), 5);
    assert_int_equal(sj_blockfun_area_count(f), na);
    assert_int_equal(sj_blockfun_generation(f), g);
    assert_int_equal(sj_blockfun_clone_block(f, 0, 7, 7, 0, 1, 2), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_NO_BLOCK_AT);
    assert_int_equal(sj_blockfun_clone_block(f, 0, 8, 0, 42, 1, 2), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_UNKNOWN_AREA);
    assert_int_equal(err(f)->area, 42);
    /* Cloning into its own sub-area is fine (the clone has new areas). */
    assert_int_equal(sj_blockfun_clone_block(f, 0, 8, 0, 1, 3, 3), SJ_OK);
    sj_blockfun_free(f);
}

/* value(0,0) -> +(1,0) rows 2 <- value(0,1); + out row 0 -> set(2,0). And a lone block. */
static sj_blockfun *chain_fixture(void)
{
    sj_blockfun *f = sjt_blocks_newfun();
    put(f, 0, 0, 0, "value", "1"); /* 1 */
    put(f, 0, 0, 1, "value", "2"); /* 2 */
    put(f, 0, 1, 0, "+", NULL);    /* 3 */
    put(f, 0, 2, 0, "set", "x");   /* 4 */
    put(f, 0, 5, 5, "get", "y");   /* 5: not connected */
    return f;
}

static void test_retrieve_chain(void **state)
{
    (void)state;
    sj_blockfun *f = chain_fixture();
    sj_block_chain *c;
    /* Clone: new ids, sorted by x then y, sources (no inputs) and sinks (no outputs). */
    assert_int_equal(sj_blockfun_retrieve_chain(f, 0, 2, 0, false, &c), SJ_OK);
    assert_int_equal(sj_block_chain_count(c), 4);
    sj_block_info bi;
    bool src, snk;
    int64_t want[4][2] = {{0, 0}, {0, 1}, {1, 0}, {2, 0}};
    for (size_t i = 0; i < 4; i++) {
        assert_true(sj_block_chain_at(c, i, &bi, &src, &snk));
        assert_int_equal(bi.x, want[i][0]);
        assert_int_equal(bi.y, want[i][1]);
        assert_int_equal(bi.id, 6 + i);
        assert_int_equal(src, i < 2);
        assert_int_equal(snk, i == 3);
    }
    assert_false(sj_block_chain_at(c, 4, &bi, NULL, NULL));
    sj_block_chain_free(c);
    assert_int_equal(sj_blockfun_block_count(f, 0), 5);
    /* Remove: the chain leaves the area, the lone block stays. The reference's
     * retrieve_block_chain_at does not bump the generation (§5.3). */
    uint64_t g = sj_blockfun_generation(f);
    assert_int_equal(sj_blockfun_retrieve_chain(f, 0, 0, 1, true, &c), SJ_OK);
    assert_int_equal(sj_blockfun_generation(f), g);
    assert_int_equal(sj_block_chain_count(c), 4);
    assert_true(sj_block_chain_at(c, 2, &bi, NULL, NULL));
    assert_int_equal(bi.id, 3);
    sj_block_chain_free(c);
    assert_int_equal(sj_blockfun_block_count(f, 0), 1);
    assert_int_equal(sj_blockfun_retrieve_chain(f, 0, 0, 0, true, &c), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_NO_BLOCK_AT);
    assert_null(c);
    assert_int_equal(sj_blockfun_retrieve_chain(f, 3, 0, 0, true, &c), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_UNKNOWN_AREA);
    sj_blockfun_free(f);
}

static void test_move_chain_same_area(void **state)
{
    (void)state;
    sj_blockfun *f = chain_fixture();
    sj_block_info bi;
    /* Grab the chain at the set (2,0), drop at (4,3): offset (+2,+3). */
    assert_int_equal(sj_blockfun_move_chain(f, 0, 2, 0, 0, 4, 3), SJ_OK);
    assert_true(sj_blockfun_block_at(f, 0, 2, 3, &bi));
    assert_int_equal(bi.id, 1);
    assert_true(sj_blockfun_block_at(f, 0, 3, 3, &bi));
    assert_int_equal(bi.id, 3);
    assert_true(sj_blockfun_block_at(f, 0, 4, 3, &bi));
    assert_int_equal(bi.id, 4);
    /* The exact place is taken by the lone get at (5,5): moving the chain so that the set lands
     * on (5,5) fails at offset (0,0); the next offset of the list, (0,-1), fits. */
    assert_int_equal(sj_blockfun_move_chain(f, 0, 4, 3, 0, 5, 5), SJ_OK);
    assert_true(sj_blockfun_block_at(f, 0, 5, 4, &bi));
    assert_int_equal(bi.id, 4);
    assert_true(sj_blockfun_block_at(f, 0, 3, 4, &bi));
    assert_int_equal(bi.id, 1);
    /* The order of the offsets: with (0,0) .. (0,-3) taken, (-1,0) comes next. */
    sj_blockfun *o = sjt_blocks_newfun();
    put(o, 0, 0, 0, "sin", NULL); /* a chain of one block */
    for (int64_t y = 2; y <= 5; y++)
        put(o, 0, 5, y, "get", "v"); /* not connected to each other: outputs face right */
    assert_int_equal(sj_blockfun_move_chain(o, 0, 0, 0, 0, 5, 5), SJ_OK);
    assert_true(sj_blockfun_block_at(o, 0, 4, 5, &bi));
    assert_string_equal(bi.type, "sin");
    sj_blockfun_free(o);
    /* Nothing fits: a wall of blocks around the target. */
    sj_blockfun *g = sjt_blocks_newfun();
    put(g, 0, 0, 0, "value", "1");
    put(g, 0, 1, 0, "sin", NULL);
    for (int64_t x = 8; x <= 12; x++)
        for (int64_t y = 4; y <= 14; y++)
            put(g, 0, x, y, "zero", NULL);
    uint64_t gen = sj_blockfun_generation(g);
    assert_int_equal(sj_blockfun_move_chain(g, 0, 0, 0, 0, 10, 9), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(err(g)->kind, SJ_BLOCK_ERR_NO_SPACE);
    assert_int_equal(err(g)->x, 10);
    assert_int_equal(err(g)->y, 9);
    assert_int_equal(err(g)->rows, 0);
    assert_int_equal(sj_blockfun_generation(g), gen + 1); /* the reference bumps on the removal */
    assert_true(sj_blockfun_block_at(g, 0, 0, 0, NULL));   /* put back */
    assert_true(sj_blockfun_block_at(g, 0, 1, 0, NULL));
    sj_blockfun_free(g);
    assert_int_equal(sj_blockfun_move_chain(f, 0, 9, 9, 0, 1, 1), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_NO_BLOCK_AT);
    sj_blockfun_free(f);
}

static void test_move_chain_other_area(void **state)
{
    (void)state;
    sj_blockfun *f = chain_fixture();
    sj_block_info bi;
    put(f, 0, 8, 8, "if", NULL); /* id 6, areas 1 and 2 */
    /* Grabbed at (1,0) (the +; chain top-left is (0,0), so the grab offset is (-1,0)), dropped at
     * (3,2) of area 1: the chain goes to (max(0, 0-1+3), max(0, 0-0+2)) = (2,2). */
    assert_int_equal(sj_blockfun_move_chain(f, 0, 1, 0, 1, 3, 2), SJ_OK);
    assert_int_equal(sj_blockfun_block_count(f, 1), 4);
    assert_true(sj_blockfun_block_at(f, 1, 2, 2, &bi));
    assert_int_equal(bi.id, 1);
    assert_true(sj_blockfun_block_at(f, 1, 3, 2, &bi));
    assert_int_equal(bi.id, 3);
    assert_int_equal(sj_blockfun_block_count(f, 0), 2);
    /* Dropped near the top-left corner: clamped at 0. */
    assert_int_equal(sj_blockfun_move_chain(f, 1, 4, 2, 2, 0, 0), SJ_OK);
    assert_true(sj_blockfun_block_at(f, 2, 0, 0, &bi));
    assert_int_equal(bi.id, 1);
    /* Circular: a chain holding the if cannot go into the if's areas. */
    put(f, 0, 7, 8, "value", "1"); /* feeds the if: same chain */
    assert_int_equal(sj_blockfun_move_chain(f, 0, 7, 8, 2, 5, 5), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_CIRCULAR);
    assert_int_equal(err(f)->area, 0);
    assert_int_equal(err(f)->area2, 2);
    assert_true(sj_blockfun_block_at(f, 0, 8, 8, NULL)); /* restored */
    assert_true(sj_blockfun_block_at(f, 0, 7, 8, NULL));
    /* No space in the other area: fill area 1 wherever the fit offsets (x -1..1, y -3..3) could
     * put the chain (it spans 3 columns and 2 rows). */
    for (int64_t x = -1; x <= 3; x++)
        for (int64_t y = -3; y <= 4; y++)
            put(f, 1, x, y, "zero", NULL);
    assert_int_equal(sj_blockfun_move_chain(f, 2, 0, 0, 1, 0, 0), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_NO_SPACE);
    assert_int_equal(err(f)->area, 2); /* the reference reports the source area and rows 1 */
    assert_int_equal(err(f)->rows, 1);
    assert_int_equal(sj_blockfun_block_count(f, 2), 4);
    assert_int_equal(sj_blockfun_move_chain(f, 2, 0, 0, 77, 0, 0), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_UNKNOWN_AREA);
    assert_int_equal(err(f)->area, 77);
    sj_blockfun_free(f);
}

static void test_split_chain(void **state)
{
    (void)state;
    sj_block_info bi;
    /* ->2 at (0,0) feeds both inputs of + at (1,0); + feeds set (2,0). Split after column 0,
     * clicked at row 0: blocks right of column 0 move one column right; the clicked row gets a gap;
     * row 1 keeps its connection through a filler "->" at (1,1). */
    sj_blockfun *f = sjt_blocks_newfun();
    put(f, 0, 0, 0, "->2", NULL); /* 1 */
    put(f, 0, 1, 0, "+", NULL);   /* 2 */
    put(f, 0, 2, 0, "set", "x");  /* 3 */
    uint64_t g = sj_blockfun_generation(f);
    assert_int_equal(sj_blockfun_split_chain(f, 0, 0, 0, "->"), SJ_OK);
    assert_int_equal(sj_blockfun_generation(f), g + 1);
    assert_true(sj_blockfun_block_at(f, 0, 0, 0, &bi));
    assert_int_equal(bi.id, 1);
    assert_true(sj_blockfun_block_at(f, 0, 2, 0, &bi));
    assert_int_equal(bi.id, 2);
    assert_true(sj_blockfun_block_at(f, 0, 3, 0, &bi));
    assert_int_equal(bi.id, 3);
    assert_true(sj_blockfun_block_at(f, 0, 1, 1, &bi));
    assert_string_equal(bi.type, "->");
    assert_int_equal(bi.id, 4);
    assert_false(sj_blockfun_block_at(f, 0, 1, 0, NULL)); /* the gap */
    /* Without a filler: only the shift. */
    sj_blockfun *h = sjt_blocks_newfun();
    put(h, 0, 0, 0, "->2", NULL);
    put(h, 0, 1, 0, "+", NULL);
    assert_int_equal(sj_blockfun_split_chain(h, 0, 0, 1, NULL), SJ_OK);
    assert_true(sj_blockfun_block_at(h, 0, 2, 0, NULL));
    assert_int_equal(sj_blockfun_block_count(h, 0), 2);
    sj_blockfun_free(h);
    /* Errors: no block, unknown filler (after the block is found), no space, unknown area. */
    assert_int_equal(sj_blockfun_split_chain(f, 0, 9, 9, "->"), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_NO_BLOCK_AT);
    assert_int_equal(sj_blockfun_split_chain(f, 0, 0, 0, "nope"), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_UNKNOWN_TYPE);
    assert_string_equal(err(f)->name, "nope");
    assert_int_equal(sj_blockfun_split_chain(f, 8, 0, 0, "->"), SJ_ERR_NOT_FOUND);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_UNKNOWN_AREA);
    put(f, 0, 4, 0, "get", "z"); /* not connected to set: blocks the shift of the set */
    g = sj_blockfun_generation(f);
    size_t id = sj_blockfun_current_id(f);
    assert_int_equal(sj_blockfun_split_chain(f, 0, 2, 0, "->"), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(err(f)->kind, SJ_BLOCK_ERR_NO_SPACE);
    assert_int_equal(err(f)->x, 2);
    assert_int_equal(err(f)->rows, 0);
    assert_int_equal(sj_blockfun_generation(f), g);
    assert_int_equal(sj_blockfun_current_id(f), id);
    assert_true(sj_blockfun_block_at(f, 0, 3, 0, &bi)); /* unchanged */
    assert_int_equal(bi.id, 3);
    sj_blockfun_free(f);
}

static void test_area_sizes(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    size_t w, h;
    /* An if at (14,14) whose then-area holds value+set on one row (2x1) and an empty else (1x1).
     * resolve_size: w >= x + w0 + 1 = 14 + 2 + 1 = 17; h >= y + (h0 + 1) + 1 = 14 + 2 + 1 = 17 and
     * for the else h >= y + (h1 + h0 + 2) + 1 = 14 + 4 + 1 = 19. The root only grows. */
    put(f, 0, 14, 14, "if", NULL);
    put(f, 1, 0, 0, "value", "1");
    put(f, 1, 1, 0, "set", "x");
    assert_int_equal(sj_blockfun_recalculate_area_sizes(f), SJ_OK);
    sj_blockfun_area_size(f, 1, &w, &h);
    assert_int_equal(w, 2);
    assert_int_equal(h, 1);
    sj_blockfun_area_size(f, 2, &w, &h);
    assert_int_equal(w, 1);
    assert_int_equal(h, 1);
    sj_blockfun_area_size(f, 0, &w, &h);
    assert_int_equal(w, 17);
    assert_int_equal(h, 19);
    /* Sub-areas shrink when blocks go; the root keeps its size. */
    sj_blockfun_remove(f, 1, 1, 0);
    sj_blockfun_remove(f, 1, 0, 0);
    sj_blockfun_recalculate_area_sizes(f);
    sj_blockfun_area_size(f, 1, &w, &h);
    assert_int_equal(w, 1);
    assert_int_equal(h, 1);
    sj_blockfun_area_size(f, 0, &w, &h);
    assert_int_equal(w, 17);
    assert_int_equal(h, 19);
    /* Nested: an if in the then-area of the if; a 2-row block at (0,3) of the inner then-area.
     * inner then (area 3): w 1, h 5 (rows 3..4); inner if at (0,0) of area 1:
     * area 1: w >= 0+1+1 = 2, h >= 0 + (5+1) + 1 = 7, then else (area 4, 1x1):
     * h >= 0 + (1 + 5 + 2) + 1 = 9. */
    put(f, 1, 0, 0, "if", NULL); /* areas 3, 4 */
    put(f, 3, 0, 3, "+", NULL);
    sj_blockfun_recalculate_area_sizes(f);
    sj_blockfun_area_size(f, 3, &w, &h);
    assert_int_equal(w, 1);
    assert_int_equal(h, 5);
    sj_blockfun_area_size(f, 1, &w, &h);
    assert_int_equal(w, 2);
    assert_int_equal(h, 9);
    /* Negative coordinates count as 0. */
    put(f, 2, -4, -4, "zero", NULL);
    sj_blockfun_recalculate_area_sizes(f);
    sj_blockfun_area_size(f, 2, &w, &h);
    assert_int_equal(w, 1);
    assert_int_equal(h, 1);
    sj_blockfun_free(f);
}

static void test_block_queries(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    put(f, 0, 3, 2, "sin", NULL);
    put(f, 0, 1, 2, "sin", NULL);
    put(f, 0, 5, 0, "sin", NULL);
    /* Stable order: by y, then x. */
    sj_block_info bi;
    int64_t want[3][2] = {{5, 0}, {1, 2}, {3, 2}};
    assert_int_equal(sj_blockfun_block_count(f, 0), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_true(sj_blockfun_block_index(f, 0, i, &bi));
        assert_int_equal(bi.x, want[i][0]);
        assert_int_equal(bi.y, want[i][1]);
        assert_int_equal(bi.area, 0);
    }
    assert_false(sj_blockfun_block_index(f, 0, 3, &bi));
    assert_true(sj_blockfun_find_block(f, 2, &bi));
    assert_int_equal(bi.x, 1);
    assert_false(sj_blockfun_find_block(f, 99, &bi));
    assert_int_equal(sj_blockfun_set_label(f, 0, 1, 2, "hello"), SJ_OK);
    sj_blockfun_find_block(f, 2, &bi);
    assert_string_equal(bi.label, "hello");
    assert_int_equal(sj_blockfun_set_label(f, 0, 0, 0, "x"), SJ_ERR_NOT_FOUND);
    sj_blockfun_free(f);
}

static void test_null_arguments(void **state)
{
    (void)state;
    /* Nothing crashes on NULL handles. */
    assert_int_equal(sj_blockfun_instantiate(NULL, 0, 0, 0, "sin", NULL), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(sj_blockfun_remove(NULL, 0, 0, 0), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(sj_blockfun_move_chain(NULL, 0, 0, 0, 0, 0, 0), SJ_ERR_INVALID_ARGUMENT);
    assert_null(sj_blockfun_save_json(NULL));
    assert_int_equal(sj_blockfun_generation(NULL), 0);
    assert_int_equal(sj_blocklang_type_count(NULL), 0);
    sj_blockfun_free(NULL);
    sj_blocklang_free(NULL);
    sj_block_chain_free(NULL);
    sj_blockfun *f = sjt_blocks_newfun();
    assert_int_equal(sj_blockfun_retrieve_chain(f, 0, 0, 0, false, NULL), SJ_ERR_INVALID_ARGUMENT);
    sj_blockfun_free(f);
}


static void test_ascii_drawing(void **state)
{
    (void)state;
    /* The layout of docs/blocks.md: 17 characters a cell (input side 3, box 11, output side 3). */
    sj_blockfun *f = sjt_blocks_newfun();
    put(f, 0, 0, 1, "value", "0.3");
    put(f, 0, 0, 2, "value", "-0.4");
    put(f, 0, 1, 1, "/%", NULL);
    put(f, 0, 2, 2, "set", "&sig1");
    char *s = sj_blockfun_ascii(f);
    assert_string_equal(s, "area 0 (root, 16x16)\n"
                           "             0                1                2\n"
                           "   0         .                .                .\n"
                           "   1    [0.3      ]----a>[/%       ]di>        .\n"
                           "   2    [-0.4     ]----b>|         |re--->[set &sig1]\n");
    sj_free(s);
    sj_blockfun_free(f);
    /* Sub-areas follow with a title; control characters in labels are shown as '?'. */
    f = sjt_blocks_newfun();
    put(f, 0, 0, 0, "get", "in1");
    put(f, 0, 1, 0, "if", NULL);
    put(f, 1, 0, 0, "value", "1\n2");
    s = sj_blockfun_ascii(f);
    assert_string_equal(s, "area 0 (root, 16x16)\n"
                           "             0                1\n"
                           "   0    [get in1  ]----->[if [1|2] ]>\n"
                           "\n"
                           "area 1 (then of block 2 'if' in area 0 at (1,0), 1x1)\n"
                           "             0\n"
                           "   0    [1?2      ]>\n"
                           "\n"
                           "area 2 (else of block 2 'if' in area 0 at (1,0), 1x1)\n"
                           "  (empty)\n");
    sj_free(s);
    sj_blockfun_free(f);
}

static void test_define_types(void **state)
{
    (void)state;
    sj_blocklang *l = sj_blocklang_new(NULL);
    static const char *const in[] = {"x", NULL, "z"};
    sj_block_type t = {"custom", "mine", "a test type", 3, in, 3, NULL, 0, 1, SJ_BLOCK_INPUT_INTEGER, 7};
    assert_int_equal(sj_blocklang_define(l, &t), SJ_OK);
    const sj_block_type *g = sj_blocklang_find(l, "mine");
    assert_non_null(g);
    assert_ptr_not_equal(g->inputs, in); /* copied */
    assert_ports(g->inputs, g->ninputs, in, 3);
    /* Same name: replaced, same place. */
    t.rows = 4;
    assert_int_equal(sj_blocklang_define(l, &t), SJ_OK);
    assert_int_equal(sj_blocklang_find(l, "mine")->rows, 4);
    assert_int_equal(sj_blocklang_type_count(l), 15);
    /* Bounds and bad arguments. */
    t.rows = 100000;
    assert_int_equal(sj_blocklang_define(l, &t), SJ_ERR_LIMIT);
    t.rows = 1;
    t.name = NULL;
    assert_int_equal(sj_blocklang_define(l, &t), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(sj_blocklang_define_identifier(l, "zz"), SJ_OK);
    assert_int_equal(sj_blocklang_define_identifier(l, "zz"), SJ_OK); /* once */
    assert_int_equal(sj_blocklang_identifier_count(l), 11);
    /* A block of the custom type with one sub-area. */
    sj_blockfun *f = sj_blockfun_new(l);
    assert_int_equal(sj_blockfun_instantiate(f, 0, 0, 0, "mine", NULL), SJ_OK);
    sj_block_info bi;
    assert_true(sj_blockfun_block_at(f, 0, 0, 0, &bi));
    assert_true(bi.has_sub[0]);
    assert_false(bi.has_sub[1]);
    assert_int_equal(bi.color, 7);
    sj_blockfun_free(f);
    sj_blocklang_free(l);
}

/* A block of 0 rows (a file without "rows") owns no cell, but its origin is still taken: nothing
 * else may be placed there, so the program still saves and loads (found by the JSON fuzzer). */
static void test_zero_row_block_keeps_origin(void **state)
{
    (void)state;
    static const char file[] =
        "{\"VERSION\":1,\"areas\":[{\"auto_shrink\":false,\"blocks\":[{\"block\":{\"id\":1,\"lbl\":\"+\","
        "\"typ\":\"+\"},\"x\":0,\"y\":0}],\"header\":\"\",\"size\":[16,16]}],\"current_block_id_counter\":1}";
    sj_blockfun *f = sjt_blocks_newfun();
    assert_int_equal(sj_blockfun_load_json(f, file, sizeof file - 1, NULL), SJ_OK);
    assert_int_not_equal(sj_blockfun_instantiate(f, 0, 0, 0, "value", "1"), SJ_OK);
    assert_int_equal(sj_blockfun_last_error(f)->kind, SJ_BLOCK_ERR_NO_SPACE);
    assert_int_equal(sj_blockfun_instantiate(f, 0, 0, 1, "value", "1"), SJ_OK); /* the cell below is free */
    char *s = sj_blockfun_save_json(f);
    sj_blockfun *g = sjt_blocks_newfun();
    assert_int_equal(sj_blockfun_load_json(g, s, strlen(s), NULL), SJ_OK);
    sj_free(s);
    sj_blockfun_free(g);
    sj_blockfun_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_row_block_keeps_origin),
        cmocka_unit_test(test_builtin_types),
        cmocka_unit_test(test_node_types),
        cmocka_unit_test(test_label_utf8),
        cmocka_unit_test(test_identifiers),
        cmocka_unit_test(test_new_program),
        cmocka_unit_test(test_instantiate),
        cmocka_unit_test(test_instantiate_if_creates_areas),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_shift_port),
        cmocka_unit_test(test_move_block),
        cmocka_unit_test(test_clone_block),
        cmocka_unit_test(test_retrieve_chain),
        cmocka_unit_test(test_move_chain_same_area),
        cmocka_unit_test(test_move_chain_other_area),
        cmocka_unit_test(test_split_chain),
        cmocka_unit_test(test_area_sizes),
        cmocka_unit_test(test_block_queries),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_ascii_drawing),
        cmocka_unit_test(test_define_types),
    };
    return cmocka_run_group_tests(tests, sjt_blocks_setup, sjt_blocks_teardown);
}

/* Block files (reference §5.4): the exact strings of the reference's two serialization tests
 * (HexoDSP src/wblockdsp/language.rs, check_blockfun_serialize_empty / _1), round trips,
 * escaping, defaults, and every class of load error with its position. */
#include "sjtest.h"

#include <string.h>

#include "blocks/blocks.h"


/* The reference's pinned strings. */
static const char *const EMPTY = "{\"VERSION\":1,\"areas\":[{\"auto_shrink\":false,\"blocks\":[],\"header\":\"\","
                                 "\"size\":[16,16]}],\"current_block_id_counter\":0}";
static const char *const ONE_PLUS =
    "{\"VERSION\":1,\"areas\":[{\"auto_shrink\":false,\"blocks\":[{\"block\":{\"color\":4,\"contains\":[null,null],"
    "\"expanded\":true,\"id\":1,\"inputs\":[\"\",\"\"],\"lbl\":\"+\",\"outputs\":[\"\"],\"rows\":2,\"typ\":\"+\"},"
    "\"x\":0,\"y\":0}],\"header\":\"\",\"size\":[16,16]}],\"current_block_id_counter\":1}";


static void load_ok(sj_blockfun *f, const char *json)
{
    sj_diag d;
    sj_status st = sj_blockfun_load_json(f, json, strlen(json), &d);
    if (st)
        fail_msg("load failed: %s", d.message);
}

static void test_empty_exact(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    char *s = sj_blockfun_save_json(f);
    assert_string_equal(s, EMPTY);
    sj_blockfun *g = sjt_blocks_newfun();
    load_ok(g, s);
    assert_int_equal(sj_blockfun_generation(g), 1); /* load_snapshot bumps the generation */
    char *s2 = sj_blockfun_save_json(g);
    assert_string_equal(s2, EMPTY);
    sj_free(s);
    sj_free(s2);
    sj_blockfun_free(f);
    sj_blockfun_free(g);
}

static void test_one_plus_exact(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    assert_int_equal(sj_blockfun_instantiate(f, 0, 0, 0, "+", NULL), SJ_OK);
    char *s = sj_blockfun_save_json(f);
    assert_string_equal(s, ONE_PLUS);
    sj_blockfun *g = sjt_blocks_newfun();
    load_ok(g, s);
    sj_block_info bi;
    assert_true(sj_blockfun_block_at(g, 0, 0, 0, &bi)); /* the reference test: has_input(0) */
    assert_non_null(bi.inputs[0]);
    assert_int_equal(sj_blockfun_current_id(g), 1);
    char *s2 = sj_blockfun_save_json(g);
    assert_string_equal(s2, ONE_PLUS);
    sj_free(s);
    sj_free(s2);
    sj_blockfun_free(f);
    sj_blockfun_free(g);
}

static void test_round_trip_rich(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    /* Every feature: sub-areas, shifted ports (null entries), labels that need escaping, negative
     * coordinates, several areas. */
    assert_int_equal(sj_blockfun_instantiate(f, 0, 3, 1, "if", NULL), SJ_OK);
    assert_int_equal(sj_blockfun_instantiate(f, 0, 1, 1, "/%", NULL), SJ_OK);
    assert_int_equal(sj_blockfun_shift_port(f, 0, 1, 1, 0, true), SJ_OK);
    assert_int_equal(sj_blockfun_instantiate(f, 1, 0, 0, "value", "1.5"), SJ_OK);
    assert_int_equal(sj_blockfun_instantiate(f, 2, -1, -2, "set", "a\"b\\c\n\t\x01\x7f\xCF\x80"), SJ_OK);
    assert_int_equal(sj_blockfun_instantiate(f, 0, 0, 0, "\xCF\x80", NULL), SJ_OK);
    sj_blockfun_recalculate_area_sizes(f);
    char *s = sj_blockfun_save_json(f);
    /* serde_json escapes: \" \\ \n \t, other controls as \u00xx (lowercase), DEL and UTF-8 raw. */
    assert_non_null(strstr(s, "\"lbl\":\"a\\\"b\\\\c\\n\\t\\u0001\x7f\xCF\x80\""));
    assert_non_null(strstr(s, "\"outputs\":[\"re\",\"di\"]")); /* [di,re] shifted at row 0 */
    assert_non_null(strstr(s, "\"contains\":[1,2]"));
    assert_non_null(strstr(s, "\"x\":-1,\"y\":-2"));
    sj_blockfun *g = sjt_blocks_newfun();
    load_ok(g, s);
    char *s2 = sj_blockfun_save_json(g);
    assert_string_equal(s2, s);
    sj_free(s);
    sj_free(s2);
    sj_blockfun_free(f);
    sj_blockfun_free(g);
}

static void test_block_order(void **state)
{
    (void)state;
    /* Blocks by y, then x, whatever the insertion order. */
    sj_blockfun *f = sjt_blocks_newfun();
    sj_blockfun_instantiate(f, 0, 5, 3, "sin", NULL);
    sj_blockfun_instantiate(f, 0, 2, 3, "sin", NULL);
    sj_blockfun_instantiate(f, 0, 9, 1, "sin", NULL);
    char *s = sj_blockfun_save_json(f);
    const char *p1 = strstr(s, "\"x\":9,\"y\":1"), *p2 = strstr(s, "\"x\":2,\"y\":3"), *p3 = strstr(s, "\"x\":5,\"y\":3");
    assert_true(p1 && p2 && p3 && p1 < p2 && p2 < p3);
    sj_free(s);
    sj_blockfun_free(f);
}

static void test_defaults(void **state)
{
    (void)state;
    /* Missing keys take the reference's defaults: area size [0,0] (recalculated: the root stays at
     * least 1x1), auto_shrink true, header ""; block rows 0, typ "?", lbl "?", expanded true,
     * color 0; counter 0. A block without an id gets a fresh one. */
    sj_blockfun *f = sjt_blocks_newfun();
    load_ok(f, "{\"areas\":[{\"blocks\":[{\"block\":{\"typ\":\"value\",\"lbl\":\"2\",\"rows\":1,"
               "\"outputs\":[\"\"]},\"x\":1,\"y\":2},{\"block\":{},\"x\":4}]}]}");
    assert_true(sj_blockfun_area_auto_shrink(f, 0));
    size_t w, h;
    sj_blockfun_area_size(f, 0, &w, &h);
    assert_int_equal(w, 2); /* the rows-0 block at x 4 has no cell; the value at (1,2) gives w >= 2, h >= 3 */
    assert_int_equal(h, 3);
    sj_block_info bi;
    /* fresh ids go in area order (y, then x): (4,0) first */
    assert_true(sj_blockfun_block_at(f, 0, 1, 2, &bi));
    assert_int_equal(bi.id, 2);
    assert_true(sj_blockfun_block_at(f, 0, 4, 0, &bi));
    assert_int_equal(bi.id, 1);
    assert_string_equal(bi.type, "?");
    assert_string_equal(bi.label, "?");
    assert_int_equal(bi.rows, 0);
    assert_true(bi.expanded);
    assert_int_equal(bi.color, 0);
    assert_int_equal(sj_blockfun_current_id(f), 2);
    sj_blockfun_free(f);
    /* The counter never goes below the largest id. */
    f = sjt_blocks_newfun();
    load_ok(f, "{\"VERSION\":1,\"areas\":[{\"blocks\":[{\"block\":{\"id\":7,\"typ\":\"sin\"},\"x\":0,\"y\":0}]}],"
               "\"current_block_id_counter\":3}");
    assert_int_equal(sj_blockfun_current_id(f), 7);
    assert_int_equal(sj_blockfun_instantiate(f, 0, 2, 2, "sin", NULL), SJ_OK);
    assert_true(sj_blockfun_block_at(f, 0, 2, 2, &bi));
    assert_int_equal(bi.id, 8);
    sj_blockfun_free(f);
}

/* Loads bad json: the status, the program unchanged, and a message containing want (and the
 * position when line > 0). */
static void load_bad(const char *json, const char *want, int line, int col)
{
    sj_blockfun *f = sjt_blocks_newfun();
    sj_blockfun_instantiate(f, 0, 0, 0, "+", NULL);
    uint64_t g = sj_blockfun_generation(f);
    sj_diag d;
    memset(&d, 0, sizeof d);
    sj_status st = sj_blockfun_load_json(f, json, strlen(json), &d);
    if (st == SJ_OK)
        fail_msg("loaded: %s", json);
    assert_int_equal(st, SJ_ERR_SYNTAX);
    if (!strstr(d.message, want))
        fail_msg("message \"%s\" lacks \"%s\"", d.message, want);
    if (line) {
        assert_int_equal(d.line, line);
        assert_int_equal(d.col, col);
    }
    assert_int_equal(sj_blockfun_generation(f), g);
    char *s = sj_blockfun_save_json(f);
    assert_string_equal(s, ONE_PLUS);
    sj_free(s);
    sj_blockfun_free(f);
}

static void test_load_errors_syntax(void **state)
{
    (void)state;
    load_bad("", "a value was expected", 1, 1);
    load_bad("{\"areas\":[}", "a value was expected", 1, 11);
    load_bad("{\n  \"areas\": [1,]\n}", "a value was expected", 2, 15);
    load_bad("{\"a\" 1}", "':' was expected", 1, 6);
    load_bad("{\"a\":1 \"b\":2}", "',' or '}' was expected", 1, 8);
    load_bad("[1 2]", "',' or ']' was expected", 1, 4);
    load_bad("{\"a\":tru}", "a value was expected", 1, 6);
    load_bad("{\"a\":01}", "leading zero", 1, 6);
    load_bad("{\"a\":1.}", "digits expected after '.'", 1, 8);
    load_bad("{\"a\":1e}", "digits expected in exponent", 1, 8);
    load_bad("{\"a\":1e999}", "number out of range", 1, 6);
    load_bad("{\"a\":\"x\ty\"}", "control character", 1, 8);
    load_bad("{\"a\":\"\\q\"}", "invalid escape", 1, 7);
    load_bad("{\"a\":\"\\u12G4\"}", "invalid hex digit", 1, 11);
    load_bad("{\"a\":\"\\ud800\"}", "lone high surrogate", 1, 7);
    load_bad("{\"a\":\"\\udc00\"}", "lone low surrogate", 1, 7);
    load_bad("{\"a\":\"\\ud800\\u0041\"}", "invalid surrogate pair", 1, 7);
    load_bad("{\"a\":\"\xff\"}", "invalid UTF-8", 1, 7);
    load_bad("{\"a\":\"\xc0\x80\"}", "invalid UTF-8", 1, 7); /* overlong */
    load_bad("{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8", 1, 7); /* encoded surrogate */
    load_bad("{\"a\":\"abc", "unterminated string", 1, 10);
    load_bad("{} x", "trailing characters", 1, 4);
    /* Columns count characters, not bytes. */
    load_bad("{\"\xCF\x80\xCF\x80\":?}", "a value was expected", 1, 7);
    /* Nesting deeper than serde_json's 128. */
    char deep[400];
    memset(deep, '[', 200);
    deep[200] = 0;
    load_bad(deep, "nesting too deep", 1, 129);
}

static void test_load_errors_format(void **state)
{
    (void)state;
    load_bad("[]", "the top level: expected an object", 1, 1);
    load_bad("{\"VERSION\":2,\"areas\":[{}]}", "VERSION: unsupported version", 1, 12);
    load_bad("{\"VERSION\":1}", "missing \"areas\"", 1, 1);
    load_bad("{\"areas\":[]}", "areas: expected a non-empty array", 1, 10);
    load_bad("{\"areas\":{}}", "areas: expected a non-empty array", 1, 10);
    load_bad("{\"areas\":[3]}", "areas[0]: expected an area object", 1, 11);
    load_bad("{\"areas\":[{\"size\":[1,-1]}]}", "areas[0].size: expected a width and a height", 1, 22);
    load_bad("{\"areas\":[{\"auto_shrink\":1}]}", "areas[0].auto_shrink: expected true or false", 1, 26);
    load_bad("{\"areas\":[{\"header\":5}]}", "areas[0].header: expected a string", 1, 21);
    load_bad("{\"areas\":[{\"blocks\":[5]}]}", "areas[0].blocks[0]: expected {\"block\"", 1, 22);
    load_bad("{\"areas\":[{\"blocks\":[{\"x\":0}]}]}", "areas[0].blocks[0]: missing \"block\"", 1, 22);
    load_bad("{\"areas\":[{\"blocks\":[{\"block\":{},\"x\":0.5}]}]}", "areas[0].blocks[0].x: expected an integer",
             1, 38);
    load_bad("{\"areas\":[{\"blocks\":[{\"block\":{\"rows\":300}}]}]}",
             "areas[0].blocks[0].block.rows: expected an integer from 0 to 256", 1, 39);
    load_bad("{\"areas\":[{\"blocks\":[{\"block\":{\"id\":-1}}]}]}", "areas[0].blocks[0].block.id", 1, 37);
    load_bad("{\"areas\":[{\"blocks\":[{\"block\":{\"typ\":\"a\\u0000b\"}}]}]}", "NUL character", 0, 0);
    load_bad("{\"areas\":[{\"blocks\":[{\"block\":{\"inputs\":[\"a\",3]}}]}]}",
             "areas[0].blocks[0].block.inputs: expected a string", 0, 0);
    load_bad("{\"areas\":[{\"blocks\":[{\"block\":{\"contains\":[1,null]}}]}]}",
             "contains: expected null or a sub-area id from 1 to (none)", 0, 0);
    load_bad("{\"areas\":[{\"blocks\":[{\"block\":{\"contains\":[0,null]}}]},{}]}",
             "contains: expected null or a sub-area id from 1 to 1", 0, 0);
    /* Overlaps: same origin, and a 2-row block over another. */
    load_bad("{\"areas\":[{\"blocks\":[{\"block\":{\"rows\":1},\"x\":1,\"y\":1},{\"block\":{\"rows\":1},\"x\":1,\"y\":1}]}]}",
             "areas[0].blocks[1]: the block at (1,1) overlaps the block at (1,1)", 0, 0);
    load_bad("{\"areas\":[{\"blocks\":[{\"block\":{\"rows\":1},\"x\":1,\"y\":2},{\"block\":{\"rows\":2},\"x\":1,\"y\":1}]}]}",
             "the block at (1,1) overlaps the block at (1,2)", 0, 0);
    /* Ids are state uids: no duplicates. */
    load_bad("{\"areas\":[{\"blocks\":[{\"block\":{\"id\":3},\"x\":1},{\"block\":{\"id\":3},\"x\":2}]}]}",
             "two blocks have the id 3", 0, 0);
    /* Sub-areas: shared by two blocks, or containing themselves. */
    load_bad("{\"areas\":[{\"blocks\":[{\"block\":{\"contains\":[1,null]},\"x\":1},{\"block\":{\"contains\":[1,null]},"
             "\"x\":2}]},{}]}",
             "area 1 is the sub-area of two blocks", 0, 0);
    load_bad("{\"areas\":[{},{\"blocks\":[{\"block\":{\"contains\":[2,null]}}]},{\"blocks\":[{\"block\":{\"contains\":[1,"
             "null]}}]}]}",
             "contain themselves", 0, 0);
    load_bad("{\"areas\":[{},{\"blocks\":[{\"block\":{\"contains\":[1,null]}}]}]}", "contain themselves", 0, 0);
}

static void test_load_nulls_and_duplicates(void **state)
{
    (void)state;
    /* null means "missing"; duplicate keys: the last wins (serde_json). */
    sj_blockfun *f = sjt_blocks_newfun();
    load_ok(f, "{\"VERSION\":null,\"areas\":[{\"size\":[3,4],\"size\":[20,30],\"header\":null,\"blocks\":null}],"
               "\"current_block_id_counter\":null}");
    size_t w, h;
    sj_blockfun_area_size(f, 0, &w, &h);
    assert_int_equal(w, 1); /* auto_shrink defaults to true: the empty root shrinks to 1x1 */
    assert_int_equal(h, 1);
    sj_blockfun_free(f);
}

static void test_blocks_h_entry_points(void **state)
{
    (void)state;
    sj_ast *ast = NULL;
    sj_diag d;
    assert_int_equal(sj_blocks_json_to_ast(EMPTY, strlen(EMPTY), sjt_blocks_lib, &ast, &d), SJ_OK);
    assert_non_null(ast);
    sj_ast_free(ast);
    assert_int_equal(sj_blocks_json_to_ast("{", 1, sjt_blocks_lib, &ast, &d), SJ_ERR_SYNTAX);
    assert_null(ast);
    assert_int_equal(sj_blocks_json_to_ast("{", 1, sjt_blocks_lib, &ast, NULL), SJ_ERR_SYNTAX);
    char *s = sj_blocks_json_to_ascii(ONE_PLUS, strlen(ONE_PLUS), sjt_blocks_lib, &d);
    assert_non_null(s);
    assert_non_null(strstr(s, "[+        ]"));
    sj_free(s);
    assert_null(sj_blocks_json_to_ascii("nope", 4, sjt_blocks_lib, &d));
    assert_int_equal(d.code, SJ_ERR_SYNTAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_exact),
        cmocka_unit_test(test_one_plus_exact),
        cmocka_unit_test(test_round_trip_rich),
        cmocka_unit_test(test_block_order),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_load_errors_syntax),
        cmocka_unit_test(test_load_errors_format),
        cmocka_unit_test(test_load_nulls_and_duplicates),
        cmocka_unit_test(test_blocks_h_entry_points),
    };
    return cmocka_run_group_tests(tests, sjt_blocks_setup, sjt_blocks_teardown);
}

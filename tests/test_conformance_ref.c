/* Conformance with the reference (reference-system.md, checked against the reference's code where
 * the spec is silent): details an independent audit found sigjit doing differently, pinned after
 * the fix. Each expected value cites the section it comes from. */
#include "sjtest.h"

#include <math.h>
#include <string.h>

/* §2.4: DSPFunction::new starts aux_vars at [0.0; 3]; only init / set_sample_rate write the rate.
 * So before init $srate and $israte read 0.0 (the nodes' own state still defaults to 44100). */
static void test_aux_before_init(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f = sjt_compile(&t, sj_stmts(3, sj_assign("&sig1", sj_var("$srate")),
                                              sj_assign("&sig2", sj_var("$israte")), sj_var("$reset")));
    double s1 = -1, s2 = -1;
    /* §2.4: resetted is false until init(.., None) or reset, so $reset is 0.0 too. */
    SJT_ASSERT_SAME(sjt_exec(f, 0, 0, &s1, &s2), 0.0);
    SJT_ASSERT_SAME(s1, 0.0);
    SJT_ASSERT_SAME(s2, 0.0);
    /* §2.4 init step 3: aux[0] = srate, aux[1] = 1/srate. */
    sj_function_init(f, 48000.0, NULL);
    SJT_ASSERT_SAME(sjt_exec(f, 0, 0, &s1, &s2), 1.0);
    SJT_ASSERT_SAME(s1, 48000.0);
    SJT_ASSERT_SAME(s2, 1.0 / 48000.0);
    sj_function_free(f);
    /* §2.4 set_sample_rate without init: aux written, then reset ($reset = 1). */
    f = sjt_compile(&t, sj_stmts(2, sj_assign("&sig1", sj_var("$srate")), sj_var("$reset")));
    sj_function_set_sample_rate(f, 22050.0);
    SJT_ASSERT_SAME(sjt_exec(f, 0, 0, &s1, NULL), 1.0);
    SJT_ASSERT_SAME(s1, 22050.0);
    sj_function_free(f);
    /* §3.2 phase: its state's israte defaults to 1/44100 without init (allocate = Default), so a
     * program run without init still advances by freq/44100. */
    f = sjt_compile(&t, sj_stmts(2, sj_call("phase", 1, 2, sj_lit(441.0), sj_lit(0.0)),
                                 sj_call("phase", 2, 2, sj_lit(441.0), sj_lit(0.0))));
    sjt_exec(f, 0, 0, NULL, NULL);
    SJT_ASSERT_SAME(sjt_exec(f, 0, 0, NULL, NULL), 441.0 * (1.0 / 44100.0));
    sj_function_free(f);
    sjt_close(&t);
}

/* §2.5: get_debug_info() is always the formatted frame:
 * "---------- AST ----------\n{ast_dump}\n------- JIT IR -------\n{ir}\n---------- END ----------".
 * ast_dump is set at upload (before compiling) only while debug is on; the IR only by a successful
 * compile with debug on. */
static void test_engine_debug_info_frame(void **state)
{
    (void)state;
    sj_engine *eng = sj_engine_new(NULL, NULL);
    assert_non_null(eng);
    /* Never enabled: both parts empty. */
    assert_string_equal(sj_engine_debug_info(eng),
                        "---------- AST ----------\n\n------- JIT IR -------\n\n---------- END ----------");
    sj_ast *p = sj_add(sj_var("in1"), sj_lit(1.0));
    assert_int_equal(sj_engine_upload(eng, p, NULL), SJ_OK);
    sj_ast_free(p);
    /* An upload with debug off records nothing. */
    assert_string_equal(sj_engine_debug_info(eng),
                        "---------- AST ----------\n\n------- JIT IR -------\n\n---------- END ----------");
    sj_engine_set_debug(eng, true);
    p = sj_add(sj_var("in1"), sj_lit(1.0));
    assert_int_equal(sj_engine_upload(eng, p, NULL), SJ_OK);
    sj_ast_free(p);
    const char *info = sj_engine_debug_info(eng);
    /* §1.6 dump(0): each line "   " * (indent+1) + label + "\n". */
    const char *head = "---------- AST ----------\n   binop:Add\n      var:in1\n      lit:1.0000\n\n------- JIT IR -------\n";
    assert_int_equal(strncmp(info, head, strlen(head)), 0);
    const char *ir = info + strlen(head);
    const char *end = strstr(ir, "\n---------- END ----------");
    assert_non_null(end);
    assert_string_equal(end, "\n---------- END ----------");
    size_t ir_len = (size_t)(end - ir);
    assert_true(ir_len > 0);
    char ir_copy[4096];
    assert_true(ir_len < sizeof ir_copy);
    memcpy(ir_copy, ir, ir_len);
    ir_copy[ir_len] = 0;
    /* A failed compile: the AST part shows the failed program (stored before compiling), the IR
     * part still the last good one (§2.5, §4 upload). */
    p = sj_call("nope", 7, 0);
    sj_diag d;
    assert_int_equal(sj_engine_upload(eng, p, &d), SJ_ERR_UNDEFINED_NODE);
    sj_ast_free(p);
    info = sj_engine_debug_info(eng);
    const char *head2 = "---------- AST ----------\n   call7:nope\n\n------- JIT IR -------\n";
    assert_int_equal(strncmp(info, head2, strlen(head2)), 0);
    assert_int_equal(strncmp(info + strlen(head2), ir_copy, ir_len), 0);
    assert_string_equal(info + strlen(head2) + ir_len, "\n---------- END ----------");
    /* Turning debug off keeps what was recorded. */
    sj_engine_set_debug(eng, false);
    p = sj_lit(3.0);
    assert_int_equal(sj_engine_upload(eng, p, NULL), SJ_OK);
    sj_ast_free(p);
    assert_int_equal(strncmp(sj_engine_debug_info(eng), head2, strlen(head2)), 0);
    sj_engine_free(eng);
}

/* §2.4 swap_buffer(index, vec, preserve): with preserve, min(old_len, new_len) old samples are
 * copied over the start of the *given* vector, the rest of it stays as given. */
static void test_swap_buffer_preserve(void **state)
{
    sjt t = sjt_open(state);
    const double old[3] = {1, 2, 3}, given[5] = {10, 20, 30, 40, 50};
    assert_int_equal(sj_context_set_buffer(t.ctx, 4, old, 3, false), SJ_OK);
    assert_int_equal(sj_context_set_buffer(t.ctx, 4, given, 5, true), SJ_OK);
    sj_function *f = sjt_compile(&t, sj_stmts(3, sj_assign("&sig1", sj_buf_read(4, sj_lit(2))),
                                              sj_assign("&sig2", sj_buf_read(4, sj_lit(3))), sj_buf_len(4)));
    double s1, s2;
    /* Slot 2 is the old 3, slot 3 the given 40; the length is the new one (§1.4 Len). */
    SJT_ASSERT_SAME(sjt_exec(f, 0, 0, &s1, &s2), 5.0);
    SJT_ASSERT_SAME(s1, 3.0);
    SJT_ASSERT_SAME(s2, 40.0);
    /* Shrinking with preserve keeps the first new_len old samples. */
    assert_int_equal(sj_context_set_buffer(t.ctx, 4, given, 4, true), SJ_OK);
    SJT_ASSERT_SAME(sjt_exec(f, 0, 0, &s1, &s2), 4.0);
    SJT_ASSERT_SAME(s1, 3.0);
    SJT_ASSERT_SAME(s2, 40.0);
    sj_function_free(f);
    sjt_close(&t);
}

static void put(sj_blockfun *f, size_t a, int64_t x, int64_t y, const char *t, const char *v)
{
    if (sj_blockfun_instantiate(f, a, x, y, t, v))
        fail_msg("put %s: %s", t, sj_blockfun_last_error(f)->message);
}

/* §5.6: ->2 takes its temporary name (next_tmpvar_name("")) *before* translating its input, so a
 * multi-output node behind it gets the later numbers: _tmp1__, then _tmp2_di_, _tmp3_re_. */
static void test_fanout_tmp_numbering(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    put(f, 0, 0, 0, "value", "7");     /* id 1 -> /% a */
    put(f, 0, 0, 1, "value", "2");     /* id 2 -> /% b */
    put(f, 0, 1, 0, "/%", NULL);       /* id 3: di (row 0) -> ->2, re (row 1) unconnected */
    put(f, 0, 2, 0, "->2", NULL);      /* id 4 */
    put(f, 0, 3, 0, "set", "&sig1");   /* id 5 */
    put(f, 0, 3, 1, "set", "&sig2");   /* id 6 */
    sj_ast *ast = NULL;
    sj_diag d;
    assert_int_equal(sj_blockfun_compile(f, &ast, &d), SJ_OK);
    /* §5.5: sinks processed in (y, x) order: set &sig1 (3,0), the re output (1,1), set &sig2 (3,1). */
    sj_ast *divrem = sj_stmts(3, sj_assign("_tmp2_di_", sj_call("/%", 3, 2, sj_lit(7), sj_lit(2))),
                              sj_assign("_tmp3_re_", sj_var("%1")), sj_var("_tmp2_di_"));
    sj_ast *want = sj_stmts(
        2,
        sj_stmts(3, sj_assign("&sig1", sj_stmts(2, sj_assign("_tmp1__", divrem), sj_var("_tmp1__"))),
                 sj_assign("_res_", sj_var("_tmp3_re_")), sj_assign("&sig2", sj_var("_tmp1__"))),
        sj_var("_res_"));
    if (!sj_ast_equal(ast, want)) {
        char *a = sj_ast_dump(ast), *b = sj_ast_dump(want);
        print_error("got:\n%s\nwant:\n%s\n", a, b);
        sj_free(a);
        sj_free(b);
        fail();
    }
    sj_ast_free(want);
    /* Numbers: sig1 = sig2 = 7 / 2 = 3.5, ret = fmod(7, 2) = 1 (§3.2 /%). */
    sj_context *ctx;
    sj_function *fn;
    assert_int_equal(sj_instant_compile(ast, &ctx, &fn, NULL), SJ_OK);
    sj_function_init(fn, 44100, NULL);
    sj_frame fr = sj_function_exec_2in_2out(fn, 0, 0);
    SJT_ASSERT_SAME(fr.sig1, 3.5);
    SJT_ASSERT_SAME(fr.sig2, 3.5);
    SJT_ASSERT_SAME(fr.ret, 1.0);
    sj_function_free(fn);
    sj_context_free(ctx);
    sj_ast_free(ast);
    sj_blockfun_free(f);
}

/* §5.3: which editing operations bump the generation, and by how much. */
static void test_generation_bumps(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    /* BlockFun::new: generation 0, is_unset. */
    assert_int_equal(sj_blockfun_generation(f), 0);
    assert_true(sj_blockfun_is_unset(f));
    put(f, 0, 0, 0, "value", "1");
    put(f, 0, 1, 0, "->", NULL);
    put(f, 0, 2, 0, "set", "x");
    put(f, 0, 6, 6, "value", "5");
    /* instanciate_at: +1 each. */
    assert_int_equal(sj_blockfun_generation(f), 4);
    uint64_t g = sj_blockfun_generation(f);
    /* retrieve_block_chain_at with remove: remove_load only, no bump. */
    sj_block_chain *c = NULL;
    assert_int_equal(sj_blockfun_retrieve_chain(f, 0, 0, 0, true, &c), SJ_OK);
    assert_int_equal(sj_block_chain_count(c), 3);
    sj_block_chain_free(c);
    assert_int_equal(sj_blockfun_generation(f), g);
    assert_int_equal(sj_blockfun_block_count(f, 0), 1);
    /* ... and with clone: new ids (the counter moves), no bump. */
    size_t id = sj_blockfun_current_id(f);
    assert_int_equal(sj_blockfun_retrieve_chain(f, 0, 6, 6, false, &c), SJ_OK);
    sj_block_chain_free(c);
    assert_int_equal(sj_blockfun_current_id(f), id + 1);
    assert_int_equal(sj_blockfun_generation(f), g);
    /* move_block_chain_from_to in one area: +1 for the removal, +1 at the end. */
    assert_int_equal(sj_blockfun_move_chain(f, 0, 6, 6, 0, 3, 3), SJ_OK);
    assert_int_equal(sj_blockfun_generation(f), g + 2);
    /* Failing for lack of space: the removal's +1 stays. */
    for (int64_t y = 0; y < 16; y++)
        for (int64_t x = 8; x < 16; x++)
            put(f, 0, x, y, "zero", NULL);
    g = sj_blockfun_generation(f);
    assert_int_equal(sj_blockfun_move_chain(f, 0, 3, 3, 0, 12, 8), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(sj_blockfun_last_error(f)->kind, SJ_BLOCK_ERR_NO_SPACE);
    assert_int_equal(sj_blockfun_generation(f), g + 1);
    /* move_block_from_to without space: bumped before the space check. */
    g = sj_blockfun_generation(f);
    assert_int_equal(sj_blockfun_move_block(f, 0, 3, 3, 0, 9, 9), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(sj_blockfun_generation(f), g + 1);
    /* shift_port on a one-row block: a no-op that still bumps; no block: no bump. */
    g = sj_blockfun_generation(f);
    assert_int_equal(sj_blockfun_shift_port(f, 0, 3, 3, 0, true), SJ_OK);
    assert_int_equal(sj_blockfun_generation(f), g + 1);
    assert_int_not_equal(sj_blockfun_shift_port(f, 0, 4, 4, 0, true), SJ_OK);
    assert_int_equal(sj_blockfun_generation(f), g + 1);
    /* recalculate_area_sizes: no bump. */
    assert_int_equal(sj_blockfun_recalculate_area_sizes(f), SJ_OK);
    assert_int_equal(sj_blockfun_generation(f), g + 1);
    sj_blockfun_free(f);
}

int main(void)
{
    /* One group (the runner counts the last summary line); the block tests need the language the
     * group setup makes. */
    const struct CMUnitTest tests[] = {
        SJT_BOTH(test_aux_before_init),
        cmocka_unit_test(test_engine_debug_info_frame),
        SJT_BOTH(test_swap_buffer_preserve),
        cmocka_unit_test(test_fanout_tmp_numbering),
        cmocka_unit_test(test_generation_bumps),
    };
    return cmocka_run_group_tests_name("conformance", tests, sjt_blocks_setup, sjt_blocks_teardown);
}

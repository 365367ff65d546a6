/* Function lifecycle and state migration (reference §2 with decisions #6, #7): node state by uid,
 * persistent variables by name, buffers resized with contents kept, tables swapped at run time,
 * reset, sample rate, and block processing equal to single frames. On every backend. */
#include "sjtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static sj_ast *osc(uint64_t uid)
{
    return sj_call("phase", uid, 2, sj_lit(441.0), sj_lit(0.0));
}

static void test_node_state_kept(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f1 = sjt_compile(&t, sj_assign("&sig1", osc(1)));
    sj_function_init(f1, 44100, NULL);
    double v = 0, s1;
    for (int i = 0; i < 10; i++)
        sjt_exec(f1, 0, 0, NULL, NULL);
    for (int i = 0; i < 10; i++)
        v += 441.0 / 44100.0, v -= trunc(v);
    /* An edited program using uid 1 continues the same oscillator (state shared, not reset). */
    sj_function *f2 = sjt_compile(&t, sj_stmts(2, sj_assign("&sig2", sj_lit(5)), sj_assign("&sig1", osc(1))));
    sj_function_init(f2, 44100, f1);
    assert_ptr_equal(sj_function_node_state(f1, 1), sj_function_node_state(f2, 1));
    sj_function_free(f1);
    sjt_exec(f2, 0, 0, &s1, NULL);
    SJT_ASSERT_NEAR(s1, v, 1e-12);
    /* Existing states are not reset by init even without a previous function (reference
     * check_self_defined_nodes); $reset is 1 then. */
    sj_function *f3 = sjt_compile(&t, sj_stmts(2, sj_assign("&sig1", osc(1)), sj_var("$reset")));
    sj_function_init(f3, 44100, NULL);
    sj_function_free(f2);
    v += 441.0 / 44100.0, v -= trunc(v);
    assert_true(sjt_exec(f3, 0, 0, &s1, NULL) == 1.0);
    SJT_ASSERT_NEAR(s1, v, 1e-12);
    sj_function_free(f3);
    sjt_close(&t);
}

static void test_new_state_reset_at_init(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f1 = sjt_compile(&t, sj_call("accum", 1, 2, sj_lit(1), sj_lit(0)));
    sj_function_init(f1, 44100, NULL);
    sjt_exec(f1, 0, 0, NULL, NULL);
    sjt_exec(f1, 0, 0, NULL, NULL);
    /* f2 keeps uid 1 and adds uid 2: 1 continues at 3, 2 starts fresh at 10. */
    sj_function *f2 = sjt_compile(&t, sj_add(sj_call("accum", 1, 2, sj_lit(1), sj_lit(0)),
                                             sj_mul(sj_lit(100), sj_call("accum", 2, 2, sj_lit(10), sj_lit(0)))));
    sj_function_init(f2, 44100, f1);
    sj_function_free(f1);
    assert_true(sjt_exec(f2, 0, 0, NULL, NULL) == 3 + 100 * 10);
    sj_function_free(f2);
    sjt_close(&t);
}

static void test_state_released_when_unused(void **state)
{
    sjt t = sjt_open(state);
    /* decisions #7: once no live function uses uid 1, its state is released, so a later program
     * with uid 1 starts from a reset state. */
    sj_function *f1 = sjt_compile(&t, sj_call("accum", 1, 2, sj_lit(1), sj_lit(0)));
    sjt_exec(f1, 0, 0, NULL, NULL);
    sjt_exec(f1, 0, 0, NULL, NULL);
    sj_function *f2 = sjt_compile(&t, sj_lit(0));
    sj_function_init(f2, 44100, f1);
    sj_function_free(f1);
    sj_function *f3 = sjt_compile(&t, sj_call("accum", 1, 2, sj_lit(1), sj_lit(0)));
    sj_function_init(f3, 44100, f2);
    sj_function_free(f2);
    assert_true(sjt_exec(f3, 0, 0, NULL, NULL) == 1);
    sj_function_free(f3);
    sjt_close(&t);
}

static void test_type_change(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f1 = sjt_compile(&t, sj_call("accum", 5, 2, sj_lit(1), sj_lit(0)));
    sjt_exec(f1, 0, 0, NULL, NULL);

    /* decisions #6: uid 5 becomes a phase: compiles, with a fresh state; f1 keeps its accumulator
     * until it is freed. */
    sj_function *f2 = sjt_compile(&t, sj_call("phase", 5, 2, sj_lit(4410), sj_lit(0)));
    sj_function_init(f2, 44100, f1);
    assert_ptr_not_equal(sj_function_node_state(f1, 5), sj_function_node_state(f2, 5));
    assert_string_equal(sj_function_node_type(f2, 5)->name, "phase");
    assert_true(sjt_exec(f1, 0, 0, NULL, NULL) == 2); /* the old state is intact */
    assert_true(sjt_exec(f2, 0, 0, NULL, NULL) == 0.0);
    SJT_ASSERT_NEAR(sjt_exec(f2, 0, 0, NULL, NULL), 0.1, 1e-15);
    sj_function_free(f1);
    /* And back: accum gets a fresh state again. */
    sj_function *f3 = sjt_compile(&t, sj_call("accum", 5, 2, sj_lit(1), sj_lit(0)));
    sj_function_init(f3, 44100, f2);
    sj_function_free(f2);
    assert_true(sjt_exec(f3, 0, 0, NULL, NULL) == 1);
    sj_function_free(f3);

    sjt_close(&t);
}

static void test_persistent_by_name(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f1 =
        sjt_compile(&t, sj_stmts(2, sj_assign("*a", sj_add(sj_var("*a"), sj_lit(1))), sj_assign("*b", sj_lit(7))));
    sj_function_init(f1, 44100, NULL);
    sjt_exec(f1, 0, 0, NULL, NULL);
    sjt_exec(f1, 0, 0, NULL, NULL);
    /* f2 names *b and *c, in another order: *b is copied by name, *c starts at 0. */
    sj_function *f2 = sjt_compile(&t, sj_add(sj_var("*c"), sj_var("*b")));
    sj_function_init(f2, 44100, f1);
    assert_true(sjt_exec(f2, 0, 0, NULL, NULL) == 7);
    double v;
    assert_true(sj_function_get_pv(f2, "*c", &v) && v == 0);
    assert_false(sj_function_get_pv(f2, "*a", &v));
    sj_function_free(f1);
    /* *a disappeared from every live function: it comes back as 0 (decisions #7). */
    sj_function *f3 = sjt_compile(&t, sj_stmts(2, sj_var("*b"), sj_var("*a")));
    sj_function_init(f3, 44100, f2);
    assert_true(sjt_exec(f3, 0, 0, NULL, NULL) == 0);
    assert_true(sj_function_get_pv(f3, "*b", &v) && v == 7);
    sj_function_free(f2);
    sj_function_free(f3);
    sjt_close(&t);
}

static void test_buffers(void **state)
{
    sjt t = sjt_open(state);
    /* Default: 16 buffers of 16 zeros. Write, read, wrap (decisions #3). */
    sj_function *f = sjt_compile(
        &t, sj_stmts(4, sj_buf_write(0, sj_var("in1"), sj_var("in2")), sj_assign("&sig1", sj_buf_len(0)),
                     sj_assign("&sig2", sj_buf_read(0, sj_var("in1"))), sj_buf_read_lin(0, sj_var("in1"))));
    double s1, s2;
    sjt_exec(f, 3.7, 5.0, &s1, &s2);
    assert_true(s1 == 16 && s2 == 5.0);
    sjt_exec(f, 4, 6.0, NULL, NULL);
    /* read_lin at 3.25: 5*(1-0.25) + 6*0.25 */
    sj_function_free(f);
    f = sjt_compile(&t, sj_stmts(2, sj_buf_len(0), sj_buf_read_lin(0, sj_var("in1"))));
    SJT_ASSERT_SAME(sjt_exec(f, 3.25, 0, NULL, NULL), 5.0 * (1 - 0.25) + 6.0 * 0.25);
    /* Negative indices wrap from the end: -13 -> 3; -12.75 -> floor -13 -> 3, next 4. */
    SJT_ASSERT_SAME(sjt_exec(f, -12.75, 0, NULL, NULL), 5.0 * (1 - 0.25) + 6.0 * 0.25);
    /* Huge indices wrap: 16 * 1e6 + 3 -> 3. */
    SJT_ASSERT_SAME(sjt_exec(f, 16e6 + 3, 0, NULL, NULL), 5.0);
    /* NaN and infinities use index 0 (the interpolation fraction is NaN then). */
    sj_function_free(f);
    f = sjt_compile(&t, sj_stmts(3, sj_buf_write(0, sj_lit(0), sj_lit(42)), sj_assign("&sig1", sj_buf_read(0, sj_var("in1"))),
                                 sj_buf_read(0, sj_var("in2"))));
    assert_true(sjt_exec(f, NAN, INFINITY, &s1, NULL) == 42 && s1 == 42);
    /* 1e300 is a multiple of 16 (see test_wrap_index_rule): index 0 as well. */
    assert_true(sjt_exec(f, -INFINITY, 1e300, &s1, NULL) == 42 && s1 == 42);
    sj_function_free(f);
    sjt_close(&t);
}

static void test_wrap_index_rule(void **state)
{
    (void)state;
    /* decisions #3, checked directly: floor then Euclidean modulo; NaN/inf -> 0. */
    assert_int_equal(sj_wrap_index(3.7, 16), 3);
    assert_int_equal(sj_wrap_index(-1, 16), 15);
    assert_int_equal(sj_wrap_index(-0.5, 16), 15);
    assert_int_equal(sj_wrap_index(-16, 16), 0);
    assert_int_equal(sj_wrap_index(-17, 16), 15);
    assert_int_equal(sj_wrap_index(NAN, 16), 0);
    assert_int_equal(sj_wrap_index(INFINITY, 16), 0);
    assert_int_equal(sj_wrap_index(-INFINITY, 16), 0);
    /* 1e300 is a multiple of 16 (a double that large is an integer times a power of two >= 2^4),
     * and fmod is exact. */
    assert_int_equal(sj_wrap_index(1e300, 16), 0);
    assert_int_equal(sj_wrap_index(1e300, 3), (uint64_t)fmod(1e300, 3));
    assert_int_equal(sj_wrap_index(-1e300, 3), (uint64_t)(fmod(-1e300, 3) + 3) % 3);
    assert_int_equal(sj_wrap_index(9007199254740993.0, 10), 2); /* 2^53 + 1 rounds to 2^53 = ...992 */
    assert_int_equal(sj_wrap_index(5, 1), 0);
}

static void test_buffer_resize_keeps_contents(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f1 = sjt_compile(&t, sj_stmts(2, sj_buf_declare(1, 4), sj_buf_write(1, sj_var("in1"), sj_var("in2"))));
    sj_function_init(f1, 44100, NULL);
    for (int i = 0; i < 4; i++)
        sjt_exec(f1, i, 10 + i, NULL, NULL);
    size_t len;
    const double *b = sj_context_buffer(t.ctx, 1, &len);
    assert_int_equal(len, 4);
    assert_true(b[0] == 10 && b[3] == 13);
    /* Grow to 8: the first 4 kept, the rest 0. */
    sj_function *f2 = sjt_compile(&t, sj_stmts(2, sj_buf_declare(1, 8), sj_buf_len(1)));
    sj_function_init(f2, 44100, f1);
    sj_function_free(f1);
    assert_true(sjt_exec(f2, 0, 0, NULL, NULL) == 8);
    b = sj_context_buffer(t.ctx, 1, &len);
    assert_int_equal(len, 8);
    assert_true(b[0] == 10 && b[1] == 11 && b[2] == 12 && b[3] == 13 && b[4] == 0 && b[7] == 0);
    /* Shrink to 2. */
    sj_function *f3 = sjt_compile(&t, sj_stmts(2, sj_buf_declare(1, 2), sj_buf_read(1, sj_lit(1))));
    sj_function_init(f3, 44100, f2);
    sj_function_free(f2);
    assert_true(sjt_exec(f3, 0, 0, NULL, NULL) == 11);
    /* The declaration persists for a program that uses the buffer without declaring it. */
    sj_function *f4 = sjt_compile(&t, sj_buf_len(1));
    sj_function_init(f4, 44100, f3);
    sj_function_free(f3);
    assert_true(sjt_exec(f4, 0, 0, NULL, NULL) == 2);
    /* A program that does not use it releases it (decisions #7): back to 16 zeros. */
    sj_function *f5 = sjt_compile(&t, sj_lit(0));
    sj_function_init(f5, 44100, f4);
    sj_function_free(f4);
    b = sj_context_buffer(t.ctx, 1, &len);
    assert_int_equal(len, 16);
    assert_true(b[0] == 0);
    sj_function_free(f5);
    sjt_close(&t);
}

static void test_resize_never_applied(void **state)
{
    sjt t = sjt_open(state);
    /* A function with a pending resize freed before init must not make the next compile believe the
     * resize happened (found by the benchmark: buffer 0 stayed at 16). */
    sj_function *f1 = sjt_compile(&t, sj_stmts(2, sj_buf_declare(0, 4800), sj_buf_len(0)));
    sj_function_free(f1);
    sj_function *f2 = sjt_compile(&t, sj_stmts(2, sj_buf_declare(0, 4800), sj_buf_len(0)));
    sj_function_init(f2, 48000, NULL);
    assert_true(sjt_exec(f2, 0, 0, NULL, NULL) == 4800);
    sj_function_free(f2);
    sjt_close(&t);
}

static void test_tables(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f = sjt_compile(&t, sj_stmts(3, sj_assign("&sig1", sj_table_len(2)),
                                              sj_assign("&sig2", sj_table_read(2, sj_var("in1"))),
                                              sj_table_read_lin(2, sj_var("in1"))));
    double s1, s2;
    /* Default: one 0.0. */
    assert_true(sjt_exec(f, 0.5, 0, &s1, &s2) == 0 && s1 == 1 && s2 == 0);
    /* Swapped at run time: the running function sees the new length and contents. */
    const float data[3] = {1.0f, 2.5f, 0.1f};
    assert_int_equal(sj_context_set_table(t.ctx, 2, data, 3), SJ_OK);
    double r = sjt_exec(f, 1.5, 0, &s1, &s2);
    assert_true(s1 == 3 && s2 == 2.5);
    SJT_ASSERT_SAME(r, 2.5 * 0.5 + (double)0.1f * 0.5); /* f32 promoted to f64 */
    r = sjt_exec(f, 2.5, 0, &s1, &s2); /* wraps to index 0 for the second point */
    SJT_ASSERT_SAME(r, (double)0.1f * 0.5 + 1.0 * 0.5);
    assert_int_equal(sj_context_set_table(t.ctx, 16, data, 3), SJ_ERR_UNKNOWN_TABLE);
    assert_int_equal(sj_context_set_table(t.ctx, 2, data, 0), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(sj_context_set_buffer(t.ctx, 16, NULL, 4, true), SJ_ERR_UNKNOWN_BUFFER);
    /* Buffers swapped at run time too. */
    sj_function_free(f);
    f = sjt_compile(&t, sj_add(sj_buf_len(3), sj_buf_read(3, sj_lit(2))));
    const double bd[5] = {1, 2, 3, 4, 5};
    assert_int_equal(sj_context_set_buffer(t.ctx, 3, bd, 5, false), SJ_OK);
    assert_true(sjt_exec(f, 0, 0, NULL, NULL) == 5 + 3);
    assert_int_equal(sj_context_set_buffer(t.ctx, 3, NULL, 2, true), SJ_OK); /* keep the first 2 */
    assert_true(sjt_exec(f, 0, 0, NULL, NULL) == 2 + 1);
    sj_function_free(f);
    sjt_close(&t);
}

static void test_reset_and_rate(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f = sjt_compile(&t, sj_stmts(2, sj_assign("*n", sj_add(sj_var("*n"), sj_lit(1))),
                                              sj_add(sj_var("*n"), sj_mul(sj_lit(1000), osc(1)))));
    sj_function_init(f, 44100, NULL);
    sjt_exec(f, 0, 0, NULL, NULL);
    sjt_exec(f, 0, 0, NULL, NULL);
    /* reset: states reset, persistent variables zeroed. */
    sj_function_reset(f);
    assert_true(sjt_exec(f, 0, 0, NULL, NULL) == 1 + 1000 * 0.0);
    /* set_sample_rate resets too, and the phase then advances by 441/22050. */
    sj_function_set_sample_rate(f, 22050);
    assert_true(sjt_exec(f, 0, 0, NULL, NULL) == 1);
    SJT_ASSERT_NEAR(sjt_exec(f, 0, 0, NULL, NULL), 2 + 1000 * (441.0 / 22050.0), 1e-12);
    sj_function_free(f);
    sjt_close(&t);
}

static void test_block_equals_single(void **state)
{
    sjt t = sjt_open(state);
    /* A program with state, persistent variables, branches, buffers and $reset: processing N frames
     * in one call gives exactly the N single calls. */
    sj_ast *prog = sj_stmts(
        5, sj_buf_declare(0, 37), sj_assign("*acc", sj_add(sj_var("*acc"), sj_var("in1"))),
        sj_buf_write(0, sj_var("*acc"), sj_var("in2")),
        sj_assign("&sig1", sj_add(sj_call("phase", 1, 2, sj_mul(sj_var("alpha"), sj_lit(1000)), sj_var("beta")),
                                  sj_var("$reset"))),
        sj_if(sj_gt(sj_var("in2"), sj_lit(0)),
              sj_assign("&sig2", sj_buf_read_lin(0, sj_mul(sj_var("*acc"), sj_lit(0.7)))),
              sj_call("/%", 2, 2, sj_var("in1"), sj_var("gamma"))));
    sj_ast *prog2 = sj_ast_clone(prog);
    enum { N = 1000 };
    static double in[6][N], out_a[3][N], out_b[3][N];
    srand(7);
    for (int k = 0; k < 6; k++)
        for (int i = 0; i < N; i++)
            in[k][i] = (double)rand() / RAND_MAX * 2 - 1;
    /* Two independent contexts so both runs start from the same state. */
    sjt t2 = sjt_open(state);
    sj_function *fa = sjt_compile(&t, prog);
    sj_function *fb = sjt_compile(&t2, prog2);
    sj_function_init(fa, 48000, NULL);
    sj_function_init(fb, 48000, NULL);
    for (int i = 0; i < N; i++) {
        double s1 = 0, s2 = 0;
        out_a[2][i] = sj_function_exec(fa, in[0][i], in[1][i], in[2][i], in[3][i], in[4][i], in[5][i], &s1, &s2);
        out_a[0][i] = s1;
        out_a[1][i] = s2;
    }
    sj_block_io io = {{in[0], in[1], in[2], in[3], in[4], in[5]}, out_b[0], out_b[1], out_b[2]};
    /* Uneven pieces, to cross the chunk size. */
    size_t done = 0, pieces[] = {1, 300, 257, 442};
    for (size_t p = 0; p < 4; p++) {
        sj_block_io part = io;
        for (int k = 0; k < 6; k++)
            part.in[k] = in[k] + done;
        part.sig1 = out_b[0] + done;
        part.sig2 = out_b[1] + done;
        part.ret = out_b[2] + done;
        sj_function_process(fb, &part, pieces[p]);
        done += pieces[p];
    }
    assert_int_equal(done, N);
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < N; i++)
            if (!sjt_same(out_a[k][i], out_b[k][i]))
                fail_msg("output %d frame %d: single %.17g, block %.17g", k, i, out_a[k][i], out_b[k][i]);
    /* NULL inputs read 0, NULL outputs are skipped. */
    sj_block_io nulls = {{NULL, NULL, NULL, NULL, NULL, NULL}, NULL, NULL, out_b[2]};
    sj_function_process(fb, &nulls, 10);
    sj_function_free(fa);
    sj_function_free(fb);
    sjt_close(&t);
    sjt_close(&t2);
}

static void test_context_free_order(void **state)
{
    sjt t = sjt_open(state);
    /* Freeing the context before its functions is tolerated: the last function frees it. */
    sj_function *f = sjt_compile(&t, sj_call("accum", 1, 2, sj_lit(1), sj_lit(0)));
    sj_context_free(t.ctx);
    assert_true(sjt_exec(f, 0, 0, NULL, NULL) == 1);
    sj_function_free(f);
    sj_library_release(t.lib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SJT_BOTH(test_node_state_kept),      SJT_BOTH(test_new_state_reset_at_init),
        SJT_BOTH(test_state_released_when_unused), SJT_BOTH(test_type_change),
        SJT_BOTH(test_persistent_by_name),  SJT_BOTH(test_buffers),
        cmocka_unit_test(test_wrap_index_rule), SJT_BOTH(test_buffer_resize_keeps_contents),
        SJT_BOTH(test_resize_never_applied), SJT_BOTH(test_tables),              SJT_BOTH(test_reset_and_rate),
        SJT_BOTH(test_block_equals_single), SJT_BOTH(test_context_free_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

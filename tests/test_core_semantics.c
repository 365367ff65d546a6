/* Program semantics (reference §1.4 with decisions #1-#3, #5), on every backend. Expected values
 * are computed from those rules by hand or with the same C expression the rule states. */
#include "sjtest.h"

#include <math.h>
#include <string.h>

static void test_literals_arith(void **state)
{
    sjt t = sjt_open(state);
    /* IEEE f64 arithmetic, a evaluated before b. */
    SJT_ASSERT_SAME(sjt_eval(&t, sj_add(sj_lit(0.1), sj_lit(0.2))), 0.1 + 0.2);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_sub(sj_lit(1.0), sj_lit(3.5))), -2.5);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_mul(sj_lit(1.5), sj_lit(-4.0))), -6.0);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_div(sj_lit(1.0), sj_lit(3.0))), 1.0 / 3.0);
    /* Division by zero gives infinities and NaN, no trap. */
    assert_true(isinf(sjt_eval(&t, sj_div(sj_lit(1.0), sj_lit(0.0)))));
    assert_true(isnan(sjt_eval(&t, sj_div(sj_lit(0.0), sj_lit(0.0)))));
    sjt_close(&t);
}

static void test_comparisons(void **state)
{
    sjt t = sjt_open(state);
    /* 1.0 / 0.0 results; ordered comparisons give 0.0 with NaN; != is !(a == b) (decisions #1). */
    struct {
        sj_binary_op op;
        double a, b, r;
    } cases[] = {
        {SJ_EQ, 1, 1, 1},     {SJ_EQ, 1, 2, 0},       {SJ_NE, 1, 1, 0},     {SJ_NE, 1, 2, 1},
        {SJ_LT, 1, 2, 1},     {SJ_LT, 2, 2, 0},       {SJ_LE, 2, 2, 1},     {SJ_LE, 3, 2, 0},
        {SJ_GT, 3, 2, 1},     {SJ_GT, 2, 2, 0},       {SJ_GE, 2, 2, 1},     {SJ_GE, 1, 2, 0},
        {SJ_EQ, NAN, NAN, 0}, {SJ_NE, NAN, NAN, 1},   {SJ_LT, NAN, 1, 0},   {SJ_LE, 1, NAN, 0},
        {SJ_GT, NAN, 1, 0},   {SJ_GE, NAN, NAN, 0},   {SJ_EQ, 0.0, -0.0, 1}, {SJ_NE, 0.0, -0.0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double r = sjt_eval(&t, sj_binop(cases[i].op, sj_lit(cases[i].a), sj_lit(cases[i].b)));
        if (r != cases[i].r)
            fail_msg("case %zu: op %d (%g, %g) gave %g, expected %g", i, (int)cases[i].op, cases[i].a, cases[i].b, r,
                     cases[i].r);
    }
    /* Through inputs too (not folded at compile time). */
    sj_function *f = sjt_compile(&t, sj_ne(sj_var("in1"), sj_var("in2")));
    assert_true(sjt_exec(f, 1, 1, NULL, NULL) == 0.0);
    assert_true(sjt_exec(f, 1, 2, NULL, NULL) == 1.0);
    assert_true(sjt_exec(f, NAN, NAN, NULL, NULL) == 1.0);
    sj_function_free(f);
    sjt_close(&t);
}

static void test_if(void **state)
{
    sjt t = sjt_open(state);
    /* if a != b branches correctly (decisions #1): then when different, else when equal. */
    sj_function *f = sjt_compile(&t, sj_if(sj_ne(sj_var("in1"), sj_var("in2")), sj_lit(10), sj_lit(20)));
    assert_true(sjt_exec(f, 1, 2, NULL, NULL) == 10);
    assert_true(sjt_exec(f, 2, 2, NULL, NULL) == 20);
    sj_function_free(f);
    /* Comparison conditions use their truth value; NaN compares false. */
    f = sjt_compile(&t, sj_if(sj_lt(sj_var("in1"), sj_lit(0.1)), sj_lit(1), sj_lit(2)));
    assert_true(sjt_exec(f, 0.0, 0, NULL, NULL) == 1);
    assert_true(sjt_exec(f, 0.1, 0, NULL, NULL) == 2);
    assert_true(sjt_exec(f, NAN, 0, NULL, NULL) == 2);
    sj_function_free(f);
    /* Any other condition is true when >= 0.5 (decisions #2), arithmetic included. */
    f = sjt_compile(&t, sj_if(sj_add(sj_var("in1"), sj_var("in2")), sj_lit(1), sj_lit(2)));
    assert_true(sjt_exec(f, 0.25, 0.25, NULL, NULL) == 1); /* 0.5 >= 0.5 */
    assert_true(sjt_exec(f, 0.25, 0.2499, NULL, NULL) == 2);
    assert_true(sjt_exec(f, NAN, 0, NULL, NULL) == 2);
    sj_function_free(f);
    f = sjt_compile(&t, sj_if(sj_var("in1"), sj_lit(1), sj_lit(2)));
    assert_true(sjt_exec(f, 0.5, 0, NULL, NULL) == 1);
    assert_true(sjt_exec(f, 0.49999, 0, NULL, NULL) == 2);
    assert_true(sjt_exec(f, -1, 0, NULL, NULL) == 2);
    sj_function_free(f);
    /* Without else, the value is 0.0 when the condition is false. */
    f = sjt_compile(&t, sj_if(sj_gt(sj_var("in1"), sj_lit(0)), sj_lit(7), NULL));
    assert_true(sjt_exec(f, 1, 0, NULL, NULL) == 7);
    assert_true(sjt_exec(f, -1, 0, NULL, NULL) == 0);
    sj_function_free(f);
    /* Branches assign variables; the merge sees the taken branch's value (imperative semantics). */
    f = sjt_compile(&t, sj_stmts(4, sj_assign("x", sj_lit(1)),
                                 sj_if(sj_gt(sj_var("in1"), sj_lit(0)), sj_assign("x", sj_lit(2)), NULL),
                                 sj_if(sj_gt(sj_var("in2"), sj_lit(0)), sj_assign("&sig1", sj_var("x")),
                                       sj_assign("&sig2", sj_mul(sj_var("x"), sj_lit(10)))),
                                 sj_var("x")));
    double s1, s2;
    assert_true(sjt_exec(f, 1, 1, &s1, &s2) == 2 && s1 == 2 && s2 == 0);
    assert_true(sjt_exec(f, -1, 1, &s1, &s2) == 1 && s1 == 1 && s2 == 0);
    assert_true(sjt_exec(f, -1, -1, &s1, &s2) == 1 && s1 == 0 && s2 == 10);
    assert_true(sjt_exec(f, 1, -1, &s1, &s2) == 2 && s1 == 0 && s2 == 20);
    sj_function_free(f);
    /* Nested ifs. */
    f = sjt_compile(&t, sj_if(sj_gt(sj_var("in1"), sj_lit(0)),
                              sj_if(sj_gt(sj_var("in2"), sj_lit(0)), sj_lit(1), sj_lit(2)),
                              sj_if(sj_gt(sj_var("in2"), sj_lit(0)), sj_lit(3), NULL)));
    assert_true(sjt_exec(f, 1, 1, NULL, NULL) == 1);
    assert_true(sjt_exec(f, 1, -1, NULL, NULL) == 2);
    assert_true(sjt_exec(f, -1, 1, NULL, NULL) == 3);
    assert_true(sjt_exec(f, -1, -1, NULL, NULL) == 0);
    sj_function_free(f);
    sjt_close(&t);
}

static void test_stmts_value(void **state)
{
    sjt t = sjt_open(state);
    /* A statement list's value is its last statement's, or 0.0 when empty; Assign's value is the
     * assigned value. */
    SJT_ASSERT_SAME(sjt_eval(&t, sj_stmts(2, sj_lit(1), sj_lit(2))), 2.0);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_stmts(0)), 0.0);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_assign("x", sj_lit(4.5))), 4.5);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_buf_declare(0, 16)), 0.0);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_buf_write(0, sj_lit(0), sj_lit(9))), 0.0);
    sjt_close(&t);
}

static void test_inputs_outputs(void **state)
{
    sjt t = sjt_open(state);
    /* in1..gamma are the six inputs; &sig1/&sig2 read the current output value and are written
     * through; an input can be overwritten for the rest of the call. */
    sj_function *f = sjt_compile(
        &t, sj_stmts(4, sj_assign("&sig1", sj_add(sj_var("&sig1"), sj_var("alpha"))),
                     sj_assign("&sig2", sj_mul(sj_var("beta"), sj_var("delta"))), sj_assign("in1", sj_lit(100)),
                     sj_add(sj_add(sj_var("in1"), sj_var("in2")), sj_var("gamma"))));
    double s1 = 5, s2 = 7;
    double r = sj_function_exec(f, 1, 2, 3, 4, 5, 6, &s1, &s2);
    assert_true(s1 == 5 + 3); /* &sig1 started at the caller's 5 */
    assert_true(s2 == 20);
    assert_true(r == 100 + 2 + 6);
    sj_frame fr = sj_function_exec_2in_2out(f, 1, 2); /* alpha..gamma = 0, sig = 0 */
    assert_true(fr.sig1 == 0 && fr.sig2 == 0 && fr.ret == 102);
    /* An output never assigned keeps its initial value. */
    sj_function_free(f);
    f = sjt_compile(&t, sj_lit(1));
    s1 = 3;
    s2 = 4;
    sj_function_exec(f, 0, 0, 0, 0, 0, 0, &s1, &s2);
    assert_true(s1 == 3 && s2 == 4);
    sj_function_free(f);
    sjt_close(&t);
}

static void test_locals_zeroed(void **state)
{
    sjt t = sjt_open(state);
    /* Locals start at 0.0 on every call (not persistent); an unknown name reads 0.0. */
    sj_function *f =
        sjt_compile(&t, sj_stmts(2, sj_assign("x", sj_add(sj_var("x"), sj_lit(1))), sj_add(sj_var("x"), sj_var("nope"))));
    assert_true(sjt_exec(f, 0, 0, NULL, NULL) == 1);
    assert_true(sjt_exec(f, 0, 0, NULL, NULL) == 1);
    sj_function_free(f);
    sjt_close(&t);
}

static void test_constants(void **state)
{
    sjt t = sjt_open(state);
    /* reference §1.4: Rust std::f64::consts, whose definitions are these decimal literals (Rust
     * core/src/num/f64.rs), plus 1SQRT_PI = 1/sqrt(pi) (decisions #5). */
    struct {
        const char *name;
        double v;
    } cases[] = {
        {"PI", 3.14159265358979323846264338327950288},      {"TAU", 6.28318530717958647692528676655900577},
        {"E", 2.71828182845904523536028747135266250},       {"1PI", 0.318309886183790671537767526745028724},
        {"2PI", 0.636619772367581343075535053490057448},    {"PI2", 1.57079632679489661923132169163975144},
        {"PI3", 1.04719755119659774615421446109316763},     {"PI4", 0.785398163397448309615660845819875721},
        {"PI6", 0.52359877559829887307710723054658381},     {"PI8", 0.39269908169872415480783042290993786},
        {"1SQRT2", 0.707106781186547524400844362104849039}, {"2SQRT_PI", 1.12837916709551257389615890312154517},
        {"1SQRT_PI", 0.564189583547756286948079451560772586}, {"LN2", 0.693147180559945309417232121458176568},
        {"LN10", 2.30258509299404568401799145468436421},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double r = sjt_eval(&t, sj_var(cases[i].name));
        if (r != cases[i].v)
            fail_msg("%s = %.17g, expected %.17g", cases[i].name, r, cases[i].v);
    }
    /* Assigning a constant's name writes a shadow local that reads never see. */
    SJT_ASSERT_SAME(sjt_eval(&t, sj_stmts(2, sj_assign("PI", sj_lit(3)), sj_var("PI"))), M_PI);
    sjt_close(&t);
}

static void test_aux(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f = sjt_compile(&t, sj_stmts(3, sj_assign("&sig1", sj_var("$srate")),
                                              sj_assign("&sig2", sj_var("$israte")), sj_var("$reset")));
    double s1, s2;
    /* Before init: 0.0, the reference's DSPFunction::new starts aux_vars at [0.0; 3] (§2.4). */
    sjt_exec(f, 0, 0, &s1, &s2);
    assert_true(s1 == 0.0 && s2 == 0.0);
    /* init without a previous function marks it reset: $reset is 1 on the first exec only. */
    sj_function_init(f, 48000.0, NULL);
    assert_true(sjt_exec(f, 0, 0, &s1, &s2) == 1.0);
    assert_true(s1 == 48000.0 && s2 == 1.0 / 48000.0);
    assert_true(sjt_exec(f, 0, 0, NULL, NULL) == 0.0);
    sj_function_reset(f);
    assert_true(sjt_exec(f, 0, 0, NULL, NULL) == 1.0);
    assert_true(sjt_exec(f, 0, 0, NULL, NULL) == 0.0);
    sj_function_set_sample_rate(f, 96000.0);
    assert_true(sjt_exec(f, 0, 0, &s1, NULL) == 1.0 && s1 == 96000.0);
    /* init with a previous function does not set $reset (engine uploads). */
    sj_function *g = sjt_compile(&t, sj_var("$reset"));
    sj_function_init(g, 48000.0, f);
    assert_true(sjt_exec(g, 0, 0, NULL, NULL) == 0.0);
    sj_function_free(f);
    sj_function_free(g);
    /* Assigning $srate is a shadow write; reading it still gives the rate. */
    f = sjt_compile(&t, sj_stmts(2, sj_assign("$srate", sj_lit(1)), sj_var("$srate")));
    sj_function_init(f, 22050, NULL);
    assert_true(sjt_exec(f, 0, 0, NULL, NULL) == 22050);
    sj_function_free(f);
    sjt_close(&t);
}

static void test_persistent(void **state)
{
    sjt t = sjt_open(state);
    /* *x keeps its value across calls; it is readable and writable by name. */
    sj_function *f = sjt_compile(&t, sj_assign("*x", sj_add(sj_var("*x"), sj_lit(1))));
    sj_function_init(f, 44100, NULL);
    assert_true(sjt_exec(f, 0, 0, NULL, NULL) == 1);
    assert_true(sjt_exec(f, 0, 0, NULL, NULL) == 2);
    double v;
    assert_true(sj_function_get_pv(f, "*x", &v) && v == 2);
    assert_true(sj_function_set_pv(f, "*x", 10));
    assert_true(sjt_exec(f, 0, 0, NULL, NULL) == 11);
    assert_false(sj_function_get_pv(f, "*nope", &v));
    assert_false(sj_function_set_pv(f, "*nope", 1));
    /* reset zeroes them. */
    sj_function_reset(f);
    assert_true(sjt_exec(f, 0, 0, NULL, NULL) == 1);
    /* Assigned in one branch only: the other path keeps the value. */
    sj_function *g = sjt_compile(
        &t, sj_stmts(2, sj_if(sj_gt(sj_var("in1"), sj_lit(0)), sj_assign("*y", sj_add(sj_var("*y"), sj_lit(5))), NULL),
                     sj_var("*y")));
    assert_true(sjt_exec(g, 1, 0, NULL, NULL) == 5);
    assert_true(sjt_exec(g, -1, 0, NULL, NULL) == 5);
    assert_true(sjt_exec(g, 1, 0, NULL, NULL) == 10);
    sj_function_free(f);
    sj_function_free(g);
    sjt_close(&t);
}

static void test_multi_return(void **state)
{
    sjt t = sjt_open(state);
    /* /% writes a % b to slot 0 (%1) and returns a / b; %2..%5 stay 0.0; slots are fresh every
     * call, so %1 read before the call is 0.0. */
    sj_function *f = sjt_compile(
        &t, sj_stmts(4, sj_assign("&sig2", sj_var("%1")),
                     sj_assign("q", sj_call("/%", 1, 2, sj_var("in1"), sj_var("in2"))),
                     sj_assign("&sig1", sj_add(sj_var("%1"), sj_var("%2"))), sj_var("q")));
    double s1, s2;
    double r = sjt_exec(f, 0.3, -0.4, &s1, &s2);
    SJT_ASSERT_SAME(r, 0.3 / -0.4);
    SJT_ASSERT_SAME(s1, fmod(0.3, -0.4) + 0.0); /* = 0.3 (sign of a) */
    assert_true(s2 == 0.0);
    r = sjt_exec(f, -7, 2, &s1, &s2);
    assert_true(r == -3.5 && s1 == -1.0 && s2 == 0.0);
    sj_function_free(f);
    sjt_close(&t);
}

static void test_errors(void **state)
{
    sjt t = sjt_open(state);
    sj_diag d;
    assert_int_equal(sjt_compile_status(&t, sj_var("$nope"), &d), SJ_ERR_UNDEFINED_VARIABLE);
    assert_string_equal(d.name, "$nope");
    assert_int_equal(sjt_compile_status(&t, sj_var("&foo"), &d), SJ_ERR_UNDEFINED_VARIABLE);
    assert_int_equal(sjt_compile_status(&t, sj_assign("&foo", sj_lit(1)), &d), SJ_ERR_UNDEFINED_VARIABLE);
    assert_int_equal(sjt_compile_status(&t, sj_var("%6"), &d), SJ_ERR_INVALID_RETURN_VALUE_ACCESS);
    assert_int_equal(sjt_compile_status(&t, sj_var("%0"), &d), SJ_ERR_INVALID_RETURN_VALUE_ACCESS);
    assert_int_equal(sjt_compile_status(&t, sj_var("%12"), &d), SJ_ERR_INVALID_RETURN_VALUE_ACCESS);
    assert_int_equal(sjt_compile_status(&t, sj_var("%"), &d), SJ_ERR_INVALID_RETURN_VALUE_ACCESS);
    assert_int_equal(sjt_compile_status(&t, sj_call("nosuch", 1, 0), &d), SJ_ERR_UNDEFINED_NODE);
    assert_string_equal(d.name, "nosuch");
    assert_int_equal(sjt_compile_status(&t, sj_call("accum", 9, 1, sj_lit(1)), &d), SJ_ERR_NOT_ENOUGH_ARGS);
    assert_int_equal(d.uid, 9);
    assert_int_equal(sjt_compile_status(&t, sj_buf_read(16, sj_lit(0)), &d), SJ_ERR_UNKNOWN_BUFFER);
    assert_int_equal(d.index, 16);
    assert_int_equal(sjt_compile_status(&t, sj_buf_len(99), &d), SJ_ERR_UNKNOWN_BUFFER);
    assert_int_equal(sjt_compile_status(&t, sj_buf_declare(16, 10), &d), SJ_ERR_UNKNOWN_BUFFER);
    assert_int_equal(sjt_compile_status(&t, sj_table_len(16), &d), SJ_ERR_UNKNOWN_TABLE);
    assert_int_equal(sjt_compile_status(&t, sj_table_read(16, sj_lit(0)), &d), SJ_ERR_UNKNOWN_TABLE);
    assert_int_equal(sjt_compile_status(&t, sj_buf_op(SJ_BUF_WRITE, 2, sj_lit(0), NULL), &d),
                     SJ_ERR_NO_VALUE_BUFFER_WRITE);
    assert_int_equal(d.index, 2);
    /* The same stateful uid twice in one AST (reference message). */
    assert_int_equal(sjt_compile_status(&t,
                                        sj_add(sj_call("accum", 3, 2, sj_lit(1), sj_lit(0)),
                                               sj_call("accum", 3, 2, sj_lit(1), sj_lit(0))),
                                        &d),
                     SJ_ERR_NODE_STATE);
    assert_string_equal(d.message, "node_state_uid has been used multiple times in same AST: 3");
    assert_int_equal(d.uid, 3);
    /* Stateless nodes may reuse a uid. */
    SJT_ASSERT_SAME(sjt_eval(&t, sj_add(sj_call("sin", 3, 1, sj_lit(1)), sj_call("sin", 3, 1, sj_lit(2)))),
                    sin(1.0) + sin(2.0));
    /* Absurd buffer sizes: a documented limit. */
    assert_int_equal(sjt_compile_status(&t, sj_buf_declare(0, SJ_MAX_BUFFER_LEN + 1), &d), SJ_ERR_LIMIT);
    assert_int_equal(sjt_compile_status(&t, sj_buf_declare(0, 0), &d), SJ_ERR_LIMIT);
    /* Errors carry the node and its source position. */
    sj_ast *bad = sj_ast_at(sj_var("$x"), 3, 14);
    assert_int_equal(sjt_compile_status(&t, sj_stmts(1, bad), &d), SJ_ERR_UNDEFINED_VARIABLE);
    assert_int_equal(d.line, 3);
    assert_int_equal(d.col, 14);
    /* NULL arguments. */
    sj_function *f = (sj_function *)&d;
    assert_int_equal(sj_compile(NULL, NULL, NULL, &f, &d), SJ_ERR_INVALID_ARGUMENT);
    assert_null(f);
    assert_int_equal(sj_compile(t.ctx, NULL, NULL, NULL, NULL), SJ_ERR_INVALID_ARGUMENT);
    sjt_close(&t);
}

static void test_extra_args_ignored(void **state)
{
    sjt t = sjt_open(state);
    /* Extra call arguments are never compiled (reference): an undefined node or a side effect in
     * them has no effect. */
    SJT_ASSERT_SAME(sjt_eval(&t, sj_stmts(2, sj_call("sin", 1, 3, sj_lit(0.5), sj_call("nosuch", 2, 0),
                                                     sj_assign("x", sj_lit(5))),
                                           sj_var("x"))),
                    0.0);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("sin", 1, 2, sj_lit(0.5), sj_lit(7))), sin(0.5));
    sjt_close(&t);
}

static void test_eval_order(void **state)
{
    sjt t = sjt_open(state);
    /* BinOp: a before b, seen through assignments inside the operands. */
    SJT_ASSERT_SAME(sjt_eval(&t, sj_sub(sj_assign("x", sj_lit(2)), sj_mul(sj_var("x"), sj_lit(3)))), 2.0 - 6.0);
    /* Buffer write: index, then value (a write inside the value lands first, then is overwritten). */
    SJT_ASSERT_SAME(sjt_eval(&t, sj_stmts(2, sj_buf_write(0, sj_lit(1), sj_stmts(2, sj_buf_write(0, sj_lit(1), sj_lit(5)),
                                                                              sj_lit(6))),
                                           sj_buf_read(0, sj_lit(1)))),
                    6.0);
    /* Call arguments left to right. */
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("/%", 1, 2, sj_assign("x", sj_lit(8)), sj_div(sj_var("x"), sj_lit(4)))),
                    4.0);
    sjt_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SJT_BOTH(test_literals_arith), SJT_BOTH(test_comparisons),  SJT_BOTH(test_if),
        SJT_BOTH(test_stmts_value),    SJT_BOTH(test_inputs_outputs), SJT_BOTH(test_locals_zeroed),
        SJT_BOTH(test_constants),      SJT_BOTH(test_aux),          SJT_BOTH(test_persistent),
        SJT_BOTH(test_multi_return),   SJT_BOTH(test_errors),       SJT_BOTH(test_extra_args_ignored),
        SJT_BOTH(test_eval_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

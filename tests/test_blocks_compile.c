/* The block compiler (reference §5.5-5.7 and decisions #9): the worked examples give exactly the
 * reference's ASTs and numbers, the other cases of the reference's compiler tests (HexoDSP
 * src/wblockdsp/compiler.rs), the `if` block with both branches, π and 2π, the evaluation-order fix,
 * the compile errors, and node state kept across a move (block ids are state uids). */
#include "sjtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>



/* The reference test helpers put_n / put_v. */
static void put_n(sj_blockfun *f, size_t a, int64_t x, int64_t y, const char *t)
{
    if (sj_blockfun_instantiate(f, a, x, y, t, NULL))
        fail_msg("put %s: %s", t, sj_blockfun_last_error(f)->message);
}

static void put_v(sj_blockfun *f, size_t a, int64_t x, int64_t y, const char *t, const char *v)
{
    if (sj_blockfun_instantiate(f, a, x, y, t, v))
        fail_msg("put %s: %s", t, sj_blockfun_last_error(f)->message);
}

static sj_ast *compile_ok(sj_blockfun *f)
{
    sj_ast *ast = NULL;
    sj_diag d;
    sj_status st = sj_blockfun_compile(f, &ast, &d);
    if (st)
        fail_msg("block compile failed: %s", d.message);
    assert_non_null(ast);
    return ast;
}

static void assert_ast(sj_ast *got, sj_ast *want)
{
    assert_non_null(want);
    if (!sj_ast_equal(got, want)) {
        char *a = sj_ast_dump(got), *b = sj_ast_dump(want);
        print_error("got:\n%s\nwant:\n%s\n", a, b);
        sj_free(a);
        sj_free(b);
        fail();
    }
    sj_ast_free(want);
}

/* The reference's final shape: stmts[ stmts[area...], var(_res_) ]. */
static sj_ast *shape(sj_ast *area)
{
    return sj_stmts(2, area, sj_var("_res_"));
}

/* Compiles f, runs one frame (inputs 0 unless given), frees everything. */
typedef struct run {
    double s1, s2, ret;
} run;

static run run_once(sj_blockfun *f, double in1)
{
    sjt t = sjt_open(NULL);
    sj_function *fn = sjt_compile(&t, compile_ok(f));
    sj_function_init(fn, 44100.0, NULL);
    run r;
    r.ret = sjt_exec(fn, in1, 0.0, &r.s1, &r.s2);
    sj_function_free(fn);
    sjt_close(&t);
    return r;
}

/* ---------------------------------------------------------------------------------------------- */
/* §5.7 worked examples */

static void test_example_a_sig1(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    put_v(f, 0, 0, 1, "value", "0.3");
    put_v(f, 0, 1, 1, "set", "&sig1");
    put_v(f, 0, 0, 2, "value", "-0.3");
    put_v(f, 0, 1, 2, "set", "&sig2");
    put_v(f, 0, 0, 3, "value", "-1.3");
    sj_ast *ast = compile_ok(f);
    assert_ast(ast, shape(sj_stmts(3, sj_assign("&sig1", sj_lit(0.3)), sj_assign("&sig2", sj_lit(-0.3)),
                                   sj_assign("_res_", sj_lit(-1.3)))));
    sj_ast_free(ast);
    run r = run_once(f, 0.0);
    SJT_ASSERT_NEAR(r.s1, 0.3, 1e-12);
    SJT_ASSERT_NEAR(r.s2, -0.3, 1e-12);
    SJT_ASSERT_NEAR(r.ret, -1.3, 1e-12);
    sj_blockfun_free(f);
}

static void test_example_b_arithmetics(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    put_v(f, 0, 0, 1, "value", "0.50");
    put_v(f, 0, 0, 2, "value", "0.01");
    put_n(f, 0, 1, 1, "+");
    assert_int_equal(sj_blockfun_shift_port(f, 0, 1, 1, 1, true), SJ_OK);
    put_v(f, 0, 1, 3, "value", "2.0");
    put_n(f, 0, 2, 2, "*");
    sj_ast *ast = compile_ok(f);
    assert_ast(ast, shape(sj_stmts(1, sj_assign("_res_", sj_mul(sj_add(sj_lit(0.5), sj_lit(0.01)), sj_lit(2.0))))));
    sj_ast_free(ast);
    SJT_ASSERT_NEAR(run_once(f, 0).ret, 1.02, 1e-12);
    sj_blockfun_free(f);
}

static sj_blockfun *divrem(int64_t set_y)
{
    sj_blockfun *f = sjt_blocks_newfun();
    put_v(f, 0, 0, 1, "value", "0.3");
    put_v(f, 0, 0, 2, "value", "-0.4");
    put_n(f, 0, 1, 1, "/%");
    put_v(f, 0, 2, set_y, "set", "&sig1");
    return f;
}

static void test_example_c_divrem(void **state)
{
    (void)state;
    sj_blockfun *f = divrem(2);
    /* The tree of §5.7 C in walk_dump format. */
    char *tree = sj_blockfun_dump_tree(f);
    assert_string_equal(tree, "   0#<r>[] \n"
                              "      0#<a>[] \n"
                              "         0#<res>[] \n"
                              "            3#/%[/%] (out: di)\n"
                              "               1#value[0.3] (in: a)\n"
                              "               2#value[-0.4] (in: b)\n"
                              "         4#set[&sig1] \n"
                              "            3#/%[/%] (out: re)\n"
                              "               1#value[0.3] (in: a)\n"
                              "               2#value[-0.4] (in: b)\n");
    sj_free(tree);
    sj_ast *ast = compile_ok(f);
    assert_ast(ast, shape(sj_stmts(2,
                                   sj_assign("_res_", sj_stmts(3, sj_assign("_tmp1_di_", sj_call("/%", 3, 2, sj_lit(0.3), sj_lit(-0.4))),
                                                               sj_assign("_tmp2_re_", sj_var("%1")), sj_var("_tmp1_di_"))),
                                   sj_assign("&sig1", sj_var("_tmp2_re_")))));
    sj_ast_free(ast);
    run r = run_once(f, 0);
    SJT_ASSERT_NEAR(r.ret, 0.3 / -0.4, 1e-12);
    SJT_ASSERT_NEAR(r.s1, fmod(0.3, -0.4), 1e-12);
    sj_blockfun_free(f);
}

static void test_divrem_variants(void **state)
{
    (void)state;
    /* The other cases of check_blocklang_divrem, with the reference's expected numbers. */
    struct {
        int64_t set_y;
        int shift_out, shift_in;
        double s1, ret;
    } cases[] = {
        {1, 0, 0, -0.75, 0.3},       /* &sig1 on first output */
        {2, 1, 0, -0.75, 0.3},       /* second output, swapped outputs */
        {1, 1, 0, 0.3, -0.75},       /* first output, swapped outputs */
        {1, 0, 1, -1.33333, -0.1},   /* first output, swapped inputs: -0.4 / 0.3, fmod(-0.4, 0.3) */
        {1, 1, 1, -0.1, -1.33333},   /* swapped inputs and outputs */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sj_blockfun *f = divrem(cases[i].set_y);
        if (cases[i].shift_in)
            sj_blockfun_shift_port(f, 0, 1, 1, 0, false);
        if (cases[i].shift_out)
            sj_blockfun_shift_port(f, 0, 1, 1, 0, true);
        run r = run_once(f, 0);
        SJT_ASSERT_NEAR(r.s1, cases[i].s1, 1e-4);
        SJT_ASSERT_NEAR(r.ret, cases[i].ret, 1e-4);
        sj_blockfun_free(f);
    }
}

static void test_example_d_accum_shift(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    put_n(f, 0, 1, 1, "accum");
    sj_blockfun_shift_port(f, 0, 1, 1, 1, false);
    put_v(f, 0, 0, 2, "value", "0.01");
    put_v(f, 0, 0, 1, "get", "*reset");
    sj_ast *ast = compile_ok(f);
    assert_ast(ast, shape(sj_stmts(1, sj_assign("_res_", sj_call("accum", 1, 2, sj_lit(0.01), sj_var("*reset"))))));
    sjt t = sjt_open(NULL);
    sj_function *fn = sjt_compile(&t, ast);
    sj_function_init(fn, 44100.0, NULL);
    /* check_blocklang_accum_shift: 4 frames -> 0.04; *reset = 1 -> 0; 5 frames more -> 0.05. */
    for (int i = 0; i < 3; i++)
        sjt_exec(fn, 0, 0, NULL, NULL);
    SJT_ASSERT_NEAR(sjt_exec(fn, 0, 0, NULL, NULL), 0.04, 1e-9);
    assert_true(sj_function_set_pv(fn, "*reset", 1.0));
    SJT_ASSERT_NEAR(sjt_exec(fn, 0, 0, NULL, NULL), 0.0, 1e-12);
    assert_true(sj_function_set_pv(fn, "*reset", 0.0));
    for (int i = 0; i < 4; i++)
        sjt_exec(fn, 0, 0, NULL, NULL);
    SJT_ASSERT_NEAR(sjt_exec(fn, 0, 0, NULL, NULL), 0.05, 1e-9);
    sj_function_free(fn);
    sjt_close(&t);
    sj_blockfun_free(f);
}

static void test_arithmetics_variants(void **state)
{
    (void)state;
    /* The rest of check_blocklang_arithmetics. */
    struct {
        const char *op1, *op2;
        int shift_out, shift_in;
        bool second;
        double want;
    } cases[] = {
        {"-", "/", 1, 0, true, (0.5 - 0.01) / 2.0},
        {"-", NULL, 0, 1, false, 0.01 - 0.5},
        {"/", NULL, 0, 1, false, 0.01 / 0.5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sj_blockfun *f = sjt_blocks_newfun();
        put_v(f, 0, 0, 1, "value", "0.50");
        put_v(f, 0, 0, 2, "value", "0.01");
        put_n(f, 0, 1, 1, cases[i].op1);
        if (cases[i].shift_out)
            sj_blockfun_shift_port(f, 0, 1, 1, 1, true);
        if (cases[i].shift_in)
            sj_blockfun_shift_port(f, 0, 1, 1, 1, false);
        if (cases[i].second) {
            put_v(f, 0, 1, 3, "value", "2.0");
            put_n(f, 0, 2, 2, cases[i].op2);
        }
        SJT_ASSERT_NEAR(run_once(f, 0).ret, cases[i].want, 1e-12);
        sj_blockfun_free(f);
    }
    /* Division by 0.0: +inf (IEEE). */
    sj_blockfun *f = sjt_blocks_newfun();
    put_v(f, 0, 0, 1, "value", "0.50");
    put_v(f, 0, 0, 2, "value", "0.0");
    put_n(f, 0, 1, 1, "/");
    double r = run_once(f, 0).ret;
    assert_true(isinf(r) && r > 0);
    sj_blockfun_free(f);
}

/* ---------------------------------------------------------------------------------------------- */
/* decisions #9 */

static void test_if_both_branches(void **state)
{
    (void)state;
    /* get in1 -> if; then-area: value 10; else-area: value 20; the if's output is the result. */
    sj_blockfun *f = sjt_blocks_newfun();
    put_v(f, 0, 0, 0, "get", "in1"); /* 1 */
    put_n(f, 0, 1, 0, "if");          /* 2, areas 1 (then), 2 (else) */
    put_v(f, 1, 0, 0, "value", "10");
    put_v(f, 2, 0, 0, "value", "20");
    sj_ast *ast = compile_ok(f);
    assert_ast(ast, shape(sj_stmts(
                        1, sj_assign("_res_", sj_if(sj_var("in1"),
                                                    sj_stmts(2, sj_stmts(1, sj_assign("_if2_", sj_lit(10))), sj_var("_if2_")),
                                                    sj_stmts(2, sj_stmts(1, sj_assign("_if2_", sj_lit(20))),
                                                             sj_var("_if2_")))))));
    sj_ast_free(ast);
    /* true is >= 0.5 */
    SJT_ASSERT_SAME(run_once(f, 1.0).ret, 10.0);
    SJT_ASSERT_SAME(run_once(f, 0.5).ret, 10.0);
    SJT_ASSERT_SAME(run_once(f, 0.49).ret, 20.0);
    SJT_ASSERT_SAME(run_once(f, 0.0).ret, 20.0);
    /* The if's output feeds a set: the taken branch's value goes there. */
    put_v(f, 0, 2, 0, "set", "&sig2");
    run r = run_once(f, 1.0);
    SJT_ASSERT_SAME(r.s2, 10.0);
    SJT_ASSERT_SAME(r.ret, 0.0); /* no unconnected output left: _res_ is never set */
    SJT_ASSERT_SAME(run_once(f, 0.0).s2, 20.0);
    sj_blockfun_free(f);
}

static void test_if_side_effects_and_nesting(void **state)
{
    (void)state;
    /* Only the taken branch runs: sets inside each branch. A branch result does not clobber the
     * function result (_res_). An if nested in the else branch. */
    sj_blockfun *f = sjt_blocks_newfun();
    put_v(f, 0, 0, 0, "get", "in1");    /* 1 */
    put_n(f, 0, 1, 0, "if");             /* 2: areas 1, 2 */
    put_v(f, 0, 0, 3, "value", "7");    /* 3: _res_ = 7 (bottom-most, evaluated last) */
    put_v(f, 1, 0, 0, "value", "1");
    put_v(f, 1, 1, 0, "set", "&sig1");
    put_v(f, 2, 0, 0, "get", "in2");    /* 6 */
    put_n(f, 2, 1, 0, "if");             /* 7: areas 3, 4 */
    put_v(f, 3, 0, 0, "value", "2");
    put_v(f, 3, 1, 0, "set", "&sig2");
    put_v(f, 4, 0, 0, "value", "3");
    put_v(f, 4, 1, 0, "set", "&sig2");
    sjt t = sjt_open(NULL);
    sj_function *fn = sjt_compile(&t, compile_ok(f));
    sj_function_init(fn, 44100.0, NULL);
    double s1, s2;
    double r = sjt_exec(fn, 1.0, 0.0, &s1, &s2);
    SJT_ASSERT_SAME(s1, 1.0);
    SJT_ASSERT_SAME(s2, 0.0);
    SJT_ASSERT_SAME(r, 7.0);
    r = sjt_exec(fn, 0.0, 1.0, &s1, &s2);
    SJT_ASSERT_SAME(s1, 0.0);
    SJT_ASSERT_SAME(s2, 2.0);
    SJT_ASSERT_SAME(r, 7.0);
    r = sjt_exec(fn, 0.0, 0.0, &s1, &s2);
    SJT_ASSERT_SAME(s2, 3.0);
    sj_function_free(fn);
    sjt_close(&t);
    sj_blockfun_free(f);
}

static void test_pi_constants(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    put_n(f, 0, 0, 0, "\xCF\x80");
    put_v(f, 0, 1, 0, "set", "&sig1");
    put_n(f, 0, 0, 1, "2\xCF\x80");
    sj_ast *ast = compile_ok(f);
    assert_ast(ast, shape(sj_stmts(2, sj_assign("&sig1", sj_lit(M_PI)), sj_assign("_res_", sj_lit(2 * M_PI)))));
    sj_ast_free(ast);
    run r = run_once(f, 0);
    SJT_ASSERT_SAME(r.s1, M_PI);
    SJT_ASSERT_SAME(r.ret, 2 * M_PI);
    sj_blockfun_free(f);
}

static void test_no_tmp_read_before_set(void **state)
{
    (void)state;
    /* §5.6 hazard: /% di feeds input b (row 0) and re feeds input a (row 1) of a "-" whose inputs
     * are shifted to [b, a]. The reference evaluates a = _tmp2_re_ before the /% call sets it
     * (result 0 - 3.5). We evaluate in row order into temporaries: a - b = fmod(7,2) - 7/2 = -2.5. */
    sj_blockfun *f = sjt_blocks_newfun();
    put_v(f, 0, 0, 0, "value", "7"); /* 1 */
    put_v(f, 0, 0, 1, "value", "2"); /* 2 */
    put_n(f, 0, 1, 0, "/%");          /* 3 */
    put_n(f, 0, 2, 0, "-");           /* 4 */
    sj_blockfun_shift_port(f, 0, 2, 0, 0, false);
    sj_ast *ast = compile_ok(f);
    sj_ast *divrem = sj_stmts(3, sj_assign("_tmp1_di_", sj_call("/%", 3, 2, sj_lit(7), sj_lit(2))),
                              sj_assign("_tmp2_re_", sj_var("%1")), sj_var("_tmp1_di_"));
    assert_ast(ast, shape(sj_stmts(1, sj_assign("_res_", sj_stmts(3, sj_assign("_tmp3_arg_", divrem),
                                                                  sj_assign("_tmp4_arg_", sj_var("_tmp2_re_")),
                                                                  sj_sub(sj_var("_tmp4_arg_"), sj_var("_tmp3_arg_")))))));
    sj_ast_free(ast);
    SJT_ASSERT_NEAR(run_once(f, 0).ret, -2.5, 1e-12);
    /* Without the shift no reordering happens: plain arguments, a - b = di - re = 3.5 - 1. */
    sj_blockfun_shift_port(f, 0, 2, 0, 0, false);
    ast = compile_ok(f);
    assert_int_equal(ast->kids[0]->kids[0]->kids[0]->kind, SJ_AST_BINOP);
    sj_ast_free(ast);
    SJT_ASSERT_NEAR(run_once(f, 0).ret, 2.5, 1e-12);
    sj_blockfun_free(f);
}

static void test_fanout_and_forward(void **state)
{
    (void)state;
    /* value -> "->" -> ->2 whose two outputs feed both inputs of "*": x*x. */
    sj_blockfun *f = sjt_blocks_newfun();
    put_v(f, 0, 0, 0, "value", "3"); /* 1 */
    put_n(f, 0, 1, 0, "->");          /* 2 */
    put_n(f, 0, 2, 0, "->2");         /* 3 */
    put_n(f, 0, 3, 0, "*");           /* 4 */
    sj_ast *ast = compile_ok(f);
    assert_ast(ast, shape(sj_stmts(1, sj_assign("_res_", sj_mul(sj_stmts(2, sj_assign("_tmp1__", sj_lit(3)),
                                                                         sj_var("_tmp1__")),
                                                                sj_var("_tmp1__"))))));
    sj_ast_free(ast);
    SJT_ASSERT_SAME(run_once(f, 0).ret, 9.0);
    sj_blockfun_free(f);
}

static void test_empty_and_unconnected(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    sj_ast *ast = compile_ok(f);
    assert_ast(ast, shape(sj_stmts(0)));
    sj_ast_free(ast);
    SJT_ASSERT_SAME(run_once(f, 0).ret, 0.0);
    /* An unconnected input reads 0.0 (the null type "zero"). */
    put_n(f, 0, 3, 3, "sin");
    ast = compile_ok(f);
    assert_ast(ast, shape(sj_stmts(1, sj_assign("_res_", sj_call("sin", 1, 1, sj_lit(0.0))))));
    sj_ast_free(ast);
    sj_blockfun_free(f);
}

/* ---------------------------------------------------------------------------------------------- */
/* Errors */

static void compile_bad(sj_blockfun *f, sj_status want, size_t uid, const char *msg)
{
    sj_ast *ast = (sj_ast *)1;
    sj_diag d;
    memset(&d, 0, sizeof d);
    sj_status st = sj_blockfun_compile(f, &ast, &d);
    assert_int_equal(st, want);
    assert_null(ast);
    assert_int_equal(d.uid, uid);
    if (!strstr(d.message, msg))
        fail_msg("message \"%s\" lacks \"%s\"", d.message, msg);
}

static void load(sj_blockfun *f, const char *json)
{
    sj_diag d;
    if (sj_blockfun_load_json(f, json, strlen(json), &d))
        fail_msg("load: %s", d.message);
}

static void test_compile_errors(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    put_v(f, 0, 0, 0, "value", "1,5");
    compile_bad(f, SJ_ERR_SYNTAX, 1, "block 1 (value) at (0,0): bad literal number \"1,5\"");
    sj_blockfun_set_label(f, 0, 0, 0, " 1");
    compile_bad(f, SJ_ERR_SYNTAX, 1, "bad literal number"); /* Rust's parse rejects whitespace */
    /* What Rust's f64 parse accepts. */
    const char *okv[] = {"1e3", "-1.5", "+2", ".5", "5.", "inf", "-Infinity", "NaN"};
    for (size_t i = 0; i < sizeof okv / sizeof okv[0]; i++) {
        sj_blockfun_set_label(f, 0, 0, 0, okv[i]);
        sj_ast *a = compile_ok(f);
        sj_ast_free(a);
    }
    sj_blockfun_free(f);

    /* From hand-made files: a type the language lacks, an unassigned named input, too many
     * inputs, a wrong number of unnamed inputs, missing output label, no temporary for an output. */
    const char *head = "{\"areas\":[{\"blocks\":[";
    struct {
        const char *blocks;
        sj_status st;
        size_t uid;
        const char *msg;
    } cases[] = {
        {"{\"block\":{\"id\":5,\"typ\":\"nope\",\"rows\":1,\"outputs\":[\"\"]},\"x\":0,\"y\":0}", SJ_ERR_NOT_FOUND, 5,
         "unknown block type \"nope\""},
        {"{\"block\":{\"id\":2,\"typ\":\"-\",\"rows\":2,\"inputs\":[\"a\",\"x\"],\"outputs\":[\"\"]},\"x\":0,\"y\":0}",
         SJ_ERR_SYNTAX, 2, "unassigned input Some(\"b\") of \"-\""},
        {"{\"block\":{\"id\":3,\"typ\":\"sin\",\"rows\":2,\"inputs\":[\"\",\"\"],\"outputs\":[\"\"]},\"x\":0,\"y\":0}",
         SJ_ERR_SYNTAX, 3, "too many inputs for \"sin\""},
        {"{\"block\":{\"id\":4,\"typ\":\"+\",\"rows\":2,\"inputs\":[\"\",null],\"outputs\":[\"\"]},\"x\":0,\"y\":0}",
         SJ_ERR_SYNTAX, 4, "wrong number of inputs for \"+\": 1 connected"},
        {"{\"block\":{\"id\":6,\"typ\":\"/%\",\"rows\":2,\"inputs\":[\"a\",\"b\"],\"outputs\":[\"\",\"re\"]},\"x\":0,\"y\":0}",
         SJ_ERR_SYNTAX, 6, "missing output label"},
        {"{\"block\":{\"id\":7,\"typ\":\"/%\",\"rows\":2,\"inputs\":[\"a\",\"b\"],\"outputs\":[\"xx\"]},\"x\":0,\"y\":0}",
         SJ_ERR_SYNTAX, 7, "no temporary variable for output \"xx\""},
        {"{\"block\":{\"id\":8,\"typ\":\"->\",\"rows\":1,\"outputs\":[\"\"]},\"x\":0,\"y\":0}", SJ_ERR_SYNTAX, 8,
         "has no input (bad tree)"},
        {"{\"block\":{\"id\":9,\"typ\":\"if\",\"rows\":1,\"outputs\":[\"\"]},\"x\":0,\"y\":0}", SJ_ERR_SYNTAX, 9,
         "wrong number of inputs for \"if\": 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[600];
        snprintf(json, sizeof json, "%s%s]}]}", head, cases[i].blocks);
        f = sjt_blocks_newfun();
        load(f, json);
        compile_bad(f, cases[i].st, cases[i].uid, cases[i].msg);
        sj_blockfun_free(f);
    }
}

static void test_deep_chain(void **state)
{
    (void)state;
    /* A long row of "->" (depth 3000) compiles without recursion trouble; a longer one (6000)
     * is refused with SJ_ERR_TOO_DEEP instead of overflowing the stack. */
    for (int pass = 0; pass < 2; pass++) {
        int n = pass ? 6000 : 3000;
        sj_blockfun *f = sjt_blocks_newfun();
        put_v(f, 0, 0, 0, "value", "4");
        for (int i = 1; i <= n; i++)
            put_n(f, 0, i, 0, "->");
        sj_ast *ast = NULL;
        sj_status st = sj_blockfun_compile(f, &ast, NULL);
        if (pass == 0) {
            assert_int_equal(st, SJ_OK);
            assert_ast(ast, shape(sj_stmts(1, sj_assign("_res_", sj_lit(4)))));
            sj_ast_free(ast);
        } else {
            assert_int_equal(st, SJ_ERR_TOO_DEEP);
            assert_null(ast);
        }
        sj_blockfun_free(f);
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* State follows the block */

static void test_state_kept_across_move(void **state)
{
    (void)state;
    sj_blockfun *f = sjt_blocks_newfun();
    put_v(f, 0, 0, 0, "value", "1"); /* 1 */
    put_n(f, 0, 1, 0, "accum");       /* 2: in <- 1, reset <- 0 (unconnected) */
    sjt t = sjt_open(NULL);
    sj_function *old = sjt_compile(&t, compile_ok(f));
    sj_function_init(old, 44100.0, NULL);
    /* accum: value += input, returns value: 1, 2, 3 */
    SJT_ASSERT_SAME(sjt_exec(old, 0, 0, NULL, NULL), 1.0);
    SJT_ASSERT_SAME(sjt_exec(old, 0, 0, NULL, NULL), 2.0);
    SJT_ASSERT_SAME(sjt_exec(old, 0, 0, NULL, NULL), 3.0);
    /* Move the chain elsewhere, and then the accum alone into an if's then-area and back out: the
     * id (uid 2) stays, so the recompiled function keeps the accumulator. */
    assert_int_equal(sj_blockfun_move_chain(f, 0, 1, 0, 0, 6, 5), SJ_OK);
    sj_block_info bi;
    assert_true(sj_blockfun_block_at(f, 0, 6, 5, &bi));
    assert_int_equal(bi.id, 2);
    sj_ast *ast = compile_ok(f);
    assert_ast(ast, shape(sj_stmts(1, sj_assign("_res_", sj_call("accum", 2, 2, sj_lit(1), sj_lit(0))))));
    sj_function *fresh = sjt_compile(&t, ast);
    sj_function_init(fresh, 44100.0, old);
    sj_function_free(old);
    SJT_ASSERT_SAME(sjt_exec(fresh, 0, 0, NULL, NULL), 4.0);
    /* A clone is a new block: new id, new state. */
    assert_int_equal(sj_blockfun_clone_block(f, 0, 6, 5, 0, 6, 8), SJ_OK);
    assert_int_equal(sj_blockfun_move_block(f, 0, 5, 5, 0, 5, 8), SJ_OK); /* the value now feeds the clone */
    put_v(f, 0, 7, 5, "set", "&sig1");                                      /* shows the original */
    sj_function *third = sjt_compile(&t, compile_ok(f));
    sj_function_init(third, 44100.0, fresh);
    sj_function_free(fresh);
    /* The original (uid 2) now reads 0 at its input: 4 + 0 = 4, into &sig1. The clone (uid 3, the
     * bottom-most unconnected output, so the result) starts from 0: 0 + 1 = 1. */
    double s1;
    SJT_ASSERT_SAME(sjt_exec(third, 0, 0, &s1, NULL), 1.0);
    SJT_ASSERT_SAME(s1, 4.0);
    assert_true(sj_function_has_node_state(third, 2));
    assert_true(sj_function_has_node_state(third, 3));
    sj_function_free(third);
    sjt_close(&t);
    sj_blockfun_free(f);
}

static void test_examples_run(void **state)
{
    (void)state;
    /* The block examples in examples/ load, compile and run (tests run from the repository). */
    struct {
        const char *path;
        double ret, s1, s2;
    } ex[] = {
        {"examples/blocks_sig.json", -1.3, 0.3, -0.3},
        {"examples/blocks_if.json", 10.0, 0.0, 0.0},
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        FILE *fp = fopen(ex[i].path, "rb");
        if (!fp)
            fail_msg("cannot open %s (run the tests from the repository root)", ex[i].path);
        char buf[65536];
        size_t n = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        sj_blockfun *f = sjt_blocks_newfun();
        sj_diag d;
        if (sj_blockfun_load_json(f, buf, n, &d))
            fail_msg("%s: %s", ex[i].path, d.message);
        run r = run_once(f, 1.0);
        SJT_ASSERT_NEAR(r.ret, ex[i].ret, 1e-12);
        SJT_ASSERT_NEAR(r.s1, ex[i].s1, 1e-12);
        SJT_ASSERT_NEAR(r.s2, ex[i].s2, 1e-12);
        sj_blockfun_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_a_sig1),
        cmocka_unit_test(test_example_b_arithmetics),
        cmocka_unit_test(test_example_c_divrem),
        cmocka_unit_test(test_divrem_variants),
        cmocka_unit_test(test_example_d_accum_shift),
        cmocka_unit_test(test_arithmetics_variants),
        cmocka_unit_test(test_if_both_branches),
        cmocka_unit_test(test_if_side_effects_and_nesting),
        cmocka_unit_test(test_pi_constants),
        cmocka_unit_test(test_no_tmp_read_before_set),
        cmocka_unit_test(test_fanout_and_forward),
        cmocka_unit_test(test_empty_and_unconnected),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_deep_chain),
        cmocka_unit_test(test_state_kept_across_move),
        cmocka_unit_test(test_examples_run),
    };
    return cmocka_run_group_tests(tests, sjt_blocks_setup, sjt_blocks_teardown);
}

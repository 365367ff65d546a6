/*
 * From text to blocks (sj_blocks_layout, docs/blocks.md): a program laid out on the grid and compiled
 * back (sj_blockfun_compile) gives the same outputs as the program itself, frame by frame, bit for
 * bit. Bit-exact comparison is valid because both programs do the same floating-point operations on
 * the same values in the same order (the layout only adds copies through variables) and both run on
 * the same backend; NaN payloads aside (sjt_same).
 */
#include "sjtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static sj_ast *parse_text(const char *src)
{
    sj_ast *ast = NULL;
    sj_diag_list dl;
    sj_diag_list_init(&dl);
    sj_status st = sj_parse(src, strlen(src), "test.sj", sjt_blocks_lib, &ast, &dl);
    if (st != SJ_OK) {
        char *text = sj_diag_list_format(&dl, src, strlen(src), false);
        fprintf(stderr, "%s", text ? text : "");
        sj_free(text);
    }
    sj_diag_list_fini(&dl);
    assert_int_equal(st, SJ_OK);
    return ast;
}

static sj_function *compile_in(sj_context *ctx, const sj_ast *ast)
{
    sj_function *f = NULL;
    sj_diag d;
    memset(&d, 0, sizeof d);
    sj_status st = sj_compile(ctx, ast, NULL, &f, &d);
    if (st != SJ_OK)
        fail_msg("compile: %s", d.message);
    sj_function_init(f, 44100, NULL);
    return f;
}

/* Inputs of frame i: varied, crossing 0.5 (if conditions), negative, growing. */
static void frame_inputs(size_t i, double in[6])
{
    in[0] = sin((double)i * 0.37) * 1.3;
    in[1] = (double)((i * 7) % 11) / 5.0 - 1.0;
    in[2] = (double)i * 0.01;
    in[3] = (double)(i % 3);
    in[4] = -(double)i * 0.5;
    in[5] = 1.0 / (double)(i + 1);
}

/* The JSON file of fun loads back into a program that compiles to the same AST and saves to the same
 * text. */
static void check_round_trip(const sj_blockfun *fun, const sj_ast *compiled)
{
    char *json = sj_blockfun_save_json(fun);
    assert_non_null(json);
    sj_blockfun *g = sjt_blocks_newfun();
    sj_diag d;
    memset(&d, 0, sizeof d);
    if (sj_blockfun_load_json(g, json, strlen(json), &d) != SJ_OK)
        fail_msg("load: %s", d.message);
    sj_ast *again = NULL;
    assert_int_equal(sj_blockfun_compile(g, &again, &d), SJ_OK);
    assert_true(sj_ast_equal(again, compiled));
    char *json2 = sj_blockfun_save_json(g);
    assert_non_null(json2);
    assert_string_equal(json, json2);
    sj_free(json2);
    sj_free(json);
    sj_ast_free(again);
    sj_blockfun_free(g);
}

typedef void (*inputs_fn)(size_t i, double in[6]);

/* Lays ast out, compiles the grid, runs both for frames frames in two contexts on backend, with the
 * inputs of in_fn: same outputs. */
static void check_same_with(const sj_ast *ast, size_t frames, bool round_trip, sj_backend_kind backend,
                            inputs_fn in_fn)
{
    sj_blockfun *fun = NULL;
    sj_diag d;
    memset(&d, 0, sizeof d);
    sj_status st = sj_blocks_layout(ast, sjt_blocks_lang, &fun, &d);
    if (st != SJ_OK) {
        char *dump = sj_print(ast);
        fail_msg("layout: %s\n%s", d.message, dump ? dump : "");
    }
    sj_ast *grid = NULL;
    st = sj_blockfun_compile(fun, &grid, &d);
    if (st != SJ_OK)
        fail_msg("block compile: %s", d.message);
    sj_context_config cfg;
    sj_context_config_init(&cfg);
    cfg.backend = backend;
    sj_context *c1 = sj_context_new(sjt_blocks_lib, &cfg), *c2 = sj_context_new(sjt_blocks_lib, &cfg);
    assert_non_null(c1);
    assert_non_null(c2);
    sj_function *f1 = compile_in(c1, ast), *f2 = compile_in(c2, grid);
    for (size_t i = 0; i < frames; i++) {
        double in[6];
        in_fn(i, in);
        double s1a = 0, s2a = 0, s1b = 0, s2b = 0;
        double ra = sj_function_exec(f1, in[0], in[1], in[2], in[3], in[4], in[5], &s1a, &s2a);
        double rb = sj_function_exec(f2, in[0], in[1], in[2], in[3], in[4], in[5], &s1b, &s2b);
        if (!sjt_same(ra, rb) || !sjt_same(s1a, s1b) || !sjt_same(s2a, s2b)) {
            char *t1 = sj_print(ast), *t2 = sj_print(grid), *pic = sj_blockfun_ascii(fun);
            fprintf(stderr, "program:\n%s\nblocks:\n%s\ncompiled:\n%s\nframe %zu, inputs %g %g %g %g %g %g\n",
                    t1 ? t1 : "", pic ? pic : "", t2 ? t2 : "", i, in[0], in[1], in[2], in[3], in[4], in[5]);
            sj_free(t1);
            sj_free(t2);
            sj_free(pic);
        }
        SJT_ASSERT_SAME(rb, ra);
        SJT_ASSERT_SAME(s1b, s1a);
        SJT_ASSERT_SAME(s2b, s2a);
    }
    if (round_trip)
        check_round_trip(fun, grid);
    sj_function_free(f1);
    sj_function_free(f2);
    sj_context_free(c1);
    sj_context_free(c2);
    sj_ast_free(grid);
    sj_blockfun_free(fun);
}

static void check_same(const sj_ast *ast, size_t frames, bool round_trip)
{
    check_same_with(ast, frames, round_trip, SJ_BACKEND_DEFAULT, frame_inputs);
}

static void check_text(const char *src)
{
    sj_ast *ast = parse_text(src);
    check_same(ast, 200, true);
    sj_ast_free(ast);
}

/* ---------------------------------------------------------------------------------------------- */

/* The examples' inputs: a stereo signal on in1/in2 (effect.sj), the parameters alpha and beta fixed
 * at example_params (the examples test them with `> 0` and fall back to defaults otherwise). */
static double example_params[2];

static void example_inputs(size_t i, double in[6])
{
    in[0] = 0.8 * sin((double)i * 0.0123);
    in[1] = 0.5 * sin((double)i * 0.0311) + 0.3 * sin((double)i * 0.17);
    in[2] = example_params[0];
    in[3] = example_params[1];
    in[4] = 0.0;
    in[5] = 0.0;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

/* Every example but delay.sj (buffers) lays out, and its blocks run like its text, bit for bit, for 2 s
 * (44.1 kHz) with several values of the parameters alpha and beta (the defaults 0, values in range,
 * out-of-range ones, NaN), on both backends (the interpreter for the first 0.5 s: it is slower).
 * delay.sj names its buffer declaration with its line and column. */
static void test_examples_files(void **state)
{
    (void)state;
    static const char *const files[] = {"examples/demo.sj", "examples/effect.sj", "examples/filter.sj",
                                        "examples/oscillators.sj", "examples/reference.sj"};
    static const double params[][2] = {{0, 0}, {0.6, 0.3}, {-0.5, 3}, {NAN, NAN}};
    size_t frames = sjt_under_valgrind() ? 2000 : 88200;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        sj_ast *ast = parse_text(read_file(files[i]));
        for (size_t p = 0; p < sizeof params / sizeof params[0]; p++) {
            example_params[0] = params[p][0];
            example_params[1] = params[p][1];
            check_same_with(ast, frames, p == 0, SJ_BACKEND_NATIVE, example_inputs);
            check_same_with(ast, frames / 4, false, SJ_BACKEND_INTERP, example_inputs);
        }
        sj_ast_free(ast);
    }
    sj_ast *ast = parse_text(read_file("examples/delay.sj"));
    sj_blockfun *fun = (sj_blockfun *)&fun;
    sj_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(sj_blocks_layout(ast, sjt_blocks_lang, &fun, &d), SJ_ERR_UNSUPPORTED);
    assert_null(fun);
    assert_int_equal(d.line, 6);
    assert_int_equal(d.col, 1);
    assert_non_null(strstr(d.message, "buffer declaration 'decl buf[0]' cannot be drawn as blocks"));
    sj_ast_free(ast);
}

/* The reference's worked examples (§5.7) in AST form. */
static void test_reference_examples(void **state)
{
    (void)state;
    /* A: sig1 = 0.3, sig2 = -0.3, returns -1.3. */
    sj_ast *a = sj_stmts(3, sj_assign("&sig1", sj_lit(0.3)), sj_assign("&sig2", sj_lit(-0.3)), sj_lit(-1.3));
    assert_non_null(a);
    check_same(a, 4, true);
    sj_ast_free(a);
    /* B: (0.5 + 0.01) * 2.0 = 1.02. */
    sj_ast *b = sj_mul(sj_add(sj_lit(0.5), sj_lit(0.01)), sj_lit(2.0));
    check_same(b, 4, true);
    sj_ast_free(b);
    /* C: /% with its remainder on &sig1. */
    sj_ast *c = sj_stmts(3, sj_assign("q", sj_call("/%", 3, 2, sj_lit(0.3), sj_lit(-0.4))),
                         sj_assign("&sig1", sj_var("%1")), sj_var("q"));
    check_same(c, 4, true);
    sj_ast_free(c);
    /* D: accum with a persistent reset input; the uid 1 becomes the block id 1. */
    sj_ast *dd = sj_call("accum", 1, 2, sj_lit(0.01), sj_var("*reset"));
    check_same(dd, 50, true);
    sj_blockfun *fun = NULL;
    assert_int_equal(sj_blocks_layout(dd, sjt_blocks_lang, &fun, NULL), SJ_OK);
    sj_block_info info;
    assert_true(sj_blockfun_find_block(fun, 1, &info));
    assert_string_equal(info.type, "accum");
    sj_blockfun_free(fun);
    sj_ast_free(dd);
}

/* The text form of the program a grid compiles to (sj_free it). */
static char *grid_text(const sj_blockfun *fun)
{
    sj_ast *grid = NULL;
    assert_int_equal(sj_blockfun_compile(fun, &grid, NULL), SJ_OK);
    char *text = sj_print(grid);
    assert_non_null(text);
    sj_ast_free(grid);
    return text;
}

/* The drawing of a small program: one chain per statement, the set on the right. A comparison is a
 * block of its node, here gt with in1 on its input a and 2 on its input b: the grid calls gt(in1, 2). */
static void test_drawing(void **state)
{
    (void)state;
    sj_ast *ast = parse_text("x = phase(440, 0)\n&sig1 = sin(x * TAU) * 0.5\ny = in1 > 2\n");
    sj_blockfun *fun = NULL;
    assert_int_equal(sj_blocks_layout(ast, sjt_blocks_lang, &fun, NULL), SJ_OK);
    char *pic = sj_blockfun_ascii(fun);
    assert_non_null(pic);
    assert_non_null(strstr(pic, "[440      ]---fr>[phase    ]ph--->[set x    ]"));
    assert_non_null(strstr(pic, "[2\xCF\x80"));  /* TAU is the 2π block */
    assert_non_null(strstr(pic, "----->[set &sig1]"));
    assert_non_null(strstr(pic, "[get in1  ]----a>[gt       ]----->[set y    ]"));
    assert_non_null(strstr(pic, "[2        ]----b>|         |"));
    sj_free(pic);
    char *text = grid_text(fun);
    assert_non_null(strstr(text, "y = gt@"));
    assert_non_null(strstr(text, "(in1, 2)"));
    sj_free(text);
    sj_blockfun_free(fun);
    check_same(ast, 100, true);
    sj_ast_free(ast);
}

/* Call uids are block ids where the file format allows it; the state follows. */
static void test_uids(void **state)
{
    (void)state;
    uint64_t big = (uint64_t)1 << 63 | 5; /* beyond the file format: a fresh id */
    sj_ast *ast = sj_stmts(3, sj_assign("&sig1", sj_call("accum", 12345, 2, sj_lit(1), sj_lit(0))),
                           sj_assign("&sig2", sj_call("accum", big, 2, sj_lit(2), sj_lit(0))),
                           sj_call("phase", 7, 2, sj_lit(100), sj_lit(0)));
    assert_non_null(ast);
    sj_blockfun *fun = NULL;
    assert_int_equal(sj_blocks_layout(ast, sjt_blocks_lang, &fun, NULL), SJ_OK);
    sj_block_info info;
    assert_true(sj_blockfun_find_block(fun, 12345, &info));
    assert_string_equal(info.type, "accum");
    assert_true(sj_blockfun_find_block(fun, 7, &info));
    assert_string_equal(info.type, "phase");
    assert_true(sj_blockfun_current_id(fun) >= 12345);
    /* The compiled program has the uid 12345 and 7, and another uid for the big one. */
    char *text = grid_text(fun);
    assert_non_null(strstr(text, "accum@12345("));
    assert_non_null(strstr(text, "phase@7("));
    assert_null(strstr(text, "9223372036854775813"));
    sj_free(text);
    sj_blockfun_free(fun);
    check_same(ast, 20, true);
    sj_ast_free(ast);
    /* Switching from the text program to its blocks in one context keeps the state of a kept uid:
     * accum@7 counts on (10 frames of +1, then 11), while a call whose uid could not be kept
     * starts again. */
    sj_ast *txt = parse_text("&sig1 = accum@7(1, 0)\n&sig2 = accum@9223372036854775813(1, 0)\n");
    assert_int_equal(sj_blocks_layout(txt, sjt_blocks_lang, &fun, NULL), SJ_OK);
    sj_ast *grid = NULL;
    assert_int_equal(sj_blockfun_compile(fun, &grid, NULL), SJ_OK);
    sj_context *ctx = sj_context_new(sjt_blocks_lib, NULL);
    sj_function *f1 = compile_in(ctx, txt), *f2 = NULL;
    double s1 = 0, s2 = 0;
    for (int i = 0; i < 10; i++)
        sj_function_exec(f1, 0, 0, 0, 0, 0, 0, &s1, &s2);
    SJT_ASSERT_SAME(s1, 10.0);
    SJT_ASSERT_SAME(s2, 10.0);
    assert_int_equal(sj_compile(ctx, grid, NULL, &f2, NULL), SJ_OK);
    sj_function_init(f2, 44100, f1);
    s1 = s2 = 0;
    sj_function_exec(f2, 0, 0, 0, 0, 0, 0, &s1, &s2);
    SJT_ASSERT_SAME(s1, 11.0); /* accum: the sum after adding the input (reference semantics) */
    SJT_ASSERT_SAME(s2, 1.0);
    sj_function_free(f1);
    sj_function_free(f2);
    sj_context_free(ctx);
    sj_ast_free(grid);
    sj_blockfun_free(fun);
    sj_ast_free(txt);
    /* Two stateful calls with one uid share state in text; blocks cannot. */
    sj_ast *two = sj_add(sj_call("accum", 9, 2, sj_lit(1), sj_lit(0)), sj_call("accum", 9, 2, sj_lit(1), sj_lit(0)));
    sj_diag d;
    assert_int_equal(sj_blocks_layout(two, sjt_blocks_lang, &fun, &d), SJ_ERR_UNSUPPORTED);
    assert_null(fun);
    assert_non_null(strstr(d.message, "same state uid"));
    sj_ast_free(two);
}

/* Constructs that need the layout's tricks: hoisted temporaries, nested assignments, if values, %k
 * read in the same statement, a call without output, weird assignment targets. */
static void test_tricky(void **state)
{
    (void)state;
    check_text("a = b = in1 * 2\n&sig1 = a + b\n");
    check_text("x = 1\ny = (x = in1 + 3) * x\n&sig1 = y\nx\n");
    check_text("&sig1 = (in1 + in2) * (alpha + beta) - (in1 * beta) / (gamma + 1)\n");
    check_text("&sig1 = ((in1 + in2) + (alpha + beta)) + ((delta + gamma) + (in1 * in2))\n");
    check_text("&sig1 = /%(in1 * 10, 3) + %1 * 100\n");
    check_text("y = if in1 { z = 3; z * 2 } else { 4 }\n&sig2 = y + if alpha { 1 } else { 2 }\n");
    check_text("if in2 { &sig1 = 5 }\n");
    check_text("if in2 { &sig1 = 5 } else { q = /%(in1, 0.3); &sig2 = %1 }\n");
    check_text("atomw(1, in1)\n&sig1 = atomr(1) + atomw(2, atomr(1) * 2) + atomr(2)\n");
    check_text("$srate = 3\n");
    check_text("PI = in1\n");
    check_text("%1 = 4\n");
    check_text("t = 1\n_t1 = 2\n&sig1 = t + _t1 + (in1 + 2) * (in2 + 3) * (alpha + 4)\n");
    check_text("&sig1 = 1\n{ &sig2 = 2; 3 }\n");
    check_text("");
    check_text("7\n");
    check_text("x = sin(in1)\nsin(in2)\nx\n");
    check_text("*p = *p + 0.01\n&sig1 = *p\n");
    check_text("in1 = in1 * 2\nin1\n");
    check_text("&sig1 = sin(sin(sin(in1 + 1) * 2 + in2) * (alpha + sin(beta * 3)))\n");
    check_text("&sig1 = svf(in1, 1000, 1) + svf(in2, 500, 2) * %3\n");
    check_text("x = /%(1, 2)\ny = sin(3)\nz = %1\n");
    check_text("x = -0\ny = 1e-300 * inf\nnan\n");
}

/* Inputs for comparisons: in1, in2 and alpha run through every triple of ordinary and equal values,
 * signed zeros, infinities, a denormal and NaN (1000 frames); beta and delta vary too. */
static const double cmp_values[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, INFINITY, -INFINITY, NAN, 4.9e-324};
#define NCMP (sizeof cmp_values / sizeof cmp_values[0])

static void comparison_inputs(size_t i, double in[6])
{
    in[0] = cmp_values[i % NCMP];
    in[1] = cmp_values[(i / NCMP) % NCMP];
    in[2] = cmp_values[(i / (NCMP * NCMP)) % NCMP];
    in[3] = cmp_values[(i * 7 + 3) % NCMP];
    in[4] = (double)(i % 3);
    in[5] = -(double)(i % 2);
}

/* Comparisons become blocks of the nodes eq, ne, lt, le, gt, ge (inputs a and b in that order, see
 * test_drawing) and run like the operators, also as `if` conditions: the text's `if a > b` branches on the comparison,
 * the `if` block on its input >= 0.5, and the node gives 1 or 0, so the branch is the same (NaN
 * operands included: 0 for the ordered comparisons, 1 for !=). The oracle is the text program itself
 * on the same backend; both backends. */
static void test_comparisons(void **state)
{
    (void)state;
    static const char *const progs[] = {
        "&sig1 = (in1 == in2) + 2 * (in1 != in2) + 4 * (in1 < in2) + 8 * (in1 <= in2) + 16 * (in1 > in2) + "
        "32 * (in1 >= in2)\n"
        "&sig2 = (in2 == in1) + 2 * (in2 != in1) + 4 * (in2 < in1) + 8 * (in2 <= in1) + 16 * (in2 > in1) + "
        "32 * (in2 >= in1)\n",
        "a = if in1 == in2 { 1 } else { 2 }\n"
        "b = if in1 != in2 { 4 } else { 8 }\n"
        "c = if in1 < in2 { 16 } else { 32 }\n"
        "&sig1 = a + b + c\n"
        "a = if in1 <= in2 { 1 } else { 2 }\n"
        "b = if in1 > in2 { 4 } else { 8 }\n"
        "c = if in1 >= in2 { 16 } else { 32 }\n"
        "&sig2 = a + b + c\n",
        "if in1 != alpha { &sig1 = 3 }\n"
        "if in1 > alpha { &sig2 = in2 } else if in1 == alpha { &sig2 = -1 } else { &sig2 = in1 - alpha }\n"
        "if (in1 < in2) == (alpha < in2) { 7 } else { (in1 >= alpha) * 9 }\n",
        "x = /%(in1 * 3, 2) > %1\n&sig1 = s&h(in2, in1 > 0.5) + accum(beta >= 1, delta == 0)\n"
        "&sig2 = sin(in1 <= in2) * (x != (in1 == in1))\n",
    };
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        sj_ast *ast = parse_text(progs[i]);
        check_same_with(ast, NCMP * NCMP * NCMP, true, SJ_BACKEND_NATIVE, comparison_inputs);
        check_same_with(ast, NCMP * NCMP * NCMP, false, SJ_BACKEND_INTERP, comparison_inputs);
        sj_ast_free(ast);
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* Random programs made of what blocks express. */

typedef struct rng {
    uint64_t s;
    uint64_t uid;
} rng;

static uint64_t rnext(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned rpick(rng *r, unsigned n)
{
    return (unsigned)(rnext(r) % n);
}

static uint64_t new_uid(rng *r)
{
    r->uid++;
    return r->uid % 3 == 0 ? rnext(r) | 1 : r->uid * 1000 + 17; /* small and huge uids */
}

static sj_ast *gen_list(rng *r, int depth, bool top);
static sj_ast *gen_expr(rng *r, int depth);

/* One of the six comparisons; now and then of a value with itself or with a copy of one of the values
 * the generator favours, so that equal operands occur. */
static sj_ast *gen_cmp(rng *r, int depth)
{
    sj_binary_op op = (sj_binary_op)(SJ_EQ + rpick(r, 6));
    switch (rpick(r, 4)) {
    case 0: {
        static const char *const v[] = {"in1", "beta", "a", "*p"};
        const char *name = v[rpick(r, 4)];
        return sj_binop(op, sj_var(name), rpick(r, 2) ? sj_var(name) : sj_lit((double)rpick(r, 3)));
    }
    default:
        return sj_binop(op, gen_expr(r, depth), gen_expr(r, depth));
    }
}

static sj_ast *gen_expr(rng *r, int depth)
{
    static const char *const vars[] = {"in1", "in2", "alpha", "beta", "delta", "gamma", "$srate",
                                       "$israte", "*p", "*q", "&sig1", "&sig2", "a", "b", "c"};
    static const double lits[] = {0.5, -1.25, 3, 0.0, -0.0, 1e-3, 100, 0.75};
    unsigned k = depth <= 0 ? rpick(r, 3) : rpick(r, 18);
    switch (k) {
    case 0:
        return sj_lit(lits[rpick(r, 8)]);
    case 1:
        if (rpick(r, 6) == 0)
            return sj_lit(rpick(r, 2) ? M_PI : 2 * M_PI);
        return sj_lit((double)(int64_t)(rnext(r) % 2001) / 100.0 - 10.0);
    case 2:
        return sj_var(vars[rpick(r, sizeof vars / sizeof vars[0])]);
    case 3:
    case 4:
    case 5:
    case 6:
        return sj_binop((sj_binary_op)rpick(r, 4), gen_expr(r, depth - 1), gen_expr(r, depth - 1));
    case 7:
        return sj_call("sin", new_uid(r), 1, gen_expr(r, depth - 1));
    case 8:
        return sj_call("phase", new_uid(r), 2, gen_expr(r, depth - 1), gen_expr(r, depth - 1));
    case 9:
        return sj_call("accum", new_uid(r), 2, gen_expr(r, depth - 1), gen_expr(r, depth - 1));
    case 10:
        return sj_call("s&h", new_uid(r), 2, gen_expr(r, depth - 1), gen_expr(r, depth - 1));
    case 11:
        return sj_call("/%", new_uid(r), 2, gen_expr(r, depth - 1), gen_expr(r, depth - 1));
    case 12: {
        static const char *const targets[] = {"a", "b", "c", "&sig2", "*q"};
        return sj_assign(targets[rpick(r, 5)], gen_expr(r, depth - 1));
    }
    case 13: /* half of the conditions are comparisons (the text branches on them directly) */
        return sj_if(rpick(r, 2) ? gen_cmp(r, depth - 1) : gen_expr(r, depth - 1), gen_list(r, depth - 1, false),
                     rpick(r, 3) ? gen_list(r, depth - 1, false) : NULL);
    case 14:
        return sj_call("clamp", new_uid(r), 3, gen_expr(r, depth - 1), gen_expr(r, depth - 1), gen_expr(r, depth - 1));
    case 15:
    case 16:
        return gen_cmp(r, depth - 1);
    default: /* a multi-output call, then one of its outputs in the same expression */
        return sj_add(sj_call("/%", new_uid(r), 2, gen_expr(r, depth - 1), gen_expr(r, depth - 1)), sj_var("%1"));
    }
}

static sj_ast *gen_stmt(rng *r, int depth)
{
    static const char *const targets[] = {"a", "b", "c", "&sig1", "&sig2", "*p", "*q", "in1"};
    switch (rpick(r, 8)) {
    case 0:
        return gen_expr(r, depth);
    case 6: /* svf, then some of its outputs */
        return sj_stmts(3, sj_assign("b", sj_call("svf", new_uid(r), 3, gen_expr(r, depth - 1), sj_lit(800), sj_lit(2))),
                        sj_assign("c", sj_sub(sj_var("%1"), sj_var("%2"))),
                        sj_assign(targets[rpick(r, 8)], sj_mul(sj_var("%3"), gen_expr(r, depth - 1))));
    case 7: /* a nested statement list */
        return gen_list(r, depth - 1, false);
    case 1: /* /% then its remainder in the next statement */
        return sj_stmts(2, sj_assign("a", sj_call("/%", new_uid(r), 2, gen_expr(r, depth - 1), gen_expr(r, depth - 1))),
                        sj_assign(targets[rpick(r, 8)], sj_add(sj_var("%1"), gen_expr(r, depth - 1))));
    default:
        return sj_assign(targets[rpick(r, 8)], gen_expr(r, depth));
    }
}

static sj_ast *gen_list(rng *r, int depth, bool top)
{
    size_t n = top ? 2 + rpick(r, 6) : rpick(r, 3);
    sj_ast *s = sj_stmts(0);
    for (size_t i = 0; s && i < n; i++)
        if (sj_ast_push(s, gen_stmt(r, depth)) != SJ_OK)
            return NULL;
    if (s && top && rpick(r, 8) == 0) /* a target whose read does not give the value written */
        if (sj_ast_push(s, sj_assign(rpick(r, 2) ? "$srate" : "PI", gen_expr(r, depth))) != SJ_OK)
            return NULL;
    return s;
}

static void test_random(void **state)
{
    (void)state;
    size_t count = sjt_under_valgrind() ? 40 : 400;
    if (getenv("SJT_LAYOUT_SEEDS"))
        count = (size_t)strtoul(getenv("SJT_LAYOUT_SEEDS"), NULL, 10);
    for (size_t seed = 1; seed <= count; seed++) {
        rng r = {seed * 7919, 0};
        sj_ast *ast = gen_list(&r, getenv("SJT_LAYOUT_DEPTH") ? atoi(getenv("SJT_LAYOUT_DEPTH")) : 4, true);
        assert_non_null(ast);
        check_same(ast, 48, seed % 10 == 0);
        sj_ast_free(ast);
    }
}

/* ---------------------------------------------------------------------------------------------- */

/* What blocks cannot draw: SJ_ERR_UNSUPPORTED with the construct and its line:col. */
static void test_unsupported(void **state)
{
    (void)state;
    static const struct {
        const char *src;
        sj_status code;
        int line, col;
        const char *what;
    } cases[] = {
        {"\n  decl buf[1] = 10\n", SJ_ERR_UNSUPPORTED, 2, 3, "buffer declaration"},
        {"x = buf[0][3]\n", SJ_ERR_UNSUPPORTED, 1, 5, "buffer read"},
        {"x = buf~[0][3]\n", SJ_ERR_UNSUPPORTED, 1, 5, "interpolated buffer read"},
        {"buf[2][1] = 4\n", SJ_ERR_UNSUPPORTED, 1, 1, "buffer write"},
        {"x = table[0][3]\n", SJ_ERR_UNSUPPORTED, 1, 5, "table read"},
        {"x = table~[0][3]\n", SJ_ERR_UNSUPPORTED, 1, 5, "interpolated table read"},
        {"x = buf[0].len\n", SJ_ERR_UNSUPPORTED, 1, 5, "buffer length"},
        {"x = table[0].len\n", SJ_ERR_UNSUPPORTED, 1, 5, "table length"},
        {"x = %1\n", SJ_ERR_UNSUPPORTED, 1, 5, "the read of '%1'"},
        {"z = %1 + /%(1, 2)\n", SJ_ERR_UNSUPPORTED, 1, 5, "the read of '%1'"},
        {"x = /%(1, 2)\nz = %2\n", SJ_ERR_UNSUPPORTED, 2, 5, "the read of '%2'"},
        {"x = if in1 { /%(1, 2) } else { 0 }\nz = %1\n", SJ_ERR_UNSUPPORTED, 2, 5, "the read of '%1'"},
        {"x = 1 + { a = 2; a }\n", SJ_ERR_UNSUPPORTED, 1, 9, "statement list inside an expression"},
        {"_res_ = 4\n", SJ_ERR_UNSUPPORTED, 1, 1, "the variable '_res_'"},
        {"x = _tmp1_di_\n", SJ_ERR_UNSUPPORTED, 1, 5, "the variable '_tmp1_di_'"},
        {"x = _if3_ + 1\n", SJ_ERR_UNSUPPORTED, 1, 5, "the variable '_if3_'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sj_ast *ast = parse_text(cases[i].src);
        sj_blockfun *fun = (sj_blockfun *)&fun;
        sj_diag d;
        memset(&d, 0, sizeof d);
        sj_status st = sj_blocks_layout(ast, sjt_blocks_lang, &fun, &d);
        if (getenv("SJT_SHOW")) {
            printf("%zu: %s %d:%d %s\n", i, sj_status_name(st), d.line, d.col, d.message);
            sj_ast_free(ast);
            continue;
        }
        if (st != cases[i].code || d.line != cases[i].line || d.col != cases[i].col ||
            !strstr(d.message, cases[i].what) || !strstr(d.message, "cannot be drawn as blocks"))
            fail_msg("case %zu (%s): %s, %d:%d: %s", i, cases[i].src, sj_status_name(st), d.line, d.col, d.message);
        assert_null(fun);
        /* The message starts with the construct: the position is in line/col, not in the text. */
        assert_true(strncmp(d.message, cases[i].what, strlen(cases[i].what)) == 0);
        sj_ast_free(ast);
    }
    /* Builder ASTs: no position, still the construct. */
    sj_ast *nanp = sj_lit(0);
    uint64_t bits = 0x7ff8000000000123ull;
    memcpy(&nanp->value, &bits, sizeof bits);
    sj_blockfun *fun = NULL;
    sj_diag d;
    assert_int_equal(sj_blocks_layout(nanp, sjt_blocks_lang, &fun, &d), SJ_ERR_UNSUPPORTED);
    assert_true(strncmp(d.message, "a NaN literal", 13) == 0);
    assert_int_equal(d.line, 0);
    assert_ptr_equal(d.node, nanp);
    sj_ast_free(nanp);
    sj_ast *unknown = sj_call("nosuchnode", 1, 1, sj_lit(1));
    assert_int_equal(sj_blocks_layout(unknown, sjt_blocks_lang, &fun, &d), SJ_ERR_UNDEFINED_NODE);
    assert_non_null(strstr(d.message, "'nosuchnode'"));
    sj_ast_free(unknown);
    sj_ast *few = sj_call("phase", 1, 1, sj_lit(1));
    assert_int_equal(sj_blocks_layout(few, sjt_blocks_lang, &fun, &d), SJ_ERR_NOT_ENOUGH_ARGS);
    sj_ast_free(few);
    assert_int_equal(sj_blocks_layout(NULL, sjt_blocks_lang, &fun, &d), SJ_ERR_INVALID_ARGUMENT);
    assert_null(fun);
}

/* Large programs: many statements, long chains leaning either way, a wide balanced tree. */
static void test_large(void **state)
{
    (void)state;
    sj_ast *many = sj_stmts(0);
    for (int i = 0; many && i < 3000; i++)
        assert_int_equal(sj_ast_push(many, sj_assign(i % 2 ? "&sig1" : "x", sj_add(sj_var("x"), sj_lit(i)))), SJ_OK);
    assert_non_null(many);
    check_same(many, 3, false);
    sj_ast_free(many);
    sj_ast *left = sj_var("in1"), *right = sj_var("in2");
    for (int i = 0; i < 1500; i++) {
        left = sj_sub(left, sj_lit(i));
        right = sj_div(sj_lit(i + 1), right);
    }
    check_same(left, 3, false);
    check_same(right, 3, false);
    sj_ast_free(left);
    sj_ast_free(right);
    /* More blocks than a block file holds: an error, not a file that cannot be loaded. */
    sj_ast *huge = sj_stmts(0);
    for (int i = 0; huge && i < 17000; i++)
        assert_int_equal(sj_ast_push(huge, sj_assign("x", sj_add(sj_var("x"), sj_lit(i)))), SJ_OK);
    sj_blockfun *fun = NULL;
    sj_diag d;
    assert_int_equal(sj_blocks_layout(huge, sjt_blocks_lang, &fun, &d), SJ_ERR_LIMIT);
    assert_null(fun);
    assert_non_null(strstr(d.message, "65536"));
    sj_ast_free(huge);
    sj_ast *tree[512];
    for (int i = 0; i < 512; i++)
        tree[i] = sj_mul(sj_var(i % 2 ? "in1" : "in2"), sj_lit(i));
    for (int n = 512; n > 1; n /= 2)
        for (int i = 0; i < n / 2; i++)
            tree[i] = sj_add(tree[2 * i], tree[2 * i + 1]);
    check_same(tree[0], 3, true);
    sj_ast_free(tree[0]);
}

/* A library of our own: a multi-output node without inputs, a node without outputs, a node whose
 * input labels collide. */
static double pair_fn(double *m)
{
    m[0] = 7.0; /* %1 */
    return 3.0;
}

static void sink_fn(double x)
{
    (void)x;
}

static double same_fn(double a, double b)
{
    return a - b;
}

static void test_custom_library(void **state)
{
    (void)state;
    static const char *const pair_out[] = {"first", "second", NULL};
    static const char *const sink_in[] = {"x", NULL};
    static const char *const same_in[] = {"input_a", "input_b", NULL};
    static const char *const one_out[] = {"out", NULL};
    sj_node_type pair = {"pair", "two outputs", NULL, pair_out, "Mr", 0, NULL, (void (*)(void))pair_fn};
    sj_node_type sink = {"sink", "no output", sink_in, NULL, "v", 0, NULL, (void (*)(void))sink_fn};
    sj_node_type same = {"same", "colliding labels", same_in, one_out, "vvr", 0, NULL, (void (*)(void))same_fn};
    sj_library *lib = sj_library_new();
    assert_non_null(lib);
    assert_int_equal(sj_library_add(lib, &pair, NULL), SJ_OK);
    assert_int_equal(sj_library_add(lib, &sink, NULL), SJ_OK);
    assert_int_equal(sj_library_add(lib, &same, NULL), SJ_OK);
    sj_blocklang *lang = sj_blocklang_new(lib);
    assert_non_null(lang);
    /* pair() inside an expression becomes its own statement; %1 reads its second output. */
    sj_ast *ok = sj_stmts(3, sj_call("sink", 1, 1, sj_lit(2)),
                          sj_assign("&sig1", sj_mul(sj_lit(2), sj_call("pair", 2, 0))),
                          sj_add(sj_var("%1"), sj_call("pair", 3, 0)));
    sj_blockfun *fun = NULL;
    sj_diag d;
    assert_int_equal(sj_blocks_layout(ok, lang, &fun, &d), SJ_OK);
    sj_ast *grid = NULL;
    assert_int_equal(sj_blockfun_compile(fun, &grid, &d), SJ_OK);
    sj_context *c1 = sj_context_new(lib, NULL), *c2 = sj_context_new(lib, NULL);
    sj_function *f1 = compile_in(c1, ok), *f2 = compile_in(c2, grid);
    double a1 = 0, a2 = 0, b1 = 0, b2 = 0;
    double r1 = sj_function_exec(f1, 0, 0, 0, 0, 0, 0, &a1, &a2);
    double r2 = sj_function_exec(f2, 0, 0, 0, 0, 0, 0, &b1, &b2);
    SJT_ASSERT_SAME(r1, 10.0); /* %1 of the first pair (7) + 3 */
    SJT_ASSERT_SAME(r2, r1);
    SJT_ASSERT_SAME(a1, 6.0);
    SJT_ASSERT_SAME(b1, a1);
    sj_function_free(f1);
    sj_function_free(f2);
    sj_context_free(c1);
    sj_context_free(c2);
    sj_ast_free(grid);
    sj_blockfun_free(fun);
    sj_ast_free(ok);
    /* The value of a node without outputs; a node whose inputs have one label. */
    sj_ast *bad1 = sj_add(sj_lit(1), sj_call("sink", 1, 1, sj_lit(2)));
    assert_int_equal(sj_blocks_layout(bad1, lang, &fun, &d), SJ_ERR_UNSUPPORTED);
    assert_non_null(strstr(d.message, "no output"));
    sj_ast_free(bad1);
    sj_ast *bad2 = sj_call("same", 1, 2, sj_lit(1), sj_lit(2));
    assert_int_equal(sj_blocks_layout(bad2, lang, &fun, &d), SJ_ERR_UNSUPPORTED);
    assert_non_null(strstr(d.message, "same block label"));
    sj_ast_free(bad2);
    /* A node of the AST that the language lacks. */
    sj_ast *bad3 = sj_call("sin", 1, 1, sj_lit(1));
    assert_int_equal(sj_blocks_layout(bad3, lang, &fun, &d), SJ_ERR_UNDEFINED_NODE);
    sj_ast_free(bad3);
    /* Comparisons need the standard library's comparison nodes: not there, or another node (ours, or a
     * type defined in the language) under the name, and the comparison cannot be drawn. */
    static const char *const ab[] = {"a", "b", NULL};
    sj_node_type fake_gt = {"gt", "not the comparison", ab, one_out, "vvr", 0, NULL, (void (*)(void))same_fn};
    sj_library *lib2 = sj_library_new();
    assert_non_null(lib2);
    assert_int_equal(sj_library_add(lib2, &fake_gt, NULL), SJ_OK);
    sj_blocklang *lang2 = sj_blocklang_new(lib2), *lang3 = sj_blocklang_new(sjt_blocks_lib);
    assert_non_null(lang2);
    assert_non_null(lang3);
    static const char *const two_in[] = {"a", "b"}, *const one[] = {""};
    sj_block_type gt_type = {"functions", "gt", "redefined", 2, two_in, 2, one, 1, 0, SJ_BLOCK_INPUT_NONE, 16};
    assert_int_equal(sj_blocklang_define(lang3, &gt_type), SJ_OK);
    sj_ast *cmp = parse_text("x = 1\ny = in1 > 2\n");
    const sj_blocklang *langs[] = {lang, lang2, lang3};
    for (size_t i = 0; i < 3; i++) {
        fun = (sj_blockfun *)&fun;
        memset(&d, 0, sizeof d);
        assert_int_equal(sj_blocks_layout(cmp, langs[i], &fun, &d), SJ_ERR_UNSUPPORTED);
        assert_null(fun);
        assert_int_equal(d.line, 2);
        assert_int_equal(d.col, 9);
        assert_true(strncmp(d.message, "comparison '>' cannot be drawn as blocks", 40) == 0);
        assert_non_null(strstr(d.message, "comparison node 'gt'"));
    }
    /* The standard language draws it (the same program, so the failures above are the language's). */
    assert_int_equal(sj_blocks_layout(cmp, sjt_blocks_lang, &fun, &d), SJ_OK);
    sj_blockfun_free(fun);
    sj_ast_free(cmp);
    sj_blocklang_free(lang3);
    sj_blocklang_free(lang2);
    sj_library_release(lib2);
    sj_blocklang_free(lang);
    sj_library_release(lib);
}

/* Every allocation of a layout fails once: an error, no crash, no leak. */
static void test_faults(void **state)
{
    (void)state;
    sj_ast *ast = parse_text("x = phase(440, 0)\nq = /%(x, 0.3)\n&sig1 = %1 + (in1 + 2) * (in2 + 3) * (alpha + 4)\n"
                             "y = if in1 { 1 } else { a = 2; a * 3 }\n");
    sjt_faults_install();
    long ok = 0;
    for (long n = 0; n < 100000; n++) {
        sjt_faults_arm(n);
        sj_blockfun *fun = NULL;
        sj_status st = sj_blocks_layout(ast, sjt_blocks_lang, &fun, NULL);
        long failed = sjt_faults_failures();
        if (st == SJ_OK)
            assert_non_null(fun);
        else {
            assert_int_equal(st, SJ_ERR_NOMEM);
            assert_null(fun);
        }
        sj_blockfun_free(fun);
        if (sjt_faults_live() != 0) {
            long live = sjt_faults_live();
            sjt_faults_remove();
            fail_msg("allocation %ld failed: %ld allocations still live afterwards", n, live);
        }
        if (failed == 0) {
            assert_int_equal(st, SJ_OK);
            ok = n;
            break;
        }
    }
    sjt_faults_remove();
    assert_true(ok > 0);
    sj_ast_free(ast);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_examples), cmocka_unit_test(test_drawing),
        cmocka_unit_test(test_examples_files),
        cmocka_unit_test(test_uids),               cmocka_unit_test(test_tricky),
        cmocka_unit_test(test_comparisons),
        cmocka_unit_test(test_unsupported),        cmocka_unit_test(test_random),
        cmocka_unit_test(test_large),              cmocka_unit_test(test_custom_library),
        cmocka_unit_test(test_faults),
    };
    return cmocka_run_group_tests(tests, sjt_blocks_setup, sjt_blocks_teardown);
}

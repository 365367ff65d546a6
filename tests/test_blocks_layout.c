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

/* Lays ast out, compiles the grid, runs both for frames frames in two contexts: same outputs. */
static void check_same(const sj_ast *ast, size_t frames, bool round_trip)
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
    sj_context *c1 = sj_context_new(sjt_blocks_lib, NULL), *c2 = sj_context_new(sjt_blocks_lib, NULL);
    assert_non_null(c1);
    assert_non_null(c2);
    sj_function *f1 = compile_in(c1, ast), *f2 = compile_in(c2, grid);
    for (size_t i = 0; i < frames; i++) {
        double in[6];
        frame_inputs(i, in);
        double s1a = 0, s2a = 0, s1b = 0, s2b = 0;
        double ra = sj_function_exec(f1, in[0], in[1], in[2], in[3], in[4], in[5], &s1a, &s2a);
        double rb = sj_function_exec(f2, in[0], in[1], in[2], in[3], in[4], in[5], &s1b, &s2b);
        if (!sjt_same(ra, rb) || !sjt_same(s1a, s1b) || !sjt_same(s2a, s2b)) {
            char *t1 = sj_print(ast), *t2 = sj_print(grid), *pic = sj_blockfun_ascii(fun);
            fprintf(stderr, "program:\n%s\nblocks:\n%s\ncompiled:\n%s\n", t1 ? t1 : "", pic ? pic : "", t2 ? t2 : "");
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

static void check_text(const char *src)
{
    sj_ast *ast = parse_text(src);
    check_same(ast, 200, true);
    sj_ast_free(ast);
}

/* ---------------------------------------------------------------------------------------------- */

/* The examples without the constructs blocks lack (comparisons, buffers): examples/oscillators.sj with
 * alpha as the position, filter.sj with a fixed mix, reference.sj with a ramp for the trigger. */
static void test_examples_expressible(void **state)
{
    (void)state;
    check_text("freq = 110\n"
               "ph = phase(freq, 0)\n"
               "sine = sin(ph * TAU)\n"
               "sw = saw(freq * 2)\n"
               "sq = pulse(freq * 3, 0.5 + 0.4 * lfo(0.3, 0, 0))\n"
               "tr = tri(freq * 4)\n"
               "pos = alpha * 3\n"
               "w0 = max(0, 1 - abs(pos))\n"
               "w1 = max(0, 1 - abs(pos - 1))\n"
               "w2 = max(0, 1 - abs(pos - 2))\n"
               "w3 = max(0, 1 - abs(pos - 3))\n"
               "out = 0.3 * (w0 * sine + w1 * sw + w2 * sq + w3 * tr)\n"
               "&sig1 = out\n"
               "&sig2 = out\n");
    check_text("src = noise(7) * 0.5\n"
               "cutoff = mtof(72 + 24 * lfo(0.25, 1, 0))\n"
               "lp = svf(src, cutoff, 6)\n"
               "bp = %1\n"
               "hp = %2\n"
               "mixpos = 0.5\n"
               "&sig1 = xfade(lp, bp, mixpos) * 0.5\n"
               "&sig2 = xfade(bp, hp, mixpos) * 0.5\n");
    check_text("ramp = phase(4, 0)\n"
               "tick = ramp * 2\n"
               "count = accum(s&h~(1, tick), 0)\n"
               "q = /%(count, 7)\n"
               "rem = %1\n"
               "held = s&h(sin(ramp * TAU), tick)\n"
               "atomw(3, rem)\n"
               "&sig1 = held\n"
               "&sig2 = (atomr(3) + atomr~(2.5)) / 10\n"
               "q\n");
    check_text("clock = pulse(8, 0.25)\n"
               "step = counter(clock, 16, 0)\n"
               "env = ad(clock, 0.003, 0.18)\n"
               "cutoff = 180 + 3200 * env * env\n"
               "voice = ladder(saw(mtof(45 + step)), cutoff, 0.8) * 1.5\n"
               "*echo_l = voice + 0.45 * comb(*echo_l, 0.1875, 0, 0)\n"
               "*echo_r = voice + 0.45 * lp1(*echo_r, 2000)\n"
               "&sig1 = softclip(0.6 * *echo_l)\n"
               "&sig2 = softclip(0.6 * *echo_r)\n");
}

/* Every example either lays out (and then runs the same) or names an unsupported construct with its
 * line and column. */
static void test_examples_files(void **state)
{
    (void)state;
    static const char *const files[] = {"examples/delay.sj",  "examples/demo.sj",        "examples/effect.sj",
                                        "examples/filter.sj", "examples/oscillators.sj", "examples/reference.sj"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        FILE *f = fopen(files[i], "rb");
        assert_non_null(f);
        char buf[8192];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        sj_ast *ast = parse_text(buf);
        sj_blockfun *fun = NULL;
        sj_diag d;
        memset(&d, 0, sizeof d);
        sj_status st = sj_blocks_layout(ast, sjt_blocks_lang, &fun, &d);
        if (st == SJ_OK) {
            sj_blockfun_free(fun);
            check_same(ast, 100, true);
        } else {
            assert_int_equal(st, SJ_ERR_UNSUPPORTED);
            assert_null(fun);
            assert_true(d.line > 0 && d.col > 0);
            assert_non_null(strstr(d.message, "cannot be drawn as blocks"));
        }
        sj_ast_free(ast);
    }
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

/* The drawing of a small program: one chain per statement, the set on the right. */
static void test_drawing(void **state)
{
    (void)state;
    sj_ast *ast = parse_text("x = phase(440, 0)\n&sig1 = sin(x * TAU) * 0.5\n");
    sj_blockfun *fun = NULL;
    assert_int_equal(sj_blocks_layout(ast, sjt_blocks_lang, &fun, NULL), SJ_OK);
    char *pic = sj_blockfun_ascii(fun);
    assert_non_null(pic);
    assert_non_null(strstr(pic, "[440      ]---fr>[phase    ]ph--->[set x    ]"));
    assert_non_null(strstr(pic, "[2\xCF\x80"));  /* TAU is the 2π block */
    assert_non_null(strstr(pic, "----->[set &sig1]"));
    sj_free(pic);
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
    sj_ast *grid = NULL;
    assert_int_equal(sj_blockfun_compile(fun, &grid, NULL), SJ_OK);
    /* The compiled program has the uid 12345 and 7, and another uid for the big one. */
    char *text = sj_print(grid);
    assert_non_null(text);
    assert_non_null(strstr(text, "accum@12345("));
    assert_non_null(strstr(text, "phase@7("));
    assert_null(strstr(text, "9223372036854775813"));
    sj_free(text);
    sj_ast_free(grid);
    sj_blockfun_free(fun);
    check_same(ast, 20, true);
    sj_ast_free(ast);
    /* Switching from the text program to its blocks in one context keeps the state of a kept uid:
     * accum@7 counts on (10 frames of +1, then 11), while a call whose uid could not be kept
     * starts again. */
    sj_ast *txt = parse_text("&sig1 = accum@7(1, 0)\n&sig2 = accum@9223372036854775813(1, 0)\n");
    assert_int_equal(sj_blocks_layout(txt, sjt_blocks_lang, &fun, NULL), SJ_OK);
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

static sj_ast *gen_expr(rng *r, int depth)
{
    static const char *const vars[] = {"in1", "in2", "alpha", "beta", "delta", "gamma", "$srate",
                                       "$israte", "*p", "*q", "&sig1", "&sig2", "a", "b", "c"};
    static const double lits[] = {0.5, -1.25, 3, 0.0, -0.0, 1e-3, 100, 0.75};
    unsigned k = depth <= 0 ? rpick(r, 3) : rpick(r, 16);
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
    case 13:
        return sj_if(gen_expr(r, depth - 1), gen_list(r, depth - 1, false),
                     rpick(r, 3) ? gen_list(r, depth - 1, false) : NULL);
    case 14:
        return sj_call("clamp", new_uid(r), 3, gen_expr(r, depth - 1), gen_expr(r, depth - 1), gen_expr(r, depth - 1));
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
        {"x = 1\ny = in1 < 2\n", SJ_ERR_UNSUPPORTED, 2, 9, "comparison '<'"},
        {"y = in1 == 2\n", SJ_ERR_UNSUPPORTED, 1, 9, "comparison '=='"},
        {"y = in1 != 2\n", SJ_ERR_UNSUPPORTED, 1, 9, "comparison '!='"},
        {"y = in1 <= 2\n", SJ_ERR_UNSUPPORTED, 1, 9, "comparison '<='"},
        {"y = in1 > 2\n", SJ_ERR_UNSUPPORTED, 1, 9, "comparison '>'"},
        {"y = sin(in1 >= 2)\n", SJ_ERR_UNSUPPORTED, 1, 13, "comparison '>='"},
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
        char pos[32];
        snprintf(pos, sizeof pos, "%d:%d: ", cases[i].line, cases[i].col);
        assert_true(strncmp(d.message, pos, strlen(pos)) == 0);
        sj_ast_free(ast);
    }
    /* Builder ASTs: no position, still the construct. */
    sj_ast *nanp = sj_lit(0);
    uint64_t bits = 0x7ff8000000000123ull;
    memcpy(&nanp->value, &bits, sizeof bits);
    sj_blockfun *fun = NULL;
    sj_diag d;
    assert_int_equal(sj_blocks_layout(nanp, sjt_blocks_lang, &fun, &d), SJ_ERR_UNSUPPORTED);
    assert_non_null(strstr(d.message, "(no position): a NaN literal"));
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
        cmocka_unit_test(test_examples_expressible), cmocka_unit_test(test_examples_files),
        cmocka_unit_test(test_uids),               cmocka_unit_test(test_tricky),
        cmocka_unit_test(test_unsupported),        cmocka_unit_test(test_random),
        cmocka_unit_test(test_large),              cmocka_unit_test(test_custom_library),
        cmocka_unit_test(test_faults),
    };
    return cmocka_run_group_tests(tests, sjt_blocks_setup, sjt_blocks_teardown);
}

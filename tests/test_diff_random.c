/*
 * Differential testing: random valid programs run on the interpreter (the oracle) and on the native
 * backend, compared bit for bit.
 *
 * The generator covers every AST construct: literals (including NaN, infinities, huge, tiny and
 * negative values), every kind of variable (parameters, &sig1/&sig2, $srate/$israte/$reset,
 * persistent *vars, %1..%5, named constants, locals, unknown names), assignments to all of them,
 * all ten binary operators, if with and without else (comparison, arithmetic and other conditions,
 * nested), calls of every node of the standard library (with extra arguments sometimes), buffer
 * declarations, buffer and table reads/writes/linear reads with wild indices, lengths, and
 * statement lists.
 *
 * Each program is compiled in two contexts (same library, same tables) and run for several hundred
 * frames, in blocks of random sizes and per sample with random initial &sig values; outputs,
 * persistent variables and buffer contents must be identical. Bit-exact comparison is valid because
 * the native backend emits the same IEEE operations in the same order (no FMA contraction, no
 * reassociation), calls the same node functions and libm, and uses the library's sj_wrap_index for
 * every index outside the trivial range. Two NaNs compare equal (payloads are not semantics).
 *
 * CI runs SJ_DIFF_PROGRAMS programs (default 3000, a few seconds). `make fuzz-diff SECONDS=N` sets
 * SJ_DIFF_SECONDS and runs until the time is up. SJ_DIFF_SEED=n reruns one program (the seed is
 * printed with the program on a failure). Programs cycle through the native code generator's
 * variants (all optimizations and CPU features; SSE2 without optimizations; each one left out);
 * SJ_DIFF_MASK=m fixes the mask (see codegen/x64/x64.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sigjit.h"
#include "codegen/x64/x64.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct gen {
    uint64_t s;
    int budget;
    uint64_t uid;
    const sj_library *lib;
    int depth;
    bool nocalls; /* call-free programs keep persistent variables in registers (native) */
} gen;

static uint64_t rnd(gen *g)
{
    /* splitmix64 */
    uint64_t z = (g->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int pick(gen *g, int n)
{
    return (int)(rnd(g) % (uint64_t)n);
}

static double lit_value(gen *g)
{
    static const double special[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 0.25, -0.5, 7.0, 16.0, 100.0, 1e300,
                                     -1e300, 1e-310, 4.9e-324, 9007199254740993.0, -9007199254740995.0,
                                     18446744073709551616.0, 0.49999999999999994, 0.75, 440.0, 44100.0};
    int k = pick(g, 20);
    if (k < 12)
        return special[pick(g, (int)(sizeof special / sizeof special[0]))];
    if (k == 12)
        return NAN;
    if (k == 13)
        return pick(g, 2) ? INFINITY : -INFINITY;
    if (k < 17)
        return (double)(pick(g, 81) - 40);
    return ((double)(rnd(g) >> 11) / 9007199254740992.0 - 0.5) * 8.0;
}

static const char *const read_names[] = {"in1",   "in2",  "alpha", "beta", "delta",   "gamma", "&sig1", "&sig2",
                                         "$srate", "$israte", "$reset", "*a",   "*b",      "*c",    "%1",    "%2",
                                         "%5",    "PI",   "TAU",   "E",    "2SQRT_PI", "x",     "y",     "z",
                                         "unknown", "*d", "*e", "*f", "*g", "*h", "*i", "*j", "*k", "*l", "*m"};
static const char *const write_names[] = {"x",  "y",  "z",  "*a", "*b", "*c", "&sig1", "&sig2", "in1", "gamma",
                                          "%1", "*d", "*e", "*f", "*g", "*h", "*i",    "*j",    "*k",  "*l",  "*m"};
static const char *const pv_names[] = {"*a", "*b", "*c", "*d", "*e", "*f", "*g", "*h", "*i", "*j", "*k", "*l", "*m"};

static sj_ast *g_expr(gen *g);

static sj_ast *g_leaf(gen *g)
{
    if (pick(g, 3) == 0)
        return sj_lit(lit_value(g));
    return sj_var(read_names[pick(g, (int)(sizeof read_names / sizeof read_names[0]))]);
}

/* A wild index: anything, or something near a buffer's range. */
static sj_ast *g_index(gen *g)
{
    switch (pick(g, 5)) {
    case 0:
        return sj_lit(lit_value(g));
    case 1:
        return sj_mul(g_expr(g), sj_lit(lit_value(g)));
    default:
        return g_expr(g);
    }
}

static sj_ast *g_call(gen *g)
{
    size_t n = sj_library_count(g->lib);
    const sj_node_type *t = sj_library_at(g->lib, (size_t)pick(g, (int)n));
    size_t na = sj_node_type_arg_count(t);
    if (pick(g, 8) == 0)
        na++; /* extra arguments are ignored (reference) */
    sj_ast *args[10];
    for (size_t i = 0; i < na; i++)
        args[i] = g_expr(g);
    return sj_call_v(t->name, ++g->uid, args, na);
}

static sj_ast *g_stmts(gen *g, int max)
{
    int n = 1 + pick(g, max);
    sj_ast *k[40];
    for (int i = 0; i < n; i++)
        k[i] = g_expr(g);
    return sj_stmts_v(k, (size_t)n);
}

static sj_ast *g_cond(gen *g)
{
    if (pick(g, 3))
        return sj_binop((sj_binary_op)(SJ_EQ + pick(g, 6)), g_expr(g), g_expr(g));
    return g_expr(g);
}

static sj_ast *g_expr(gen *g)
{
    g->budget--;
    if (g->budget <= 0 || g->depth > (g->budget > 100 ? 12 : 7))
        return g_leaf(g);
    g->depth++;
    sj_ast *r;
    switch (pick(g, 20)) {
    case 0:
    case 1:
    case 2:
        r = g_leaf(g);
        break;
    case 3:
    case 4:
    case 5:
    case 6:
        r = sj_binop((sj_binary_op)pick(g, 10), g_expr(g), g_expr(g));
        break;
    case 7:
    case 8: {
        sj_ast *c = g_cond(g);
        sj_ast *t = pick(g, 2) ? g_expr(g) : g_stmts(g, 3);
        sj_ast *e = pick(g, 3) ? (pick(g, 2) ? g_expr(g) : g_stmts(g, 3)) : NULL;
        r = sj_if(c, t, e);
        break;
    }
    case 9:
    case 10:
        r = g->nocalls ? sj_binop((sj_binary_op)pick(g, 10), g_expr(g), g_leaf(g)) : g_call(g);
        break;
    case 11:
    case 12:
        r = sj_assign(write_names[pick(g, (int)(sizeof write_names / sizeof write_names[0]))], g_expr(g));
        break;
    case 13:
        r = g_stmts(g, 3);
        break;
    case 14: {
        size_t b = (size_t)pick(g, 4);
        r = sj_buf_write(b, g_index(g), g_expr(g));
        break;
    }
    case 15:
        r = pick(g, 2) ? sj_buf_read((size_t)pick(g, 4), g_index(g)) : sj_buf_read_lin((size_t)pick(g, 4), g_index(g));
        break;
    case 16:
        r = pick(g, 2) ? sj_table_read((size_t)pick(g, 3), g_index(g))
                       : sj_table_read_lin((size_t)pick(g, 3), g_index(g));
        break;
    case 17:
        r = pick(g, 2) ? sj_buf_len((size_t)pick(g, 4)) : sj_table_len((size_t)pick(g, 3));
        break;
    case 18:
        r = sj_buf_declare((size_t)pick(g, 4), (size_t)(1 + pick(g, 40)));
        break;
    default:
        r = sj_binop((sj_binary_op)pick(g, 4), g_expr(g), g_leaf(g));
        break;
    }
    g->depth--;
    return r;
}

static sj_ast *g_program(gen *g)
{
    g->budget = pick(g, 10) == 0 ? 200 + pick(g, 400) : 10 + pick(g, 60);
    g->nocalls = pick(g, 4) == 0;
    g->depth = 0;
    return g_stmts(g, g->budget > 100 ? 40 : 6);
}

/* ---- running both ---------------------------------------------------------------------------- */

static bool same(double a, double b)
{
    if (isnan(a) && isnan(b))
        return true;
    return memcmp(&a, &b, sizeof a) == 0;
}

typedef struct pair {
    sj_context *ctx[2];
    sj_function *fn[2];
} pair;

static void setup_tables(sj_context *ctx, uint64_t seed)
{
    gen g = {.s = seed};
    for (size_t t = 0; t < 3; t++) {
        float data[41];
        size_t len = (size_t)(1 + pick(&g, 40));
        for (size_t i = 0; i < len; i++)
            data[i] = (float)(pick(&g, 2001) - 1000) / 64.0f;
        assert_int_equal(sj_context_set_table(ctx, t, data, len), SJ_OK);
    }
}

#ifndef SJ_DIFF_NO_MAIN
/* Returns false (and prints) on a mismatch. */
static bool run_one(sj_library *lib, uint64_t seed, int *compiled)
{
    gen g = {.s = seed, .lib = lib};
    sj_ast *prog = g_program(&g);
    assert_non_null(prog);
    pair p;
    sj_status st[2];
    for (int k = 0; k < 2; k++) {
        sj_context_config cfg;
        sj_context_config_init(&cfg);
        cfg.backend = k == 0 ? SJ_BACKEND_INTERP : SJ_BACKEND_NATIVE;
        p.ctx[k] = sj_context_new(lib, &cfg);
        assert_non_null(p.ctx[k]);
        setup_tables(p.ctx[k], seed ^ 0x1234);
        sj_diag d;
        st[k] = sj_compile(p.ctx[k], prog, NULL, &p.fn[k], &d);
    }
    bool ok = true;
    if (st[0] != st[1]) {
        print_message("seed %llu: compile status differs: %s vs %s\n", (unsigned long long)seed,
                      sj_status_name(st[0]), sj_status_name(st[1]));
        ok = false;
    }
    if (ok && st[0] == SJ_OK) {
        (*compiled)++;
        assert_int_equal(sj_function_backend(p.fn[0]), SJ_BACKEND_INTERP);
        assert_int_equal(sj_function_backend(p.fn[1]), SJ_BACKEND_NATIVE);
        for (int k = 0; k < 2; k++)
            sj_function_init(p.fn[k], 48000.0, NULL);
        gen in = {.s = seed * 31 + 7};
        enum { MAXB = 64 };
        double ins[6][MAXB], outs[2][3][MAXB];
        int frame = 0;
        for (int round = 0; round < 10 && ok; round++) {
            int n = 1 + pick(&in, MAXB);
            for (int c = 0; c < 6; c++)
                for (int i = 0; i < n; i++)
                    ins[c][i] = pick(&in, 10) == 0 ? lit_value(&in) : (double)(pick(&in, 2001) - 1000) / 100.0;
            for (int k = 0; k < 2; k++) {
                sj_block_io io;
                memset(&io, 0, sizeof io);
                for (int c = 0; c < 6; c++)
                    io.in[c] = ins[c];
                if (round == 3)
                    io.in[2] = NULL; /* NULL inputs read 0.0 */
                io.sig1 = outs[k][0];
                io.sig2 = outs[k][1];
                io.ret = outs[k][2];
                sj_function_process(p.fn[k], &io, (size_t)n);
            }
            for (int i = 0; i < n && ok; i++)
                for (int c = 0; c < 3; c++)
                    if (!same(outs[0][c][i], outs[1][c][i])) {
                        print_message("seed %llu: frame %d output %d: interp %.17g native %.17g\n",
                                      (unsigned long long)seed, frame + i, c, outs[0][c][i], outs[1][c][i]);
                        ok = false;
                        break;
                    }
            frame += n;
            /* a few per-sample calls with initial &sig values */
            for (int i = 0; i < 4 && ok; i++) {
                double a[6], s1[2], s2[2], r[2];
                for (int c = 0; c < 6; c++)
                    a[c] = (double)(pick(&in, 2001) - 1000) / 10.0;
                double i1 = lit_value(&in), i2 = (double)pick(&in, 9);
                for (int k = 0; k < 2; k++) {
                    s1[k] = i1;
                    s2[k] = i2;
                    r[k] = sj_function_exec(p.fn[k], a[0], a[1], a[2], a[3], a[4], a[5], &s1[k], &s2[k]);
                }
                if (!same(r[0], r[1]) || !same(s1[0], s1[1]) || !same(s2[0], s2[1])) {
                    print_message("seed %llu: exec %d: interp %.17g/%.17g/%.17g native %.17g/%.17g/%.17g\n",
                                  (unsigned long long)seed, frame, r[0], s1[0], s2[0], r[1], s1[1], s2[1]);
                    ok = false;
                }
                frame++;
            }
        }
        for (size_t v = 0; v < sizeof pv_names / sizeof pv_names[0] && ok; v++) {
            double x0 = 0, x1 = 0;
            bool h0 = sj_function_get_pv(p.fn[0], pv_names[v], &x0), h1 = sj_function_get_pv(p.fn[1], pv_names[v], &x1);
            if (h0 != h1 || !same(x0, x1)) {
                print_message("seed %llu: %s differs: %.17g vs %.17g\n", (unsigned long long)seed, pv_names[v], x0,
                              x1);
                ok = false;
            }
        }
        for (size_t b = 0; b < 4 && ok; b++) {
            size_t l0 = 0, l1 = 0;
            const double *d0 = sj_context_buffer(p.ctx[0], b, &l0), *d1 = sj_context_buffer(p.ctx[1], b, &l1);
            if (l0 != l1) {
                print_message("seed %llu: buffer %zu length %zu vs %zu\n", (unsigned long long)seed, b, l0, l1);
                ok = false;
            }
            for (size_t i = 0; ok && i < l0; i++)
                if (!same(d0[i], d1[i])) {
                    print_message("seed %llu: buffer %zu[%zu]: %.17g vs %.17g\n", (unsigned long long)seed, b, i,
                                  d0[i], d1[i]);
                    ok = false;
                }
        }
    }
    if (!ok) {
        char *dump = sj_ast_dump(prog);
        print_message("program (seed %llu):\n%s\n", (unsigned long long)seed, dump ? dump : "?");
        sj_free(dump);
        if (p.fn[1]) {
            char *dis = sj_function_disassemble(p.fn[1]);
            if (dis && getenv("SJ_DIFF_DISASM"))
                print_message("%s\n", dis);
            sj_free(dis);
        }
    }
    for (int k = 0; k < 2; k++) {
        sj_function_free(p.fn[k]);
        sj_context_free(p.ctx[k]);
    }
    sj_ast_free(prog);
    return ok;
}

static void test_diff_random(void **state)
{
    (void)state;
    sj_library *lib = sj_library_new_std();
    assert_non_null(lib);
    const char *one = getenv("SJ_DIFF_SEED");
    sj__x64_set_fma(false); /* bit-exact comparison: never the opt-in FMA mode */
    if (getenv("SJ_DIFF_MASK")) /* e.g. 0 (SSE2 only, no optimizations); default: everything */
        sj__x64_set_feature_mask((unsigned)strtoul(getenv("SJ_DIFF_MASK"), NULL, 0));
    const char *secs = getenv("SJ_DIFF_SECONDS");
    const char *progs = getenv("SJ_DIFF_PROGRAMS");
    long nprog = progs ? atol(progs) : 3000;
    double limit = secs ? atof(secs) : 0.0;
    uint64_t base = secs ? (uint64_t)time(NULL) * 1000003u : 1;
    int compiled = 0, failures = 0;
    long ran = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (one) {
        failures += !run_one(lib, strtoull(one, NULL, 10), &compiled);
        ran = 1;
    } else {
        for (long i = 0;; i++) {
            if (limit > 0) {
                clock_gettime(CLOCK_MONOTONIC, &t1);
                if ((double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec) > limit)
                    break;
            } else if (i >= nprog) {
                break;
            }
            /* cycle through the code generator's variants: everything, SSE2 without optimizations,
             * and each optimization or feature left out (SJ_DIFF_MASK fixes one) */
            static const unsigned masks[] = {~0u, 0u, ~SJ_X64_OPT_FUSE, ~SJ_X64_OPT_PROMOTE, ~SJ_X64_OPT_INVARIANTS,
                                             ~SJ_X64_SSE41};
            if (!getenv("SJ_DIFF_MASK"))
                sj__x64_set_feature_mask(masks[i % (long)(sizeof masks / sizeof masks[0])]);
            if (!run_one(lib, base + (uint64_t)i, &compiled))
                if (++failures >= 5)
                    break;
            ran++;
        }
    }
    sj__x64_set_feature_mask(~0u);
    print_message("%ld programs, %d compiled and compared, %d mismatches\n", ran, compiled, failures);
    sj_library_release(lib);
    assert_int_equal(failures, 0);
    /* The generator must produce mostly valid programs, or the test tests little. */
    assert_true(compiled * 10 >= ran * 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif

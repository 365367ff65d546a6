/*
 * Unit tests of the x86-64 backend on hand-built IR (no front end involved): every opcode, the
 * register allocator under pressure and across calls, control flow with phis, the index rule of
 * buffers and tables, the W^X property of executable memory, and the disassembly.
 *
 * Expected values are computed by the same operations written in C in this file. The tests build
 * with -std=c11, where GCC does not contract a*b+c into FMA (-ffp-contract=off in ISO mode), and the
 * emitter never fuses either, so results are compared bit for bit. NaN results are compared as
 * "both NaN" since payloads are not part of the semantics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codegen/x64/x64.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a tiny IR builder ---------------------------------------------------------------------- */

#define MAXI 4096
typedef struct tb {
    sj_ir_func f;
    sj_ir_inst insts[MAXI];
    sj_ir_block blocks[64];
    uint32_t args[1024];
    sj_ir_call calls[64];
} tb;

static tb *tb_new(void)
{
    tb *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->f.insts = t->insts;
    t->f.insts_cap = MAXI;
    t->f.blocks = t->blocks;
    t->f.blocks_cap = 64;
    t->f.args = t->args;
    t->f.args_cap = 1024;
    t->f.calls = t->calls;
    t->f.calls_cap = 64;
    return t;
}

static uint32_t I(tb *t, sj_ir_op op, uint32_t slot, uint32_t a, uint32_t b, uint32_t c, double k)
{
    assert_true(t->f.ninsts < MAXI);
    t->insts[t->f.ninsts] = (sj_ir_inst){(uint8_t)op, slot, a, b, c, k};
    return t->f.ninsts++;
}

static uint32_t K(tb *t, double k)
{
    return I(t, SJ_IR_CONST, 0, 0, 0, 0, k);
}

static uint32_t P(tb *t, uint32_t slot)
{
    return I(t, SJ_IR_PARAM, slot, 0, 0, 0, 0);
}

static uint32_t B2(tb *t, sj_ir_op op, uint32_t a, uint32_t b)
{
    return I(t, op, 0, a, b, 0, 0);
}

static uint32_t U1(tb *t, sj_ir_op op, uint32_t a)
{
    return I(t, op, 0, a, 0, 0, 0);
}

/* Opens block n at the current instruction (closing the previous one). */
static void blk(tb *t, uint32_t n, uint32_t npreds, uint32_t p0, uint32_t p1)
{
    if (n > 0)
        t->blocks[n - 1].end = t->f.ninsts;
    t->blocks[n].start = t->f.ninsts;
    t->blocks[n].npreds = npreds;
    t->blocks[n].preds[0] = p0;
    t->blocks[n].preds[1] = p1;
    if (n + 1 > t->f.nblocks)
        t->f.nblocks = n + 1;
}

static void finish(tb *t, uint32_t retval)
{
    I(t, SJ_IR_RET, 0, retval, 0, 0, 0);
    t->blocks[t->f.nblocks - 1].end = t->f.ninsts;
}

static uint32_t phi(tb *t, uint32_t a, uint32_t b)
{
    uint32_t at = t->f.nargs;
    t->args[t->f.nargs++] = a;
    t->args[t->f.nargs++] = b;
    return I(t, SJ_IR_PHI, 0, at, 2, 0, 0);
}

static uint32_t call(tb *t, const sj_node_type *type, uint32_t state, uint32_t n, const uint32_t *a)
{
    uint32_t at = t->f.nargs;
    for (uint32_t i = 0; i < n; i++)
        t->args[t->f.nargs++] = a[i];
    t->calls[t->f.ncalls] = (sj_ir_call){type, state};
    return I(t, SJ_IR_CALL, 0, at, n, t->f.ncalls++, 0);
}

/* ---- running -------------------------------------------------------------------------------- */

#define NF 64
typedef struct rig {
    double in[8][NF]; /* in1..gamma, then the initial &sig1/&sig2 */
    double out[3][NF];
    double pv[16];
    double bufmem[4][32];
    double *bufs[4];
    uint64_t blens[4];
    float tabmem[2][8];
    const float *tabs[2];
    uint64_t tlens[2];
    void *states[4];
    double statemem[4][4];
    sj_dsp_state dsp;
    sj_env env;
} rig;

static void rig_init(rig *r, unsigned seed)
{
    memset(r, 0, sizeof *r);
    srand(seed);
    for (int k = 0; k < 6; k++)
        for (int i = 0; i < NF; i++)
            r->in[k][i] = (rand() % 2001 - 1000) / 37.0;
    for (int k = 0; k < 4; k++) {
        r->bufs[k] = r->bufmem[k];
        r->blens[k] = (uint64_t)(k * 7 + 3);
        for (int i = 0; i < 32; i++)
            r->bufmem[k][i] = k * 100 + i + 0.25;
        r->states[k] = r->statemem[k];
    }
    for (int k = 0; k < 2; k++) {
        r->tabs[k] = r->tabmem[k];
        r->tlens[k] = (uint64_t)(k * 3 + 5);
        for (int i = 0; i < 8; i++)
            r->tabmem[k][i] = (float)(k * 10 + i) * 0.1f;
    }
    for (int k = 0; k < 8; k++)
        r->env.in[k] = r->in[k];
    for (int k = 0; k < 3; k++)
        r->env.out[k] = r->out[k];
    r->env.aux[0] = 48000.0;
    r->env.aux[1] = 1.0 / 48000.0;
    r->env.pv = r->pv;
    r->env.states = r->states;
    r->env.dsp = &r->dsp;
    r->env.bufs = r->bufs;
    r->env.buf_lens = r->blens;
    r->env.tables = r->tabs;
    r->env.table_lens = r->tlens;
}

static sj_code compile_ok(tb *t)
{
    sj_code c;
    sj_status st = sj__x64_compile(&t->f, &c);
    assert_int_equal(st, SJ_OK);
    assert_non_null(c.kernel);
    return c;
}

static void same(double got, double want, int frame)
{
    if (isnan(want) && isnan(got))
        return;
    uint64_t a, b;
    memcpy(&a, &got, 8);
    memcpy(&b, &want, 8);
    if (a != b)
        fail_msg("frame %d: got %.17g (%016llx), want %.17g (%016llx)", frame, got, (unsigned long long)a, want,
                 (unsigned long long)b);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_arith(void **st)
{
    (void)st;
    tb *t = tb_new();
    blk(t, 0, 0, 0, 0);
    uint32_t a = P(t, 0), b = P(t, 1), c = P(t, 2), d = P(t, 3), e = P(t, 4), g = P(t, 5);
    uint32_t s = B2(t, SJ_IR_ADD, a, b);
    uint32_t m = B2(t, SJ_IR_MUL, s, c);
    uint32_t q = B2(t, SJ_IR_DIV, d, e);
    uint32_t r = B2(t, SJ_IR_SUB, m, q);
    uint32_t r2 = B2(t, SJ_IR_SUB, K(t, 0.5), r);   /* const as first operand */
    uint32_t r3 = B2(t, SJ_IR_MUL, r2, K(t, 3.0));  /* const as second */
    uint32_t r4 = B2(t, SJ_IR_ADD, r3, a);          /* a used again after dying candidates */
    uint32_t r5 = B2(t, SJ_IR_DIV, g, g);           /* same operand twice */
    uint32_t r6 = B2(t, SJ_IR_ADD, r4, r5);
    uint32_t srate = I(t, SJ_IR_AUX, 0, 0, 0, 0, 0);
    uint32_t r7 = B2(t, SJ_IR_MUL, r6, srate);
    I(t, SJ_IR_OUT_STORE, 0, r4, 0, 0, 0);
    I(t, SJ_IR_OUT_STORE, 1, r5, 0, 0, 0);
    finish(t, r7);
    sj_code code = compile_ok(t);
    rig rg;
    rig_init(&rg, 1);
    code.kernel(&rg.env, NF);
    for (int i = 0; i < NF; i++) {
        double A = rg.in[0][i], Bv = rg.in[1][i], C = rg.in[2][i], D = rg.in[3][i], E = rg.in[4][i], G = rg.in[5][i];
        double R4 = (0.5 - ((A + Bv) * C - D / E)) * 3.0 + A;
        double R5 = G / G;
        same(rg.out[0][i], R4, i);
        same(rg.out[1][i], R5, i);
        same(rg.out[2][i], (R4 + R5) * 48000.0, i);
    }
    code.free(&code);
    free(t);
}

static double cmp_ref(sj_ir_op op, double a, double b)
{
    switch (op) {
    case SJ_IR_EQ: return a == b ? 1.0 : 0.0;
    case SJ_IR_NE: return !(a == b) ? 1.0 : 0.0;
    case SJ_IR_LT: return a < b ? 1.0 : 0.0;
    case SJ_IR_LE: return a <= b ? 1.0 : 0.0;
    case SJ_IR_GT: return a > b ? 1.0 : 0.0;
    case SJ_IR_GE: return a >= b ? 1.0 : 0.0;
    case SJ_IR_MIN: return a < b ? a : b;
    case SJ_IR_MAX: return a > b ? a : b;
    default: return 0;
    }
}

static void run_binary_specials(unsigned mask)
{
    static const double vals[] = {0.0, -0.0, 1.0, -1.0, 2.5, -2.5, INFINITY, -INFINITY, NAN, 1e-310, 3.0};
    const int nv = (int)(sizeof vals / sizeof vals[0]);
    static const sj_ir_op ops[] = {SJ_IR_EQ, SJ_IR_NE, SJ_IR_LT, SJ_IR_LE, SJ_IR_GT, SJ_IR_GE, SJ_IR_MIN, SJ_IR_MAX};
    sj__x64_set_feature_mask(mask);
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
        tb *t = tb_new();
        blk(t, 0, 0, 0, 0);
        uint32_t a = P(t, 0), b = P(t, 1);
        uint32_t r = B2(t, ops[o], a, b);
        uint32_t rk = B2(t, ops[o], a, K(t, 2.5)); /* memory operand form */
        I(t, SJ_IR_OUT_STORE, 0, rk, 0, 0, 0);
        finish(t, r);
        sj_code code = compile_ok(t);
        rig rg;
        rig_init(&rg, 2);
        for (int i = 0; i < nv * nv; i++) {
            rg.in[0][i % NF] = vals[i / nv];
            rg.in[1][i % NF] = vals[i % nv];
            if (i % NF == NF - 1 || i == nv * nv - 1) {
                int cnt = i % NF + 1;
                code.kernel(&rg.env, (size_t)cnt);
                for (int j = 0; j < cnt; j++) {
                    same(rg.out[2][j], cmp_ref(ops[o], rg.in[0][j], rg.in[1][j]), j);
                    same(rg.out[0][j], cmp_ref(ops[o], rg.in[0][j], 2.5), j);
                }
            }
        }
        code.free(&code);
        free(t);
    }
    sj__x64_set_feature_mask(~0u);
}

static void test_compare_minmax(void **st)
{
    (void)st;
    run_binary_specials(~0u);
}

static void run_unary(unsigned mask)
{
    static const double vals[] = {0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.0, -2.0, 1e300, -1e300, 4503599627370497.0,
                                  -4503599627370497.5, INFINITY, -INFINITY, NAN, 1e-310, -1e-310, 0.49999999999999994};
    const int nv = (int)(sizeof vals / sizeof vals[0]);
    sj__x64_set_feature_mask(mask);
    tb *t = tb_new();
    blk(t, 0, 0, 0, 0);
    uint32_t a = P(t, 0);
    uint32_t f = U1(t, SJ_IR_FLOOR, a);
    uint32_t c = U1(t, SJ_IR_CEIL, a);
    uint32_t ab = U1(t, SJ_IR_ABS, a);
    uint32_t sq = U1(t, SJ_IR_SQRT, ab);
    I(t, SJ_IR_OUT_STORE, 0, f, 0, 0, 0);
    I(t, SJ_IR_OUT_STORE, 1, c, 0, 0, 0);
    I(t, SJ_IR_PV_STORE, 0, ab, 0, 0, 0);
    finish(t, sq);
    sj_code code = compile_ok(t);
    rig rg;
    rig_init(&rg, 3);
    for (int i = 0; i < nv; i++)
        rg.in[0][i] = vals[i];
    code.kernel(&rg.env, (size_t)nv);
    for (int i = 0; i < nv; i++) {
        same(rg.out[0][i], floor(vals[i]), i);
        same(rg.out[1][i], ceil(vals[i]), i);
        same(rg.out[2][i], sqrt(fabs(vals[i])), i);
        if (!isnan(vals[i]))
            assert_false(signbit(fabs(vals[i])));
    }
    same(rg.pv[0], fabs(vals[nv - 1]), 0);
    code.free(&code);
    free(t);
    sj__x64_set_feature_mask(~0u);
}

static void test_unary(void **st)
{
    (void)st;
    run_unary(~0u);
}

static void test_sse2_baseline(void **st)
{
    (void)st;
    /* Without SSE4.1 floor/ceil are libm calls: the same results. */
    run_unary(0);
    run_binary_specials(0);
}

/* Many simultaneously live values: forces spills and reloads. */
static void test_pressure(void **st)
{
    (void)st;
    enum { N = 40 };
    tb *t = tb_new();
    blk(t, 0, 0, 0, 0);
    uint32_t v[N];
    uint32_t a = P(t, 0), b = P(t, 1);
    for (int k = 0; k < N; k++)
        v[k] = B2(t, SJ_IR_ADD, B2(t, SJ_IR_MUL, a, K(t, k + 1.0)), b);
    uint32_t acc = v[N - 1];
    for (int k = N - 2; k >= 0; k--)
        acc = B2(t, SJ_IR_SUB, v[k], acc);
    /* use them all once more, in another order */
    uint32_t acc2 = v[0];
    for (int k = 1; k < N; k++)
        acc2 = B2(t, SJ_IR_ADD, acc2, B2(t, SJ_IR_MUL, v[k], v[(k * 7) % N]));
    I(t, SJ_IR_OUT_STORE, 0, acc2, 0, 0, 0);
    finish(t, acc);
    sj_code code = compile_ok(t);
    rig rg;
    rig_init(&rg, 4);
    code.kernel(&rg.env, NF);
    for (int i = 0; i < NF; i++) {
        double V[N];
        double A = rg.in[0][i], Bv = rg.in[1][i];
        for (int k = 0; k < N; k++)
            V[k] = A * (k + 1.0) + Bv;
        double ac = V[N - 1];
        for (int k = N - 2; k >= 0; k--)
            ac = V[k] - ac;
        double ac2 = V[0];
        for (int k = 1; k < N; k++)
            ac2 = ac2 + V[k] * V[(k * 7) % N];
        same(rg.out[2][i], ac, i);
        same(rg.out[0][i], ac2, i);
    }
    code.free(&code);
    free(t);
}

/* Node functions for call tests. */
static double n_mix3(double a, double b, double c)
{
    return a * 2.0 + b * 3.0 - c;
}

static double n_all(sj_dsp_state *dsp, double a, void *state, double b, double *rv)
{
    double *s = state;
    s[0] += a;
    rv[0] = a - b;
    rv[1] = dsp->x;
    return s[0] * b;
}

static void n_noret(double a)
{
    (void)a;
}

static double n_eight(double a, double b, double c, double d, double e, double f, double g, double h)
{
    return a - b * 2 + c * 3 - d * 4 + e * 5 - f * 6 + g * 7 - h * 8;
}

/* 1.0 if the caller did not keep rsp 16-byte aligned at the call (SysV requires it): the frame
 * address is rsp at entry minus 8, so it is 16-byte aligned exactly when the call was aligned. */
static double n_align(double a)
{
    (void)a;
    return ((uintptr_t)__builtin_frame_address(0) & 15) ? 1.0 : 0.0;
}

static const sj_node_type T_ALIGN = {"align", "", NULL, NULL, "vr", 0, NULL, (void (*)(void))n_align};
static const sj_node_type T_MIX3 = {"mix3", "", NULL, NULL, "vvvr", 0, NULL, (void (*)(void))n_mix3};
static const sj_node_type T_ALL = {"all", "", NULL, NULL, "DvSvMr", 32, NULL, (void (*)(void))n_all};
static const sj_node_type T_NORET = {"noret", "", NULL, NULL, "v", 0, NULL, (void (*)(void))n_noret};
static const sj_node_type T_EIGHT = {"eight", "", NULL, NULL, "vvvvvvvvr", 0, NULL, (void (*)(void))n_eight};

static void test_calls(void **st)
{
    (void)st;
    tb *t = tb_new();
    blk(t, 0, 0, 0, 0);
    uint32_t a = P(t, 0), b = P(t, 1), c = P(t, 2);
    uint32_t x1 = B2(t, SJ_IR_MUL, a, b); /* live across both calls */
    uint32_t x2 = B2(t, SJ_IR_SUB, c, a);
    uint32_t args1[3] = {c, a, b}; /* argument order differs from register order */
    uint32_t r1 = call(t, &T_MIX3, SJ_IR_NONE, 3, args1);
    I(t, SJ_IR_RV_ZERO, 0, 0, 0, 0, 0);
    uint32_t args2[2] = {r1, x2};
    uint32_t r2 = call(t, &T_ALL, 1, 2, args2);
    uint32_t rv0 = I(t, SJ_IR_RV_LOAD, 0, 0, 0, 0, 0);
    uint32_t rv1 = I(t, SJ_IR_RV_LOAD, 1, 0, 0, 0, 0);
    uint32_t args3[1] = {x1};
    uint32_t r3 = call(t, &T_NORET, SJ_IR_NONE, 1, args3); /* value 0.0 */
    uint32_t args4[8] = {a, b, c, x1, x2, r1, r2, K(t, 0.125)};
    uint32_t r4 = call(t, &T_EIGHT, SJ_IR_NONE, 8, args4);
    uint32_t s = B2(t, SJ_IR_ADD, B2(t, SJ_IR_ADD, x1, x2), B2(t, SJ_IR_ADD, r3, r4));
    I(t, SJ_IR_OUT_STORE, 0, rv0, 0, 0, 0);
    I(t, SJ_IR_OUT_STORE, 1, rv1, 0, 0, 0);
    finish(t, s);
    sj_code code = compile_ok(t);
    rig rg;
    rig_init(&rg, 5);
    rg.dsp.x = 42.5;
    code.kernel(&rg.env, NF);
    double acc = 0;
    for (int i = 0; i < NF; i++) {
        double A = rg.in[0][i], Bv = rg.in[1][i], C = rg.in[2][i];
        double X1 = A * Bv, X2 = C - A;
        double R1 = n_mix3(C, A, Bv);
        acc += R1;
        double R2 = acc * X2;
        double R4 = n_eight(A, Bv, C, X1, X2, R1, R2, 0.125);
        same(rg.out[0][i], R1 - X2, i);
        same(rg.out[1][i], 42.5, i);
        same(rg.out[2][i], (X1 + X2) + (0.0 + R4), i);
    }
    same(rg.statemem[1][0], acc, 0);
    code.free(&code);
    free(t);
}

/* Twelve persistent variables in a call-free function with a branch: ten are kept in registers
 * across frames (the cap), two stay in memory; all must carry their values from frame to frame and
 * from call to call, and the values may be changed between calls. */
static void test_promoted_pvs(void **st)
{
    (void)st;
    enum { NPV = 12 };
    tb *t = tb_new();
    blk(t, 0, 0, 0, 0);
    uint32_t ld[NPV];
    for (int k = 0; k < NPV; k++)
        ld[k] = I(t, SJ_IR_PV_LOAD, (uint32_t)k, 0, 0, 0, 0);
    uint32_t a = P(t, 0);
    uint32_t c = B2(t, SJ_IR_GT, a, K(t, 0.0));
    I(t, SJ_IR_BR, 0, c, 1, 2, 0);
    blk(t, 1, 1, 0, 0);
    uint32_t u = B2(t, SJ_IR_ADD, ld[0], a);
    I(t, SJ_IR_JMP, 0, 0, 3, 0, 0);
    blk(t, 2, 1, 0, 0);
    uint32_t w = B2(t, SJ_IR_SUB, ld[1], K(t, 0.5));
    I(t, SJ_IR_JMP, 0, 0, 3, 0, 0);
    blk(t, 3, 2, 1, 2);
    uint32_t p0 = phi(t, u, ld[0]);
    uint32_t p1 = phi(t, ld[1], w);
    uint32_t nv[NPV];
    nv[0] = p0;
    nv[1] = p1;
    for (int k = 2; k < NPV; k++) /* a rotation: each takes a mix of its neighbour */
        nv[k] = B2(t, SJ_IR_ADD, B2(t, SJ_IR_MUL, ld[k], K(t, 0.5)), ld[(k + 1) % NPV]);
    for (int k = 0; k < NPV; k++)
        I(t, SJ_IR_PV_STORE, (uint32_t)k, nv[k], 0, 0, 0);
    uint32_t sum = nv[0];
    for (int k = 1; k < NPV; k++)
        sum = B2(t, SJ_IR_ADD, sum, nv[k]);
    finish(t, sum);
    sj_code code = compile_ok(t);
    rig rg;
    rig_init(&rg, 13);
    double ref[NPV];
    for (int k = 0; k < NPV; k++)
        rg.pv[k] = ref[k] = k * 1.25;
    for (int call = 0; call < 3; call++) {
        code.kernel(&rg.env, NF);
        for (int i = 0; i < NF; i++) {
            double A = rg.in[0][i], n[NPV];
            n[0] = A > 0 ? ref[0] + A : ref[0];
            n[1] = A > 0 ? ref[1] : ref[1] - 0.5;
            for (int k = 2; k < NPV; k++)
                n[k] = ref[k] * 0.5 + ref[(k + 1) % NPV];
            double sm = n[0];
            for (int k = 1; k < NPV; k++)
                sm = sm + n[k];
            memcpy(ref, n, sizeof ref);
            same(rg.out[2][i], sm, i);
        }
        for (int k = 0; k < NPV; k++)
            same(rg.pv[k], ref[k], k);
        rg.pv[5] = ref[5] = -3.0; /* changed between calls, as sj_function_set_pv does */
    }
    code.free(&code);
    free(t);
}

/* The opt-in FMA mode: a*b+c, c+a*b, a*b-c and c-a*b are rounded once, exactly as C's fma(); a
 * product with another use is not contracted; without the mode nothing is contracted. */
static void test_fma_mode(void **st)
{
    (void)st;
    if (!(sj__x64_cpu_features() & SJ_X64_FMA))
        skip();
    for (int on = 0; on < 2; on++) {
        sj__x64_set_fma(on != 0);
        for (int pattern = 0; pattern < 6; pattern++) {
            tb *t = tb_new();
            blk(t, 0, 0, 0, 0);
            uint32_t a = P(t, 0), b = pattern == 5 ? K(t, 1.0 / 3.0) : P(t, 1), c = P(t, 2);
            uint32_t m = B2(t, SJ_IR_MUL, a, b), r;
            switch (pattern) {
            case 0: r = B2(t, SJ_IR_ADD, m, c); break;
            case 1: r = B2(t, SJ_IR_ADD, c, m); break;
            case 2: r = B2(t, SJ_IR_SUB, m, c); break;
            case 3: r = B2(t, SJ_IR_SUB, c, m); break;
            case 4: /* the product is used twice: never contracted */
                r = B2(t, SJ_IR_ADD, m, c);
                I(t, SJ_IR_OUT_STORE, 0, m, 0, 0, 0);
                break;
            default: r = B2(t, SJ_IR_ADD, m, a); break; /* a*(1/3) + a, a constant operand */
            }
            finish(t, r);
            sj_code code = compile_ok(t);
            rig rg;
            rig_init(&rg, 14);
            for (int i = 0; i < NF; i++) { /* inputs where one rounding differs from two */
                rg.in[0][i] = 1.0 + ldexp((double)(i + 1), -30);
                rg.in[1][i] = 1.0 - ldexp((double)(i + 3), -29);
                rg.in[2][i] = -1.0 + (double)(i % 3) * 1e-9;
            }
            code.kernel(&rg.env, NF);
            int contracted_differs = 0;
            for (int i = 0; i < NF; i++) {
                double A = rg.in[0][i], Bv = pattern == 5 ? 1.0 / 3.0 : rg.in[1][i], C = rg.in[2][i];
                double plain, fused;
                switch (pattern) {
                case 0: case 1: case 4: plain = A * Bv + C; fused = fma(A, Bv, C); break;
                case 2: plain = A * Bv - C; fused = fma(A, Bv, -C); break;
                case 3: plain = C - A * Bv; fused = fma(-A, Bv, C); break;
                default: plain = A * Bv + A; fused = fma(A, Bv, A); break;
                }
                bool contract = on && pattern != 4;
                same(rg.out[2][i], contract ? fused : plain, i);
                contracted_differs += plain != fused;
            }
            assert_true(contracted_differs > 0); /* the inputs do tell the two apart */
            code.free(&code);
            free(t);
        }
    }
    /* under register pressure: operands and results in xmm8..xmm14 and in spill slots */
    sj__x64_set_fma(true);
    enum { N = 20 };
    tb *t = tb_new();
    blk(t, 0, 0, 0, 0);
    uint32_t v[N], w[N];
    for (int k = 0; k < N; k++)
        v[k] = B2(t, SJ_IR_ADD, P(t, (uint32_t)(k % 3)), K(t, k * 0.001));
    for (int k = 0; k < N; k++)
        w[k] = B2(t, SJ_IR_ADD, B2(t, SJ_IR_MUL, v[k], v[(k + 7) % N]), v[(k + 3) % N]);
    uint32_t acc = w[0];
    for (int k = 1; k < N; k++)
        acc = B2(t, SJ_IR_SUB, acc, w[k]);
    finish(t, acc);
    sj_code code = compile_ok(t);
    char *dis = code.disassemble(&code);
#ifdef SJ_HAVE_CAPSTONE
    assert_non_null(strstr(dis, "vfmadd231sd"));
#endif
    sj_free(dis);
    rig rg;
    rig_init(&rg, 15);
    code.kernel(&rg.env, NF);
    for (int i = 0; i < NF; i++) {
        double V[N], W[N];
        for (int k = 0; k < N; k++)
            V[k] = rg.in[k % 3][i] + k * 0.001;
        for (int k = 0; k < N; k++)
            W[k] = fma(V[k], V[(k + 7) % N], V[(k + 3) % N]);
        double ac = W[0];
        for (int k = 1; k < N; k++)
            ac = ac - W[k];
        same(rg.out[2][i], ac, i);
    }
    code.free(&code);
    free(t);
    sj__x64_set_fma(false);
}

/* rsp stays 16-byte aligned at calls whatever the number of spill slots and saved registers. */
static void test_call_alignment(void **st)
{
    (void)st;
    for (int live = 0; live < 6; live++) {
        for (int hoist = 0; hoist < 2; hoist++) {
            tb *t = tb_new();
            blk(t, 0, 0, 0, 0);
            uint32_t v[8];
            for (int k = 0; k < live; k++)
                v[k] = B2(t, SJ_IR_MUL, P(t, (uint32_t)k), K(t, 2.0)); /* live across the call */
            uint32_t a0 = hoist ? P(t, 0) : K(t, 1.0);
            uint32_t r = call(t, &T_ALIGN, SJ_IR_NONE, 1, &a0);
            for (int k = 0; k < live; k++)
                r = B2(t, SJ_IR_ADD, r, B2(t, SJ_IR_MUL, v[k], K(t, 0.0)));
            if (hoist)
                I(t, SJ_IR_PV_STORE, 0, a0, 0, 0, 0);
            finish(t, r);
            sj_code code = compile_ok(t);
            rig rg;
            rig_init(&rg, 12);
            code.kernel(&rg.env, 4);
            for (int i = 0; i < 4; i++)
                same(rg.out[2][i], 0.0, i);
            code.free(&code);
            free(t);
        }
    }
}

/* if/else with phis, nested, and an if without else. Persistent variables carry across frames. */
static void test_control_flow(void **st)
{
    (void)st;
    tb *t = tb_new();
    /* b0: a = in1; c = a > 0; br c ? b1 : b4 */
    blk(t, 0, 0, 0, 0);
    uint32_t a = P(t, 0), bb = P(t, 1);
    uint32_t keep = B2(t, SJ_IR_MUL, bb, K(t, 2.0)); /* live through everything */
    uint32_t c = B2(t, SJ_IR_GT, a, K(t, 0.0));
    I(t, SJ_IR_BR, 0, c, 1, 4, 0);
    /* b1: t1 = a * 3; br (bb < 1) ? b2 : b3 */
    blk(t, 1, 1, 0, 0);
    uint32_t t1 = B2(t, SJ_IR_MUL, a, K(t, 3.0));
    uint32_t c2 = B2(t, SJ_IR_LT, bb, K(t, 1.0));
    I(t, SJ_IR_BR, 0, c2, 2, 3, 0);
    /* b2: t2 = t1 + 1; jmp b3 */
    blk(t, 2, 1, 1, 0);
    uint32_t t2 = B2(t, SJ_IR_ADD, t1, K(t, 1.0));
    uint32_t pvl = I(t, SJ_IR_PV_LOAD, 0, 0, 0, 0, 0);
    I(t, SJ_IR_PV_STORE, 0, B2(t, SJ_IR_ADD, pvl, K(t, 1.0)), 0, 0, 0);
    I(t, SJ_IR_JMP, 0, 0, 3, 0, 0);
    /* b3: p1 = phi(t2 from b2, t1 from b1)  (if without else: preds b2, b1) ; jmp b5 */
    blk(t, 3, 2, 2, 1);
    uint32_t p1 = phi(t, t2, t1);
    uint32_t t3 = B2(t, SJ_IR_SUB, p1, keep);
    I(t, SJ_IR_JMP, 0, 0, 5, 0, 0);
    /* b4: else: t4 = a - 7, swap-ish values */
    blk(t, 4, 1, 0, 0);
    uint32_t t4 = B2(t, SJ_IR_SUB, a, K(t, 7.0));
    I(t, SJ_IR_JMP, 0, 0, 5, 0, 0);
    /* b5: join: q = phi(t3, t4); w = phi(keep, a) */
    blk(t, 5, 2, 3, 4);
    uint32_t q = phi(t, t3, t4);
    uint32_t w = phi(t, keep, a);
    uint32_t w2 = phi(t, a, keep);
    I(t, SJ_IR_OUT_STORE, 0, w, 0, 0, 0);
    I(t, SJ_IR_OUT_STORE, 1, w2, 0, 0, 0);
    finish(t, B2(t, SJ_IR_ADD, q, keep));
    sj_code code = compile_ok(t);
    rig rg;
    rig_init(&rg, 6);
    rg.in[0][3] = NAN; /* NaN > 0 is false: the else branch */
    code.kernel(&rg.env, NF);
    double count = 0;
    for (int i = 0; i < NF; i++) {
        double A = rg.in[0][i], Bv = rg.in[1][i], KEEP = Bv * 2.0, Q, W, W2;
        if (A > 0) {
            double T1 = A * 3.0, P1 = T1;
            if (Bv < 1) {
                P1 = T1 + 1.0;
                count += 1;
            }
            Q = P1 - KEEP;
            W = KEEP;
            W2 = A;
        } else {
            Q = A - 7.0;
            W = A;
            W2 = KEEP;
        }
        same(rg.out[2][i], Q + KEEP, i);
        same(rg.out[0][i], W, i);
        same(rg.out[1][i], W2, i);
    }
    same(rg.pv[0], count, 0);
    code.free(&code);
    free(t);
}

/* Phis under register pressure and a phi cycle (swap) with a BR whose condition is arithmetic. */
static void test_phi_pressure(void **st)
{
    (void)st;
    enum { N = 24 };
    tb *t = tb_new();
    blk(t, 0, 0, 0, 0);
    uint32_t a = P(t, 0), bb = P(t, 1);
    uint32_t v[N];
    for (int k = 0; k < N; k++)
        v[k] = B2(t, SJ_IR_MUL, a, K(t, k + 0.5));
    uint32_t cond = B2(t, SJ_IR_SUB, bb, K(t, 3.0)); /* != 0 is true; NaN true */
    I(t, SJ_IR_BR, 0, cond, 1, 2, 0);
    blk(t, 1, 1, 0, 0);
    uint32_t y[N];
    for (int k = 0; k < N; k++)
        y[k] = B2(t, SJ_IR_ADD, v[k], v[(k + 1) % N]);
    I(t, SJ_IR_JMP, 0, 0, 3, 0, 0);
    blk(t, 2, 1, 0, 0);
    I(t, SJ_IR_JMP, 0, 0, 3, 0, 0);
    blk(t, 3, 2, 1, 2);
    uint32_t ph[N];
    for (int k = 0; k < N; k++)
        ph[k] = phi(t, y[k], v[(k + 5) % N]);
    uint32_t acc = ph[0];
    for (int k = 1; k < N; k++)
        acc = B2(t, SJ_IR_SUB, B2(t, SJ_IR_MUL, acc, K(t, 0.5)), ph[k]);
    finish(t, acc);
    sj_code code = compile_ok(t);
    rig rg;
    rig_init(&rg, 7);
    for (int i = 0; i < NF; i += 3)
        rg.in[1][i] = 3.0;
    rg.in[1][1] = NAN;
    code.kernel(&rg.env, NF);
    for (int i = 0; i < NF; i++) {
        double A = rg.in[0][i], Bv = rg.in[1][i], V[N], PH[N];
        for (int k = 0; k < N; k++)
            V[k] = A * (k + 0.5);
        for (int k = 0; k < N; k++)
            PH[k] = (Bv - 3.0 != 0.0 || isnan(Bv)) ? V[k] + V[(k + 1) % N] : V[(k + 5) % N];
        double ac = PH[0];
        for (int k = 1; k < N; k++)
            ac = ac * 0.5 - PH[k];
        same(rg.out[2][i], ac, i);
    }
    code.free(&code);
    free(t);
}

static void test_buffers_tables(void **st)
{
    (void)st;
    tb *t = tb_new();
    blk(t, 0, 0, 0, 0);
    uint32_t a = P(t, 0), bb = P(t, 1);
    uint32_t live = B2(t, SJ_IR_ADD, a, bb); /* live across the slow path */
    uint32_t r0 = I(t, SJ_IR_BUF_READ, 1, a, 0, 0, 0);
    I(t, SJ_IR_BUF_WRITE, 2, bb, a, 0, 0);
    uint32_t r1 = I(t, SJ_IR_TAB_READ, 1, bb, 0, 0, 0);
    uint32_t r2 = I(t, SJ_IR_BUF_READ_LIN, 3, a, 0, 0, 0);
    uint32_t r3 = I(t, SJ_IR_TAB_READ_LIN, 0, bb, 0, 0, 0);
    uint32_t l1 = I(t, SJ_IR_BUF_LEN, 3, 0, 0, 0, 0);
    uint32_t l2 = I(t, SJ_IR_TAB_LEN, 1, 0, 0, 0, 0);
    uint32_t s = B2(t, SJ_IR_ADD, B2(t, SJ_IR_ADD, r0, r1), B2(t, SJ_IR_ADD, r2, r3));
    I(t, SJ_IR_OUT_STORE, 0, B2(t, SJ_IR_ADD, l1, l2), 0, 0, 0);
    I(t, SJ_IR_OUT_STORE, 1, live, 0, 0, 0);
    I(t, SJ_IR_PV_STORE, 1, r2, 0, 0, 0); /* the last frame's linear read, sign of zero included */
    finish(t, s);
    sj_code code = compile_ok(t);
    rig rg, ref;
    rig_init(&rg, 8);
    static const double wild[] = {-1.0, -0.5, -0.0, 0.0, 0.99, 9.5, 10.0, 1e300, -1e300, NAN, INFINITY, -INFINITY,
                                  9007199254740993.0, -9007199254740995.0, 18446744073709551616.0, 5e-324, -5e-324};
    for (size_t i = 0; i < sizeof wild / sizeof wild[0]; i++) {
        rg.in[0][i] = wild[i];
        rg.in[1][NF - 1 - i] = wild[i];
    }
    /* -0.0 in the data and as an index: fract = x - floor(x) is +0.0 there, and -0.0 + +0.0 is +0.0 */
    rg.bufmem[3][0] = -0.0;
    rg.in[0][NF - 1] = -0.0;
    memcpy(&ref, &rg, sizeof rg);
    code.kernel(&rg.env, NF);
    for (int i = 0; i < NF; i++) {
        double A = ref.in[0][i], Bv = ref.in[1][i];
        double R0 = ref.bufmem[1][sj_wrap_index(A, ref.blens[1])];
        ref.bufmem[2][sj_wrap_index(Bv, ref.blens[2])] = A;
        double R1 = (double)ref.tabmem[1][sj_wrap_index(Bv, ref.tlens[1])];
        double R2 = sj__read_lin_f64(ref.bufmem[3], ref.blens[3], A);
        double R3 = sj__read_lin_f32(ref.tabmem[0], ref.tlens[0], Bv);
        same(rg.out[2][i], (R0 + R1) + (R2 + R3), i);
        if (i == NF - 1) {
            assert_false(signbit(R2)); /* the reference's own value */
            same(rg.pv[1], R2, i);
        }
        same(rg.out[0][i], (double)ref.blens[3] + (double)ref.tlens[1], i);
        same(rg.out[1][i], A + Bv, i);
    }
    for (int k = 0; k < 4; k++)
        for (int j = 0; j < 32; j++)
            same(rg.bufmem[k][j], ref.bufmem[k][j], j);
    code.free(&code);
    free(t);
}

/* A function without calls keeps up to seven array pointers in registers (rbp, r14, r15 and, free
 * of push and pop, r8..r11): with in1..in4 read and the three outputs written, the frame loop loads
 * nothing through env (rbx). With only rbp, r14 and r15 it reloaded four pointers every frame. */
static void test_pointers_hoisted(void **st)
{
    (void)st;
    tb *t = tb_new();
    blk(t, 0, 0, 0, 0);
    uint32_t a = B2(t, SJ_IR_ADD, P(t, 0), P(t, 1));
    uint32_t b = B2(t, SJ_IR_MUL, P(t, 2), P(t, 3));
    I(t, SJ_IR_OUT_STORE, 0, a, 0, 0, 0);
    I(t, SJ_IR_OUT_STORE, 1, b, 0, 0, 0);
    finish(t, B2(t, SJ_IR_SUB, a, b));
    sj_code code = compile_ok(t);
    rig rg;
    rig_init(&rg, 21);
    code.kernel(&rg.env, NF);
    for (int i = 0; i < NF; i++) {
        double x = rg.in[0][i] + rg.in[1][i], y = rg.in[2][i] * rg.in[3][i];
        same(rg.out[0][i], x, i);
        same(rg.out[1][i], y, i);
        same(rg.out[2][i], x - y, i);
    }
#ifdef SJ_HAVE_CAPSTONE
    char *dis = code.disassemble(&code);
    assert_non_null(dis);
    const char *loop = strstr(dis, "frame loop"), *end = loop ? strstr(loop, "next frame") : NULL;
    assert_non_null(end);
    const char *env_load = strstr(loop, "[rbx");
    if (env_load && env_load < end)
        fail_msg("a load through env in the frame loop:\n%.*s", (int)(end - loop), loop);
    sj_free(dis);
#endif
    code.free(&code);
    free(t);
}

static void test_sig_in_and_frames(void **st)
{
    (void)st;
    /* &sig1 read then written, a frame count of 0 does nothing, per-sample calls equal a block. */
    tb *t = tb_new();
    blk(t, 0, 0, 0, 0);
    uint32_t s = I(t, SJ_IR_SIG_IN, 0, 0, 0, 0, 0);
    uint32_t pv = I(t, SJ_IR_PV_LOAD, 3, 0, 0, 0, 0);
    uint32_t n = B2(t, SJ_IR_ADD, pv, P(t, 0));
    I(t, SJ_IR_PV_STORE, 3, n, 0, 0, 0);
    I(t, SJ_IR_OUT_STORE, 0, B2(t, SJ_IR_ADD, s, K(t, 1.0)), 0, 0, 0);
    uint32_t rs = I(t, SJ_IR_AUX, 2, 0, 0, 0, 0);
    finish(t, B2(t, SJ_IR_ADD, n, rs));
    sj_code code = compile_ok(t);
    rig a, b;
    rig_init(&a, 9);
    a.env.aux[2] = 1.0;
    for (int i = 0; i < NF; i++)
        a.in[6][i] = i; /* the initial &sig1 */
    memcpy(&b, &a, sizeof a);
    rig_init(&b, 9);
    b.env.aux[2] = 1.0;
    for (int i = 0; i < NF; i++)
        b.in[6][i] = i;
    code.kernel(&a.env, 0);
    same(a.pv[3], 0.0, 0);
    code.kernel(&a.env, NF);
    for (int i = 0; i < NF; i++) {
        sj_env e = b.env;
        for (int k = 0; k < 8; k++)
            e.in[k] = b.in[k] + i;
        for (int k = 0; k < 3; k++)
            e.out[k] = b.out[k] + i;
        code.kernel(&e, 1);
    }
    double acc = 0;
    for (int i = 0; i < NF; i++) {
        acc += a.in[0][i];
        same(a.out[2][i], acc + 1.0, i);
        same(a.out[0][i], i + 1.0, i);
        same(b.out[2][i], a.out[2][i], i);
        same(b.out[0][i], a.out[0][i], i);
    }
    code.free(&code);
    free(t);
}

/* Mappings that are writable and executable, as "start-end" lines. Normally there are none at all;
 * tools like valgrind map their own code caches rwx (and grow them as code runs), and then only
 * the regions of our functions are checked. */
static int wx_mappings(char out[][64], int max)
{
    FILE *fp = fopen("/proc/self/maps", "r");
    assert_non_null(fp);
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, fp)) {
        char range[64] = {0}, perms[8] = {0};
        if (sscanf(line, "%63s %7s", range, perms) == 2 && perms[1] == 'w' && perms[2] == 'x' && n < max)
            snprintf(out[n++], 64, "%s", range);
    }
    fclose(fp);
    return n;
}

static bool new_wx(char base[][64], int nbase)
{
    char now[64][64];
    int n = wx_mappings(now, 64);
    for (int i = 0; i < n; i++) {
        bool known = false;
        for (int j = 0; j < nbase && !known; j++)
            known = strcmp(now[i], base[j]) == 0;
        if (!known)
            return true;
    }
    return false;
}

/* The permissions of the mapping containing p ("r-xp"...), or "" if none. */
static void perms_of(const void *p, char perms[8])
{
    FILE *fp = fopen("/proc/self/maps", "r");
    assert_non_null(fp);
    char line[512];
    uintptr_t a = (uintptr_t)p;
    perms[0] = 0;
    while (fgets(line, sizeof line, fp)) {
        unsigned long lo, hi;
        char pr[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, pr) == 3 && a >= lo && a < hi) {
            memcpy(perms, pr, 8);
            break;
        }
    }
    fclose(fp);
}

static void test_wx_and_disasm(void **st)
{
    (void)st;
    char base[64][64];
    int nbase = wx_mappings(base, 64);
    sj_code codes[8];
    for (int k = 0; k < 8; k++) {
        tb *t = tb_new();
        blk(t, 0, 0, 0, 0);
        uint32_t a = P(t, 0);
        uint32_t r = B2(t, SJ_IR_MUL, a, K(t, k + 1.0));
        r = I(t, SJ_IR_BUF_READ, 0, r, 0, 0, 0);
        finish(t, U1(t, SJ_IR_FLOOR, r));
        codes[k] = compile_ok(t);
        free(t);
    }
    bool bad = new_wx(base, nbase);
    rig rg;
    rig_init(&rg, 10);
    codes[3].kernel(&rg.env, NF);
    bad |= new_wx(base, nbase);
    char *d = codes[3].disassemble(&codes[3]);
    bool dis_ok = d != NULL;
#ifdef SJ_HAVE_CAPSTONE
    dis_ok = dis_ok && strstr(d, "mulsd") && strstr(d, "ret");
#endif
    sj_free(d);
    bool sealed = true;
    for (int k = 0; k < 8; k++) {
        char perms[8];
        sj_kernel_fn fn = codes[k].kernel;
        void *p;
        memcpy(&p, &fn, sizeof p);
        perms_of(p, perms);
        sealed &= strncmp(perms, "r-x", 3) == 0;
    }
    assert_true(codes[3].code_size > 0);
    for (int k = 0; k < 8; k++)
        codes[k].free(&codes[k]);
    bad |= new_wx(base, nbase);
    if (nbase == 0)
        assert_false(bad);
    else
        print_message("rwx mappings exist before any compile (a tool such as valgrind): only our regions checked\n");
    assert_true(sealed);
    assert_true(dis_ok);
}

/* ---- fault injection: every allocation of a compile fails once; nothing may leak ---- */
static long g_fail_at, g_count, g_live;

static void *fail_realloc(void *user, void *ptr, size_t size)
{
    (void)user;
    if (g_count++ == g_fail_at)
        return NULL;
    void *p = realloc(ptr, size);
    if (p && !ptr)
        g_live++;
    return p;
}

static void fail_free(void *user, void *ptr)
{
    (void)user;
    if (ptr)
        g_live--;
    free(ptr);
}

static void test_alloc_failures(void **st)
{
    (void)st;
    tb *t = tb_new();
    /* a program using most of the emitter: branches, phis, calls, buffers, invariants */
    blk(t, 0, 0, 0, 0);
    uint32_t a = P(t, 0), bb = P(t, 1);
    uint32_t inv = B2(t, SJ_IR_MUL, K(t, 2.0), I(t, SJ_IR_AUX, 1, 0, 0, 0, 0));
    uint32_t c = B2(t, SJ_IR_GT, a, inv);
    I(t, SJ_IR_BR, 0, c, 1, 2, 0);
    blk(t, 1, 1, 0, 0);
    uint32_t x1 = I(t, SJ_IR_BUF_READ, 0, a, 0, 0, 0);
    I(t, SJ_IR_JMP, 0, 0, 3, 0, 0);
    blk(t, 2, 1, 0, 0);
    uint32_t args[3] = {a, bb, inv};
    uint32_t x2 = call(t, &T_MIX3, SJ_IR_NONE, 3, args);
    I(t, SJ_IR_JMP, 0, 0, 3, 0, 0);
    blk(t, 3, 2, 1, 2);
    uint32_t p = phi(t, x1, x2);
    finish(t, B2(t, SJ_IR_ADD, p, bb));
    sj_allocator al = {fail_realloc, fail_free, NULL};
    sj_set_allocator(&al);
    long n;
    for (n = 0; n < 10000; n++) {
        g_fail_at = n;
        g_count = 0;
        g_live = 0;
        sj_code code;
        sj_status s = sj__x64_compile(&t->f, &code);
        if (s == SJ_OK)
            code.free(&code);
        if (g_live != 0) {
            sj_set_allocator(NULL);
            fail_msg("allocation %ld failed: %ld still live", n, g_live);
        }
        if (s == SJ_OK && g_count <= n)
            break; /* no allocation failed: done */
        if (s != SJ_OK)
            assert_int_equal(s, SJ_ERR_NOMEM);
    }
    sj_set_allocator(NULL);
    assert_true(n > 3);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arith),
        cmocka_unit_test(test_compare_minmax),
        cmocka_unit_test(test_unary),
        cmocka_unit_test(test_sse2_baseline),
        cmocka_unit_test(test_pressure),
        cmocka_unit_test(test_calls),
        cmocka_unit_test(test_call_alignment),
        cmocka_unit_test(test_promoted_pvs),
        cmocka_unit_test(test_fma_mode),
        cmocka_unit_test(test_control_flow),
        cmocka_unit_test(test_phi_pressure),
        cmocka_unit_test(test_buffers_tables),
        cmocka_unit_test(test_sig_in_and_frames),
        cmocka_unit_test(test_pointers_hoisted),
        cmocka_unit_test(test_wx_and_disasm),
        cmocka_unit_test(test_alloc_failures),
    };
    sj__x64_set_fma(false); /* bit-exact expectations, whatever SIGJIT_FMA says */
    return cmocka_run_group_tests(tests, NULL, NULL);
}

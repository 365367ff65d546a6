/*
 * The benchmark programs of issue 3, built with the C builder API, and their Faust equivalents.
 *   a    the reference's phasor example (README of synfx-dsp-jit): *phase += 440 * $israte; wrap at 1
 *   b    sine oscillator -> one-pole lowpass -> tanh
 *   c    saw -> resonant state-variable lowpass (Chamberlin)
 *   d    noise -> feedback comb with a 1 s buffer (48000 samples)
 *   e    phasor -> sin -> one-pole -> tanh -> SVF -> comb (1-sample feedback), as in
 *        ../shared/design/codegen-measurements.md
 *   e20  the chain of e 20 times with its own state and frequency, summed
 * The Faust programs compute the same operations per sample (Faust's own noise generator in d; the
 * SVF output is the new low-pass state as in sigjit).
 */
#include "programs.h"

#include <stdio.h>

#define V(n) sj_var(n)
#define L(x) sj_lit(x)
#define A(n, e) sj_assign(n, e)
#define ADD(a, b) sj_add(a, b)
#define SUB(a, b) sj_sub(a, b)
#define MUL(a, b) sj_mul(a, b)
#define CALL1(n, x) sj_call(n, 0, 1, x)

static char nm[16][32];

static const char *pn(int slot, const char *base, int k)
{
    snprintf(nm[slot], sizeof nm[slot], "*%s%d", base, k);
    return nm[slot];
}

/* *ph = fract(*ph + f * $israte) */
static sj_ast *phasor(const char *ph, double f)
{
    return sj_stmts(2, A(ph, ADD(V(ph), MUL(L(f), V("$israte")))), A(ph, SUB(V(ph), CALL1("floor", V(ph)))));
}

/* one chain of program e; its output is left in the local "c" */
static sj_ast *chain(int k, double f)
{
    const char *ph = pn(0, "ph", k), *lp = pn(1, "lp", k), *lo = pn(2, "lo", k), *bd = pn(3, "bd", k),
               *z = pn(4, "z", k);
    return sj_stmts(
        9, phasor(ph, f), A("s", CALL1("sin", MUL(V(ph), V("TAU")))),
        A(lp, ADD(V(lp), MUL(L(0.2), SUB(V("s"), V(lp))))), A("t", CALL1("tanh", MUL(V(lp), L(3.0)))),
        A(lo, ADD(V(lo), MUL(L(0.25), V(bd)))), A("h", SUB(SUB(V("t"), V(lo)), MUL(L(0.3), V(bd)))),
        A(bd, ADD(V(bd), MUL(L(0.25), V("h")))), A(z, ADD(V(bd), MUL(L(0.5), V(z)))), A("c", V(z)));
}

sj_ast *bench_ast(int i)
{
    switch (i) {
    case 0: /* the reference's phasor */
        return sj_stmts(3, A("*phase", ADD(V("*phase"), MUL(L(440.0), V("$israte")))),
                        sj_if(sj_gt(V("*phase"), L(1.0)), A("*phase", SUB(V("*phase"), L(1.0))), NULL), V("*phase"));
    case 1:
        return sj_stmts(4, phasor("*ph", 220.0), A("s", CALL1("sin", MUL(V("*ph"), V("TAU")))),
                        A("*lp", ADD(V("*lp"), MUL(L(0.1), SUB(V("s"), V("*lp"))))),
                        CALL1("tanh", MUL(V("*lp"), L(2.0))));
    case 2:
        return sj_stmts(6, phasor("*ph", 110.0), A("x", SUB(MUL(V("*ph"), L(2.0)), L(1.0))),
                        A("*lo", ADD(V("*lo"), MUL(L(0.2), V("*bd")))),
                        A("h", SUB(SUB(V("x"), V("*lo")), MUL(L(0.3), V("*bd")))),
                        A("*bd", ADD(V("*bd"), MUL(L(0.2), V("h")))), V("*lo"));
    case 3:
        return sj_stmts(
            8, sj_buf_declare(0, 48000),
            A("*seed", ADD(MUL(V("*seed"), L(8121.0)), L(0.28411))),
            A("*seed", SUB(V("*seed"), CALL1("floor", V("*seed")))),
            A("*w", ADD(V("*w"), L(1.0))), sj_if(sj_ge(V("*w"), L(48000.0)), A("*w", L(0.0)), NULL),
            A("y", ADD(SUB(MUL(V("*seed"), L(2.0)), L(1.0)), MUL(L(0.7), sj_buf_read(0, V("*w"))))),
            sj_buf_write(0, V("*w"), V("y")), V("y"));
    case 4:
        return sj_stmts(2, chain(0, 100.0), V("c"));
    case 5: {
        sj_ast *s = sj_stmts(1, A("acc", L(0.0)));
        for (int k = 0; k < 20; k++) {
            if (sj_ast_push(s, chain(k, 100.0 + 37.0 * k)) != SJ_OK ||
                sj_ast_push(s, A("acc", ADD(V("acc"), V("c")))) != SJ_OK)
                return NULL;
        }
        if (sj_ast_push(s, V("acc")) != SJ_OK)
            return NULL;
        return s;
    }
    default:
        return NULL;
    }
}

#define FAUST_COMMON                                                                                            \
    "import(\"stdfaust.lib\");\n"                                                                             \
    "frac(x) = x - floor(x);\n"                                                                               \
    "ph(f) = (+(f/ma.SR) : frac) ~ _;\n"                                                                      \
    "lp(a, x) = (\\(y).(y + a*(x - y))) ~ _;\n"                                                               \
    "svf(f, q, x) = (loop ~ (_, _)) : (_, !) with { loop(lo, bd) = lo2, bd2 with { lo2 = lo + f*bd; bd2 = bd " \
    "+ f*(x - lo2 - q*bd); }; };\n"                                                                           \
    "comb(x) = (\\(z).(x + 0.5*z)) ~ _;\n"                                                                    \
    "chain(f) = ph(f) : *(2*ma.PI) : sin : lp(0.2) : *(3.0) : ma.tanh : svf(0.25, 0.3) : comb;\n"

const bench_program bench_programs[BENCH_NPROG] = {
    {"a", "phasor (reference example)",
     FAUST_COMMON "process = (+(440/ma.SR) : \\(x).(select2(x > 1.0, x, x - 1.0))) ~ _;\n"},
    {"b", "sine -> one-pole -> tanh", FAUST_COMMON "process = ph(220) : *(2*ma.PI) : sin : lp(0.1) : *(2.0) : ma.tanh;\n"},
    {"c", "saw -> resonant SVF lowpass", FAUST_COMMON "process = ph(110) : *(2.0) : -(1.0) : svf(0.2, 0.3);\n"},
    {"d", "noise -> feedback comb, 1 s buffer", FAUST_COMMON "process = no.noise : (+ ~ (@(47999) : *(0.7)));\n"},
    {"e", "phasor-sin-1pole-tanh-SVF-comb", FAUST_COMMON "process = chain(100);\n"},
    {"e20", "the chain of e, 20 times", FAUST_COMMON "process = par(i, 20, chain(100 + 37*i)) :> _;\n"},
};

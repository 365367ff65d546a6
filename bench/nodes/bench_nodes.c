/*
 * make bench-nodes: nanoseconds per call of every node of the sigjit node set, called directly
 * (the C function on its state) and inside a compiled program (one call per frame, block
 * processing on the default backend, so it includes the backend's per-frame overhead), and the
 * fast-math table: maximum error over a dense grid against libm, the documented bound, and the
 * cost of the fast and the exact function.
 *
 * Arguments cycle through a precomputed table of plausible values (a sweep for frequencies,
 * a sine for signals, gates toggling), so branches behave as in a patch.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nodes/extra.h"
#include "sigjit.h"

#define ROWS 1024
#define CALLS 200000
#define REPS 5 /* every timing is the minimum of REPS runs (the machine may be shared) */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double arg_value(const char *node, const char *name, int k)
{
    double s = sin(k * 0.031);
    if (!strcmp(name, "freq"))
        return !strcmp(node, "ftom") ? 30 + 4000 * fabs(s) : (!strcmp(node, "lfo") ? 3 + s : 440 + 200 * s);
    if (!strcmp(name, "in") || !strcmp(name, "a") || !strcmp(name, "b") || !strcmp(name, "pm") ||
        !strcmp(name, "pos"))
        return 0.8 * s;
    if (!strcmp(name, "x"))
        return 3 * s;
    if (!strcmp(name, "trig") || !strcmp(name, "gate") || !strcmp(name, "clock"))
        return (k / 37) % 2;
    if (!strcmp(name, "reset"))
        return 0;
    if (!strcmp(name, "type"))
        return 0;
    if (!strcmp(name, "q"))
        return 2;
    if (!strcmp(name, "gain"))
        return !strcmp(node, "atodb") ? s : 6;
    if (!strcmp(name, "time"))
        return 0.01;
    if (!strcmp(name, "interp") || !strcmp(name, "table") || !strcmp(name, "shape"))
        return 0;
    if (!strcmp(name, "note"))
        return 40 + k % 40 + 0.3 * s;
    if (!strcmp(name, "db"))
        return -40 * fabs(s);
    if (!strcmp(name, "attack") || !strcmp(name, "decay") || !strcmp(name, "release") || !strcmp(name, "rise") ||
        !strcmp(name, "fall"))
        return 0.002;
    if (!strcmp(name, "ms"))
        return 5;
    if (!strcmp(name, "n") || !strcmp(name, "max") || !strcmp(name, "hits"))
        return 3;
    if (!strcmp(name, "steps"))
        return 8;
    if (!strcmp(name, "scale"))
        return 1;
    if (!strcmp(name, "root"))
        return 9;
    if (!strcmp(name, "bits"))
        return 6;
    if (!strcmp(name, "rate"))
        return 8000;
    if (!strcmp(name, "seed"))
        return 1;
    return 0.5;
}

/* One loop per signature shape so the call in the loop is direct (no per-call dispatch). */
typedef double (*f_v)(double);
typedef double (*f_vv)(double, double);
typedef double (*f_vvv)(double, double, double);
typedef double (*f_vvvv)(double, double, double, double);
typedef double (*f_vvM)(double, double, double *);
typedef double (*f_vS)(double, void *);
typedef double (*f_vvS)(double, double, void *);
typedef double (*f_vvvS)(double, double, double, void *);
typedef double (*f_vvvvS)(double, double, double, double, void *);
typedef double (*f_vSM)(double, void *, double *);
typedef double (*f_vDS)(double, sj_dsp_state *, void *);
typedef double (*f_vvDS)(double, double, sj_dsp_state *, void *);
typedef double (*f_vvvDS)(double, double, double, sj_dsp_state *, void *);
typedef double (*f_vvvvDS)(double, double, double, double, sj_dsp_state *, void *);
typedef double (*f_vvvvvDS)(double, double, double, double, double, sj_dsp_state *, void *);
typedef double (*f_vvvDSM)(double, double, double, sj_dsp_state *, void *, double *);

static double args[ROWS][8];
static volatile double sink;

#define LOOP(type, ...)                                                                                          \
    do {                                                                                                         \
        type fn = (type)t->fn;                                                                                   \
        for (int i = 0; i < CALLS; i++) {                                                                        \
            const double *a = args[i & (ROWS - 1)];                                                              \
            acc += fn(__VA_ARGS__);                                                                              \
        }                                                                                                        \
    } while (0)

static double direct_ns(const sj_node_type *t, sj_dsp_state *dsp, void *st)
{
    if (t->reset && st)
        t->reset(dsp, st);
    double rv[5] = {0}, acc = 0;
    const char *s = t->signature;
    double t0 = now_ns();
    if (!strcmp(s, "vr"))
        LOOP(f_v, a[0]);
    else if (!strcmp(s, "vvr"))
        LOOP(f_vv, a[0], a[1]);
    else if (!strcmp(s, "vvvr"))
        LOOP(f_vvv, a[0], a[1], a[2]);
    else if (!strcmp(s, "vvvvr"))
        LOOP(f_vvvv, a[0], a[1], a[2], a[3]);
    else if (!strcmp(s, "vvMr"))
        LOOP(f_vvM, a[0], a[1], rv);
    else if (!strcmp(s, "vSr"))
        LOOP(f_vS, a[0], st);
    else if (!strcmp(s, "vvSr"))
        LOOP(f_vvS, a[0], a[1], st);
    else if (!strcmp(s, "vvvSr"))
        LOOP(f_vvvS, a[0], a[1], a[2], st);
    else if (!strcmp(s, "vvvvSr"))
        LOOP(f_vvvvS, a[0], a[1], a[2], a[3], st);
    else if (!strcmp(s, "vSMr"))
        LOOP(f_vSM, a[0], st, rv);
    else if (!strcmp(s, "vDSr"))
        LOOP(f_vDS, a[0], dsp, st);
    else if (!strcmp(s, "vvDSr"))
        LOOP(f_vvDS, a[0], a[1], dsp, st);
    else if (!strcmp(s, "vvvDSr"))
        LOOP(f_vvvDS, a[0], a[1], a[2], dsp, st);
    else if (!strcmp(s, "vvvvDSr"))
        LOOP(f_vvvvDS, a[0], a[1], a[2], a[3], dsp, st);
    else if (!strcmp(s, "vvvvvDSr"))
        LOOP(f_vvvvvDS, a[0], a[1], a[2], a[3], a[4], dsp, st);
    else if (!strcmp(s, "vvvDSMr"))
        LOOP(f_vvvDSM, a[0], a[1], a[2], dsp, st, rv);
    else
        return NAN;
    double t1 = now_ns();
    sink = acc;
    return (t1 - t0) / CALLS;
}

static const char *const input_vars[6] = {"in1", "in2", "alpha", "beta", "delta", "gamma"};

/* ns per frame of a program that is just this node fed by the inputs, minus the same program
 * without the call (the inputs summed), so the number is the node's cost inside generated code.
 * NaN if it does not compile. */
static double program_ns(sj_context *ctx, const sj_node_type *t, double *frame_ns)
{
    size_t nv = sj_node_type_arg_count(t);
    if (nv > 6)
        return NAN;
    sj_ast *a[8];
    for (size_t j = 0; j < nv; j++)
        a[j] = sj_var(input_vars[j]);
    sj_ast *prog = sj_call_v(t->name, 1, a, nv);
    sj_function *f = NULL;
    sj_status st = sj_compile(ctx, prog, NULL, &f, NULL);
    sj_ast_free(prog);
    if (st != SJ_OK)
        return NAN;
    sj_function_init(f, 48000, NULL);
    enum { N = 4096 };
    static double in[6][N], out[N];
    for (size_t j = 0; j < nv; j++)
        for (int k = 0; k < N; k++)
            in[j][k] = arg_value(t->name, t->inputs[j], k);
    sj_block_io io = {{in[0], in[1], in[2], in[3], in[4], in[5]}, NULL, NULL, out};
    sj_function_process(f, &io, N); /* warm up */
    int reps = CALLS / N;
    double t0 = now_ns();
    for (int r = 0; r < reps; r++)
        sj_function_process(f, &io, N);
    double ns = (now_ns() - t0) / ((double)reps * N);
    sj_function_free(f);
    *frame_ns = ns;
    return ns;
}

/* ---- fast-math table ----------------------------------------------------------------------- */

typedef struct fm_row {
    const char *name, *exact, *kind, *range;
    double (*fast)(double);
    double (*ref)(double);
    double lo, hi, bound;
    int relative, exp_grid;
} fm_row;

static double identity(double x)
{
    return x;
}

static double ns_of(double (*fn)(double), double lo, double hi)
{
    static double xs[ROWS];
    for (int i = 0; i < ROWS; i++)
        xs[i] = lo + (hi - lo) * (double)((i * 389) % ROWS) / ROWS;
    double acc = 0, t0 = now_ns();
    for (int i = 0; i < CALLS; i++)
        acc += fn(xs[i & (ROWS - 1)]);
    sink = acc;
    return (now_ns() - t0) / CALLS;
}

int main(void)
{
    sj_dsp_state dsp;
    memset(&dsp, 0, sizeof dsp);
    dsp.srate = 48000;
    dsp.israte = 1.0 / 48000;
    sj_library *lib = sj_library_new_std();
    sj_context *ctx = lib ? sj_context_new(lib, NULL) : NULL;
    if (!ctx) {
        fprintf(stderr, "bench-nodes: cannot create a context\n");
        return 1;
    }
    /* the empty program's cost per frame, subtracted from program timings */
    double base = NAN;
    {
        sj_ast *p = sj_var("in1");
        sj_function *f = NULL;
        if (sj_compile(ctx, p, NULL, &f, NULL) == SJ_OK) {
            enum { N = 4096 };
            static double in[N], out[N];
            sj_block_io io = {{in}, NULL, NULL, out};
            sj_function_process(f, &io, N);
            for (int rep = 0; rep < REPS; rep++) {
                double t0 = now_ns();
                for (int r = 0; r < CALLS / N; r++)
                    sj_function_process(f, &io, N);
                double b = (now_ns() - t0) / ((double)(CALLS / N) * N);
                base = rep == 0 || b < base ? b : base;
            }
            sj_function_free(f);
        }
        sj_ast_free(p);
    }
    printf("sigjit node set: ns per call at 48 kHz, minimum of %d runs of %d calls (the loop and the\n"
           "indirect call alone cost about 3 ns per call, see the fast-math table).\n"
           "  direct:  the C function called in a loop, arguments changing every call (frequencies swept,\n"
           "           so filters recompute their coefficients on every call: the modulated worst case)\n"
           "  static:  the same with constant arguments (coefficients cached)\n"
           "  program: one call per frame in a compiled program (block processing, default backend),\n"
           "           changing arguments, minus the empty program's %.2f ns per frame\n\n",
           REPS, CALLS, base);
    printf("%-10s %-12s %10s %10s %10s\n", "node", "signature", "direct", "static", "program");
    for (const sj_node_family *const *fam = sj__extra_families; *fam; fam++) {
        printf("-- %s\n", (*fam)->name);
        for (size_t i = 0; i < (*fam)->count; i++) {
            const sj_node_type *t = &(*fam)->types[i];
            size_t nv = sj_node_type_arg_count(t);
            for (int k = 0; k < ROWS; k++)
                for (size_t j = 0; j < nv; j++)
                    args[k][j] = arg_value(t->name, t->inputs[j], k);
            void *st = t->state_size ? calloc(1, t->state_size) : NULL;
            if (st && t->reset)
                t->reset(&dsp, st);
            double d = INFINITY, fr = INFINITY, ds = INFINITY;
            for (int rep = 0; rep < REPS; rep++) {
                double x = direct_ns(t, &dsp, st), y = NAN;
                program_ns(ctx, t, &y);
                d = x < d ? x : d;
                fr = y < fr ? y : (y == y ? fr : NAN);
            }
            /* the same with constant arguments (row 0 everywhere): no coefficient recomputation */
            double saved[ROWS][8];
            memcpy(saved, args, sizeof saved);
            for (int k = 1; k < ROWS; k++)
                memcpy(args[k], args[0], sizeof args[0]);
            for (int rep = 0; rep < REPS; rep++) {
                double x = direct_ns(t, &dsp, st);
                ds = x < ds ? x : ds;
            }
            memcpy(args, saved, sizeof saved);
            free(st);
            printf("%-10s %-12s %10.2f %10.2f %10.2f\n", t->name, t->signature, d, ds, fr - base);
        }
    }

    static const fm_row rows[] = {
        {"fsin", "sin", "abs", "|x| <= 1000", sj__fsin, sin, -1000, 1000, SJ_FSIN_MAX_ERR, 0, 0},
        {"fcos", "cos", "abs", "|x| <= 1000", sj__fcos, cos, -1000, 1000, SJ_FSIN_MAX_ERR, 0, 0},
        {"ftanh", "tanh", "abs", "|x| <= 25", sj__ftanh, tanh, -25, 25, SJ_FTANH_MAX_ERR, 0, 0},
        {"fexp2", "exp2", "rel", "-1022 < x < 1024", sj__fexp2, exp2, -1021.9, 1023.9, SJ_FEXP2_MAX_RELERR, 1, 0},
        {"flog2", "log2", "abs", "2^-1074 .. 2^1024", sj__flog2, log2, -1074, 1023.9, SJ_FLOG2_MAX_ERR, 0, 1},
    };
    printf("\nfast math: maximum error over a grid of 2e6 points against libm\n\n");
    double floor_ns = INFINITY;
    for (int rep = 0; rep < REPS; rep++) {
        double a = ns_of(identity, 0, 1);
        floor_ns = a < floor_ns ? a : floor_ns;
    }
    printf("(ns per call through a function pointer in a loop; calling a function that returns its\n"
           "argument costs %.2f ns the same way, and the loop overlaps it with the work)\n\n", floor_ns);
    printf("%-6s %-5s %-18s %4s %10s %10s %9s %9s\n", "fast", "libm", "range", "err", "measured", "bound",
           "ns fast", "ns libm");
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        const fm_row *w = &rows[r];
        double e = 0;
        for (long i = 0; i <= 2000000; i++) {
            double u = w->lo + (w->hi - w->lo) * (double)i / 2000000.0;
            double x = w->exp_grid ? exp2(u) : u;
            if (x == 0 || isinf(x))
                continue;
            double f = w->fast(x), g = w->ref(x);
            double err = w->relative ? fabs(f / g - 1) : fabs(f - g);
            e = err > e ? err : e;
        }
        double lo = w->exp_grid ? 0.001 : (w->lo < -30 && !w->relative ? -30 : w->lo / 4);
        double hi = w->exp_grid ? 1000 : (w->hi > 30 && !w->relative ? 30 : w->hi / 4);
        double nf = INFINITY, nl = INFINITY;
        for (int rep = 0; rep < REPS; rep++) {
            double a = ns_of(w->fast, lo, hi), b = ns_of(w->ref, lo, hi);
            nf = a < nf ? a : nf;
            nl = b < nl ? b : nl;
        }
        printf("%-6s %-5s %-18s %4s %10.2e %10.0e %9.2f %9.2f\n", w->name, w->exact, w->range, w->kind, e, w->bound,
               nf, nl);
    }
    sj_context_free(ctx);
    sj_library_release(lib);
    return 0;
}

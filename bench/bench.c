/*
 * sigjit benchmark (make bench): compile latency and runtime of the programs in bench/programs.c on
 *   interp        the interpreter, blocks of 128 (sj_function_process)
 *   native-sample the native backend, one sj_function_exec call per sample
 *   native-block  the native backend, blocks of 128 (sj_function_process)
 *   native-kernel the generated kernel called directly on a prepared environment (no runtime work
 *                 per block); its compile time is the code generator alone (IR -> machine code)
 *   gcc-O2        the C export of the program built with cc -std=c11 -O2 (the ceiling)
 *   faust-llvm    Faust's LLVM JIT (libfaust, -double) on the equivalent Faust program
 * Compile latency: median over many compiles, in microseconds (for gcc-O2: cc -O2 -c of the exported
 * file, process start included). Runtime: ns per sample, blocks of 128, median of 21 runs (5 with -q) after a
 * warm-up. Writes bench/out/results.csv. Options: -q (fewer repetitions, for a quick look).
 */
#include "programs.h"

#include "exported.h"

#include "codegen/x64/x64.h"
#include "ir/lower.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifdef SJ_HAVE_FAUST
#define FAUSTFLOAT double
#include <faust/dsp/llvm-dsp-c.h>
#endif

#define BLOCK 128

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmpd);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ---- exported (gcc -O2) programs ---- */
typedef struct xfns {
    size_t (*size)(void);
    void (*init)(void *, double);
    void (*process)(void *, const double *const in[6], double *, double *, double *, size_t);
} xfns;

#define W(n)                                                                                                   \
    static size_t size_##n(void) { return bx_##n##_state_size(); }                                            \
    static void init_##n(void *s, double sr) { bx_##n##_init(s, sr); }                                         \
    static void proc_##n(void *s, const double *const in[6], double *a, double *b, double *c, size_t k)        \
    {                                                                                                          \
        bx_##n##_process(s, in, a, b, c, k);                                                                   \
    }
W(a)
W(b)
W(c)
W(d)
W(e)
W(e20)
static const xfns exported[BENCH_NPROG] = {{size_a, init_a, proc_a}, {size_b, init_b, proc_b},
                                           {size_c, init_c, proc_c}, {size_d, init_d, proc_d},
                                           {size_e, init_e, proc_e}, {size_e20, init_e20, proc_e20}};

/* ---- runners ---- */
static double zeros[BLOCK];
static double o1[BLOCK], o2[BLOCK], o3[BLOCK];

typedef struct runner {
    int kind; /* 0 block, 1 per sample, 2 gcc, 3 faust, 4 bare kernel */
    sj_function *fn;
    void *xs;
    const xfns *x;
    void *faust;
    struct bare *bare;
} runner;

/* The native kernel called directly with a prepared sj_env: the generated code without the
 * runtime's per-block work (environment set-up, zeroing &sig1/&sig2 and the multi-return slots). */
typedef struct bare {
    sj_code code;
    sj_env env;
    double pv[256];
    void *states[64];
    double statemem[64][8];
    double *bufs[SJ_BUFFER_COUNT];
    uint64_t lens[SJ_BUFFER_COUNT];
    const float *tabs[SJ_TABLE_COUNT];
    uint64_t tlens[SJ_TABLE_COUNT];
    float tab0[1];
    size_t declared[SJ_BUFFER_COUNT];
    uint32_t npv, nstates;
    sj_dsp_state dsp;
} bare;

static sj_status b_pv(void *u, const char *name, uint32_t *slot)
{
    (void)name;
    bare *b = u;
    *slot = b->npv++;
    return b->npv <= 256 ? SJ_OK : SJ_ERR_LIMIT;
}

static sj_status b_state(void *u, const sj_node_type *t, uint64_t uid, uint32_t *idx, char *msg, size_t n)
{
    (void)t, (void)uid, (void)msg, (void)n;
    bare *b = u;
    *idx = b->nstates++;
    return b->nstates <= 64 ? SJ_OK : SJ_ERR_LIMIT;
}

static void b_decl(void *u, size_t idx, size_t len)
{
    ((bare *)u)->declared[idx] = len;
}

static void b_used(void *u, size_t idx)
{
    (void)u, (void)idx;
}

static bare *bare_new(const sj_library *lib, int prog, double *codegen_us, int reps)
{
    bare *b = calloc(1, sizeof *b);
    sj_ast *ast = bench_ast(prog);
    sj_lower_hooks hooks = {b, b_pv, b_state, b_decl, b_used};
    sj_ir_func ir;
    if (sj__ir_build(ast, lib, &hooks, true, &ir, NULL) != SJ_OK)
        return NULL;
    double v[512];
    for (int k = 0; k < reps; k++) {
        sj_code c;
        double t = now_ns();
        sj__x64_compile(&ir, &c);
        v[k] = (now_ns() - t) / 1e3;
        c.free(&c);
    }
    *codegen_us = median(v, reps);
    if (sj__x64_compile(&ir, &b->code) != SJ_OK)
        return NULL;
    sj__ir_fini(&ir);
    sj_ast_free(ast);
    for (int k = 0; k < SJ_BUFFER_COUNT; k++) {
        b->lens[k] = b->declared[k] ? b->declared[k] : SJ_BUFFER_DEFAULT_LEN;
        b->bufs[k] = calloc(b->lens[k], sizeof(double));
    }
    for (int k = 0; k < SJ_TABLE_COUNT; k++) {
        b->tabs[k] = b->tab0;
        b->tlens[k] = 1;
    }
    for (int k = 0; k < 64; k++)
        b->states[k] = b->statemem[k];
    b->dsp.srate = 48000;
    b->dsp.israte = 1.0 / 48000;
    b->env.aux[0] = 48000;
    b->env.aux[1] = 1.0 / 48000;
    b->env.pv = b->pv;
    b->env.states = b->states;
    b->env.dsp = &b->dsp;
    b->env.bufs = b->bufs;
    b->env.buf_lens = b->lens;
    b->env.tables = b->tabs;
    b->env.table_lens = b->tlens;
    b->env.code = NULL;
    return b;
}

static void bare_free(bare *b)
{
    if (!b)
        return;
    b->code.free(&b->code);
    for (int k = 0; k < SJ_BUFFER_COUNT; k++)
        free(b->bufs[k]);
    free(b);
}

static void run_blocks(runner *r, int nblocks)
{
    sj_block_io io;
    memset(&io, 0, sizeof io);
    for (int k = 0; k < 6; k++)
        io.in[k] = zeros;
    io.sig1 = o1;
    io.sig2 = o2;
    io.ret = o3;
    const double *const in[6] = {zeros, zeros, zeros, zeros, zeros, zeros};
    for (int b = 0; b < nblocks; b++) {
        switch (r->kind) {
        case 0:
            sj_function_process(r->fn, &io, BLOCK);
            break;
        case 1:
            for (int i = 0; i < BLOCK; i++) {
                double s1 = 0.0, s2 = 0.0;
                o3[i] = sj_function_exec(r->fn, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, &s1, &s2);
            }
            break;
        case 2:
            r->x->process(r->xs, in, o1, o2, o3, BLOCK);
            break;
        case 4:
            for (int k = 0; k < 8; k++)
                r->bare->env.in[k] = zeros;
            r->bare->env.out[0] = o1;
            r->bare->env.out[1] = o2;
            r->bare->env.out[2] = o3;
            r->bare->code.kernel(&r->bare->env, BLOCK);
            break;
#ifdef SJ_HAVE_FAUST
        case 3: {
            double *outs[1] = {o3};
            computeCDSPInstance(r->faust, BLOCK, NULL, outs);
            break;
        }
#endif
        default:
            break;
        }
    }
}

static int g_runs = 11;

/* Measures the runners interleaved (run k of every runner before run k+1 of any), so slow drifts
 * of a shared machine affect them alike; each result is the median of g_runs runs of ~3 ms. */
static void measure_all(runner *r, int n, double *ns)
{
    int nb[8];
    double v[8][32];
    for (int i = 0; i < n; i++) {
        double t0 = now_ns();
        run_blocks(&r[i], 20);
        double per_block = (now_ns() - t0) / 20.0;
        nb[i] = (int)(3e6 / (per_block > 1 ? per_block : 1));
        if (nb[i] < 4)
            nb[i] = 4;
        if (nb[i] > 4000)
            nb[i] = 4000;
        run_blocks(&r[i], nb[i]);
    }
    for (int k = 0; k < g_runs; k++)
        for (int i = 0; i < n; i++) {
            double t = now_ns();
            run_blocks(&r[i], nb[i]);
            v[i][k] = (now_ns() - t) / ((double)nb[i] * BLOCK);
        }
    for (int i = 0; i < n; i++)
        ns[i] = median(v[i], g_runs);
}

/* ---- compile latency ---- */
static double compile_us(sj_context *ctx, int prog, sj_backend_kind be, int reps)
{
    sj_ast *ast = bench_ast(prog);
    sj_compile_options opt = {be, false};
    double v[512];
    if (reps > 512)
        reps = 512;
    for (int k = 0; k < reps; k++) {
        sj_function *fn = NULL;
        double t = now_ns();
        sj_status st = sj_compile(ctx, ast, &opt, &fn, NULL);
        v[k] = (now_ns() - t) / 1e3;
        if (st != SJ_OK) {
            fprintf(stderr, "compile failed: %s\n", sj_strerror(st));
            exit(1);
        }
        /* not timed; applies the buffer declarations (a function freed before its init leaves the
         * context believing buffer 0 was resized: see docs/benchmarks.md) */
        sj_function_init(fn, 48000, NULL);
        sj_function_free(fn);
    }
    sj_ast_free(ast);
    return median(v, reps);
}

static double gcc_compile_us(sj_context *ctx, int prog, int reps)
{
    sj_ast *ast = bench_ast(prog);
    char *text = NULL;
    if (sj_export_c(ctx, ast, "bx", &text, NULL) != SJ_OK)
        return NAN;
    sj_ast_free(ast);
    const char *path = "bench/out/compile_probe.c";
    FILE *f = fopen(path, "w");
    if (!f)
        return NAN;
    fputs(text, f);
    fclose(f);
    sj_free(text);
    double v[16];
    for (int k = 0; k < reps; k++) {
        double t = now_ns();
        if (system("cc -std=c11 -O2 -c bench/out/compile_probe.c -o bench/out/compile_probe.o") != 0)
            return NAN;
        v[k] = (now_ns() - t) / 1e3;
    }
    remove("bench/out/compile_probe.o");
    remove(path);
    return median(v, reps);
}

#ifdef SJ_HAVE_FAUST
static llvm_dsp_factory *faust_factory(int prog, double *us)
{
    char err[4096];
    const char *argv[] = {"-double"};
    double t = now_ns();
    llvm_dsp_factory *f = createCDSPFactoryFromString(bench_programs[prog].name, bench_programs[prog].faust, 1, argv,
                                                      "", err, -1);
    if (us)
        *us = (now_ns() - t) / 1e3;
    if (!f)
        fprintf(stderr, "faust %s: %s\n", bench_programs[prog].name, err);
    return f;
}
#endif

/* ---- report ---- */
typedef struct row {
    const char *backend;
    double compile_us, ns;
    size_t code, state;
} row;

static void cpu_name(char *out, size_t n)
{
    snprintf(out, n, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) {
                snprintf(out, n, "%s", c + 2);
                out[strcspn(out, "\n")] = 0;
            }
            break;
        }
    fclose(f);
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && strcmp(argv[1], "-q") == 0;
    int creps = quick ? 21 : 201, freps = quick ? 2 : 5, greps = quick ? 1 : 3;
    g_runs = quick ? 5 : 21;
    mkdir("bench/out", 0777);
    FILE *csv = fopen("bench/out/results.csv", "w");
    if (!csv) {
        perror("bench/out/results.csv");
        return 1;
    }
    fprintf(csv, "program,backend,compile_us,ns_per_sample,ratio_vs_gcc\n");
    FILE *md = fopen("bench/out/results.md", "w");
    if (!md) {
        perror("bench/out/results.md");
        return 1;
    }
    fprintf(md, "| program | backend | compile µs | ns/sample | vs gcc -O2 | code bytes | state bytes |\n"
                "|---|---|---:|---:|---:|---:|---:|\n");
    char cpu[256];
    cpu_name(cpu, sizeof cpu);
    printf("sigjit %s benchmark on %s, blocks of %d frames at 48 kHz\n", SJ_VERSION_STRING, cpu, BLOCK);
#ifndef SJ_HAVE_FAUST
    printf("(Faust's LLVM JIT not available: faust-llvm rows are missing)\n");
#endif
    sj_library *lib = sj_library_new_std();
    sj_context *ctx = sj_context_new(lib, NULL);
    printf("\n%-4s %-14s %12s %12s %9s %10s %10s\n", "prog", "backend", "compile_us", "ns/sample", "vs gcc",
           "code B", "state B");
    for (int p = 0; p < BENCH_NPROG; p++) {
        row rows[7];
        int nr = 0;
        /* correctness: interp, native and the export from a fresh state, 1 s of output */
        double maxdiff = 0.0;
        {
            sj_ast *ast = bench_ast(p);
            sj_context *c1 = sj_context_new(lib, NULL), *c2 = sj_context_new(lib, NULL);
            sj_compile_options oi = {SJ_BACKEND_INTERP, false}, on = {SJ_BACKEND_NATIVE, false};
            sj_function *fi = NULL, *fnat = NULL;
            if (sj_compile(c1, ast, &oi, &fi, NULL) || sj_compile(c2, ast, &on, &fnat, NULL)) {
                fprintf(stderr, "compile failed\n");
                return 1;
            }
            sj_function_init(fi, 48000, NULL);
            sj_function_init(fnat, 48000, NULL);
            void *xs = calloc(1, exported[p].size());
            exported[p].init(xs, 48000);
            double ri[BLOCK], rn[BLOCK], rx[BLOCK], s1[BLOCK], s2[BLOCK];
            const double *const in[6] = {zeros, zeros, zeros, zeros, zeros, zeros};
            for (int b = 0; b < 375; b++) {
                sj_block_io io;
                memset(&io, 0, sizeof io);
                io.ret = ri;
                sj_function_process(fi, &io, BLOCK);
                io.ret = rn;
                sj_function_process(fnat, &io, BLOCK);
                exported[p].process(xs, in, s1, s2, rx, BLOCK);
                for (int i = 0; i < BLOCK; i++) {
                    double d1 = fabs(ri[i] - rn[i]), d2 = fabs(ri[i] - rx[i]);
                    if (d1 > maxdiff || d1 != d1)
                        maxdiff = d1;
                    if (d2 > maxdiff || d2 != d2)
                        maxdiff = d2;
                }
            }
            free(xs);
            sj_function_free(fi);
            sj_function_free(fnat);
            sj_context_free(c1);
            sj_context_free(c2);
            sj_ast_free(ast);
        }
        /* compile latency */
        double cu[3];
        for (int k = 0; k < 3; k++)
            cu[k] = compile_us(ctx, p, k == 0 ? SJ_BACKEND_INTERP : SJ_BACKEND_NATIVE, creps);
        double gcc_us = gcc_compile_us(ctx, p, greps);
        double faust_us = NAN;
        runner rs[6];
        int nrun = 0;
        sj_function *fns[3];
        for (int k = 0; k < 3; k++) {
            sj_backend_kind be = k == 0 ? SJ_BACKEND_INTERP : SJ_BACKEND_NATIVE;
            sj_ast *ast = bench_ast(p);
            sj_compile_options opt = {be, false};
            if (sj_compile(ctx, ast, &opt, &fns[k], NULL) != SJ_OK)
                return 1;
            sj_function_init(fns[k], 48000, NULL);
            sj_ast_free(ast);
            rs[nrun++] = (runner){.kind = k == 1 ? 1 : 0, .fn = fns[k]};
        }
        void *xs = calloc(1, exported[p].size());
        exported[p].init(xs, 48000);
        rs[nrun++] = (runner){.kind = 2, .xs = xs, .x = &exported[p]};
#ifdef SJ_HAVE_FAUST
        llvm_dsp_factory *ff = NULL;
        llvm_dsp *fd = NULL;
        {
            double v[16];
            for (int k = 0; k < freps; k++) {
                double us;
                ff = faust_factory(p, &us);
                if (!ff)
                    break;
                double t = now_ns();
                llvm_dsp *d = createCDSPInstance(ff);
                initCDSPInstance(d, 48000);
                v[k] = us + (now_ns() - t) / 1e3;
                deleteCDSPInstance(d);
                if (k + 1 < freps)
                    deleteCDSPFactory(ff);
            }
            if (ff) {
                faust_us = median(v, freps);
                fd = createCDSPInstance(ff);
                initCDSPInstance(fd, 48000);
                rs[nrun++] = (runner){.kind = 3, .faust = fd};
            }
        }
#endif
        double kernel_us = NAN;
        bare *bk = bare_new(lib, p, &kernel_us, creps);
        if (!bk) {
            fprintf(stderr, "bare kernel failed\n");
            return 1;
        }
        int kidx = nrun;
        rs[nrun++] = (runner){.kind = 4, .bare = bk};
        double ns[6];
        measure_all(rs, nrun, ns);
        static const char *const names[3] = {"interp", "native-sample", "native-block"};
        for (int k = 0; k < 3; k++)
            rows[nr++] = (row){names[k], cu[k], ns[k], sj_function_code_size(fns[k]), sj_function_state_size(fns[k])};
        rows[nr++] = (row){"native-kernel", kernel_us, ns[kidx], bk->code.code_size, 8 * (size_t)bk->npv};
        int gidx = nr;
        rows[nr++] = (row){"gcc-O2", gcc_us, ns[3], 0, exported[p].size()};
        if (kidx > 4)
            rows[nr++] = (row){"faust-llvm", faust_us, ns[4], 0, 0};
        bare_free(bk);
        for (int k = 0; k < 3; k++)
            sj_function_free(fns[k]);
        free(xs);
#ifdef SJ_HAVE_FAUST
        if (fd)
            deleteCDSPInstance(fd);
        if (ff)
            deleteCDSPFactory(ff);
#endif
        double gcc_ns = rows[gidx].ns;
        for (int k = 0; k < nr; k++) {
            double ratio = rows[k].ns / gcc_ns;
            char code[32] = "-", state[32] = "-";
            if (rows[k].code)
                snprintf(code, sizeof code, "%zu", rows[k].code);
            if (rows[k].state)
                snprintf(state, sizeof state, "%zu", rows[k].state);
            printf("%-4s %-14s %12.1f %12.2f %8.2fx %10s %10s\n", bench_programs[p].name, rows[k].backend,
                   rows[k].compile_us, rows[k].ns, ratio, code, state);
            fprintf(csv, "%s,%s,%.2f,%.3f,%.3f\n", bench_programs[p].name, rows[k].backend, rows[k].compile_us,
                    rows[k].ns, ratio);
            fprintf(md, "| %s | %s | %.1f | %.2f | %.2fx | %s | %s |\n", k == 0 ? bench_programs[p].name : "",
                    rows[k].backend, rows[k].compile_us, rows[k].ns, ratio, code, state);
        }
        printf("     (%s; max |difference| interp/native/gcc over 1 s: %g)\n", bench_programs[p].title, maxdiff);
        fflush(stdout);
    }
    sj_context_free(ctx);
    sj_library_release(lib);
    fclose(csv);
    fclose(md);
    printf("\nwritten: bench/out/results.csv, bench/out/results.md\n");
    return 0;
}

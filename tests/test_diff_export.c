/*
 * Differential test of the C export: random programs (the generator of test_diff_random.c) are
 * exported, compiled together with the system C compiler (cc -std=c11 -O2, so no FMA contraction),
 * loaded with dlopen, and run against the interpreter for several hundred frames in blocks of random
 * sizes. Outputs must be identical bit for bit (two NaNs compare equal), for the same reasons as in
 * test_diff_random.c: the exported C performs the same IEEE operations in the same order and calls
 * the same node functions (host nodes are bound to the library's own functions).
 *
 * Skipped when no C compiler can be run (cc, or $CC).
 */
#define SJ_DIFF_NO_MAIN
#include "test_diff_random.c"

#include <dlfcn.h>
#include <unistd.h>

static sj_library *g_lib;

typedef void (*gfn)(void);

static void lookup(const char *name, void (**fn)(void), void (**reset)(void *, void *))
{
    const sj_node_type *t = sj_library_find(g_lib, name);
    if (t) {
        *fn = t->fn;
        gfn r = (gfn)t->reset;
        *reset = (void (*)(void *, void *))r;
    }
}

typedef size_t (*size_fn)(void);
typedef void (*bind_fn)(void *, void *, void (*)(const char *, void (**)(void), void (**)(void *, void *)));
typedef void (*table_fn)(void *, int, const float *, uint64_t);
typedef void (*init_fn)(void *, double);
typedef void (*process_fn)(void *, const double *const *, double *, double *, double *, size_t);

/* dlsym's object pointer as a function pointer (POSIX guarantees this works). */
static gfn sym(void *h, const char *pfx, const char *name)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s_%s", pfx, name);
    void *p = dlsym(h, buf);
    assert_non_null(p);
    gfn f;
    memcpy(&f, &p, sizeof f);
    return f;
}

/* Program i: random, except the last one, which calls every standard node the export writes out in
 * C (accum, phase, /%, s&h, s&h~, math, the comparison nodes) with inputs that cross the trigger
 * thresholds (and, for the comparisons, are equal, NaN or infinite now and then). */
static sj_ast *make_prog(int i, int n)
{
    if (i < n - 1) {
        gen g = {.s = 5000 + (uint64_t)i, .lib = g_lib};
        return g_program(&g);
    }
    /* eq + 2 ne + 4 lt + 8 le + 16 gt + 32 ge: each comparison's bit, equal values from the inputs'
     * floors. */
    sj_ast *cmp = sj_lit(0);
    for (int k = 0; k < 6; k++) {
        static const char *const names[] = {"eq", "ne", "lt", "le", "gt", "ge"};
        sj_ast *a = k % 2 ? sj_var("in1") : sj_call("floor", 0, 1, sj_var("in1"));
        sj_ast *b = k % 3 ? sj_var("gamma") : sj_call("floor", 0, 1, sj_var("in2"));
        cmp = sj_add(cmp, sj_mul(sj_lit((double)(1 << k)), sj_call(names[k], 0, 2, a, b)));
    }
    return sj_stmts(
        6, sj_assign("&sig1", sj_call("phase", 1, 2, sj_mul(sj_var("in1"), sj_lit(100.0)), sj_var("in2"))),
        sj_assign("&sig2", sj_call("accum", 2, 2, sj_var("alpha"), sj_var("beta"))),
        sj_assign("x", sj_call("/%", 3, 2, sj_var("in1"), sj_var("delta"))),
        sj_assign("*p", sj_add(sj_var("*p"), sj_call("fract", 0, 1, sj_var("x")))),
        sj_assign("&sig2", sj_add(sj_var("&sig2"), sj_mul(sj_lit(1000), cmp))),
        sj_add(sj_add(sj_var("x"), sj_var("%1")),
               sj_add(sj_call("s&h", 4, 2, sj_var("gamma"), sj_var("in2")),
                      sj_add(sj_call("s&h~", 5, 2, sj_var("in1"), sj_var("beta")),
                             sj_call("clamp", 0, 3, sj_call("tanh", 0, 1, sj_var("in2")), sj_lit(-0.5),
                                     sj_call("sin", 0, 1, sj_var("*p")))))));
}

static void test_diff_export(void **state)
{
    (void)state;
    enum { N = 40 };
    g_lib = sj_library_new_std();
    assert_non_null(g_lib);
    char dir[] = "/tmp/sj_export_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cpath[128], sopath[128], cmd[512];
    snprintf(cpath, sizeof cpath, "%s/all.c", dir);
    snprintf(sopath, sizeof sopath, "%s/all.so", dir);
    FILE *fp = fopen(cpath, "w");
    assert_non_null(fp);
    bool ok_prog[N];
    int exported = 0;
    for (int i = 0; i < N; i++) {
        sj_ast *prog = make_prog(i, N);
        sj_context *ctx = sj_context_new(g_lib, NULL);
        char pfx[16], *text = NULL;
        snprintf(pfx, sizeof pfx, "p%d", i);
        sj_status st = sj_export_c(ctx, prog, pfx, &text, NULL);
        ok_prog[i] = st == SJ_OK;
        if (ok_prog[i]) {
            fputs(text, fp);
            exported++;
        }
        if (i == N - 1) /* the standard nodes are written out: nothing is left to the host */
            assert_true(ok_prog[i] && !strstr(text, "node_fn[0] = "));
        sj_free(text);
        sj_context_free(ctx);
        sj_ast_free(prog);
    }
    fclose(fp);
    assert_true(exported >= N * 8 / 10);
    const char *cc = getenv("CC");
    snprintf(cmd, sizeof cmd, "%s -std=c11 -O2 -fPIC -shared -o %s %s -lm", cc && *cc ? cc : "cc", sopath, cpath);
    if (system(cmd) != 0) {
        print_message("cannot compile the exported C (%s): skipped\n", cmd);
        remove(cpath);
        rmdir(dir);
        sj_library_release(g_lib);
        skip();
    }
    void *h = dlopen(sopath, RTLD_NOW | RTLD_LOCAL);
    assert_non_null(h);
    int compared = 0;
    for (int i = 0; i < N; i++) {
        if (!ok_prog[i])
            continue;
        uint64_t seed = 5000 + (uint64_t)i;
        sj_ast *prog = make_prog(i, N);
        sj_context_config cfg;
        sj_context_config_init(&cfg);
        cfg.backend = SJ_BACKEND_INTERP;
        sj_context *ctx = sj_context_new(g_lib, &cfg), *dctx = sj_context_new(g_lib, NULL);
        setup_tables(ctx, seed ^ 0x1234);
        /* The same tables in the host's DSP state, which nodes with 'D' (wavetab) read them from; the
         * export's set_table below feeds the program's own table reads. */
        setup_tables(dctx, seed ^ 0x1234);
        sj_function *fn = NULL;
        assert_int_equal(sj_compile(ctx, prog, NULL, &fn, NULL), SJ_OK);
        sj_function_init(fn, 48000.0, NULL);
        char pfx[16];
        snprintf(pfx, sizeof pfx, "p%d", i);
        size_t size = ((size_fn)sym(h, pfx, "state_size"))();
        void *s = calloc(1, size);
        assert_non_null(s);
        sj_dsp_state *dsp = sj_context_dsp_state(dctx);
        dsp->srate = 48000.0;
        dsp->israte = 1.0 / 48000.0;
        ((bind_fn)sym(h, pfx, "bind"))(s, dsp, lookup);
        for (int t = 0; t < 3; t++) {
            size_t len = 0;
            const float *data = sj_context_table(ctx, (size_t)t, &len);
            ((table_fn)sym(h, pfx, "set_table"))(s, t, data, len);
        }
        ((init_fn)sym(h, pfx, "init"))(s, 48000.0);
        process_fn proc = (process_fn)sym(h, pfx, "process");
        gen in = {.s = seed * 31 + 7};
        enum { MAXB = 64 };
        double ins[6][MAXB], outs[2][3][MAXB];
        bool ok = true;
        int frame = 0;
        for (int round = 0; round < 10 && ok; round++) {
            int n = 1 + pick(&in, MAXB);
            for (int c = 0; c < 6; c++)
                for (int k = 0; k < n; k++)
                    ins[c][k] = pick(&in, 10) == 0 ? lit_value(&in) : (double)(pick(&in, 2001) - 1000) / 100.0;
            sj_block_io io;
            memset(&io, 0, sizeof io);
            for (int c = 0; c < 6; c++)
                io.in[c] = ins[c];
            io.sig1 = outs[0][0];
            io.sig2 = outs[0][1];
            io.ret = outs[0][2];
            sj_function_process(fn, &io, (size_t)n);
            const double *const inp[6] = {ins[0], ins[1], ins[2], ins[3], ins[4], ins[5]};
            proc(s, inp, outs[1][0], outs[1][1], outs[1][2], (size_t)n);
            for (int k = 0; k < n && ok; k++)
                for (int c = 0; c < 3; c++)
                    if (!same(outs[0][c][k], outs[1][c][k])) {
                        print_message("seed %llu (%s): frame %d output %d: interp %.17g export %.17g\n",
                                      (unsigned long long)seed, pfx, frame + k, c, outs[0][c][k], outs[1][c][k]);
                        ok = false;
                        break;
                    }
            frame += n;
        }
        if (!ok) {
            char *dump = sj_ast_dump(prog);
            print_message("program:\n%s\n(C in %s)\n", dump ? dump : "?", cpath);
            sj_free(dump);
        }
        compared++;
        free(s);
        sj_function_free(fn);
        sj_context_free(ctx);
        sj_context_free(dctx);
        sj_ast_free(prog);
        assert_true(ok);
    }
    dlclose(h);
    remove(cpath);
    remove(sopath);
    rmdir(dir);
    print_message("%d exported programs compared\n", compared);
    sj_library_release(g_lib);
}

/* Errors: the compile errors of sj_compile, a prefix that is not a C identifier, missing arguments. */
static void test_export_errors(void **state)
{
    (void)state;
    sj_library *lib = sj_library_new_std();
    sj_context *ctx = sj_context_new(lib, NULL);
    char *text = (char *)"untouched";
    sj_diag d;
    sj_ast *bad = sj_call("no_such_node", 1, 1, sj_lit(1.0));
    assert_int_equal(sj_export_c(ctx, bad, "p", &text, &d), SJ_ERR_UNDEFINED_NODE);
    assert_null(text);
    assert_int_equal(d.code, SJ_ERR_UNDEFINED_NODE);
    sj_ast_free(bad);
    sj_ast *ok = sj_add(sj_var("in1"), sj_lit(1.0));
    assert_int_equal(sj_export_c(ctx, ok, "9lives", &text, &d), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(sj_export_c(ctx, ok, "a-b", &text, &d), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(sj_export_c(NULL, ok, "p", &text, &d), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(sj_export_c(ctx, NULL, "p", &text, &d), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(sj_export_c(ctx, ok, "p", NULL, &d), SJ_ERR_INVALID_ARGUMENT);
    /* NULL prefix: "sjx" */
    assert_int_equal(sj_export_c(ctx, ok, NULL, &text, &d), SJ_OK);
    assert_non_null(strstr(text, "void sjx_process("));
    assert_non_null(strstr(text, "void sjx_init("));
    sj_free(text);
    sj_ast_free(ok);
    sj_context_free(ctx);
    sj_library_release(lib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_errors),
        cmocka_unit_test(test_diff_export),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The node set through compiled programs, on every backend: each node called from a program
 * (arguments from the six inputs in1, in2, alpha, beta, delta, gamma, the extra outputs read as
 * %1/%2 into &sig1/&sig2) must give the same values, sample by sample, as calling the node's C
 * function directly with the same arguments on a state of its own (same algorithm, so the only
 * allowed difference is a backend that inlines a fast-math polynomial in another order: 1e-9
 * relative). Also: delay memory survives a recompile (state kept by uid).
 */
#include "sjtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/extra.h"

#define FS 48000.0

static void tu_note_examples(int n)
{
    printf("# %d examples from the node docs run\n", n);
}
#define FRAMES 2000

static const char *const input_vars[6] = {"in1", "in2", "alpha", "beta", "delta", "gamma"};

/* A plausible value of input `name` at frame k (time-varying where it exercises more code). */
static double arg_value(const char *node, const char *name, int k)
{
    double s = sin(k * 0.031), t = (double)k;
    if (!strcmp(name, "freq"))
        return !strcmp(node, "ftom") ? 30 + 4000 * fabs(s) : (!strcmp(node, "lfo") ? 3 + s : 440 + 200 * s);
    if (!strcmp(name, "in") || !strcmp(name, "a") || !strcmp(name, "pm"))
        return 0.8 * s;
    if (!strcmp(name, "b"))
        return cos(t * 0.017);
    if (!strcmp(name, "x"))
        return !strcmp(node, "xfade") ? fmod(t / 700, 1.2) : (t - FRAMES / 2) / 150;
    if (!strcmp(name, "trig") || !strcmp(name, "gate") || !strcmp(name, "clock"))
        return (k / 37) % 2;
    if (!strcmp(name, "reset"))
        return k >= 1500 && k < 1510;
    if (!strcmp(name, "width"))
        return 0.3 + 0.2 * s;
    if (!strcmp(name, "q"))
        return 2 + s;
    if (!strcmp(name, "res"))
        return 0.6;
    if (!strcmp(name, "type"))
        return (k / 250) % 8;
    if (!strcmp(name, "gain"))
        return !strcmp(node, "atodb") ? s : 6;
    if (!strcmp(name, "time"))
        return 0.002 + 0.001 * s;
    if (!strcmp(name, "interp"))
        return (k / 700) % 3;
    if (!strcmp(name, "fb") || !strcmp(name, "g"))
        return 0.6;
    if (!strcmp(name, "damp"))
        return 0.3;
    if (!strcmp(name, "attack") || !strcmp(name, "rise"))
        return 0.001;
    if (!strcmp(name, "decay") || !strcmp(name, "fall"))
        return 0.0005;
    if (!strcmp(name, "sustain"))
        return 0.4;
    if (!strcmp(name, "release"))
        return 0.0007;
    if (!strcmp(name, "ms"))
        return 1;
    if (!strcmp(name, "n") || !strcmp(name, "max") || !strcmp(name, "hits"))
        return 3;
    if (!strcmp(name, "steps"))
        return 8;
    if (!strcmp(name, "scale"))
        return (k / 100) % 9;
    if (!strcmp(name, "root"))
        return (k / 70) % 12;
    if (!strcmp(name, "seed"))
        return 7;
    if (!strcmp(name, "shape"))
        return (k / 300) % 6;
    if (!strcmp(name, "table"))
        return 0;
    if (!strcmp(name, "bits"))
        return 5;
    if (!strcmp(name, "rate"))
        return 7000;
    if (!strcmp(name, "limit"))
        return 0.5;
    if (!strcmp(name, "ga") || !strcmp(name, "gb"))
        return 0.5;
    if (!strcmp(name, "pos"))
        return s;
    if (!strcmp(name, "note"))
        return 40 + k % 40 + 0.37 * s;
    if (!strcmp(name, "db"))
        return -t / 50;
    return 0.5;
}

static void near(const char *node, int k, const char *what, double got, double want)
{
    if (sjt_same(got, want))
        return;
    if (!(fabs(got - want) <= 1e-9 * (1 + fabs(want))))
        fail_msg("%s frame %d %s: program %.17g, direct %.17g", node, k, what, got, want);
}

static void test_every_node_in_a_program(void **state)
{
    sjt t = sjt_open(state);
    float tab[64];
    for (int i = 0; i < 64; i++)
        tab[i] = (float)sin(2 * M_PI * i / 64);
    assert_int_equal(sj_context_set_table(t.ctx, 0, tab, 64), SJ_OK);
    for (const sj_node_family *const *fam = sj__extra_families; *fam; fam++) {
        for (size_t i = 0; i < (*fam)->count; i++) {
            const sj_node_type *nt = &(*fam)->types[i];
            size_t nv = sj_node_type_arg_count(nt);
            sj_ast *args[8];
            for (size_t j = 0; j < nv; j++)
                args[j] = sj_var(input_vars[j]);
            size_t nout = sj_node_type_output_count(nt);
            sj_ast *prog = sj_stmts(4, sj_assign("y", sj_call_v(nt->name, 42, args, nv)),
                                    sj_assign("&sig1", nout > 1 ? sj_var("%1") : sj_lit(0)),
                                    sj_assign("&sig2", nout > 2 ? sj_var("%2") : sj_lit(0)), sj_var("y"));
            sj_function *f = sjt_compile(&t, prog);
            sj_function_init(f, FS, NULL);
            sj_dsp_state *dsp = sj_function_dsp_state(f);
            void *st = nt->state_size ? calloc(1, nt->state_size) : NULL;
            if (st && nt->reset)
                nt->reset(dsp, st);
            for (int k = 0; k < FRAMES; k++) {
                double a[8] = {0};
                for (size_t j = 0; j < nv; j++)
                    a[j] = arg_value(nt->name, nt->inputs[j], k);
                double s1 = 0, s2 = 0;
                double y = sj_function_exec(f, a[0], a[1], a[2], a[3], a[4], a[5], &s1, &s2);
                double rv[5] = {0};
                double want = sjt_call_node_typed(nt, a, dsp, st, rv);
                near(nt->name, k, "value", y, want);
                if (nout > 1)
                    near(nt->name, k, "%1", s1, rv[0]);
                if (nout > 2)
                    near(nt->name, k, "%2", s2, rv[1]);
            }
            free(st);
            sj_function_free(f);
        }
    }
    sjt_close(&t);
}

/* An echo that is playing keeps its memory when the program around it is recompiled. */
static void test_delay_survives_recompile(void **state)
{
    sjt t = sjt_open(state);
    /* 10 ms at 48 kHz = 480 samples (0.01 * 48000 = 480 exactly in doubles) */
    sj_function *f1 = sjt_compile(&t, sj_call("delay", 9, 3, sj_var("in1"), sj_lit(0.01), sj_lit(0)));
    sj_function_init(f1, FS, NULL);
    for (int k = 0; k < 100; k++)
        SJT_ASSERT_SAME(sjt_exec(f1, k == 0 ? 1.0 : 0.0, 0, NULL, NULL), 0.0);
    /* a different program with the same uid: the impulse written by f1 comes out 480 samples
     * after it was written, doubled by the new program */
    sj_function *f2 =
        sjt_compile(&t, sj_mul(sj_lit(2), sj_call("delay", 9, 3, sj_var("in1"), sj_lit(0.01), sj_lit(0))));
    sj_function_init(f2, FS, f1);
    sj_function_free(f1);
    for (int k = 100; k < 1000; k++)
        SJT_ASSERT_SAME(sjt_exec(f2, 0, 0, NULL, NULL), k == 480 ? 2.0 : 0.0);
    sj_function_free(f2);
    sjt_close(&t);
}

/* A small patch: a ladder-filtered saw with an envelope, through the block API: finite and
 * audible. */
static void test_patch_block(void **state)
{
    sjt t = sjt_open(state);
    sj_ast *voice = sj_mul(
        sj_call("ladder", 3, 3, sj_call("saw", 1, 1, sj_call("mtof", 0, 1, sj_lit(45))),
                sj_add(sj_lit(300), sj_mul(sj_lit(3000), sj_call("adsr", 2, 5, sj_var("in1"), sj_lit(0.005),
                                                                    sj_lit(0.1), sj_lit(0.3), sj_lit(0.2)))),
                sj_lit(0.5)),
        sj_lit(0.5));
    sj_function *f = sjt_compile(&t, voice);
    sj_function_init(f, FS, NULL);
    enum { N = 4800 };
    static double gate[N], out[N];
    for (int k = 0; k < N; k++)
        gate[k] = k < N / 2 ? 1 : 0;
    sj_block_io io = {{gate}, NULL, NULL, out};
    sj_function_process(f, &io, N);
    double ms = 0;
    for (int k = 0; k < N; k++) {
        assert_true(isfinite(out[k]));
        ms += out[k] * out[k] / N;
    }
    assert_true(sqrt(ms) > 0.01);
    sj_function_free(f);
    sjt_close(&t);
}

/* Parses, compiles and runs a text program for `frames` frames; returns the RMS of the value
 * (NaN if anything is not finite). Fails the test on a parse or compile error. */
static double run_text(sjt *t, const char *src, size_t len, int frames)
{
    sj_ast *ast = NULL;
    sj_diag_list dl;
    sj_diag_list_init(&dl);
    if (sj_parse(src, len, "<example>", t->lib, &ast, &dl) != SJ_OK) {
        char *msg = sj_diag_list_format(&dl, src, len, false);
        fail_msg("example does not parse:\n%.*s\n%s", (int)len, src, msg ? msg : "");
    }
    sj_diag_list_fini(&dl);
    sj_function *f = NULL;
    sj_diag d;
    if (sj_compile(t->ctx, ast, NULL, &f, &d) != SJ_OK)
        fail_msg("example does not compile: %s\n%.*s", d.message, (int)len, src);
    sj_ast_free(ast);
    sj_function_init(f, FS, NULL);
    double ms = 0;
    for (int k = 0; k < frames; k++) {
        double s1 = 0, s2 = 0;
        double y = sj_function_exec(f, 0.5, 0.25, 0, 0, 0, 0, &s1, &s2);
        if (!isfinite(y) || !isfinite(s1) || !isfinite(s2)) {
            ms = NAN;
            break;
        }
        ms += y * y / frames;
    }
    sj_function_free(f);
    return sqrt(ms);
}

/* Every `Example:` in the node docs parses, compiles and runs with finite output. */
static void test_doc_examples(void **state)
{
    sjt t = sjt_open(state);
    int n = 0;
    for (const sj_node_family *const *fam = sj__extra_families; *fam; fam++) {
        for (size_t i = 0; i < (*fam)->count; i++) {
            const char *doc = (*fam)->types[i].doc, *ex = strstr(doc, "Example");
            assert_non_null(ex);
            /* the code spans of the example paragraph */
            const char *end = strstr(ex, "\n\n");
            if (!end)
                end = ex + strlen(ex);
            for (const char *p = strchr(ex, '`'); p && p < end;) {
                const char *q = strchr(p + 1, '`');
                assert_non_null(q);
                double rms = run_text(&t, p + 1, (size_t)(q - p - 1), 4800);
                if (isnan(rms))
                    fail_msg("%s: example `%.*s` gives a non-finite value", (*fam)->types[i].name, (int)(q - p - 1),
                             p + 1);
                n++;
                p = strchr(q + 1, '`');
            }
        }
    }
    tu_note_examples(n);
    sjt_close(&t);
}

/* The patches of docs/nodes-guide.md (run from the source tree, as make check does): each
 * parses, compiles, stays finite and makes a sound (the atom example once its atoms are set). */
static void test_guide_patches(void **state)
{
    FILE *fp = fopen("docs/nodes-guide.md", "rb");
    if (!fp)
        skip();
    static char text[65536];
    size_t len = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[len] = 0;
    sjt t = sjt_open(state);
    sj_context_atom_set(t.ctx, 0, 0.5f);
    sj_context_atom_set(t.ctx, 1, 57.0f);
    int n = 0;
    for (const char *p = strstr(text, "```\n"); p; n++) {
        const char *q = strstr(p + 4, "```");
        assert_non_null(q);
        double rms = run_text(&t, p + 4, (size_t)(q - p - 4), 48000);
        if (!(rms > 0.01 && rms < 2))
            fail_msg("guide patch %d: rms %g\n%.*s", n, rms, (int)(q - p - 4), p + 4);
        p = strstr(q + 3, "```\n");
    }
    assert_true(n >= 8);
    sjt_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SJT_BOTH(test_every_node_in_a_program),
        SJT_BOTH(test_delay_survives_recompile),
        SJT_BOTH(test_patch_block),
        SJT_BOTH(test_doc_examples),
        SJT_BOTH(test_guide_patches),
    };
    return cmocka_run_group_tests_name("nodes_program", tests, NULL, NULL);
}

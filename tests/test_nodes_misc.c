/*
 * Shaping and utility nodes (src/nodes/shape.c, util.c) against their defining formulas, and the
 * descriptors of the whole node set (src/nodes/extra.c): every descriptor is accepted by
 * sj_library_add, documents itself, declares as many input names as 'v' letters, multi-output
 * nodes have 'M', names are unique and do not clash with the reference's or the math nodes, the
 * standard library contains them, and every node survives hostile inputs after a reset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sjtest.h"
#include "test_nodes_util.h"
#include "nodes/nodes.h"

static void test_shape(void **unused)
{
    (void)unused;
    /* softclip: x - 4/27 x^3 up to 1.5, then 1 */
    assert_true(fabs(sj__node_softclip(0.5) - (0.5 - 4.0 / 27 * 0.125)) < 1e-15);
    assert_true(sj__node_softclip(1.5) == 1.0 && sj__node_softclip(7) == 1.0 && sj__node_softclip(-9) == -1.0);
    assert_true(sj__node_softclip(-0.5) == -sj__node_softclip(0.5));
    assert_true(fabs(sj__node_softclip(1.4999999) - 1) < 1e-12); /* continuous at 1.5 */
    assert_true(sj__node_hardclip(2, 0.8) == 0.8 && sj__node_hardclip(-2, -0.8) == -0.8);
    assert_true(sj__node_hardclip(0.3, 0.8) == 0.3);
    /* fold: reflections at +-1 */
    const double fin[] = {0.5, 1.2, 2, 3, -1.2, 5, -0.25};
    const double fout[] = {0.5, 0.8, 0, -1, -0.8, 1, -0.25};
    for (int i = 0; i < 7; i++)
        assert_true(fabs(sj__node_fold(fin[i], 1) - fout[i]) < 1e-12);
    assert_true(fabs(sj__node_fold(0.6, 2) - 0.8) < 1e-12);
    /* crush: steps of 2^(1-bits) */
    assert_true(sj__node_crush(0.3, 2) == 0.5 && sj__node_crush(0.2, 2) == 0.0);
    assert_true(sj__node_crush(0.3, 8) == 38.0 / 128); /* round(0.3 * 128) = 38 */
    assert_true(sj__node_crush(-0.3, 1) == 0.0 && sj__node_crush(-0.6, 1) == -1.0);
    /* srr: srate/4 holds each 4th sample 4 times; srate/2.5 takes 400 samples in 1000 */
    sj_dsp_state dsp = tu_dsp(1000);
    sj_srr_state st = {0};
    for (int i = 0; i < 20; i++)
        assert_true(sj__node_srr(i, 250, &dsp, &st) == (double)(i / 4 * 4));
    memset(&st, 0, sizeof st);
    int changes = 0;
    double prev = -1;
    for (int i = 0; i < 1000; i++) {
        double y = sj__node_srr(i, 400, &dsp, &st);
        changes += y != prev;
        prev = y;
    }
    assert_true(changes >= 399 && changes <= 401);
}

static void test_util(void **unused)
{
    (void)unused;
    assert_true(sj__node_mix(2, 0.5, 3, -1) == -2.0);
    assert_true(sj__node_xfade(2, 4, 0.25) == 2.5 && sj__node_xfade(2, 4, -1) == 2 && sj__node_xfade(2, 4, 9) == 4);
    double rv[5];
    for (double pos = -1; pos <= 1; pos += 0.125) {
        double l = sj__node_pan(0.8, pos, rv);
        assert_true(fabs(l * l + rv[0] * rv[0] - 0.64) < 1e-9); /* equal power */
    }
    double l = sj__node_pan(1, 0, rv);
    assert_true(fabs(l - M_SQRT1_2) < 1e-9 && fabs(rv[0] - M_SQRT1_2) < 1e-9); /* -3.01 dB */
    l = sj__node_pan(1, -1, rv);
    assert_true(fabs(l - 1) < 1e-9 && fabs(rv[0]) < 1e-9);
    /* 12-TET, A4 = 440 Hz: C4 = 440 * 2^(-9/12) = 261.6255653 */
    assert_true(sj__node_mtof(69) == 440.0 && sj__node_mtof(81) == 880.0);
    assert_true(fabs(sj__node_mtof(60) - 261.6255653005986) < 1e-9);
    assert_true(fabs(sj__node_ftom(261.6255653005986) - 60) < 1e-9 && sj__node_ftom(440) == 69);
    assert_true(isfinite(sj__node_ftom(0)));
    assert_true(fabs(sj__node_dbtoa(-20) - 0.1) < 1e-15 && sj__node_dbtoa(0) == 1.0);
    assert_true(fabs(sj__node_atodb(0.5) + 6.020599913279624) < 1e-12);
    assert_true(sj__node_atodb(0) == -200.0 && fabs(sj__node_atodb(-10) - 20) < 1e-12);

    /* quant: C major (scale 1, root 0) has C D E F G A B = 0 2 4 5 7 9 11 (mod 12) */
    assert_true(sj__node_quant(60, 1, 0) == 60);   /* C4 is in the scale */
    assert_true(sj__node_quant(61, 1, 0) == 60);   /* C#: tie between C and D goes down */
    assert_true(sj__node_quant(61.2, 1, 0) == 62); /* nearer to D */
    assert_true(sj__node_quant(66, 1, 0) == 65);   /* F# -> F (tie) */
    assert_true(sj__node_quant(70.6, 1, 0) == 71); /* B */
    assert_true(sj__node_quant(-1, 1, 0) == -1);   /* B below C-1: octaves work below 0 */
    /* A minor pentatonic (scale 4, root 9): A C D E G = 9 0 2 4 7 */
    const double in[] = {57, 58, 59, 60, 61, 63.5, 65, 66, 68};
    const double out[] = {57, 57, 60, 60, 60, 64, 64, 67, 67};
    for (int i = 0; i < 9; i++)
        assert_true(sj__node_quant(in[i], 4, 9) == out[i]);
    /* chromatic rounds to the nearest integer, ties down */
    assert_true(sj__node_quant(60.5, 0, 0) == 60 && sj__node_quant(60.51, 0, 0) == 61);
    assert_true(isnan(sj__node_quant(NAN, 1, 0)) && sj__node_quant(1e300, 1, 0) == 1e9);
}

static const char *const taken[] = {"sin",  "accum", "/%",    "phase", "atomw", "atomr", "atomr~", "s&h",
                                    "s&h~", "cos",   "tan",   "tanh",  "exp",   "log",   "pow",    "sqrt",
                                    "abs",  "floor", "ceil",  "fract", "min",   "max",   "clamp",  "eq",
                                    "ne",   "lt",    "le",    "gt",    "ge",    NULL};

static size_t count_names(const char *const *names)
{
    size_t n = 0;
    while (names && names[n])
        n++;
    return n;
}

static void test_descriptors(void **unused)
{
    (void)unused;
    sj_library *lib = sj_library_new();
    assert_non_null(lib);
    assert_int_equal(sj__nodes_add_extra(lib), SJ_OK);
    size_t total = 0;
    for (const sj_node_family *const *f = sj__extra_families; *f; f++) {
        for (size_t i = 0; i < (*f)->count; i++, total++) {
            const sj_node_type *t = &(*f)->types[i];
            sj_diag d;
            assert_int_equal(sj_library_add(lib, t, &d), SJ_OK);
            for (const char *const *n = taken; *n; n++)
                assert_string_not_equal(t->name, *n);
            assert_true(strlen(t->doc) > 60 && strstr(t->doc, "Example"));
            size_t nv = 0;
            for (const char *c = t->signature; *c; c++)
                nv += *c == 'v';
            if (count_names(t->inputs) != nv) {
                printf("%s: %zu input names for %zu 'v'\n", t->name, count_names(t->inputs), nv);
                fail();
            }
            size_t no = count_names(t->outputs);
            assert_true(no >= 1 && no <= 6);
            assert_true((no > 1) == (strchr(t->signature, 'M') != NULL));
            assert_true((strchr(t->signature, 'S') != NULL) == (t->state_size > 0));
            assert_true(strchr(t->signature, 'r') != NULL);
        }
    }
    /* unique names: the library did not replace any */
    assert_int_equal(sj_library_count(lib), total);
    sj_library_release(lib);
    /* the standard library has them, with these very functions */
    sj_library *std = sj_library_new_std();
    assert_non_null(std);
    for (const sj_node_family *const *f = sj__extra_families; *f; f++)
        for (size_t i = 0; i < (*f)->count; i++) {
            const sj_node_type *t = sj_library_find(std, (*f)->types[i].name);
            assert_non_null(t);
            assert_true(t->fn == (*f)->types[i].fn);
        }
    assert_non_null(sj_library_find(std, "sin"));
    sj_library_release(std);
    tu_note("node set: %zu nodes", total);
}

/* Every node after reset (on garbage memory: reset must initialize everything it relies on),
 * fed ordinary, extreme and NaN arguments: finite arguments give finite results for 1000 samples. */
static void test_all_nodes_hostile(void **unused)
{
    (void)unused;
    sj_dsp_state dsp = tu_dsp(48000);
    const double vals[] = {0, 1, -1, 0.5, 440, 20000, 1e6, -1e6, 1e-300, 0.7071};
    for (const sj_node_family *const *f = sj__extra_families; *f; f++) {
        for (size_t i = 0; i < (*f)->count; i++) {
            const sj_node_type *t = &(*f)->types[i];
            void *st = t->state_size ? malloc(t->state_size) : NULL;
            for (int round = 0; round < 12; round++) {
                if (st) {
                    memset(st, 0xA5, t->state_size);
                    if (t->reset)
                        t->reset(&dsp, st);
                    else
                        memset(st, 0, t->state_size);
                }
                double rv[5] = {0};
                for (int k = 0; k < 1000; k++) {
                    double a[8];
                    for (int j = 0; j < 8; j++)
                        a[j] = vals[(size_t)(round * 3 + j * 7 + k / 100) % 10];
                    double y = sjt_call_node_typed(t, a, &dsp, st, rv);
                    /* unbounded by design: exponentials of 1e6 and log2(0) */
                    bool may_overflow = !strcmp(t->name, "fexp2") || !strcmp(t->name, "exp2") ||
                                        !strcmp(t->name, "mtof") || !strcmp(t->name, "dbtoa") ||
                                        !strcmp(t->name, "log2");
                    if (!may_overflow && !isfinite(y)) {
                        printf("%s: non-finite %g at round %d sample %d\n", t->name, y, round, k);
                        fail();
                    }
                }
                /* NaN inputs must not crash (results may be NaN) */
                double a[8] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
                (void)sjt_call_node_typed(t, a, &dsp, st, rv);
            }
            free(st);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_util),
        cmocka_unit_test(test_descriptors),
        cmocka_unit_test(test_all_nodes_hostile),
    };
    return cmocka_run_group_tests_name("nodes_misc", tests, NULL, NULL);
}

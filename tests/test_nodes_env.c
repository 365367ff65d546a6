/*
 * Envelopes and control (src/nodes/envelope.c). At a sample rate of 1000 Hz one sample is 1 ms,
 * so segment times map to whole sample counts and the expected indices follow directly from the
 * timing convention in the docs: the first step of a segment is taken on the sample of the gate
 * edge, a segment of T seconds takes T * 1000 steps. Tests check the exact sample (the required
 * accuracy is one sample).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_nodes_util.h"

#define FS 1000.0

static void test_ad(void **unused)
{
    (void)unused;
    sj_dsp_state dsp = tu_dsp(FS);
    sj_env_state st;
    sj__env_reset(&dsp, &st);
    double y[400];
    for (int i = 0; i < 400; i++) /* trigger rises at sample 10, a 1-sample pulse is enough */
        y[i] = sj__node_ad(i == 10 ? 1 : 0, 0.1, 0.2, &dsp, &st);
    assert_true(y[9] == 0);
    assert_true(fabs(y[10] - 0.01) < 1e-12);     /* first of 100 attack steps */
    assert_true(fabs(y[59] - 0.5) < 1e-12);      /* 50 steps */
    assert_true(y[108] < 1 && y[109] == 1.0);    /* peak after 100 steps: sample 10 + 99 */
    assert_true(fabs(y[209] - 0.5) < 1e-9);      /* half of the 200 decay steps */
    assert_true(y[308] > 0 && y[309] == 0.0);    /* 0 after 200 steps */
    assert_true(y[399] == 0.0);
    /* retrigger during the decay attacks from the current level (no jump) */
    sj__env_reset(&dsp, &st);
    double prev = 0;
    for (int i = 0; i < 300; i++) {
        double v = sj__node_ad((i == 0 || i == 150) ? 1 : 0, 0.1, 0.2, &dsp, &st);
        assert_true(fabs(v - prev) <= 0.01 + 1e-12); /* never moves more than one attack step */
        prev = v;
    }
    /* zero attack: jumps to 1 on the trigger sample */
    sj__env_reset(&dsp, &st);
    assert_true(sj__node_ad(1, 0, 0.2, &dsp, &st) == 1.0);
}

static void test_adsr(void **unused)
{
    (void)unused;
    sj_dsp_state dsp = tu_dsp(FS);
    sj_env_state st;
    sj__env_reset(&dsp, &st);
    double y[600];
    for (int i = 0; i < 600; i++) /* gate on at 0, off at 300 */
        y[i] = sj__node_adsr(i < 300 ? 1 : 0, 0.05, 0.1, 0.5, 0.2, &dsp, &st);
    assert_true(fabs(y[0] - 0.02) < 1e-12);
    assert_true(y[48] < 1 && y[49] == 1.0);                 /* 50 attack steps */
    assert_true(fabs(y[99] - 0.75) < 1e-9);                 /* 50 of 100 decay steps of 0.005 */
    assert_true(y[148] > 0.5 && y[149] == 0.5);             /* sustain after 100 decay steps */
    assert_true(y[299] == 0.5);
    assert_true(fabs(y[300] - (0.5 - 0.5 / 200)) < 1e-12);  /* first release step on the gate-off sample */
    assert_true(y[498] > 0 && y[499] == 0.0);               /* 200 release steps */
    /* gate off during the attack: release from the level reached, in `release` seconds */
    sj__env_reset(&dsp, &st);
    for (int i = 0; i < 25; i++)
        sj__node_adsr(1, 0.05, 0.1, 0.5, 0.2, &dsp, &st);
    assert_true(fabs(st.level - 0.5) < 1e-12);
    double v = 0;
    for (int i = 0; i < 200; i++)
        v = sj__node_adsr(0, 0.05, 0.1, 0.5, 0.2, &dsp, &st);
    assert_true(v == 0 && st.stage == SJ_ENV_IDLE);
    /* the sustain level is followed live; gate hysteresis: 0.3 keeps the gate on */
    sj__env_reset(&dsp, &st);
    for (int i = 0; i < 200; i++)
        sj__node_adsr(1, 0.05, 0.1, 0.5, 0.2, &dsp, &st);
    assert_true(sj__node_adsr(0.3, 0.05, 0.1, 0.25, 0.2, &dsp, &st) == 0.25);
}

static void test_slew_lag(void **unused)
{
    (void)unused;
    sj_dsp_state dsp = tu_dsp(FS);
    sj_slew_state st;
    sj__slew_reset(&dsp, &st);
    /* rise 0.1 s per unit: a step 0 -> 1 takes 100 samples, y = (n+1)/100 */
    double y = 0;
    for (int i = 0; i < 100; i++) {
        y = sj__node_slew(1, 0.1, 0.05, &dsp, &st);
        if (i == 49)
            assert_true(fabs(y - 0.5) < 1e-12);
        if (i == 98)
            assert_true(y < 1);
    }
    assert_true(fabs(y - 1) < 1e-12);
    /* fall 0.05 s per unit: 1 -> 0 in 50 samples */
    for (int i = 0; i < 50; i++)
        y = sj__node_slew(0, 0.1, 0.05, &dsp, &st);
    assert_true(fabs(y) < 1e-12);
    /* lag: y[n] = 1 - (1-a)^(n+1), a = 1 - e^(-1/(tau fs)): after tau fs = 100 samples 1 - 1/e */
    sj__slew_reset(&dsp, &st);
    for (int i = 0; i < 100; i++)
        y = sj__node_lag(1, 0.1, 0.01, &dsp, &st);
    assert_true(fabs(y - (1 - exp(-1.0))) < 1e-12);
    /* fall time constant 10 samples: from y, 10 samples later y e^-1 */
    double y0 = y;
    for (int i = 0; i < 10; i++)
        y = sj__node_lag(0, 0.1, 0.01, &dsp, &st);
    assert_true(fabs(y - y0 * exp(-1.0)) < 1e-12);
}

static void test_smooth(void **unused)
{
    (void)unused;
    sj_dsp_state dsp = tu_dsp(FS);
    sj_smooth_state st;
    sj__smooth_reset(&dsp, &st);
    assert_true(sj__node_smooth(0.3, 10, &dsp, &st) == 0.3); /* starts at its first input */
    /* change to 1.3: 10 ms = 10 samples, 0.1 per sample, exact target on the 10th */
    for (int i = 0; i < 10; i++) {
        double y = sj__node_smooth(1.3, 10, &dsp, &st);
        if (i < 9)
            assert_true(fabs(y - (0.3 + 0.1 * (i + 1))) < 1e-12);
        else
            assert_true(y == 1.3);
    }
    assert_true(sj__node_smooth(1.3, 10, &dsp, &st) == 1.3);
    /* a change during a ramp restarts from the current value */
    sj__node_smooth(0.3, 10, &dsp, &st);
    double y = sj__node_smooth(0.3, 10, &dsp, &st); /* 1.3 - 0.2 */
    assert_true(fabs(y - 1.1) < 1e-12);
    y = sj__node_smooth(2.1, 10, &dsp, &st);
    assert_true(fabs(y - 1.2) < 1e-12); /* (2.1 - 1.1)/10 per sample */
}

static void test_edge(void **unused)
{
    (void)unused;
    sj_edge_state st = {0};
    double rv[5] = {0};
    const double in[] = {0, 0.6, 0.6, 0.4, 0.6, 0.2, 0.2, 1};
    const double rise[] = {0, 1, 0, 0, 0, 0, 0, 1};
    const double fall[] = {0, 0, 0, 0, 0, 1, 0, 0}; /* 0.4 does not re-arm (> 0.25) */
    for (int i = 0; i < 8; i++) {
        assert_true(sj__node_edge(in[i], &st, rv) == rise[i]);
        assert_true(rv[0] == fall[i]);
    }
}

static void test_clkdiv_counter(void **unused)
{
    (void)unused;
    /* clock: period 10 samples, high for 5; divide by 3: pulses 0, 3, 6, ... pass, 5 samples wide */
    sj_count_state st = {0};
    int high = 0, pulses = 0;
    double prev = 0;
    for (int i = 0; i < 100; i++) {
        double c = (i % 10) < 5 ? 1 : 0;
        double y = sj__node_clkdiv(c, 3, 0, &st);
        int pulse = i / 10;
        assert_true(y == ((pulse % 3 == 0 && c > 0) ? 1.0 : 0.0));
        high += y > 0;
        pulses += y > 0 && prev == 0;
        prev = y;
    }
    assert_true(pulses == 4 && high == 20);
    /* reset: the next pulse passes */
    sj_count_state st2 = {0};
    sj__node_clkdiv(1, 3, 0, &st2); /* passes */
    sj__node_clkdiv(0, 3, 0, &st2);
    sj__node_clkdiv(0, 3, 1, &st2); /* reset */
    assert_true(sj__node_clkdiv(1, 3, 1, &st2) == 1.0);

    sj_count_state c = {0};
    const double expect[] = {1, 2, 3, 0, 1}; /* max 4 wraps to 0 */
    for (int i = 0; i < 5; i++) {
        sj__node_counter(0, 4, 0, &c);
        assert_true(sj__node_counter(1, 4, 0, &c) == expect[i]);
    }
    sj__node_counter(0, 4, 0, &c);
    assert_true(sj__node_counter(0, 4, 1, &c) == 0); /* reset */
    assert_true(sj__node_counter(1, 4, 1, &c) == 1); /* trig counts after the reset */
    sj_count_state u = {0};
    for (int i = 0; i < 10; i++) {
        sj__node_counter(1, 0, 0, &u);
        sj__node_counter(0, 0, 0, &u);
    }
    assert_true(u.count == 10); /* max < 1: no wrap */
}

/* Euclidean rhythms: step i is a hit when (i k) mod n < k, worked out by hand for each case
 * (E(5,8): i k mod 8 = 0 5 2 7 4 1 6 3, hits where < 5: x.x.xx.x). */
static void test_euclid(void **unused)
{
    (void)unused;
    const struct {
        int k, n;
        const char *pat;
    } cases[] = {{3, 8, "x..x..x."}, {5, 8, "x.x.xx.x"}, {4, 16, "x...x...x...x..."}, {0, 4, "...."},
                 {4, 4, "xxxx"},     {7, 12, "x.x.x.xx.x.x"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        sj_count_state st = {0};
        int n = cases[c].n;
        for (int rep = 0; rep < 2; rep++) { /* two cycles: the pattern repeats */
            for (int i = 0; i < n; i++) {
                double on = sj__node_euclid(1, cases[c].k, n, 0, &st);   /* clock high: hit or not */
                double held = sj__node_euclid(0.4, cases[c].k, n, 0, &st); /* still high (hysteresis) */
                double off = sj__node_euclid(0, cases[c].k, n, 0, &st);  /* low */
                double want = cases[c].pat[i] == 'x' ? 1.0 : 0.0;
                if (on != want || held != want || off != 0) {
                    printf("E(%d,%d) step %d: %g %g %g\n", cases[c].k, n, i, on, held, off);
                    fail();
                }
            }
        }
    }
    /* reset restarts at step 0 (a hit) */
    sj_count_state st = {0};
    sj__node_euclid(1, 3, 8, 0, &st); /* step 0 */
    sj__node_euclid(0, 3, 8, 0, &st);
    sj__node_euclid(0, 3, 8, 1, &st);
    assert_true(sj__node_euclid(1, 3, 8, 1, &st) == 1.0);
    assert_true(sj__node_euclid(0, 3, 8, 0, &st) == 0.0);
    assert_true(sj__node_euclid(1, 3, 8, 0, &st) == 0.0); /* step 1 is a rest */
}

static void test_randsh(void **unused)
{
    (void)unused;
    sj_dsp_state dsp = tu_dsp(FS);
    sj_randsh_state a, b;
    sj__randsh_reset(&dsp, &a);
    sj__randsh_reset(&dsp, &b);
    assert_true(sj__node_randsh(0, 5, &a) == 0); /* 0 before the first edge */
    double v = sj__node_randsh(1, 5, &a);
    assert_true(v >= 0 && v < 1 && v != 0);
    assert_true(sj__node_randsh(1, 5, &a) == v); /* held */
    sj__node_randsh(0, 5, &a);
    double w = sj__node_randsh(1, 5, &a);
    assert_true(w != v && w >= 0 && w < 1);
    /* reproducible: same seed, same values */
    sj__node_randsh(0, 5, &b);
    assert_true(sj__node_randsh(1, 5, &b) == v);
    sj__node_randsh(0, 5, &b);
    assert_true(sj__node_randsh(1, 5, &b) == w);
    /* mean of many draws ~ 0.5 (std 0.29/sqrt(20000) = 0.002) */
    double sum = 0;
    for (int i = 0; i < 20000; i++) {
        sj__node_randsh(0, 5, &a);
        sum += sj__node_randsh(1, 5, &a);
    }
    assert_true(fabs(sum / 20000 - 0.5) < 0.01);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ad),   cmocka_unit_test(test_adsr),           cmocka_unit_test(test_slew_lag),
        cmocka_unit_test(test_smooth), cmocka_unit_test(test_edge), cmocka_unit_test(test_clkdiv_counter),
        cmocka_unit_test(test_euclid), cmocka_unit_test(test_randsh),
    };
    return cmocka_run_group_tests_name("nodes_env", tests, NULL, NULL);
}

/*
 * Delays (src/nodes/delay.c). The sample rate 32768 = 2^15 makes time = d / 32768 exact, so
 * time * srate is exactly d and integer delays must be exact (bit for bit) in every mode. The
 * fractional reads are checked against the frequency responses of their interpolators:
 *   linear at fraction 1/2: (1 + z^-1)/2, |H| = cos(w/2);
 *   Catmull-Rom cubic at 1/2: weights (-1, 9, 9, -1)/16, |H| = |9/8 cos(w/2) - 1/8 cos(3w/2)|;
 *   allpass: z^-M (eta + z^-1)/(1 + eta z^-1), eta = (1-f)/(1+f), |H| = 1.
 * Comb and Schroeder allpass: impulse responses and |1/(1 - g z^-d)|, |H| = 1 from their
 * difference equations.
 */
#include <complex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_nodes_util.h"

#define FS 32768.0

typedef struct dctx {
    sj_dsp_state dsp;
    double time, mode, fb, damp;
    int kind; /* 0 delay, 1 comb, 2 allpass */
    void *st;
} dctx;

static double p_delay(void *c, double x)
{
    dctx *d = c;
    switch (d->kind) {
    case 0: return sj__node_delay(x, d->time, d->mode, &d->dsp, d->st);
    case 1: return sj__node_comb(x, d->time, d->fb, d->damp, &d->dsp, d->st);
    default: return sj__node_allpass(x, d->time, d->fb, &d->dsp, d->st);
    }
}

static void test_integer_delays(void **unused)
{
    (void)unused;
    sj_dsp_state dsp = tu_dsp(FS);
    sj_delay_state *st = malloc(sizeof *st);
    const struct {
        int mode;
        uint32_t d;
    } cases[] = {{0, 0}, {0, 1}, {0, 7}, {0, 1000}, {0, SJ_DELAY_LEN - 4}, {1, 1}, {1, 7},
                 {1, 1000},  {1, SJ_DELAY_LEN - 4}, {2, 1}, {2, 7}, {2, 1000}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        sj__delay_reset(&dsp, st);
        uint32_t d = cases[c].d;
        double time = (double)d / FS;
        for (uint32_t i = 0; i < d + 50; i++) {
            double x = i == 0 ? 1.0 : (i < 20 ? 0.25 * i : 0); /* an impulse, then a ramp */
            double y = sj__node_delay(x, time, cases[c].mode, &dsp, st);
            double want = i == d ? 1.0 : (i > d && i - d < 20 ? 0.25 * (i - d) : 0);
            if (y != want) {
                printf("mode %d delay %u sample %u: %g, want %g\n", cases[c].mode, d, i, y, want);
                fail();
            }
        }
    }
    /* longer than the maximum: clamped to SJ_DELAY_LEN - 4 */
    sj__delay_reset(&dsp, st);
    for (uint32_t i = 0; i <= SJ_DELAY_LEN - 4; i++) {
        double y = sj__node_delay(i == 0, 100.0, 0, &dsp, st);
        assert_true(y == (i == SJ_DELAY_LEN - 4 ? 1.0 : 0.0));
    }
    free(st);
}

static void test_fractional(void **unused)
{
    (void)unused;
    dctx c = {.dsp = tu_dsp(FS), .kind = 0};
    c.st = malloc(sizeof(sj_delay_state));
    const double freqs[] = {100, 1000, 4000, 8000, 12000};
    for (size_t i = 0; i < 5; i++) {
        double w = 2 * M_PI * freqs[i] / FS, ph;
        c.time = 10.5 / FS;
        c.mode = 0;
        sj__delay_reset(&c.dsp, c.st);
        double g = tu_gain(p_delay, &c, freqs[i], FS, 100, 32768, &ph);
        assert_true(fabs(g - cos(w / 2)) < 1e-9);
        c.mode = 1;
        sj__delay_reset(&c.dsp, c.st);
        g = tu_gain(p_delay, &c, freqs[i], FS, 100, 32768, NULL);
        assert_true(fabs(g - fabs(9.0 / 8 * cos(w / 2) - 1.0 / 8 * cos(3 * w / 2))) < 1e-9);
        /* allpass at 10.3 samples: M = floor(10.3 - 0.1) = 10, f = 0.3 */
        c.time = 10.3 / FS;
        c.mode = 2;
        sj__delay_reset(&c.dsp, c.st);
        g = tu_gain(p_delay, &c, freqs[i], FS, 2000, 32768, &ph);
        double eta = (1 - 0.3) / (1 + 0.3);
        double complex z = cexp(-I * w);
        double complex H = cpow(z, 10) * (eta + z) / (1 + eta * z);
        assert_true(fabs(g - 1) < 1e-9);
        assert_true(fabs(remainder(ph - carg(H), 2 * M_PI)) < 1e-6);
        /* phase delay at 100 Hz is 10.3 samples within 0.001 */
        if (i == 0)
            assert_true(fabs(-ph / w - 10.3) < 1e-3);
    }
    free(c.st);
}

static void test_comb(void **unused)
{
    (void)unused;
    sj_dsp_state dsp = tu_dsp(FS);
    sj_comb_state *st = malloc(sizeof *st);
    sj__comb_reset(&dsp, st);
    /* impulse response of y = x + g y[n-d]: g^k at k d */
    double g = 0.7, time = 16 / FS;
    for (int i = 0; i < 100; i++) {
        double y = sj__node_comb(i == 0, time, g, 0, &dsp, st);
        double want = i % 16 == 0 ? pow(g, i / 16) : 0;
        assert_true(fabs(y - want) < 1e-15);
    }
    /* magnitude: 1/(1-g) at multiples of FS/d = 2048 Hz, 1/(1+g) halfway, 1/|1 - g e^{-jwd}| */
    dctx c = {.dsp = tu_dsp(FS), .kind = 1, .time = time, .fb = g, .st = st};
    const double freqs[] = {2048, 1024, 300, 5000};
    for (int i = 0; i < 4; i++) {
        sj__comb_reset(&dsp, st);
        double w = 2 * M_PI * freqs[i] / FS;
        double gain = tu_gain(p_delay, &c, freqs[i], FS, 2000, 32768, NULL);
        assert_true(fabs(gain - 1 / cabs(1 - g * cexp(-I * w * 16))) < 1e-9);
    }
    /* Schroeder allpass: -g, then 1 - g^2 at d, g (1 - g^2) at 2d; |H| = 1 */
    sj__comb_reset(&dsp, st);
    for (int i = 0; i < 40; i++) {
        double y = sj__node_allpass(i == 0, time, g, &dsp, st);
        double want = i == 0 ? -g : (i % 16 == 0 ? pow(g, i / 16 - 1) * (1 - g * g) : 0);
        assert_true(fabs(y - want) < 1e-15);
    }
    c.kind = 2;
    for (int i = 0; i < 4; i++) {
        sj__comb_reset(&dsp, st);
        assert_true(fabs(tu_gain(p_delay, &c, freqs[i], FS, 2000, 32768, NULL) - 1) < 1e-9);
    }
    /* damping lowers the loop gain above DC: the peak at 2048 Hz drops, DC keeps 1/(1-g) */
    sj__comb_reset(&dsp, st);
    double y = 0;
    for (int i = 0; i < 20000; i++)
        y = sj__node_comb(1, time, g, 0.5, &dsp, st);
    assert_true(fabs(y - 1 / (1 - g)) < 1e-9);
    c.kind = 1, c.damp = 0.5;
    sj__comb_reset(&dsp, st);
    assert_true(tu_gain(p_delay, &c, 2048, FS, 2000, 32768, NULL) < 1 / (1 - g) * 0.9);
    free(st);
}

/* RT60 of the reverb's impulse response: the time for the energy (50 ms windows) to fall by 60 dB,
 * extrapolated from the fall between -5 and -35 dB (Schroeder-style linear fit on the dB curve). */
static double reverb_rt60(double size, double damp, double fs)
{
    sj_dsp_state dsp = tu_dsp(fs);
    sj_reverb_state *st = malloc(sizeof *st);
    sj__reverb_reset(&dsp, st);
    int win = (int)(0.05 * fs), nwin = 200; /* 10 s */
    double *e = calloc((size_t)nwin, sizeof *e), rv[5];
    for (int w = 0; w < nwin; w++)
        for (int i = 0; i < win; i++) {
            double l = sj__node_reverb(w == 0 && i == 0 ? 1.0 : 0.0, size, damp, &dsp, st, rv);
            e[w] += l * l + rv[0] * rv[0];
        }
    double peak = 0;
    for (int w = 0; w < nwin; w++)
        peak = e[w] > peak ? e[w] : peak;
    double t5 = -1, t35 = -1;
    for (int w = 0; w < nwin; w++) {
        double db = 10 * log10(e[w] / peak);
        if (t5 < 0 && e[w] == peak)
            continue;
        if (t5 < 0 && db < -5)
            t5 = w * 0.05;
        if (t35 < 0 && db < -35)
            t35 = w * 0.05;
    }
    free(e);
    free(st);
    return t35 > 0 ? (t35 - t5) * 2 : INFINITY; /* 30 dB of fall, times 2 */
}

static void test_reverb(void **unused)
{
    (void)unused;
    /* first arrival: nothing until the shortest comb (1116 samples at 44.1 kHz; right channel 23
     * more), then the impulse times the input gain 0.03: the allpasses pass it with sign (-1)^4 */
    sj_dsp_state dsp = tu_dsp(44100);
    sj_reverb_state *st = malloc(sizeof *st);
    sj__reverb_reset(&dsp, st);
    double rv[5];
    for (int n = 0; n <= 1139; n++) {
        double l = sj__node_reverb(n == 0 ? 1.0 : 0.0, 0.5, 0.5, &dsp, st, rv);
        assert_true(n < 1116 ? l == 0 : (n == 1116 ? l == 0.03 : 1));
        assert_true(n < 1139 ? rv[0] == 0 : rv[0] == 0.03);
    }
    /* at 48 kHz the lengths scale: round(1116 * 48000 / 44100) = 1215 */
    dsp = tu_dsp(48000);
    sj__reverb_reset(&dsp, st);
    for (int n = 0; n <= 1215; n++) {
        double l = sj__node_reverb(n == 0 ? 1.0 : 0.0, 0.5, 0.5, &dsp, st, rv);
        assert_true(n < 1215 ? l == 0 : l == 0.03);
    }
    /* decorrelated channels: correlation coefficient of 2 s of impulse response */
    sj__reverb_reset(&dsp, st);
    double sl = 0, sr = 0, slr = 0;
    for (int n = 0; n < 96000; n++) {
        double l = sj__node_reverb(n == 0 ? 1.0 : 0.0, 0.7, 0.3, &dsp, st, rv);
        sl += l * l, sr += rv[0] * rv[0], slr += l * rv[0];
    }
    double corr = slr / sqrt(sl * sr);
    /* stable at the largest size without damping (comb feedback 0.98): 10 s of full-scale noise
     * stays bounded (loud: the combs' gain is 1/(1-0.98) = 50), and 20 s after the input stops the
     * tail is more than 60 dB down (RT60 is about 13 s there, measured below) */
    sj__reverb_reset(&dsp, st);
    sj_noise_state ns;
    sj__noise_reset(&dsp, &ns);
    double peak = 0, tail = 0;
    for (int n = 0; n < 480000 + 960000; n++) {
        double l = sj__node_reverb(n < 480000 ? sj__node_noise(1, &ns) : 0, 1, 0, &dsp, st, rv);
        peak = fabs(l) > peak ? fabs(l) : peak;
        if (n >= 480000 + 960000 - 48000)
            tail = fabs(l) > tail ? fabs(l) : tail;
    }
    free(st);
    double t0 = reverb_rt60(0, 0.5, 44100), t5 = reverb_rt60(0.5, 0.5, 44100), t1 = reverb_rt60(1, 0.5, 44100);
    double u1 = reverb_rt60(1, 0, 44100);
    tu_note("reverb: RT60 %.2f s (size 0), %.2f s (0.5), %.2f s (1), %.2f s (1, no damping); L/R correlation "
            "%.3f; peak with full-scale noise at size 1 %.2f, 20 s later %.2g",
            t0, t5, t1, u1, corr, peak, tail);
    assert_true(fabs(corr) < 0.2);
    assert_true(peak < 20 && tail < peak * 1e-3);
    assert_true(t0 < t5 && t5 < t1 && t1 < u1);
    assert_true(t0 > 0.3 && u1 < 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integer_delays),
        cmocka_unit_test(test_fractional),
        cmocka_unit_test(test_comb),
        cmocka_unit_test(test_reverb),
    };
    return cmocka_run_group_tests_name("nodes_delay", tests, NULL, NULL);
}

/*
 * Filters (src/nodes/filter.c): magnitude (and phase) responses measured by driving a sine through
 * each filter (tu_gain: whole cycles after settling, so the measurement itself is exact to
 * ~1e-9), compared with the filter's defining transfer function:
 *   - the TPT filters (lp1, hp1, apf, svf, ladder) are their analog prototypes under the bilinear
 *     transform prewarped at the cutoff fc: s = j r with r = tan(pi f / fs) / tan(pi fc / fs);
 *   - the RBJ biquads at f0 take their analog prototype's value at s = j (the cookbook prewarps at
 *     f0), and everywhere equal |B(e^jw)/A(e^jw)| of their own coefficients;
 *   - the DC blocker is |1 - z^-1| / |1 - R z^-1|.
 */
#include <complex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_nodes_util.h"

#define FS 48000.0
#define N 4800       /* 10 Hz bins: test frequencies are multiples of 10 Hz */
#define SETTLE 9600
#define TOL 1e-6     /* relative; the measurement is exact up to rounding, the transients are gone */

typedef struct fctx {
    sj_dsp_state dsp;
    double freq, q, res, type, gain, amp;
    int out; /* which output: 0 value, 1.. the rv slots */
    union {
        sj_onepole_state one;
        sj_svf_state svf;
        sj_biquad_state bq;
        sj_dcblock_state dc;
        sj_ladder_state lad;
    } st;
} fctx;

static double p_lp1(void *c, double x)
{
    fctx *f = c;
    return sj__node_lp1(x, f->freq, &f->dsp, &f->st);
}
static double p_hp1(void *c, double x)
{
    fctx *f = c;
    return sj__node_hp1(x, f->freq, &f->dsp, &f->st);
}
static double p_apf(void *c, double x)
{
    fctx *f = c;
    return sj__node_apf(x, f->freq, &f->dsp, &f->st);
}
static double p_svf(void *c, double x)
{
    fctx *f = c;
    double rv[5] = {0};
    double y = sj__node_svf(x, f->freq, f->q, &f->dsp, &f->st, rv);
    return f->out ? rv[f->out - 1] : y;
}
static double p_bq(void *c, double x)
{
    fctx *f = c;
    return sj__node_biquad(x, f->type, f->freq, f->q, f->gain, &f->dsp, &f->st);
}
static double p_dc(void *c, double x)
{
    fctx *f = c;
    return sj__node_dcblock(x, &f->dsp, &f->st);
}
static double p_ladder(void *c, double x)
{
    fctx *f = c;
    return sj__node_ladder(x * f->amp, f->freq, f->res, &f->dsp, &f->st) / f->amp;
}

static fctx *new_ctx(void)
{
    fctx *f = calloc(1, sizeof *f);
    f->dsp = tu_dsp(FS);
    f->amp = 1;
    return f;
}

static double warp_ratio(double f, double fc)
{
    return tan(M_PI * f / FS) / tan(M_PI * fc / FS);
}

static void assert_rel(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol * fabs(want) + 1e-12)) {
        printf("got %.12g want %.12g\n", got, want);
        fail();
    }
}

static const double freqs[] = {20, 100, 440, 1000, 2500, 7000, 15000, 21000};
#define NFREQ (sizeof freqs / sizeof freqs[0])

static void test_onepole(void **unused)
{
    (void)unused;
    double fc = 1000;
    for (size_t i = 0; i < NFREQ; i++) {
        double r = warp_ratio(freqs[i], fc), ph;
        fctx *f = new_ctx();
        f->freq = fc;
        sj__onepole_reset(&f->dsp, &f->st);
        /* H = 1/(1+s) */
        assert_rel(tu_gain(p_lp1, f, freqs[i], FS, SETTLE, N, &ph), 1 / sqrt(1 + r * r), TOL);
        assert_rel(ph, -atan(r), 1e-6);
        sj__onepole_reset(&f->dsp, &f->st);
        /* H = s/(1+s) */
        assert_rel(tu_gain(p_hp1, f, freqs[i], FS, SETTLE, N, NULL), r / sqrt(1 + r * r), TOL);
        sj__onepole_reset(&f->dsp, &f->st);
        /* H = (1-s)/(1+s): |H| = 1, arg H = -2 atan r (-90 degrees at fc) */
        assert_rel(tu_gain(p_apf, f, freqs[i], FS, SETTLE, N, &ph), 1.0, TOL);
        assert_rel(ph, -2 * atan(r), 1e-6);
        free(f);
    }
    /* exactly -3.01 dB at the cutoff (r = 1) */
    fctx *f = new_ctx();
    f->freq = 1000;
    sj__onepole_reset(&f->dsp, &f->st);
    assert_rel(tu_gain(p_lp1, f, 1000, FS, SETTLE, N, NULL), M_SQRT1_2, TOL);
    free(f);
}

static void test_svf(void **unused)
{
    (void)unused;
    double fc = 2000, q = 3;
    for (int out = 0; out < 4; out++) {
        for (size_t i = 0; i < NFREQ; i++) {
            double r = warp_ratio(freqs[i], fc), k = 1 / q;
            double complex s = I * r, den = s * s + k * s + 1;
            double complex num[4] = {1, k * s, s * s, s * s + 1}; /* lp, bp (normalized), hp, notch */
            fctx *f = new_ctx();
            f->freq = fc, f->q = q, f->out = out;
            sj__svf_reset(&f->dsp, &f->st);
            double g = tu_gain(p_svf, f, freqs[i], FS, SETTLE, N, NULL);
            assert_rel(g, cabs(num[out] / den), TOL);
            free(f);
        }
    }
    /* at the cutoff: lp and hp gain q, bp 1, notch 0 */
    const double want[4] = {3, 1, 3, 0};
    for (int out = 0; out < 4; out++) {
        fctx *f = new_ctx();
        f->freq = fc, f->q = q, f->out = out;
        sj__svf_reset(&f->dsp, &f->st);
        double g = tu_gain(p_svf, f, fc, FS, SETTLE, N, NULL);
        assert_true(fabs(g - want[out]) < 1e-6 * q);
        free(f);
    }
    /* coefficients are computed once per change of an input */
    sj_dsp_state dsp = tu_dsp(FS);
    sj_svf_state st;
    double rv[5];
    sj__svf_reset(&dsp, &st);
    sj__node_svf(0, 1000, 1, &dsp, &st, rv);
    double a1 = st.a1;
    st.a1 = 12345; /* poison: a recompute would overwrite it */
    sj__node_svf(0, 1000, 1, &dsp, &st, rv);
    assert_true(st.a1 == 12345);
    sj__node_svf(0, 1001, 1, &dsp, &st, rv);
    assert_true(st.a1 != 12345 && st.a1 != a1);
    /* a change of the sample rate is picked up without a reset */
    st.a1 = 12345;
    dsp = tu_dsp(44100);
    sj__node_svf(0, 1001, 1, &dsp, &st, rv);
    assert_true(st.a1 != 12345);
}

/* |B(e^jw) / A(e^jw)| of normalized coefficients b0 b1 b2 a1 a2 */
static double coef_gain(const double c[5], double f)
{
    double complex z1 = cexp(-I * 2 * M_PI * f / FS), z2 = z1 * z1;
    return cabs((c[0] + c[1] * z1 + c[2] * z2) / (1 + c[3] * z1 + c[4] * z2));
}

static void test_biquad(void **unused)
{
    (void)unused;
    double f0 = 1000, q = 2, gain = 6;
    double A = pow(10, gain / 40);
    /* analog prototypes at s = j (RBJ prewarps at f0) */
    const double at_f0[SJ_BQ_TYPE_COUNT] = {
        q,     /* LP 1/(s^2 + s/Q + 1) */
        q,     /* HP s^2/(...) */
        1,     /* BP (s/Q)/(...) */
        0,     /* notch (s^2+1)/(...) */
        1,     /* AP */
        A * A, /* peaking: (A/Q)/(1/(AQ)) */
        A,     /* low shelf at f0: sqrt of its DC gain A^2 */
        A,     /* high shelf */
    };
    for (int type = 0; type < SJ_BQ_TYPE_COUNT; type++) {
        double c[5];
        sj__biquad_coefs(type, f0, q, gain, FS, c);
        for (size_t i = 0; i < NFREQ; i++) {
            fctx *f = new_ctx();
            f->type = type, f->freq = f0, f->q = q, f->gain = gain;
            sj__biquad_reset(&f->dsp, &f->st);
            assert_rel(tu_gain(p_bq, f, freqs[i], FS, SETTLE, N, NULL), coef_gain(c, freqs[i]), TOL);
            free(f);
        }
        fctx *f = new_ctx();
        f->type = type, f->freq = f0, f->q = q, f->gain = gain;
        sj__biquad_reset(&f->dsp, &f->st);
        double g = tu_gain(p_bq, f, f0, FS, SETTLE, N, NULL);
        assert_true(fabs(g - at_f0[type]) < 1e-6 * (1 + at_f0[type]));
        free(f);
    }
    /* shelves: the gain at DC (low) and at Nyquist (high) is A^2 = +6 dB, the other end 1 */
    double c[5];
    sj__biquad_coefs(SJ_BQ_LOWSHELF, f0, M_SQRT1_2, gain, FS, c);
    assert_rel(coef_gain(c, 0), A * A, 1e-12);
    assert_rel(coef_gain(c, FS / 2), 1, 1e-12);
    sj__biquad_coefs(SJ_BQ_HIGHSHELF, f0, M_SQRT1_2, gain, FS, c);
    assert_rel(coef_gain(c, FS / 2), A * A, 1e-12);
    assert_rel(coef_gain(c, 0), 1, 1e-12);
    /* and the filter itself: a constant input settles to the DC gain */
    sj_dsp_state dsp = tu_dsp(FS);
    sj_biquad_state st;
    sj__biquad_reset(&dsp, &st);
    double y = 0;
    for (int i = 0; i < 48000; i++)
        y = sj__node_biquad(1, SJ_BQ_LOWSHELF, f0, M_SQRT1_2, gain, &dsp, &st);
    assert_rel(y, A * A, 1e-9);
}

static void test_dcblock(void **unused)
{
    (void)unused;
    double R = exp(-2 * M_PI * SJ_DCBLOCK_HZ / FS);
    const double fs_[] = {10, 20, 100, 1000, 10000};
    for (size_t i = 0; i < 5; i++) {
        double complex z = cexp(-I * 2 * M_PI * fs_[i] / FS);
        fctx *f = new_ctx();
        sj__dcblock_reset(&f->dsp, &f->st);
        assert_rel(tu_gain(p_dc, f, fs_[i], FS, 48000, N, NULL), cabs((1 - z) / (1 - R * z)), TOL);
        free(f);
    }
    /* a constant decays as R^n: after 1 s, R^48000 = e^-62.8 */
    sj_dsp_state dsp = tu_dsp(FS);
    sj_dcblock_state st;
    sj__dcblock_reset(&dsp, &st);
    double y = 0;
    for (int i = 0; i < 48000; i++)
        y = sj__node_dcblock(0.5, &dsp, &st);
    assert_true(fabs(y) < 1e-20);
}

static void test_ladder(void **unused)
{
    (void)unused;
    double fc = 1000;
    const double res[] = {0, 0.5, 0.9};
    for (int j = 0; j < 3; j++) {
        double k = 4 * res[j];
        for (size_t i = 0; i < NFREQ; i++) {
            double complex G = 1 / (1 + I * warp_ratio(freqs[i], fc)), G4 = G * G * G * G;
            fctx *f = new_ctx();
            f->freq = fc, f->res = res[j];
            f->amp = 1e-4; /* small signal: tanh(u) = u (1 - u^2/3), relative deviation < 1e-8 */
            sj__ladder_reset(&f->dsp, &f->st);
            double g = tu_gain(p_ladder, f, freqs[i], FS, 48000, N, NULL);
            assert_rel(g, cabs(G4 / (1 + k * G4)), 1e-5);
            free(f);
        }
    }
    /* at fc the gain is 1/(4 - k); at DC 1/(1 + k) */
    fctx *f = new_ctx();
    f->freq = fc, f->res = 0.5, f->amp = 1e-4;
    sj__ladder_reset(&f->dsp, &f->st);
    assert_rel(tu_gain(p_ladder, f, fc, FS, 48000, N, NULL), 0.5, 1e-5);
    free(f);
    /* res above 1 self-oscillates near fc, bounded by the tanh */
    sj_dsp_state dsp = tu_dsp(FS);
    sj_ladder_state st;
    sj__ladder_reset(&dsp, &st);
    double peak = 0, ms = 0;
    for (int i = 0; i < 96000; i++) {
        double y = sj__node_ladder(i == 0 ? 0.1 : 0, fc, 1.05, &dsp, &st);
        peak = fabs(y) > peak ? fabs(y) : peak;
        if (i >= 96000 - 4800)
            ms += y * y / 4800;
    }
    tu_note("ladder res 1.05: peak %.3f, rms after 2 s %.3f", peak, sqrt(ms));
    assert_true(peak < 2 && sqrt(ms) > 0.05);
}

/* Coefficients are recomputed only when an input they depend on changes: a poisoned coefficient
 * survives a call with the same inputs and is replaced when the cutoff changes. */
static void test_coefficient_cache(void **unused)
{
    (void)unused;
    sj_dsp_state dsp = tu_dsp(FS);
    sj_onepole_state one;
    sj__onepole_reset(&dsp, &one);
    sj__node_lp1(0, 500, &dsp, &one);
    one.G = 12345;
    sj__node_hp1(0, 500, &dsp, &one);
    assert_true(one.G == 12345);
    sj__node_apf(0, 501, &dsp, &one);
    assert_true(one.G != 12345);

    sj_biquad_state bq;
    sj__biquad_reset(&dsp, &bq);
    sj__node_biquad(0, 5, 500, 1, 3, &dsp, &bq);
    bq.b0 = 12345;
    sj__node_biquad(0, 5, 500, 1, 3, &dsp, &bq);
    assert_true(bq.b0 == 12345);
    sj__node_biquad(0, 5, 500, 1, 3.5, &dsp, &bq); /* the gain is an input too */
    assert_true(bq.b0 != 12345);

    sj_ladder_state lad;
    sj__ladder_reset(&dsp, &lad);
    sj__node_ladder(0, 500, 0.3, &dsp, &lad);
    lad.inv = 12345;
    sj__node_ladder(0, 500, 0.3, &dsp, &lad);
    assert_true(lad.inv == 12345);
    sj__node_ladder(0, 500, 0.31, &dsp, &lad);
    assert_true(lad.inv != 12345);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_onepole), cmocka_unit_test(test_svf),    cmocka_unit_test(test_biquad),
        cmocka_unit_test(test_dcblock), cmocka_unit_test(test_ladder),  cmocka_unit_test(test_coefficient_cache),
    };
    return cmocka_run_group_tests_name("nodes_filter", tests, NULL, NULL);
}

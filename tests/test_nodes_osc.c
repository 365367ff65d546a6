/*
 * Oscillators (src/nodes/osc.c): frequency by counting zero crossings, amplitude of the
 * fundamental against the Fourier series of the ideal waveform, aliasing measured with a DFT,
 * noise statistics and reproducibility, the pink noise slope, LFO shapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_nodes_util.h"

#define FS 48000.0

/* Aliasing limits (dB relative to the total power; see alias_db): the measured values, printed
 * by the tests and quoted in the docs, rounded up by about 1 dB. */
#define LIM_SAW1 (-40.0)
#define LIM_SAW1_LOW (-74.0)
#define LIM_SAW2 (-30.0)
#define LIM_SAW2_LOW (-75.0)
#define LIM_SQ1 (-43.0)
#define LIM_SQ1_LOW (-79.0)
#define LIM_SQ2 (-29.5)
#define LIM_SQ2_LOW (-90.0)
#define LIM_TRI1 (-69.0)
#define LIM_TRI1_LOW (-108.0)
#define LIM_TRI2 (-43.5)
#define LIM_TRI2_LOW (-111.0)

typedef double (*osc_fn)(double freq, double width, sj_dsp_state *dsp, void *st);
static double run_saw(double f, double w, sj_dsp_state *d, void *s)
{
    (void)w;
    return sj__node_saw(f, d, s);
}
static double run_pulse(double f, double w, sj_dsp_state *d, void *s)
{
    return sj__node_pulse(f, w, d, s);
}
static double run_tri(double f, double w, sj_dsp_state *d, void *s)
{
    (void)w;
    return sj__node_tri(f, d, s);
}
static double run_sinosc(double f, double w, sj_dsp_state *d, void *s)
{
    return sj__node_sinosc(f, w, d, s);
}
/* Naive (not band-limited) references, for the aliasing comparison. */
static double naive_saw(double f, double w, sj_dsp_state *d, void *s)
{
    (void)w;
    sj_osc_state *st = s;
    double y = 2 * st->phase - 1;
    st->phase += f * d->israte;
    if (st->phase >= 1)
        st->phase -= 1;
    return y;
}
static double naive_tri(double f, double w, sj_dsp_state *d, void *s)
{
    (void)w;
    sj_osc_state *st = s;
    double t = st->phase + 0.25;
    if (t >= 1)
        t -= 1;
    double y = 1 - 4 * fabs(t - 0.5);
    st->phase += f * d->israte;
    if (st->phase >= 1)
        st->phase -= 1;
    return y;
}
static double naive_square(double f, double w, sj_dsp_state *d, void *s)
{
    (void)w;
    sj_osc_state *st = s;
    double y = st->phase < 0.5 ? 1 : -1;
    st->phase += f * d->israte;
    if (st->phase >= 1)
        st->phase -= 1;
    return y;
}

static double *render(osc_fn fn, double f, double w, size_t n)
{
    sj_dsp_state dsp = tu_dsp(FS);
    sj_osc_state st;
    sj__osc_reset(&dsp, &st);
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = fn(f, w, &dsp, &st);
    return x;
}

/* Aliasing. f0 = m FS / N puts every harmonic exactly on a bin (N = 8192, whole cycles, no
 * window needed); harmonics above Nyquist fold back to |j FS - k f0|, which are bins that are not
 * multiples of m for the chosen m (8192 mod m is far from 0 and m), so they show up as power
 * outside the harmonic bins. Returns that power relative to the total power, in dB (*low: only
 * the aliases below FS/4 = 12 kHz, where they are most audible, relative to the total). */
static double alias_db(osc_fn fn, size_t m, double w, double *low)
{
    enum { N = 8192 };
    static double re[N], im[N];
    double *x = render(fn, (double)m * FS / N, w, N);
    for (size_t i = 0; i < N; i++)
        re[i] = x[i], im[i] = 0;
    free(x);
    tu_fft(re, im, N);
    double total = 0, alias = 0, alias_low = 0;
    for (size_t k = 1; k < N / 2; k++) {
        double p = re[k] * re[k] + im[k] * im[k];
        total += p;
        if (k % m) {
            alias += p;
            if (k < N / 4)
                alias_low += p;
        }
    }
    if (low)
        *low = 10 * log10(alias_low / total);
    return 10 * log10(alias / total);
}

/* The band-limited waveform is exactly the ideal one filtered by the cubic B-spline kernel
 * (osc.c), so harmonic k of f0 = m FS / N has amplitude ideal(k) * sinc^4(k f0 / FS), with
 * sinc(x) = sin(pi x)/(pi x). Checked for every harmonic below Nyquist; nothing else lands on
 * those bins (see alias_db), so the only error is rounding. */
static double sinc(double x)
{
    return x == 0 ? 1 : sin(M_PI * x) / (M_PI * x);
}

static void check_harmonics(osc_fn fn, size_t m, double w, double (*ideal)(int k))
{
    enum { N = 8192 };
    static double re[N], im[N];
    double *x = render(fn, (double)m * FS / N, w, N);
    for (size_t i = 0; i < N; i++)
        re[i] = x[i], im[i] = 0;
    free(x);
    tu_fft(re, im, N);
    for (int k = 1; (size_t)k * m < N / 2; k++) {
        double amp = 2 * hypot(re[k * m], im[k * m]) / N;
        double f = (double)k * (double)m / N; /* k f0 / FS */
        double s4 = sinc(f) * sinc(f) * sinc(f) * sinc(f);
        double want = fabs(ideal(k)) * s4;
        if (!(fabs(amp - want) <= 1e-6 + 1e-6 * want)) {
            printf("harmonic %d: %.9f, want %.9f\n", k, amp, want);
            fail();
        }
    }
}

static double ideal_saw(int k)
{
    return 2 / (M_PI * k);
}
static double ideal_square(int k)
{
    return k % 2 ? 4 / (M_PI * k) : 0;
}
static double ideal_tri(int k)
{
    return k % 2 ? 8 / (M_PI * M_PI * k * k) : 0;
}

static size_t rising_zero_crossings(const double *x, size_t n, double mean)
{
    size_t c = 0;
    for (size_t i = 1; i < n; i++)
        c += x[i - 1] - mean < 0 && x[i] - mean >= 0;
    return c;
}

static void check_freq_amp(osc_fn fn, double w, double mean, double fund_amp)
{
    /* 1 second at 441 Hz: 441 rising crossings (+-1 for where the first cycle starts) */
    double *x = render(fn, 441.0, w, (size_t)FS);
    size_t c = rising_zero_crossings(x, (size_t)FS, mean);
    assert_true(c >= 440 && c <= 442);
    free(x);
    /* fundamental at 100 Hz (bin 10 of 4800 samples): the ideal waveform's Fourier amplitude
     * within 0.5% (the band limiting only touches the top octave) */
    x = render(fn, 100.0, w, 4800);
    double a = sqrt(2 * tu_bin_power(x, 4800, 10));
    assert_true(fabs(a / fund_amp - 1) < 0.005);
    double peak = 0;
    for (size_t i = 0; i < 4800; i++)
        peak = fabs(x[i]) > peak ? fabs(x[i]) : peak;
    assert_true(peak <= 1.0 + 1e-8 && peak > 0.99); /* fsin may exceed 1 by its 1e-9 error */
    free(x);
}

static void test_saw(void **unused)
{
    (void)unused;
    /* saw from -1 to 1: harmonic k has amplitude 2/(pi k) */
    check_freq_amp(run_saw, 0, 0, 2 / M_PI);
    double l1, l2, nl1;
    double a1 = alias_db(run_saw, 211, 0, &l1), a2 = alias_db(run_saw, 855, 0, &l2);
    double n1 = alias_db(naive_saw, 211, 0, &nl1), n2 = alias_db(naive_saw, 855, 0, NULL);
    tu_note("saw aliasing at 48k (total / below 12 kHz): 1236 Hz %.1f / %.1f dB (naive %.1f / %.1f), "
            "5010 Hz %.1f / %.1f dB (naive %.1f)", a1, l1, n1, nl1, a2, l2, n2);
    assert_true(a1 < LIM_SAW1 && l1 < LIM_SAW1_LOW && a2 < LIM_SAW2 && l2 < LIM_SAW2_LOW);
    assert_true(a1 < n1 - 12);
    check_harmonics(run_saw, 211, 0, ideal_saw);
    check_harmonics(run_saw, 855, 0, ideal_saw);
    /* starts at -1 after a reset */
    sj_dsp_state dsp = tu_dsp(FS);
    sj_osc_state st;
    sj__osc_reset(&dsp, &st);
    assert_true(sj__node_saw(0.0, &dsp, &st) == -1.0);
}

static void test_pulse(void **unused)
{
    (void)unused;
    /* square: odd harmonics 4/(pi k) */
    check_freq_amp(run_pulse, 0.5, 0, 4 / M_PI);
    double l1, l2, nl1;
    double a1 = alias_db(run_pulse, 211, 0.5, &l1), n1 = alias_db(naive_square, 211, 0.5, &nl1);
    double a2 = alias_db(run_pulse, 855, 0.5, &l2);
    tu_note("square aliasing at 48k (total / below 12 kHz): 1236 Hz %.1f / %.1f dB (naive %.1f / %.1f), "
            "5010 Hz %.1f / %.1f dB", a1, l1, n1, nl1, a2, l2);
    assert_true(a1 < LIM_SQ1 && l1 < LIM_SQ1_LOW && a2 < LIM_SQ2 && l2 < LIM_SQ2_LOW);
    assert_true(a1 < n1 - 12);
    check_harmonics(run_pulse, 211, 0.5, ideal_square);
    check_harmonics(run_pulse, 855, 0.5, ideal_square);
    /* width 0.25: mean 2w - 1 = -0.5 (over whole cycles); fundamental 4 sin(pi w)/pi */
    double *x = render(run_pulse, 100.0, 0.25, 4800);
    double mean = 0;
    for (size_t i = 0; i < 4800; i++)
        mean += x[i] / 4800;
    assert_true(fabs(mean + 0.5) < 1e-9);
    assert_true(fabs(sqrt(2 * tu_bin_power(x, 4800, 10)) / (4 * sin(M_PI * 0.25) / M_PI) - 1) < 0.005);
    free(x);
}

static void test_tri(void **unused)
{
    (void)unused;
    /* triangle: odd harmonics 8/(pi^2 k^2) */
    check_freq_amp(run_tri, 0, 0, 8 / (M_PI * M_PI));
    double l1, l2, nl1;
    double a1 = alias_db(run_tri, 211, 0, &l1), n1 = alias_db(naive_tri, 211, 0, &nl1);
    double a2 = alias_db(run_tri, 855, 0, &l2), n2 = alias_db(naive_tri, 855, 0, NULL);
    tu_note("tri aliasing at 48k (total / below 12 kHz): 1236 Hz %.1f / %.1f dB (naive %.1f / %.1f), "
            "5010 Hz %.1f / %.1f dB (naive %.1f)", a1, l1, n1, nl1, a2, l2, n2);
    assert_true(a1 < LIM_TRI1 && l1 < LIM_TRI1_LOW && a2 < LIM_TRI2 && l2 < LIM_TRI2_LOW);
    assert_true(a1 < n1 - 10);
    check_harmonics(run_tri, 211, 0, ideal_tri);
    check_harmonics(run_tri, 855, 0, ideal_tri);
    /* starts at 0 rising */
    sj_dsp_state dsp = tu_dsp(FS);
    sj_osc_state st;
    sj__osc_reset(&dsp, &st);
    assert_true(fabs(sj__node_tri(100, &dsp, &st)) < 1e-12);
    assert_true(sj__node_tri(100, &dsp, &st) > 0);
}

static void test_sinosc(void **unused)
{
    (void)unused;
    check_freq_amp(run_sinosc, 0, 0, 1.0);
    /* pm = pi/2 turns it into a cosine: first sample cos(0) = 1 */
    sj_dsp_state dsp = tu_dsp(FS);
    sj_osc_state st;
    sj__osc_reset(&dsp, &st);
    assert_true(fabs(sj__node_sinosc(1000, M_PI / 2, &dsp, &st) - 1) < 1e-9);
    /* sample k is sin(2 pi f k / FS) (fsin error 1e-9 plus accumulated phase rounding) */
    sj__osc_reset(&dsp, &st);
    double e = 0;
    for (int k = 0; k < 48000; k++) {
        double y = sj__node_sinosc(1000, 0, &dsp, &st);
        double r = sin(2 * M_PI * fmod(1000.0 * k / FS, 1.0));
        e = fabs(y - r) > e ? fabs(y - r) : e;
    }
    assert_true(e < 1e-8);
}

static void test_wavetab(void **unused)
{
    (void)unused;
    float tab[1024];
    for (int i = 0; i < 1024; i++)
        tab[i] = (float)sin(2 * M_PI * i / 1024);
    const float *tables[SJ_TABLE_COUNT] = {NULL, tab}; /* table 2 is set below */
    uint64_t lens[SJ_TABLE_COUNT] = {0, 1024};
    sj_dsp_state dsp = tu_dsp(FS);
    dsp.tables = tables;
    dsp.table_lens = lens;
    sj_osc_state st;
    sj__osc_reset(&dsp, &st);
    /* linear interpolation of a sine table: error <= h^2/8 max|f''| = (2 pi/1024)^2 / 8 = 4.7e-6,
     * plus float rounding of the table (6e-8) */
    double e = 0;
    for (int k = 0; k < 48000; k++) {
        double y = sj__node_wavetab(440, 1, &dsp, &st);
        double r = sin(2 * M_PI * fmod(440.0 * k / FS, 1.0));
        e = fabs(y - r) > e ? fabs(y - r) : e;
    }
    assert_true(e < 4.8e-6);
    /* morphing: 1.25 is 75% table 1 (sine) + 25% table 2 (constant 0.5 over 4 samples); at 1.0
     * exactly only table 1 is read */
    float half[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    tables[2] = half;
    lens[2] = 4;
    sj__osc_reset(&dsp, &st);
    e = 0;
    for (int k = 0; k < 4800; k++) {
        double y = sj__node_wavetab(440, 1.25, &dsp, &st);
        double r = 0.75 * sin(2 * M_PI * fmod(440.0 * k / FS, 1.0)) + 0.25 * 0.5;
        e = fabs(y - r) > e ? fabs(y - r) : e;
    }
    assert_true(e < 0.75 * 4.8e-6 + 1e-12);
    sj__osc_reset(&dsp, &st);
    sj__node_wavetab(440, 1, &dsp, &st);
    assert_true(sj__node_wavetab(0, 15.5, &dsp, &st) == 0.0); /* tables 15 and (none) 16 */
    /* empty or out-of-range tables give 0 */
    assert_true(sj__node_wavetab(440, 0, &dsp, &st) == 0.0);
    assert_true(sj__node_wavetab(440, 16, &dsp, &st) == 0.0);
    assert_true(sj__node_wavetab(440, -1, &dsp, &st) == 0.0);
    assert_true(sj__node_wavetab(440, NAN, &dsp, &st) == 0.0);
}

static void test_noise(void **unused)
{
    (void)unused;
    sj_dsp_state dsp = tu_dsp(FS);
    sj_noise_state a, b;
    sj__noise_reset(&dsp, &a);
    sj__noise_reset(&dsp, &b);
    size_t n = 200000;
    double sum = 0, sq = 0, lag = 0, prev = 0;
    for (size_t i = 0; i < n; i++) {
        double x = sj__node_noise(42, &a);
        assert_true(x == sj__node_noise(42, &b)); /* same seed, same sequence */
        assert_true(x >= -1 && x < 1);
        sum += x, sq += x * x, lag += x * prev, prev = x;
    }
    double mean = sum / (double)n, var = sq / (double)n - mean * mean;
    /* uniform on [-1, 1): mean 0 (std of the estimate 0.577/sqrt(n) = 0.0013, 5 sigma), variance
     * 1/3 (estimate's relative std ~ sqrt(0.8/n) = 0.2%, allow 1%), lag-1 correlation 0 (std
     * 1/sqrt(n) = 0.0022 in units of the variance) */
    assert_true(fabs(mean) < 0.0065);
    assert_true(fabs(var / (1.0 / 3) - 1) < 0.01);
    assert_true(fabs(lag / (double)n / var) < 0.011);
    /* reset restarts the sequence; another seed gives another one */
    sj__noise_reset(&dsp, &a);
    sj__noise_reset(&dsp, &b);
    double x0 = sj__node_noise(42, &a), y0 = sj__node_noise(7, &b);
    sj__noise_reset(&dsp, &a);
    assert_true(sj__node_noise(42, &a) == x0);
    assert_true(x0 != y0);
    /* NaN and -0 seed like 0 */
    sj__noise_reset(&dsp, &a);
    sj__noise_reset(&dsp, &b);
    assert_true(sj__node_noise(NAN, &a) == sj__node_noise(0.0, &b));
    assert_true(sj__node_noise(-0.0, &a) == sj__node_noise(NAN, &b));
}

static void test_pink(void **unused)
{
    (void)unused;
    /* Averaged Hann-windowed periodogram, 1024-point segments (43 Hz bins at 44.1 kHz, the rate the
     * filter was designed for). Pink noise has equal power per octave: the octave bands from bin
     * 4 to bin 512 (172 Hz to 22 kHz) each within 1 dB of their average. The discrete sum of 1/k
     * over [k, 2k) differs from ln 2 by < 0.4 dB for k >= 4 and the estimate's std is ~0.2 dB
     * (128 segments). */
    sj_dsp_state dsp = tu_dsp(44100);
    sj_pink_state st;
    sj__pink_reset(&dsp, &st);
    enum { N = 1024, SEG = 128 };
    static double re[N], im[N], psd[N / 2];
    memset(psd, 0, sizeof psd);
    for (int i = 0; i < 4096; i++) /* let the slow one-poles settle */
        sj__node_pink(3, &st);
    double peak = 0;
    for (int s = 0; s < SEG; s++) {
        for (int i = 0; i < N; i++) {
            double x = sj__node_pink(3, &st);
            peak = fabs(x) > peak ? fabs(x) : peak;
            re[i] = x * (0.5 - 0.5 * cos(2 * M_PI * i / N));
            im[i] = 0;
        }
        tu_fft(re, im, N);
        for (int k = 0; k < N / 2; k++)
            psd[k] += re[k] * re[k] + im[k] * im[k];
    }
    double band[8], avg = 0;
    int nb = 0;
    for (int lo = 4; lo < 512; lo *= 2, nb++) {
        band[nb] = 0;
        for (int k = lo; k < 2 * lo; k++)
            band[nb] += psd[k];
        avg += band[nb];
    }
    avg /= nb;
    double worst = 0;
    for (int i = 0; i < nb; i++)
        worst = fabs(10 * log10(band[i] / avg)) > worst ? fabs(10 * log10(band[i] / avg)) : worst;
    tu_note("pink: octave bands 172 Hz - 22 kHz within +-%.2f dB, peak %.2f", worst, peak);
    assert_true(worst < 1.0);
    assert_true(peak < 1.5);
}

static void test_lfo(void **unused)
{
    (void)unused;
    sj_dsp_state dsp = tu_dsp(1000); /* 1 kHz rate, 1 Hz LFO: sample k is phase k/1000 */
    sj_lfo_state st;
    /* values at phase 0 and 0.25 per shape (from each shape's definition) */
    const double at0[5] = {0, 0, -1, 1, 1}, at25[5] = {1, 1, -0.5, 0.5, 1};
    for (int shape = 0; shape < 5; shape++) {
        sj__lfo_reset(&dsp, &st);
        double y0 = sj__node_lfo(1, shape, 0, &dsp, &st);
        for (int k = 1; k < 250; k++)
            sj__node_lfo(1, shape, 0, &dsp, &st);
        double y25 = sj__node_lfo(1, shape, 0, &dsp, &st);
        assert_true(fabs(y0 - at0[shape]) < 1e-9);
        assert_true(fabs(y25 - at25[shape]) < 1e-9);
        /* square: -1 in the second half */
        if (shape == 4) {
            for (int k = 251; k < 600; k++)
                sj__node_lfo(1, shape, 0, &dsp, &st);
            assert_true(sj__node_lfo(1, shape, 0, &dsp, &st) == -1);
        }
    }
    /* random step: constant within a cycle, new value each cycle, in [-1, 1) */
    sj__lfo_reset(&dsp, &st);
    double first = sj__node_lfo(10, 5, 0, &dsp, &st); /* 100 samples per cycle */
    for (int k = 1; k < 100; k++)
        assert_true(sj__node_lfo(10, 5, 0, &dsp, &st) == first);
    double second = sj__node_lfo(10, 5, 0, &dsp, &st);
    assert_true(second != first && second >= -1 && second < 1);
    /* reset edge restarts the cycle: ramp up is -1 again */
    sj__lfo_reset(&dsp, &st);
    for (int k = 0; k < 300; k++)
        sj__node_lfo(1, 2, 0, &dsp, &st);
    assert_true(sj__node_lfo(1, 2, 1, &dsp, &st) == -1.0);
    assert_true(fabs(sj__node_lfo(1, 2, 1, &dsp, &st) - (-1 + 2.0 / 1000)) < 1e-12); /* held high: no retrigger */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_saw),    cmocka_unit_test(test_pulse), cmocka_unit_test(test_tri),
        cmocka_unit_test(test_sinosc), cmocka_unit_test(test_wavetab), cmocka_unit_test(test_noise),
        cmocka_unit_test(test_pink),   cmocka_unit_test(test_lfo),
    };
    return cmocka_run_group_tests_name("nodes_osc", tests, NULL, NULL);
}

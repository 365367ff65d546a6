/*
 * Helpers of the node-set tests (tests/test_nodes_*.c): a hand-made DSP state, the complex gain of
 * a node at one frequency measured by driving a sine through it, single-bin DFTs, a small FFT.
 * Header-only (static functions) so each test binary stays self-contained.
 */
#ifndef TEST_NODES_UTIL_H
#define TEST_NODES_UTIL_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/extra.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static inline sj_dsp_state tu_dsp(double srate)
{
    sj_dsp_state d;
    memset(&d, 0, sizeof d);
    d.srate = srate;
    d.israte = 1.0 / srate;
    return d;
}

/* A node wrapped as "one input sample in, one output sample out". */
typedef double (*tu_proc)(void *ctx, double x);

/* The complex gain of proc at freq: feeds sin(w n) for settle + n samples and correlates the
 * last n of input and output with e^{-jwn}. freq * n / srate should be an integer (whole cycles:
 * no leakage). Returns |H|; *phase (if not NULL) gets arg H in radians. */
static inline double tu_gain(tu_proc proc, void *ctx, double freq, double srate, size_t settle, size_t n,
                      double *phase)
{
    double w = 2 * M_PI * freq / srate;
    double xr = 0, xi = 0, yr = 0, yi = 0;
    for (size_t k = 0; k < settle + n; k++) {
        double x = sin(w * (double)k);
        double y = proc(ctx, x);
        if (k >= settle) {
            double c = cos(w * (double)k), s = sin(w * (double)k);
            xr += x * c, xi -= x * s;
            yr += y * c, yi -= y * s;
        }
    }
    /* H = Y / X */
    double den = xr * xr + xi * xi;
    double hr = (yr * xr + yi * xi) / den, hi = (yi * xr - yr * xi) / den;
    if (phase)
        *phase = atan2(hi, hr);
    return sqrt(hr * hr + hi * hi);
}

static inline double tu_db(double g)
{
    return 20 * log10(g);
}

/* Power of bin k of x[0..n): 2 |X_k|^2 / n^2 (|X_0|^2 / n^2 for DC), the mean square of the
 * sinusoid at that bin (A^2 / 2 for amplitude A), so all bins add up to the mean square of x. */
static inline double tu_bin_power(const double *x, size_t n, size_t k)
{
    double re = 0, im = 0;
    for (size_t i = 0; i < n; i++) {
        double a = 2 * M_PI * (double)((i * k) % n) / (double)n; /* exact angle reduction */
        re += x[i] * cos(a);
        im -= x[i] * sin(a);
    }
    double p = (re * re + im * im) / ((double)n * (double)n);
    return k == 0 ? p : 2 * p;
}

/* In-place radix-2 complex FFT (n a power of two). */
static inline void tu_fft(double *re, double *im, size_t n)
{
    for (size_t i = 1, j = 0; i < n; i++) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j) {
            double t = re[i];
            re[i] = re[j], re[j] = t;
            t = im[i];
            im[i] = im[j], im[j] = t;
        }
    }
    for (size_t len = 2; len <= n; len <<= 1) {
        double a = -2 * M_PI / (double)len;
        for (size_t i = 0; i < n; i += len) {
            for (size_t k = 0; k < len / 2; k++) {
                double c = cos(a * (double)k), s = sin(a * (double)k);
                double ur = re[i + k], ui = im[i + k];
                double vr = re[i + k + len / 2] * c - im[i + k + len / 2] * s;
                double vi = re[i + k + len / 2] * s + im[i + k + len / 2] * c;
                re[i + k] = ur + vr, im[i + k] = ui + vi;
                re[i + k + len / 2] = ur - vr, im[i + k + len / 2] = ui - vi;
            }
        }
    }
}

/* Measurements are printed as "# name: value" lines so a test log doubles as a report. */
static inline void tu_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

#endif

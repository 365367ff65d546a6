/*
 * Fast math: sin, cos, tanh, exp2 and log2 approximations with a documented maximum error, next to
 * exact libm nodes (exp2, log2; sin, cos, tanh, exp and log are in reference.c and math.c).
 *
 * Why: in real patches the transcendental functions dominate the cost (sin and tanh were 82% of
 * the instructions of the benchmark chain), and audio needs about 1e-7 (float precision), not
 * 1e-16. Each approximation is a short polynomial after an exact range reduction, branch-light,
 * with no table (so the code generator can inline it). The error bounds in extra.h are checked
 * by tests/test_nodes_fastmath.c over dense grids.
 */
#include "nodes/extra.h"

#include "base/bits.h"

#include <math.h>

/* sin(2 pi t) for t in turns. The reduction to [-1/4, 1/4] turn is exact up to the rounding of
 * t itself; then an odd polynomial of degree 11 in y = 2 pi t (|y| <= pi/2): the Taylor series to
 * degree 21 economized to degree 11 in the Chebyshev basis on [-pi/2, pi/2] (exact rational
 * arithmetic; the dropped Chebyshev terms sum to 1.33e-11, the bound of the approximation). */
static inline double sin_turns(double t)
{
    if (!(fabs(t) < 4.0e15)) /* NaN, infinities and |x| beyond the int64 reduction */
        return t - t;
    double k = (double)(int64_t)(t + (t >= 0 ? 0.5 : -0.5));
    t -= k; /* [-0.5, 0.5] */
    if (t > 0.25)
        t = 0.5 - t;
    else if (t < -0.25)
        t = -0.5 - t;
    double y = t * 6.283185307179586476925;
    double y2 = y * y;
    double p = -2.3794433582789426e-08;
    p = p * y2 + 2.7518836643413063e-06;
    p = p * y2 - 0.0001984070239395231;
    p = p * y2 + 0.008333329259398595;
    p = p * y2 - 0.16666666541216313;
    p = p * y2 + 0.999999999889577;
    return y * p;
}

double sj__fsin(double x)
{
    return sin_turns(x * 0.15915494309189533577);
}

double sj__fcos(double x)
{
    return sin_turns(x * 0.15915494309189533577 + 0.25);
}

/* 2^x = 2^n * 2^f with n = round(x), f in [-1/2, 1/2]; 2^f = 1 + f q(f) with q of degree 6:
 * the Taylor series of (e^(f ln 2) - 1)/f to degree 14 economized to degree 6 in the Chebyshev
 * basis on [-1/2, 1/2] (exact rational arithmetic; relative error 1.12e-10). Writing it as
 * 1 + f q(f) keeps 2^n exact for integer x. 2^n is built from the exponent bits. Below -1022 the
 * result flushes to 0 (no subnormals on the audio path). */
double sj__fexp2(double x)
{
    if (!(x > -1022.0))
        return x != x ? x : 0.0;
    if (!(x < 1024.0))
        return HUGE_VAL;
    int64_t n = (int64_t)(x + (x >= 0 ? 0.5 : -0.5));
    double f = x - (double)n;
    double q = 1.5303702451919585e-05;
    q = q * f + 0.00015461447461298077;
    q = q * f + 0.0013333478467158545;
    q = q * f + 0.009618056669891501;
    q = q * f + 0.055504109063319845;
    q = q * f + 0.2402265092234271;
    q = q * f + 0.6931471805568316;
    double p = 1.0 + f * q;
    if (n > 1023) { /* x in [1023.5, 1024): 2^1024 overflows the exponent, scale in two steps */
        return p * sj__bits_f64((uint64_t)(1023 + 1023) << 52) * 2.0;
    }
    return p * sj__bits_f64((uint64_t)(n + 1023) << 52);
}

/* log2(x) = e + log2(m) with m in [sqrt(1/2), sqrt(2)) from the bits; log(m) = 2 atanh(s),
 * s = (m-1)/(m+1), |s| <= 0.1716, by its odd series to s^11 (truncation 2 s^13/13 < 2.5e-11).
 * x <= 0 gives -1024 (not -inf or NaN: a finite value keeps a patch alive); NaN stays NaN. */
double sj__flog2(double x)
{
    if (!(x > 0.0))
        return x != x ? x : -1024.0;
    if (x == HUGE_VAL)
        return 1024.0;
    uint64_t u = sj__f64_bits(x);
    int64_t e = (int64_t)(u >> 52) - 1023;
    if (e == -1023) { /* subnormal: scale into the normal range first */
        u = sj__f64_bits(x * 0x1.0p64);
        e = (int64_t)(u >> 52) - 1023 - 64;
    }
    double m = sj__bits_f64((u & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull);
    if (m > 1.41421356237309504880) {
        m *= 0.5;
        e++;
    }
    double s = (m - 1.0) / (m + 1.0);
    double s2 = s * s;
    double p = 2.0 / 11.0;
    p = p * s2 + 2.0 / 9.0;
    p = p * s2 + 2.0 / 7.0;
    p = p * s2 + 2.0 / 5.0;
    p = p * s2 + 2.0 / 3.0;
    p = p * s2 + 2.0;
    return (double)e + s * p * 1.44269504088896340736;
}

/* tanh(x) = sign(x) (1 - 2 / (e^(2|x|) + 1)) with e^(2|x|) from sj__fexp2: the absolute error is
 * at most half the relative error of the exponential plus a few roundings. */
double sj__ftanh(double x)
{
    double a = fabs(x);
    double e = sj__fexp2(a * 2.88539008177792681472); /* 2 / ln 2 */
    double t = 1.0 - 2.0 / (e + 1.0);
    return x < 0 ? -t : (x == x ? t : x);
}

static double node_fsin(double x)
{
    return sj__fsin(x);
}
static double node_fcos(double x)
{
    return sj__fcos(x);
}
static double node_ftanh(double x)
{
    return sj__ftanh(x);
}
static double node_fexp2(double x)
{
    return sj__fexp2(x);
}
static double node_flog2(double x)
{
    return sj__flog2(x);
}
static double node_exp2(double x)
{
    return exp2(x);
}
static double node_log2(double x)
{
    return log2(x);
}

static const char *const in_x[] = {"x", NULL};
static const char *const out_y[] = {"y", NULL};

#define FN(f) ((void (*)(void))(f))

static const sj_node_type types[] = {
    {"fsin",
     "Fast sine of `x` (radians). Maximum absolute error 2e-11 for |x| <= 1000 (measured: 1.35e-11); "
     "beyond that the error grows with |x| (the reduction x / 2pi is rounded to 53 bits), and for "
     "|x| >= 2.5e16, NaN or infinities the result is NaN. Odd: `fsin(0)` is exactly 0.\n\n"
     "Algorithm: reduce to t = x / 2pi turns, fold into a quarter period by symmetry, then an odd "
     "polynomial of degree 11: the Taylor series economized in the Chebyshev basis on [-pi/2, pi/2]. "
     "No table, no branch on the hot path besides the fold.\n\n"
     "Example: `fsin(2 * PI * phase(440, 0))` is a 440 Hz sine, within 2e-11 of the exact one.",
     in_x, out_y, "vr", 0, NULL, FN(node_fsin)},
    {"fcos",
     "Fast cosine of `x` (radians), with the same error as `fsin`: at most 2e-11 absolute for |x| "
     "<= 1000 (measured: 1.35e-11); NaN for NaN, infinities and |x| >= 2.5e16.\n\n"
     "- `x`: radians. output: cos(x) in [-1, 1].\n\n"
     "Algorithm: `fsin`'s reduction to turns with a quarter turn added, then the same degree-11 "
     "polynomial.\n\n"
     "Example: `fcos(0)` is 1; `fcos(2 * PI * phase(220, 0))` is a 220 Hz cosine.",
     in_x, out_y, "vr", 0, NULL, FN(node_fcos)},
    {"ftanh",
     "Fast hyperbolic tangent, the usual saturator. Maximum absolute error 1e-10 over all x "
     "(measured: 5.4e-11); odd, exactly 0 at 0 and exactly +-1 beyond |x| ~ 19.\n\n"
     "Algorithm: tanh(x) = sign(x) (1 - 2 / (e^(2|x|) + 1)) with e^(2|x|) from `fexp2`.\n\n"
     "Example: `ftanh(in1 * 4)` drives the input into a soft saturation.",
     in_x, out_y, "vr", 0, NULL, FN(node_ftanh)},
    {"fexp2",
     "Fast 2^x. Maximum relative error 2e-10 (measured: 1.12e-10) for -1022 < x < 1024, exact for "
     "integer x; 0 below -1022 (no subnormals), +inf from 1024, NaN stays NaN.\n\n"
     "Algorithm: 2^x = 2^n 2^f, n = round(x), |f| <= 1/2; 2^f = 1 + f q(f) with q of degree 6 (the "
     "Taylor series economized in the Chebyshev basis); 2^n from the exponent bits.\n\n"
     "Example: `440 * fexp2((note - 69) / 12)` is the frequency of a MIDI note.",
     in_x, out_y, "vr", 0, NULL, FN(node_fexp2)},
    {"flog2",
     "Fast base-2 logarithm. Maximum absolute error 5e-11 (measured: 2.6e-11) for every x > 0 "
     "including subnormals, exact for powers of two; x <= 0 gives -1024 (finite, unlike `log2`), "
     "+inf gives 1024, NaN stays NaN.\n\n"
     "Algorithm: exponent and mantissa from the bits, mantissa m folded into [sqrt(1/2), sqrt(2)), "
     "log(m) = 2 atanh((m-1)/(m+1)) by its odd series up to the 11th power.\n\n"
     "Example: `12 * flog2(freq / 440) + 69` is the MIDI note of a frequency.",
     in_x, out_y, "vr", 0, NULL, FN(node_flog2)},
    {"exp2",
     "2 to the power `x`, exact: the C library's `exp2`. `fexp2` is the fast approximation with a "
     "documented error.\n\n"
     "- `x`: any number. output: 2^x (0 far below -1074, +inf from 1024).\n\n"
     "Algorithm: libm `exp2` (correctly rounded or within an ulp, depending on the C library).\n\n"
     "Example: `exp2(1)` is 2; `110 * exp2(in1)` is an exponential (volt-per-octave) pitch input.",
     in_x, out_y,
     "vr", 0, NULL, FN(node_exp2)},
    {"log2",
     "Base-2 logarithm, exact: the C library's `log2`. `flog2` is the fast, always finite "
     "approximation.\n\n"
     "- `x`: a positive number. output: log2(x); -inf at 0, NaN below 0.\n\n"
     "Algorithm: libm `log2`.\n\n"
     "Example: `log2(8)` is 3; `log2(in1 / 440)` is the distance of the frequency in1 from A4 in "
     "octaves.",
     in_x, out_y, "vr", 0, NULL, FN(node_log2)},
};

const sj_node_family sj__family_fastmath = {"fast math", types, sizeof types / sizeof types[0]};

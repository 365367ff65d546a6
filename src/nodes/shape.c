/*
 * Waveshaping: soft and hard clipping, a wavefolder, a bit crusher and a sample-rate reducer
 * (the fast tanh saturator is `ftanh` in fastmath.c). Stateless except the sample-rate reducer.
 * None of them band-limits its output: drive a filtered or low-frequency signal, or follow with a
 * lowpass, when aliasing matters.
 */
#include "nodes/extra.h"

#include <math.h>
#include <string.h>

#define FN(f) ((void (*)(void))(f))

/* x - 4/27 x^3 for |x| <= 1.5, +-1 beyond: unit slope at 0, value 1 and slope 0 at 1.5. */
double sj__node_softclip(double in)
{
    if (in >= 1.5)
        return 1.0;
    if (in <= -1.5)
        return -1.0;
    return in - (4.0 / 27.0) * in * in * in;
}

double sj__node_hardclip(double in, double limit)
{
    double l = fabs(limit);
    return in > l ? l : (in < -l ? -l : in);
}

/* Reflects in * gain back into [-1, 1] as often as needed: a triangle function of the input. */
double sj__node_fold(double in, double gain)
{
    double t = (in * gain + 1.0) * 0.25;
    return 4.0 * fabs(t - floor(t + 0.5)) - 1.0;
}

double sj__node_crush(double in, double bits)
{
    double q = sj__fexp2(sj__clampd(bits, 1.0, 24.0) - 1.0); /* exact for integer bits */
    return floor(in * q + 0.5) / q;
}

double sj__node_srr(double in, double rate, sj_dsp_state *dsp, void *state)
{
    sj_srr_state *st = state;
    if (!st->started || st->phase >= 1.0) {
        st->held = in;
        st->phase = st->started ? st->phase - floor(st->phase) : 0.0;
        st->started = true;
    }
    st->phase += sj__clampd(rate, 0.0, dsp->srate) * dsp->israte;
    return st->held;
}

static const char *const in_in[] = {"in", NULL};
static const char *const in_clip[] = {"in", "limit", NULL};
static const char *const in_fold[] = {"in", "gain", NULL};
static const char *const in_crush[] = {"in", "bits", NULL};
static const char *const in_srr[] = {"in", "rate", NULL};
static const char *const out_y[] = {"out", NULL};

static const sj_node_type types[] = {
    {"softclip",
     "Cubic soft clipper: a smooth, cheap saturation that reaches +-1 without a corner.\n\n"
     "- `in`: signal (any level).\n- output: in [-1, 1]; unity gain for small signals, exactly +-1"
     " with zero slope at |in| = 1.5 and beyond (odd harmonics only).\n\n"
     "Algorithm: in - 4/27 in^3 for |in| <= 1.5, else sign(in). Cheaper than `ftanh`.\n\n"
     "Example: `softclip(saw(110) * 2)`.",
     in_in, out_y, "vr", 0, NULL, FN(sj__node_softclip)},
    {"hardclip",
     "Hard clipper: limits a signal to a symmetric range.\n\n"
     "- `in`: signal. `limit`: the clipping level (its absolute value is used).\n- output: `in` "
     "clamped to [-|limit|, |limit|].\n\n"
     "Algorithm: two comparisons.\n\n"
     "Example: `hardclip(in1 * 10, 0.8)` (a fuzz).",
     in_clip,
     out_y, "vvr", 0, NULL, FN(sj__node_hardclip)},
    {"fold",
     "Wavefolder: `in * gain` reflected back into [-1, 1] at the edges as many times as needed (a "
     "triangle function: 1.2 -> 0.8, 2 -> 0, 3 -> -1). With `gain` <= 1 and |in| <= 1 it is the "
     "identity; raising `gain` adds bright harmonics.\n\n"
     "Algorithm: t = (x + 1)/4, out = 4 |t - round(t)| - 1.\n\n"
     "Example (a West-coast timbre sweep): `fold(sinosc(110, 0), 2 + 1.5 * lfo(0.1, 1, 0))`.",
     in_fold, out_y, "vvr", 0, NULL, FN(sj__node_fold)},
    {"crush",
     "Bit crusher: quantizes the amplitude to a coarse grid (lo-fi, digital grit).\n\n"
     "- `in`: signal, nominally in [-1, 1]. `bits`: resolution in [1, 24] (clamped); fractional "
     "values give intermediate step sizes.\n- output: `in` rounded to the nearest multiple of 2^(1"
     " - bits), i.e. 2^bits levels over [-1, 1).\n\n"
     "Algorithm: q = 2^(bits - 1) (by `fexp2`, exact for whole bits); out = floor(in q + 0.5) / q."
     "\n\n"
     "Example: `crush(in1, 4)`.",
     in_crush, out_y, "vvr", 0, NULL, FN(sj__node_crush)},
    {"srr",
     "Sample-rate reducer (decimator without filtering): holds the input and takes a new sample "
     "`rate` times per second, with the aliasing of a low sample rate.\n\n"
     "- `in`: signal. `rate`: new sample rate in Hz, clamped to [0, srate] (srate/4 holds every "
     "4th sample for 4 samples).\n- output: the held sample; a new sample on the first call after "
     "a reset.\n\n"
     "Algorithm: a phase accumulator advancing rate/srate per sample takes a new sample when it "
     "passes 1, so non-integer ratios work.\n\n"
     "Example: `srr(crush(in1, 6), 4000)` (lo-fi).",
     in_srr, out_y, "vvDSr", sizeof(sj_srr_state), NULL, FN(sj__node_srr)},
};

const sj_node_family sj__family_shape = {"shaping", types, sizeof types / sizeof types[0]};

/*
 * Delays: a delay line with fractional read (linear, cubic Hermite or first-order allpass
 * interpolation), and the feedback comb and Schroeder allpass built on the same kind of line.
 *
 * The delay memory is part of the node state: the runtime allocates state_size bytes on the
 * compile side when a uid first appears and keeps the state by uid across recompiles, so a
 * running echo survives live edits and nothing is allocated on the audio thread. The price is a
 * fixed maximum length (SJ_DELAY_LEN, SJ_COMB_LEN in extra.h), power-of-two ring buffers indexed
 * with a mask. Reset clears the memory (a bounded memset, no allocation).
 */
#include "nodes/extra.h"

#include <math.h>
#include <string.h>

#define FN(f) ((void (*)(void))(f))
#define DMASK (SJ_DELAY_LEN - 1u)
#define CMASK (SJ_COMB_LEN - 1u)

void sj__delay_reset(sj_dsp_state *dsp, void *state)
{
    (void)dsp;
    memset(state, 0, sizeof(sj_delay_state));
}

double sj__node_delay(double in, double time, double mode, sj_dsp_state *dsp, void *state)
{
    sj_delay_state *st = state;
    const double *buf = st->buf;
    uint32_t w = st->w;
    st->buf[w] = in;
    st->w = (w + 1u) & DMASK;
    double d = time * dsp->srate;
    double y;
    switch ((int)(sj__clampd(mode, 0.0, 2.0) + 0.5)) {
    default:
    case SJ_DELAY_LINEAR: {
        d = sj__clampd(d, 0.0, SJ_DELAY_LEN - 4.0);
        uint32_t i = (uint32_t)d;
        double f = d - (double)i;
        double a = buf[(w - i) & DMASK], b = buf[(w - i - 1u) & DMASK];
        y = a + f * (b - a);
        break;
    }
    case SJ_DELAY_CUBIC: {
        /* 4-point, 3rd-order Hermite (Catmull-Rom) through the samples around the read point. */
        d = sj__clampd(d, 1.0, SJ_DELAY_LEN - 4.0);
        uint32_t i = (uint32_t)d;
        double f = d - (double)i;
        double xm1 = buf[(w - i + 1u) & DMASK], x0 = buf[(w - i) & DMASK];
        double x1 = buf[(w - i - 1u) & DMASK], x2 = buf[(w - i - 2u) & DMASK];
        double c1 = 0.5 * (x1 - xm1);
        double c2 = xm1 - 2.5 * x0 + 2.0 * x1 - 0.5 * x2;
        double c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
        y = ((c3 * f + c2) * f + c1) * f + x0;
        break;
    }
    case SJ_DELAY_ALLPASS: {
        /* Integer part M and fraction f in [0.1, 1.1), so eta = (1-f)/(1+f) stays in (-0.048, 0.82]
         * where the allpass's phase delay is flattest: y = eta (u[n] - y[n-1]) + u[n-1]. */
        d = sj__clampd(d, 0.1, SJ_DELAY_LEN - 4.0);
        uint32_t M = (uint32_t)(d - 0.1);
        double f = d - (double)M;
        double eta = (1.0 - f) / (1.0 + f);
        double u0 = buf[(w - M) & DMASK], u1 = buf[(w - M - 1u) & DMASK];
        y = eta * (u0 - st->ap_y) + u1;
        st->ap_y = y;
        break;
    }
    }
    return y;
}

void sj__comb_reset(sj_dsp_state *dsp, void *state)
{
    (void)dsp;
    memset(state, 0, sizeof(sj_comb_state));
}

/* The line's value `d` samples before the next write position (d >= 1), linearly interpolated. */
static inline double comb_read(const sj_comb_state *st, double time, double srate)
{
    double d = sj__clampd(time * srate, 1.0, SJ_COMB_LEN - 4.0);
    uint32_t i = (uint32_t)d;
    double f = d - (double)i;
    double a = st->buf[(st->w - i) & CMASK], b = st->buf[(st->w - i - 1u) & CMASK];
    return a + f * (b - a);
}

double sj__node_comb(double in, double time, double fb, double damp, sj_dsp_state *dsp, void *state)
{
    sj_comb_state *st = state;
    double yd = comb_read(st, time, dsp->srate);
    double a = sj__clampd(damp, 0.0, 0.99);
    st->lp = yd + a * (st->lp - yd);
    double y = in + sj__clampd(fb, -0.999, 0.999) * st->lp;
    st->buf[st->w] = y;
    st->w = (st->w + 1u) & CMASK;
    return y;
}

double sj__node_allpass(double in, double time, double g, sj_dsp_state *dsp, void *state)
{
    sj_comb_state *st = state;
    double gg = sj__clampd(g, -0.999, 0.999);
    double vd = comb_read(st, time, dsp->srate);
    double v = in + gg * vd;
    st->buf[st->w] = v;
    st->w = (st->w + 1u) & CMASK;
    return vd - gg * v;
}

/* ---- reverb ------------------------------------------------------------------------------------ */

static const uint32_t comb_tuning[SJ_REVERB_COMBS] = {1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617};
static const uint32_t ap_tuning[SJ_REVERB_APS] = {556, 441, 341, 225};
#define STEREO_SPREAD 23

/* Lengths for the rate (the buffers are fixed; only the used part changes). */
static void reverb_tune(sj_reverb_state *st, double srate)
{
    double f = sj__clampd(srate, 1.0, SJ_REVERB_MAX_RATE) / 44100.0;
    for (int c = 0; c < 2; c++) {
        for (int i = 0; i < SJ_REVERB_COMBS; i++) {
            double n = floor((double)(comb_tuning[i] + (c ? STEREO_SPREAD : 0)) * f + 0.5);
            st->comb_len[c][i] = n < 1 ? 1 : (uint32_t)n;
            if (st->comb_pos[c][i] >= st->comb_len[c][i])
                st->comb_pos[c][i] = 0;
        }
        for (int i = 0; i < SJ_REVERB_APS; i++) {
            double n = floor((double)(ap_tuning[i] + (c ? STEREO_SPREAD : 0)) * f + 0.5);
            st->ap_len[c][i] = n < 1 ? 1 : (uint32_t)n;
            if (st->ap_pos[c][i] >= st->ap_len[c][i])
                st->ap_pos[c][i] = 0;
        }
    }
    st->srate = srate;
}

void sj__reverb_reset(sj_dsp_state *dsp, void *state)
{
    sj_reverb_state *st = state;
    memset(st, 0, sizeof *st);
    reverb_tune(st, dsp->srate);
}

double sj__node_reverb(double in, double size, double damp, sj_dsp_state *dsp, void *state, double *rv)
{
    sj_reverb_state *st = state;
    if (dsp->srate != st->srate)
        reverb_tune(st, dsp->srate);
    /* Freeverb's parameter mapping: feedback 0.7 + 0.28 size, damping 0.4 damp, input gain
     * 0.015 per channel of a stereo pair (a mono input feeds both: 0.03). */
    double fb = 0.7 + 0.28 * sj__clampd(size, 0.0, 1.0);
    double d1 = 0.4 * sj__clampd(damp, 0.0, 1.0), d2 = 1.0 - d1;
    double x = in * 0.03;
    if (!(x == x))
        x = 0; /* a NaN would ring forever in the loops */
    double out[2];
    for (int c = 0; c < 2; c++) {
        double acc = 0;
        for (int i = 0; i < SJ_REVERB_COMBS; i++) {
            double *buf = st->comb[c][i];
            uint32_t p = st->comb_pos[c][i];
            double y = buf[p];
            st->comb_lp[c][i] = y * d2 + st->comb_lp[c][i] * d1;
            buf[p] = x + st->comb_lp[c][i] * fb;
            st->comb_pos[c][i] = p + 1 >= st->comb_len[c][i] ? 0 : p + 1;
            acc += y;
        }
        for (int i = 0; i < SJ_REVERB_APS; i++) {
            double *buf = st->ap[c][i];
            uint32_t p = st->ap_pos[c][i];
            double b = buf[p];
            buf[p] = acc + b * 0.5;
            acc = b - acc;
            st->ap_pos[c][i] = p + 1 >= st->ap_len[c][i] ? 0 : p + 1;
        }
        out[c] = acc;
    }
    rv[0] = out[1];
    return out[0];
}

static const char *const in_delay[] = {"in", "time", "mode", NULL};
static const char *const in_comb[] = {"in", "time", "fb", "damp", NULL};
static const char *const in_ap[] = {"in", "time", "g", NULL};
static const char *const out_y[] = {"out", NULL};
static const char *const in_reverb[] = {"in", "size", "damp", NULL};
static const char *const out_reverb[] = {"left", "right", NULL};

static const sj_node_type types[] = {
    {"delay",
     "Delay line with fractional read: `in` delayed by `time` seconds.\n\n"
     "- `time`: seconds; `time srate` samples, clamped to [0, 131068] (2.97 s at 44.1 kHz, 2.73 s "
     "at 48 kHz). An integer number of samples is an exact delay in every mode.\n- `mode`: the interpolation, 0 "
     "linear (minimum 0 samples: 0 passes `in` through), 1 cubic Hermite (minimum 1 sample; "
     "flatter response, for modulated delays: chorus, vibrato), 2 first-order allpass (minimum 0.1"
     " samples; gain exactly 1 at every frequency, for fixed or slowly moving tuned delays such as"
     " Karplus-Strong: fast changes of `time` give small transients).\n- output: the delayed "
     "signal. Linear interpolation at a half-sample fraction has gain cos(pi f / srate) (-3 dB at "
     "srate/4).\n\n"
     "Memory: 131072 doubles (1 MiB) in the node state, allocated when the program is compiled and"
     " kept across recompiles (by the call's uid), cleared on reset.\n\n"
     "Algorithm: a ring buffer; the input is written first, so a delay of d samples reads d behind"
     " it. Linear: a + f (b - a). Cubic: the 4-point Catmull-Rom (Hermite) polynomial through the "
     "samples around the read point. Allpass: M = floor(d - 0.1), f = d - M, y = eta (x[n-M] - "
     "y[n-1]) + x[n-M-1] with eta = (1-f)/(1+f).\n\n"
     "Example (an echo with feedback): `*fb = in1 + 0.5 * delay(*fb, 0.375, 0)`.",
     in_delay, out_y, "vvvDSr", sizeof(sj_delay_state), sj__delay_reset, FN(sj__node_delay)},
    {"comb",
     "Feedback comb filter: y = in + fb * lp(y[n - time srate]), with a one-pole lowpass in the "
     "loop (`damp`, as in Freeverb).\n\n"
     "- `time`: seconds, clamped to [1, 65532] samples (linear interpolation). `fb`: feedback in "
     "[-0.999, 0.999]. `damp`: loop lowpass in [0, 0.99] (0: none; higher: darker decay).\n- "
     "output: with damp 0, H = 1/(1 - fb z^-d): gain 1/(1-fb) at multiples of srate/d and 1/(1+fb)"
     " halfway between.\n\n"
     "Memory: 65536 doubles (512 KiB) in the node state, kept across recompiles.\n\n"
     "Algorithm: a ring buffer of y; the delayed value yd is read with linear interpolation, lp = "
     "yd + damp (lp - yd), and y = in + fb lp is written back.\n\n"
     "Example (a resonator at 220 Hz): `comb(noise(1) * 0.05, 1/220, 0.98, 0.2)`.",
     in_comb, out_y, "vvvvDSr", sizeof(sj_comb_state), sj__comb_reset, FN(sj__node_comb)},
    {"allpass",
     "Schroeder allpass delay (the diffuser of reverbs): v = in + g v[n-d], y = v[n-d] - g v, so H"
     " = (z^-d - g)/(1 - g z^-d) has gain exactly 1 at every frequency and an impulse response -g,"
     " 0 ..., 1-g^2 at d, g(1-g^2) at 2d, ...\n\n"
     "- `time`: seconds, clamped to [1, 65532] samples (linear interpolation). `g`: in [-0.999, "
     "0.999], typically 0.5-0.7.\n\n"
     "Memory: 65536 doubles (512 KiB) in the node state, kept across recompiles.\n\n"
     "Algorithm: a ring buffer of v, read d samples back with linear interpolation.\n\n"
     "Example: `allpass(allpass(in1, 0.0051, 0.6), 0.0127, 0.6)`.",
     in_ap, out_y, "vvvDSr", sizeof(sj_comb_state), sj__comb_reset, FN(sj__node_allpass)},
    {"reverb",
     "Stereo reverb (Freeverb, Jezar 2000): mono in, wet stereo out; mix it with the dry signal.\n\n"
     "- `in`: signal. `size`: room size in [0, 1] (comb feedback 0.7 + 0.28 size; measured RT60 with "
     "damp 0.5: 0.8 s at size 0, 1.3 s at 0.5, 8.4 s at 1). `damp`: high-frequency damping in [0, 1] "
     "(0 bright, 1 dark).\n"
     "- outputs: `left` (the value), `%1` right. The right channel's delays are 23 samples (at "
     "44.1 kHz) longer, which decorrelates the two.\n\n"
     "Algorithm: per channel 8 parallel feedback combs with a one-pole lowpass in the loop "
     "(1116-1617 samples at 44.1 kHz) into 4 series allpasses (556, 441, 341, 225 samples, "
     "feedback 0.5); lengths scale with the sample rate (up to 192 kHz); input gain 0.03. The "
     "first echo comes after the shortest comb, 1116 samples at 44.1 kHz (25 ms).\n\n"
     "Memory: about 1.3 MiB in the node state, kept across recompiles, cleared on reset.\n\n"
     "Example: `{ x = saw(110) * ad(pulse(1, 0.1), 0.001, 0.2); &sig1 = x + reverb(x, 0.8, 0.3); "
     "&sig2 = x + %1 }`.",
     in_reverb, out_reverb, "vvvDSMr", sizeof(sj_reverb_state), sj__reverb_reset, FN(sj__node_reverb)},
};

const sj_node_family sj__family_delay = {"delays", types, sizeof types / sizeof types[0]};

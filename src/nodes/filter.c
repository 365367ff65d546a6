/*
 * Filters: one-pole lowpass/highpass/allpass, the TPT state-variable filter, the RBJ cookbook
 * biquad, a DC blocker and a 4-pole ladder lowpass.
 *
 * The one-poles, the SVF and the ladder are "topology-preserving transform" (zero-delay feedback)
 * filters (Zavalishin, The Art of VA Filter Design, 2012; the SVF in Andrew Simper's form): the
 * analog prototype discretized with the bilinear transform and prewarped at the cutoff, so the
 * magnitude at the cutoff equals the analog one exactly and the filters stay stable under fast
 * modulation. Coefficients are cached in the state with the inputs (and sample rate) they were
 * computed from and recomputed only when one of those changes.
 */
#include "nodes/extra.h"

#include <math.h>
#include <string.h>

#define FN(f) ((void (*)(void))(f))
#define PI 3.14159265358979323846

/* tan(pi f / fs) for f clamped into [0, 0.499 fs]. */
static inline double prewarp(double freq, double srate, double israte)
{
    return tan(PI * sj__clampd(freq, 0.0, 0.499 * srate) * israte);
}

/* ---- one-pole ---------------------------------------------------------------------------------- */

void sj__onepole_reset(sj_dsp_state *dsp, void *state)
{
    (void)dsp;
    sj_onepole_state *st = state;
    memset(st, 0, sizeof *st);
    st->freq = NAN; /* never equal: the first call computes the coefficient */
}

static inline double onepole_lp(double in, double freq, sj_dsp_state *dsp, sj_onepole_state *st)
{
    if (!(freq == st->freq && dsp->srate == st->srate)) {
        double g = prewarp(freq, dsp->srate, dsp->israte);
        st->G = g / (1.0 + g);
        st->freq = freq;
        st->srate = dsp->srate;
    }
    double v = (in - st->s) * st->G;
    double lp = v + st->s;
    st->s = lp + v;
    return lp;
}

double sj__node_lp1(double in, double freq, sj_dsp_state *dsp, void *state)
{
    return onepole_lp(in, freq, dsp, state);
}

double sj__node_hp1(double in, double freq, sj_dsp_state *dsp, void *state)
{
    return in - onepole_lp(in, freq, dsp, state);
}

double sj__node_apf(double in, double freq, sj_dsp_state *dsp, void *state)
{
    return 2.0 * onepole_lp(in, freq, dsp, state) - in; /* LP - HP */
}

/* ---- state-variable filter --------------------------------------------------------------------- */

void sj__svf_reset(sj_dsp_state *dsp, void *state)
{
    (void)dsp;
    sj_svf_state *st = state;
    memset(st, 0, sizeof *st);
    st->freq = NAN;
}

double sj__node_svf(double in, double freq, double q, sj_dsp_state *dsp, void *state, double *rv)
{
    sj_svf_state *st = state;
    if (!(freq == st->freq && q == st->q && dsp->srate == st->srate)) {
        double g = prewarp(freq, dsp->srate, dsp->israte);
        st->k = 1.0 / sj__clampd(q, 0.05, 1000.0);
        st->a1 = 1.0 / (1.0 + g * (g + st->k));
        st->a2 = g * st->a1;
        st->a3 = g * st->a2;
        st->freq = freq;
        st->q = q;
        st->srate = dsp->srate;
    }
    double v3 = in - st->ic2;
    double v1 = st->a1 * st->ic1 + st->a2 * v3;
    double v2 = st->ic2 + st->a2 * st->ic1 + st->a3 * v3;
    st->ic1 = 2.0 * v1 - st->ic1;
    st->ic2 = 2.0 * v2 - st->ic2;
    double hp = in - st->k * v1 - v2;
    rv[0] = st->k * v1; /* bandpass normalized to 0 dB at the centre */
    rv[1] = hp;
    rv[2] = hp + v2; /* notch = LP + HP */
    return v2;
}

/* ---- biquad ------------------------------------------------------------------------------------ */

void sj__biquad_coefs(int type, double freq, double q, double gain_db, double srate, double out[5])
{
    double w0 = 2.0 * PI * sj__clampd(freq, 1e-3, 0.499 * srate) / srate;
    double c = cos(w0), s = sin(w0);
    double alpha = s / (2.0 * sj__clampd(q, 0.05, 1000.0));
    /* only the peaking and shelving types use the gain (pow and sqrt are the slow part) */
    double A = type >= SJ_BQ_PEAK ? pow(10.0, sj__clampd(gain_db, -120.0, 120.0) / 40.0) : 1.0;
    double sa = type >= SJ_BQ_LOWSHELF ? 2.0 * sqrt(A) * alpha : 0.0;
    double b0, b1, b2, a0, a1, a2;
    switch (type) {
    default:
    case SJ_BQ_LOWPASS:
        b0 = (1 - c) / 2, b1 = 1 - c, b2 = (1 - c) / 2, a0 = 1 + alpha, a1 = -2 * c, a2 = 1 - alpha;
        break;
    case SJ_BQ_HIGHPASS:
        b0 = (1 + c) / 2, b1 = -(1 + c), b2 = (1 + c) / 2, a0 = 1 + alpha, a1 = -2 * c, a2 = 1 - alpha;
        break;
    case SJ_BQ_BANDPASS:
        b0 = alpha, b1 = 0, b2 = -alpha, a0 = 1 + alpha, a1 = -2 * c, a2 = 1 - alpha;
        break;
    case SJ_BQ_NOTCH:
        b0 = 1, b1 = -2 * c, b2 = 1, a0 = 1 + alpha, a1 = -2 * c, a2 = 1 - alpha;
        break;
    case SJ_BQ_ALLPASS:
        b0 = 1 - alpha, b1 = -2 * c, b2 = 1 + alpha, a0 = 1 + alpha, a1 = -2 * c, a2 = 1 - alpha;
        break;
    case SJ_BQ_PEAK:
        b0 = 1 + alpha * A, b1 = -2 * c, b2 = 1 - alpha * A;
        a0 = 1 + alpha / A, a1 = -2 * c, a2 = 1 - alpha / A;
        break;
    case SJ_BQ_LOWSHELF:
        b0 = A * ((A + 1) - (A - 1) * c + sa);
        b1 = 2 * A * ((A - 1) - (A + 1) * c);
        b2 = A * ((A + 1) - (A - 1) * c - sa);
        a0 = (A + 1) + (A - 1) * c + sa;
        a1 = -2 * ((A - 1) + (A + 1) * c);
        a2 = (A + 1) + (A - 1) * c - sa;
        break;
    case SJ_BQ_HIGHSHELF:
        b0 = A * ((A + 1) + (A - 1) * c + sa);
        b1 = -2 * A * ((A - 1) + (A + 1) * c);
        b2 = A * ((A + 1) + (A - 1) * c - sa);
        a0 = (A + 1) - (A - 1) * c + sa;
        a1 = 2 * ((A - 1) - (A + 1) * c);
        a2 = (A + 1) - (A - 1) * c - sa;
        break;
    }
    out[0] = b0 / a0;
    out[1] = b1 / a0;
    out[2] = b2 / a0;
    out[3] = a1 / a0;
    out[4] = a2 / a0;
}

void sj__biquad_reset(sj_dsp_state *dsp, void *state)
{
    (void)dsp;
    sj_biquad_state *st = state;
    memset(st, 0, sizeof *st);
    st->freq = NAN;
}

double sj__node_biquad(double in, double type, double freq, double q, double gain_db, sj_dsp_state *dsp,
                       void *state)
{
    sj_biquad_state *st = state;
    if (!(type == st->type && freq == st->freq && q == st->q && gain_db == st->gain && dsp->srate == st->srate)) {
        double c[5];
        sj__biquad_coefs((int)(sj__clampd(type, 0, SJ_BQ_TYPE_COUNT - 1) + 0.5), freq, q, gain_db, dsp->srate, c);
        st->b0 = c[0], st->b1 = c[1], st->b2 = c[2], st->a1 = c[3], st->a2 = c[4];
        st->type = type, st->freq = freq, st->q = q, st->gain = gain_db, st->srate = dsp->srate;
    }
    /* transposed direct form II */
    double y = st->b0 * in + st->z1;
    st->z1 = st->b1 * in - st->a1 * y + st->z2;
    st->z2 = st->b2 * in - st->a2 * y;
    return y;
}

/* ---- DC blocker -------------------------------------------------------------------------------- */

void sj__dcblock_reset(sj_dsp_state *dsp, void *state)
{
    (void)dsp;
    memset(state, 0, sizeof(sj_dcblock_state));
}

double sj__node_dcblock(double in, sj_dsp_state *dsp, void *state)
{
    sj_dcblock_state *st = state;
    if (dsp->srate != st->srate) {
        st->R = exp(-2.0 * PI * SJ_DCBLOCK_HZ * dsp->israte);
        st->srate = dsp->srate;
    }
    double y = in - st->x1 + st->R * st->y1;
    st->x1 = in;
    st->y1 = y;
    return y;
}

/* ---- ladder ------------------------------------------------------------------------------------ */

/* The loop's saturator: the [3/2] Pade approximant of tanh, x (27 + x^2) / (27 + 9 x^2), which
 * reaches +-1 with zero slope at |x| = 3 and is held there. One division instead of `ftanh`'s
 * exponential and division: the ladder is a serial chain per sample, so this is most of its
 * latency. For small x it is x (1 - 8/27 x^2 + ...): linear, like tanh. */
static inline double ladder_sat(double x)
{
    if (x >= 3.0)
        return 1.0;
    if (x <= -3.0)
        return -1.0;
    double x2 = x * x;
    return x * (27.0 + x2) / (27.0 + 9.0 * x2);
}

void sj__ladder_reset(sj_dsp_state *dsp, void *state)
{
    (void)dsp;
    sj_ladder_state *st = state;
    memset(st, 0, sizeof *st);
    st->freq = NAN;
}

double sj__node_ladder(double in, double freq, double res, sj_dsp_state *dsp, void *state)
{
    sj_ladder_state *st = state;
    if (!(freq == st->freq && res == st->res && dsp->srate == st->srate)) {
        double g = prewarp(freq, dsp->srate, dsp->israte);
        double G = g / (1.0 + g), G4 = G * G * G * G;
        st->G = G;
        st->k = 4.0 * sj__clampd(res, 0.0, 1.1);
        st->G4 = G4;
        st->inv = 1.0 / (1.0 + st->k * G4);
        st->freq = freq, st->res = res, st->srate = dsp->srate;
    }
    double G = st->G, *s = st->s;
    /* Each stage is y = G x + (1 - G) s_i; solve the feedback loop u = in - k y4 exactly (the
     * instantaneous response of the cascade is G^4), then saturate u so resonance above 1
     * self-oscillates at a bounded level (for small signals sat(u) = u and the response is the
     * linear one). NaN in u falls through the comparisons and stays NaN, as in any filter. */
    double H = 1.0 - G;
    double S = ((H * s[0] * G + H * s[1]) * G + H * s[2]) * G + H * s[3];
    double y4 = (st->G4 * in + S) * st->inv;
    double u = ladder_sat(in - st->k * y4);
    for (int i = 0; i < 4; i++) {
        double v = (u - s[i]) * G;
        double y = v + s[i];
        s[i] = y + v;
        u = y;
    }
    return u;
}

/* ---- descriptors ------------------------------------------------------------------------------- */

static const char *const in_f[] = {"in", "freq", NULL};
static const char *const in_svf[] = {"in", "freq", "q", NULL};
static const char *const out_svf[] = {"lp", "bp", "hp", "notch", NULL};
static const char *const in_bq[] = {"in", "type", "freq", "q", "gain", NULL};
static const char *const in_in[] = {"in", NULL};
static const char *const in_ladder[] = {"in", "freq", "res", NULL};
static const char *const out_y[] = {"out", NULL};

static const sj_node_type types[] = {
    {"lp1",
     "One-pole lowpass (6 dB/octave), zero-delay-feedback (TPT) form.\n\n"
     "- `in`: signal. `freq`: cutoff in Hz, clamped to [0, 0.499 srate].\n"
     "- output: lowpassed signal; gain 1 at DC, exactly -3.01 dB (1/sqrt 2) at `freq`.\n\n"
     "Algorithm: H(s) = 1/(1+s) by the bilinear transform prewarped at `freq`: g = tan(pi freq / srate), "
     "v = (in - s) g/(1+g), out = v + s, s = out + v. Safe to modulate at audio rate.\n\n"
     "Example: `lp1(noise(1), 500)`.",
     in_f, out_y, "vvDSr", sizeof(sj_onepole_state), sj__onepole_reset, FN(sj__node_lp1)},
    {"hp1",
     "One-pole highpass (6 dB/octave), the complement of `lp1`.\n\n"
     "- `in`: signal. `freq`: cutoff in Hz, clamped to [0, 0.499 srate].\n- output: gain 0 at DC, "
     "exactly 1/sqrt 2 (-3.01 dB) at `freq`, 1 at srate/2.\n\n"
     "Algorithm: `in - lp1(in, freq)`, i.e. H(s) = s/(1+s) through the same TPT one-pole (bilinear"
     " transform prewarped at `freq`).\n\n"
     "Example: `hp1(in1, 80)` removes rumble.",
     in_f, out_y, "vvDSr", sizeof(sj_onepole_state), sj__onepole_reset, FN(sj__node_hp1)},
    {"apf",
     "First-order allpass: passes every frequency at gain 1 and shifts its phase, 0 at DC, -90 "
     "degrees at `freq`, -180 at srate/2 (the building block of phasers).\n\n"
     "- `in`: signal. `freq`: the -90 degree frequency in Hz, clamped to [0, 0.499 srate].\n- "
     "output: the phase-shifted signal, |H| = 1, arg H = -2 atan(tan(pi f/srate) / tan(pi "
     "freq/srate)).\n\n"
     "Algorithm: H(s) = (1-s)/(1+s), computed as LP - HP of the TPT one-pole (2 lp - in).\n\n"
     "Example (a phaser stage): `in1 + apf(apf(in1, 400 + 300 * lfo(0.2, 0, 0)), 900)`.",
     in_f, out_y, "vvDSr", sizeof(sj_onepole_state), sj__onepole_reset, FN(sj__node_apf)},
    {"svf",
     "State-variable filter (12 dB/octave), Simper's TPT form: four outputs at once.\n\n"
     "- `in`: signal. `freq`: cutoff/centre in Hz, clamped to [0, 0.499 srate]. `q`: resonance, "
     "clamped to [0.05, 1000]; 0.7071 is Butterworth.\n"
     "- outputs: `lp` (the value), `%1` bandpass normalized to gain 1 at `freq`, `%2` highpass, `%3` "
     "notch. At `freq` the lowpass and highpass gains are exactly `q`, the notch gain is 0.\n\n"
     "Algorithm: g = tan(pi freq/srate), k = 1/q, a1 = 1/(1 + g(g+k)), a2 = g a1, a3 = g a2; "
     "v3 = in - ic2, v1 = a1 ic1 + a2 v3, v2 = ic2 + a2 ic1 + a3 v3, ic1 = 2 v1 - ic1, ic2 = 2 v2 - ic2; "
     "lp = v2, bp = k v1, hp = in - k v1 - v2. Stable under audio-rate modulation.\n\n"
     "Example: `svf(saw(110), 1200, 5)` (lowpass) or `{ svf(saw(110), 1200, 5); %1 }` (bandpass).",
     in_svf, out_svf, "vvvDSMr", sizeof(sj_svf_state), sj__svf_reset, FN(sj__node_svf)},
    {"biquad",
     "Second-order filter with the RBJ Audio EQ Cookbook coefficients (transposed direct form II)."
     "\n\n"
     "- `in`: signal.\n- `type`: 0 lowpass, 1 highpass, 2 bandpass (0 dB peak), 3 notch, 4 "
     "allpass, 5 peaking EQ, 6 low shelf, 7 high shelf (rounded, clamped).\n- `freq`: Hz, clamped "
     "to [0.001, 0.499 srate]. `q`: clamped to [0.05, 1000] (shelves: 0.7071 is the steepest slope"
     " without overshoot). `gain`: dB for types 5-7 (ignored otherwise).\n\n"
     "Reference values: lowpass/highpass gain `q` at `freq`; bandpass 1 at `freq`; notch 0 at "
     "`freq`; peaking `gain` dB at `freq`; low shelf `gain` dB at DC, high shelf `gain` dB at "
     "srate/2. Avoid fast audio-rate modulation (direct form); use `svf` for sweeps.\n\n"
     "Algorithm: the cookbook's formulas (w0 = 2 pi freq/srate, alpha = sin(w0)/(2 q), A = "
     "10^(gain/40)) normalized by a0, recomputed only when an input or the rate changes; then y = "
     "b0 x + z1, z1 = b1 x - a1 y + z2, z2 = b2 x - a2 y.\n\n"
     "Example: `biquad(in1, 5, 3000, 1.0, 6)` (+6 dB presence boost).",
     in_bq, out_y, "vvvvvDSr", sizeof(sj_biquad_state), sj__biquad_reset, FN(sj__node_biquad)},
    {"dcblock",
     "DC blocker: a gentle highpass that removes any constant offset, -3 dB near 10 Hz.\n\n"
     "- `in`: signal. output: `in` without its DC (gain 0 at DC, 0.707 near 10 Hz, > 0.999 above "
     "200 Hz).\n\n"
     "Algorithm: y = x - x[n-1] + R y[n-1] with R = exp(-2 pi 10 Hz / srate) (a zero at DC, a pole "
     "just inside it), R recomputed when the rate changes.\n\n"
     "Example: `dcblock(fold(in1, 3) + 0.2)`.",
     in_in, out_y, "vDSr", sizeof(sj_dcblock_state), sj__dcblock_reset, FN(sj__node_dcblock)},
    {"ladder",
     "4-pole (24 dB/octave) ladder lowpass after the Moog transistor ladder: four TPT one-poles in a "
     "loop with negative feedback k = 4 res, solved without a unit delay.\n\n"
     "- `in`: signal. `freq`: cutoff Hz, clamped to [0, 0.499 srate]. `res`: resonance in [0, 1.1]; "
     "near 1 it self-oscillates (bounded by a saturator in the loop).\n"
     "- output: for small signals the linear response H = G^4/(1 + k G^4), G = 1/(1+s): gain "
     "1/(1+k) at DC and 1/(4-k) at `freq` (k = 0: 0.25, -12 dB). The passband drops as res rises, "
     "as in the analog filter.\n\n"
     "Algorithm: Zavalishin's zero-delay-feedback ladder; the input of the first stage (input minus "
     "feedback) is saturated by x (27 + x^2)/(27 + 9 x^2), clipped at |x| = 3 (a tanh-like curve "
     "with one division), which only matters for loud signals (|in| above ~0.3) or res near 1.\n\n"
     "Example: `ladder(saw(55), 300 + 2000 * ad(in1, 0.005, 0.3), 0.7)`.",
     in_ladder, out_y, "vvvDSr", sizeof(sj_ladder_state), sj__ladder_reset, FN(sj__node_ladder)},
};

const sj_node_family sj__family_filter = {"filters", types, sizeof types / sizeof types[0]};

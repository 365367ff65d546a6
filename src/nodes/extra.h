/*
 * The sigjit node set for making music (issue 9): oscillators, filters, envelopes and control,
 * delays, shaping, fast math and utilities. Each family lives in its own file (osc.c, filter.c,
 * envelope.c, delay.c, shape.c, fastmath.c, util.c) as plain C functions over a state struct, plus
 * a descriptor table; extra.c registers the tables in this order.
 *
 * The node functions are declared here, with their state structs, so tests and benchmarks can call
 * them directly (the compiled code calls them through the descriptors with the same arguments).
 *
 * Conventions of the whole set:
 *   - frequencies in Hz, times in seconds (smooth: milliseconds), levels linear unless named _db;
 *   - nodes that depend on the sample rate take the 'D' letter and read dsp->srate / dsp->israte
 *     on every call, so a rate change is picked up even without a reset;
 *   - coefficients are recomputed only when an input they depend on (or the rate) changes;
 *   - trigger and gate inputs use the reference's Trigger thresholds: on when the input rises above
 *     0.5, off again when it falls to 0.25 or below;
 *   - reset functions never allocate; node functions never allocate, lock or call the system.
 */
#ifndef SJ_NODES_EXTRA_H
#define SJ_NODES_EXTRA_H

#include "sigjit.h"

#include <stdbool.h>
#include <stdint.h>

/* A family's descriptors. */
typedef struct sj_node_family {
    const char *name;
    const sj_node_type *types;
    size_t count;
} sj_node_family;

extern const sj_node_family sj__family_osc, sj__family_filter, sj__family_env, sj__family_delay,
    sj__family_shape, sj__family_fastmath, sj__family_util;
/* All families in registration order (NULL-terminated). */
extern const sj_node_family *const sj__extra_families[];

/* ---- shared helpers ------------------------------------------------------------------------- */

/* A gate/trigger with the reference's hysteresis (0.5 on, 0.25 off). */
typedef struct sj_gate {
    bool on;
} sj_gate;
/* Updates the gate with x; returns +1 on the rising edge, -1 on the falling edge, 0 otherwise. */
static inline int sj__gate_update(sj_gate *g, double x)
{
    if (g->on) {
        if (x <= 0.25) {
            g->on = false;
            return -1;
        }
        return 0;
    }
    if (x > 0.5) {
        g->on = true;
        return 1;
    }
    return 0;
}

/* splitmix64 (Steele, Lea, Flood 2014): the generator of noise, pink, lfo and randsh. */
static inline uint64_t sj__splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* A uniform double in [0, 1) from the top 53 bits. */
static inline double sj__rand01(uint64_t *s)
{
    return (double)(sj__splitmix64(s) >> 11) * 0x1.0p-53;
}
/* The generator state for a seed value (any double, including 0 and NaN, gives a valid state). */
uint64_t sj__seed_state(double seed);

/* Clamps x into [lo, hi]; NaN gives lo. */
static inline double sj__clampd(double x, double lo, double hi)
{
    if (!(x > lo))
        return lo;
    return x > hi ? hi : x;
}

/* ---- fast math (fastmath.c) ------------------------------------------------------------------ */
/* Maximum absolute errors measured over dense grids by tests/test_nodes_fastmath.c (bounds are
 * rounded up; the docs and `make bench-nodes` print the same numbers). */
#define SJ_FSIN_MAX_ERR 2e-11      /* absolute, |x| <= 1000 */
#define SJ_FTANH_MAX_ERR 1e-10     /* absolute, all x */
#define SJ_FEXP2_MAX_RELERR 2e-10  /* relative, -1022 < x < 1024 */
#define SJ_FLOG2_MAX_ERR 5e-11      /* absolute, normal and subnormal x > 0 */
double sj__fsin(double x);
double sj__fcos(double x);
double sj__ftanh(double x);
double sj__fexp2(double x);
double sj__flog2(double x);

/* ---- oscillators (osc.c) --------------------------------------------------------------------- */
typedef struct sj_osc_state {
    double phase; /* [0, 1) */
} sj_osc_state;
double sj__node_saw(double freq, sj_dsp_state *dsp, void *state);
double sj__node_pulse(double freq, double width, sj_dsp_state *dsp, void *state);
double sj__node_tri(double freq, sj_dsp_state *dsp, void *state);
double sj__node_sinosc(double freq, double pm, sj_dsp_state *dsp, void *state);
double sj__node_wavetab(double freq, double table, sj_dsp_state *dsp, void *state);
void sj__osc_reset(sj_dsp_state *dsp, void *state);

/* PolyBLEP residual (4-point, cubic B-spline) of a unit step at phase 0, seen at phase t in [0, 1)
 * with phase increment dt in (0, 1/2]. */
double sj__polyblep(double t, double dt);

typedef struct sj_noise_state {
    uint64_t rng;
    double seed;
    bool seeded;
} sj_noise_state;
/* The next uniform number in [-1, 1), reseeding when the seed input changes (or first call).
 * NaN and -0 count as 0, so the stored seed always compares equal to itself. */
static inline double sj__noise_next(sj_noise_state *st, double seed)
{
    if (!(seed == seed) || seed == 0)
        seed = 0;
    if (!st->seeded || seed != st->seed) {
        st->rng = sj__seed_state(seed);
        st->seed = seed;
        st->seeded = true;
    }
    return 2.0 * sj__rand01(&st->rng) - 1.0;
}
double sj__node_noise(double seed, void *state);
void sj__noise_reset(sj_dsp_state *dsp, void *state);

typedef struct sj_pink_state {
    sj_noise_state white;
    double b[7];
} sj_pink_state;
double sj__node_pink(double seed, void *state);
void sj__pink_reset(sj_dsp_state *dsp, void *state);

typedef struct sj_lfo_state {
    double phase;
    double held; /* the random shape's value */
    uint64_t rng;
    sj_gate reset;
    bool fresh; /* a new cycle starts on this call */
} sj_lfo_state;
double sj__node_lfo(double freq, double shape, double reset, sj_dsp_state *dsp, void *state);
void sj__lfo_reset(sj_dsp_state *dsp, void *state);

/* ---- filters (filter.c) ---------------------------------------------------------------------- */
typedef struct sj_onepole_state {
    double s;            /* integrator state */
    double freq, srate;  /* inputs the coefficient was computed from */
    double G;            /* g / (1 + g), g = tan(pi f / fs) */
} sj_onepole_state;
double sj__node_lp1(double in, double freq, sj_dsp_state *dsp, void *state);
double sj__node_hp1(double in, double freq, sj_dsp_state *dsp, void *state);
double sj__node_apf(double in, double freq, sj_dsp_state *dsp, void *state);
void sj__onepole_reset(sj_dsp_state *dsp, void *state);

typedef struct sj_svf_state {
    double ic1, ic2;
    double freq, q, srate;
    double k, a1, a2, a3;
} sj_svf_state;
double sj__node_svf(double in, double freq, double q, sj_dsp_state *dsp, void *state, double *rv);
void sj__svf_reset(sj_dsp_state *dsp, void *state);

enum {
    SJ_BQ_LOWPASS,
    SJ_BQ_HIGHPASS,
    SJ_BQ_BANDPASS,
    SJ_BQ_NOTCH,
    SJ_BQ_ALLPASS,
    SJ_BQ_PEAK,
    SJ_BQ_LOWSHELF,
    SJ_BQ_HIGHSHELF,
    SJ_BQ_TYPE_COUNT
};
typedef struct sj_biquad_state {
    double z1, z2;
    double type, freq, q, gain, srate;
    double b0, b1, b2, a1, a2; /* normalized by a0 */
} sj_biquad_state;
double sj__node_biquad(double in, double type, double freq, double q, double gain_db, sj_dsp_state *dsp,
                       void *state);
void sj__biquad_reset(sj_dsp_state *dsp, void *state);
/* The RBJ cookbook coefficients (normalized: a0 = 1) for type, freq (Hz), q, gain (dB) at srate. */
void sj__biquad_coefs(int type, double freq, double q, double gain_db, double srate, double out[5]);

typedef struct sj_dcblock_state {
    double x1, y1;
    double srate, R;
} sj_dcblock_state;
double sj__node_dcblock(double in, sj_dsp_state *dsp, void *state);
void sj__dcblock_reset(sj_dsp_state *dsp, void *state);
#define SJ_DCBLOCK_HZ 10.0

typedef struct sj_ladder_state {
    double s[4];
    double freq, res, srate;
    double G, k, G4, inv; /* inv = 1 / (1 + k G^4) */
} sj_ladder_state;
double sj__node_ladder(double in, double freq, double res, sj_dsp_state *dsp, void *state);
void sj__ladder_reset(sj_dsp_state *dsp, void *state);

/* ---- envelopes and control (envelope.c) ----------------------------------------------------- */
enum { SJ_ENV_IDLE, SJ_ENV_ATTACK, SJ_ENV_DECAY, SJ_ENV_SUSTAIN, SJ_ENV_RELEASE };
typedef struct sj_env_state {
    double level;
    double release_step; /* per-sample fall during release */
    int stage;
    sj_gate gate;
} sj_env_state;
double sj__node_ad(double trig, double attack, double decay, sj_dsp_state *dsp, void *state);
double sj__node_adsr(double gate, double attack, double decay, double sustain, double release,
                     sj_dsp_state *dsp, void *state);
void sj__env_reset(sj_dsp_state *dsp, void *state);

typedef struct sj_slew_state {
    double y;
    double rise, fall, srate; /* lag: inputs of the cached coefficients */
    double ar, af;            /* lag: 1 - exp(-1 / (time srate)) */
} sj_slew_state;
double sj__node_slew(double in, double rise, double fall, sj_dsp_state *dsp, void *state);
double sj__node_lag(double in, double rise, double fall, sj_dsp_state *dsp, void *state);
void sj__slew_reset(sj_dsp_state *dsp, void *state);

typedef struct sj_smooth_state {
    double y, target, step;
    double left; /* samples left in the current ramp */
    bool started;
} sj_smooth_state;
double sj__node_smooth(double in, double ms, sj_dsp_state *dsp, void *state);
void sj__smooth_reset(sj_dsp_state *dsp, void *state);

typedef struct sj_edge_state {
    sj_gate gate;
} sj_edge_state;
double sj__node_edge(double in, void *state, double *rv);

typedef struct sj_count_state {
    double count;
    bool active; /* clkdiv: this clock pulse passes */
    sj_gate clock, reset;
} sj_count_state;
double sj__node_clkdiv(double clock, double n, double reset, void *state);
double sj__node_counter(double trig, double max, double reset, void *state);

double sj__node_euclid(double clock, double hits, double steps, double reset, void *state);

typedef struct sj_randsh_state {
    sj_noise_state rng;
    double value;
    sj_gate gate;
} sj_randsh_state;
double sj__node_randsh(double trig, double seed, void *state);
void sj__randsh_reset(sj_dsp_state *dsp, void *state);

/* ---- delays (delay.c) ------------------------------------------------------------------------ */
/* Delay memory lives in the node state (allocated on the compile side, kept by uid across
 * recompiles), so its length is fixed: */
#define SJ_DELAY_LEN 131072u      /* delay: 2^17 samples; the longest delay is SJ_DELAY_LEN - 4 */
#define SJ_COMB_LEN 65536u        /* comb and allpass: 2^16 samples */
enum { SJ_DELAY_LINEAR, SJ_DELAY_CUBIC, SJ_DELAY_ALLPASS };
typedef struct sj_delay_state {
    uint32_t w;  /* next write position */
    double ap_y; /* allpass interpolator output memory */
    double buf[SJ_DELAY_LEN];
} sj_delay_state;
double sj__node_delay(double in, double time, double mode, sj_dsp_state *dsp, void *state);
void sj__delay_reset(sj_dsp_state *dsp, void *state);

typedef struct sj_comb_state {
    uint32_t w;
    double lp; /* damping lowpass state */
    double buf[SJ_COMB_LEN];
} sj_comb_state;
double sj__node_comb(double in, double time, double fb, double damp, sj_dsp_state *dsp, void *state);
double sj__node_allpass(double in, double time, double g, sj_dsp_state *dsp, void *state);
void sj__comb_reset(sj_dsp_state *dsp, void *state);

/* Freeverb (Jezar at Dreampoint, public domain): 8 parallel damped combs and 4 series allpasses
 * per channel, lengths at 44.1 kHz scaled with the rate (rates up to SJ_REVERB_MAX_RATE). */
#define SJ_REVERB_COMBS 8
#define SJ_REVERB_APS 4
#define SJ_REVERB_COMB_LEN 8192u /* (1617 + 23) * 192000 / 44100 = 7140 fits */
#define SJ_REVERB_AP_LEN 4096u   /* (556 + 23) * 192000 / 44100 = 2521 fits */
#define SJ_REVERB_MAX_RATE 192000.0
typedef struct sj_reverb_state {
    double srate;                                      /* rate the lengths were computed for */
    uint32_t comb_len[2][SJ_REVERB_COMBS], ap_len[2][SJ_REVERB_APS];
    uint32_t comb_pos[2][SJ_REVERB_COMBS], ap_pos[2][SJ_REVERB_APS];
    double comb_lp[2][SJ_REVERB_COMBS];
    double comb[2][SJ_REVERB_COMBS][SJ_REVERB_COMB_LEN];
    double ap[2][SJ_REVERB_APS][SJ_REVERB_AP_LEN];
} sj_reverb_state;
double sj__node_reverb(double in, double size, double damp, sj_dsp_state *dsp, void *state, double *rv);
void sj__reverb_reset(sj_dsp_state *dsp, void *state);

/* ---- shaping (shape.c) ----------------------------------------------------------------------- */
double sj__node_softclip(double in);
double sj__node_hardclip(double in, double limit);
double sj__node_fold(double in, double gain);
double sj__node_crush(double in, double bits);
typedef struct sj_srr_state {
    double phase, held;
    bool started;
} sj_srr_state;
double sj__node_srr(double in, double rate, sj_dsp_state *dsp, void *state);

/* ---- utilities (util.c) ---------------------------------------------------------------------- */
double sj__node_mix(double a, double ga, double b, double gb);
double sj__node_xfade(double a, double b, double x);
double sj__node_pan(double in, double pos, double *rv);
double sj__node_quant(double note, double scale, double root);
#define SJ_QUANT_SCALES 9
double sj__node_mtof(double note);
double sj__node_ftom(double freq);
double sj__node_dbtoa(double db);
double sj__node_atodb(double gain);

#endif

/*
 * Envelopes and control signals: AD and ADSR envelopes, linear slew and exponential lag with
 * separate rise and fall, a linear parameter smoother, an edge detector, a clock divider, a
 * counter and a random sample-and-hold.
 *
 * Gate and trigger inputs all use the reference's Trigger thresholds (on above 0.5, off at 0.25
 * or below), so a gate from `lfo`, `pulse`, a comparison (1.0/0.0) or an atom behaves the same.
 *
 * Timing convention of the envelopes: a segment of T seconds takes n = T srate steps (not
 * rounded: the last step is shortened) and the first step is taken on the sample where the gate
 * rises, so with a whole n the attack peak is output on sample n - 1 counted from that sample
 * (tests check this to the sample).
 */
#include "nodes/extra.h"

#include <math.h>
#include <string.h>

#define FN(f) ((void (*)(void))(f))

/* Per-sample step for a segment of `height` over `time` seconds; <= 0 s means "at once". */
static inline double seg_step(double height, double time, double srate)
{
    double n = time * srate;
    return n > 1.0 ? height / n : height;
}

/* Tolerance for the end of a segment: the sum of n steps of 1/n may land a few ulps short. */
#define SEG_EPS 1e-12

/* One attack step: rises toward 1 and hands over to the decay there. */
static inline void attack_step(sj_env_state *st, double attack, double srate)
{
    st->level += seg_step(1.0, attack, srate);
    if (st->level >= 1.0 - SEG_EPS) {
        st->level = 1.0;
        st->stage = SJ_ENV_DECAY;
    }
}

/* One falling step toward target; at the target, stage `next` takes over. */
static inline void fall_step(sj_env_state *st, double step, double target, int next)
{
    st->level -= step;
    if (st->level <= target + SEG_EPS) {
        st->level = target;
        st->stage = next;
    }
}

void sj__env_reset(sj_dsp_state *dsp, void *state)
{
    (void)dsp;
    memset(state, 0, sizeof(sj_env_state));
}

double sj__node_ad(double trig, double attack, double decay, sj_dsp_state *dsp, void *state)
{
    sj_env_state *st = state;
    if (sj__gate_update(&st->gate, trig) > 0)
        st->stage = SJ_ENV_ATTACK; /* from the current level: retriggering does not click */
    switch (st->stage) {
    case SJ_ENV_ATTACK:
        attack_step(st, attack, dsp->srate);
        break;
    case SJ_ENV_DECAY:
        fall_step(st, seg_step(1.0, decay, dsp->srate), 0.0, SJ_ENV_IDLE);
        break;
    default:
        break;
    }
    return st->level;
}

double sj__node_adsr(double gate, double attack, double decay, double sustain, double release,
                     sj_dsp_state *dsp, void *state)
{
    sj_env_state *st = state;
    double s = sj__clampd(sustain, 0.0, 1.0);
    int edge = sj__gate_update(&st->gate, gate);
    if (edge > 0) {
        st->stage = SJ_ENV_ATTACK;
    } else if (edge < 0 && st->stage != SJ_ENV_IDLE) {
        st->stage = SJ_ENV_RELEASE;
        st->release_step = seg_step(st->level, release, dsp->srate);
    }
    switch (st->stage) {
    case SJ_ENV_ATTACK:
        attack_step(st, attack, dsp->srate);
        break;
    case SJ_ENV_DECAY:
        fall_step(st, seg_step(1.0 - s, decay, dsp->srate), s, SJ_ENV_SUSTAIN);
        break;
    case SJ_ENV_SUSTAIN:
        st->level = s; /* follows the sustain input live */
        break;
    case SJ_ENV_RELEASE:
        fall_step(st, st->release_step, 0.0, SJ_ENV_IDLE);
        break;
    default:
        break;
    }
    return st->level;
}

void sj__slew_reset(sj_dsp_state *dsp, void *state)
{
    (void)dsp;
    sj_slew_state *st = state;
    memset(st, 0, sizeof *st);
    st->rise = NAN;
}

double sj__node_slew(double in, double rise, double fall, sj_dsp_state *dsp, void *state)
{
    sj_slew_state *st = state;
    double d = in - st->y;
    if (d > 0) {
        double up = rise * dsp->srate;
        if (up > 1.0 && d > 1.0 / up)
            d = 1.0 / up;
    } else if (d < 0) {
        double dn = fall * dsp->srate;
        if (dn > 1.0 && d < -1.0 / dn)
            d = -1.0 / dn;
    } else if (d != d) {
        d = 0; /* NaN input: hold */
    }
    st->y += d;
    return st->y;
}

double sj__node_lag(double in, double rise, double fall, sj_dsp_state *dsp, void *state)
{
    sj_slew_state *st = state;
    if (!(rise == st->rise && fall == st->fall && dsp->srate == st->srate)) {
        double nr = rise * dsp->srate, nf = fall * dsp->srate;
        st->ar = nr > 1e-3 ? 1.0 - exp(-1.0 / nr) : 1.0;
        st->af = nf > 1e-3 ? 1.0 - exp(-1.0 / nf) : 1.0;
        st->rise = rise, st->fall = fall, st->srate = dsp->srate;
    }
    double d = in - st->y;
    if (d == d)
        st->y += (d > 0 ? st->ar : st->af) * d;
    return st->y;
}

void sj__smooth_reset(sj_dsp_state *dsp, void *state)
{
    (void)dsp;
    memset(state, 0, sizeof(sj_smooth_state));
}

double sj__node_smooth(double in, double ms, sj_dsp_state *dsp, void *state)
{
    sj_smooth_state *st = state;
    if (!(in == in))
        in = st->target; /* NaN: keep going to the old target */
    if (!st->started) {
        st->y = st->target = in;
        st->started = true;
    } else if (in != st->target) {
        st->target = in;
        double n = floor(ms * 0.001 * dsp->srate + 0.5);
        if (n >= 1.0 && n < 1e12) {
            st->left = n;
            st->step = (in - st->y) / n;
        } else {
            st->left = 0;
            st->y = in;
        }
    }
    if (st->left > 0) {
        st->left -= 1.0;
        st->y = st->left > 0 ? st->y + st->step : st->target;
    }
    return st->y;
}

double sj__node_edge(double in, void *state, double *rv)
{
    sj_edge_state *st = state;
    int e = sj__gate_update(&st->gate, in);
    rv[0] = e < 0 ? 1.0 : 0.0;
    return e > 0 ? 1.0 : 0.0;
}

double sj__node_clkdiv(double clock, double n, double reset, void *state)
{
    sj_count_state *st = state;
    if (sj__gate_update(&st->reset, reset) > 0)
        st->count = 0;
    int e = sj__gate_update(&st->clock, clock);
    if (e > 0) {
        double div = floor(sj__clampd(n, 1.0, 1e9) + 0.5);
        st->active = st->count == 0;
        st->count += 1.0;
        if (st->count >= div)
            st->count = 0;
    } else if (e < 0) {
        st->active = false;
    }
    return st->active && st->clock.on ? 1.0 : 0.0;
}

double sj__node_counter(double trig, double max, double reset, void *state)
{
    sj_count_state *st = state;
    if (sj__gate_update(&st->reset, reset) > 0)
        st->count = 0;
    if (sj__gate_update(&st->clock, trig) > 0) {
        st->count += 1.0;
        double m = floor(max + 0.5);
        if (m >= 1.0 && st->count >= m)
            st->count = 0;
    }
    return st->count;
}

/* Step i of a rhythm with k hits in n steps is a hit when (i k) mod n < k: the hits are spread as
 * evenly as integers allow. That is a rotation of the Euclidean rhythm of Bjorklund's algorithm
 * (Toussaint 2005) that starts with a hit: E(3, 8) = x..x..x. exactly, E(5, 8) = x.x.xx.x (the
 * cinquillo x.xx.xx. started two steps later). */
double sj__node_euclid(double clock, double hits, double steps, double reset, void *state)
{
    sj_count_state *st = state;
    if (sj__gate_update(&st->reset, reset) > 0)
        st->count = 0;
    int e = sj__gate_update(&st->clock, clock);
    if (e > 0) {
        double n = floor(sj__clampd(steps, 1.0, 1e6) + 0.5);
        double k = floor(sj__clampd(hits, 0.0, n) + 0.5);
        if (st->count >= n)
            st->count = 0; /* steps shrank */
        st->active = fmod(st->count * k, n) < k;
        st->count += 1.0;
        if (st->count >= n)
            st->count = 0;
    } else if (e < 0) {
        st->active = false;
    }
    return st->active && st->clock.on ? 1.0 : 0.0;
}

void sj__randsh_reset(sj_dsp_state *dsp, void *state)
{
    (void)dsp;
    memset(state, 0, sizeof(sj_randsh_state));
}

double sj__node_randsh(double trig, double seed, void *state)
{
    sj_randsh_state *st = state;
    if (sj__gate_update(&st->gate, trig) > 0)
        st->value = 0.5 * (sj__noise_next(&st->rng, seed) + 1.0);
    return st->value;
}

static const char *const in_ad[] = {"trig", "attack", "decay", NULL};
static const char *const in_adsr[] = {"gate", "attack", "decay", "sustain", "release", NULL};
static const char *const in_slew[] = {"in", "rise", "fall", NULL};
static const char *const in_smooth[] = {"in", "ms", NULL};
static const char *const in_in[] = {"in", NULL};
static const char *const out_edge[] = {"rise", "fall", NULL};
static const char *const in_clkdiv[] = {"clock", "n", "reset", NULL};
static const char *const in_counter[] = {"trig", "max", "reset", NULL};
static const char *const in_randsh[] = {"trig", "seed", NULL};
static const char *const in_euclid[] = {"clock", "hits", "steps", "reset", NULL};
static const char *const out_env[] = {"env", NULL};
static const char *const out_y[] = {"out", NULL};

static const sj_node_type types[] = {
    {"ad",
     "Attack-decay envelope, started by a trigger; linear segments between 0 and 1.\n\n"
     "- `trig`: a rising edge (above 0.5, re-armed at 0.25) starts the attack from the current "
     "level (retriggering does not click).\n- `attack`, `decay`: seconds for a full 0->1 rise and "
     "1->0 fall (<= one sample: a jump).\n- output: the level. The first step is taken on the "
     "trigger sample, so with n = attack srate the peak 1.0 is output n-1 samples after it; the "
     "decay reaches 0 decay srate samples later.\n\n"
     "For an exponential-sounding decay, square or cube the output.\n\n"
     "Algorithm: the level rises by 1/(attack srate) per sample until it reaches 1, then falls by "
     "1/(decay srate) per sample until 0.\n\n"
     "Example (a pluck): `saw(110) * ad(pulse(2, 0.5), 0.002, 0.4)`.",
     in_ad, out_env, "vvvDSr", sizeof(sj_env_state), sj__env_reset, FN(sj__node_ad)},
    {"adsr",
     "Attack-decay-sustain-release envelope with a gate; linear segments.\n\n"
     "- `gate`: on when it rises above 0.5, off when it falls to 0.25 or below.\n- `attack`: "
     "seconds from 0 to 1 (from the current level on retrigger). `decay`: seconds from 1 to the "
     "sustain level. `sustain`: level in [0, 1] while the gate is on (followed live). `release`: "
     "seconds from the level at gate-off to 0, whatever that level is.\n- output: the level in [0,"
     " 1]. Gate-off during attack or decay goes straight to release.\n\n"
     "Timing: segments take time srate samples; the first attack step is on the gate-on sample and"
     " the first release step on the gate-off sample.\n\n"
     "Algorithm: a level and a stage (attack, decay, sustain, release, idle); each stage moves the"
     " level by a constant step per sample (the segment's height divided by time srate) until its "
     "target, then hands over to the next.\n\n"
     "Example: `saw(220) * adsr(in1, 0.01, 0.2, 0.6, 0.5)`.",
     in_adsr, out_env, "vvvvvDSr", sizeof(sj_env_state), sj__env_reset, FN(sj__node_adsr)},
    {"slew",
     "Linear slew limiter (slew/portamento): follows `in`, but changes by at most a fixed amount "
     "per sample, separately upwards and downwards.\n\n"
     "- `in`: target signal. `rise`: seconds per unit of upward change. `fall`: seconds per unit "
     "of downward change (0 or less: instant).\n- output: starts at 0 after a reset; moves toward "
     "`in` by at most 1/(rise srate) up or 1/(fall srate) down per sample, and lands on it "
     "exactly.\n\n"
     "Algorithm: d = in - y, clamped to [-1/(fall srate), 1/(rise srate)], y += d.\n\n"
     "Example (portamento): `saw(mtof(slew(in1, 0.01, 0.01) * 127))`.",
     in_slew, out_y, "vvvDSr", sizeof(sj_slew_state), sj__slew_reset, FN(sj__node_slew)},
    {"lag",
     "Exponential lag (a one-pole smoother) with separate rise and fall times: the classic "
     "envelope follower and glide.\n\n"
     "- `in`: target signal. `rise`: time constant in seconds while `in` is above the output. "
     "`fall`: time constant while it is below (0: instant).\n- output: starts at 0 after a reset; "
     "after t seconds a step is 63.2% done (1 - 1/e), after 4.6 t 99%.\n\n"
     "Algorithm: y += a (in - y), a = 1 - exp(-1/(t srate)) with t = `rise` or `fall`; the two "
     "coefficients are recomputed only when the times or the rate change.\n\n"
     "Example (envelope follower): `lag(abs(in1), 0.005, 0.2)`.",
     in_slew, out_y, "vvvDSr", sizeof(sj_slew_state), sj__slew_reset, FN(sj__node_lag)},
    {"smooth",
     "Parameter smoother: turns steps of a control into linear ramps of a fixed duration, against "
     "zipper noise.\n\n"
     "- `in`: the control (typically an atom or an input). `ms`: ramp time in milliseconds.\n- "
     "output: starts at its first input (no fade-in); when `in` changes, ramps linearly from the "
     "current output to the new value in round(ms srate / 1000) samples (the first step on the "
     "sample of the change) and then holds it exactly. A change during a ramp starts a new ramp "
     "from where it is.\n\n"
     "Algorithm: on a change, step = (in - y) / n and a countdown of n samples; the last step "
     "lands on the target exactly.\n\n"
     "Example: `saw(220) * smooth(atomr(0), 20)`.",
     in_smooth, out_y, "vvDSr", sizeof(sj_smooth_state), sj__smooth_reset, FN(sj__node_smooth)},
    {"edge",
     "Edge detector: one-sample triggers on the rising and on the falling edges of a gate.\n\n"
     "- `in`: a gate.\n- outputs: the value is 1.0 on the sample where `in` rises above 0.5 "
     "(re-armed when it falls to 0.25 or below), else 0; `%1` is 1.0 on the sample where it falls "
     "to 0.25 or below, else 0.\n\n"
     "Algorithm: the reference's Trigger hysteresis (thresholds 0.5 and 0.25).\n\n"
     "Example: `ad(edge(lfo(2, 4, 0)), 0.001, 0.1)`.",
     in_in, out_edge, "vSMr", sizeof(sj_edge_state), NULL, FN(sj__node_edge)},
    {"clkdiv",
     "Clock divider: passes every `n`-th pulse of a clock (the 1st, the n+1-th, ...), keeping its "
     "width.\n\n"
     "- `clock`: pulses (rising above 0.5, falling to 0.25 or below). `n`: divisor, rounded, at "
     "least 1. `reset`: a rising edge makes the next clock pulse pass.\n- output: 1.0 while a "
     "passed pulse is high, else 0.\n\n"
     "Algorithm: a pulse counter modulo n; the pulse passes when the count is 0.\n\n"
     "Example: `clkdiv(pulse(8, 0.5), 4, 0)` gives 2 pulses per second.",
     in_clkdiv, out_y, "vvvSr", sizeof(sj_count_state), NULL, FN(sj__node_clkdiv)},
    {"counter",
     "Counter of trigger edges, with wrap-around and reset: the step number of a sequencer.\n\n"
     "- `trig`: each rising edge (above 0.5, re-armed at 0.25) counts 1. `max`: wrap point, "
     "rounded (`max` < 1: no wrap). `reset`: a rising edge sets the count to 0, before a `trig` "
     "edge on the same sample is counted.\n- output: the count, 0, 1, ... max - 1, 0, ...; 0 after"
     " a reset.\n\n"
     "Algorithm: count = count + 1, set to 0 when it reaches max.\n\n"
     "Example (a 4-step sequence from table 0): `table[0][counter(pulse(4, 0.5), 4, 0)]`.",
     in_counter, out_y, "vvvSr", sizeof(sj_count_state), NULL, FN(sj__node_counter)},
    {"euclid",
     "Euclidean rhythm: passes the pulses of `clock` that fall on the hits of a pattern of `hits` "
     "spread as evenly as possible over `steps` steps (one step per clock pulse), keeping their "
     "width: 1.0 while a passed pulse is high, else 0.\n\n"
     "- `clock`: pulses (rising above 0.5, falling to 0.25 or below). `hits`: hits per cycle, "
     "rounded, in [0, steps]. `steps`: cycle length, rounded, at least 1. `reset`: a rising edge "
     "restarts the cycle at step 0 (a hit).\n\n"
     "Algorithm: step i is a hit when (i hits) mod steps < hits, a rotation of Toussaint's Euclidean "
     "rhythm that starts with a hit: E(3, 8) is x..x..x. (the tresillo), E(5, 8) x.x.xx.x (the "
     "cinquillo x.xx.xx. from its third step), E(4, 16) four on the floor. `reset` at another step "
     "rotates the pattern.\n\n"
     "Example: `ad(euclid(pulse(8, 0.5), 5, 8, 0), 0.001, 0.08) * noise(2)`.",
     in_euclid, out_y, "vvvvSr", sizeof(sj_count_state), NULL, FN(sj__node_euclid)},
    {"randsh",
     "Random sample-and-hold: a new random value on every trigger, held in between (random "
     "melodies, stepped modulation).\n\n"
     "- `trig`: each rising edge (above 0.5, re-armed at 0.25) draws a new value. `seed`: as in "
     "`noise`; the same seed gives the same sequence after every reset.\n- output: uniform in [0, "
     "1), 0 before the first edge.\n\n"
     "Algorithm: splitmix64 seeded from `seed`, a new draw per edge.\n\n"
     "Example (random notes): `sinosc(mtof(48 + floor(randsh(pulse(6, 0.5), 3) * 24)), 0)`.",
     in_randsh, out_y, "vvSr", sizeof(sj_randsh_state), sj__randsh_reset, FN(sj__node_randsh)},
};

const sj_node_family sj__family_env = {"envelopes and control", types, sizeof types / sizeof types[0]};

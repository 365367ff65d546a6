/*
 * The reference's standard library (synfx-dsp-jit 0.6.2 stdlib.rs, reference §3.2), with the same
 * operation order and thresholds, so programs give the same numbers. Differences, from decisions.md:
 * atom indices wrap with the Euclidean rule of sj_wrap_index (#3), s&h~ has its own state (#4).
 */
#include "nodes/nodes.h"

#include <math.h>
#include <stdint.h>

bool sj__trigger_check(sj_trigger *t, float x, float low, float high)
{
    if (t->triggered) {
        if (x <= low)
            t->triggered = false;
        return false;
    }
    if (x > high) {
        t->triggered = true;
        return true;
    }
    return false;
}

static bool trigger(sj_trigger *t, double x)
{
    /* The reference converts to f32 before comparing (check_trigger(x as f32)). */
    return sj__trigger_check(t, (float)x, SJ_TRIG_LOW, SJ_TRIG_HIGH);
}

/* ---- sin ---- */
static double node_sin(double x)
{
    return sin(x);
}

/* ---- accum ---- */
typedef struct accum_state {
    double value;
} accum_state;

static double node_accum(double input, double reset, void *state)
{
    accum_state *s = state;
    if (reset > 0.5) /* strict, as the reference's code (its doc says >=) */
        s->value = 0.0;
    else
        s->value += input;
    return s->value;
}

static void accum_reset(sj_dsp_state *dsp, void *state)
{
    (void)dsp;
    ((accum_state *)state)->value = 0.0;
}

/* ---- phase ---- */
typedef struct phase_state {
    double israte;
    double value;
    sj_trigger trig;
} phase_state;

static double node_phase(double freq, double reset, void *state)
{
    phase_state *s = state;
    if (trigger(&s->trig, reset))
        s->value = 0.0;
    double out = s->value;
    s->value += freq * s->israte;
    s->value = s->value - trunc(s->value); /* Rust f64::fract keeps the sign */
    return out;
}

static void phase_reset(sj_dsp_state *dsp, void *state)
{
    phase_state *s = state;
    s->value = 0.0;
    s->trig.triggered = false;
    s->israte = dsp ? dsp->israte : 1.0 / 44100.0;
}

/* ---- /% ---- */
static double node_divrem(double a, double b, double *rv)
{
    rv[0] = fmod(a, b); /* Rust's % on f64: the sign of a */
    return a / b;
}

/* ---- atoms ---- */
static double node_atomr(double idx, sj_dsp_state *dsp)
{
    return (double)sj_atom_load(dsp, (size_t)sj_wrap_index(idx, dsp->atom_count));
}

static double node_atomr_lin(double idx, sj_dsp_state *dsp)
{
    uint64_t n = dsp->atom_count;
    uint64_t i1 = sj_wrap_index(idx, n);
    uint64_t i2 = (i1 + 1) % n;
    double f = idx - trunc(idx);
    double a = (double)sj_atom_load(dsp, (size_t)i1);
    double b = (double)sj_atom_load(dsp, (size_t)i2);
    return a * (1.0 - f) + f * b;
}

static double node_atomw(double idx, double value, sj_dsp_state *dsp)
{
    sj_atom_store(dsp, (size_t)sj_wrap_index(idx, dsp->atom_count), (float)value);
    return value;
}

/* ---- s&h, s&h~ ---- */
typedef struct sh_state {
    sj_trigger trig;
    double value;
} sh_state;

static double node_sh(double input, double set, void *state)
{
    sh_state *s = state;
    if (trigger(&s->trig, set))
        s->value = input;
    return s->value;
}

static void sh_reset(sj_dsp_state *dsp, void *state)
{
    (void)dsp;
    sh_state *s = state;
    s->trig.triggered = false;
    s->value = 0.0;
}

typedef struct shl_state {
    double value;
} shl_state;

static double node_shl(double input, double set, void *state)
{
    shl_state *s = state;
    if (set > 0.5)
        s->value = input;
    return s->value;
}

static void shl_reset(sj_dsp_state *dsp, void *state)
{
    (void)dsp;
    ((shl_state *)state)->value = 0.0;
}

static const char *const in_unnamed[] = {"", NULL};
static const char *const in_accum[] = {"input", "reset", NULL};
static const char *const out_accum[] = {"sum", NULL};
static const char *const in_phase[] = {"freq", "reset", NULL};
static const char *const out_phase[] = {"phase", NULL};
static const char *const in_divrem[] = {"a", "b", NULL};
static const char *const out_divrem[] = {"div", "rem", NULL};
static const char *const in_index[] = {"index", NULL};
static const char *const out_value[] = {"value", NULL};
static const char *const in_atomw[] = {"index", "value", NULL};
static const char *const in_sh[] = {"input", "set", NULL};

#define FN(f) ((void (*)(void))(f))

/* The order is the reference's get_standard_library(). */
static const sj_node_type reference_nodes[] = {
    {"sin", "The sine of the input (radians), `sin(x)` in f64.", in_unnamed, in_unnamed, "vr", 0, NULL, FN(node_sin)},
    {"accum",
     "Accumulates the input: every sample adds `input` to the sum and returns it. When `reset` is above 0.5 "
     "(strictly) the sum becomes 0 instead.\n\nState: the sum (0 after a reset).",
     in_accum, out_accum, "vvSr", sizeof(accum_state), accum_reset, FN(node_accum)},
    {"/%",
     "Division and remainder: returns `a / b`; the second output (read as `%1`) is `a % b` with the sign of "
     "`a` (C fmod). Division by zero gives inf or NaN.",
     in_divrem, out_divrem, "vvMr", 0, NULL, FN(node_divrem)},
    {"phase",
     "A phase accumulator (ramp from 0 to 1) at `freq` Hz. Returns the phase, then advances it by "
     "`freq / srate` and keeps the fractional part (sign kept, so negative frequencies run backwards in "
     "(-1, 0]). A rising edge of `reset` above 0.5 (re-armed at or below 0.25) restarts at 0.\n\nState: the "
     "phase, the sample period, the trigger.",
     in_phase, out_phase, "vvSr", sizeof(phase_state), phase_reset, FN(node_phase)},
    {"atomw",
     "Writes `value` (as f32) into atom `index` (floor, wrapped into the atom count) and returns `value`. "
     "Atoms are shared with the host (sj_context_atom_get).",
     in_atomw, out_value, "vvDr", 0, NULL, FN(node_atomw)},
    {"atomr", "Reads atom `index` (floor, wrapped into the atom count).", in_index, out_value, "vDr", 0, NULL,
     FN(node_atomr)},
    {"atomr~",
     "Reads atoms `index` and `index + 1` and interpolates linearly by the fractional part of `index` "
     "(`index - trunc(index)`).",
     in_index, out_value, "vDr", 0, NULL, FN(node_atomr_lin)},
    {"s&h",
     "Sample and hold: takes `input` on a rising edge of `set` above 0.5 (re-armed at or below 0.25) and "
     "returns the held value.\n\nState: the held value (0 after a reset), the trigger.",
     in_sh, out_value, "vvSr", sizeof(sh_state), sh_reset, FN(node_sh)},
    {"s&h~",
     "Level-triggered sample and hold: takes `input` on every sample where `set` is above 0.5 and returns "
     "the held value.\n\nState: the held value (0 after a reset).",
     in_sh, out_value, "vvSr", sizeof(shl_state), shl_reset, FN(node_shl)},
};

sj_status sj__nodes_add_reference(sj_library *lib)
{
    for (size_t i = 0; i < sizeof reference_nodes / sizeof reference_nodes[0]; i++) {
        sj_status st = sj_library_add(lib, &reference_nodes[i], NULL);
        if (st)
            return st;
    }
    return SJ_OK;
}

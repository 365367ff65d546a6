/*
 * What both audio drivers of the command do to controls and output (the JACK callback in
 * jack_host.c, the studio's browser renderer in studio_session.c): controls glide to their targets
 * with a one-pole, so moving a slider or a MIDI knob never clicks; output leaving for speakers is
 * limited to [-1, 1] with NaN as silence. [RT]: arithmetic only (exp only in glide_coef, called when
 * a ramp time changes).
 */
#ifndef SJ_CLI_GLIDE_H
#define SJ_CLI_GLIDE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* The one-pole coefficient per sample for a time constant of ms at srate (1: at once, for ramps
 * shorter than a sample). */
static inline double glide_coef(double ms, double srate)
{
    double tau = ms / 1000.0 * srate; /* samples */
    return tau > 1.0 ? 1.0 - exp(-1.0 / tau) : 1.0;
}

/* Fills x[0..n) with the glide of *value towards target (coefficient k) and leaves *value where it
 * got to; within 1e-9 of the target it snaps to it, so a settled control is exact. */
static inline void glide_fill(double *value, double target, double k, double *x, size_t n)
{
    double v = *value;
    if (v == target) {
        for (size_t i = 0; i < n; i++)
            x[i] = v;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        v += k * (target - v);
        x[i] = v;
    }
    *value = fabs(target - v) < 1e-9 ? target : v;
}

/* x as a sample for the speakers: clipped to [-1, 1], NaN as 0; counts what it changed. */
static inline float safe_sample(double x, uint64_t *changed)
{
    if (x >= -1.0 && x <= 1.0)
        return (float)x;
    ++*changed;
    return x > 1.0 ? 1.0f : x < -1.0 ? -1.0f : 0.0f;
}

#endif

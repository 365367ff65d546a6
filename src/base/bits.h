/*
 * Bit patterns of floating-point values and back: memcpy is the defined way to do it in C, and
 * compilers turn it into a register move. Used where values cross atomics (scope, JACK host), in
 * constant pools (x86-64) and in bit-level math (fast math nodes).
 */
#ifndef SJ_BASE_BITS_H
#define SJ_BASE_BITS_H

#include <stdint.h>
#include <string.h>

static inline uint64_t sj__f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static inline double sj__bits_f64(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static inline uint32_t sj__f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float sj__bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

#endif

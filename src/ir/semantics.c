/*
 * Semantics shared by every backend: the index rule, linear interpolation, atom access and calling
 * a node through its signature. The interpreter calls these; native code calls them or emits the
 * same operations inline.
 */
#include "ir/ir.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

uint64_t sj_wrap_index(double x, uint64_t len)
{
    /* decisions #3: floor, Euclidean modulo, NaN and infinities read index 0. fmod is exact, so
     * this equals the reference's (u64)floor(x) % len wherever the reference does not trap. */
    if (len == 0 || !isfinite(x))
        return 0;
    double f = floor(x);
    if (f >= 0.0 && f < 9007199254740992.0) /* 2^53: exact as an integer */
        return (uint64_t)f % len;
    double m = fmod(f, (double)len);
    if (m < 0.0)
        m += (double)len;
    uint64_t i = (uint64_t)m;
    return i < len ? i : 0;
}

double sj__read_lin_f64(const double *data, uint64_t len, double idx)
{
    uint64_t i = sj_wrap_index(idx, len);
    uint64_t j = (i + 1) % len;
    double fract = idx - floor(idx);
    return data[i] * (1.0 - fract) + data[j] * fract;
}

double sj__read_lin_f32(const float *data, uint64_t len, double idx)
{
    uint64_t i = sj_wrap_index(idx, len);
    uint64_t j = (i + 1) % len;
    double fract = idx - floor(idx);
    return (double)data[i] * (1.0 - fract) + (double)data[j] * fract;
}

float sj_atom_load(const sj_dsp_state *state, size_t idx)
{
    if (!state || idx >= state->atom_count)
        return 0.0f;
    uint32_t bits = atomic_load_explicit((_Atomic uint32_t *)&state->atoms[idx], memory_order_relaxed);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

void sj_atom_store(sj_dsp_state *state, size_t idx, float value)
{
    if (!state || idx >= state->atom_count)
        return;
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    atomic_store_explicit((_Atomic uint32_t *)&state->atoms[idx], bits, memory_order_relaxed);
}

/* The canonical type through which every node is called. On the System V x86-64 and AAPCS64 ABIs,
 * pointer and floating-point arguments are assigned to separate register files in order, so a
 * function taking any interleaving of up to 3 pointers and 8 doubles receives the same registers
 * from this call when the pointers are passed in their relative order and the doubles in theirs.
 * The descriptor check in sj_library_add enforces those limits. A function without a return value
 * leaves xmm0 undefined, which is ignored. */
typedef double (*canonical_fn)(void *, void *, void *, double, double, double, double, double, double, double,
                               double);

#if !(defined(__x86_64__) && !defined(_WIN32)) && !defined(__aarch64__)
#error "node calls assume the System V x86-64 or AAPCS64 calling convention"
#endif

double sj__call_node_raw(void (*fn)(void), void *p0, void *p1, void *p2, const double *v)
{
    return ((canonical_fn)fn)(p0, p1, p2, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
}

double sj__call_node(const sj_node_type *type, sj_dsp_state *dsp, void *state, double *rv, const double *vargs)
{
    void *p[3] = {NULL, NULL, NULL};
    double v[8] = {0};
    size_t np = 0, nv = 0;
    bool ret = false;
    for (const char *c = type->signature; *c; c++) {
        switch (*c) {
        case 'v': v[nv] = vargs[nv]; nv++; break;
        case 'D': p[np++] = dsp; break;
        case 'S': p[np++] = state; break;
        case 'M': p[np++] = rv; break;
        case 'r': ret = true; break;
        default: break;
        }
    }
    double r = ((canonical_fn)type->fn)(p[0], p[1], p[2], v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    return ret ? r : 0.0;
}

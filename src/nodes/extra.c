/*
 * Registration of the sigjit node set (nodes.h: sj__nodes_add_extra). The families are in their
 * own files; this adds their descriptor tables in a fixed order, which is also the order of the
 * generated node reference.
 */
#include "nodes/extra.h"
#include "nodes/nodes.h"

#include <math.h>
#include <string.h>

const sj_node_family *const sj__extra_families[] = {
    &sj__family_osc,   &sj__family_filter,   &sj__family_env,  &sj__family_delay,
    &sj__family_shape, &sj__family_fastmath, &sj__family_util, NULL,
};

sj_status sj__nodes_add_extra(sj_library *lib)
{
    for (const sj_node_family *const *f = sj__extra_families; *f; f++) {
        for (size_t i = 0; i < (*f)->count; i++) {
            sj_status st = sj_library_add(lib, &(*f)->types[i], NULL);
            if (st != SJ_OK)
                return st;
        }
    }
    return SJ_OK;
}

/* Direct calls through a descriptor, for tests and benchmarks (the compiled code calls node
 * functions itself). Covers the signatures of this node set; others give NaN. */
typedef double (*f_v)(double);
typedef double (*f_vv)(double, double);
typedef double (*f_vvv)(double, double, double);
typedef double (*f_vvvv)(double, double, double, double);
typedef double (*f_vvM)(double, double, double *);
typedef double (*f_vS)(double, void *);
typedef double (*f_vvS)(double, double, void *);
typedef double (*f_vvvS)(double, double, double, void *);
typedef double (*f_vvvvS)(double, double, double, double, void *);
typedef double (*f_vSM)(double, void *, double *);
typedef double (*f_vDS)(double, sj_dsp_state *, void *);
typedef double (*f_vvDS)(double, double, sj_dsp_state *, void *);
typedef double (*f_vvvDS)(double, double, double, sj_dsp_state *, void *);
typedef double (*f_vvvvDS)(double, double, double, double, sj_dsp_state *, void *);
typedef double (*f_vvvvvDS)(double, double, double, double, double, sj_dsp_state *, void *);
typedef double (*f_vvvDSM)(double, double, double, sj_dsp_state *, void *, double *);

double sj__extra_call(const sj_node_type *t, const double *a, sj_dsp_state *dsp, void *state, double *rv)
{
    const char *s = t->signature;
    void (*fn)(void) = t->fn;
#define IS(sig) (strcmp(s, sig) == 0)
    if (IS("vr"))
        return ((f_v)fn)(a[0]);
    if (IS("vvr"))
        return ((f_vv)fn)(a[0], a[1]);
    if (IS("vvvr"))
        return ((f_vvv)fn)(a[0], a[1], a[2]);
    if (IS("vvvvr"))
        return ((f_vvvv)fn)(a[0], a[1], a[2], a[3]);
    if (IS("vvMr"))
        return ((f_vvM)fn)(a[0], a[1], rv);
    if (IS("vSr"))
        return ((f_vS)fn)(a[0], state);
    if (IS("vvSr"))
        return ((f_vvS)fn)(a[0], a[1], state);
    if (IS("vvvSr"))
        return ((f_vvvS)fn)(a[0], a[1], a[2], state);
    if (IS("vvvvSr"))
        return ((f_vvvvS)fn)(a[0], a[1], a[2], a[3], state);
    if (IS("vSMr"))
        return ((f_vSM)fn)(a[0], state, rv);
    if (IS("vDSr"))
        return ((f_vDS)fn)(a[0], dsp, state);
    if (IS("vvDSr"))
        return ((f_vvDS)fn)(a[0], a[1], dsp, state);
    if (IS("vvvDSr"))
        return ((f_vvvDS)fn)(a[0], a[1], a[2], dsp, state);
    if (IS("vvvvDSr"))
        return ((f_vvvvDS)fn)(a[0], a[1], a[2], a[3], dsp, state);
    if (IS("vvvvvDSr"))
        return ((f_vvvvvDS)fn)(a[0], a[1], a[2], a[3], a[4], dsp, state);
    if (IS("vvvDSMr"))
        return ((f_vvvDSM)fn)(a[0], a[1], a[2], dsp, state, rv);
#undef IS
    return NAN;
}

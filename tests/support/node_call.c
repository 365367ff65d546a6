#include "sjtest.h"

#include <math.h>
#include <string.h>

/* Calls a node through its descriptor with the function's real C type, one case per signature of
 * the standard node set (others give NaN). The library calls nodes through one canonical type
 * (sj__call_node and the generated code rely on the ABI for that); this typed call is the
 * independent reference the node tests compare against. */
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

double sjt_call_node_typed(const sj_node_type *t, const double *a, sj_dsp_state *dsp, void *state, double *rv)
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

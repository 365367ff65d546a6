/*
 * The node library's families. sj_library_new_std adds them in this order.
 */
#ifndef SJ_NODES_NODES_H
#define SJ_NODES_NODES_H

#include "sigjit.h"

/* The reference's nine nodes: sin, accum, /%, phase, atomw, atomr, atomr~, s&h, s&h~ (reference.c). */
sj_status sj__nodes_add_reference(sj_library *lib);
/* Stateless math: cos, tan, tanh, exp, log, pow, sqrt, abs, floor, ceil, fract, min, max, clamp, and
 * the comparisons eq, ne, lt, le, gt, ge (math.c). */
sj_status sj__nodes_add_math(sj_library *lib);
/* The sigjit node set for making music: oscillators, filters, envelopes, delays, shaping, fast
 * math, utilities (the other files of this folder). */
sj_status sj__nodes_add_extra(sj_library *lib);

/* The IR operation (sj_ir_op) that computes the same as this descriptor's function, or -1: the
 * compiler emits such calls inline. */
int sj__nodes_intrinsic_op(const sj_node_type *type);

/* The reference's Trigger (synfx-dsp trig_clock.rs): fires once when x rises above high (strict),
 * re-arms when x <= low. Used by phase, s&h and the scope. */
typedef struct sj_trigger {
    bool triggered;
} sj_trigger;
bool sj__trigger_check(sj_trigger *t, float x, float low, float high);
#define SJ_TRIG_LOW 0.25f
#define SJ_TRIG_HIGH 0.5f

#endif

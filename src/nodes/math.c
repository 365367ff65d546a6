/*
 * Stateless math functions as nodes. floor, ceil, abs, sqrt, min and max are also IR operations:
 * the compiler replaces calls of exactly these descriptors (identified by their function) with the
 * operation, which the native backend emits inline. Both paths compute the same values.
 */
#include "ir/ir.h"
#include "nodes/nodes.h"

#include <math.h>

static double m_cos(double x) { return cos(x); }
static double m_tan(double x) { return tan(x); }
static double m_tanh(double x) { return tanh(x); }
static double m_exp(double x) { return exp(x); }
static double m_log(double x) { return log(x); }
static double m_pow(double x, double y) { return pow(x, y); }
static double m_sqrt(double x) { return sqrt(x); }
static double m_abs(double x) { return fabs(x); }
static double m_floor(double x) { return floor(x); }
static double m_ceil(double x) { return ceil(x); }
static double m_fract(double x) { return x - floor(x); }
/* The comparisons of x86's minsd/maxsd, so the inline code gives the same result for NaN and
 * signed zeros. */
static double m_min(double a, double b) { return a < b ? a : b; }
static double m_max(double a, double b) { return a > b ? a : b; }
static double m_clamp(double x, double lo, double hi) { return m_min(m_max(x, lo), hi); }

static const char *const in1[] = {"", NULL};
static const char *const out1[] = {"", NULL};
static const char *const in_pow[] = {"x", "y", NULL};
static const char *const in_ab[] = {"a", "b", NULL};
static const char *const in_clamp[] = {"x", "lo", "hi", NULL};

#define FN(f) ((void (*)(void))(f))

static const sj_node_type math_nodes[] = {
    {"cos", "The cosine of the input (radians).", in1, out1, "vr", 0, NULL, FN(m_cos)},
    {"tan", "The tangent of the input (radians).", in1, out1, "vr", 0, NULL, FN(m_tan)},
    {"tanh", "The hyperbolic tangent: a smooth saturation into (-1, 1).", in1, out1, "vr", 0, NULL, FN(m_tanh)},
    {"exp", "e to the power of the input.", in1, out1, "vr", 0, NULL, FN(m_exp)},
    {"log", "The natural logarithm (NaN below 0, -inf at 0).", in1, out1, "vr", 0, NULL, FN(m_log)},
    {"pow", "`x` to the power `y` (C pow).", in_pow, out1, "vvr", 0, NULL, FN(m_pow)},
    {"sqrt", "The square root (NaN below 0).", in1, out1, "vr", 0, NULL, FN(m_sqrt)},
    {"abs", "The absolute value.", in1, out1, "vr", 0, NULL, FN(m_abs)},
    {"floor", "The largest integer not above the input.", in1, out1, "vr", 0, NULL, FN(m_floor)},
    {"ceil", "The smallest integer not below the input.", in1, out1, "vr", 0, NULL, FN(m_ceil)},
    {"fract", "The fractional part `x - floor(x)`, in [0, 1).", in1, out1, "vr", 0, NULL, FN(m_fract)},
    {"min", "The smaller of `a` and `b` (`a < b ? a : b`: if either is NaN, `b`).", in_ab, out1, "vvr", 0, NULL,
     FN(m_min)},
    {"max", "The larger of `a` and `b` (`a > b ? a : b`: if either is NaN, `b`).", in_ab, out1, "vvr", 0, NULL,
     FN(m_max)},
    {"clamp", "`x` limited to [`lo`, `hi`]: `min(max(x, lo), hi)`.", in_clamp, out1, "vvvr", 0, NULL, FN(m_clamp)},
};

sj_status sj__nodes_add_math(sj_library *lib)
{
    for (size_t i = 0; i < sizeof math_nodes / sizeof math_nodes[0]; i++) {
        sj_status st = sj_library_add(lib, &math_nodes[i], NULL);
        if (st)
            return st;
    }
    return SJ_OK;
}

int sj__nodes_intrinsic_op(const sj_node_type *type)
{
    void (*fn)(void) = type->fn;
    if (fn == FN(m_floor)) return SJ_IR_FLOOR;
    if (fn == FN(m_ceil)) return SJ_IR_CEIL;
    if (fn == FN(m_abs)) return SJ_IR_ABS;
    if (fn == FN(m_sqrt)) return SJ_IR_SQRT;
    if (fn == FN(m_min)) return SJ_IR_MIN;
    if (fn == FN(m_max)) return SJ_IR_MAX;
    return -1;
}

/*
 * Stateless math functions as nodes. floor, ceil, abs, sqrt, min, max and the comparisons eq, ne,
 * lt, le, gt, ge are also IR operations: the compiler replaces calls of exactly these descriptors
 * (identified by their function) with the operation, which the native backend emits inline. Both
 * paths compute the same values.
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
/* The comparison operators as functions, for the block language (which has only + - * /): the
 * values of the IR's EQ ... GE (decisions #1): 1.0 or 0.0, ordered, so NaN gives 0.0, except ne,
 * which is !(a == b) and gives 1.0. */
static double m_eq(double a, double b) { return a == b ? 1.0 : 0.0; }
static double m_ne(double a, double b) { return !(a == b) ? 1.0 : 0.0; }
static double m_lt(double a, double b) { return a < b ? 1.0 : 0.0; }
static double m_le(double a, double b) { return a <= b ? 1.0 : 0.0; }
static double m_gt(double a, double b) { return a > b ? 1.0 : 0.0; }
static double m_ge(double a, double b) { return a >= b ? 1.0 : 0.0; }

static const char *const in1[] = {"", NULL};
static const char *const out1[] = {"", NULL};
static const char *const in_pow[] = {"x", "y", NULL};
static const char *const in_ab[] = {"a", "b", NULL};
static const char *const in_clamp[] = {"x", "lo", "hi", NULL};

#define FN(f) ((void (*)(void))(f))
/* The common part of the comparisons' documentation. */
#define CMP_DOC(op)                                                                                                 \
    "The operator as a node, for the block language, which has only the operators + - * /: a text program "         \
    "laid out as blocks (`sigjit blocks layout`) shows `" op "` with it. The compiler emits the same operation "    \
    "inline, so the value is that of `" op "` bit for bit on every backend, and an `if` block on it (true at "      \
    ">= 0.5) branches as `if " op "` does."

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
    {"eq", "1 if `a` equals `b`, else 0: the value of `a == b`.\n\nNaN equals nothing, itself included (0); -0 "
     "equals 0. " CMP_DOC("a == b") "\n\nExample: `12 * eq(step, 4)` is 12 on step 4, else 0.", in_ab, out1, "vvr",
     0, NULL, FN(m_eq)},
    {"ne", "1 if `a` differs from `b`, else 0: the value of `a != b`.\n\nIt is `!(a == b)`, so NaN differs from "
     "everything, itself included (1); -0 does not differ from 0. " CMP_DOC("a != b")
     "\n\nExample: `ne(in1, in1)` is 1 only when `in1` is NaN.", in_ab, out1, "vvr", 0, NULL, FN(m_ne)},
    {"lt", "1 if `a` is less than `b`, else 0: the value of `a < b`.\n\nOrdered: 0 when either is NaN. "
     CMP_DOC("a < b") "\n\nExample: `lt(phase(4, 0), 0.5)` is a square wave between 1 and 0.", in_ab, out1, "vvr",
     0, NULL, FN(m_lt)},
    {"le", "1 if `a` is less than or equal to `b`, else 0: the value of `a <= b`.\n\nOrdered: 0 when either is "
     "NaN. " CMP_DOC("a <= b") "\n\nExample: `le(abs(in1), 1)` is 1 while the input stays within [-1, 1].", in_ab,
     out1, "vvr", 0, NULL, FN(m_le)},
    {"gt", "1 if `a` is greater than `b`, else 0: the value of `a > b`.\n\nOrdered: 0 when either is NaN. "
     CMP_DOC("a > b") "\n\nExample: `if gt(alpha, 0) { alpha } else { 5 }`.", in_ab, out1, "vvr", 0, NULL,
     FN(m_gt)},
    {"ge", "1 if `a` is greater than or equal to `b`, else 0: the value of `a >= b`.\n\nOrdered: 0 when either "
     "is NaN. " CMP_DOC("a >= b") "\n\nExample: `ge(in1, 0) * in1` is a half-wave rectifier.", in_ab, out1, "vvr",
     0, NULL, FN(m_ge)},
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
    if (fn == FN(m_eq)) return SJ_IR_EQ;
    if (fn == FN(m_ne)) return SJ_IR_NE;
    if (fn == FN(m_lt)) return SJ_IR_LT;
    if (fn == FN(m_le)) return SJ_IR_LE;
    if (fn == FN(m_gt)) return SJ_IR_GT;
    if (fn == FN(m_ge)) return SJ_IR_GE;
    return -1;
}

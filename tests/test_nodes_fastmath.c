/*
 * Fast math (src/nodes/fastmath.c): the maximum error of each approximation over dense grids,
 * against libm, must stay within the bound documented in extra.h and in the node docs. The
 * measured maxima are printed ("# ..."), they are the numbers quoted in the docs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_nodes_util.h"

static void test_fsin_fcos(void **unused)
{
    (void)unused;
    double es = 0, ec = 0, es_small = 0;
    /* |x| <= 1000 in steps of 1e-4 (2e7 points would be slow; 4e6 points, step 5e-4) */
    for (long i = -2000000; i <= 2000000; i++) {
        double x = (double)i * 5e-4 + 1e-7 * (double)(i % 7);
        double a = fabs(sj__fsin(x) - sin(x)), b = fabs(sj__fcos(x) - cos(x));
        es = a > es ? a : es;
        ec = b > ec ? b : ec;
    }
    /* one period densely (step 1e-5) */
    for (long i = -700000; i <= 700000; i++) {
        double x = (double)i * 1e-5;
        double a = fabs(sj__fsin(x) - sin(x));
        es_small = a > es_small ? a : es_small;
    }
    tu_note("fsin max abs error |x|<=1000: %.3g (|x|<=7: %.3g), fcos: %.3g", es, es_small, ec);
    assert_true(es <= SJ_FSIN_MAX_ERR);
    assert_true(es_small <= SJ_FSIN_MAX_ERR);
    assert_true(ec <= SJ_FSIN_MAX_ERR);
    /* exact special points: sin(0) = 0 (odd polynomial), cos(0) = 1 within the bound */
    assert_true(sj__fsin(0.0) == 0.0);
    assert_true(fabs(sj__fcos(0.0) - 1.0) <= SJ_FSIN_MAX_ERR);
    assert_true(isnan(sj__fsin(NAN)) && isnan(sj__fsin(INFINITY)) && isnan(sj__fcos(-INFINITY)));
}

static void test_ftanh(void **unused)
{
    (void)unused;
    double e = 0;
    for (long i = -2500000; i <= 2500000; i++) {
        double x = (double)i * 1e-5;
        double a = fabs(sj__ftanh(x) - tanh(x));
        e = a > e ? a : e;
    }
    for (long i = -100000; i <= 100000; i++) {
        double x = (double)i * 1e-2; /* out to +-1000 */
        double a = fabs(sj__ftanh(x) - tanh(x));
        e = a > e ? a : e;
    }
    tu_note("ftanh max abs error: %.3g", e);
    assert_true(e <= SJ_FTANH_MAX_ERR);
    assert_true(sj__ftanh(1e300) == 1.0 && sj__ftanh(-1e300) == -1.0);
    assert_true(sj__ftanh(INFINITY) == 1.0 && isnan(sj__ftanh(NAN)));
    assert_true(sj__ftanh(0.0) == 0.0);
}

static void test_fexp2(void **unused)
{
    (void)unused;
    double e = 0;
    for (long i = -1021000; i < 1023000; i++) {
        double x = (double)i * 1e-3 + 3.3e-7;
        double r = fabs(sj__fexp2(x) / exp2(x) - 1.0);
        e = r > e ? r : e;
    }
    for (long i = -1000000; i <= 1000000; i++) {
        double x = (double)i * 1e-6;
        double r = fabs(sj__fexp2(x) / exp2(x) - 1.0);
        e = r > e ? r : e;
    }
    tu_note("fexp2 max rel error: %.3g", e);
    assert_true(e <= SJ_FEXP2_MAX_RELERR);
    /* integers are exact (the polynomial is exactly 1 at f = 0): 2^10 = 1024, 2^-3 = 0.125 */
    assert_true(sj__fexp2(10) == 1024.0 && sj__fexp2(-3) == 0.125 && sj__fexp2(0) == 1.0);
    assert_true(sj__fexp2(-2000) == 0.0 && isinf(sj__fexp2(1024)) && isnan(sj__fexp2(NAN)));
    assert_true(isfinite(sj__fexp2(1023.9)));
}

static void test_flog2(void **unused)
{
    (void)unused;
    double e = 0;
    for (long i = -1074000; i < 1024000; i++) { /* x = 2^u over the whole positive range */
        double x = exp2((double)i * 1e-3 + 1.7e-7);
        if (x == 0 || isinf(x))
            continue;
        double a = fabs(sj__flog2(x) - log2(x));
        e = a > e ? a : e;
    }
    for (long i = 0; i <= 1500000; i++) { /* [0.5, 2] densely */
        double x = 0.5 + (double)i * 1e-6;
        double a = fabs(sj__flog2(x) - log2(x));
        e = a > e ? a : e;
    }
    tu_note("flog2 max abs error: %.3g", e);
    assert_true(e <= SJ_FLOG2_MAX_ERR);
    assert_true(sj__flog2(1.0) == 0.0 && sj__flog2(8.0) == 3.0 && sj__flog2(0x1p-1074) == -1074.0);
    assert_true(sj__flog2(0.0) == -1024.0 && sj__flog2(-1.0) == -1024.0 && isnan(sj__flog2(NAN)));
    assert_true(sj__flog2(INFINITY) == 1024.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fsin_fcos),
        cmocka_unit_test(test_ftanh),
        cmocka_unit_test(test_fexp2),
        cmocka_unit_test(test_flog2),
    };
    return cmocka_run_group_tests_name("nodes_fastmath", tests, NULL, NULL);
}

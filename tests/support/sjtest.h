/*
 * Helpers for the tests: compile a program on a chosen backend, run frames, compare.
 * Tests that run on every backend register themselves twice with SJT_BOTH (the state pointer
 * carries the backend); on a machine without the native backend the native run uses the
 * interpreter, which the test can see through sj_function_backend.
 */
#ifndef SJTEST_H
#define SJTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "sigjit.h"

extern sj_backend_kind sjt_interp, sjt_native;
#define SJT_BOTH(fn) cmocka_unit_test_prestate(fn, &sjt_interp), cmocka_unit_test_prestate(fn, &sjt_native)

typedef struct sjt {
    sj_library *lib;
    sj_context *ctx;
    sj_backend_kind backend;
} sjt;

/* A context on the standard library for the backend in *state (cmocka prestate). */
sjt sjt_open(void **state);
void sjt_close(sjt *t);
/* Compiles ast (consumed) and asserts success. */
sj_function *sjt_compile(sjt *t, sj_ast *ast);
/* Compiles ast (consumed) and returns the status; the function, if any, is freed. diag may be NULL. */
sj_status sjt_compile_status(sjt *t, sj_ast *ast, sj_diag *diag);
/* Runs one frame with the given inputs; sig outputs start at 0. */
double sjt_exec(sj_function *f, double in1, double in2, double *sig1, double *sig2);
/* Compiles, inits (no previous), runs one frame of a program and frees it: the return value. */
double sjt_eval(sjt *t, sj_ast *ast);
/* Bitwise equality of doubles (NaN payloads aside). */
int sjt_same(double a, double b);

/* Fault injection (faults.c): install the failing allocator, arm it to fail allocation n (counting
 * from 0; -1: never), run, then check sjt_faults_live() == 0. */
void sjt_faults_install(void);
void sjt_faults_remove(void);
void sjt_faults_arm(long n);
long sjt_faults_live(void);
long sjt_faults_failures(void);
long sjt_faults_count(void);

/* The real-time trap (rt_trap.c): allocation, free and mutex calls made by a thread between
 * sjt_rt_enter and sjt_rt_leave are counted. sjt_rt_trap_active says whether this build checks. */
int sjt_rt_trap_active(void);
/* valgrind runs the program on its own CPU model (no flush-to-zero, threads serialised). */
int sjt_under_valgrind(void);
void sjt_rt_enter(void);
void sjt_rt_leave(void);
long sjt_rt_violations(void);
void sjt_rt_reset(void);

/* Calls a node with its real C function type (node_call.c): a[] holds the 'v' arguments, rv the 5
 * multi-return slots. NaN for a signature outside the standard node set. */
double sjt_call_node_typed(const sj_node_type *t, const double *a, sj_dsp_state *dsp, void *state, double *rv);

/* Block-language fixture (blocks_fixture.c): group setup/teardown create the standard library and
 * its block language; sjt_blocks_newfun gives an empty program (assert on failure). */
extern sj_library *sjt_blocks_lib;
extern sj_blocklang *sjt_blocks_lang;
int sjt_blocks_setup(void **state);
int sjt_blocks_teardown(void **state);
sj_blockfun *sjt_blocks_newfun(void);

#define SJT_ASSERT_NEAR(a, b, tol)                                                                               \
    do {                                                                                                         \
        double sjt_a_ = (a), sjt_b_ = (b);                                                                       \
        if (!(fabs(sjt_a_ - sjt_b_) <= (tol)))                                                                   \
            fail_msg("%s = %.17g, expected %.17g (tolerance %g)", #a, sjt_a_, sjt_b_, (double)(tol));            \
    } while (0)
#define SJT_ASSERT_SAME(a, b)                                                                                    \
    do {                                                                                                         \
        double sjt_a_ = (a), sjt_b_ = (b);                                                                       \
        if (!sjt_same(sjt_a_, sjt_b_))                                                                           \
            fail_msg("%s = %.17g, expected exactly %.17g", #a, sjt_a_, sjt_b_);                                   \
    } while (0)

#endif

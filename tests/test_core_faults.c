/* Fault injection (architecture convention 9): the Nth allocation fails, for every N until the
 * scenario runs clean. Every API must report the failure (never crash), and once everything is
 * freed no allocation may remain live. */
#include "sjtest.h"

#include <stdlib.h>
#include <string.h>


static sj_ast *program(void)
{
    return sj_stmts(6, sj_buf_declare(0, 64), sj_assign("*x", sj_add(sj_var("*x"), sj_var("in1"))),
                    sj_buf_write(0, sj_var("*x"), sj_call("phase", 1, 2, sj_lit(440), sj_lit(0))),
                    sj_assign("&sig1", sj_call("accum", 2, 2, sj_buf_read_lin(0, sj_var("*x")), sj_lit(0))),
                    sj_if(sj_gt(sj_var("in2"), sj_lit(0)), sj_assign("&sig2", sj_call("/%", 3, 2, sj_var("in1"), sj_lit(3))),
                          sj_assign("&sig2", sj_var("%1"))),
                    sj_table_read_lin(1, sj_var("*x")));
}

/* Runs a scenario touching every allocating API. Returns 1 if it completed with no failure seen. */
static int scenario(void)
{
    int ok = 1;
    sj_ast *a = program();
    sj_library *lib = NULL;
    sj_context *ctx = NULL;
    sj_function *f1 = NULL, *f2 = NULL;
    sj_engine *eng = NULL;
    char *dump = NULL, *ir = NULL;
    sj_diag d;
    if (!a) {
        ok = 0;
        goto out;
    }
    dump = sj_ast_dump(a);
    ok &= dump != NULL;
    sj_ast *c = sj_ast_clone(a);
    ok &= c != NULL;
    sj_ast_free(c);
    lib = sj_library_new_std();
    if (!lib) {
        ok = 0;
        goto out;
    }
    ctx = sj_context_new(lib, NULL);
    if (!ctx) {
        ok = 0;
        goto out;
    }
    ok &= sj_ir_dump(ctx, a, true, &ir, &d) == SJ_OK;
    if (sj_compile(ctx, a, NULL, &f1, &d) != SJ_OK) {
        assert_int_equal(d.code, SJ_ERR_NOMEM);
        ok = 0;
        goto out;
    }
    sj_function_init(f1, 48000, NULL);
    for (int i = 0; i < 10; i++)
        sj_function_exec(f1, 0.5, 1, 0, 0, 0, 0, NULL, NULL);
    sj_ast *b = sj_stmts(2, program(), sj_buf_declare(0, 128));
    if (!b || sj_compile(ctx, b, NULL, &f2, &d) != SJ_OK)
        ok = 0;
    sj_ast_free(b);
    if (f2) {
        sj_function_init(f2, 48000, f1);
        sj_function_exec(f2, 0.5, 1, 0, 0, 0, 0, NULL, NULL);
    }
    float t[3] = {1, 2, 3};
    ok &= sj_context_set_table(ctx, 1, t, 3) == SJ_OK;
    eng = sj_engine_new(lib, NULL);
    if (!eng) {
        ok = 0;
        goto out;
    }
    ok &= sj_engine_upload(eng, a, &d) == SJ_OK;
    ok &= sj_engine_send_buffer(eng, 1, (double[2]){1, 2}, 2) == SJ_OK;
    ok &= sj_engine_send_table(eng, 1, t, 3) == SJ_OK;
    sj_backend_process_updates(sj_engine_backend(eng));
    sj_engine_collect(eng);
out:
    sj_engine_free(eng);
    sj_function_free(f2);
    sj_function_free(f1);
    sj_context_free(ctx);
    sj_library_release(lib);
    sj_free(ir);
    sj_free(dump);
    sj_ast_free(a);
    return ok && sjt_faults_failures() == 0;
}

static void test_every_allocation_fails_once(void **state)
{
    (void)state;
    sjt_faults_install();
    long n;
    for (n = 0;; n++) {
        sjt_faults_arm(n);
        int clean = scenario();
        if (sjt_faults_live() != 0)
            fail_msg("allocation %ld failed: %ld allocations still live afterwards", n, sjt_faults_live());
        if (clean)
            break;
        assert_int_equal(sjt_faults_failures(), 1);
    }
    sjt_faults_remove();
    print_message("scenario completed after %ld injected failures\n", n);
    /* The scenario makes hundreds of allocations; each one failed once above. */
    assert_true(n > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_every_allocation_fails_once)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

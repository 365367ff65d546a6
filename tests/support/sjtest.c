#include "sjtest.h"

#include <math.h>
#include <string.h>

sj_backend_kind sjt_interp = SJ_BACKEND_INTERP, sjt_native = SJ_BACKEND_NATIVE;

sjt sjt_open(void **state)
{
    sjt t;
    t.backend = state && *state ? *(sj_backend_kind *)*state : SJ_BACKEND_INTERP;
    t.lib = sj_library_new_std();
    assert_non_null(t.lib);
    sj_context_config cfg;
    sj_context_config_init(&cfg);
    cfg.backend = t.backend;
    t.ctx = sj_context_new(t.lib, &cfg);
    assert_non_null(t.ctx);
    return t;
}

void sjt_close(sjt *t)
{
    sj_context_free(t->ctx);
    sj_library_release(t->lib);
}

sj_function *sjt_compile(sjt *t, sj_ast *ast)
{
    assert_non_null(ast);
    sj_function *f = NULL;
    sj_diag d;
    sj_status st = sj_compile(t->ctx, ast, NULL, &f, &d);
    if (st)
        fail_msg("compile failed: %s: %s", sj_status_name(st), d.message);
    sj_ast_free(ast);
    return f;
}

sj_status sjt_compile_status(sjt *t, sj_ast *ast, sj_diag *diag)
{
    assert_non_null(ast);
    sj_function *f = NULL;
    sj_status st = sj_compile(t->ctx, ast, NULL, &f, diag);
    if (st)
        assert_null(f);
    sj_function_free(f);
    sj_ast_free(ast);
    return st;
}

double sjt_exec(sj_function *f, double in1, double in2, double *sig1, double *sig2)
{
    double s1 = 0.0, s2 = 0.0;
    double r = sj_function_exec(f, in1, in2, 0, 0, 0, 0, &s1, &s2);
    if (sig1)
        *sig1 = s1;
    if (sig2)
        *sig2 = s2;
    return r;
}

double sjt_eval(sjt *t, sj_ast *ast)
{
    sj_function *f = sjt_compile(t, ast);
    sj_function_init(f, 44100.0, NULL);
    double r = sjt_exec(f, 0, 0, NULL, NULL);
    sj_function_free(f);
    return r;
}

int sjt_same(double a, double b)
{
    if (isnan(a) && isnan(b))
        return 1;
    return memcmp(&a, &b, sizeof a) == 0;
}

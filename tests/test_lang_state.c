/* State identity through edits of a running text program (docs/language.md, "State identity"):
 * editing, adding and reordering other lines keeps an oscillator's state; renaming the variable it
 * is assigned to gives it a new identity (a fresh state), which shows the test can fail. */
#include "sjtest.h"

#include <math.h>
#include <string.h>

static sj_ast *parse(const sj_library *lib, const char *src)
{
    sj_ast *a = NULL;
    sj_diag_list dl;
    sj_diag_list_init(&dl);
    sj_status st = sj_parse(src, strlen(src), "live.sj", lib, &a, &dl);
    if (st != SJ_OK) {
        char *m = sj_diag_list_format(&dl, src, strlen(src), false);
        fail_msg("parse: %s\n%s", sj_status_name(st), m ? m : "");
    }
    sj_diag_list_fini(&dl);
    return a;
}

static sj_function *compile(sjt *t, const char *src)
{
    return sjt_compile(t, parse(t->lib, src));
}

/* phase(11025) at 44100 Hz advances exactly 0.25 per frame and returns the value before the step
 * (reference §3.2): 0, 0.25, 0.5, 0.75, 0, ... so the frame count since the state's last reset is
 * visible in the output. */
static const char *v1 = "osc = phase(11025, 0)\n"
                        "&sig1 = osc\n"
                        "gain = 0.5\n"
                        "&sig2 = osc * gain\n";

static void test_edit_keeps_state(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f1 = compile(&t, v1);
    sj_function_init(f1, 44100, NULL);
    double s1, s2;
    sjt_exec(f1, 0, 0, &s1, &s2);
    SJT_ASSERT_SAME(s1, 0.0);
    sjt_exec(f1, 0, 0, &s1, &s2);
    SJT_ASSERT_SAME(s1, 0.25);
    sjt_exec(f1, 0, 0, &s1, &s2);
    SJT_ASSERT_SAME(s1, 0.5);
    SJT_ASSERT_SAME(s2, 0.25);

    /* v2: the gain line edited, a new stateful call added on it, a line added and the statements
     * reordered. The oscillator's line is untouched, so its phase continues at 0.75. */
    const char *v2 = "lfo = phase(1, 0)\n"
                     "gain = 0.25 + 0 * lfo + accum(0, 0)\n"
                     "osc = phase(11025, 0)\n"
                     "&sig2 = osc * gain\n"
                     "&sig1 = osc\n";
    sj_function *f2 = compile(&t, v2);
    sj_function_init(f2, 44100, f1);
    sj_function_free(f1);
    sjt_exec(f2, 0, 0, &s1, &s2);
    SJT_ASSERT_SAME(s1, 0.75);
    SJT_ASSERT_SAME(s2, 0.75 * 0.25);
    sjt_exec(f2, 0, 0, &s1, &s2);
    SJT_ASSERT_SAME(s1, 0.0);

    /* v3: the oscillator's own arguments edited: still the same state (now at 0.25). */
    const char *v3 = "osc = phase(11025, in1 > 2)\n&sig1 = osc\n";
    sj_function *f3 = compile(&t, v3);
    sj_function_init(f3, 44100, f2);
    sj_function_free(f2);
    sjt_exec(f3, 0, 0, &s1, &s2);
    SJT_ASSERT_SAME(s1, 0.25);

    /* v4: assigned to another name: a new identity, a new state that starts at 0. */
    const char *v4 = "carrier = phase(11025, 0)\n&sig1 = carrier\n";
    sj_function *f4 = compile(&t, v4);
    sj_function_init(f4, 44100, f3);
    sj_function_free(f3);
    sjt_exec(f4, 0, 0, &s1, &s2);
    SJT_ASSERT_SAME(s1, 0.0);
    sj_function_free(f4);
    sjt_close(&t);
}

static void test_label_keeps_state_across_rename(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f1 = compile(&t, "osc = phase@main(11025, 0)\n&sig1 = osc\n");
    sj_function_init(f1, 44100, NULL);
    double s1, s2;
    sjt_exec(f1, 0, 0, &s1, &s2);
    sjt_exec(f1, 0, 0, &s1, &s2);
    SJT_ASSERT_SAME(s1, 0.25);
    /* Renamed and moved into an expression: the label keeps the identity. */
    sj_function *f2 = compile(&t, "x = 1\n&sig1 = x * phase@main(11025, 0)\n");
    sj_function_init(f2, 44100, f1);
    sj_function_free(f1);
    sjt_exec(f2, 0, 0, &s1, &s2);
    SJT_ASSERT_SAME(s1, 0.5);
    /* The host finds the state by label. */
    assert_true(sj_function_has_node_state(f2, sj_lang_label_uid("main")));
    sj_function_free(f2);
    sjt_close(&t);
}

static void test_engine_live_edit(void **state)
{
    (void)state;
    /* The same through the engine: upload v1, play 3 frames, upload an edit, play on. */
    sj_library *lib = sj_library_new_std();
    sj_engine *eng = sj_engine_new(lib, NULL);
    assert_non_null(eng);
    sj_backend *be = sj_engine_backend(eng);
    sj_backend_set_sample_rate(be, 44100);
    sj_ast *a = parse(lib, v1);
    assert_int_equal(sj_engine_upload(eng, a, NULL), SJ_OK);
    sj_ast_free(a);
    sj_backend_process_updates(be);
    sj_frame fr;
    for (int i = 0; i < 3; i++)
        fr = sj_backend_process(be, 0, 0, 0, 0, 0, 0);
    SJT_ASSERT_SAME(fr.sig1, 0.5);
    a = parse(lib, "gain = 2\nosc = phase(11025, 0)\n&sig2 = osc * gain\n&sig1 = osc\n");
    assert_int_equal(sj_engine_upload(eng, a, NULL), SJ_OK);
    sj_ast_free(a);
    sj_backend_process_updates(be);
    fr = sj_backend_process(be, 0, 0, 0, 0, 0, 0);
    SJT_ASSERT_SAME(fr.sig1, 0.75);
    SJT_ASSERT_SAME(fr.sig2, 1.5);
    sj_engine_collect(eng);
    sj_engine_free(eng);
    sj_library_release(lib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SJT_BOTH(test_edit_keeps_state),
        SJT_BOTH(test_label_keeps_state_across_rename),
        cmocka_unit_test(test_engine_live_edit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

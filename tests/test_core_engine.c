/* The engine (reference §4 with decisions #8): a real audio thread processing blocks while the
 * main thread uploads programs, buffers and tables; state kept across uploads; full queues; and
 * the real-time contract: nothing on the audio side allocates, frees or locks, checked by the trap
 * of tests/support/rt_trap.c. */
#include "sjtest.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void test_trap_works(void **state)
{
    (void)state;
    if (!sjt_rt_trap_active()) {
        print_message("allocation trap inactive (sanitizer or valgrind build)\n");
        return;
    }
    /* The trap itself: an allocation and a free inside an audio section are counted. Called through
     * volatile pointers: the compiler may not treat them as the builtins. */
    sjt_rt_reset();
    void *(*volatile alloc)(size_t) = malloc;
    void (*volatile release)(void *) = free;
    sjt_rt_enter();
    void *p = alloc(16);
    release(p);
    sjt_rt_leave();
    assert_int_equal(sjt_rt_violations(), 2);
    sjt_rt_reset();
}

/* ---- the audio thread ---- */
enum { BLOCK = 64, BLOCKS = 1500 };
typedef struct audio_run {
    sj_backend *be;
    atomic_int blocks_done;
    atomic_bool stop;
    double sig1[BLOCKS * BLOCK];
    double sig2[BLOCKS * BLOCK];
    double ret[BLOCKS * BLOCK];
    size_t updates;
} audio_run;

static void *audio_thread(void *arg)
{
    audio_run *run = arg;
    for (int b = 0; b < BLOCKS && !atomic_load(&run->stop); b++) {
        sjt_rt_enter();
        run->updates += sj_backend_process_updates(run->be);
        sj_block_io io = {{NULL}, run->sig1 + b * BLOCK, run->sig2 + b * BLOCK, run->ret + b * BLOCK};
        sj_backend_process_block(run->be, &io, BLOCK);
        sjt_rt_leave();
        atomic_store(&run->blocks_done, b + 1);
        struct timespec ts = {0, 200000}; /* 0.2 ms: a few blocks per upload */
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* Version k of the patch: the same oscillator (uid 1) plus a changing second output. */
static sj_ast *patch(int k)
{
    return sj_stmts(3, sj_assign("&sig1", sj_call("phase", 1, 2, sj_lit(441.0), sj_lit(0))),
                    sj_assign("&sig2", sj_add(sj_lit(k), sj_buf_read(2, sj_lit(0)))), sj_table_read(1, sj_lit(0)));
}

static void test_engine_thread(void **state)
{
    (void)state;
    sj_engine *eng = sj_engine_new(NULL, NULL);
    assert_non_null(eng);
    audio_run *run = calloc(1, sizeof *run);
    run->be = sj_engine_backend(eng);
    sj_backend_set_sample_rate(run->be, 44100);
    sjt_rt_reset();
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, audio_thread, run), 0);
    int uploads = 0;
    double buf_val = 0;
    while (atomic_load(&run->blocks_done) < BLOCKS - 200) {
        sj_ast *p = patch(uploads % 7);
        sj_diag d;
        sj_status st = sj_engine_upload(eng, p, &d);
        sj_ast_free(p);
        assert_true(st == SJ_OK || st == SJ_ERR_QUEUE_FULL);
        uploads += st == SJ_OK;
        if (uploads % 5 == 0) {
            buf_val = uploads * 1000;
            double data[4] = {buf_val, 0, 0, 0};
            float tab[2] = {0.5f, 0.25f};
            if (sj_engine_send_buffer(eng, 2, data, 4) == SJ_OK)
                sj_engine_send_table(eng, 1, tab, 2);
        }
        sj_engine_atom_set(eng, 3, (float)uploads);
        sj_engine_collect(eng);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    pthread_join(th, NULL);
    sj_engine_collect(eng);
    assert_true(uploads > 20);
    assert_true(run->updates >= (size_t)uploads);
    /* The oscillator ran on through every swap: sig1 advances by exactly 441/44100 = 0.01 per frame
     * (mod 1) from the first upload to the end, never restarting. */
    size_t first = 0;
    while (first < BLOCKS * BLOCK && run->sig1[first] == 0.0)
        first++;
    assert_true(first < BLOCK * 20);
    for (size_t i = first; i + 1 < BLOCKS * BLOCK; i++) {
        double step = run->sig1[i + 1] - run->sig1[i];
        if (step < 0)
            step += 1.0;
        if (fabs(step - 0.01) > 1e-9)
            fail_msg("phase jumped at frame %zu: %.17g -> %.17g", i, run->sig1[i], run->sig1[i + 1]);
    }
    /* The last table sent is what the function read (0.5). */
    assert_true(run->ret[BLOCKS * BLOCK - 1] == 0.5);
    assert_true(sj_engine_atom_get(eng, 3) == (float)uploads);
    /* Nothing on the audio side allocated, freed or locked. */
    assert_int_equal(sjt_rt_violations(), 0);
    free(run);
    sj_engine_free(eng);
}

static void test_full_queues(void **state)
{
    (void)state;
    sj_engine *eng = sj_engine_new(NULL, NULL);
    sj_backend *be = sj_engine_backend(eng);
    sj_ast *p = sj_call("accum", 1, 2, sj_lit(1), sj_lit(0));
    sj_diag d;
    int ok = 0;
    /* Nobody takes them: the 129th upload reports the full queue (decisions #8), nothing dropped
     * silently. */
    for (int i = 0; i < SJ_ENGINE_QUEUE_SIZE; i++)
        ok += sj_engine_upload(eng, p, &d) == SJ_OK;
    assert_int_equal(ok, SJ_ENGINE_QUEUE_SIZE);
    assert_int_equal(sj_engine_upload(eng, p, &d), SJ_ERR_QUEUE_FULL);
    assert_int_equal(d.code, SJ_ERR_QUEUE_FULL);
    assert_int_equal(sj_engine_reset(eng), SJ_ERR_QUEUE_FULL);
    double one = 1;
    assert_int_equal(sj_engine_send_buffer(eng, 0, &one, 1), SJ_ERR_QUEUE_FULL);
    /* The audio side applies all 128; each hands back the function it replaced. */
    assert_int_equal(sj_backend_process_updates(be), SJ_ENGINE_QUEUE_SIZE);
    /* One more: the way back is full, so the update waits instead of freeing on the audio side. */
    assert_int_equal(sj_engine_upload(eng, p, &d), SJ_OK);
    assert_int_equal(sj_backend_process_updates(be), 0);
    assert_int_equal(sj_engine_collect(eng), SJ_ENGINE_QUEUE_SIZE);
    assert_int_equal(sj_backend_process_updates(be), 1);
    assert_int_equal(sj_engine_collect(eng), 1);
    /* The accumulator state was shared by all 129 versions: it counts on. */
    sj_frame fr = sj_backend_process(be, 0, 0, 0, 0, 0, 0);
    assert_true(fr.ret == 1);
    fr = sj_backend_process(be, 0, 0, 0, 0, 0, 0);
    assert_true(fr.ret == 2);
    /* Reset through the queue. */
    assert_int_equal(sj_engine_reset(eng), SJ_OK);
    sj_backend_process_updates(be);
    fr = sj_backend_process(be, 0, 0, 0, 0, 0, 0);
    assert_true(fr.ret == 1);
    sj_backend_clear(be);
    fr = sj_backend_process(be, 0, 0, 0, 0, 0, 0);
    assert_true(fr.ret == 1);
    /* A compile error keeps the playing function. */
    sj_ast *bad = sj_var("$bad");
    assert_int_equal(sj_engine_upload(eng, bad, &d), SJ_ERR_UNDEFINED_VARIABLE);
    sj_ast_free(bad);
    assert_int_equal(sj_backend_process_updates(be), 0);
    fr = sj_backend_process(be, 0, 0, 0, 0, 0, 0);
    assert_true(fr.ret == 2);
    sj_ast_free(p);
    sj_engine_free(eng); /* frees whatever is still queued */
}

static void test_engine_misc(void **state)
{
    (void)state;
    sj_engine *eng = sj_engine_new(NULL, NULL);
    sj_backend *be = sj_engine_backend(eng);
    /* Before any upload the backend plays a function returning 0. */
    sj_frame fr = sj_backend_process(be, 1, 2, 3, 4, 5, 6);
    assert_true(fr.ret == 0 && fr.sig1 == 0 && fr.sig2 == 0);
    assert_true(sj_backend_sample_rate(be) == 44100);
    sj_engine_set_debug(eng, true);
    sj_ast *p = sj_add(sj_var("in1"), sj_var("$srate"));
    assert_int_equal(sj_engine_upload(eng, p, NULL), SJ_OK);
    const char *info = sj_engine_debug_info(eng);
    assert_non_null(strstr(info, "---------- AST ----------\n   binop:Add\n"));
    assert_non_null(strstr(info, "------- JIT IR -------\n"));
    assert_non_null(strstr(info, "---------- END ----------"));
    sj_backend_set_sample_rate(be, 48000);
    sj_backend_process_updates(be);
    /* An upload does not set $reset (init gets the previous function) and uses the rate. */
    fr = sj_backend_process(be, 1, 0, 0, 0, 0, 0);
    assert_true(fr.ret == 48001);
    assert_int_equal(sj_engine_send_table(eng, 16, (float[1]){0}, 1), SJ_ERR_UNKNOWN_TABLE);
    assert_int_equal(sj_engine_send_buffer(eng, 16, (double[1]){0}, 1), SJ_ERR_UNKNOWN_BUFFER);
    assert_int_equal(sj_engine_send_buffer(eng, 0, NULL, 1), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(sj_engine_upload(NULL, p, NULL), SJ_ERR_INVALID_ARGUMENT);
    assert_true(sj_engine_atom_get(eng, 100000) == 0.0f);
    sj_ast_free(p);
    sj_engine_free(eng);
    sj_engine_free(NULL);
}

static void test_denormals_flushed(void **state)
{
    (void)state;
    /* On the audio side subnormal results flush to zero (FTZ/DAZ); the direct API keeps IEEE
     * behaviour. 1e-300 * 1e-10 = 1e-310 is subnormal. */
    sj_engine *eng = sj_engine_new(NULL, NULL);
    sj_backend *be = sj_engine_backend(eng);
    sj_ast *p = sj_mul(sj_var("in1"), sj_lit(1e-10));
    assert_int_equal(sj_engine_upload(eng, p, NULL), SJ_OK);
    sj_backend_process_updates(be);
    sj_frame fr = sj_backend_process(be, 1e-300, 0, 0, 0, 0, 0);
#if defined(__x86_64__)
    /* valgrind's CPU model ignores the MXCSR flush bits; the plain and sanitizer runs check this. */
    if (!sjt_under_valgrind())
        assert_true(fr.ret == 0.0);
#endif
    double direct = sj_function_exec(sj_backend_function(be), 1e-300, 0, 0, 0, 0, 0, NULL, NULL);
    assert_true(direct > 0.0 && direct < 2.3e-308);
    /* The caller's mode is restored: plain C arithmetic still produces subnormals here. */
    volatile double tiny = 1e-300;
    assert_true(tiny * 1e-10 > 0.0);
    sj_engine_collect(eng);
    sj_ast_free(p);
    sj_engine_free(eng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trap_works),
        cmocka_unit_test(test_engine_thread),
        cmocka_unit_test(test_full_queues),
        cmocka_unit_test(test_engine_misc),
        cmocka_unit_test(test_denormals_flushed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The scope across threads (docs/scope.md, "Threads"): an audio thread feeds a ramp while a reader
 * thread reads completed frames and the live view as fast as it can; every frame read must be
 * whole: each point is exactly what the semantics say for the sweep number the frame carries (a
 * torn frame would mix two sweeps and break this). The audio side is also checked for the
 * real-time contract: no allocation or lock while it runs (tests/support/rt_trap.c). */
#include "sjtest.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ---- expected points ---- */
/* Min/max path, 1000 Hz, time 5120 ms, trigger off (derivation in test_scope_capture.c,
 * test_minmax_exact): sweep 1 point 0 = frames 0..10, point k = 10k+1 .. 10k+10; sweep s >= 2
 * starts at 5121 + 5120 (s - 2) and point k spans start+10k .. start+10k+9. */
static void expect_minmax(uint64_t sweep, int k, float *max, float *min)
{
    if (sweep == 0) {
        *max = *min = NAN; /* nothing captured yet */
    } else if (sweep == 1) {
        *min = k == 0 ? 0.0f : (float)(10 * k + 1);
        *max = (float)(10 * k + 10);
    } else {
        double start = 5121.0 + 5120.0 * (double)(sweep - 2);
        *min = (float)(start + 10 * k);
        *max = (float)(start + 10 * k + 9);
    }
}

/* Oversampled path, 1000 Hz, time 128 ms: 4 points per frame, sweep s covers frames
 * 128 (s - 1) .. 128 s - 1 and point k holds frame 128 (s - 1) + floor(k/4). */
static void expect_over(uint64_t sweep, int k, float *max, float *min)
{
    if (sweep == 0)
        *max = *min = NAN;
    else
        *max = *min = (float)(128.0 * (double)(sweep - 1) + k / 4);
}

typedef void (*expect_fn)(uint64_t sweep, int k, float *max, float *min);

typedef struct run {
    sj_scope *scope;
    size_t frames;     /* at least this many; more (up to 16 M) until the reader has seen enough */
    atomic_bool done, enough;
    /* reader results */
    long frames_read, live_read, live_partial, torn;
    uint64_t last_sweep;
    char why[200];
} run;

static void *audio(void *arg)
{
    run *r = arg;
    enum { MAXB = 700 };
    double x[MAXB], y[MAXB];
    unsigned seed = 12345;
    size_t f = 0;
    const bool valgrind = sjt_under_valgrind();
    /* 16 M frames keep the ramps exact in f32 (below 2^24). */
    while (f < r->frames || (!atomic_load(&r->enough) && f < 16000000)) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 8) % MAXB;
        for (size_t j = 0; j < n; j++) {
            x[j] = (double)(f + j);
            y[j] = -(double)(f + j);
        }
        const double *in[3] = {x, y, NULL};
        sjt_rt_enter();
        sj_scope_process(r->scope, in, NULL, n);
        sjt_rt_leave();
        f += n;
        /* valgrind runs one thread at a time and switches rarely: let the reader in. */
        if (valgrind)
            sched_yield();
    }
    atomic_store(&r->done, true);
    return NULL;
}

static bool check_points(run *r, const sj_scope_frame *fr, expect_fn ex, int from, int to, uint64_t sweep)
{
    for (int k = from; k < to; k++) {
        float mx, mn;
        ex(sweep, k, &mx, &mn);
        const sj_scope_point *p = &fr->points[0][k], *q = &fr->points[1][k];
        bool good = isnan(mx) ? isnan(p->max) && isnan(p->min) && isnan(q->max) && isnan(q->min)
                              : p->max == mx && p->min == mn && q->max == -mn && q->min == -mx;
        if (!good) {
            snprintf(r->why, sizeof r->why, "sweep %llu point %d: (%g, %g), expected (%g, %g)",
                     (unsigned long long)sweep, k, (double)fr->points[0][k].max, (double)fr->points[0][k].min,
                     (double)mx, (double)mn);
            return false;
        }
    }
    return true;
}

static void stress(sj_scope *s, size_t frames, expect_fn ex)
{
    run *r = calloc(1, sizeof *r);
    r->scope = s;
    r->frames = frames;
    sjt_rt_reset();
    sj_scope_frame *fr = malloc(sizeof *fr);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, audio, r), 0);
    uint64_t last_complete = 0;
    while (!atomic_load(&r->done) && !r->torn) {
        if (sj_scope_read(s, fr)) {
            r->frames_read++;
            if (fr->sweep < last_complete) {
                snprintf(r->why, sizeof r->why, "sweep went back from %llu to %llu",
                         (unsigned long long)last_complete, (unsigned long long)fr->sweep);
                r->torn++;
            }
            last_complete = fr->sweep;
            if (!check_points(r, fr, ex, 0, SJ_SCOPE_SAMPLES, fr->sweep))
                r->torn++;
        }
        sj_scope_read_live(s, fr);
        r->live_read++;
        if (fr->filled > 0 && fr->filled < SJ_SCOPE_SAMPLES)
            r->live_partial++;
        if (r->frames_read > 10 && r->live_partial > 0)
            atomic_store(&r->enough, true);
        if (!check_points(r, fr, ex, 0, (int)fr->filled, fr->sweep) ||
            !check_points(r, fr, ex, (int)fr->filled, SJ_SCOPE_SAMPLES, fr->sweep - 1))
            r->torn++;
    }
    pthread_join(th, NULL);
    if (r->torn)
        fail_msg("torn frame: %s", r->why);
    print_message("%ld complete frames (last sweep %llu), %ld live reads (%ld mid-sweep) checked\n",
                  r->frames_read, (unsigned long long)last_complete, r->live_read, r->live_partial);
    /* The reader must really have overlapped the writer. */
    assert_true(r->frames_read > 10);
    assert_true(r->live_partial > 0);
    if (sjt_rt_trap_active())
        assert_int_equal(sjt_rt_violations(), 0);
    free(fr);
    free(r);
}

/* The trap itself counts an allocation and a lock inside an audio section. */
static void test_trap_works(void **state)
{
    (void)state;
    if (!sjt_rt_trap_active())
        return;
    void *(*volatile alloc)(size_t) = malloc;
    void (*volatile release)(void *) = free;
    int (*volatile lock)(pthread_mutex_t *) = pthread_mutex_lock;
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    sjt_rt_reset();
    sjt_rt_enter();
    void *p = alloc(16);
    lock(&m);
    sjt_rt_leave();
    pthread_mutex_unlock(&m);
    release(p);
    assert_int_equal(sjt_rt_violations(), 2);
    sjt_rt_reset();
}

/* Under valgrind (everything 20-50x slower) the stress runs are shortened; the audio side then
 * runs on until the reader has overlapped it enough. */
static size_t scaled(size_t frames)
{
    return sjt_under_valgrind() ? frames / 20 : frames;
}

static void test_stress_minmax(void **state)
{
    (void)state;
    sj_scope *s = sj_scope_new(1000);
    sj_scope_set_time(s, 5120);
    /* 12 M frames: ramp values stay below 2^24, exact in f32. */
    stress(s, scaled(12000000), expect_minmax);
    sj_scope_free(s);
}

static void test_stress_oversampled(void **state)
{
    (void)state;
    sj_scope *s = sj_scope_new(1000);
    sj_scope_set_time(s, 128);
    stress(s, scaled(4000000), expect_over);
    sj_scope_free(s);
}

/* Parameters and taps changed by another thread while the audio side runs: no allocation or lock
 * on the audio side, and the values arrive. */
static void *control(void *arg)
{
    sj_scope *s = arg;
    for (int i = 0; i < 20000; i++) {
        sj_scope_set_offset_gain(s, (unsigned)(i % 3), i * 1e-4, 1 + i * 1e-4);
        sj_scope_set_trigger(s, (sj_scope_trigger)(i % 3), 0.1);
        sj_scope_tap(s, (unsigned)(i % 4), (sj_scope_source)(i % 11), "cnt");
    }
    sj_scope_tap(s, 0, SJ_SCOPE_SRC_RET, NULL);
    sj_scope_set_trigger(s, SJ_SCOPE_TRIGGER_OFF, 0);
    return NULL;
}

static void test_control_thread(void **state)
{
    sjt t = sjt_open(state);
    const char *src = "*cnt = *cnt + 1\n&sig1 = *cnt\n*cnt\n";
    sj_ast *ast = NULL;
    assert_int_equal(sj_parse(src, strlen(src), "c.sj", t.lib, &ast, NULL), SJ_OK);
    sj_function *f = sjt_compile(&t, ast);
    sj_function_init(f, 1000, NULL);
    sj_scope *s = sj_scope_new(1000);
    sj_scope_set_time(s, 128);
    sjt_rt_reset();
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, control, s), 0);
    double sig1[64], ret[64], in[64] = {0};
    for (int b = 0; b < 4000; b++) {
        sj_block_io io = {{in, in, in, in, in, in}, sig1, NULL, ret};
        sjt_rt_enter();
        sj_function_process(f, &io, 64);
        sj_scope_feed(s, f, &io, 64);
        sjt_rt_leave();
    }
    pthread_join(th, NULL);
    /* After the control thread is done: input 0 shows ret = frame + 1 (4 points per frame). */
    for (int b = 0; b < 4; b++) {
        sj_block_io io = {{in, in, in, in, in, in}, sig1, NULL, ret};
        sj_function_process(f, &io, 64);
        sj_scope_feed(s, f, &io, 64);
    }
    sj_scope_frame fr;
    assert_true(sj_scope_read(s, &fr));
    float base = fr.points[0][0].max;
    for (int k = 0; k < SJ_SCOPE_SAMPLES; k++)
        SJT_ASSERT_SAME(fr.points[0][k].max, base + (float)(k / 4));
    if (sjt_rt_trap_active())
        assert_int_equal(sjt_rt_violations(), 0);
    sj_scope_free(s);
    sj_function_free(f);
    sjt_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trap_works),
        cmocka_unit_test(test_stress_minmax),
        cmocka_unit_test(test_stress_oversampled),
        cmocka_unit_test(test_control_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

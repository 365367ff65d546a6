/* The scope capture (spec §6.2, docs/scope.md): the min/max path, the oversampled path, the
 * trigger (threshold crossing, re-arm, external, off), offsets and gains, taps on a running
 * function. Most tests run at 1000 Hz so that the reference's f32 arithmetic is exact:
 * srate_ms = 1, sample_time = 1/srate_ms = 1 ms, and time_per_block = time/512 is a small
 * integer, so the frames each point spans can be derived by hand (derivations in the comments).
 * Inputs are ramps (value = frame number, exact in f32 below 2^24), so a point's (max, min) names
 * the last and first frame it covers; comparisons of such values are exact. */
#include "sjtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N SJ_SCOPE_SAMPLES

/* Feeds frames [from, to) of in1 = f, in2 = -f (in3 unconnected) in blocks of `block`; the
 * external trigger input is trig(f) when given. */
typedef double (*sigfn)(size_t f);
static double ramp(size_t f)
{
    return (double)f;
}
static double neg_ramp(size_t f)
{
    return -(double)f;
}

static void feed(sj_scope *s, size_t from, size_t to, size_t block, sigfn a, sigfn b, sigfn c, sigfn trig)
{
    double *x[3], *t;
    for (int i = 0; i < 3; i++)
        x[i] = malloc(block * sizeof(double));
    t = malloc(block * sizeof(double));
    for (size_t f0 = from; f0 < to; f0 += block) {
        size_t n = to - f0 < block ? to - f0 : block;
        sigfn fn[3] = {a, b, c};
        const double *in[3];
        for (int i = 0; i < 3; i++) {
            for (size_t j = 0; j < n; j++)
                x[i][j] = fn[i] ? fn[i](f0 + j) : 0.0;
            in[i] = fn[i] ? x[i] : NULL;
        }
        for (size_t j = 0; j < n; j++)
            t[j] = trig ? trig(f0 + j) : 0.0;
        sj_scope_process(s, in, trig ? t : NULL, n);
    }
    for (int i = 0; i < 3; i++)
        free(x[i]);
    free(t);
}

static void expect_point(const sj_scope_frame *fr, int i, int k, double max, double min)
{
    const sj_scope_point *p = &fr->points[i][k];
    if (p->max != (float)max || p->min != (float)min)
        fail_msg("sweep %llu input %d point %d = (max %.9g, min %.9g), expected (%.9g, %.9g)",
                 (unsigned long long)fr->sweep, i + 1, k, (double)p->max, (double)p->min, max, min);
}

/* Min/max path at 1000 Hz, time 5120 ms: samples_per_block = 5120*1/512 = 10 (>= 1: min/max path),
 * time_per_block = 10, sample_time = 1. frame_time starts at 0 and a point is written in the frame
 * where frame_time >= 10 *after* that frame's sample is included; then frame_time -= 10 and
 * += 1. So point 0 spans frames 0..10 (11 samples; frame_time 0..10), and point k >= 1 spans
 * 10k+1 .. 10k+10. Point 511 is written at frame 5120. */
static void test_minmax_exact(void **state)
{
    (void)state;
    sj_scope *s = sj_scope_new(1000);
    assert_non_null(s);
    sj_scope_set_time(s, 5120);
    sj_scope_frame fr;
    feed(s, 0, 5120, 100, ramp, neg_ramp, NULL, NULL);
    assert_false(sj_scope_read(s, &fr)); /* point 511 not written yet */
    assert_int_equal(fr.sweep, 0);
    assert_true(isnan(fr.points[0][0].max) && isnan(fr.points[0][0].min)); /* nothing captured */
    sj_scope_read_live(s, &fr); /* the first sweep in progress: 511 points so far */
    assert_int_equal(fr.sweep, 1);
    assert_int_equal(fr.filled, 511);
    expect_point(&fr, 0, 510, 5110, 5101);
    assert_true(isnan(fr.points[0][511].max));
    feed(s, 5120, 5121, 100, ramp, neg_ramp, NULL, NULL);
    assert_true(sj_scope_read(s, &fr));
    assert_int_equal(fr.sweep, 1);
    assert_int_equal(fr.filled, N);
    assert_true(fr.active[0] && fr.active[1] && !fr.active[2]);
    expect_point(&fr, 0, 0, 10, 0);
    expect_point(&fr, 1, 0, -0.0, -10);
    for (int k = 1; k < N; k++) {
        expect_point(&fr, 0, k, 10 * k + 10, 10 * k + 1);
        expect_point(&fr, 1, k, -(10 * k + 1), -(10 * k + 10));
        expect_point(&fr, 2, k, 0, 0); /* unconnected input reads 0.0 */
    }
    /* Trigger off (free-running): at frame 5120 idx = 512, so idx = 0 with frame_time kept. After
     * point 511 frame_time = 10 - 10 + 1 = 1, so sweep 2's point 0 spans 5121..5130 (frame_time
     * 1..10) and point k spans 5121+10k .. 5130+10k; point 511 is written at frame 10240.
     * (The reference would also check the trigger on in1 here; in1 = 5120 > 0.0001 fires and
     * resets frame_time to 0, giving point 0 eleven samples. docs/scope.md, "Differences".) */
    feed(s, 5121, 10240, 64, ramp, neg_ramp, NULL, NULL);
    assert_true(sj_scope_read(s, &fr));
    assert_int_equal(fr.sweep, 1);
    feed(s, 10240, 10241, 64, ramp, neg_ramp, NULL, NULL);
    assert_true(sj_scope_read(s, &fr));
    assert_int_equal(fr.sweep, 2);
    for (int k = 0; k < N; k++)
        expect_point(&fr, 0, k, 5130 + 10 * k, 5121 + 10 * k);
    sj_scope_free(s);
}

/* Oversampled path at 1000 Hz: time 128 ms gives samples_per_block = 128/512 = 0.25 < 1 and
 * copy_count = min(512, floor(1/0.25)) = 4: frame f writes (v, v) to points 4f..4f+3, so a sweep
 * takes 128 frames and point k holds frame floor(k/4). Time 100 ms: 1/0.1953125 = 5.12, copy 5,
 * point k holds frame floor(k/5) and the 103rd frame (102) writes only points 510 and 511. */
static void test_oversampled_exact(void **state)
{
    (void)state;
    sj_scope *s = sj_scope_new(1000);
    sj_scope_set_time(s, 128);
    sj_scope_frame fr;
    feed(s, 0, 128, 50, ramp, NULL, NULL, NULL);
    assert_true(sj_scope_read(s, &fr));
    assert_int_equal(fr.sweep, 1);
    assert_true(fr.active[0] && !fr.active[1] && !fr.active[2]);
    for (int k = 0; k < N; k++)
        expect_point(&fr, 0, k, k / 4, k / 4);
    /* Free-running: sweep 2 starts at frame 128. */
    feed(s, 128, 256, 7, ramp, NULL, NULL, NULL);
    assert_true(sj_scope_read(s, &fr));
    assert_int_equal(fr.sweep, 2);
    for (int k = 0; k < N; k++)
        expect_point(&fr, 0, k, 128 + k / 4, 128 + k / 4);
    sj_scope_free(s);

    s = sj_scope_new(1000);
    sj_scope_set_time(s, 100);
    feed(s, 0, 102, 512, ramp, NULL, NULL, NULL);
    assert_false(sj_scope_read(s, &fr));
    sj_scope_read_live(s, &fr);
    assert_int_equal(fr.filled, 510); /* 102 frames x 5 points */
    assert_int_equal(fr.sweep, 1);
    feed(s, 102, 103, 512, ramp, NULL, NULL, NULL);
    assert_true(sj_scope_read(s, &fr));
    for (int k = 0; k < N; k++)
        expect_point(&fr, 0, k, k / 5, k / 5);
    sj_scope_free(s);
}

/* A sine at a real rate. Oversampled: 48000 Hz, time 5 ms: samples_per_block = 5*48/512 = 0.46875,
 * 1/0.46875 = 2.133, copy_count 2, so point k holds sample floor(k/2) exactly (the same f32 the
 * input converts to). */
static double sine1k(size_t f)
{
    return sin(2.0 * M_PI * 1000.0 * (double)f / 48000.0);
}

static void test_sine_oversampled(void **state)
{
    (void)state;
    sj_scope *s = sj_scope_new(48000);
    sj_scope_set_time(s, 5);
    feed(s, 0, 256, 64, sine1k, NULL, NULL, NULL);
    sj_scope_frame fr;
    assert_true(sj_scope_read(s, &fr));
    for (int k = 0; k < N; k++)
        expect_point(&fr, 0, k, (float)sine1k(k / 2), (float)sine1k(k / 2));
    /* 5 ms of a 1 kHz sine: 5 periods, the label's range is the sine's: within 1 - cos(pi/48)
     * (half a sample of phase at 48 samples per period) of +-1. */
    float mn, mx;
    assert_true(sj_scope_frame_range(&fr, 0, &mn, &mx));
    SJT_ASSERT_NEAR(mx, 1.0, 1 - cos(M_PI / 48));
    SJT_ASSERT_NEAR(mn, -1.0, 1 - cos(M_PI / 48));
    sj_scope_free(s);
}

/* Min/max at a real rate: 44100 Hz, time 100 ms: samples_per_block = 100*44.1/512 = 8.613.
 * Ideally point k ends at the first frame e_k with e_k * sample_time >= (k+1) * time_per_block,
 * i.e. e_k = ceil((k+1) * 8.613...), and spans e_{k-1}+1 .. e_k (point 0: 0 .. e_0). frame_time
 * accumulates in f32, so a boundary may move by one frame: the point's max must lie between the
 * sine's max over the span shrunk by one frame at each end and over the span grown by one. */
static double sine441(size_t f)
{
    return sin(2.0 * M_PI * 441.0 * (double)f / 44100.0);
}

static void test_sine_minmax(void **state)
{
    (void)state;
    sj_scope *s = sj_scope_new(44100);
    sj_scope_set_time(s, 100);
    feed(s, 0, 4500, 256, sine441, NULL, NULL, NULL);
    sj_scope_frame fr;
    assert_true(sj_scope_read(s, &fr));
    assert_int_equal(fr.sweep, 1);
    double spb = 100.0 * 44.1 / 512.0;
    long prev_end = -1;
    for (int k = 0; k < N; k++) {
        long end = (long)ceil((k + 1) * spb);
        long a = prev_end + 1, b = end;
        float in_max = -2, in_min = 2, out_max = -2, out_min = 2;
        for (long f = a - 1; f <= b + 1; f++) {
            if (f < 0)
                continue;
            float v = (float)sine441((size_t)f);
            if (f >= a + 1 && f <= b - 1) {
                in_max = fmaxf(in_max, v);
                in_min = fminf(in_min, v);
            }
            out_max = fmaxf(out_max, v);
            out_min = fminf(out_min, v);
        }
        const sj_scope_point *p = &fr.points[0][k];
        if (!(p->max >= in_max && p->max <= out_max && p->min <= in_min && p->min >= out_min))
            fail_msg("point %d (%g, %g) not within inner (%g, %g) / outer (%g, %g)", k, (double)p->max,
                     (double)p->min, (double)in_max, (double)in_min, (double)out_max, (double)out_min);
        prev_end = end;
    }
    char label[80];
    sj_scope_frame_label(&fr, 0, label, sizeof label);
    /* 100 ms holds 44.1 periods; the extremes over spans of ~9 samples reach +-1 within 1e-3. */
    assert_string_equal(label, "in1 min: -1.000 max:  1.000 rng:  2.000");
    sj_scope_free(s);
}

/* Trigger on signal 1 at threshold 0.5 (CustomTrigger(0.5, 0.5001)), min/max path as in
 * test_minmax_exact. in1 is a gate: 0, then 1 from frame 7000 on; in2 a ramp shows the frames.
 * Sweep 1 fills frames 0..5120 regardless (§6.2 "at startup the buffer fills once"). From frame
 * 5120 on the trigger is checked every frame: in1 = 0 until 7000, where 1 > 0.5001 fires:
 * frame_time = 0, idx = 0. Frame 7001 is the first sample of sweep 2; frame_time runs 0..10 over
 * 7001..7011 (point 0, 11 samples), then point k spans 7002+10k .. 7011+10k; point 511 at 12121.
 * The trigger fired (triggered = true) and in1 stays 1, so no new edge: sweep 2 stays shown. Then
 * in1 drops to 0.5 (<= 0.5: re-arm) at 15000, rises to 0.50005 at 15100 (not > 0.5001: nothing)
 * and to 0.6 at 16000: fires, sweep 3 starts at 16001. */
static double gate(size_t f)
{
    if (f < 7000)
        return 0;
    if (f < 15000)
        return 1;
    if (f < 15100)
        return 0.5;
    if (f < 16000)
        return 0.50005;
    return 0.6;
}

static void test_trigger_signal1(void **state)
{
    (void)state;
    sj_scope *s = sj_scope_new(1000);
    sj_scope_set_time(s, 5120);
    sj_scope_set_trigger(s, SJ_SCOPE_TRIGGER_SIGNAL1, 0.5);
    sj_scope_frame fr;
    feed(s, 0, 12121, 128, gate, ramp, NULL, NULL);
    assert_true(sj_scope_read(s, &fr));
    assert_int_equal(fr.sweep, 1);
    feed(s, 12121, 12122, 128, gate, ramp, NULL, NULL);
    assert_true(sj_scope_read(s, &fr));
    assert_int_equal(fr.sweep, 2);
    assert_int_equal(fr.trigger, SJ_SCOPE_TRIGGER_SIGNAL1);
    SJT_ASSERT_SAME(fr.threshold, 0.5f);
    expect_point(&fr, 1, 0, 7011, 7001);
    for (int k = 1; k < N; k++)
        expect_point(&fr, 1, k, 7011 + 10 * k, 7002 + 10 * k);
    /* in1 is 1 everywhere in sweep 2 (7001 .. 12121). */
    for (int k = 0; k < N; k++)
        expect_point(&fr, 0, k, 1, 1);
    feed(s, 12122, 16000, 128, gate, ramp, NULL, NULL);
    assert_true(sj_scope_read(s, &fr));
    assert_int_equal(fr.sweep, 2); /* waiting: no edge */
    sj_scope_read_live(s, &fr);
    assert_int_equal(fr.sweep, 3);
    assert_int_equal(fr.filled, 0);
    expect_point(&fr, 1, 0, 7011, 7001);
    feed(s, 16000, 16001 + 5121, 128, gate, ramp, NULL, NULL);
    assert_true(sj_scope_read(s, &fr));
    assert_int_equal(fr.sweep, 3);
    expect_point(&fr, 1, 0, 16011, 16001);
    expect_point(&fr, 1, 1, 16021, 16012);
    sj_scope_free(s);
}

/* Trigger on a real signal, oversampled path: 441 Hz at 44100 (100 samples per period),
 * threshold 0, time 1 ms: samples_per_block = 44.1/512 = 0.0861, copy_count = floor(11.61) = 11,
 * so a sweep takes 47 frames (46 x 11 = 506 points, the 47th frame writes 506..511). Sweep 1 is
 * frames 0..46; at 46 the armed trigger sees sin(2pi 0.46) = 0.25 > 0.0001 and fires at once,
 * sweep 2 is 47..93. At 93 the trigger (fired at 46) sees a negative value: re-armed; it fires at
 * the first sample above 0.0001 after that, frame 101 (frame 100 is sin(2pi) = -2.4e-16 <= 0).
 * From then on every sweep starts one frame after an upward zero crossing: at 102 + 100m. */
static void test_trigger_sine(void **state)
{
    (void)state;
    sj_scope *s = sj_scope_new(44100);
    sj_scope_set_time(s, 1);
    sj_scope_set_trigger(s, SJ_SCOPE_TRIGGER_SIGNAL1, 0.0);
    sj_scope_frame fr;
    feed(s, 0, 47, 64, sine441, NULL, NULL, NULL);
    assert_true(sj_scope_read(s, &fr));
    assert_int_equal(fr.sweep, 1);
    feed(s, 47, 1000, 64, sine441, NULL, NULL, NULL);
    assert_true(sj_scope_read(s, &fr));
    /* Sweeps: 1 at 0, 2 at 47, then 102, 202, ..., 902 (sweep 11, complete at 948). */
    assert_int_equal(fr.sweep, 11);
    for (int k = 0; k < N; k++)
        expect_point(&fr, 0, k, (float)sine441(902 + k / 11), (float)sine441(902 + k / 11));
    /* Phase-locked: the same picture as sweep 3 would show, within the sine's float rounding. */
    for (int k = 0; k < N; k++)
        SJT_ASSERT_NEAR(fr.points[0][k].max, sine441(102 + k / 11), 1e-6);
    sj_scope_free(s);
}

/* External trigger: in1 is a ramp (which would fire an internal trigger at once) and the trigger
 * input pulses to 1 at 300 and 900. 1000 Hz, time 128 ms: 128 frames per sweep (oversampled, 4
 * points per frame). Sweep 1 is 0..127; the trigger input (0, armed) fires at 300: sweep 2 starts
 * at 301 (point k = frame 301 + k/4), ends at 428; the pulse at 900 starts sweep 3 at 901. */
static double pulses(size_t f)
{
    return (f == 300 || f == 900) ? 1.0 : 0.0;
}

static void test_trigger_external(void **state)
{
    (void)state;
    sj_scope *s = sj_scope_new(1000);
    sj_scope_set_time(s, 128);
    sj_scope_set_trigger(s, SJ_SCOPE_TRIGGER_EXTERNAL, 0.5);
    sj_scope_frame fr;
    feed(s, 0, 800, 100, ramp, NULL, NULL, pulses);
    assert_true(sj_scope_read(s, &fr));
    assert_int_equal(fr.sweep, 2);
    assert_int_equal(fr.trigger, SJ_SCOPE_TRIGGER_EXTERNAL);
    for (int k = 0; k < N; k++)
        expect_point(&fr, 0, k, 301 + k / 4, 301 + k / 4);
    feed(s, 800, 1100, 100, ramp, NULL, NULL, pulses);
    assert_true(sj_scope_read(s, &fr));
    assert_int_equal(fr.sweep, 3);
    expect_point(&fr, 0, 0, 901, 901);
    sj_scope_free(s);
}

/* Offsets, gains, time and trigger are reported with the frame: a completed frame carries the
 * parameters of the block in which it completed, the live view the current ones. */
static void test_params_reported(void **state)
{
    (void)state;
    sj_scope *s = sj_scope_new(1000);
    sj_scope_set_time(s, 128);
    sj_scope_set_offset_gain(s, 0, 0.5, 2.0);
    sj_scope_set_offset_gain(s, 1, -0.25, 0.5);
    sj_scope_set_offset_gain(s, 2, 0.0, 15.848932);
    sj_scope_set_offset_gain(s, 3, 9, 9); /* no input 4: ignored */
    feed(s, 0, 128, 128, ramp, ramp, ramp, NULL);
    sj_scope_set_offset_gain(s, 0, -1.0, 1.0);
    sj_scope_set_trigger(s, SJ_SCOPE_TRIGGER_SIGNAL1, 0.25);
    sj_scope_frame fr;
    assert_true(sj_scope_read(s, &fr));
    SJT_ASSERT_SAME(fr.offset[0], 0.5f);
    SJT_ASSERT_SAME(fr.gain[0], 2.0f);
    SJT_ASSERT_SAME(fr.offset[1], -0.25f);
    SJT_ASSERT_SAME(fr.gain[1], 0.5f);
    SJT_ASSERT_SAME(fr.gain[2], (float)15.848932);
    SJT_ASSERT_SAME(fr.time_ms, 128.0f);
    SJT_ASSERT_SAME(fr.srate, 1000.0f);
    assert_int_equal(fr.trigger, SJ_SCOPE_TRIGGER_OFF);
    sj_scope_read_live(s, &fr);
    SJT_ASSERT_SAME(fr.offset[0], -1.0f);
    assert_int_equal(fr.trigger, SJ_SCOPE_TRIGGER_SIGNAL1);
    SJT_ASSERT_SAME(fr.threshold, 0.25f);
    /* Time is clamped to 0.1 .. 300000 ms (§6.2 step 3); NaN is ignored. */
    sj_scope_set_time(s, 0.001);
    SJT_ASSERT_SAME(sj_scope_time(s), (double)0.1f);
    sj_scope_set_time(s, 1e9);
    SJT_ASSERT_SAME(sj_scope_time(s), 300000.0);
    sj_scope_set_time(s, NAN);
    SJT_ASSERT_SAME(sj_scope_time(s), 300000.0);
    /* Labels: the reference's format over the raw points. */
    memset(&fr, 0, sizeof fr);
    fr.points[0][3] = (sj_scope_point){0.75f, -0.5f};
    char buf[80];
    sj_scope_frame_label(&fr, 0, buf, sizeof buf);
    assert_string_equal(buf, "in1 min: -0.500 max:  0.750 rng:  1.250");
    sj_scope_free(s);
}

/* sj_scope_restart drops the sweep in progress: the next block starts at point 0 with
 * frame_time 0 (min/max path as in test_minmax_exact with R = 3000: point 0 spans R..R+10, point
 * k spans R+10k+1 .. R+10k+10, point 511 is written at R+5120). */
static void test_restart_and_nan(void **state)
{
    (void)state;
    sj_scope *s = sj_scope_new(1000);
    sj_scope_set_time(s, 5120);
    feed(s, 0, 3000, 100, ramp, NULL, NULL, NULL);
    sj_scope_restart(s);
    feed(s, 3000, 3000 + 5121, 100, ramp, NULL, NULL, NULL);
    sj_scope_frame fr;
    assert_true(sj_scope_read(s, &fr));
    assert_int_equal(fr.sweep, 1);
    expect_point(&fr, 0, 0, 3010, 3000);
    expect_point(&fr, 0, 511, 8120, 8111);
    sj_scope_free(s);

    /* A span with only NaN is (NaN, NaN); a span with some NaN keeps the numbers (fmaxf/fminf);
     * the label range skips NaN points. Oversampled, 4 points per frame. */
    s = sj_scope_new(1000);
    sj_scope_set_time(s, 128);
    double x[128];
    for (int f = 0; f < 128; f++)
        x[f] = f == 5 ? NAN : f * 0.001;
    const double *in[3] = {x, NULL, NULL};
    sj_scope_process(s, in, NULL, 128);
    assert_true(sj_scope_read(s, &fr));
    assert_true(isnan(fr.points[0][20].max) && isnan(fr.points[0][20].min));
    float mn, mx;
    assert_true(sj_scope_frame_range(&fr, 0, &mn, &mx));
    SJT_ASSERT_SAME(mn, 0.0f);
    SJT_ASSERT_SAME(mx, (float)0.127);
    sj_scope_free(s);
}

/* ---- taps on a running function ---- */

static sj_function *compile_text(sjt *t, const char *src)
{
    sj_ast *ast = NULL;
    assert_int_equal(sj_parse(src, strlen(src), "tap.sj", t->lib, &ast, NULL), SJ_OK);
    return sjt_compile(t, ast);
}

/* *cnt counts frames from 1; &sig1 = 2 * *cnt, &sig2 = alpha, ret = *cnt. 1000 Hz, time 128 ms:
 * 4 points per frame, so point k shows frame floor(k/4), where *cnt = floor(k/4) + 1. */
static const char tap_prog[] = "*cnt = *cnt + 1\n&sig1 = *cnt * 2\n&sig2 = alpha\n*cnt\n";

static void test_taps_block(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f = compile_text(&t, tap_prog);
    sj_function_init(f, 1000, NULL);
    sj_scope *s = sj_scope_new(1000);
    sj_scope_set_time(s, 128);
    assert_int_equal(sj_scope_tap(s, 0, SJ_SCOPE_SRC_SIG1, NULL), SJ_OK);
    assert_int_equal(sj_scope_tap(s, 1, SJ_SCOPE_SRC_RET, NULL), SJ_OK);
    assert_int_equal(sj_scope_tap(s, 2, SJ_SCOPE_SRC_PV, "cnt"), SJ_OK);
    assert_int_equal(sj_scope_tap(s, 2, SJ_SCOPE_SRC_PV, NULL), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(sj_scope_tap(s, 4, SJ_SCOPE_SRC_IN1, NULL), SJ_ERR_INVALID_ARGUMENT);
    double sig1[16], sig2[16], ret[16], alpha[16];
    for (int b = 0; b < 8; b++) {
        for (int j = 0; j < 16; j++)
            alpha[j] = -(b * 16 + j);
        sj_block_io io = {{NULL, NULL, alpha, NULL, NULL, NULL}, sig1, sig2, ret};
        sj_function_process(f, &io, 16);
        sj_scope_feed(s, f, &io, 16);
    }
    sj_scope_frame fr;
    assert_true(sj_scope_read(s, &fr));
    assert_true(fr.active[0] && fr.active[1] && fr.active[2]);
    for (int k = 0; k < N; k++) {
        int fno = k / 4;
        expect_point(&fr, 0, k, 2 * (fno + 1), 2 * (fno + 1));
        expect_point(&fr, 1, k, fno + 1, fno + 1);
        /* A persistent variable is read once after the block and held: 16 x (block + 1). */
        expect_point(&fr, 2, k, 16 * (fno / 16 + 1), 16 * (fno / 16 + 1));
    }
    /* Retap between blocks: input 0 shows alpha, input 1 an output the io does not have
     * (inactive), input 2 an unknown variable (inactive). */
    sj_scope_tap(s, 0, SJ_SCOPE_SRC_ALPHA, NULL);
    sj_scope_tap(s, 1, SJ_SCOPE_SRC_SIG2, NULL);
    sj_scope_tap(s, 2, SJ_SCOPE_SRC_PV, "*nope");
    for (int b = 8; b < 16; b++) {
        for (int j = 0; j < 16; j++)
            alpha[j] = -(b * 16 + j);
        sj_block_io io = {{NULL, NULL, alpha, NULL, NULL, NULL}, sig1, NULL, ret};
        sj_function_process(f, &io, 16);
        sj_scope_feed(s, f, &io, 16);
    }
    assert_true(sj_scope_read(s, &fr));
    assert_int_equal(fr.sweep, 2);
    assert_true(fr.active[0] && !fr.active[1] && !fr.active[2]);
    for (int k = 0; k < N; k++)
        expect_point(&fr, 0, k, -(128 + k / 4), -(128 + k / 4));
    sj_scope_free(s);
    sj_function_free(f);
    sjt_close(&t);
}

/* Per-frame feeding after sj_function_exec reads the persistent variable at every frame; the
 * external trigger can tap a function input too (here in2: a pulse at frame 200). */
static void test_taps_frame(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f = compile_text(&t, tap_prog);
    sj_function_init(f, 1000, NULL);
    sj_scope *s = sj_scope_new(1000);
    sj_scope_set_time(s, 128);
    sj_scope_set_trigger(s, SJ_SCOPE_TRIGGER_EXTERNAL, 0.5);
    sj_scope_tap(s, 0, SJ_SCOPE_SRC_PV, "*cnt");
    sj_scope_tap(s, 3, SJ_SCOPE_SRC_IN2, NULL);
    for (int fno = 0; fno < 400; fno++) {
        double in[6] = {0, fno == 200 ? 1.0 : 0.0, 0, 0, 0, 0};
        double s1 = 0, s2 = 0;
        double r = sj_function_exec(f, in[0], in[1], in[2], in[3], in[4], in[5], &s1, &s2);
        sj_scope_feed_frame(s, f, in, s1, s2, r);
    }
    sj_scope_frame fr;
    assert_true(sj_scope_read(s, &fr));
    /* Sweep 1: frames 0..127 (*cnt = frame + 1); the pulse at 200 starts sweep 2 at 201. */
    assert_int_equal(fr.sweep, 2);
    for (int k = 0; k < N; k++)
        expect_point(&fr, 0, k, 201 + k / 4 + 1, 201 + k / 4 + 1);
    sj_scope_free(s);
    sj_function_free(f);
    sjt_close(&t);
}

/* The engine's audio side: sj_backend_process_block, then sj_scope_feed with its function. */
static void test_taps_engine(void **state)
{
    (void)state;
    sj_engine *eng = sj_engine_new(NULL, NULL);
    assert_non_null(eng);
    sj_ast *ast = NULL;
    assert_int_equal(sj_parse(tap_prog, strlen(tap_prog), "tap.sj", sj_context_library(sj_engine_context(eng)),
                              &ast, NULL),
                     SJ_OK);
    assert_int_equal(sj_engine_upload(eng, ast, NULL), SJ_OK);
    sj_ast_free(ast);
    sj_backend *be = sj_engine_backend(eng);
    sj_backend_set_sample_rate(be, 1000);
    sj_scope *s = sj_scope_new(1000);
    sj_scope_set_time(s, 128);
    sj_scope_tap(s, 0, SJ_SCOPE_SRC_RET, NULL);
    sj_scope_tap(s, 1, SJ_SCOPE_SRC_PV, "cnt");
    double ret[32];
    for (int b = 0; b < 4; b++) {
        sj_backend_process_updates(be);
        sj_block_io io = {{NULL}, NULL, NULL, ret};
        sj_backend_process_block(be, &io, 32);
        sj_scope_feed(s, sj_backend_function(be), &io, 32);
    }
    sj_scope_frame fr;
    assert_true(sj_scope_read(s, &fr));
    for (int k = 0; k < N; k++) {
        expect_point(&fr, 0, k, k / 4 + 1, k / 4 + 1);
        expect_point(&fr, 1, k, 32 * (k / 128 + 1), 32 * (k / 128 + 1));
    }
    sj_scope_free(s);
    sj_engine_collect(eng);
    sj_engine_free(eng);
}

/* NULL scopes, NULL io, NULL functions and zero-length blocks are harmless. */
static void test_null_safety(void **state)
{
    (void)state;
    sj_scope_frame fr;
    sj_scope_process(NULL, NULL, NULL, 10);
    sj_scope_feed(NULL, NULL, NULL, 10);
    sj_scope_feed_frame(NULL, NULL, NULL, 0, 0, 0);
    sj_scope_set_time(NULL, 1);
    sj_scope_restart(NULL);
    assert_false(sj_scope_read(NULL, &fr));
    sj_scope_read_live(NULL, &fr);
    sj_scope_free(NULL);
    assert_int_equal(sj_scope_tap(NULL, 0, SJ_SCOPE_SRC_IN1, NULL), SJ_ERR_INVALID_ARGUMENT);

    sj_scope *s = sj_scope_new(0); /* 0: 44100 */
    sj_scope_set_sample_rate(s, INFINITY);
    sj_scope_set_sample_rate(s, 0.5);
    sj_scope_set_time(s, 128);
    sj_scope_tap(s, 0, SJ_SCOPE_SRC_PV, "x");
    sj_scope_tap(s, 1, SJ_SCOPE_SRC_SIG1, NULL);
    sj_scope_tap(s, 2, SJ_SCOPE_SRC_IN1, NULL);
    sj_scope_feed(s, NULL, NULL, 0);
    sj_scope_feed(s, NULL, NULL, 100000); /* no function, no io: PV and sig1 inactive, in1 reads 0 */
    sj_scope_feed_frame(s, NULL, NULL, 1, 2, 3);
    sj_scope_process(s, NULL, NULL, 5);
    assert_true(sj_scope_read(s, &fr));
    SJT_ASSERT_SAME(fr.srate, 44100.0f);
    assert_true(!fr.active[0] && !fr.active[1] && fr.active[2]);
    SJT_ASSERT_SAME(fr.points[2][7].max, 0.0f);
    sj_scope_free(s);
}

static void test_source_names(void **state)
{
    (void)state;
    sj_scope_source src;
    const char *name;
    assert_true(sj_scope_source_parse("sig1", &src, &name) && src == SJ_SCOPE_SRC_SIG1 && !name);
    assert_true(sj_scope_source_parse("&sig2", &src, &name) && src == SJ_SCOPE_SRC_SIG2);
    assert_true(sj_scope_source_parse("gamma", &src, &name) && src == SJ_SCOPE_SRC_GAMMA);
    assert_true(sj_scope_source_parse("*phase", &src, &name) && src == SJ_SCOPE_SRC_PV);
    assert_string_equal(name, "*phase");
    assert_true(sj_scope_source_parse("pv:x", &src, &name) && src == SJ_SCOPE_SRC_PV);
    assert_string_equal(name, "x");
    assert_false(sj_scope_source_parse("sig3", &src, &name));
    assert_string_equal(sj_scope_source_name(SJ_SCOPE_SRC_RET), "ret");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minmax_exact),
        cmocka_unit_test(test_oversampled_exact),
        cmocka_unit_test(test_sine_oversampled),
        cmocka_unit_test(test_sine_minmax),
        cmocka_unit_test(test_trigger_signal1),
        cmocka_unit_test(test_trigger_sine),
        cmocka_unit_test(test_trigger_external),
        cmocka_unit_test(test_params_reported),
        cmocka_unit_test(test_restart_and_nan),
        SJT_BOTH(test_taps_block),
        SJT_BOTH(test_taps_frame),
        cmocka_unit_test(test_taps_engine),
        cmocka_unit_test(test_null_safety),
        cmocka_unit_test(test_source_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

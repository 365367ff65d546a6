/* Pictures (cli/scope_png.c, linked in directly): a scope frame captured from known signals is
 * drawn to a PNG, read back with cairo, and the trace colours must be found exactly where the
 * layout says the signal's values go (x = x0 + (i + 0.5) w / 512, y = y0 + (1 - ((v gain + offs)
 * 0.5 + 0.5)) h: the reference widget's mapping), and not a few pixels away. Same for a plot. */
#include "sjtest.h"

#include "../cli/scope_png.c"

#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef SJ_HAVE_CAIRO

typedef struct img {
    cairo_surface_t *s;
    unsigned char *data;
    int w, h, stride;
} img;

static img load(const char *path)
{
    img m;
    m.s = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(m.s), CAIRO_STATUS_SUCCESS);
    cairo_surface_flush(m.s);
    m.data = cairo_image_surface_get_data(m.s);
    m.w = cairo_image_surface_get_width(m.s);
    m.h = cairo_image_surface_get_height(m.s);
    m.stride = cairo_image_surface_get_stride(m.s);
    return m;
}

static unsigned pixel(const img *m, double x, double y)
{
    int xi = (int)floor(x), yi = (int)floor(y);
    assert_true(xi >= 0 && xi < m->w && yi >= 0 && yi < m->h);
    uint32_t v;
    memcpy(&v, m->data + (size_t)yi * (size_t)m->stride + (size_t)xi * 4, 4);
    return v & 0xffffffu; /* opaque picture: premultiplied = plain RGB */
}

/* Colour distance: the largest channel difference. Traces are drawn at alpha 0.92 over the
 * background or the grid, which moves a channel by at most 0.08 * 255 = 20.4. */
static int dist(unsigned a, unsigned b)
{
    int d = 0;
    for (int sh = 0; sh < 24; sh += 8) {
        int x = abs((int)((a >> sh) & 255) - (int)((b >> sh) & 255));
        if (x > d)
            d = x;
    }
    return d;
}

#define NEAR_TRACE 24

static double ramp(size_t f)
{
    return -0.9 + 1.8 * (double)f / 127.0;
}

static void test_frame_picture(void **state)
{
    (void)state;
    /* Oversampled capture (1000 Hz, time 128 ms: 4 points per frame, test_scope_capture.c): input 1
     * a ramp -0.9 .. 0.9, input 2 a constant -0.5 shown with gain 0.5 and offset 0.5 (drawn at
     * -0.5 * 0.5 + 0.5 = 0.25). */
    sj_scope *s = sj_scope_new(1000);
    sj_scope_set_time(s, 128);
    sj_scope_set_offset_gain(s, 1, 0.5, 0.5);
    double a[128], b[128], c[128];
    for (int f = 0; f < 128; f++) {
        a[f] = ramp((size_t)f);
        b[f] = -0.5;
    }
    const double *in[3] = {a, b, NULL};
    sj_scope_process(s, in, NULL, 128);
    sj_scope_frame fr;
    assert_true(sj_scope_read(s, &fr));
    sj_scope_free(s);
    /* Input 3 from a second capture on the min/max path: every point spans 10 or 11 frames, so
     * each holds both values: (max 0.8, min 0.2). */
    s = sj_scope_new(1000);
    sj_scope_set_time(s, 5120);
    for (int f0 = 0; f0 < 5121; f0 += 128) {
        for (int f = 0; f < 128; f++)
            c[f] = (f0 + f) % 2 ? 0.8 : 0.2;
        const double *in3[3] = {NULL, NULL, c};
        sj_scope_process(s, in3, NULL, 5121 - f0 < 128 ? (size_t)(5121 - f0) : 128);
    }
    sj_scope_frame fr3;
    assert_true(sj_scope_read(s, &fr3));
    memcpy(fr.points[2], fr3.points[2], sizeof fr.points[2]);
    fr.active[2] = true;
    SJT_ASSERT_SAME(fr.points[2][100].max, 0.8f);
    SJT_ASSERT_SAME(fr.points[2][100].min, 0.2f);
    sj_scope_free(s);

    char path[] = "/tmp/sjscopeXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    const char *names[3] = {"sig1", "sig2", "*env"};
    char err[200];
    assert_int_equal(scope_png_frame(&fr, names, "test", path, 800, 300, err, sizeof err), 0);
    img m = load(path);
    assert_int_equal(m.w, 800);
    assert_int_equal(m.h, 300);
    scope_png_layout l = scope_png_frame_layout(800, 300);
    unsigned c1 = trace_rgb[0], c2 = trace_rgb[1], c3 = trace_rgb[2], bg = BG;
    /* Points k with k % 4 == 2: their neighbours hold the same frame, so the trace is flat there
     * and covers the whole pixel (at a step between frames it is a diagonal). */
    for (int k = 10; k < SJ_SCOPE_SAMPLES - 8; k += 24) {
        double x = l.x0 + (k + 0.5) * l.w / SJ_SCOPE_SAMPLES;
        /* Input 1: point k holds frame k/4. */
        double v = (double)(float)ramp((size_t)(k / 4));
        double y = l.y0 + (1 - (v * 0.5 + 0.5)) * l.h;
        if (dist(pixel(&m, x, y), c1) > NEAR_TRACE)
            fail_msg("input 1 point %d: no trace colour at (%.1f, %.1f): %06x", k, x, y, pixel(&m, x, y));
        /* 6 px above and below there is no input 1 (the ramp rises 1.8 over the width: < 1 px per
         * 2 px; the trace is 2 px thick), unless another trace is there. */
        for (int dy = -6; dy <= 6; dy += 12) {
            unsigned p = pixel(&m, x, y + dy);
            if (dist(p, c1) <= NEAR_TRACE)
                fail_msg("input 1 point %d: trace colour 6 px off at (%.1f, %.1f)", k, x, y + dy);
        }
        /* Input 2 at 0.25 with its offset and gain. */
        double y2 = l.y0 + (1 - ((-0.5 * 0.5 + 0.5) * 0.5 + 0.5)) * l.h;
        if (fabs(y2 - y) > 4 && dist(pixel(&m, x, y2), c2) > NEAR_TRACE)
            fail_msg("input 2 point %d: no trace colour at (%.1f, %.1f): %06x", k, x, y2, pixel(&m, x, y2));
        /* Input 3: a filled band from 0.8 down to 0.2, drawn under 1 and 2. */
        double ytop = l.y0 + (1 - (0.8 * 0.5 + 0.5)) * l.h, ybot = l.y0 + (1 - (0.2 * 0.5 + 0.5)) * l.h;
        for (double yy = ytop + 1; yy < ybot - 1; yy += 3) {
            if (fabs(yy - y) < 4 || fabs(yy - y2) < 4)
                continue;
            if (dist(pixel(&m, x, yy), c3) > NEAR_TRACE)
                fail_msg("input 3 point %d: band missing at (%.1f, %.1f): %06x", k, x, yy, pixel(&m, x, yy));
        }
        if (fabs(ytop - 8 - y) > 4 && fabs(ytop - 8 - y2) > 4)
            assert_true(dist(pixel(&m, x, ytop - 8), c3) > NEAR_TRACE);
    }
    /* Outside the plot area: the background. */
    assert_true(dist(pixel(&m, l.x0 + l.w / 2, l.y0 + l.h + ROW + 8), bg) < 8);
    cairo_surface_destroy(m.s);
    unlink(path);
}

static void test_plot_picture(void **state)
{
    (void)state;
    /* A plot of one period of a sine over the full width, range -2..2: column c holds
     * sin(2 pi (c + 0.5) / ncols) as max and min. */
    scope_png_layout l = scope_png_plot_layout(640, 240);
    size_t n = (size_t)l.w;
    float *mx = malloc(n * sizeof(float)), *mn = malloc(n * sizeof(float));
    for (size_t c = 0; c < n; c++)
        mx[c] = mn[c] = (float)sin(2 * M_PI * (c + 0.5) / (double)n);
    scope_png_trace tr = {mx, mn, "sig1"};
    char path[] = "/tmp/sjplotXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[200];
    assert_int_equal(scope_png_plot(&tr, 1, 0.01, -2, 2, NULL, path, 640, 240, err, sizeof err), 0);
    img m = load(path);
    assert_int_equal(m.w, 640);
    assert_int_equal(m.h, 240);
    for (size_t c = 5; c < n - 5; c += 17) {
        double x = l.x0 + c + 0.5;
        double y = l.y0 + (2 - mx[c]) / 4 * l.h;
        if (dist(pixel(&m, x, y), trace_rgb[0]) > NEAR_TRACE)
            fail_msg("column %zu: no trace at (%.1f, %.1f)", c, x, y);
        /* The sine's slope is at most 2 pi / n * (h / 4) px per column: < 1; 6 px away is empty. */
        if (dist(pixel(&m, x, y - 6), trace_rgb[0]) <= NEAR_TRACE || dist(pixel(&m, x, y + 6), trace_rgb[0]) <= NEAR_TRACE)
            fail_msg("column %zu: trace colour 6 px off", c);
    }
    cairo_surface_destroy(m.s);
    unlink(path);
    free(mx);
    free(mn);
    /* Errors come back as messages, not crashes. */
    assert_int_equal(scope_png_plot(&tr, 1, 1, 1, -1, NULL, "/tmp/x.png", 640, 240, err, sizeof err), -1);
    sj_scope_frame fr;
    memset(&fr, 0, sizeof fr);
    assert_int_equal(scope_png_frame(&fr, NULL, NULL, "/nonexistent/dir/x.png", 640, 240, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot write"));
}

#else
static void test_frame_picture(void **state)
{
    (void)state;
    skip();
}
static void test_plot_picture(void **state)
{
    (void)state;
    skip();
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_picture),
        cmocka_unit_test(test_plot_picture),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
#ifdef SJ_HAVE_CAIRO
    /* cairo and fontconfig keep font caches until told to drop them (else the leak checkers of
     * make san / make valgrind report them). fontconfig is loaded as cairo's dependency. */
    cairo_debug_reset_static_data();
    void *fini = dlsym(RTLD_DEFAULT, "FcFini");
    if (fini) {
        void (*fn)(void);
        memcpy(&fn, &fini, sizeof fn);
        fn();
    }
#endif
    return rc;
}

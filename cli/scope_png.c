/*
 * Pictures of signals with cairo: a scope frame drawn like the reference's scope widget, and a plot
 * of a whole signal (see scope_png.h). Colours and geometry follow HexoTK's scope widget and
 * HexoSynth's style.scope (shared/design/studio-research.md §1.6); the grid, the axes and the
 * status line are ours.
 */
#include "scope_png.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#ifdef SJ_HAVE_CAIRO
#include <cairo.h>
#endif

/* Text rows: font 12 (the reference's label font size) with some spacing. */
#define ROW 17.0
#define FONT 12.0
#define PAD_L 46.0
#define PAD_R 22.0

scope_png_layout scope_png_frame_layout(int width, int height)
{
    scope_png_layout l;
    l.width = width;
    l.height = height;
    l.x0 = PAD_L;
    l.y0 = 2 * ROW + 12;             /* two label rows (in1, in2), as the reference */
    l.w = width - PAD_L - PAD_R;
    l.h = height - l.y0 - (3 * ROW + 6); /* time axis, in3 label + status */
    return l;
}

scope_png_layout scope_png_plot_layout(int width, int height)
{
    scope_png_layout l;
    l.width = width;
    l.height = height;
    l.x0 = 58;
    l.y0 = 2 * ROW + 8;
    l.w = width - 58 - 16;
    l.h = height - l.y0 - (2 * ROW + 6);
    return l;
}

#ifdef SJ_HAVE_CAIRO

typedef struct rgb {
    double r, g, b;
} rgb;

static rgb hex(unsigned v)
{
    rgb c = {((v >> 16) & 255) / 255.0, ((v >> 8) & 255) / 255.0, (v & 255) / 255.0};
    return c;
}

static rgb shade(rgb c, double f)
{
    rgb o;
    if (f < 1) {
        o.r = c.r * f, o.g = c.g * f, o.b = c.b * f;
    } else {
        f -= 1;
        o.r = c.r + (1 - c.r) * f, o.g = c.g + (1 - c.g) * f, o.b = c.b + (1 - c.b) * f;
    }
    return o;
}

static void color(cairo_t *cr, rgb c, double a)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, a);
}

/* HexoSynth style.scope. */
#define BG 0x111920u
#define BORDER 0x922f93u
#define HLINE 0x594fa1u
#define GRID 0x24323cu
#define TEXT_DIM 0x8a9aa6u
static const unsigned trace_rgb[SJ_SCOPE_INPUTS] = {0x03b5e7u, 0xb45745u, 0x1fb349u};

static void set_err(char *err, size_t size, const char *msg, const char *path)
{
    if (err && size)
        snprintf(err, size, "%s%s%s", msg, path ? ": " : "", path ? path : "");
}

static void text(cairo_t *cr, double x, double y, const char *s, int align /* -1 left, 0 centre, 1 right */)
{
    cairo_text_extents_t ext;
    cairo_text_extents(cr, s, &ext);
    double ax = align < 0 ? x : align == 0 ? x - ext.x_advance / 2 : x - ext.x_advance;
    cairo_move_to(cr, ax, y);
    cairo_show_text(cr, s);
}

/* A time in ms as "250 us", "12.5 ms", "1.5 s". */
static void fmt_time(double ms, char *buf, size_t size)
{
    if (ms == 0)
        snprintf(buf, size, "0");
    else if (ms < 1)
        snprintf(buf, size, "%.3g us", ms * 1000);
    else if (ms < 1000)
        snprintf(buf, size, "%.3g ms", ms);
    else
        snprintf(buf, size, "%.4g s", ms / 1000);
}

/* Draws one envelope: points (max[i], min[i]) at x = x0 + (i + 0.5) * w / n, runs of points with
 * numbers as filled polygons (max left to right, min right to left), the top edge moved up and the
 * bottom edge down by half the line width, so a flat signal is a 2 px line. y maps a value. */
typedef double (*ymap)(const void *ctx, double v);

static double clampv(double v)
{
    return v > 1e6 ? 1e6 : v < -1e6 ? -1e6 : v;
}

static void envelope(cairo_t *cr, const scope_png_layout *l, const float *max, const float *min, size_t stride,
                     size_t n, ymap y, const void *yctx)
{
    const double half = 1.0;
    size_t i = 0;
    while (i < n) {
        while (i < n && (isnan(max[i * stride]) || isnan(min[i * stride])))
            i++;
        size_t a = i;
        while (i < n && !isnan(max[i * stride]) && !isnan(min[i * stride]))
            i++;
        size_t b = i; /* run [a, b) */
        if (a == b)
            continue;
        double dx = l->w / (double)n;
        if (b - a == 1) { /* a lone point: a small block one slot wide */
            double x = l->x0 + (a + 0.5) * dx;
            double yt = y(yctx, clampv(max[a * stride])) - half, yb = y(yctx, clampv(min[a * stride])) + half;
            cairo_rectangle(cr, x - dx / 2, yt, dx, yb - yt);
            cairo_fill(cr);
            continue;
        }
        for (size_t k = a; k < b; k++) {
            double x = l->x0 + (k + 0.5) * dx;
            double yy = y(yctx, clampv(max[k * stride])) - half;
            if (k == a)
                cairo_move_to(cr, x, yy);
            else
                cairo_line_to(cr, x, yy);
        }
        for (size_t k = b; k-- > a;)
            cairo_line_to(cr, l->x0 + (k + 0.5) * dx, y(yctx, clampv(min[k * stride])) + half);
        cairo_close_path(cr);
        cairo_fill(cr);
    }
}

typedef struct frame_y {
    const scope_png_layout *l;
    double gain, offset;
} frame_y;

/* The reference's mapping: y = (1 - ((v * gain + offs) * 0.5 + 0.5)) * h. */
static double frame_map(const void *ctx, double v)
{
    const frame_y *f = ctx;
    return f->l->y0 + (1 - ((v * f->gain + f->offset) * 0.5 + 0.5)) * f->l->h;
}

static int finish(cairo_surface_t *surf, cairo_t *cr, const char *path, char *err, size_t errsize)
{
    int rc = 0;
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        set_err(err, errsize, cairo_status_to_string(cairo_status(cr)), NULL);
        rc = -1;
    }
    cairo_destroy(cr);
    if (rc == 0) {
        cairo_status_t st = cairo_surface_write_to_png(surf, path);
        if (st != CAIRO_STATUS_SUCCESS) {
            set_err(err, errsize, "cannot write the picture", path);
            rc = -1;
        }
    }
    cairo_surface_destroy(surf);
    return rc;
}

static cairo_t *begin(int width, int height, cairo_surface_t **surf, char *err, size_t errsize)
{
    if (width < 160 || height < 120 || width > 16384 || height > 16384) {
        set_err(err, errsize, "the picture must be 160x120 to 16384x16384 pixels", NULL);
        return NULL;
    }
    *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    if (cairo_surface_status(*surf) != CAIRO_STATUS_SUCCESS) {
        set_err(err, errsize, "cannot create the picture", NULL);
        cairo_surface_destroy(*surf);
        return NULL;
    }
    cairo_t *cr = cairo_create(*surf);
    color(cr, hex(BG), 1);
    cairo_paint(cr);
    color(cr, hex(BORDER), 1);
    cairo_set_line_width(cr, 2);
    cairo_rectangle(cr, 1, 1, width - 2, height - 2);
    cairo_stroke(cr);
    cairo_select_font_face(cr, "DejaVu Sans Mono", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, FONT);
    return cr;
}

static void hline(cairo_t *cr, const scope_png_layout *l, double y)
{
    cairo_move_to(cr, l->x0, y);
    cairo_line_to(cr, l->x0 + l->w, y);
    cairo_stroke(cr);
}

static void vline(cairo_t *cr, const scope_png_layout *l, double x)
{
    cairo_move_to(cr, x, l->y0);
    cairo_line_to(cr, x, l->y0 + l->h);
    cairo_stroke(cr);
}

int scope_png_frame(const sj_scope_frame *fr, const char *const names[SJ_SCOPE_INPUTS], const char *title,
                    const char *path, int width, int height, char *err, size_t errsize)
{
    cairo_surface_t *surf;
    cairo_t *cr = begin(width, height, &surf, err, errsize);
    if (!cr)
        return -1;
    scope_png_layout l = scope_png_frame_layout(width, height);
    char buf[160];

    /* Grid: 10 time divisions, values at -1, -0.5, 0.5, 1 (the centre line comes later). */
    cairo_set_line_width(cr, 1);
    color(cr, hex(GRID), 1);
    for (int k = 0; k <= 10; k++)
        vline(cr, &l, floor(l.x0 + l.w * k / 10) + 0.5);
    for (int k = -2; k <= 2; k++)
        if (k)
            hline(cr, &l, floor(l.y0 + l.h * (2 - k) / 4) + 0.5);
    color(cr, hex(TEXT_DIM), 1);
    for (int k = -2; k <= 2; k++) {
        snprintf(buf, sizeof buf, "%+.1f", k / 2.0);
        text(cr, l.x0 - 6, l.y0 + l.h * (2 - k) / 4 + 4, k ? buf : "0", 1);
    }
    for (int k = 0; k <= 10; k += 2) {
        fmt_time(fr->time_ms * k / 10, buf, sizeof buf);
        text(cr, l.x0 + l.w * k / 10, l.y0 + l.h + ROW - 3, buf, k == 0 ? -1 : k == 10 ? 1 : 0);
    }

    /* The reference's centre line (hline colour, 1.5 px). */
    color(cr, hex(HLINE), 1);
    cairo_set_line_width(cr, 1.5);
    hline(cr, &l, l.y0 + l.h / 2);

    /* Zero lines of inputs with an offset, in a darker trace colour. */
    cairo_set_line_width(cr, 1);
    for (int i = 0; i < SJ_SCOPE_INPUTS; i++) {
        if (!fr->active[i] || fabsf(fr->offset[i]) <= 0.001f)
            continue;
        frame_y fy = {&l, fr->gain[i], fr->offset[i]};
        color(cr, shade(hex(trace_rgb[i]), 0.5), 1);
        hline(cr, &l, frame_map(&fy, 0));
    }

    /* The sweep in progress: a faint cursor where the new sweep meets the previous one. */
    if (fr->filled > 0 && fr->filled < SJ_SCOPE_SAMPLES) {
        color(cr, hex(TEXT_DIM), 0.35);
        vline(cr, &l, l.x0 + l.w * (double)fr->filled / SJ_SCOPE_SAMPLES);
    }

    /* Traces, clipped to the plot area with 5 px of padding (as the reference). */
    cairo_save(cr);
    cairo_rectangle(cr, l.x0, l.y0 - 5, l.w, l.h + 10);
    cairo_clip(cr);
    for (int i = SJ_SCOPE_INPUTS - 1; i >= 0; i--) {
        if (!fr->active[i])
            continue;
        frame_y fy = {&l, fr->gain[i], fr->offset[i]};
        color(cr, hex(trace_rgb[i]), 0.92);
        envelope(cr, &l, &fr->points[i][0].max, &fr->points[i][0].min, 2, SJ_SCOPE_SAMPLES, frame_map, &fy);
    }
    cairo_restore(cr);

    /* Threshold line and marker (with signal 1's offset and gain) when the trigger is on. */
    if (fr->trigger != SJ_SCOPE_TRIGGER_OFF) {
        frame_y fy = {&l, fr->gain[0], fr->offset[0]};
        double y = frame_map(&fy, fr->threshold);
        if (y >= l.y0 - 5 && y <= l.y0 + l.h + 5) {
            color(cr, shade(hex(HLINE), 1.45), 0.9);
            cairo_set_line_width(cr, 1);
            double dash[] = {6, 4};
            cairo_set_dash(cr, dash, 2, 0);
            hline(cr, &l, floor(y) + 0.5);
            cairo_set_dash(cr, NULL, 0, 0);
            cairo_rectangle(cr, l.x0 + l.w + 2, y - 4.5, 15, 9);
            cairo_fill(cr);
        }
    }

    /* Plot frame. */
    color(cr, hex(HLINE), 0.8);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, floor(l.x0) + 0.5, floor(l.y0) + 0.5, floor(l.w), floor(l.h));
    cairo_stroke(cr);

    /* Labels: in1 and in2 on the top rows, in3 on the bottom row (reference), with what they show. */
    for (int i = 0; i < SJ_SCOPE_INPUTS; i++) {
        if (!fr->active[i])
            continue;
        char lab[96];
        sj_scope_frame_label(fr, (unsigned)i, lab, sizeof lab);
        if (names && names[i])
            snprintf(buf, sizeof buf, "%s   %s", lab, names[i]);
        else
            snprintf(buf, sizeof buf, "%s", lab);
        double y = i < 2 ? 6 + ROW * (i + 1) - 4 : height - 8;
        color(cr, hex(trace_rgb[i]), 1);
        text(cr, 10, y, buf, -1);
    }
    if (title) {
        color(cr, hex(TEXT_DIM), 1);
        text(cr, width - 10, 6 + ROW - 4, title, 1);
    }
    /* Status: time range, trigger, sweep. */
    char tbuf[32], trig[64];
    if (fr->trigger == SJ_SCOPE_TRIGGER_OFF)
        snprintf(trig, sizeof trig, "trigger off");
    else
        snprintf(trig, sizeof trig, "trigger %s > %.3f", fr->trigger == SJ_SCOPE_TRIGGER_SIGNAL1 ? "in1" : "ext",
                 (double)fr->threshold);
    fmt_time(fr->time_ms / 10, tbuf, sizeof tbuf);
    snprintf(buf, sizeof buf, "%s/div  %s  sweep %llu", tbuf, trig, (unsigned long long)fr->sweep);
    color(cr, hex(TEXT_DIM), 1);
    text(cr, width - 10, height - 8, buf, 1);
    return finish(surf, cr, path, err, errsize);
}

/* ---- plots ---- */

typedef struct plot_y {
    const scope_png_layout *l;
    double lo, hi;
} plot_y;

static double plot_map(const void *ctx, double v)
{
    const plot_y *p = ctx;
    return p->l->y0 + (p->hi - v) / (p->hi - p->lo) * p->l->h;
}

/* A "nice" step (1, 2 or 5 times a power of ten) giving about `n` divisions of span. */
static double nice_step(double span, int n)
{
    double raw = span / n;
    double p = pow(10, floor(log10(raw)));
    double m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

int scope_png_plot(const scope_png_trace *traces, int ntraces, double seconds, double lo, double hi,
                   const char *title, const char *path, int width, int height, char *err, size_t errsize)
{
    if (!(lo < hi) || ntraces < 1 || ntraces > SJ_SCOPE_INPUTS) {
        set_err(err, errsize, "bad plot range", NULL);
        return -1;
    }
    cairo_surface_t *surf;
    cairo_t *cr = begin(width, height, &surf, err, errsize);
    if (!cr)
        return -1;
    scope_png_layout l = scope_png_plot_layout(width, height);
    size_t ncols = (size_t)l.w;
    plot_y py = {&l, lo, hi};
    char buf[160];

    /* Value grid and labels. */
    double vs = nice_step(hi - lo, 6);
    cairo_set_line_width(cr, 1);
    for (double v = ceil(lo / vs) * vs; v <= hi + vs * 1e-9; v += vs) {
        double y = floor(plot_map(&py, v)) + 0.5;
        bool zero = fabs(v) < vs * 1e-6;
        color(cr, zero ? hex(HLINE) : hex(GRID), 1);
        cairo_set_line_width(cr, zero ? 1.5 : 1);
        hline(cr, &l, y);
        color(cr, hex(TEXT_DIM), 1);
        snprintf(buf, sizeof buf, "%.4g", zero ? 0.0 : v);
        text(cr, l.x0 - 6, y + 4, buf, 1);
    }
    /* Time grid and labels. */
    double ms = seconds * 1000;
    double ts = ms > 0 ? nice_step(ms, 10) : 1;
    cairo_set_line_width(cr, 1);
    for (double t = 0; ms > 0 && t <= ms + ts * 1e-9; t += ts) {
        double x = floor(l.x0 + l.w * t / ms) + 0.5;
        color(cr, hex(GRID), 1);
        vline(cr, &l, x);
        color(cr, hex(TEXT_DIM), 1);
        fmt_time(t, buf, sizeof buf);
        double right = l.x0 + l.w;
        text(cr, x, l.y0 + l.h + ROW - 3, buf, x - l.x0 < 20 ? -1 : right - x < 20 ? 1 : 0);
    }

    cairo_save(cr);
    cairo_rectangle(cr, l.x0, l.y0 - 5, l.w, l.h + 10);
    cairo_clip(cr);
    for (int i = ntraces - 1; i >= 0; i--) {
        color(cr, hex(trace_rgb[i]), 0.92);
        /* max and min are separate arrays here: draw through a small interleaving window. */
        enum { CH = 1024 };
        float tmp[2 * CH + 2];
        /* Envelope runs may cross chunk boundaries; drawing chunks that overlap by one column
         * keeps the polygon continuous. */
        for (size_t c0 = 0; c0 < ncols; c0 += CH) {
            size_t n = ncols - c0 < CH + 1 ? ncols - c0 : CH + 1;
            for (size_t k = 0; k < n; k++) {
                tmp[2 * k] = traces[i].max[c0 + k];
                tmp[2 * k + 1] = traces[i].min[c0 + k];
            }
            scope_png_layout sub = l;
            sub.x0 = l.x0 + (double)c0;
            sub.w = (double)n;
            envelope(cr, &sub, &tmp[0], &tmp[1], 2, n, plot_map, &py);
        }
    }
    cairo_restore(cr);

    color(cr, hex(HLINE), 0.8);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, floor(l.x0) + 0.5, floor(l.y0) + 0.5, floor(l.w), floor(l.h));
    cairo_stroke(cr);

    /* Labels as the scope's, over the whole plot. */
    for (int i = 0; i < ntraces; i++) {
        float mx = -INFINITY, mn = INFINITY;
        for (size_t k = 0; k < ncols; k++) {
            mx = fmaxf(mx, traces[i].max[k]);
            mn = fminf(mn, traces[i].min[k]);
        }
        if (!(mx >= mn))
            mx = mn = 0;
        snprintf(buf, sizeof buf, "%s min: %6.3f max: %6.3f rng: %6.3f", traces[i].name ? traces[i].name : "?",
                 (double)mn, (double)mx, (double)(mx - mn));
        color(cr, hex(trace_rgb[i]), 1);
        text(cr, 10 + (i == 2 ? (width - 20) / 2.0 : 0), 6 + ROW * (i == 2 ? 1 : i + 1) - 4, buf, -1);
    }
    if (title) {
        color(cr, hex(TEXT_DIM), 1);
        text(cr, width - 10, 6 + ROW - 4, title, 1);
    }
    color(cr, hex(TEXT_DIM), 1);
    fmt_time(ms, buf, sizeof buf);
    char line[200];
    snprintf(line, sizeof line, "%s, min/max per pixel column", buf);
    text(cr, width - 10, height - 8, line, 1);
    return finish(surf, cr, path, err, errsize);
}

#else /* no cairo */

int scope_png_frame(const sj_scope_frame *frame, const char *const names[SJ_SCOPE_INPUTS], const char *title,
                    const char *path, int width, int height, char *err, size_t errsize)
{
    (void)frame, (void)names, (void)title, (void)path, (void)width, (void)height;
    if (err && errsize)
        snprintf(err, errsize, "this sigjit was built without cairo: no pictures");
    return -1;
}

int scope_png_plot(const scope_png_trace *traces, int ntraces, double seconds, double lo, double hi,
                   const char *title, const char *path, int width, int height, char *err, size_t errsize)
{
    (void)traces, (void)ntraces, (void)seconds, (void)lo, (void)hi, (void)title, (void)path, (void)width,
        (void)height;
    if (err && errsize)
        snprintf(err, errsize, "this sigjit was built without cairo: no pictures");
    return -1;
}

#endif

/*
 * Pictures of signals with cairo (docs/scope.md): a scope frame drawn like the reference's scope
 * widget (HexoTK scope.rs: traces as min/max envelopes, centre line, offset zero lines, threshold
 * line and marker, "inN min/max/rng" labels), plus a grid and a time axis; and plots of a whole
 * signal over a time span (min/max per pixel column). Also the glue for `sigjit render --scope`.
 * The drawing functions need only sigjit.h and cairo, so tests can link this file directly.
 */
#ifndef SJ_CLI_SCOPE_PNG_H
#define SJ_CLI_SCOPE_PNG_H

#include "sigjit.h"

#include <stdbool.h>
#include <stddef.h>

/* Geometry of a picture: the plot area inside it (pixels; x0,y0 top left). A point i of a scope
 * frame is drawn at x = x0 + (i + 0.5) * w / 512; a value v of input n at
 * y = y0 + (1 - ((v * gain + offset) * 0.5 + 0.5)) * h (the reference's mapping: -1..1 fills h). */
typedef struct scope_png_layout {
    int width, height;      /* the image */
    double x0, y0, w, h;    /* the plot area */
} scope_png_layout;

/* The layout scope_png_frame uses for an image of width x height. */
scope_png_layout scope_png_frame_layout(int width, int height);

/* Draws frame to a PNG file. names[i] (may be NULL) says what input i shows ("sig1", "*phase");
 * title may be NULL. Returns 0, or -1 with a message in err. Without cairo: always -1. */
int scope_png_frame(const sj_scope_frame *frame, const char *const names[SJ_SCOPE_INPUTS], const char *title,
                    const char *path, int width, int height, char *err, size_t errsize);

/* One trace of a plot: ncols (max, min) pairs, one per pixel column of the plot area. */
typedef struct scope_png_trace {
    const float *max, *min;
    const char *name;
} scope_png_trace;

/* The plot area of a plot image of width x height (ncols = its w). */
scope_png_layout scope_png_plot_layout(int width, int height);

/* Draws a plot: ntraces (1..3) traces of layout.w columns each spanning `seconds` from left to
 * right, over the value range [lo, hi] (lo < hi). Returns 0 or -1 with err. */
int scope_png_plot(const scope_png_trace *traces, int ntraces, double seconds, double lo, double hi,
                   const char *title, const char *path, int width, int height, char *err, size_t errsize);

/* ---- sigjit render --scope (cli/plot.c) ---- */
#define SCOPE_CLI_MAX_BLOCK 4096

typedef struct scope_cli {
    const char *out;            /* --scope OUT.png (NULL: no scope) */
    double time_ms;             /* --scope-time */
    const char *trigger;        /* --scope-trigger off|sig1|ext:NAME */
    double threshold;           /* --scope-threshold */
    const char *signals;        /* --scope-signals LIST (default "sig1,sig2") */
    int width, height;
    sj_scope *scope;
    bool checked;               /* taps on persistent variables checked (at the first block) */
    const char *pv[SJ_SCOPE_INPUTS + 1];  /* persistent-variable taps (inputs, trigger) or NULL */
    char pvbuf[SJ_SCOPE_INPUTS + 1][64];
    const char *names[SJ_SCOPE_INPUTS];
    char namebuf[SJ_SCOPE_INPUTS][64];
    double ret[SCOPE_CLI_MAX_BLOCK]; /* the return values of a block, for a "ret" tap */
} scope_cli;

void scope_cli_init(scope_cli *sc);
/* Option parsing: 1 if argv[*i] was a scope option (*i advanced past its value), 0 if not, -1 on
 * a usage error (message printed). */
int scope_cli_option(scope_cli *sc, int argc, char **argv, int *i);
/* After the function is initialised: creates the scope and its taps. Returns an exit code. */
int scope_cli_begin(scope_cli *sc, double rate);
/* After each processed block (io as given to sj_function_process). */
void scope_cli_feed(scope_cli *sc, const sj_function *fun, const sj_block_io *io, size_t n);
/* Writes the picture of what the scope shows now. Returns an exit code. */
int scope_cli_finish(scope_cli *sc);
void scope_cli_free(scope_cli *sc);
/* The help lines of the options. */
extern const char scope_cli_help[];

#endif

/*
 * sigjit plot: runs a program for a time span and draws whole signals to a PNG (min/max per pixel
 * column). Also the glue of `sigjit render --scope` (scope_cli_*, declared in scope_png.h): a
 * scope capture fed from the rendered blocks, drawn at the end of the render.
 */
#include "cli.h"
#include "scope_png.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char plot_help[] =
    "usage: sigjit plot FILE -o OUT.png [--seconds S | --frames N] [--rate R] [--set NAME=VALUE ...]\n"
    "                   [--signals LIST] [--range LO:HI] [--size WxH] [--title TEXT]\n"
    "                   [--backend interp|native] [--werror]\n"
    "\n"
    "Runs the program for S seconds (default 1) and draws the whole span: each pixel column shows\n"
    "the largest and smallest value of the frames it covers, as the scope's min/max envelopes.\n"
    "--signals lists up to 3 of in1 in2 alpha beta delta gamma sig1 sig2 ret *NAME (a persistent\n"
    "variable, read at every frame); default sig1,sig2. The value range is -1..1, widened to fit\n"
    "the signals, unless --range gives it. --size defaults to 960x360.\n";

#define PLOT_BLOCK 512

typedef struct sigsel {
    sj_scope_source src[SJ_SCOPE_INPUTS];
    const char *pv[SJ_SCOPE_INPUTS];
    char name[SJ_SCOPE_INPUTS][64];
    int n;
    bool any_pv;
} sigsel;

/* Parses "sig1,sig2,*phase" (at most 3). */
static bool parse_signals(const char *list, sigsel *sel, const char *what)
{
    memset(sel, 0, sizeof *sel);
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || len >= sizeof sel->name[0]) {
            cli_error("%s: bad signal list '%s'", what, list);
            return false;
        }
        if (sel->n == SJ_SCOPE_INPUTS) {
            cli_error("%s: at most %d signals", what, SJ_SCOPE_INPUTS);
            return false;
        }
        memcpy(sel->name[sel->n], p, len);
        sel->name[sel->n][len] = 0;
        const char *pv;
        if (!sj_scope_source_parse(sel->name[sel->n], &sel->src[sel->n], &pv) ||
            sel->src[sel->n] == SJ_SCOPE_SRC_NONE) {
            cli_error("%s: unknown signal '%s' (in1 in2 alpha beta delta gamma sig1 sig2 ret *NAME)", what,
                      sel->name[sel->n]);
            return false;
        }
        sel->pv[sel->n] = pv;
        if (sel->src[sel->n] == SJ_SCOPE_SRC_PV)
            sel->any_pv = true;
        sel->n++;
        p += len;
        if (*p == ',')
            p++;
    }
    if (sel->n == 0) {
        cli_error("%s: no signals", what);
        return false;
    }
    return true;
}

static bool parse_size(const char *s, int *w, int *h)
{
    char *end;
    long a = strtol(s, &end, 10);
    if (*end != 'x')
        return false;
    long b = strtol(end + 1, &end, 10);
    if (*end || a < 160 || b < 120 || a > 16384 || b > 16384)
        return false;
    *w = (int)a;
    *h = (int)b;
    return true;
}

static double value_of(sj_scope_source src, const char *pv, const sj_function *fun, const double in[6], double s1,
                       double s2, double ret)
{
    double v = 0;
    switch (src) {
    case SJ_SCOPE_SRC_SIG1:
        return s1;
    case SJ_SCOPE_SRC_SIG2:
        return s2;
    case SJ_SCOPE_SRC_RET:
        return ret;
    case SJ_SCOPE_SRC_PV: {
        char name[70];
        snprintf(name, sizeof name, "%s%s", pv[0] == '*' ? "" : "*", pv);
        if (!sj_function_get_pv(fun, name, &v))
            return NAN;
        return v;
    }
    default:
        if (src >= SJ_SCOPE_SRC_IN1 && src <= SJ_SCOPE_SRC_GAMMA)
            return in[src - SJ_SCOPE_SRC_IN1];
        return 0;
    }
}

int cmd_plot(int argc, char **argv)
{
    const char *outpath = NULL, *signals = "sig1,sig2", *title = NULL;
    double lo = 0, hi = 0;
    bool have_range = false;
    int width = 960, height = 360;
    cli_run_opts o;
    cli_run_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (cli_is_help(a)) {
            fputs(plot_help, stdout);
            return EXIT_OK;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (!(outpath = cli_opt_value(argc, argv, &i)))
                return EXIT_USAGE;
        } else if (strcmp(a, "--signals") == 0) {
            if (!(signals = cli_opt_value(argc, argv, &i)))
                return EXIT_USAGE;
        } else if (strcmp(a, "--range") == 0) {
            if (!(v = cli_opt_value(argc, argv, &i)))
                return EXIT_USAGE;
            char *end;
            lo = strtod(v, &end);
            if (*end != ':' || !(hi = strtod(end + 1, &end), *end == 0) || !(lo < hi) || !isfinite(lo) ||
                !isfinite(hi)) {
                cli_error("--range wants LO:HI with LO < HI");
                return EXIT_USAGE;
            }
            have_range = true;
        } else if (strcmp(a, "--size") == 0) {
            if (!(v = cli_opt_value(argc, argv, &i)))
                return EXIT_USAGE;
            if (!parse_size(v, &width, &height)) {
                cli_error("--size wants WxH, from 160x120 to 16384x16384");
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--title") == 0) {
            if (!(title = cli_opt_value(argc, argv, &i)))
                return EXIT_USAGE;
        } else if (!cli_run_opt(&o, "plot", argc, argv, &i)) {
            return EXIT_USAGE;
        }
    }
    if (!o.file || !outpath) {
        fputs(plot_help, stderr);
        return EXIT_USAGE;
    }
    /* A picture of nothing would be empty: at least one frame, at most 1e5 s. */
    if ((o.have_frames && o.frames == 0) || o.seconds == 0 || o.seconds > 1e5) {
        cli_error("plot: --frames wants a whole number > 0, --seconds a number in (0, 1e5]");
        return EXIT_USAGE;
    }
    sigsel sel;
    if (!parse_signals(signals, &sel, "--signals"))
        return EXIT_USAGE;
    const double rate = o.rate > 0 ? o.rate : 44100;
    size_t frames = o.have_frames ? o.frames : (size_t)llround((o.seconds > 0 ? o.seconds : 1.0) * rate);
    if (frames == 0)
        frames = 1;
    const double seconds = (double)frames / rate;

    scope_png_layout lay = scope_png_plot_layout(width, height);
    size_t ncols = (size_t)lay.w;
    float *cmax = malloc(ncols * SJ_SCOPE_INPUTS * sizeof(float));
    float *cmin = malloc(ncols * SJ_SCOPE_INPUTS * sizeof(float));
    if (!cmax || !cmin) {
        free(cmax);
        free(cmin);
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    for (size_t k = 0; k < ncols * SJ_SCOPE_INPUTS; k++) {
        cmax[k] = -INFINITY;
        cmin[k] = INFINITY;
    }
    cli_loaded l;
    int rc = cli_load_run(&o, rate, &l);
    if (rc == EXIT_OK) {
        sj_function *fun = l.fun;
        const double *in = o.in.in;
        for (int s = 0; s < sel.n; s++) {
            double dummy;
            char name[70];
            if (sel.src[s] != SJ_SCOPE_SRC_PV)
                continue;
            snprintf(name, sizeof name, "%s%s", sel.pv[s][0] == '*' ? "" : "*", sel.pv[s]);
            if (!sj_function_get_pv(fun, name, &dummy))
                fprintf(stderr, "sigjit: warning: the program has no persistent variable '%s'\n", name);
        }
        static double inb[6][PLOT_BLOCK], s1[PLOT_BLOCK], s2[PLOT_BLOCK], ret[PLOT_BLOCK];
        for (int k = 0; k < 6; k++)
            for (size_t j = 0; j < PLOT_BLOCK; j++)
                inb[k][j] = in[k];
        /* Column c covers frames [a_c, b_c): a_c = floor(c N / C), b_c = max(a_c + 1, floor((c+1) N / C)). */
        uint64_t N = frames, C = ncols;
        size_t col = 0;
        for (size_t f0 = 0; f0 < frames; f0 += PLOT_BLOCK) {
            size_t n = frames - f0 < PLOT_BLOCK ? frames - f0 : PLOT_BLOCK;
            double pvv[SJ_SCOPE_INPUTS][PLOT_BLOCK];
            if (sel.any_pv) {
                /* Persistent variables change inside a block: run frame by frame. */
                for (size_t j = 0; j < n; j++) {
                    double a = 0, b = 0;
                    ret[j] = sj_function_exec(fun, in[0], in[1], in[2], in[3], in[4], in[5], &a, &b);
                    s1[j] = a;
                    s2[j] = b;
                    for (int s = 0; s < sel.n; s++)
                        if (sel.src[s] == SJ_SCOPE_SRC_PV)
                            pvv[s][j] = value_of(sel.src[s], sel.pv[s], fun, in, a, b, ret[j]);
                }
            } else {
                sj_block_io io = {{inb[0], inb[1], inb[2], inb[3], inb[4], inb[5]}, s1, s2, ret};
                sj_function_process(fun, &io, n);
            }
            for (size_t j = 0; j < n; j++) {
                uint64_t f = f0 + j;
                while (col < C) {
                    uint64_t a = col * N / C, b = (col + 1) * N / C;
                    if (b < a + 1)
                        b = a + 1;
                    if (b > f)
                        break;
                    col++;
                }
                for (size_t c = col; c < C && c * N / C <= f; c++) {
                    for (int s = 0; s < sel.n; s++) {
                        double v = sel.src[s] == SJ_SCOPE_SRC_PV
                                       ? pvv[s][j]
                                       : value_of(sel.src[s], sel.pv[s], fun, in, s1[j], s2[j], ret[j]);
                        float x = (float)v;
                        cmax[s * ncols + c] = fmaxf(cmax[s * ncols + c], x);
                        cmin[s * ncols + c] = fminf(cmin[s * ncols + c], x);
                    }
                }
            }
        }
        for (size_t k = 0; k < ncols * SJ_SCOPE_INPUTS; k++)
            if (!(cmax[k] >= cmin[k]))
                cmax[k] = cmin[k] = NAN;
        if (!have_range) {
            /* -1..1, widened to the finite extremes with 5% headroom. */
            double dmin = INFINITY, dmax = -INFINITY;
            for (size_t k = 0; k < ncols * (size_t)sel.n; k++) {
                if (isfinite(cmin[k]) && cmin[k] < dmin)
                    dmin = cmin[k];
                if (isfinite(cmax[k]) && cmax[k] > dmax)
                    dmax = cmax[k];
            }
            lo = -1;
            hi = 1;
            if (dmin < -1 || dmax > 1) {
                double l2 = dmin < -1 ? dmin : -1, h2 = dmax > 1 ? dmax : 1;
                double m = (h2 - l2) * 0.05;
                lo = dmin < -1 ? l2 - m : -1;
                hi = dmax > 1 ? h2 + m : 1;
            }
        }
        scope_png_trace tr[SJ_SCOPE_INPUTS];
        for (int s = 0; s < sel.n; s++) {
            tr[s].max = cmax + s * ncols;
            tr[s].min = cmin + s * ncols;
            tr[s].name = sel.name[s];
        }
        char err[256];
        if (scope_png_plot(tr, sel.n, seconds, lo, hi, title ? title : o.file, outpath, width, height, err,
                           sizeof err) != 0) {
            cli_error("plot: %s", err);
            rc = EXIT_IO;
        }
    }
    cli_loaded_free(&l);
    free(cmax);
    free(cmin);
    return rc;
}

/* ---- sigjit render --scope ---- */

const char scope_cli_help[] =
    "  --scope OUT.png        also draw what a scope shows at the end of the render\n"
    "  --scope-time MS        its time range, 0.1 .. 300000 ms (default 1000)\n"
    "  --scope-trigger T      off (default), sig1 (a rising edge of the first signal) or ext:NAME\n"
    "                         (a rising edge of NAME: in1 .. gamma, sig1, sig2, ret, *pv)\n"
    "  --scope-threshold T    the trigger threshold (default 0)\n"
    "  --scope-signals LIST   up to 3 of in1 .. gamma, sig1, sig2, ret, *pv (default sig1,sig2;\n"
    "                         persistent variables are read once per 512-frame block)\n"
    "  --scope-size WxH       the picture's size (default 960x400)\n";

void scope_cli_init(scope_cli *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->time_ms = SJ_SCOPE_TIME_DEFAULT_MS;
    sc->trigger = "off";
    sc->signals = "sig1,sig2";
    sc->width = 960;
    sc->height = 400;
}

int scope_cli_option(scope_cli *sc, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    static const char *const opts[] = {"--scope", "--scope-time", "--scope-trigger", "--scope-threshold",
                                       "--scope-signals", "--scope-size"};
    int which = -1;
    for (int k = 0; k < 6; k++)
        if (strcmp(a, opts[k]) == 0)
            which = k;
    if (which < 0)
        return 0;
    const char *v = cli_opt_value(argc, argv, i);
    if (!v)
        return -1;
    switch (which) {
    case 0:
        sc->out = v;
        break;
    case 1:
        if (!cli_parse_double(v, &sc->time_ms) || !(sc->time_ms >= SJ_SCOPE_TIME_MIN_MS) ||
            sc->time_ms > SJ_SCOPE_TIME_MAX_MS) {
            cli_error("--scope-time wants milliseconds from 0.1 to 300000");
            return -1;
        }
        break;
    case 2:
        if (strcmp(v, "off") != 0 && strcmp(v, "sig1") != 0 && strcmp(v, "in1") != 0 && strncmp(v, "ext:", 4) != 0) {
            cli_error("--scope-trigger is off, sig1 or ext:NAME");
            return -1;
        }
        if (strncmp(v, "ext:", 4) == 0) {
            sj_scope_source s;
            if (!sj_scope_source_parse(v + 4, &s, NULL) || s == SJ_SCOPE_SRC_NONE) {
                cli_error("--scope-trigger ext:NAME: unknown signal '%s'", v + 4);
                return -1;
            }
        }
        sc->trigger = v;
        break;
    case 3:
        if (!cli_parse_double(v, &sc->threshold) || !isfinite(sc->threshold)) {
            cli_error("--scope-threshold wants a number");
            return -1;
        }
        break;
    case 4: {
        sigsel sel;
        if (!parse_signals(v, &sel, "--scope-signals"))
            return -1;
        sc->signals = v;
        break;
    }
    default:
        if (!parse_size(v, &sc->width, &sc->height)) {
            cli_error("--scope-size wants WxH, from 160x120 to 16384x16384");
            return -1;
        }
        break;
    }
    return 1;
}

int scope_cli_begin(scope_cli *sc, double rate)
{
    if (!sc->out)
        return EXIT_OK;
    sigsel sel;
    if (!parse_signals(sc->signals, &sel, "--scope-signals"))
        return EXIT_USAGE;
    sc->scope = sj_scope_new(rate);
    if (!sc->scope) {
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    sj_scope_set_time(sc->scope, sc->time_ms);
    for (int s = 0; s < sel.n; s++) {
        sj_scope_tap(sc->scope, (unsigned)s, sel.src[s], sel.pv[s]);
        if (sel.pv[s]) {
            snprintf(sc->pvbuf[s], sizeof sc->pvbuf[s], "%s", sel.pv[s]);
            sc->pv[s] = sc->pvbuf[s];
        }
        snprintf(sc->namebuf[s], sizeof sc->namebuf[s], "%s", sel.name[s]);
        sc->names[s] = sc->namebuf[s];
    }
    if (strcmp(sc->trigger, "off") == 0) {
        sj_scope_set_trigger(sc->scope, SJ_SCOPE_TRIGGER_OFF, sc->threshold);
    } else if (strncmp(sc->trigger, "ext:", 4) == 0) {
        sj_scope_source s;
        const char *pv;
        sj_scope_source_parse(sc->trigger + 4, &s, &pv);
        sj_scope_tap(sc->scope, 3, s, pv);
        if (pv) {
            snprintf(sc->pvbuf[3], sizeof sc->pvbuf[3], "%s", pv);
            sc->pv[3] = sc->pvbuf[3];
        }
        sj_scope_set_trigger(sc->scope, SJ_SCOPE_TRIGGER_EXTERNAL, sc->threshold);
    } else {
        sj_scope_set_trigger(sc->scope, SJ_SCOPE_TRIGGER_SIGNAL1, sc->threshold);
    }
    return EXIT_OK;
}

void scope_cli_feed(scope_cli *sc, const sj_function *fun, const sj_block_io *io, size_t n)
{
    if (!sc->scope)
        return;
    if (!sc->checked) {
        sc->checked = true;
        for (int t = 0; t <= SJ_SCOPE_INPUTS; t++) {
            char name[70];
            if (!sc->pv[t])
                continue;
            snprintf(name, sizeof name, "%s%s", sc->pv[t][0] == '*' ? "" : "*", sc->pv[t]);
            if (!sj_function_get_pv(fun, name, NULL))
                fprintf(stderr, "sigjit: warning: --scope: the program has no persistent variable '%s'\n", name);
        }
    }
    sj_scope_feed(sc->scope, fun, io, n);
}

int scope_cli_finish(scope_cli *sc)
{
    if (!sc->scope)
        return EXIT_OK;
    sj_scope_frame *fr = malloc(sizeof *fr);
    if (!fr) {
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    sj_scope_read_live(sc->scope, fr);
    char err[256];
    int rc = EXIT_OK;
    if (scope_png_frame(fr, sc->names, NULL, sc->out, sc->width, sc->height, err, sizeof err) != 0) {
        cli_error("render --scope: %s", err);
        rc = EXIT_IO;
    }
    free(fr);
    return rc;
}

void scope_cli_free(scope_cli *sc)
{
    sj_scope_free(sc->scope);
    sc->scope = NULL;
}

/*
 * sigjit play: live playback through JACK with hot reload (docs/live.md).
 *
 * The main thread loads and compiles programs and uploads them through the engine; the JACK process
 * callback (cli/jack_host.c) applies the update at the start of its next block, so the new function
 * takes over at a block boundary with its state (node states by uid, persistent variables by name)
 * carried over from the old one. A program with errors is reported and never uploaded: the last good
 * function keeps playing. The main thread also frees what the audio side hands back
 * (sj_engine_collect), watches the file with inotify and prints the status lines.
 *
 * Exit codes: 0 stopped (--seconds, Ctrl-C, SIGTERM), 1 the program has errors at start, 2 usage
 * error, 3 input/output error (file unreadable, no JACK server, the server went away), 4 internal
 * error (out of memory, built without JACK).
 */
#include "cli.h"
#include "jack_host.h"
#include "play_util.h"
#include "scope_png.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef SJ_HAVE_JACK
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>
#endif

static const char play_help[] =
    "usage: sigjit play FILE [--seconds S] [--connect] [--set NAME=VALUE ...] [--guard]\n"
    "                   [--name CLIENT] [--cc PARAM=CC[:LO:HI] ...] [--midi-channel N]\n"
    "                   [--smooth MS] [--tscope] [--scope OUT.png ...] [--no-watch] [--quiet] [--werror]\n"
    "\n"
    "Plays the program live as a JACK client: inputs in_1/in_2 feed in1/in2, outputs out_1/out_2\n"
    "carry &sig1/&sig2, and MIDI control changes on midi_in move alpha..gamma. When FILE is saved it\n"
    "is recompiled and swapped in at a block boundary with its state kept (oscillator phases, filter\n"
    "memories, delay lines, *variables); a version with errors is reported and the last good one\n"
    "keeps playing. Never starts a JACK server (with PipeWire: pw-jack sigjit play FILE).\n"
    "\n"
    "  --seconds S        stop after S seconds (default: until Ctrl-C)\n"
    "  --connect          connect to the physical (system) playback, capture and MIDI ports\n"
    "  --set NAME=VALUE   in1/in2: a constant instead of the input port; alpha..gamma: the start\n"
    "                     value; *name: a persistent variable's start value\n"
    "  --guard            replace NaN/Inf output by silence, reset the program's state, report it\n"
    "  --name CLIENT      the JACK client name (default sigjit)\n"
    "  --cc PARAM=CC[:LO:HI]  controller CC (0..127, or 'none') drives PARAM over LO..HI\n"
    "                     (default alpha=1 beta=2 delta=3 gamma=4, each over 0..1)\n"
    "  --midi-channel N   take control changes from channel N only (1..16; default: any)\n"
    "  --smooth MS        time constant of the control smoothing (default 10 ms; 0: none)\n"
    "  --no-watch         no hot reload (SIGUSR1 resets the program's state at any time)\n"
    "  --tscope           draw a scope in the terminal with braille dots (~15 times a second; without\n"
    "                     a terminal: one line of min/max a second); --scope-time defaults to 20 ms;\n"
    "                     keys: + / - time range x2 / /2, t trigger off/sig 1/ext, [ ] threshold,\n"
    "                     r new sweep\n"
    "  --quiet            no status lines (errors are still printed)\n"
    "  --werror           treat warnings as errors\n"
    "\n"
    "Scope options as for render (docs/scope.md); here the picture is redrawn every second and at exit:\n"
    "%s"
    "\n"
    "Status lines go to stdout, errors to stderr. Exit codes: 0 stopped (--seconds, Ctrl-C, SIGTERM),\n"
    "1 the program has errors at start, 2 usage error, 3 input/output error (no JACK server, the\n"
    "server went away), 4 internal error (or built without JACK).\n";

#ifndef SJ_HAVE_JACK

int cmd_play(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (cli_is_help(argv[i])) {
            printf(play_help, scope_cli_help);
            return EXIT_OK;
        }
    cli_error("play: this sigjit was built without JACK (install libjack-jackd2-dev and rebuild)");
    return EXIT_INTERNAL;
}

#else

/* ---------------------------------------------------------------------------------------------
 * The session.
 */
typedef struct play_session {
    const char *path;
    bool quiet, werror;
    sj_engine *eng;
    const sj_library *lib;
    play_host host;
    cli_program cur;      /* the last good version (playing or about to) */
    char *last_src;       /* the text of the last attempt, to skip saves that change nothing */
    size_t last_len;
    int version, failed;
    struct timespec t_start;
    /* a swap waiting for the audio side's confirmation */
    bool pending;
    int pending_version;
    double pending_compile_ms;
    uint64_t pending_upload_us, pending_updates;
    char pending_state[512];
    double pending_since;
    /* figures */
    float load_max;
    uint64_t guard_seen;
    double guard_printed_at;
    double swap_us_max, swap_us_sum;
    int swaps_measured;
    /* scope */
    scope_cli sco;
    bool tscope, tscope_tty;
    int tscope_drawn;          /* lines of the terminal scope on the screen */
    double tscope_next, png_next;
    sj_scope_frame *frame;
} play_session;

static void tscope_erase(play_session *s);

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static double elapsed(const play_session *s)
{
    return now_s() - ((double)s->t_start.tv_sec + s->t_start.tv_nsec * 1e-9);
}

static void status(play_session *s, FILE *f, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void status(play_session *s, FILE *f, const char *fmt, ...)
{
    if (s->quiet && f == stdout)
        return;
    tscope_erase(s);
    va_list ap;
    va_start(ap, fmt);
    fprintf(f, "[%7.2fs] ", elapsed(s));
    vfprintf(f, fmt, ap);
    fputc('\n', f);
    fflush(f);
    va_end(ap);
}

/* Compiles and queues prog; on success the session takes it over as the current version.
 * Returns an exit code (EXIT_OK on success). */
static int upload(play_session *s, cli_program *prog, double t_load)
{
    sj_diag d;
    memset(&d, 0, sizeof d);
    sj_status st = SJ_ERR_QUEUE_FULL;
    uint64_t before = atomic_load_explicit(&s->host.updates, memory_order_acquire);
    for (int tries = 0; tries < 100 && st == SJ_ERR_QUEUE_FULL; tries++) {
        memset(&d, 0, sizeof d);
        st = sj_engine_upload(s->eng, prog->ast, &d);
        if (st == SJ_ERR_QUEUE_FULL) {
            sj_engine_collect(s->eng);
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
        }
    }
    if (st != SJ_OK) {
        cli_compile_error(prog, st, &d);
        return st == SJ_ERR_NOMEM || st == SJ_ERR_UNSUPPORTED ? EXIT_INTERNAL
               : st == SJ_ERR_QUEUE_FULL                      ? EXIT_IO
                                                              : EXIT_PROGRAM;
    }
    s->version++;
    s->pending = true;
    s->pending_version = s->version;
    s->pending_compile_ms = (now_s() - t_load) * 1e3;
    s->pending_upload_us = play_host_time_us(&s->host);
    s->pending_updates = before;
    s->pending_since = now_s();
    play_describe_state(s->pending_state, sizeof s->pending_state, s->cur.ast, prog->ast, s->lib);
    cli_program_free(&s->cur);
    s->cur = *prog;
    memset(prog, 0, sizeof *prog);
    return EXIT_OK;
}

static bool blank(const char *src, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (src[i] != ' ' && src[i] != '\t' && src[i] != '\r' && src[i] != '\n')
            return false;
    return true;
}

/* The file changed on disk: reload it unless its text is what we tried last. */
static void reload(play_session *s)
{
    tscope_erase(s); /* the diagnostics go where the scope was */
    double t0 = now_s();
    size_t len;
    char *src = cli_read_file(s->path, &len);
    if (!src)
        return; /* replaced by rename and not there yet, or removed: wait for the next event */
    if ((s->last_src && len == s->last_len && memcmp(src, s->last_src, len) == 0) || blank(src, len)) {
        free(src);
        return;
    }
    free(s->last_src);
    s->last_src = src;
    s->last_len = len;
    cli_program next;
    int rc = cli_load(s->path, s->lib, &next, s->werror);
    if (rc == EXIT_OK)
        rc = upload(s, &next, t0);
    cli_program_free(&next);
    if (rc != EXIT_OK) {
        s->failed++;
        status(s, stderr, "%s has errors: still playing v%d", s->path, s->version);
    }
}

static void check_pending(play_session *s, bool final)
{
    if (!s->pending)
        return;
    uint64_t updates = atomic_load_explicit(&s->host.updates, memory_order_acquire);
    float load = play_host_cpu_load(&s->host);
    unsigned long long xr = (unsigned long long)atomic_load(&s->host.xruns);
    if (updates > s->pending_updates) {
        uint64_t at = atomic_load_explicit(&s->host.update_time_us, memory_order_relaxed);
        double swap_ms = at > s->pending_upload_us ? (double)(at - s->pending_upload_us) / 1e3 : 0.0;
        s->swap_us_max = fmax(s->swap_us_max, swap_ms * 1e3);
        s->swap_us_sum += swap_ms * 1e3;
        s->swaps_measured++;
        status(s, stdout, "v%d live: compiled in %.2f ms, swapped in %.2f ms later; state %s | DSP %.1f%%, xruns %llu",
               s->pending_version, s->pending_compile_ms, swap_ms, s->pending_state, load, xr);
        s->pending = false;
    } else if (final || now_s() - s->pending_since > 2.0) {
        status(s, stdout, "v%d compiled in %.2f ms but not swapped in yet (is JACK running the client?); state %s",
               s->pending_version, s->pending_compile_ms, s->pending_state);
        s->pending = false;
    }
}

/* NaN/Inf output: with --guard the audio side has silenced it and reset the state; without, it
 * went out as it was (and a NaN in a kept state survives every reload), so say how to get out. */
static void check_guard(play_session *s)
{
    uint64_t n = atomic_load_explicit(s->host.cfg.guard ? &s->host.guard_trips : &s->host.nonfinite_blocks,
                                      memory_order_acquire);
    if (n == s->guard_seen)
        return;
    double t = elapsed(s);
    if (t - s->guard_printed_at < 1.0 && s->guard_printed_at > 0)
        return; /* at most one line a second */
    if (s->host.cfg.guard)
        status(s, stderr, "guard: NaN/Inf in the output: silenced, state reset (%llu period%s so far)",
               (unsigned long long)n, n == 1 ? "" : "s");
    else
        status(s, stderr, "warning: NaN/Inf in the output (%llu period%s so far); a NaN kept in a node's state "
               "outlives reloads: --guard silences and resets, or send SIGUSR1 to reset the state",
               (unsigned long long)n, n == 1 ? "" : "s");
    s->guard_seen = n;
    s->guard_printed_at = t;
}

/* ---------------------------------------------------------------------------------------------
 * The terminal scope: the live view of the scope (sj_scope_read_live) drawn with Unicode braille
 * cells, 2 x 4 dots per character, so a terminal of 100 columns shows 200 point columns and 12 rows
 * show 48 levels. Each input's min..max span is filled in its own colour (the picture's colours);
 * where traces share a cell the later input's colour wins. It is redrawn in place; status lines
 * and diagnostics first erase it and it reappears below them. Keys change the time range and the
 * trigger while it plays (tscope_key). Without a terminal it prints the reference's min/max labels
 * once a second instead.
 */
#define TSCOPE_ROWS 12
#define TSCOPE_DOTS (TSCOPE_ROWS * 4)
#define TSCOPE_MAX_COLS 128

static void tscope_erase(play_session *s)
{
    if (!s->tscope_drawn)
        return;
    printf("\033[%dA\033[J", s->tscope_drawn);
    fflush(stdout);
    s->tscope_drawn = 0;
}

/* The dot row (0 = top) of a value: -1..1 fills the height (the reference's mapping). */
static int value_row(float v, float offset, float gain)
{
    double y = (double)v * gain + offset;
    double r = (1.0 - (y * 0.5 + 0.5)) * (TSCOPE_DOTS - 1);
    if (r < 0)
        r = 0;
    if (r > TSCOPE_DOTS - 1)
        r = TSCOPE_DOTS - 1;
    return (int)lround(r);
}

/* The bit of dot (dx, dy) of a braille cell (dx 0..1, dy 0..3), Unicode's numbering. */
static unsigned braille_bit(int dx, int dy)
{
    static const unsigned bits[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};
    return bits[dx][dy];
}

static void tscope_labels(play_session *s, char *buf, size_t cap)
{
    buf[0] = 0;
    for (unsigned i = 0; i < SJ_SCOPE_INPUTS; i++) {
        if (!s->frame->active[i])
            continue;
        char lab[128];
        sj_scope_frame_label(s->frame, i, lab, sizeof lab);
        const char *rest = strchr(lab, ' ');
        play_bufcat(buf, cap, "%s%s%s", buf[0] ? " | " : "", s->sco.names[i] ? s->sco.names[i] : "?", rest ? rest : "");
    }
}

static void tscope_draw(play_session *s)
{
    sj_scope_read_live(s->sco.scope, s->frame);
    const sj_scope_frame *fr = s->frame;
    char labels[512];
    tscope_labels(s, labels, sizeof labels);
    if (!s->tscope_tty) {
        status(s, stdout, "scope: %s", fr->sweep && labels[0] ? labels : "(nothing captured yet)");
        return;
    }
    struct winsize ws;
    int cols = ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20 ? ws.ws_col - 1 : 79;
    if (cols > TSCOPE_MAX_COLS)
        cols = TSCOPE_MAX_COLS;
    /* Colours as in the pictures: in1 cyan, in2 red, in3 green; the zero line grey. */
    static const char *const colour[SJ_SCOPE_INPUTS + 1] = {"\033[36m", "\033[31m", "\033[32m", "\033[90m"};
    static unsigned char cell[TSCOPE_ROWS][TSCOPE_MAX_COLS];
    static signed char owner[TSCOPE_ROWS][TSCOPE_MAX_COLS];
    memset(cell, 0, sizeof cell);
    memset(owner, -1, sizeof owner);
    int dots_x = 2 * cols;
    for (int x = 0; x < dots_x; x++) {
        int zero = value_row(0.0f, 0.0f, 1.0f);
        cell[zero / 4][x / 2] |= (unsigned char)braille_bit(x % 2, zero % 4);
        if (owner[zero / 4][x / 2] < 0)
            owner[zero / 4][x / 2] = SJ_SCOPE_INPUTS;
        size_t p0 = (size_t)x * SJ_SCOPE_SAMPLES / (size_t)dots_x, p1 = (size_t)(x + 1) * SJ_SCOPE_SAMPLES / (size_t)dots_x;
        if (p1 <= p0)
            p1 = p0 + 1;
        for (unsigned i = 0; i < SJ_SCOPE_INPUTS; i++) {
            if (!fr->active[i])
                continue;
            float mx = -INFINITY, mn = INFINITY;
            for (size_t p = p0; p < p1; p++) {
                const sj_scope_point *pt = &fr->points[i][p];
                if (pt->max == pt->max && pt->max > mx)
                    mx = pt->max;
                if (pt->min == pt->min && pt->min < mn)
                    mn = pt->min;
            }
            if (!(mx >= mn))
                continue;
            int top = value_row(mx, fr->offset[i], fr->gain[i]), bot = value_row(mn, fr->offset[i], fr->gain[i]);
            for (int r = top; r <= bot; r++) {
                cell[r / 4][x / 2] |= (unsigned char)braille_bit(x % 2, r % 4);
                owner[r / 4][x / 2] = (signed char)i;
            }
        }
    }
    if (s->tscope_drawn)
        printf("\033[%dA", s->tscope_drawn);
    for (int r = 0; r < TSCOPE_ROWS; r++) {
        printf("\r\033[2K");
        int current = -1;
        for (int c = 0; c < cols; c++) {
            if (!cell[r][c]) {
                putchar(' ');
                continue;
            }
            if (owner[r][c] != current) {
                current = owner[r][c];
                fputs(colour[current], stdout);
            }
            unsigned cp = 0x2800 + cell[r][c]; /* UTF-8 of U+2800 .. U+28FF */
            putchar((int)(0xE0 | (cp >> 12)));
            putchar((int)(0x80 | ((cp >> 6) & 0x3F)));
            putchar((int)(0x80 | (cp & 0x3F)));
        }
        fputs("\033[0m\n", stdout);
    }
    /* Each line fits the terminal, so the redraw moves up exactly as many lines as it wrote. */
    static const char *const trig_name[] = {"off", "sig 1", "ext"};
    char line[2][512];
    snprintf(line[0], sizeof line[0], "%g ms, trigger %s %.2f, sweep %llu, keys: +/- time, t trigger, [ ] threshold, r restart",
             (double)fr->time_ms, trig_name[fr->trigger <= SJ_SCOPE_TRIGGER_EXTERNAL ? fr->trigger : 0],
             (double)fr->threshold, (unsigned long long)fr->sweep);
    snprintf(line[1], sizeof line[1], "alpha %.3f beta %.3f delta %.3f gamma %.3f | DSP %.1f%%, xruns %llu",
             (double)play_host_param(&s->host, 0), (double)play_host_param(&s->host, 1),
             (double)play_host_param(&s->host, 2), (double)play_host_param(&s->host, 3),
             (double)play_host_cpu_load(&s->host), (unsigned long long)atomic_load(&s->host.xruns));
    printf("\r\033[2K%.*s\n", cols, labels);
    printf("\r\033[2K%.*s\n", cols, line[0]);
    printf("\r\033[2K%.*s\n", cols, line[1]);
    fflush(stdout);
    s->tscope_drawn = TSCOPE_ROWS + 3;
}

/* A key pressed while the terminal scope runs: the time range doubles or halves (within the
 * scope's 0.1 ms .. 300 s), the trigger cycles off -> signal 1 -> external, the threshold moves by
 * 0.05, r starts a new sweep. */
static void tscope_key(play_session *s, int key)
{
    sj_scope *sc = s->sco.scope;
    const sj_scope_frame *fr = s->frame;
    switch (key) {
    case '+':
    case '=': sj_scope_set_time(sc, sj_scope_time(sc) * 2.0); break;
    case '-':
    case '_': sj_scope_set_time(sc, sj_scope_time(sc) / 2.0); break;
    case 't':
        sj_scope_set_trigger(sc, (sj_scope_trigger)((fr->trigger + 1) % 3), fr->threshold);
        break;
    case '[': sj_scope_set_trigger(sc, fr->trigger, fr->threshold - 0.05); break;
    case ']': sj_scope_set_trigger(sc, fr->trigger, fr->threshold + 0.05); break;
    case 'r': sj_scope_restart(sc); break;
    default: return;
    }
    sj_scope_read_live(sc, s->frame);
    s->tscope_next = 0; /* redraw now */
}

/* ---------------------------------------------------------------------------------------------
 * Options.
 */
static int param_index(const char *name, size_t n)
{
    static const char *const names[PLAY_NPARAM] = {"alpha", "beta", "delta", "gamma"};
    for (int i = 0; i < PLAY_NPARAM; i++)
        if (strlen(names[i]) == n && strncmp(name, names[i], n) == 0)
            return i;
    return -1;
}

/* PARAM=CC[:LO:HI] or PARAM=none */
static bool parse_cc(play_config *cfg, const char *arg)
{
    const char *eq = strchr(arg, '=');
    int p = eq ? param_index(arg, (size_t)(eq - arg)) : -1;
    if (p < 0) {
        cli_error("--cc wants PARAM=CC[:LO:HI] with PARAM one of alpha, beta, delta, gamma; got '%s'", arg);
        return false;
    }
    const char *v = eq + 1;
    if (strcmp(v, "none") == 0) {
        cfg->param[p].cc = -1;
        return true;
    }
    char buf[128];
    snprintf(buf, sizeof buf, "%s", v);
    char *lo = strchr(buf, ':'), *hi = NULL;
    if (lo) {
        *lo++ = 0;
        hi = strchr(lo, ':');
        if (!hi) {
            cli_error("--cc %s: give both LO and HI (PARAM=CC:LO:HI)", arg);
            return false;
        }
        *hi++ = 0;
    }
    size_t cc;
    if (!cli_parse_size(buf, &cc) || cc > 127) {
        cli_error("--cc %s: the controller number must be 0..127", arg);
        return false;
    }
    cfg->param[p].cc = (int)cc;
    if (lo && (!cli_parse_double(lo, &cfg->param[p].lo) || !cli_parse_double(hi, &cfg->param[p].hi))) {
        cli_error("--cc %s: LO and HI must be numbers", arg);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * The command.
 */
int cmd_play(int argc, char **argv)
{
    play_session s;
    memset(&s, 0, sizeof s);
    play_config_init(&s.host.cfg);
    s.host.wake_fd = -1;
    double seconds = 0.0;
    bool watch_file = true;
    cli_inputs inputs;
    memset(&inputs, 0, sizeof inputs);
    scope_cli_init(&s.sco);
    bool scope_time_given = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        int sr = scope_cli_option(&s.sco, argc, argv, &i);
        if (sr < 0)
            return EXIT_USAGE;
        if (sr > 0) {
            if (strcmp(a, "--scope-time") == 0)
                scope_time_given = true;
            continue;
        }
        if (cli_is_help(a)) {
            printf(play_help, scope_cli_help);
            return EXIT_OK;
        } else if (strcmp(a, "--tscope") == 0) {
            s.tscope = true;
        } else if (strcmp(a, "--seconds") == 0 && next) {
            if (!cli_parse_double(next, &seconds) || !(seconds > 0) || !isfinite(seconds)) {
                cli_error("--seconds wants a positive number, got '%s'", next);
                return EXIT_USAGE;
            }
            i++;
        } else if (strcmp(a, "--set") == 0 && next) {
            if (!cli_parse_set(&inputs, next))
                return EXIT_USAGE;
            i++;
        } else if (strcmp(a, "--cc") == 0 && next) {
            if (!parse_cc(&s.host.cfg, next))
                return EXIT_USAGE;
            i++;
        } else if (strcmp(a, "--midi-channel") == 0 && next) {
            size_t ch;
            if (!cli_parse_size(next, &ch) || ch < 1 || ch > 16) {
                cli_error("--midi-channel wants 1..16, got '%s'", next);
                return EXIT_USAGE;
            }
            s.host.cfg.midi_channel = (int)ch;
            i++;
        } else if (strcmp(a, "--smooth") == 0 && next) {
            double ms;
            if (!cli_parse_double(next, &ms) || ms < 0 || ms > 10000) {
                cli_error("--smooth wants milliseconds (0..10000), got '%s'", next);
                return EXIT_USAGE;
            }
            s.host.cfg.smooth_ms = ms;
            i++;
        } else if (strcmp(a, "--name") == 0 && next) {
            if (!next[0]) {
                cli_error("--name wants a client name");
                return EXIT_USAGE;
            }
            s.host.cfg.client_name = next;
            i++;
        } else if (strcmp(a, "--connect") == 0) {
            s.host.cfg.connect = true;
        } else if (strcmp(a, "--guard") == 0) {
            s.host.cfg.guard = true;
        } else if (strcmp(a, "--no-watch") == 0) {
            watch_file = false;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            s.quiet = true;
        } else if (strcmp(a, "--werror") == 0) {
            s.werror = true;
        } else if (a[0] == '-' && a[1]) {
            cli_error("play: unknown option '%s' or missing value (sigjit play --help)", a);
            return EXIT_USAGE;
        } else if (!s.path) {
            s.path = a;
        } else {
            cli_error("play: one FILE only (got '%s' and '%s')", s.path, a);
            return EXIT_USAGE;
        }
    }
    if (!s.path) {
        fprintf(stderr, play_help, scope_cli_help);
        return EXIT_USAGE;
    }
    if (strcmp(s.path, "-") == 0) {
        cli_error("play: needs a file (standard input cannot be watched)");
        return EXIT_USAGE;
    }
    for (int c = 0; c < 2; c++) {
        s.host.cfg.in_const[c] = inputs.given[c];
        s.host.cfg.in_value[c] = inputs.in[c];
    }
    for (int p = 0; p < PLAY_NPARAM; p++)
        if (inputs.given[2 + p])
            s.host.cfg.param[p].start = inputs.in[2 + p];

    setvbuf(stdout, NULL, _IOLBF, 0);
    clock_gettime(CLOCK_MONOTONIC, &s.t_start);
    int rc = EXIT_OK;
    int sfd = -1, pipefd[2] = {-1, -1};
    play_watch w = {.fd = -1};
    bool host_open = false;
    bool keys = false; /* stdin switched to single keys for the terminal scope */
    struct termios keys_saved;

    s.eng = sj_engine_new(NULL, NULL);
    if (!s.eng) {
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    s.lib = sj_context_library(sj_engine_context(s.eng));
    s.host.be = sj_engine_backend(s.eng);

    /* The first version: errors here end the command (there is nothing to keep playing). */
    double t0 = now_s();
    cli_program first;
    rc = cli_load(s.path, s.lib, &first, s.werror);
    if (rc == EXIT_OK) {
        s.last_src = malloc(first.len + 1);
        if (s.last_src) {
            memcpy(s.last_src, first.src, first.len);
            s.last_len = first.len;
        }
        rc = upload(&s, &first, t0);
    }
    cli_program_free(&first);
    if (rc != EXIT_OK)
        goto out;

    /* Ctrl-C, SIGTERM, SIGHUP and SIGUSR1 (reset) arrive through a signalfd; they are blocked before the JACK client
     * starts its threads, so those inherit the mask and never run a handler. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0 || pipe2(pipefd, O_NONBLOCK | O_CLOEXEC) != 0) {
        cli_error("play: cannot set up signal handling: %s", strerror(errno));
        rc = EXIT_INTERNAL;
        goto out;
    }
    s.host.wake_fd = pipefd[1];

    if (!play_host_open(&s.host)) {
        rc = EXIT_IO;
        goto out;
    }
    host_open = true;
    /* Before activation the audio side is still ours: set the rate, take the first version in and
     * apply the persistent variables given with --set. */
    sj_backend_set_sample_rate(s.host.be, s.host.srate);
    sj_backend_process_updates(s.host.be);
    cli_apply_pv(sj_backend_function(s.host.be), &inputs);
    if (s.sco.out || s.tscope) {
        /* scope_cli_begin creates the scope when a picture is asked for; the terminal view alone
         * uses the same scope with an empty picture name (never written). */
        bool png = s.sco.out != NULL;
        if (!png)
            s.sco.out = "";
        if (s.tscope && !scope_time_given)
            s.sco.time_ms = 20.0;
        rc = scope_cli_begin(&s.sco, s.host.srate);
        if (!png)
            s.sco.out = NULL;
        s.frame = malloc(sizeof *s.frame);
        if (rc == EXIT_OK && (!s.sco.scope || !s.frame)) {
            cli_error("out of memory");
            rc = EXIT_INTERNAL;
        }
        if (rc != EXIT_OK)
            goto out;
        s.host.scope = s.sco.scope;
        s.tscope_tty = isatty(1);
        /* Keys for the terminal scope: stdin unbuffered and silent while it plays. */
        if (s.tscope && s.tscope_tty && isatty(0) && tcgetattr(0, &keys_saved) == 0) {
            struct termios raw = keys_saved;
            raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
            raw.c_cc[VMIN] = 0;
            raw.c_cc[VTIME] = 0;
            keys = tcsetattr(0, TCSANOW, &raw) == 0;
        }
    }
    s.pending = false;
    s.pending_updates = 0;

    if (watch_file && !play_watch_open(&w, s.path))
        fprintf(stderr, "sigjit: warning: cannot watch '%s' (%s): no hot reload\n", s.path, strerror(errno));
    if (!play_host_start(&s.host)) {
        rc = EXIT_IO;
        goto out;
    }
    const char *cname = jack_get_client_name(s.host.client);
    status(&s, stdout, "playing %s as JACK client '%s' (%.0f Hz, %u frames/period, backend %s): %s:out_1/out_2%s; "
           "compiled in %.2f ms%s%s",
           s.path, cname, s.host.srate, (unsigned)s.host.period,
           sj_function_backend(sj_backend_function(s.host.be)) == SJ_BACKEND_NATIVE ? "native" : "interp", cname,
           s.host.cfg.connect ? " connected to the system ports" : "", s.pending_compile_ms,
           w.fd >= 0 ? "; watching for changes" : "", seconds > 0 ? "" : "; Ctrl-C stops");

    const char *why = "stopped";
    double deadline = seconds > 0 ? now_s() + seconds : INFINITY;
    double reload_at = INFINITY;
    for (;;) {
        double t = now_s();
        double wait = fmin(fmin(deadline, reload_at) - t, 0.05);
        /* a negative fd is ignored by poll */
        struct pollfd pf[4] = {{sfd, POLLIN, 0}, {pipefd[0], POLLIN, 0}, {w.fd, POLLIN, 0}, {keys ? 0 : -1, POLLIN, 0}};
        int pr = poll(pf, 4, wait > 0 ? (int)ceil(wait * 1000) : 0);
        if (pr < 0 && errno != EINTR) {
            cli_error("play: poll failed: %s", strerror(errno));
            rc = EXIT_INTERNAL;
            break;
        }
        if (atomic_load_explicit(&s.host.shutdown, memory_order_acquire)) {
            cli_error("the JACK server went away (%s); stopping", s.host.shutdown_reason);
            rc = EXIT_IO;
            why = "server gone";
            break;
        }
        if (pr > 0 && (pf[0].revents & POLLIN)) {
            struct signalfd_siginfo si;
            ssize_t n = read(sfd, &si, sizeof si);
            if (n == (ssize_t)sizeof si && si.ssi_signo == SIGUSR1) {
                /* a reset of the playing function's state, queued like an update */
                sj_status rst = sj_engine_reset(s.eng);
                status(&s, stdout, "SIGUSR1: %s", rst == SJ_OK ? "state reset" : "reset not queued (queue full)");
                continue;
            }
            why = n == (ssize_t)sizeof si && si.ssi_signo == SIGINT ? "interrupted" : "terminated";
            break;
        }
        if (pr > 0 && (pf[3].revents & POLLIN)) {
            char key;
            while (read(0, &key, 1) == 1)
                tscope_key(&s, key);
        }
        if (w.fd >= 0 && pr > 0 && (pf[2].revents & POLLIN) && play_watch_read(&w))
            reload_at = now_s() + 0.015; /* let a burst of events (write, rename) settle */
        if (now_s() >= reload_at) {
            reload_at = INFINITY;
            reload(&s);
        }
        sj_engine_collect(s.eng);
        float load = play_host_cpu_load(&s.host);
        if (load > s.load_max && atomic_load(&s.host.cycles) > 10)
            s.load_max = load;
        check_pending(&s, false);
        check_guard(&s);
        if (s.tscope && !s.quiet && now_s() >= s.tscope_next) {
            tscope_draw(&s);
            s.tscope_next = now_s() + (s.tscope_tty ? 1.0 / 15 : 1.0);
        }
        if (s.sco.out && now_s() >= s.png_next) {
            if (s.png_next > 0)
                scope_cli_finish(&s.sco);
            s.png_next = now_s() + 1.0;
        }
        if (now_s() >= deadline) {
            why = "--seconds reached";
            break;
        }
    }

    tscope_erase(&s);
    check_pending(&s, true);
    s.guard_printed_at = 0;
    check_guard(&s);
    {
        uint64_t cycles = atomic_load(&s.host.cycles);
        double ours = play_host_callback_pct(&s.host);
        double period_us = s.host.srate > 0 ? s.host.period / s.host.srate * 1e6 : 0;
        status(&s, stdout,
               "%s: %d version%s live, %d failed reload%s; %llu cycles, xruns %llu, DSP load max %.1f%%, "
               "callback %.2f%% on average, longest %.3f ms (period %.3f ms); swap latency avg %.2f ms, max %.2f ms; "
               "guard trips %llu; MIDI controls %llu",
               why, s.version, s.version == 1 ? "" : "s", s.failed, s.failed == 1 ? "" : "s",
               (unsigned long long)cycles, (unsigned long long)atomic_load(&s.host.xruns), s.load_max, ours,
               (double)atomic_load(&s.host.busy_max_us) / 1e3, period_us / 1e3,
               s.swaps_measured ? s.swap_us_sum / s.swaps_measured / 1e3 : 0.0, s.swap_us_max / 1e3,
               (unsigned long long)atomic_load(&s.host.guard_trips), (unsigned long long)atomic_load(&s.host.midi_events));
    }

out:
    if (keys)
        tcsetattr(0, TCSANOW, &keys_saved);
    if (host_open)
        play_host_close(&s.host);
    if (s.sco.out && s.sco.scope && rc != EXIT_USAGE) {
        int prc = scope_cli_finish(&s.sco);
        if (rc == EXIT_OK)
            rc = prc;
    }
    scope_cli_free(&s.sco);
    free(s.frame);
    play_watch_close(&w);
    if (sfd >= 0)
        close(sfd);
    if (pipefd[0] >= 0) {
        close(pipefd[0]);
        close(pipefd[1]);
    }
    cli_program_free(&s.cur);
    free(s.last_src);
    sj_engine_collect(s.eng);
    sj_engine_free(s.eng);
    return rc;
}

#endif /* SJ_HAVE_JACK */

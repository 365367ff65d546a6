/*
 * The JACK client of `sigjit play` (see jack_host.h). The process callback is the only code here
 * that runs on the audio thread; everything it reaches is real-time safe: the engine's [RT]
 * functions, JACK's port-buffer and MIDI-event accessors, jack_get_time and jack_last_frame_time,
 * arithmetic on preallocated arrays and atomics. tests/scripts/jack.sh checks this with an
 * LD_PRELOAD shim that counts allocator, lock and system-call wrappers entered during the callback.
 */
#include "jack_host.h"

#include "base/bits.h"
#include "glide.h"

#ifdef SJ_HAVE_JACK

#include <errno.h>
#include <jack/midiport.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

void play_config_init(play_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->client_name = "sigjit";
    cfg->command = "play";
    cfg->smooth_ms = 10.0;
    for (int i = 0; i < PLAY_NPARAM; i++) {
        cfg->param[i].cc = i + 1;
        cfg->param[i].lo = 0.0;
        cfg->param[i].hi = 1.0;
        cfg->param[i].start = 0.0;
    }
}

/* Denormals flushed: FTZ (results) and DAZ (inputs) in MXCSR, FZ in FPCR on AArch64. Set at the
 * start of every cycle: it costs a few cycles and survives anything JACK does to the thread. */
static inline void flush_denormals(void)
{
#if defined(__x86_64__) || defined(__i386__)
    _mm_setcsr(_mm_getcsr() | 0x8040u);
#elif defined(__aarch64__)
    uint64_t fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr | (1u << 24)));
#endif
}

static void set_smoothing(play_host *h, double srate)
{
    for (int k = 0; k < PLAY_NCTL; k++)
        h->coef[k] = glide_coef(h->ramp_ms[k], srate);
}

void play_host_set_control(play_host *h, int i, double value, double ramp_ms)
{
    if (i < 0 || i >= PLAY_NCTL || !isfinite(value) || !(ramp_ms >= 0))
        return;
    atomic_store_explicit(&h->ctl_target[i], sj__f64_bits(value), memory_order_relaxed);
    atomic_store_explicit(&h->ctl_ramp[i], sj__f64_bits(ramp_ms), memory_order_relaxed);
    atomic_fetch_add_explicit(&h->ctl_gen[i], 1, memory_order_release);
}

/* Controls set by play_host_set_control since the last cycle (RT: atomics and arithmetic). A target
 * and ramp written while this reads may pair up wrongly for one cycle; the next one fixes it. */
static void take_controls(play_host *h)
{
    for (int k = 0; k < PLAY_NCTL; k++) {
        uint_fast32_t g = atomic_load_explicit(&h->ctl_gen[k], memory_order_acquire);
        if (g == h->ctl_seen[k])
            continue;
        h->ctl_seen[k] = g;
        h->target[k] = sj__bits_f64(atomic_load_explicit(&h->ctl_target[k], memory_order_relaxed));
        double ms = sj__bits_f64(atomic_load_explicit(&h->ctl_ramp[k], memory_order_relaxed));
        if (ms != h->ramp_ms[k]) {
            h->ramp_ms[k] = ms;
            h->coef[k] = glide_coef(ms, h->applied_srate);
        }
    }
}

/* MIDI control changes set the targets of the smoothers (RT: jack_midi_* only read the buffer). */
static void take_midi(play_host *h, jack_nframes_t n)
{
    void *mb = jack_port_get_buffer(h->midi_port, n);
    if (!mb)
        return;
    uint32_t count = jack_midi_get_event_count(mb);
    for (uint32_t e = 0; e < count; e++) {
        jack_midi_event_t ev;
        if (jack_midi_event_get(&ev, mb, e) != 0 || ev.size < 3)
            continue;
        unsigned status = ev.buffer[0];
        if ((status & 0xF0u) != 0xB0u)
            continue;
        if (h->cfg.midi_channel > 0 && (int)(status & 0x0Fu) + 1 != h->cfg.midi_channel)
            continue;
        int cc = ev.buffer[1] & 0x7F;
        double v = (ev.buffer[2] & 0x7F) / 127.0;
        for (int p = 0; p < PLAY_NPARAM; p++) {
            const play_param *pp = &h->cfg.param[p];
            if (pp->cc == cc) {
                h->target[2 + p] = pp->lo + (pp->hi - pp->lo) * v;
                atomic_store_explicit(&h->midi_target[p], sj__f64_bits(h->target[2 + p]), memory_order_relaxed);
                atomic_fetch_add_explicit(&h->midi_events, 1, memory_order_release);
            }
        }
    }
}

static int process(jack_nframes_t nframes, void *arg)
{
    play_host *h = arg;
    flush_denormals();
    jack_time_t t0 = jack_get_time();

    uint32_t sr = (uint32_t)atomic_load_explicit(&h->new_srate, memory_order_acquire);
    if (sr && (double)sr != h->applied_srate) {
        h->applied_srate = sr;
        sj_backend_set_sample_rate(h->be, sr);
        if (h->scope)
            sj_scope_set_sample_rate(h->scope, sr); /* its time range is in ms: sweeps keep their length */
        set_smoothing(h, sr);
    }

    size_t up = sj_backend_process_updates(h->be);
    if (up) {
        atomic_store_explicit(&h->update_time_us, t0, memory_order_relaxed);
        atomic_store_explicit(&h->update_frame, jack_last_frame_time(h->client), memory_order_relaxed);
        atomic_fetch_add_explicit(&h->updates, up, memory_order_release);
    }
    take_controls(h);
    if (h->midi_port)
        take_midi(h, nframes);

    const float *in[2] = {NULL, NULL};
    float *out[2];
    for (int c = 0; c < 2; c++) {
        bool from_port = !h->cfg.in_const[c] ||
                         (h->cfg.in_when_connected && atomic_load_explicit(&h->in_connected[c], memory_order_relaxed));
        if (from_port && h->in_port[c])
            in[c] = jack_port_get_buffer(h->in_port[c], nframes);
        out[c] = jack_port_get_buffer(h->out_port[c], nframes);
    }

    bool tripped = false, nonfinite = false;
    uint64_t clipped = 0;
    for (jack_nframes_t off = 0; off < nframes; off += PLAY_CHUNK) {
        size_t len = nframes - off < PLAY_CHUNK ? nframes - off : PLAY_CHUNK;
        /* One-pole smoothers: a moving control reaches the program as a smooth curve. in1/in2 come
         * from the input ports unless they are constants (--set, or the studio's sliders). */
        for (int p = 0; p < PLAY_NCTL; p++) {
            double *x = h->scratch_in[p];
            if (p < 2 && in[p]) {
                for (size_t i = 0; i < len; i++)
                    x[i] = in[p][off + i];
            } else {
                glide_fill(&h->value[p], h->target[p], h->coef[p], x, len);
            }
        }
        sj_block_io io;
        for (int k = 0; k < PLAY_NCTL; k++)
            io.in[k] = h->scratch_in[k];
        io.sig1 = h->scratch_out[0];
        io.sig2 = h->scratch_out[1];
        io.ret = h->scope ? h->scratch_ret : NULL;
        sj_backend_process_block(h->be, &io, len);

        /* Non-finite output is always counted (the main thread warns); the guard also silences it. */
        bool bad = false;
        for (size_t i = 0; i < len; i++)
            if (!isfinite(io.sig1[i]) || !isfinite(io.sig2[i]))
                bad = true;
        if (bad) {
            nonfinite = true;
            if (h->cfg.guard) {
                memset(h->scratch_out, 0, sizeof h->scratch_out);
                memset(h->scratch_ret, 0, sizeof h->scratch_ret);
                sj_backend_clear(h->be);
                tripped = true;
            }
        }
        if (h->scope)
            sj_scope_feed(h->scope, sj_backend_function(h->be), &io, len);
        for (int c = 0; c < 2; c++)
            for (size_t i = 0; i < len; i++) {
                double x = h->scratch_out[c][i];
                out[c][off + i] = h->cfg.clip ? safe_sample(x, &clipped) : (float)x;
            }
    }
    if (clipped)
        atomic_fetch_add_explicit(&h->clipped, clipped, memory_order_relaxed);
    if (nonfinite)
        atomic_fetch_add_explicit(&h->nonfinite_blocks, 1, memory_order_relaxed);
    if (tripped) {
        atomic_store_explicit(&h->guard_frame, jack_last_frame_time(h->client), memory_order_relaxed);
        atomic_fetch_add_explicit(&h->guard_trips, 1, memory_order_release);
    }
    for (int p = 0; p < PLAY_NPARAM; p++)
        atomic_store_explicit(&h->param_bits[p], sj__f32_bits((float)h->value[2 + p]), memory_order_relaxed);

    jack_time_t dt = jack_get_time() - t0;
    atomic_fetch_add_explicit(&h->busy_us, dt, memory_order_relaxed);
    if (dt > atomic_load_explicit(&h->busy_max_us, memory_order_relaxed))
        atomic_store_explicit(&h->busy_max_us, dt, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->frames, nframes, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->cycles, 1, memory_order_release);
    return 0;
}

static int on_xrun(void *arg)
{
    play_host *h = arg;
    atomic_fetch_add_explicit(&h->xruns, 1, memory_order_relaxed);
    return 0;
}

static int on_srate(jack_nframes_t sr, void *arg)
{
    play_host *h = arg;
    atomic_store_explicit(&h->new_srate, sr, memory_order_release);
    return 0;
}

/* A connection was made or broken somewhere: note whether in_1/in_2 have one (notification thread;
 * jack_port_connected is not for the process callback). */
static void on_connect(jack_port_id_t a, jack_port_id_t b, int connect, void *arg)
{
    play_host *h = arg;
    (void)a, (void)b, (void)connect;
    for (int c = 0; c < 2; c++)
        if (h->in_port[c])
            atomic_store_explicit(&h->in_connected[c], jack_port_connected(h->in_port[c]) > 0, memory_order_relaxed);
}

static void on_shutdown(jack_status_t code, const char *reason, void *arg)
{
    play_host *h = arg;
    snprintf(h->shutdown_reason, sizeof h->shutdown_reason, "%s", reason && reason[0] ? reason : "no reason given");
    (void)code;
    atomic_store_explicit(&h->shutdown, 1, memory_order_release);
    if (h->wake_fd >= 0) {
        char b = 'x';
        ssize_t w = write(h->wake_fd, &b, 1);
        (void)w;
    }
}

/* JACK prints its own errors (e.g. "Cannot connect to server socket") on stderr; they add nothing
 * to ours when the server is simply not running, so they are kept quiet. */
static void jack_quiet(const char *msg)
{
    (void)msg;
}

/* Otherwise JACK's messages are shown, marked as JACK's. */
static void jack_prefixed(const char *msg)
{
    fprintf(stderr, "sigjit: jack: %s\n", msg);
}

/* Says why something failed: on stderr and into h->error. */
static void host_error(play_host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void host_error(play_host *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->error, sizeof h->error, fmt, ap);
    va_end(ap);
    fprintf(stderr, "sigjit: %s\n", h->error);
}

bool play_host_open(play_host *h)
{
    jack_status_t status = 0;
    if (!getenv("SIGJIT_JACK_VERBOSE"))
        jack_set_error_function(jack_quiet);
    h->client = jack_client_open(h->cfg.client_name, JackNoStartServer, &status);
    if (!h->client) {
        if (status & JackServerFailed)
            host_error(h, "cannot connect to a JACK server (is jackd or PipeWire running? "
                          "with PipeWire use 'pw-jack sigjit %s ...')", h->cfg.command);
        else
            host_error(h, "cannot open a JACK client (status 0x%x)", (unsigned)status);
        return false;
    }
    jack_set_error_function(jack_prefixed);
    h->srate = jack_get_sample_rate(h->client);
    h->period = jack_get_buffer_size(h->client);
    h->applied_srate = h->srate;
    for (int k = 0; k < PLAY_NCTL; k++) {
        h->target[k] = h->value[k] = k < 2 ? h->cfg.in_value[k] : h->cfg.param[k - 2].start;
        h->ramp_ms[k] = h->cfg.smooth_ms;
        h->ctl_seen[k] = atomic_load(&h->ctl_gen[k]);
        if (k >= 2)
            atomic_store(&h->param_bits[k - 2], sj__f32_bits((float)h->value[k]));
    }
    set_smoothing(h, h->srate);
    static const char *const in_names[2] = {"in_1", "in_2"};
    static const char *const out_names[2] = {"out_1", "out_2"};
    for (int c = 0; c < 2; c++) {
        h->in_port[c] = jack_port_register(h->client, in_names[c], JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
        h->out_port[c] = jack_port_register(h->client, out_names[c], JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
        if (!h->in_port[c] || !h->out_port[c]) {
            host_error(h, "cannot register the JACK ports");
            play_host_close(h);
            return false;
        }
    }
    h->midi_port = jack_port_register(h->client, "midi_in", JACK_DEFAULT_MIDI_TYPE, JackPortIsInput, 0);
    if (!h->midi_port)
        fprintf(stderr, "sigjit: warning: cannot register the MIDI port; alpha..gamma stay fixed\n");
    if (jack_set_process_callback(h->client, process, h) || jack_set_xrun_callback(h->client, on_xrun, h) ||
        jack_set_sample_rate_callback(h->client, on_srate, h) ||
        (h->cfg.in_when_connected && jack_set_port_connect_callback(h->client, on_connect, h))) {
        host_error(h, "cannot set the JACK callbacks");
        play_host_close(h);
        return false;
    }
    jack_on_info_shutdown(h->client, on_shutdown, h);
    return true;
}

static void connect_physical(play_host *h, unsigned long flags, const char *type, jack_port_t *const *ports,
                             int nports, bool ours_output)
{
    const char **phys = jack_get_ports(h->client, NULL, type, JackPortIsPhysical | flags);
    if (!phys)
        return;
    int n = 0;
    while (phys[n])
        n++;
    for (int i = 0; i < nports && n > 0; i++) {
        if (!ports[i])
            continue;
        const char *other = phys[i < n ? i : n - 1];
        const char *mine = jack_port_name(ports[i]);
        int rc = ours_output ? jack_connect(h->client, mine, other) : jack_connect(h->client, other, mine);
        if (rc && rc != EEXIST)
            fprintf(stderr, "sigjit: warning: cannot connect %s and %s\n", mine, other);
    }
    jack_free(phys);
}

bool play_host_start(play_host *h)
{
    if (jack_activate(h->client)) {
        host_error(h, "cannot activate the JACK client");
        return false;
    }
    if (h->cfg.connect) {
        connect_physical(h, JackPortIsInput, JACK_DEFAULT_AUDIO_TYPE, h->out_port, 2, true);
        if (!h->cfg.in_const[0] || !h->cfg.in_const[1]) {
            jack_port_t *ins[2] = {h->cfg.in_const[0] ? NULL : h->in_port[0], h->cfg.in_const[1] ? NULL : h->in_port[1]};
            connect_physical(h, JackPortIsOutput, JACK_DEFAULT_AUDIO_TYPE, ins, 2, false);
        }
        if (h->midi_port) {
            /* every physical MIDI source drives the controls */
            const char **phys = jack_get_ports(h->client, NULL, JACK_DEFAULT_MIDI_TYPE, JackPortIsPhysical | JackPortIsOutput);
            for (int i = 0; phys && phys[i]; i++)
                jack_connect(h->client, phys[i], jack_port_name(h->midi_port));
            if (phys)
                jack_free(phys);
        }
    }
    return true;
}

void play_host_close(play_host *h)
{
    if (!h->client)
        return;
    /* After the server went away only jack_client_close is allowed (it frees the client). */
    if (!atomic_load(&h->shutdown))
        jack_deactivate(h->client);
    else {
        if (!getenv("SIGJIT_JACK_VERBOSE"))
            jack_set_error_function(jack_quiet); /* "Server is not running", already said */
        /* A server that is shutting down is still writing its goodbyes to every client; closing our
         * end at once makes jackd 1.9.21 die of SIGPIPE, leaving its shared memory registered. */
        struct timespec ts = {0, 250 * 1000000L};
        nanosleep(&ts, NULL);
    }
    jack_client_close(h->client);
    h->client = NULL;
}

float play_host_param(const play_host *h, int i)
{
    return sj__bits_f32((uint32_t)atomic_load_explicit(&h->param_bits[i], memory_order_relaxed));
}

float play_host_cpu_load(const play_host *h)
{
    return h->client && !atomic_load(&h->shutdown) ? jack_cpu_load(h->client) : 0.0f;
}

double play_host_midi_target(const play_host *h, int i)
{
    return i >= 0 && i < PLAY_NPARAM ? sj__bits_f64(atomic_load_explicit(&h->midi_target[i], memory_order_relaxed)) : 0;
}

double play_host_callback_pct(const play_host *h)
{
    double audio_us = h->srate > 0 ? (double)atomic_load(&h->frames) / h->srate * 1e6 : 0;
    return audio_us > 0 ? 100.0 * (double)atomic_load(&h->busy_us) / audio_us : 0;
}

uint64_t play_host_time_us(const play_host *h)
{
    /* JACK's clock is set up by jack_client_open: before it, jack_get_time must not be called. */
    return h->client ? jack_get_time() : 0;
}

#endif /* SJ_HAVE_JACK */

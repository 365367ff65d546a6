/*
 * The JACK side of `sigjit play` and of `sigjit studio --jack` (cli/studio_jack.c): one JACK client
 * whose process callback runs the engine's audio side (sj_backend_*), plus the lock-free counters the
 * main thread reads for its status lines and the lock-free controls other threads set.
 *
 * Threads: the main thread configures a play_host, calls play_host_open, uploads programs through
 * the engine and polls the counters; JACK's process thread runs the callback, which only touches
 * the backend, its own preallocated scratch memory and atomics (no allocation, free, lock or system
 * call); JACK's notification thread runs the xrun, sample-rate and shutdown callbacks, which only
 * store atomics (and the shutdown callback writes one byte to a pipe to wake the main thread).
 */
#ifndef SJ_CLI_JACK_HOST_H
#define SJ_CLI_JACK_HOST_H

#include "sigjit.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef SJ_HAVE_JACK
#include <jack/jack.h>

/* Frames per inner block: JACK periods of any size are processed in chunks of at most this many
 * frames, so the scratch arrays never need to grow on the audio thread. */
#define PLAY_CHUNK 256

/* The four control parameters alpha, beta, delta, gamma. */
#define PLAY_NPARAM 4
/* The controls the callback smooths: in1, in2 (when not from the input ports), then alpha..gamma. */
#define PLAY_NCTL (2 + PLAY_NPARAM)

typedef struct play_param {
    int cc;            /* MIDI controller number 0..127, or -1: not controlled by MIDI */
    double lo, hi;     /* the controller's 0..127 is mapped linearly onto lo..hi */
    double start;      /* initial value (--set) */
} play_param;

typedef struct play_config {
    const char *client_name;  /* "sigjit" */
    const char *command;      /* "play": named in the hint for PipeWire users */
    bool connect;             /* connect to the physical ports */
    bool guard;               /* replace NaN/Inf output by silence and reset the state */
    bool in_const[2];         /* in1/in2 from --set instead of the input ports */
    double in_value[2];
    int midi_channel;         /* 1..16, or 0: any channel */
    double smooth_ms;         /* time constant of the parameter smoothers */
    play_param param[PLAY_NPARAM];
    bool in_when_connected;   /* in1/in2 (in_const): from the input port while something is connected
                                 to it, else the constant or control (the studio's sliders) */
    bool clip;                /* clip the output to [-1, 1] and replace NaN by 0 (counted in clipped) */
} play_config;

typedef struct play_host {
    play_config cfg;
    sj_backend *be;
    sj_scope *scope;          /* fed after every chunk when set (before play_host_start) */
    jack_client_t *client;
    jack_port_t *in_port[2], *out_port[2], *midi_port;
    int wake_fd;              /* write end of a pipe: poked by the shutdown callback */
    double srate;             /* sample rate at open (main thread) */
    jack_nframes_t period;    /* buffer size at open (main thread) */

    /* ---- audio thread only ---- */
    double ramp_ms[PLAY_NCTL];   /* smoothing time constant per control */
    double coef[PLAY_NCTL];      /* its one-pole coefficient per sample */
    double target[PLAY_NCTL], value[PLAY_NCTL];
    uint_fast32_t ctl_seen[PLAY_NCTL]; /* the ctl_gen last taken */
    double applied_srate;
    double scratch_in[PLAY_NCTL][PLAY_CHUNK];
    double scratch_out[2][PLAY_CHUNK];
    double scratch_ret[PLAY_CHUNK];

    /* ---- shared (atomics) ---- */
    atomic_uint_fast64_t cycles;         /* process callbacks run */
    atomic_uint_fast64_t frames;         /* frames processed */
    atomic_uint_fast64_t updates;        /* engine updates applied (new functions, resets) */
    atomic_uint_fast64_t update_time_us; /* jack_get_time() when the last update was applied */
    atomic_uint_fast64_t update_frame;   /* JACK frame time of the cycle that applied it */
    atomic_uint_fast64_t guard_trips;    /* blocks silenced by the guard */
    atomic_uint_fast64_t guard_frame;    /* JACK frame time of the last trip */
    atomic_uint_fast64_t nonfinite_blocks; /* periods with NaN/Inf output (guard or not) */
    atomic_uint_fast64_t xruns;
    atomic_uint_fast64_t midi_events;    /* control changes taken */
    atomic_uint_fast64_t midi_target[PLAY_NPARAM]; /* the value the last control change set (f64 bits) */
    atomic_uint_fast64_t busy_us;        /* time spent in the callback */
    atomic_uint_fast64_t busy_max_us;    /* the longest callback */
    atomic_uint_fast64_t clipped;        /* samples clipped or NaN (cfg.clip) */
    atomic_uint_fast32_t param_bits[PLAY_NPARAM]; /* current smoothed values as f32 bit patterns */
    /* Controls set by play_host_set_control: target and ramp as f64 bit patterns, published by
     * incrementing ctl_gen (the callback takes them at its next cycle). */
    atomic_uint_fast64_t ctl_target[PLAY_NCTL], ctl_ramp[PLAY_NCTL];
    atomic_uint_fast32_t ctl_gen[PLAY_NCTL];
    atomic_uint_fast32_t new_srate;      /* set by the sample-rate callback (Hz), 0: none pending */
    atomic_int in_connected[2];          /* in_1/in_2 have a connection (in_when_connected) */
    atomic_int shutdown;                 /* the server went away */
    char shutdown_reason[256];           /* written before shutdown is set (release) */
    char error[256];                     /* why play_host_open or play_host_start failed */
} play_host;

/* Defaults: client "sigjit", CC 1..4 onto alpha..gamma in 0..1, 10 ms smoothing, any channel. */
void play_config_init(play_config *cfg);

/* [non-RT] Opens the client (never starts a server), registers the ports and the callbacks.
 * On failure prints why on stderr (and into h->error) and returns false. h->cfg must be set, and
 * h->be before play_host_start. */
bool play_host_open(play_host *h);
/* [non-RT] Activates processing and makes the --connect connections. */
bool play_host_start(play_host *h);
/* [non-RT] Deactivates (unless the server is gone) and closes the client. Safe to call twice. */
void play_host_close(play_host *h);

/* [any thread, lock-free] Control i (0 in1, 1 in2, 2.. alpha..gamma; in1/in2 only when in_const)
 * glides to value with a one-pole of time constant ramp_ms (0: at once), from the next cycle on.
 * It replaces the target a MIDI control change set. Call it after play_host_open. */
void play_host_set_control(play_host *h, int i, double value, double ramp_ms);

/* [RT-safe to read] Snapshot helpers for the main thread. */
float play_host_param(const play_host *h, int i);
/* The value the last MIDI control change set for alpha..gamma (i 0..3); read it when midi_events
 * moved. */
double play_host_midi_target(const play_host *h, int i);
/* The server's DSP load (percent). */
float play_host_cpu_load(const play_host *h);
/* The time spent in the callback against the audio processed (percent). */
double play_host_callback_pct(const play_host *h);
/* The microseconds clock the audio side uses for update_time_us (0 before the client is open). */
uint64_t play_host_time_us(const play_host *h);

#endif /* SJ_HAVE_JACK */
#endif

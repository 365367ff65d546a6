/*
 * The scope capture (reference HexoDSP node_scope.rs + scope_handle.rs, spec §6.2; docs/scope.md).
 *
 * This module owns the capture algorithm (the oversampled and min/max paths, the trigger, re-arm),
 * the hand-over of frames from the audio thread to readers, and the taps that feed the scope from
 * a function's block or frame.
 *
 * Threads. One audio thread feeds the scope (sj_scope_process / feed / feed_frame); any thread sets
 * parameters (relaxed atomics, read once per fed block); readers copy frames out.
 *   - Completed sweeps go through a triple buffer: the writer owns buffer w, the reader owns buffer
 *     r, the third sits in `middle` with a "fresh" bit. Publishing swaps w into the middle, reading
 *     swaps r with a fresh middle. Neither side waits, and the reader's buffer is never written
 *     while it is read, so a completed frame is never torn.
 *   - The live view (what the reference's GUI shows: the sweep in progress drawn over the last
 *     complete one) also reads points [0, filled) of the writer's buffer. Those are final for the
 *     sweep in progress (a point is written once per sweep); a sequence counter (`live_seq`, a
 *     seqlock: odd while the writer changes the sweep) is bumped whenever the writer switches
 *     buffers or restarts, and the reader retries when it changed during the copy. Points are
 *     stored as packed (max, min) pairs in 64-bit atomics, as the reference's AtomicFloatPair, so
 *     this is free of data races in the C11 sense.
 *
 * Differences from the reference (docs/scope.md, "Differences"): with the trigger off the trigger
 * is not evaluated at all (the reference's min/max path checked it on in1 anyway, which restarted
 * with frame_time = 0 on an edge); the first point of the first sweep does not include a fake 0.0
 * (cur_mm starts empty instead of (0, 0)); a span without any number is stored as (NaN, NaN)
 * instead of (-99999, 99999); sj_scope_restart exists (the reference's reset() was a no-op).
 * Parameters are sampled once per fed block, as the reference samples them at frame 0.
 */
#include "base/alloc.h"
#include "base/bits.h"
#include "nodes/nodes.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define NBUF 3
#define FRESH 4u
#define TAPS 4         /* three inputs and the external trigger */
#define NAME_WORDS 8   /* 64 bytes of name per tap */
#define LIVE_TRIES 1000

/* Parameters as the writer sees them for one block. */
typedef struct params {
    float time_ms, srate, threshold;
    int trigger;
    float offset[SJ_SCOPE_INPUTS], gain[SJ_SCOPE_INPUTS];
} params;

typedef struct scope_buf {
    /* Points: max in the high 32 bits, min in the low 32 bits (f32 bit patterns). */
    _Atomic uint64_t pts[SJ_SCOPE_INPUTS][SJ_SCOPE_SAMPLES];
    /* Header: written by the owner of the buffer only (the writer before publishing). */
    uint64_t sweep;
    unsigned active; /* bit i: input i was connected */
    params p;        /* the parameters of the sweep */
} scope_buf;

/* A signal to read: p[f * step] (step 0: a constant). */
typedef struct src {
    const double *p;
    size_t step;
} src;

struct sj_scope {
    scope_buf bufs[NBUF];
    _Alignas(64) atomic_uint middle; /* buffer index | FRESH */

    /* Parameters (f32 bit patterns; any thread writes, the writer reads once per block). */
    _Alignas(64) atomic_uint p_time, p_srate, p_threshold;
    atomic_int p_trigger;
    atomic_uint p_offset[SJ_SCOPE_INPUTS], p_gain[SJ_SCOPE_INPUTS];
    atomic_uint restart_req;
    atomic_uint active_mask; /* written by the writer per block, read by the live view */

    /* Taps (one control thread writes them under tap_seq, a seqlock; the writer copies them). */
    _Alignas(64) atomic_uint tap_seq;
    atomic_int tap_src[TAPS];
    _Atomic uint64_t tap_name[TAPS][NAME_WORDS];

    /* Live view hand-over (writer stores, readers load). */
    _Alignas(64) atomic_uint live_seq;   /* odd while the writer switches sweeps */
    _Atomic uint64_t live_prev;          /* sweep number of the last published frame */
    atomic_uint live_buf;                /* buffer of the sweep in progress */
    atomic_size_t live_filled;           /* points of the sweep in progress written so far */

    /* Writer state (audio thread only). */
    _Alignas(64) unsigned w;
    size_t idx;
    float frame_time;
    float cur_max[SJ_SCOPE_INPUTS], cur_min[SJ_SCOPE_INPUTS];
    sj_trigger trig;
    uint64_t sweep;          /* number of the sweep in progress (from 1) */
    unsigned restart_seen;
    unsigned tap_seen;
    int a_src[TAPS];
    char a_name[TAPS][NAME_WORDS * 8 + 1];
    unsigned a_active;

    /* Reader state. */
    pthread_mutex_t rlock;
    unsigned r;
};

static uint64_t pack(float max, float min)
{
    return ((uint64_t)sj__f32_bits(max) << 32) | (uint64_t)sj__f32_bits(min);
}

static void load_params(sj_scope *s, params *p);
static void reset_mm(sj_scope *s);

static sj_scope_point unpack(uint64_t v)
{
    sj_scope_point p;
    p.max = sj__bits_f32((unsigned)(v >> 32));
    p.min = sj__bits_f32((unsigned)(v & 0xffffffffu));
    return p;
}

sj_scope *sj_scope_new(double srate)
{
    sj_scope *s = sj__calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (pthread_mutex_init(&s->rlock, NULL) != 0) {
        sj__free(s);
        return NULL;
    }
    for (int b = 0; b < NBUF; b++)
        for (int i = 0; i < SJ_SCOPE_INPUTS; i++)
            for (int k = 0; k < SJ_SCOPE_SAMPLES; k++)
                atomic_init(&s->bufs[b].pts[i][k], pack(NAN, NAN)); /* nothing captured */
    /* Buffer 0 is the writer's, 1 the reader's, 2 in the middle (not fresh). */
    s->w = 0;
    s->r = 1;
    atomic_init(&s->middle, 2u);
    atomic_init(&s->p_time, sj__f32_bits((float)SJ_SCOPE_TIME_DEFAULT_MS));
    atomic_init(&s->p_srate, sj__f32_bits(srate >= 1 && srate <= 1e7 ? (float)srate : 44100.0f));
    atomic_init(&s->p_threshold, sj__f32_bits(0.0f));
    atomic_init(&s->p_trigger, SJ_SCOPE_TRIGGER_OFF);
    for (int i = 0; i < SJ_SCOPE_INPUTS; i++) {
        atomic_init(&s->p_offset[i], sj__f32_bits(0.0f));
        atomic_init(&s->p_gain[i], sj__f32_bits(1.0f));
    }
    atomic_init(&s->restart_req, 0u);
    atomic_init(&s->active_mask, 0u);
    atomic_init(&s->tap_seq, 0u);
    for (int t = 0; t < TAPS; t++) {
        atomic_init(&s->tap_src[t], SJ_SCOPE_SRC_NONE);
        for (int k = 0; k < NAME_WORDS; k++)
            atomic_init(&s->tap_name[t][k], 0);
    }
    atomic_init(&s->live_seq, 0u);
    atomic_init(&s->live_prev, 0);
    atomic_init(&s->live_buf, 0u);
    atomic_init(&s->live_filled, 0);
    for (int b = 0; b < NBUF; b++)
        load_params(s, &s->bufs[b].p); /* headers of the empty frames: the initial parameters */
    reset_mm(s);
    s->sweep = 1;
    return s;
}

void sj_scope_free(sj_scope *s)
{
    if (!s)
        return;
    pthread_mutex_destroy(&s->rlock);
    sj__free(s);
}

/* ---- parameters ---- */

void sj_scope_set_sample_rate(sj_scope *s, double srate)
{
    /* 1 Hz .. 10 MHz: beyond, sample_time or samples_per_block stop making sense in f32. */
    if (s && srate >= 1 && srate <= 1e7)
        atomic_store_explicit(&s->p_srate, sj__f32_bits((float)srate), memory_order_relaxed);
}

void sj_scope_set_time(sj_scope *s, double ms)
{
    if (!s || isnan(ms))
        return;
    if (ms < SJ_SCOPE_TIME_MIN_MS)
        ms = SJ_SCOPE_TIME_MIN_MS;
    if (ms > SJ_SCOPE_TIME_MAX_MS)
        ms = SJ_SCOPE_TIME_MAX_MS;
    atomic_store_explicit(&s->p_time, sj__f32_bits((float)ms), memory_order_relaxed);
}

double sj_scope_time(const sj_scope *s)
{
    if (!s)
        return 0;
    return sj__bits_f32(atomic_load_explicit(&((sj_scope *)s)->p_time, memory_order_relaxed));
}

void sj_scope_set_trigger(sj_scope *s, sj_scope_trigger trigger, double threshold)
{
    if (!s || (unsigned)trigger > SJ_SCOPE_TRIGGER_EXTERNAL)
        return;
    if (isfinite(threshold))
        atomic_store_explicit(&s->p_threshold, sj__f32_bits((float)threshold), memory_order_relaxed);
    atomic_store_explicit(&s->p_trigger, (int)trigger, memory_order_relaxed);
}

void sj_scope_set_offset_gain(sj_scope *s, unsigned input, double offset, double gain)
{
    if (!s || input >= SJ_SCOPE_INPUTS)
        return;
    if (isfinite(offset))
        atomic_store_explicit(&s->p_offset[input], sj__f32_bits((float)offset), memory_order_relaxed);
    if (isfinite(gain))
        atomic_store_explicit(&s->p_gain[input], sj__f32_bits((float)gain), memory_order_relaxed);
}

void sj_scope_restart(sj_scope *s)
{
    if (s)
        atomic_fetch_add_explicit(&s->restart_req, 1u, memory_order_relaxed);
}

static void load_params(sj_scope *s, params *p)
{
    p->time_ms = sj__bits_f32(atomic_load_explicit(&s->p_time, memory_order_relaxed));
    p->srate = sj__bits_f32(atomic_load_explicit(&s->p_srate, memory_order_relaxed));
    p->threshold = sj__bits_f32(atomic_load_explicit(&s->p_threshold, memory_order_relaxed));
    p->trigger = atomic_load_explicit(&s->p_trigger, memory_order_relaxed);
    for (int i = 0; i < SJ_SCOPE_INPUTS; i++) {
        p->offset[i] = sj__bits_f32(atomic_load_explicit(&s->p_offset[i], memory_order_relaxed));
        p->gain[i] = sj__bits_f32(atomic_load_explicit(&s->p_gain[i], memory_order_relaxed));
    }
}

/* ---- the writer ---- */

/* Begins a change of the sweep in progress (the seqlock's odd phase). */
static void live_begin(sj_scope *s)
{
    unsigned q = atomic_load_explicit(&s->live_seq, memory_order_relaxed);
    atomic_store_explicit(&s->live_seq, q + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
}

static void live_end(sj_scope *s)
{
    unsigned q = atomic_load_explicit(&s->live_seq, memory_order_relaxed);
    atomic_store_explicit(&s->live_seq, q + 1, memory_order_release);
    /* Point writes of the new sweep come after this; a reader that sees one of them sees the new
     * sequence number after its acquire fence. */
    atomic_thread_fence(memory_order_release);
}

static void reset_mm(sj_scope *s)
{
    for (int i = 0; i < SJ_SCOPE_INPUTS; i++) {
        s->cur_max[i] = -INFINITY;
        s->cur_min[i] = INFINITY;
    }
}

/* The sweep in buffer w is complete: stamp it and hand it to the readers. */
static void publish(sj_scope *s, const params *p)
{
    scope_buf *b = &s->bufs[s->w];
    b->sweep = s->sweep;
    b->active = s->a_active;
    b->p = *p;
    live_begin(s);
    unsigned old = atomic_exchange_explicit(&s->middle, s->w | FRESH, memory_order_acq_rel);
    s->w = old & 3u;
    atomic_store_explicit(&s->live_prev, s->sweep, memory_order_relaxed);
    atomic_store_explicit(&s->live_buf, s->w, memory_order_relaxed);
    atomic_store_explicit(&s->live_filled, 0, memory_order_relaxed);
    live_end(s);
    s->sweep++;
}

static void set_filled(sj_scope *s, size_t idx)
{
    atomic_store_explicit(&s->live_filled, idx, memory_order_release);
}

static void write_point(sj_scope *s, int i, size_t idx, float max, float min)
{
    if (!(max >= min)) /* empty span or only NaN */
        max = min = NAN;
    atomic_store_explicit(&s->bufs[s->w].pts[i][idx], pack(max, min), memory_order_relaxed);
}

static float rd(const src *x, size_t f)
{
    return (float)x->p[f * x->step];
}

/* The capture (§6.2 step 7/8) over n frames. in[i].p NULL: input i inactive (reads 0). */
static void process(sj_scope *s, const src in[SJ_SCOPE_INPUTS], const src *trig_in, size_t n)
{
    if (n == 0)
        return;
    static const double zero = 0.0;
    src inp[SJ_SCOPE_INPUTS], tin;
    unsigned mask = 0;
    for (int i = 0; i < SJ_SCOPE_INPUTS; i++) {
        inp[i] = in[i];
        if (inp[i].p)
            mask |= 1u << i;
        else
            inp[i] = (src){&zero, 0};
    }
    tin = trig_in && trig_in->p ? *trig_in : (src){&zero, 0};

    /* Step 1: the active flags from which inputs are connected. */
    s->a_active = mask;
    atomic_store_explicit(&s->active_mask, mask, memory_order_relaxed);

    unsigned rq = atomic_load_explicit(&s->restart_req, memory_order_relaxed);
    if (rq != s->restart_seen) {
        s->restart_seen = rq;
        live_begin(s);
        s->idx = 0;
        atomic_store_explicit(&s->live_filled, 0, memory_order_relaxed);
        live_end(s);
        s->frame_time = 0.0f;
        s->trig.triggered = false;
        reset_mm(s);
    }

    /* Steps 2-6: parameters for this block, in f32 as the reference. */
    params p;
    load_params(s, &p);
    float time = p.time_ms;
    if (!(time >= 0.1f))
        time = 0.1f;
    if (time > 300000.0f)
        time = 300000.0f;
    float srate_ms = p.srate / 1000.0f;
    float samples_per_block = (time * srate_ms) / (float)SJ_SCOPE_SAMPLES;
    float time_per_block = time / (float)SJ_SCOPE_SAMPLES;
    float sample_time = 1.0f / srate_ms;
    float thr = p.threshold, thr_hi = p.threshold + 0.0001f;
    bool disabled = p.trigger == SJ_SCOPE_TRIGGER_OFF;
    const src *tsrc = p.trigger == SJ_SCOPE_TRIGGER_EXTERNAL ? &tin : &inp[0];

    if (samples_per_block < 1.0f) {
        /* Step 7: the oversampled path; each sample covers copy_count points. */
        float inv = 1.0f / samples_per_block;
        size_t copy_count = inv >= (float)SJ_SCOPE_SAMPLES ? SJ_SCOPE_SAMPLES : (size_t)inv;
        for (size_t f = 0; f < n; f++) {
            if (s->idx < SJ_SCOPE_SAMPLES) {
                size_t end = s->idx + copy_count;
                if (end > SJ_SCOPE_SAMPLES)
                    end = SJ_SCOPE_SAMPLES;
                for (int i = 0; i < SJ_SCOPE_INPUTS; i++) {
                    float v = rd(&inp[i], f);
                    for (size_t k = s->idx; k < end; k++)
                        write_point(s, i, k, v, v);
                }
                s->idx = end;
                if (s->idx >= SJ_SCOPE_SAMPLES)
                    publish(s, &p);
                else
                    set_filled(s, s->idx);
            }
            if (s->idx >= SJ_SCOPE_SAMPLES) {
                if (disabled || sj__trigger_check(&s->trig, rd(tsrc, f), thr, thr_hi)) {
                    s->frame_time = 0.0f;
                    s->idx = 0;
                }
            }
        }
    } else {
        /* Step 8: the min/max path. */
        for (size_t f = 0; f < n; f++) {
            if (s->idx < SJ_SCOPE_SAMPLES) {
                for (int i = 0; i < SJ_SCOPE_INPUTS; i++) {
                    float v = rd(&inp[i], f);
                    s->cur_max[i] = fmaxf(s->cur_max[i], v);
                    s->cur_min[i] = fminf(s->cur_min[i], v);
                }
                if (s->frame_time >= time_per_block) {
                    for (int i = 0; i < SJ_SCOPE_INPUTS; i++)
                        write_point(s, i, s->idx, s->cur_max[i], s->cur_min[i]);
                    reset_mm(s);
                    s->idx++;
                    s->frame_time -= time_per_block;
                    if (s->idx >= SJ_SCOPE_SAMPLES)
                        publish(s, &p);
                    else
                        set_filled(s, s->idx);
                }
                s->frame_time += sample_time;
            }
            if (s->idx >= SJ_SCOPE_SAMPLES) {
                if (disabled) {
                    /* Free-running: as the reference's "else if disabled" branch (frame_time kept). */
                    reset_mm(s);
                    s->idx = 0;
                } else if (sj__trigger_check(&s->trig, rd(tsrc, f), thr, thr_hi)) {
                    reset_mm(s);
                    s->frame_time = 0.0f;
                    s->idx = 0;
                }
            }
        }
    }
}

void sj_scope_process(sj_scope *s, const double *const in[SJ_SCOPE_INPUTS], const double *trig, size_t n)
{
    if (!s)
        return;
    src x[SJ_SCOPE_INPUTS], t = {trig, 1};
    for (int i = 0; i < SJ_SCOPE_INPUTS; i++)
        x[i] = (src){in ? in[i] : NULL, 1};
    process(s, x, &t, n);
}

/* ---- taps ---- */

const char *sj_scope_source_name(sj_scope_source source)
{
    static const char *const names[] = {"none", "in1",  "in2",  "alpha", "beta", "delta",
                                        "gamma", "sig1", "sig2", "ret",   "pv"};
    if ((unsigned)source > SJ_SCOPE_SRC_PV)
        return "?";
    return names[source];
}

bool sj_scope_source_parse(const char *text, sj_scope_source *source, const char **pv_name)
{
    if (!text || !source)
        return false;
    if (pv_name)
        *pv_name = NULL;
    if (text[0] == '*' && text[1]) {
        *source = SJ_SCOPE_SRC_PV;
        if (pv_name)
            *pv_name = text;
        return true;
    }
    if (strncmp(text, "pv:", 3) == 0 && text[3]) {
        *source = SJ_SCOPE_SRC_PV;
        if (pv_name)
            *pv_name = text + 3;
        return true;
    }
    if (text[0] == '&')
        text++;
    for (int k = SJ_SCOPE_SRC_NONE; k < SJ_SCOPE_SRC_PV; k++) {
        if (strcmp(text, sj_scope_source_name((sj_scope_source)k)) == 0) {
            *source = (sj_scope_source)k;
            return true;
        }
    }
    return false;
}

sj_status sj_scope_tap(sj_scope *s, unsigned input, sj_scope_source source, const char *name)
{
    if (!s || input >= TAPS || (unsigned)source > SJ_SCOPE_SRC_PV)
        return SJ_ERR_INVALID_ARGUMENT;
    char buf[NAME_WORDS * 8];
    memset(buf, 0, sizeof buf);
    if (source == SJ_SCOPE_SRC_PV) {
        if (!name || !name[0] || (name[0] == '*' && !name[1]))
            return SJ_ERR_INVALID_ARGUMENT;
        /* Persistent variables are known as "*name". */
        size_t len = strlen(name) + (name[0] != '*');
        if (len > sizeof buf - 1)
            return SJ_ERR_INVALID_ARGUMENT;
        buf[0] = '*';
        memcpy(buf + (name[0] != '*'), name, strlen(name));
    }
    unsigned q = atomic_load_explicit(&s->tap_seq, memory_order_relaxed);
    atomic_store_explicit(&s->tap_seq, q + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    for (int k = 0; k < NAME_WORDS; k++) {
        uint64_t wd;
        memcpy(&wd, buf + 8 * k, 8);
        atomic_store_explicit(&s->tap_name[input][k], wd, memory_order_relaxed);
    }
    atomic_store_explicit(&s->tap_src[input], (int)source, memory_order_relaxed);
    atomic_store_explicit(&s->tap_seq, q + 2, memory_order_release);
    return SJ_OK;
}

/* The writer's copy of the taps, refreshed when they changed (kept when a change is half done). */
static void sync_taps(sj_scope *s)
{
    unsigned q = atomic_load_explicit(&s->tap_seq, memory_order_acquire);
    if (q == s->tap_seen || (q & 1u))
        return;
    int srcs[TAPS];
    uint64_t words[TAPS][NAME_WORDS];
    for (int t = 0; t < TAPS; t++) {
        srcs[t] = atomic_load_explicit(&s->tap_src[t], memory_order_relaxed);
        for (int k = 0; k < NAME_WORDS; k++)
            words[t][k] = atomic_load_explicit(&s->tap_name[t][k], memory_order_relaxed);
    }
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&s->tap_seq, memory_order_relaxed) != q)
        return;
    for (int t = 0; t < TAPS; t++) {
        s->a_src[t] = srcs[t];
        memcpy(s->a_name[t], words[t], NAME_WORDS * 8);
        s->a_name[t][NAME_WORDS * 8] = 0;
    }
    s->tap_seen = q;
}

static const double zero_value = 0.0;

/* Where tap t reads from in a block. pv receives a persistent variable's value. */
static src tap_src_block(sj_scope *s, int t, const sj_function *fun, const sj_block_io *io, double *pv)
{
    int k = s->a_src[t];
    switch (k) {
    case SJ_SCOPE_SRC_IN1:
    case SJ_SCOPE_SRC_IN2:
    case SJ_SCOPE_SRC_ALPHA:
    case SJ_SCOPE_SRC_BETA:
    case SJ_SCOPE_SRC_DELTA:
    case SJ_SCOPE_SRC_GAMMA: {
        const double *p = io ? io->in[k - SJ_SCOPE_SRC_IN1] : NULL;
        return p ? (src){p, 1} : (src){&zero_value, 0};
    }
    case SJ_SCOPE_SRC_SIG1:
        return (src){io ? io->sig1 : NULL, 1};
    case SJ_SCOPE_SRC_SIG2:
        return (src){io ? io->sig2 : NULL, 1};
    case SJ_SCOPE_SRC_RET:
        return (src){io ? io->ret : NULL, 1};
    case SJ_SCOPE_SRC_PV:
        if (fun && sj_function_get_pv(fun, s->a_name[t], pv))
            return (src){pv, 0};
        return (src){NULL, 0};
    default:
        return (src){NULL, 0};
    }
}

void sj_scope_feed(sj_scope *s, const sj_function *fun, const sj_block_io *io, size_t n)
{
    if (!s)
        return;
    sync_taps(s);
    double pv[TAPS];
    src x[TAPS];
    for (int t = 0; t < TAPS; t++)
        x[t] = tap_src_block(s, t, fun, io, &pv[t]);
    process(s, x, &x[3], n);
}

void sj_scope_feed_frame(sj_scope *s, const sj_function *fun, const double in[6], double sig1, double sig2,
                         double ret)
{
    if (!s)
        return;
    static const double zeros[6] = {0, 0, 0, 0, 0, 0};
    if (!in)
        in = zeros;
    sj_block_io io;
    memset(&io, 0, sizeof io);
    for (int k = 0; k < 6; k++)
        io.in[k] = &in[k];
    io.sig1 = &sig1;
    io.sig2 = &sig2;
    io.ret = &ret;
    sj_scope_feed(s, fun, &io, 1);
}

/* ---- readers ---- */

/* The header of a frame but its sweep and filled: the parameters and which inputs were active. */
static void put_params(sj_scope_frame *out, const params *p, unsigned active)
{
    for (int i = 0; i < SJ_SCOPE_INPUTS; i++) {
        out->active[i] = (active >> i) & 1u;
        out->offset[i] = p->offset[i];
        out->gain[i] = p->gain[i];
    }
    out->trigger = (sj_scope_trigger)p->trigger;
    out->threshold = p->threshold;
    out->time_ms = p->time_ms;
    out->srate = p->srate;
}

static void copy_points(sj_scope_frame *out, const scope_buf *b, size_t from, size_t to)
{
    for (int i = 0; i < SJ_SCOPE_INPUTS; i++)
        for (size_t k = from; k < to; k++)
            out->points[i][k] = unpack(atomic_load_explicit(&((scope_buf *)b)->pts[i][k], memory_order_relaxed));
}

/* Takes the freshest completed buffer, if there is a new one. Caller holds rlock. */
static void take_latest(sj_scope *s)
{
    if (atomic_load_explicit(&s->middle, memory_order_relaxed) & FRESH) {
        unsigned old = atomic_exchange_explicit(&s->middle, s->r, memory_order_acq_rel);
        s->r = old & 3u;
    }
}

bool sj_scope_read(sj_scope *s, sj_scope_frame *out)
{
    if (!s || !out)
        return false;
    pthread_mutex_lock(&s->rlock);
    take_latest(s);
    const scope_buf *b = &s->bufs[s->r];
    out->sweep = b->sweep;
    put_params(out, &b->p, b->active);
    copy_points(out, b, 0, SJ_SCOPE_SAMPLES);
    out->filled = b->sweep ? SJ_SCOPE_SAMPLES : 0;
    pthread_mutex_unlock(&s->rlock);
    return out->sweep != 0;
}

void sj_scope_read_live(sj_scope *s, sj_scope_frame *out)
{
    if (!s || !out)
        return;
    pthread_mutex_lock(&s->rlock);
    uint64_t base = 0;
    size_t filled = 0;
    for (int tries = 0;; tries++) {
        take_latest(s);
        const scope_buf *rb = &s->bufs[s->r];
        base = rb->sweep;
        copy_points(out, rb, 0, SJ_SCOPE_SAMPLES);
        if (tries >= LIVE_TRIES) {
            /* The writer keeps switching sweeps faster than we can copy: show the complete one. */
            filled = 0;
            break;
        }
        unsigned q1 = atomic_load_explicit(&s->live_seq, memory_order_acquire);
        if (q1 & 1u)
            continue;
        uint64_t prev = atomic_load_explicit(&s->live_prev, memory_order_relaxed);
        unsigned lb = atomic_load_explicit(&s->live_buf, memory_order_relaxed);
        filled = atomic_load_explicit(&s->live_filled, memory_order_acquire);
        if (prev != base || lb == s->r || filled > SJ_SCOPE_SAMPLES)
            continue; /* a newer sweep was published meanwhile: take it first */
        copy_points(out, &s->bufs[lb], 0, filled);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&s->live_seq, memory_order_relaxed) == q1)
            break;
    }
    params p;
    load_params(s, &p);
    put_params(out, &p, atomic_load_explicit(&s->active_mask, memory_order_relaxed));
    out->sweep = base + 1;
    out->filled = filled;
    pthread_mutex_unlock(&s->rlock);
}

bool sj_scope_frame_range(const sj_scope_frame *f, unsigned input, float *min, float *max)
{
    float mx = -INFINITY, mn = INFINITY;
    if (f && input < SJ_SCOPE_INPUTS) {
        for (int k = 0; k < SJ_SCOPE_SAMPLES; k++) {
            mx = fmaxf(mx, f->points[input][k].max);
            mn = fminf(mn, f->points[input][k].min);
        }
    }
    bool ok = mx >= mn;
    if (min)
        *min = ok ? mn : 0.0f;
    if (max)
        *max = ok ? mx : 0.0f;
    return ok;
}

int sj_scope_frame_label(const sj_scope_frame *f, unsigned input, char *buf, size_t size)
{
    float mn, mx;
    sj_scope_frame_range(f, input, &mn, &mx);
    return snprintf(buf, size, "in%u min: %6.3f max: %6.3f rng: %6.3f", input + 1, (double)mn, (double)mx,
                    (double)(mx - mn));
}

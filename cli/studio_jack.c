/*
 * The studio's JACK output (see studio_jack.h). Everything real-time is in cli/jack_host.c, shared
 * with `sigjit play`; this file opens and closes its client on the page's request, hands it the
 * session's audio side, and watches it from a monitor thread.
 */
#include "studio_jack.h"

#include "jack_host.h"
#include "base/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SJ_HAVE_JACK

studio_jack *studio_jack_new(studio_session *s, const char *client_name, bool connect, studio_jack_event_fn fn,
                             void *user, char *err, size_t errsz)
{
    (void)s, (void)client_name, (void)connect, (void)fn, (void)user;
    snprintf(err, errsz, "this sigjit was built without JACK (install libjack-jackd2-dev and rebuild)");
    return NULL;
}
void studio_jack_free(studio_jack *j)
{
    (void)j;
}
bool studio_jack_start(studio_jack *j, char **started, char *err, size_t errsz)
{
    (void)j;
    *started = NULL;
    snprintf(err, errsz, "built without JACK");
    return false;
}
bool studio_jack_stop(studio_jack *j)
{
    (void)j;
    return false;
}
bool studio_jack_playing(studio_jack *j)
{
    (void)j;
    return false;
}
void studio_jack_set_param(studio_jack *j, int idx, double value, double ramp_ms)
{
    (void)j, (void)idx, (void)value, (void)ramp_ms;
}
char *studio_jack_state_json(studio_jack *j)
{
    (void)j;
    return NULL;
}

#else

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#define STATUS_EVERY_S 1.0
#define MONITOR_TICK_MS 50

struct studio_jack {
    studio_session *session;
    char client_name[64];
    bool connect;
    studio_jack_event_fn fn;
    void *user;
    int pipe[2];           /* the shutdown callback (and studio_jack_free) write a byte here */
    pthread_t monitor;
    bool monitor_running;

    pthread_mutex_t mu;    /* everything below; never held while the callback could wait for it */
    bool quit;
    bool playing;
    play_host host;        /* valid while playing */
    char error[256];       /* the last failure (no server, the server went away), for the page */
    double started_at;
    /* figures, reset at each start */
    float load_max;
    uint64_t upload_seen;  /* the session's last upload time already looked at */
    double pending_upload; /* an upload not swapped in yet (CLOCK_MONOTONIC us), 0: none */
    double swap_last_us, swap_max_us, swap_sum_us;
    unsigned swaps;
    uint64_t midi_seen;    /* host.midi_events already reported */
    double midi_sent[PLAY_NPARAM]; /* alpha..gamma as last reported after a control change */
};

static double mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void emit(studio_jack *j, char *json)
{
    if (json) {
        if (j->fn)
            j->fn(json, strlen(json), j->user);
        sj_free(json);
    }
}

/* The members of the state object (under mu). */
static void put_state(sj_sb *b, studio_jack *j)
{
    const play_host *h = &j->host;
    sj__sb_printf(b, "\"playing\":%s,\"client\":", j->playing ? "true" : "false");
    const char *name = j->playing ? jack_get_client_name(h->client) : j->client_name;
    sj__json_write_string(b, name);
    if (j->playing) {
        sj__sb_printf(b, ",\"rate\":%.0f,\"period\":%u,\"connected\":%s,\"cycles\":%llu,\"xruns\":%llu,\"clipped\":%llu",
                      h->srate, (unsigned)h->period, h->cfg.connect ? "true" : "false",
                      (unsigned long long)atomic_load(&h->cycles), (unsigned long long)atomic_load(&h->xruns),
                      (unsigned long long)atomic_load(&h->clipped));
        sj__sb_printf(b, ",\"dsp_load\":%.2f,\"dsp_load_max\":%.2f,\"callback_pct\":%.3f,\"callback_max_ms\":%.3f",
                      play_host_cpu_load(h), j->load_max, play_host_callback_pct(h),
                      (double)atomic_load(&h->busy_max_us) / 1e3);
        sj__sb_printf(b, ",\"swaps\":%u,\"swap_ms\":%.3f,\"swap_max_ms\":%.3f", j->swaps, j->swap_last_us / 1e3,
                      j->swap_max_us / 1e3);
    }
    if (j->error[0]) {
        sj__sb_append(b, ",\"error\":");
        sj__json_write_string(b, j->error);
    }
}

/* A message: {"type":TYPE,<extra>,<state>} (under mu). Free with sj_free. */
static char *message(studio_jack *j, const char *type, const char *extra)
{
    sj_sb b;
    sj__sb_init(&b);
    sj__sb_printf(&b, "{\"type\":\"%s\",\"mode\":\"jack\",%s%s", type, extra ? extra : "", extra ? "," : "");
    put_state(&b, j);
    sj__sb_append(&b, "}");
    return sj__sb_finish(&b);
}

char *studio_jack_state_json(studio_jack *j)
{
    sj_sb b;
    sj__sb_init(&b);
    pthread_mutex_lock(&j->mu);
    sj__sb_append(&b, "{");
    put_state(&b, j);
    sj__sb_append(&b, "}");
    pthread_mutex_unlock(&j->mu);
    return sj__sb_finish(&b);
}

/* The swap latency of the newest program: from its upload (the session's clock, CLOCK_MONOTONIC)
 * to the start of the period that applied it (JACK's clock, converted by reading both clocks side
 * by side). Under mu, while playing. */
static void measure_swap(studio_jack *j)
{
    uint64_t up = studio_session_upload_us(j->session);
    if (up != j->upload_seen) {
        j->upload_seen = up;
        j->pending_upload = (double)up;
    }
    if (!j->pending_upload || !atomic_load_explicit(&j->host.updates, memory_order_acquire))
        return;
    double offset = mono_us() - (double)play_host_time_us(&j->host);
    double applied = (double)atomic_load(&j->host.update_time_us) + offset;
    /* The upload is stamped just after it was queued, so the callback may take it a few
     * microseconds before its stamp; an earlier update is an older program. */
    if (applied < j->pending_upload - 1000.0)
        return;
    double us = applied > j->pending_upload ? applied - j->pending_upload : 0;
    j->pending_upload = 0;
    j->swap_last_us = us;
    j->swap_sum_us += us;
    if (us > j->swap_max_us)
        j->swap_max_us = us;
    j->swaps++;
}

/* Closes the client (deactivating it first unless the server is gone: jack_deactivate returns once
 * the callback has finished), gives the audio side back and returns the audio.stopped message.
 * Under mu, while playing. */
static char *stop_locked(studio_jack *j, const char *reason)
{
    play_host *h = &j->host;
    uint64_t cycles = atomic_load(&h->cycles);
    double pct = play_host_callback_pct(h), period_ms = h->srate > 0 ? h->period / h->srate * 1e3 : 0;
    fprintf(stderr,
            "sigjit studio: JACK output stopped (%s) after %.1f s: %llu cycles, xruns %llu, DSP load max %.1f%%, "
            "callback %.2f%% on average, longest %.3f ms (period %.3f ms); swap latency avg %.2f ms, max %.2f ms "
            "(%u swaps); clipped %llu\n",
            reason, (mono_us() - j->started_at) / 1e6, (unsigned long long)cycles,
            (unsigned long long)atomic_load(&h->xruns), j->load_max, pct, (double)atomic_load(&h->busy_max_us) / 1e3,
            period_ms, j->swaps ? j->swap_sum_us / j->swaps / 1e3 : 0.0, j->swap_max_us / 1e3, j->swaps,
            (unsigned long long)atomic_load(&h->clipped));
    play_host_close(h);
    studio_session_audio_release(j->session);
    j->playing = false;
    char extra[80];
    snprintf(extra, sizeof extra, "\"reason\":\"%s\"", reason);
    return message(j, "audio.stopped", extra);
}

/* Control changes since the last look: the session takes the new values (so the browser output and
 * a new page start from them) and every page moves its sliders: one param message per moved
 * parameter into msgs (NULL where none). Under mu, while playing. */
static void follow_midi(studio_jack *j, char *msgs[PLAY_NPARAM])
{
    for (int p = 0; p < PLAY_NPARAM; p++)
        msgs[p] = NULL;
    uint64_t n = atomic_load_explicit(&j->host.midi_events, memory_order_acquire);
    if (n == j->midi_seen)
        return;
    j->midi_seen = n;
    for (int p = 0; p < PLAY_NPARAM; p++) {
        double v = play_host_midi_target(&j->host, p);
        if (v == j->midi_sent[p])
            continue;
        j->midi_sent[p] = v;
        studio_session_set_param(j->session, 2 + p, v, 0);
        msgs[p] = studio_param_json(2 + p, v);
    }
}

static void *monitor_main(void *arg)
{
    studio_jack *j = arg;
    double next_status = 0;
    for (;;) {
        struct pollfd pf = {j->pipe[0], POLLIN, 0};
        if (poll(&pf, 1, MONITOR_TICK_MS) > 0) {
            char buf[16];
            while (read(j->pipe[0], buf, sizeof buf) > 0) {
            }
        }
        char *ev = NULL, *midi[PLAY_NPARAM] = {NULL};
        pthread_mutex_lock(&j->mu);
        if (j->quit) {
            pthread_mutex_unlock(&j->mu);
            break;
        }
        if (j->playing && atomic_load_explicit(&j->host.shutdown, memory_order_acquire)) {
            snprintf(j->error, sizeof j->error, "the JACK server went away (%.200s)", j->host.shutdown_reason);
            fprintf(stderr, "sigjit studio: %s; the studio goes on (the page can play in the browser, or "
                            "through JACK again once a server runs)\n", j->error);
            ev = stop_locked(j, "server_gone");
        } else if (j->playing) {
            float load = play_host_cpu_load(&j->host);
            if (load > j->load_max && atomic_load(&j->host.cycles) > 10)
                j->load_max = load;
            measure_swap(j);
            follow_midi(j, midi);
            if (mono_us() >= next_status) {
                next_status = mono_us() + STATUS_EVERY_S * 1e6;
                ev = message(j, "jack.status", NULL);
            }
        }
        pthread_mutex_unlock(&j->mu);
        for (int p = 0; p < PLAY_NPARAM; p++)
            emit(j, midi[p]);
        emit(j, ev);
    }
    return NULL;
}

studio_jack *studio_jack_new(studio_session *s, const char *client_name, bool connect, studio_jack_event_fn fn,
                             void *user, char *err, size_t errsz)
{
    studio_jack *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    j->session = s;
    snprintf(j->client_name, sizeof j->client_name, "%s", client_name && client_name[0] ? client_name : "sigjit");
    j->connect = connect;
    j->fn = fn;
    j->user = user;
    pthread_mutex_init(&j->mu, NULL);
    if (pipe2(j->pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
        snprintf(err, errsz, "cannot make a pipe for the JACK output");
        pthread_mutex_destroy(&j->mu);
        free(j);
        return NULL;
    }
    if (pthread_create(&j->monitor, NULL, monitor_main, j) != 0) {
        snprintf(err, errsz, "cannot start the JACK output's monitor thread");
        studio_jack_free(j);
        return NULL;
    }
    j->monitor_running = true;
    return j;
}

void studio_jack_free(studio_jack *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&j->mu);
    j->quit = true;
    if (j->playing)
        sj_free(stop_locked(j, "exit"));
    pthread_mutex_unlock(&j->mu);
    if (j->monitor_running) {
        char b = 'q';
        ssize_t w = write(j->pipe[1], &b, 1);
        (void)w;
        pthread_join(j->monitor, NULL);
    }
    close(j->pipe[0]);
    close(j->pipe[1]);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

bool studio_jack_start(studio_jack *j, char **started, char *err, size_t errsz)
{
    *started = NULL;
    pthread_mutex_lock(&j->mu);
    if (j->playing) {
        *started = message(j, "audio.started", NULL);
        pthread_mutex_unlock(&j->mu);
        return true;
    }
    play_host *h = &j->host;
    memset(h, 0, sizeof *h);
    j->midi_seen = 0;
    for (int p = 0; p < PLAY_NPARAM; p++)
        j->midi_sent[p] = NAN; /* the first control change is always reported */
    play_config_init(&h->cfg);
    h->cfg.command = "studio";
    h->cfg.client_name = j->client_name;
    h->cfg.connect = j->connect;
    h->cfg.in_when_connected = true; /* in1/in2: the in_1/in_2 ports while connected, else the sliders */
    h->cfg.in_const[0] = h->cfg.in_const[1] = true; /* MIDI: control changes 1..4 move alpha..gamma */
    h->cfg.clip = true; /* as the browser's stream: ears and speakers first */
    h->cfg.smooth_ms = 20;
    h->wake_fd = j->pipe[1];
    bool ok = false;
    if (!play_host_open(h)) {
        snprintf(err, errsz, "%s", h->error);
    } else {
        studio_audio_side side;
        if (!studio_session_audio_acquire(j->session, h->srate, &side)) {
            snprintf(err, errsz, "the engine's audio side is in use");
            play_host_close(h);
        } else {
            h->be = side.be;
            h->scope = side.scope;
            /* The sliders as they are, at once; the callback takes them at its first cycle. */
            for (int i = 0; i < STUDIO_NPARAMS; i++)
                play_host_set_control(h, i, side.param[i], 0);
            if (!play_host_start(h)) {
                snprintf(err, errsz, "%s", h->error);
                play_host_close(h);
                studio_session_audio_release(j->session);
            } else {
                ok = true;
            }
        }
    }
    if (ok) {
        j->playing = true;
        j->error[0] = 0;
        j->started_at = mono_us();
        j->load_max = 0;
        j->upload_seen = studio_session_upload_us(j->session);
        j->pending_upload = 0;
        j->swap_last_us = j->swap_max_us = j->swap_sum_us = 0;
        j->swaps = 0;
        fprintf(stderr, "sigjit studio: JACK output playing as client '%s' (%.0f Hz, %u frames/period)%s\n",
                jack_get_client_name(h->client), h->srate, (unsigned)h->period,
                j->connect ? ": out_1/out_2 connected to the system ports" : "");
        *started = message(j, "audio.started", NULL);
    } else {
        snprintf(j->error, sizeof j->error, "%s", err);
    }
    pthread_mutex_unlock(&j->mu);
    return ok;
}

bool studio_jack_stop(studio_jack *j)
{
    pthread_mutex_lock(&j->mu);
    bool was = j->playing;
    char *ev = was ? stop_locked(j, "stop") : NULL;
    pthread_mutex_unlock(&j->mu);
    emit(j, ev);
    return was;
}

bool studio_jack_playing(studio_jack *j)
{
    pthread_mutex_lock(&j->mu);
    bool p = j->playing;
    pthread_mutex_unlock(&j->mu);
    return p;
}

void studio_jack_set_param(studio_jack *j, int idx, double value, double ramp_ms)
{
    pthread_mutex_lock(&j->mu);
    if (j->playing)
        play_host_set_control(&j->host, idx, value, ramp_ms);
    pthread_mutex_unlock(&j->mu);
}

#endif /* SJ_HAVE_JACK */

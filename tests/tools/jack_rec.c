/*
 * jack_rec: a small JACK recorder for tests/scripts/jack.sh. It waits for the source ports to
 * appear, connects its inputs to them and writes what it hears as raw interleaved 32-bit floats
 * (native byte order). Optionally it plays MIDI control changes at given times into a MIDI port.
 *
 *   jack_rec -o FILE -p PORT[,PORT...] [--seconds S] [--until-gone] [--wait S] [--name NAME]
 *            [--midi-to PORT] [--cc CC=VALUE@SECONDS ...] [--malloc-in-process]
 *
 * Recording starts two cycles after the connections are in place (the graph carries them). It stops after S seconds
 * of audio, or (--until-gone) when the first source port disappears, or after --wait seconds if the
 * ports never appear (exit 1). The process callback copies into a jack_ringbuffer; the main thread
 * writes the file (nothing in the callback allocates, locks or does I/O). --malloc-in-process
 * deliberately allocates in the callback: the negative control of the rtcheck shim.
 * Prints "rec: frames=N xruns=X overruns=R" on stderr. Exit: 0 ok, 1 error.
 */
#include <jack/jack.h>
#include <jack/midiport.h>
#include <jack/ringbuffer.h>

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXCH 8
#define MAXEV 64

typedef struct cc_event {
    uint64_t frame;
    unsigned char cc, value;
} cc_event;

static jack_client_t *client;
static jack_port_t *ports[MAXCH], *midi_out;
static int nch;
static jack_ringbuffer_t *ring;
static atomic_int recording;
static atomic_uint_fast64_t rec_frames, overruns, xruns, cycles;
static cc_event events[MAXEV];
static int nevents;
static bool malloc_in_process;
static volatile void *sink;

static int process(jack_nframes_t n, void *arg)
{
    (void)arg;
    atomic_fetch_add_explicit(&cycles, 1, memory_order_release);
    if (malloc_in_process) {
        /* through volatile pointers, so the compiler cannot drop the pair */
        void *(*volatile alloc)(size_t) = malloc;
        void (*volatile release)(void *) = free;
        void *p = alloc(64);
        sink = p;
        release(p);
    }
    void *mb = midi_out ? jack_port_get_buffer(midi_out, n) : NULL;
    if (mb)
        jack_midi_clear_buffer(mb);
    if (!atomic_load_explicit(&recording, memory_order_acquire))
        return 0;
    uint64_t pos = atomic_load_explicit(&rec_frames, memory_order_relaxed);
    if (mb)
        for (int e = 0; e < nevents; e++)
            if (events[e].frame >= pos && events[e].frame < pos + n) {
                unsigned char msg[3] = {0xB0, events[e].cc, events[e].value};
                jack_midi_event_write(mb, (jack_nframes_t)(events[e].frame - pos), msg, 3);
            }
    const float *in[MAXCH];
    for (int c = 0; c < nch; c++)
        in[c] = jack_port_get_buffer(ports[c], n);
    size_t need = (size_t)n * nch * sizeof(float);
    if (jack_ringbuffer_write_space(ring) < need) {
        atomic_fetch_add(&overruns, 1);
    } else {
        for (jack_nframes_t i = 0; i < n; i++)
            for (int c = 0; c < nch; c++)
                jack_ringbuffer_write(ring, (const char *)&in[c][i], sizeof(float));
    }
    atomic_store_explicit(&rec_frames, pos + n, memory_order_release);
    return 0;
}

static int on_xrun(void *arg)
{
    (void)arg;
    atomic_fetch_add(&xruns, 1);
    return 0;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void sleep_ms(int ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void drain(FILE *f)
{
    char buf[16384];
    size_t n;
    while ((n = jack_ringbuffer_read(ring, buf, sizeof buf)) > 0)
        fwrite(buf, 1, n, f);
}

static void quiet(const char *msg)
{
    (void)msg;
}

static int usage(void)
{
    fprintf(stderr, "usage: jack_rec -o FILE -p PORT[,PORT...] [--seconds S] [--until-gone] [--wait S] [--name NAME]\n"
                    "                [--midi-to PORT] [--cc CC=VALUE@SECONDS ...] [--malloc-in-process]\n");
    return 1;
}

int main(int argc, char **argv)
{
    const char *out = NULL, *name = "jack_rec", *midi_to = NULL;
    char *src[MAXCH];
    double seconds = 0, wait = 10;
    bool until_gone = false;
    double ev_sec[MAXEV];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-o") && v) {
            out = v;
            i++;
        } else if (!strcmp(a, "-p") && v) {
            char *list = strdup(v), *save = NULL;
            for (char *t = strtok_r(list, ",", &save); t && nch < MAXCH; t = strtok_r(NULL, ",", &save))
                src[nch++] = t;
            i++;
        } else if (!strcmp(a, "--seconds") && v) {
            seconds = atof(v);
            i++;
        } else if (!strcmp(a, "--wait") && v) {
            wait = atof(v);
            i++;
        } else if (!strcmp(a, "--name") && v) {
            name = v;
            i++;
        } else if (!strcmp(a, "--midi-to") && v) {
            midi_to = v;
            i++;
        } else if (!strcmp(a, "--cc") && v && nevents < MAXEV) {
            unsigned cc, val;
            double t;
            if (sscanf(v, "%u=%u@%lf", &cc, &val, &t) != 3 || cc > 127 || val > 127 || t < 0)
                return usage();
            events[nevents].cc = (unsigned char)cc;
            events[nevents].value = (unsigned char)val;
            ev_sec[nevents++] = t;
            i++;
        } else if (!strcmp(a, "--until-gone")) {
            until_gone = true;
        } else if (!strcmp(a, "--malloc-in-process")) {
            malloc_in_process = true;
        } else {
            return usage();
        }
    }
    if (!out || !nch || (!seconds && !until_gone))
        return usage();

    jack_status_t st;
    client = jack_client_open(name, JackNoStartServer, &st);
    if (!client) {
        fprintf(stderr, "rec: no JACK server (status 0x%x)\n", (unsigned)st);
        return 1;
    }
    double sr = jack_get_sample_rate(client);
    for (int e = 0; e < nevents; e++)
        events[e].frame = (uint64_t)(ev_sec[e] * sr + 0.5);
    ring = jack_ringbuffer_create((size_t)(sr * nch * sizeof(float) * 4)); /* 4 s of slack */
    for (int c = 0; c < nch; c++) {
        char pn[32];
        snprintf(pn, sizeof pn, "in_%d", c + 1);
        ports[c] = jack_port_register(client, pn, JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
    }
    if (midi_to)
        midi_out = jack_port_register(client, "midi_out", JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput, 0);
    jack_set_process_callback(client, process, NULL);
    jack_set_xrun_callback(client, on_xrun, NULL);
    if (jack_activate(client)) {
        fprintf(stderr, "rec: cannot activate\n");
        return 1;
    }
    FILE *f = fopen(out, "wb");
    if (!f) {
        fprintf(stderr, "rec: cannot write %s: %s\n", out, strerror(errno));
        return 1;
    }
    /* Wait for the sources. */
    double t0 = now_s();
    for (;;) {
        bool all = true;
        for (int c = 0; c < nch; c++)
            if (!jack_port_by_name(client, src[c]))
                all = false;
        if (all && (!midi_to || jack_port_by_name(client, midi_to)))
            break;
        if (now_s() - t0 > wait) {
            fprintf(stderr, "rec: the ports did not appear within %.1f s\n", wait);
            jack_client_close(client);
            return 1;
        }
        sleep_ms(5);
    }
    /* The ports of a client exist before it is activated, and JACK refuses to connect them until
     * then: retry until the wait runs out (quietly: JACK would print every refusal). */
    jack_set_error_function(quiet);
    for (int c = 0; c <= nch; c++) {
        if (c == nch && !midi_to)
            break;
        const char *from = c < nch ? src[c] : jack_port_name(midi_out);
        const char *to = c < nch ? jack_port_name(ports[c]) : midi_to;
        while (jack_connect(client, from, to) != 0) {
            if (now_s() - t0 > wait) {
                fprintf(stderr, "rec: cannot connect %s to %s\n", from, to);
                jack_client_close(client);
                return 1;
            }
            sleep_ms(5);
        }
    }
    jack_set_error_function(NULL);
    /* jack_connect returns before the server's graph carries the connection: a cycle or two may
     * still read silence from the new connections (seen on a loaded machine). Wait until the ports
     * say they are connected and two more cycles have run. */
    for (int c = 0; c < nch; c++)
        while (jack_port_connected(ports[c]) < 1 && now_s() - t0 < wait)
            sleep_ms(1);
    uint64_t c0 = atomic_load_explicit(&cycles, memory_order_acquire);
    while (atomic_load_explicit(&cycles, memory_order_acquire) < c0 + 2 && now_s() - t0 < wait)
        sleep_ms(1);
    atomic_store_explicit(&recording, 1, memory_order_release);
    uint64_t want = seconds > 0 ? (uint64_t)(seconds * sr) : UINT64_MAX;
    double limit = now_s() + (seconds > 0 ? seconds + 30 : 120);
    for (;;) {
        sleep_ms(10);
        drain(f);
        if (atomic_load(&rec_frames) >= want)
            break;
        if (until_gone && !jack_port_by_name(client, src[0]))
            break;
        if (now_s() > limit) {
            fprintf(stderr, "rec: timed out\n");
            break;
        }
    }
    atomic_store(&recording, 0);
    jack_deactivate(client);
    drain(f);
    fclose(f);
    jack_client_close(client);
    fprintf(stderr, "rec: frames=%llu xruns=%llu overruns=%llu\n", (unsigned long long)atomic_load(&rec_frames),
            (unsigned long long)atomic_load(&xruns), (unsigned long long)atomic_load(&overruns));
    jack_ringbuffer_free(ring);
    return atomic_load(&overruns) ? 1 : 0;
}

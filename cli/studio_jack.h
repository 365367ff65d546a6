/*
 * The studio's JACK output (`sigjit studio --jack`; docs/studio.md, "Audio through JACK"): the
 * JACK client of `sigjit play` (play_host, cli/jack_host.c) running the session's engine in its
 * process callback, started and stopped by the page (audio.start / audio.stop with "mode":"jack").
 *
 * While it plays it owns the engine's audio side (studio_session_audio_acquire): the callback
 * applies new programs, runs the backend, feeds the session's scope and glides the parameters, with
 * no allocation, lock or system call; the browser renderer refuses until it stops. Stopping
 * deactivates the client (jack_deactivate returns once the callback has finished) and only then
 * gives the audio side back. Parameters reach the callback through atomics (play_host_set_control).
 *
 * A monitor thread notices a JACK server that goes away (the client's shutdown callback pokes a
 * pipe): it closes the client, gives the audio side back and reports it; the studio keeps running.
 * While playing it also reports the JACK state once a second (jack.status), measures the swap
 * latency of each new program, and passes MIDI control changes (which the callback applies to
 * alpha .. gamma) on to the session and to every page as param messages, so the sliders follow.
 *
 * Events (complete JSON messages for every page) go to the callback given to studio_jack_new, from
 * the thread that stopped it or from the monitor thread, never under a lock of this module; the
 * message of a start goes back to the caller, which sends it once the browser streams are stopped.
 * Built without JACK, studio_jack_new fails and the rest is never reached.
 */
#ifndef SJ_STUDIO_JACK_H
#define SJ_STUDIO_JACK_H

#include "studio_session.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct studio_jack studio_jack;

typedef void (*studio_jack_event_fn)(const char *json, size_t len, void *user);

/* Prepares the JACK output of session s (nothing is opened until studio_jack_start) and starts the
 * monitor thread. NULL with a reason in err on failure (or when built without JACK). */
studio_jack *studio_jack_new(studio_session *s, const char *client_name, bool connect, studio_jack_event_fn fn,
                             void *user, char *err, size_t errsz);
/* Stops playing (if it does) and the monitor thread, and frees j. NULL is fine. */
void studio_jack_free(studio_jack *j);

/* Opens the client (never starts a JACK server), takes the audio side over at JACK's rate,
 * activates and (with connect) connects to the physical playback ports. *started gets the
 * audio.started message for every page (free with sj_free; NULL if out of memory), also when it was
 * playing already. false with the reason in err (no server, the audio side taken, activation
 * failed): nothing changed. */
bool studio_jack_start(studio_jack *j, char **started, char *err, size_t errsz);
/* Deactivates and closes the client, then gives the audio side back; reports audio.stopped.
 * false if it was not playing. */
bool studio_jack_stop(studio_jack *j);
bool studio_jack_playing(studio_jack *j);
/* Forwards a parameter (0..5: in1, in2, alpha .. gamma) to the callback while playing. */
void studio_jack_set_param(studio_jack *j, int idx, double value, double ramp_ms);
/* The JACK state as a JSON object (what jack.status carries); free with sj_free. */
char *studio_jack_state_json(studio_jack *j);

#endif

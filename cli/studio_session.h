/*
 * The studio's program session: the one place the studio uses the library (text language, engine).
 * The civetweb server (studio_server.c) only moves messages; everything that touches sigjit's API is
 * here, so changes in the text-language, block-language or engine APIs stay in this file.
 *
 * Threads:
 *   - a compile worker (started by studio_session_new) parses and uploads edits (sj_parse,
 *     sj_engine_upload), saves the file and reports each result through the callback. Edits are
 *     coalesced: if several arrive while one compiles, only the newest is compiled.
 *   - the renderer: whoever calls studio_session_render (the server calls it from the audio
 *     client's connection thread when credit arrives). It is the engine's audio side; a mutex joins
 *     it with the worker's swap of a new function (the compile itself runs outside that mutex).
 *   - or, instead of the renderer, a real-time driver that takes the audio side over with
 *     studio_session_audio_acquire (the JACK output, studio_jack.c): its callback runs the backend
 *     and feeds the scope without any lock, so while it owns the audio side the renderer refuses to
 *     render and the worker leaves the swap to the driver's next period.
 * Independent of civetweb: compiled in every build.
 */
#ifndef SJ_STUDIO_SESSION_H
#define SJ_STUDIO_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct studio_session studio_session;

/* Called from the worker thread with a complete JSON message (a compile.result) to broadcast. */
typedef void (*studio_result_fn)(const char *json, size_t len, void *user);

#define STUDIO_NPARAMS 6
#define STUDIO_MAX_TEXT ((size_t)512 * 1024)

/* Loads path (a text program, or a block program edited with studio_session_block_op; a missing
 * file starts from a small text example and is created on the first edit) or, with path NULL,
 * starts unsaved.
 * Compiles the program once before returning. NULL with a message in err on failure. */
studio_session *studio_session_new(const char *path, char *err, size_t errsz);
/* Stops the worker and frees everything. Nobody may render any more. */
void studio_session_free(studio_session *s);
/* Starts the compile worker; results go to fn from then on. */
bool studio_session_start(studio_session *s, studio_result_fn fn, void *user);

/* The hello message for a new client (text, revisions, last diagnostics, parameters). Free with sj_free. */
char *studio_session_hello_json(studio_session *s);
/* Queues a new text (copied); *rev gets its revision. Returns false with a reason if refused (a block
 * program, too large). */
bool studio_session_submit_text(studio_session *s, const char *text, size_t len, int64_t req, uint64_t *rev,
                                const char **why);

/* Parameters in1, in2, alpha, beta, delta, gamma by index (0..5), or -1 for an unknown name. */
int studio_param_index(const char *name);
const char *studio_param_name(int idx);
/* The param message telling every page a parameter's new value (free with sj_free; NULL if out of
 * memory). */
char *studio_param_json(int idx, double value);
/* Sets the target of a parameter; the renderer glides to it with a one-pole of time constant
 * ramp_ms (0: at once). */
void studio_session_set_param(studio_session *s, int idx, double value, double ramp_ms);

/* Prepares rendering at rate (Hz; sets the engine's rate, which resets the playing function's
 * state as the reference does). false (nothing changed) while a driver owns the audio side. */
bool studio_session_audio_start(studio_session *s, double rate);
/* Renders frames of stereo float (sig1 left, sig2 right, interleaved), applying queued updates
 * first. NaN becomes 0 and samples are clipped to [-1, 1] to protect ears and speakers. false
 * (out untouched) while a driver owns the audio side. */
bool studio_session_render(studio_session *s, float *out, size_t frames);

/* The audio side handed to a real-time driver: the backend to run (sj_backend_process_updates, then
 * sj_backend_process_block), the scope to feed, and the parameters' current targets to start from. */
typedef struct studio_audio_side {
    struct sj_backend *be;
    struct sj_scope *scope;
    double param[STUDIO_NPARAMS];
} studio_audio_side;
/* Takes the audio side over at rate Hz (sets the engine's and the scope's rate, applies queued
 * updates), waiting for a render in progress to end; false if a driver has it already. From then on
 * studio_session_render refuses and only the driver applies updates. Call it before the driver's
 * thread starts (jack_activate). */
bool studio_session_audio_acquire(studio_session *s, double rate, studio_audio_side *side);
/* Gives it back. The driver's thread must have stopped (jack_deactivate or jack_client_close
 * returned). */
void studio_session_audio_release(studio_session *s);
/* CLOCK_MONOTONIC microseconds of the last program uploaded (0: none yet), for the swap latency. */
uint64_t studio_session_upload_us(studio_session *s);
/* How many samples were clipped or NaN since the start (for status messages). */
uint64_t studio_session_clipped(studio_session *s);

/* The scope (the library's capture, sj_scope): 3 inputs of 512 (max, min) points. Defaults: input
 * 1 taps sig1, input 2 sig2, input 3 nothing; 20 ms; trigger on signal 1 rising through 0. */
#define STUDIO_SCOPE_POINTS 512
#define STUDIO_SCOPE_INPUTS 3
#define STUDIO_SCOPE_META 16
/* A scope frame as the studio sends it (docs/studio.md, "Scope frames"): STUDIO_SCOPE_META floats
 * (active[3], offset[3], gain[3], trigger, threshold, time_ms, filled, srate, 0, 0), then for each
 * input 512 (max, min) pairs. */
#define STUDIO_SCOPE_FLOATS (STUDIO_SCOPE_META + STUDIO_SCOPE_INPUTS * STUDIO_SCOPE_POINTS * 2)
/* Copies the live view into out (STUDIO_SCOPE_FLOATS floats); *sweep and *filled say which picture
 * it is (send it only when they change). Any thread but the renderer. */
void studio_session_scope_frame(studio_session *s, float *out, uint64_t *sweep, size_t *filled);
/* Sets the scope from a scope.set message's values: time_ms (NaN: unchanged), trigger ("off",
 * "sig1", "ext" or NULL: unchanged), threshold, and per input a tap name (NULL: unchanged; "" or
 * "none": disconnected; in1..gamma, sig1, sig2, ret, *pv), offset, gain (NaN: unchanged).
 * false with a reason if something is invalid (then nothing changed). */
bool studio_session_scope_set(studio_session *s, double time_ms, const char *trigger, double threshold,
                              const char *const taps[STUDIO_SCOPE_INPUTS], const double offset[STUDIO_SCOPE_INPUTS],
                              const double gain[STUDIO_SCOPE_INPUTS], const char **why);
/* The scope settings as a JSON scope.meta message (free with sj_free). */
char *studio_session_scope_json(studio_session *s);

/* Block programs (a .json FILE): edited through operations of the block language. */
bool studio_session_is_blocks(studio_session *s);
typedef struct studio_block_op {
    const char *op; /* instantiate remove shift_port set_label move_block clone_block move_chain split_chain
                       undo redo */
    size_t area, area2;
    int64_t x, y, x2, y2;
    size_t row;
    bool output;
    const char *typ, *input, *filler; /* filler NULL: split without one */
} studio_block_op;
/* Applies op. On success returns the "blocks" message to broadcast (free with sj_free; the new
 * snapshot, also queued for compiling and saving) and the edit can be undone. On failure returns
 * NULL, sets *code ("refused": the operation is not possible here, "bad_message") and writes why
 * into msg; the program is unchanged. */
char *studio_session_block_op(studio_session *s, const studio_block_op *op, int64_t req, const char **code, char *msg,
                              size_t msgsz);

/* Writes data to path atomically: a temporary file in the same directory, fsync, rename. The old
 * file is untouched if anything fails. Returns 0 or an errno value. */
int studio_write_file_atomic(const char *path, const char *data, size_t len);

#endif

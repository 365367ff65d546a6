/*
 * The studio's web server: civetweb on 127.0.0.1, the embedded front end, the security checks and
 * the WebSocket protocol (docs/studio.md). The program itself lives in studio_session.c.
 *
 * Security (docs/studio.md, "Security"): the server listens on 127.0.0.1 only; every request must
 * name us in Host (127.0.0.1:PORT or localhost:PORT: defeats DNS rebinding); every request needs the
 * token, from ?t= or the cookie set when the page was opened with it; the WebSocket also needs an
 * Origin of ours and the token in its URL; files come from an embedded table by exact match (no
 * file system, so no traversal); responses carry a strict Content-Security-Policy; messages are
 * size-limited and a malformed one gets an error reply and changes nothing.
 */
#ifdef SJ_HAVE_CIVETWEB

#include "studio_server.h"

#include "cli.h"
#include "base/json.h"
#include "studio_assets.h"
#include "studio_jack.h"
#include "studio_session.h"

#include <civetweb.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define AUDIO_CHUNK 1024
#define AUDIO_KIND 1
#define AUDIO_HEADER 16
#define SCOPE_KIND 2
#define SCOPE_FPS 30

typedef struct client {
    struct mg_connection *conn; /* set when ready */
    bool ready;
    bool audio;      /* this client receives the PCM stream */
    bool taken;      /* the server stopped its stream: credit still in flight is ignored */
    uint32_t seq;    /* audio message counter */
    double rate;
} client;

typedef struct server {
    struct mg_context *ctx;
    studio_session *session;
    studio_jack *jack; /* the JACK output (--jack), or NULL */
    int port;
    char token[80];
    char cookie_name[32];
    bool quiet;
    pthread_mutex_t mu; /* clients[] and every write to a WebSocket */
    client *clients[STUDIO_MAX_CLIENTS];
    size_t nclients; /* connected (ready or not) */
    pthread_t scope_thread;
    volatile bool scope_quit; /* set under mu */
} server;

static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                          "img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; "
                          "form-action 'none'; frame-ancestors 'none'";

/* ---------------------------------------------------------------------------------------------
 * Checks. */

static bool const_time_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    for (size_t i = 0; i < la; i++)
        d |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    return d == 0;
}

static bool host_ok(const server *S, const char *host)
{
    if (!host)
        return false;
    char a[64], b[64];
    snprintf(a, sizeof a, "127.0.0.1:%d", S->port);
    snprintf(b, sizeof b, "localhost:%d", S->port);
    return strcmp(host, a) == 0 || strcmp(host, b) == 0;
}

static bool origin_ok(const server *S, const char *origin)
{
    if (!origin)
        return false;
    char a[64], b[64];
    snprintf(a, sizeof a, "http://127.0.0.1:%d", S->port);
    snprintf(b, sizeof b, "http://localhost:%d", S->port);
    return strcmp(origin, a) == 0 || strcmp(origin, b) == 0;
}

/* The value of t= in a query string (not URL-decoded: tokens are plain ASCII). */
static bool query_token(const char *qs, char *buf, size_t bufsz)
{
    if (!qs)
        return false;
    const char *p = qs;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        if (n > 2 && p[0] == 't' && p[1] == '=') {
            if (n - 2 >= bufsz)
                return false;
            memcpy(buf, p + 2, n - 2);
            buf[n - 2] = 0;
            return true;
        }
        if (!amp)
            break;
        p = amp + 1;
    }
    return false;
}

static bool url_token_ok(const server *S, const struct mg_request_info *ri)
{
    char t[96];
    return query_token(ri->query_string, t, sizeof t) && const_time_equal(t, S->token);
}

static bool cookie_token_ok(const server *S, struct mg_connection *conn)
{
    const char *c = mg_get_header(conn, "Cookie");
    char t[96];
    return c && mg_get_cookie(c, S->cookie_name, t, sizeof t) > 0 && const_time_equal(t, S->token);
}

/* ---------------------------------------------------------------------------------------------
 * HTTP. */

static int send_plain(struct mg_connection *conn, int status, const char *reason, const char *body)
{
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
              "Content-Security-Policy: %s\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n"
              "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
              status, reason, strlen(body), csp);
    mg_write(conn, body, strlen(body));
    return status;
}

static const studio_asset *find_asset(const char *path)
{
    if (strcmp(path, "/") == 0)
        path = "/index.html";
    for (size_t i = 0; i < studio_asset_count; i++)
        if (strcmp(studio_assets[i].path, path) == 0)
            return &studio_assets[i];
    return NULL;
}

static void logf_access(const server *S, const struct mg_request_info *ri, int status)
{
    if (!S->quiet)
        fprintf(stderr, "studio: %s %s -> %d\n", ri->request_method, ri->local_uri ? ri->local_uri : "?", status);
}

static int begin_request(struct mg_connection *conn)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    server *S = mg_get_user_data(mg_get_context(conn));
    const char *uri = ri->local_uri_raw ? ri->local_uri_raw : "";
    int status;
    if (!host_ok(S, mg_get_header(conn, "Host"))) {
        status = send_plain(conn, 421, "Misdirected Request", "wrong Host\n");
    } else if (strcmp(uri, "/ws") == 0) {
        const char *up = mg_get_header(conn, "Upgrade");
        if (!up || strcasecmp(up, "websocket") != 0)
            status = send_plain(conn, 400, "Bad Request", "WebSocket only\n");
        else if (!origin_ok(S, mg_get_header(conn, "Origin")))
            status = send_plain(conn, 403, "Forbidden", "wrong Origin\n");
        else if (!url_token_ok(S, ri))
            status = send_plain(conn, 403, "Forbidden", "token required\n");
        else
            return 0; /* civetweb does the handshake; the connect handler checks again */
    } else if (strcmp(ri->request_method, "GET") != 0 && strcmp(ri->request_method, "HEAD") != 0) {
        status = send_plain(conn, 405, "Method Not Allowed", "GET only\n");
    } else if (!url_token_ok(S, ri) && !cookie_token_ok(S, conn)) {
        status = send_plain(conn, 403, "Forbidden",
                            "token required: open the URL that `sigjit studio` printed (it ends with ?t=...)\n");
    } else {
        const studio_asset *a = find_asset(uri);
        if (!a) {
            status = send_plain(conn, 404, "Not Found", "not found\n");
        } else {
            char cookie[256] = "";
            if (url_token_ok(S, ri))
                snprintf(cookie, sizeof cookie, "Set-Cookie: %s=%s; Path=/; HttpOnly; SameSite=Strict\r\n",
                         S->cookie_name, S->token);
            mg_printf(conn,
                      "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
                      "Content-Security-Policy: %s\r\nX-Content-Type-Options: nosniff\r\n"
                      "Referrer-Policy: no-referrer\r\nX-Frame-Options: DENY\r\n"
                      "Cross-Origin-Opener-Policy: same-origin\r\nCache-Control: no-store\r\n"
                      "Connection: close\r\n\r\n",
                      a->type, a->len, cookie, csp);
            if (strcmp(ri->request_method, "HEAD") != 0)
                mg_write(conn, a->data, a->len);
            status = 200;
        }
    }
    logf_access(S, ri, status);
    return status;
}

static int log_message(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    (void)message;
    return 1; /* civetweb's own messages (e.g. peers that hang up) are noise here */
}

/* ---------------------------------------------------------------------------------------------
 * WebSocket. */

static void send_text_locked(client *c, const char *json, size_t len)
{
    if (c->ready && c->conn)
        mg_websocket_write(c->conn, MG_WEBSOCKET_OPCODE_TEXT, json, len);
}

static void send_text(server *S, client *c, const char *json, size_t len)
{
    pthread_mutex_lock(&S->mu);
    send_text_locked(c, json, len);
    pthread_mutex_unlock(&S->mu);
}

static void broadcast(server *S, const char *json, size_t len)
{
    pthread_mutex_lock(&S->mu);
    for (size_t i = 0; i < STUDIO_MAX_CLIENTS; i++)
        if (S->clients[i])
            send_text_locked(S->clients[i], json, len);
    pthread_mutex_unlock(&S->mu);
}

static void on_result(const char *json, size_t len, void *user)
{
    broadcast(user, json, len);
}

static void send_error(server *S, client *c, const sj__jval *o, const char *code, const char *message)
{
    sj_sb b;
    sj__sb_init(&b);
    sj__sb_printf(&b, "{\"type\":\"error\",\"code\":\"%s\",\"message\":", code);
    sj__json_write_string(&b, message);
    const sj__jval *req = sj__json_get(o, "req");
    if (req && req->kind == SJ__JNUM) {
        sj__sb_append(&b, ",\"req\":");
        sj__json_write_number(&b, req->d);
    }
    sj__sb_append(&b, "}");
    if (!b.failed)
        send_text(S, c, b.data, b.len);
    sj__sb_fini(&b);
}

/* The session's hello with the outputs added: "audio_modes" (["browser"], plus "jack" with --jack)
 * and "jack" (the JACK output's state, or null). Free with sj_free. */
static char *hello_json(server *S)
{
    char *hello = studio_session_hello_json(S->session);
    char *jack = S->jack ? studio_jack_state_json(S->jack) : NULL;
    size_t n = hello ? strlen(hello) : 0;
    if (!hello || n < 2 || hello[n - 1] != '}' || (S->jack && !jack)) {
        sj_free(jack);
        return hello;
    }
    sj_sb b;
    sj__sb_init(&b);
    sj__sb_appendn(&b, hello, n - 1);
    sj__sb_printf(&b, ",\"audio_modes\":[\"browser\"%s],\"jack\":%s}", S->jack ? ",\"jack\"" : "", jack ? jack : "null");
    sj_free(hello);
    sj_free(jack);
    return sj__sb_finish(&b);
}

/* Stops the browser streams but except's: another listener or the JACK output took the audio side,
 * and they hear which (reason "taken" or "jack"). Their credit still in flight is ignored. */
static void stop_browser_streams(server *S, const client *except, const char *reason)
{
    char msg[96];
    int k = snprintf(msg, sizeof msg, "{\"type\":\"audio.stopped\",\"mode\":\"browser\",\"reason\":\"%s\"}", reason);
    pthread_mutex_lock(&S->mu);
    for (size_t i = 0; i < STUDIO_MAX_CLIENTS; i++) {
        client *o = S->clients[i];
        if (o && o != except && o->audio) {
            o->audio = false;
            o->taken = true;
            send_text_locked(o, msg, (size_t)k);
        }
    }
    pthread_mutex_unlock(&S->mu);
}

static int connect_handler(const struct mg_connection *conn, void *cbdata)
{
    server *S = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    /* begin_request checked these already; a second look costs nothing. */
    if (!origin_ok(S, mg_get_header(conn, "Origin")) || !url_token_ok(S, ri))
        return 1;
    client *c = calloc(1, sizeof *c);
    if (!c)
        return 1;
    pthread_mutex_lock(&S->mu);
    size_t slot = STUDIO_MAX_CLIENTS;
    for (size_t i = 0; i < STUDIO_MAX_CLIENTS; i++)
        if (!S->clients[i]) {
            slot = i;
            break;
        }
    if (slot < STUDIO_MAX_CLIENTS) {
        S->clients[slot] = c;
        S->nclients++;
    }
    pthread_mutex_unlock(&S->mu);
    if (slot == STUDIO_MAX_CLIENTS) {
        free(c);
        return 1;
    }
    mg_set_user_connection_data(conn, c);
    return 0;
}

static void ready_handler(struct mg_connection *conn, void *cbdata)
{
    server *S = cbdata;
    client *c = mg_get_user_connection_data(conn);
    if (!c)
        return;
    pthread_mutex_lock(&S->mu);
    c->conn = conn;
    c->ready = true;
    pthread_mutex_unlock(&S->mu);
    char *hello = hello_json(S);
    if (hello) {
        send_text(S, c, hello, strlen(hello));
        sj_free(hello);
    }
    char *meta = studio_session_scope_json(S->session);
    if (meta) {
        send_text(S, c, meta, strlen(meta));
        sj_free(meta);
    }
}

static void close_handler(const struct mg_connection *conn, void *cbdata)
{
    server *S = cbdata;
    client *c = mg_get_user_connection_data(conn);
    if (!c)
        return;
    pthread_mutex_lock(&S->mu);
    for (size_t i = 0; i < STUDIO_MAX_CLIENTS; i++)
        if (S->clients[i] == c) {
            S->clients[i] = NULL;
            S->nclients--;
        }
    pthread_mutex_unlock(&S->mu);
    free(c);
}

static bool get_number(const sj__jval *o, const char *key, double lo, double hi, double *out)
{
    const sj__jval *m = sj__json_get(o, key);
    if (!m || m->kind != SJ__JNUM || !(m->d >= lo && m->d <= hi))
        return false;
    *out = m->d;
    return true;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* Renders frames for the client that gave credit and sends them as binary messages (docs/studio.md,
 * "Audio"). Runs on that client's connection thread. */
static void stream_audio(server *S, client *c, size_t frames)
{
    /* The message: the header, then the samples, rendered in place. */
    float buf[AUDIO_HEADER / sizeof(float) + AUDIO_CHUNK * 2];
    unsigned char *msg = (unsigned char *)buf;
    while (frames > 0) {
        size_t n = frames < AUDIO_CHUNK ? frames : AUDIO_CHUNK;
        if (!studio_session_render(S->session, buf + AUDIO_HEADER / sizeof(float), n)) {
            stop_browser_streams(S, NULL, "jack"); /* the JACK output has the audio side */
            break;
        }
        put_u32(msg, AUDIO_KIND);
        put_u32(msg + 4, c->seq++);
        put_u32(msg + 8, (uint32_t)n);
        put_u32(msg + 12, 2);
        pthread_mutex_lock(&S->mu);
        bool still = c->audio && c->ready;
        if (still)
            mg_websocket_write(c->conn, MG_WEBSOCKET_OPCODE_BINARY, (const char *)msg,
                               AUDIO_HEADER + n * 2 * sizeof(float));
        pthread_mutex_unlock(&S->mu);
        if (!still)
            break;
        frames -= n;
    }
}

/* scope.set: every member optional; time_ms, trigger, threshold, tap1..3, offset1..3, gain1..3. */
static void handle_scope_set(server *S, client *c, const sj__jval *o)
{
    static const char *const known[] = {"type", "req", "time_ms", "trigger", "threshold", "tap1", "tap2", "tap3",
                                        "offset1", "offset2", "offset3", "gain1", "gain2", "gain3"};
    for (size_t i = 0; i < o->n; i++) {
        bool ok = false;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
            if (strlen(known[k]) == o->klens[i] && memcmp(known[k], o->keys[i], o->klens[i]) == 0)
                ok = true;
        if (!ok) {
            send_error(S, c, o, "bad_message", "scope.set takes time_ms, trigger, threshold, tap1..3, offset1..3, gain1..3");
            return;
        }
    }
    double time_ms = NAN, threshold = NAN, offset[3] = {NAN, NAN, NAN}, gain[3] = {NAN, NAN, NAN};
    const char *trigger = NULL, *taps[3] = {NULL, NULL, NULL}; /* NULL: not in the message, unchanged */
    const char *why = NULL;
    const sj__jval *m;
    if ((m = sj__json_get(o, "time_ms"))) {
        if (m->kind == SJ__JNUM)
            time_ms = m->d;
        else
            why = "time_ms must be a number";
    }
    if ((m = sj__json_get(o, "threshold"))) {
        if (m->kind == SJ__JNUM)
            threshold = m->d;
        else
            why = "threshold must be a number";
    }
    if ((m = sj__json_get(o, "trigger")) && !(trigger = sj__json_str(m)))
        why = "trigger must be a string";
    for (int i = 0; i < 3 && !why; i++) {
        char key[24];
        snprintf(key, sizeof key, "tap%d", i + 1);
        if ((m = sj__json_get(o, key)) && !(taps[i] = sj__json_str(m)))
            why = "a tap must be a string";
        snprintf(key, sizeof key, "offset%d", i + 1);
        if ((m = sj__json_get(o, key))) {
            if (m->kind == SJ__JNUM)
                offset[i] = m->d;
            else
                why = "offsets must be numbers";
        }
        snprintf(key, sizeof key, "gain%d", i + 1);
        if ((m = sj__json_get(o, key))) {
            if (m->kind == SJ__JNUM)
                gain[i] = m->d;
            else
                why = "gains must be numbers";
        }
    }
    if (!why && studio_session_scope_set(S->session, time_ms, trigger, threshold, taps, offset, gain, &why)) {
        char *meta = studio_session_scope_json(S->session);
        if (meta) {
            broadcast(S, meta, strlen(meta));
            sj_free(meta);
        }
    }
    if (why)
        send_error(S, c, o, "bad_message", why);
}

static bool get_coord(const sj__jval *o, const char *key, int64_t *out)
{
    double v;
    if (!get_number(o, key, -(double)SJ_BLOCK_COORD_MAX, (double)SJ_BLOCK_COORD_MAX, &v) || v != floor(v))
        return false;
    *out = (int64_t)v;
    return true;
}

/* blocks.op: {op, area, x, y, [typ, input, row, output, to_area, to_x, to_y, filler]}. */
static void handle_block_op(server *S, client *c, const sj__jval *o)
{
    studio_block_op op;
    memset(&op, 0, sizeof op);
    const char *why = NULL;
    const sj__jval *m;
    double v;
    if (!(op.op = sj__json_str(sj__json_get(o, "op"))))
        why = "blocks.op needs a string \"op\"";
    bool history = op.op && (strcmp(op.op, "undo") == 0 || strcmp(op.op, "redo") == 0);
    if (!why && !history) {
        if (!get_number(o, "area", 0, 1e9, &v) || v != floor(v) || !get_coord(o, "x", &op.x) || !get_coord(o, "y", &op.y))
            why = "blocks.op needs integers \"area\", \"x\", \"y\"";
        else
            op.area = (size_t)v;
    }
    if (!why && (m = sj__json_get(o, "typ")) && !(op.typ = sj__json_str(m)))
        why = "\"typ\" must be a string";
    if (!why && (m = sj__json_get(o, "input")) && m->kind != SJ__JNULL && !(op.input = sj__json_str(m)))
        why = "\"input\" must be a string or null";
    if (!why && (m = sj__json_get(o, "filler")) && m->kind != SJ__JNULL && !(op.filler = sj__json_str(m)))
        why = "\"filler\" must be a string or null";
    if (!why && sj__json_get(o, "row")) {
        if (!get_number(o, "row", 0, 1e6, &v) || v != floor(v))
            why = "\"row\" must be a non-negative integer";
        else
            op.row = (size_t)v;
    }
    if (!why && (m = sj__json_get(o, "output"))) {
        if (m->kind != SJ__JBOOL)
            why = "\"output\" must be true or false";
        else
            op.output = m->b;
    }
    if (!why && sj__json_get(o, "to_area")) {
        if (!get_number(o, "to_area", 0, 1e9, &v) || v != floor(v) || !get_coord(o, "to_x", &op.x2) ||
            !get_coord(o, "to_y", &op.y2))
            why = "\"to_area\", \"to_x\", \"to_y\" must be integers";
        else
            op.area2 = (size_t)v;
    }
    if (why) {
        send_error(S, c, o, "bad_message", why);
    } else {
        double req = 0;
        if (sj__json_get(o, "req"))
            get_number(o, "req", 0, 9007199254740991.0, &req);
        const char *code = NULL;
        char msg[300];
        char *out = studio_session_block_op(S->session, &op, (int64_t)req, &code, msg, sizeof msg);
        if (out) {
            broadcast(S, out, strlen(out));
            sj_free(out);
        } else {
            send_error(S, c, o, code, msg);
        }
    }
}

static const char jack_busy[] = "the JACK output is playing: stop it first (audio.stop with \"mode\":\"jack\"), "
                                "or listen through JACK";

/* The "mode" of audio.start and audio.stop: "browser" (the default) or "jack". false (after an
 * error reply) for anything else. */
static bool audio_mode_jack(server *S, client *c, const sj__jval *o, bool *jack)
{
    const sj__jval *m = sj__json_get(o, "mode");
    const char *mode = sj__json_str(m);
    *jack = mode && strcmp(mode, "jack") == 0;
    if (!m || *jack || (mode && strcmp(mode, "browser") == 0))
        return true;
    send_error(S, c, o, "bad_message", "\"mode\" must be \"browser\" or \"jack\"");
    return false;
}

/* audio.start: the JACK output (every page hears audio.started from it), or the PCM stream to this
 * client. One output at a time: JACK takes the audio side from the browser streams; a browser stream
 * is refused while JACK plays. */
static void handle_audio_start(server *S, client *c, const sj__jval *o)
{
    bool jack;
    if (!audio_mode_jack(S, c, o, &jack))
        return;
    if (jack) {
        char err[300], *started = NULL;
        if (!S->jack) {
            send_error(S, c, o, "refused", "there is no JACK output: start the studio with --jack");
        } else if (!studio_jack_start(S->jack, &started, err, sizeof err)) {
            send_error(S, c, o, "refused", err);
        } else {
            stop_browser_streams(S, NULL, "jack"); /* their renders refuse from now on anyway */
            if (started)
                broadcast(S, started, strlen(started));
            sj_free(started);
        }
        return;
    }
    double rate = 48000, ch = 2;
    if (S->jack && studio_jack_playing(S->jack))
        send_error(S, c, o, "refused", jack_busy);
    else if (sj__json_get(o, "rate") && !get_number(o, "rate", 8000, 384000, &rate))
        send_error(S, c, o, "bad_message", "\"rate\" must be in [8000, 384000]");
    else if (sj__json_get(o, "channels") && (!get_number(o, "channels", 2, 2, &ch)))
        send_error(S, c, o, "bad_message", "only \"channels\": 2 is supported");
    else if (!studio_session_audio_start(S->session, rate)) /* the JACK output started meanwhile */
        send_error(S, c, o, "refused", jack_busy);
    else {
        /* One listener at a time: the newest one takes the stream. */
        stop_browser_streams(S, c, "taken");
        pthread_mutex_lock(&S->mu);
        c->audio = true;
        c->taken = false;
        c->rate = rate;
        c->seq = 0;
        pthread_mutex_unlock(&S->mu);
        char msg[112];
        int k = snprintf(msg, sizeof msg, "{\"type\":\"audio.started\",\"mode\":\"browser\",\"rate\":%.0f,\"channels\":2}",
                         rate);
        send_text(S, c, msg, (size_t)k);
    }
}

static void handle_audio_stop(server *S, client *c, const sj__jval *o)
{
    bool jack;
    if (!audio_mode_jack(S, c, o, &jack))
        return;
    if (jack) {
        if (!S->jack || !studio_jack_stop(S->jack)) /* it reports audio.stopped itself */
            send_error(S, c, o, "bad_state", "the JACK output is not playing");
        return;
    }
    pthread_mutex_lock(&S->mu);
    c->audio = false;
    pthread_mutex_unlock(&S->mu);
    static const char stopped[] = "{\"type\":\"audio.stopped\",\"mode\":\"browser\",\"reason\":\"stop\"}";
    send_text(S, c, stopped, sizeof stopped - 1);
}

/* A message (an object: handle_message checked) by its type. */
static void handle_request(server *S, client *c, const sj__jval *o)
{
    const char *type = sj__json_str(sj__json_get(o, "type"));
    if (!type) {
        send_error(S, c, o, "bad_message", "a message needs a string member \"type\"");
        return;
    }
    double v;
    if (strcmp(type, "hello") == 0) {
        if (!get_number(o, "proto", 0, 1e9, &v) || v != STUDIO_PROTO)
            send_error(S, c, o, "proto", "this server speaks protocol 1; reload the page");
    } else if (strcmp(type, "ping") == 0) {
        send_text(S, c, "{\"type\":\"pong\"}", 15);
    } else if (strcmp(type, "text.set") == 0) {
        const sj__jval *t = sj__json_get(o, "text");
        const char *text = sj__json_str(t);
        double req = 0;
        if (sj__json_get(o, "req") && !get_number(o, "req", 0, 9007199254740991.0, &req)) {
            send_error(S, c, NULL, "bad_message", "\"req\" must be a non-negative integer");
        } else if (!text) {
            send_error(S, c, o, "bad_message", "text.set needs a string \"text\" (without NUL characters)");
        } else {
            const char *why = NULL;
            uint64_t rev = 0;
            if (!studio_session_submit_text(S->session, text, t->slen, (int64_t)req, &rev, &why)) {
                send_error(S, c, o, "refused", why);
            } else {
                /* Other pages on this program show the new text too. */
                sj_sb b;
                sj__sb_init(&b);
                sj__sb_printf(&b, "{\"type\":\"text\",\"rev\":%llu,\"text\":", (unsigned long long)rev);
                sj__json_write_stringn(&b, text, t->slen);
                sj__sb_append(&b, "}");
                if (!b.failed) {
                    pthread_mutex_lock(&S->mu);
                    for (size_t i = 0; i < STUDIO_MAX_CLIENTS; i++)
                        if (S->clients[i] && S->clients[i] != c)
                            send_text_locked(S->clients[i], b.data, b.len);
                    pthread_mutex_unlock(&S->mu);
                }
                sj__sb_fini(&b);
            }
        }
    } else if (strcmp(type, "param.set") == 0) {
        const char *id = sj__json_str(sj__json_get(o, "id"));
        int idx = id ? studio_param_index(id) : -1;
        double value, ramp = 20;
        if (idx < 0)
            send_error(S, c, o, "bad_message", "param.set needs \"id\": one of in1 in2 alpha beta delta gamma");
        else if (!get_number(o, "value", -1e6, 1e6, &value))
            send_error(S, c, o, "bad_message", "param.set needs a number \"value\" in [-1e6, 1e6]");
        else if (sj__json_get(o, "ramp_ms") && !get_number(o, "ramp_ms", 0, 10000, &ramp))
            send_error(S, c, o, "bad_message", "\"ramp_ms\" must be in [0, 10000]");
        else {
            studio_session_set_param(S->session, idx, value, ramp);
            if (S->jack)
                studio_jack_set_param(S->jack, idx, value, ramp);
            char *param = studio_param_json(idx, value);
            if (param)
                broadcast(S, param, strlen(param));
            sj_free(param);
        }
    } else if (strcmp(type, "blocks.op") == 0) {
        handle_block_op(S, c, o);
    } else if (strcmp(type, "scope.set") == 0) {
        handle_scope_set(S, c, o);
    } else if (strcmp(type, "audio.start") == 0) {
        handle_audio_start(S, c, o);
    } else if (strcmp(type, "audio.credit") == 0) {
        double frames;
        if (!c->audio && c->taken)
            ; /* sent before the client heard that its stream was stopped */
        else if (!c->audio)
            send_error(S, c, o, "bad_state", "audio.credit before audio.start");
        else if (!get_number(o, "frames", 1, c->rate, &frames) || frames != floor(frames))
            send_error(S, c, o, "bad_message", "\"frames\" must be an integer in [1, rate]");
        else
            stream_audio(S, c, (size_t)frames);
    } else if (strcmp(type, "audio.stop") == 0) {
        handle_audio_stop(S, c, o);
    } else {
        send_error(S, c, o, "unknown_type", "unknown message type");
    }
}

/* Reads a message with the project's strict JSON and its limits for messages (src/base/json.h,
 * sj__json_message_opts: distinct keys, nested at most 32 deep, at most 256 values), so what a
 * message costs is bounded whatever it holds. A malformed one gets an error reply naming the
 * problem and changes nothing. */
static void handle_message(server *S, client *c, const char *data, size_t len)
{
    char err[160];
    int line, col;
    bool nomem;
    sj__jval *o = sj__json_parse(data, len, &sj__json_message_opts, err, sizeof err, &line, &col, &nomem);
    if (o && o->kind == SJ__JOBJ)
        handle_request(S, c, o);
    else
        send_error(S, c, NULL, nomem ? "refused" : "bad_json", o ? "a message is a JSON object" : err);
    sj__json_free(o);
}


static int data_handler(struct mg_connection *conn, int bits, char *data, size_t len, void *cbdata)
{
    server *S = cbdata;
    client *c = mg_get_user_connection_data(conn);
    int opcode = bits & 0x0F;
    if (!c)
        return 0;
    if (opcode == MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE)
        return 0;
    if (opcode == MG_WEBSOCKET_OPCODE_PING) {
        pthread_mutex_lock(&S->mu);
        mg_websocket_write(conn, MG_WEBSOCKET_OPCODE_PONG, data, len);
        pthread_mutex_unlock(&S->mu);
        return 1;
    }
    if (opcode == MG_WEBSOCKET_OPCODE_PONG)
        return 1;
    if (!(bits & 0x80) || opcode == MG_WEBSOCKET_OPCODE_CONTINUATION) {
        send_error(S, c, NULL, "bad_message", "fragmented messages are not supported");
        return 1;
    }
    if (len > STUDIO_MAX_MESSAGE) {
        send_error(S, c, NULL, "too_large", "message larger than 1 MiB");
        return 1;
    }
    if (opcode != MG_WEBSOCKET_OPCODE_TEXT) {
        send_error(S, c, NULL, "bad_message", "the server takes JSON text messages only");
        return 1;
    }
    handle_message(S, c, data, len);
    return 1;
}

/* Sends the scope's live view to every client, at most SCOPE_FPS times a second and only when it
 * changed (it changes only while someone renders audio). */
static void *scope_main(void *arg)
{
    server *S = arg;
    /* The message: the header, then the frame, copied in place. */
    static float buf[AUDIO_HEADER / sizeof(float) + STUDIO_SCOPE_FLOATS];
    unsigned char *msg = (unsigned char *)buf;
    uint64_t last_sweep = UINT64_MAX;
    size_t last_filled = SIZE_MAX;
    for (;;) {
        struct timespec ts = {0, 1000000000L / SCOPE_FPS};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&S->mu);
        bool quit = S->scope_quit, anyone = S->nclients > 0;
        pthread_mutex_unlock(&S->mu);
        if (quit)
            break;
        if (!anyone)
            continue;
        uint64_t sweep;
        size_t filled;
        studio_session_scope_frame(S->session, buf + AUDIO_HEADER / sizeof(float), &sweep, &filled);
        if (sweep == last_sweep && filled == last_filled)
            continue;
        last_sweep = sweep;
        last_filled = filled;
        put_u32(msg, SCOPE_KIND);
        put_u32(msg + 4, (uint32_t)sweep);
        put_u32(msg + 8, STUDIO_SCOPE_POINTS);
        put_u32(msg + 12, STUDIO_SCOPE_INPUTS);
        pthread_mutex_lock(&S->mu);
        for (size_t i = 0; i < STUDIO_MAX_CLIENTS; i++)
            if (S->clients[i] && S->clients[i]->ready)
                mg_websocket_write(S->clients[i]->conn, MG_WEBSOCKET_OPCODE_BINARY, (const char *)msg, sizeof buf);
        pthread_mutex_unlock(&S->mu);
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Start and stop. */

static bool token_chars_ok(const char *t)
{
    size_t n = strlen(t);
    if (n < 16 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = t[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-' ||
              ch == '_'))
            return false;
    }
    return true;
}

static void maybe_open_browser(const char *url)
{
    const char *d = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
    if (!(d && d[0]) && !(w && w[0])) {
        fprintf(stderr, "sigjit studio: no display here; open the URL above in a browser\n");
        return;
    }
    char *argv[] = {"xdg-open", (char *)url, NULL};
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(&pid, "xdg-open", &fa, NULL, argv, environ) != 0)
        fprintf(stderr, "sigjit studio: could not start xdg-open; open the URL above in a browser\n");
    posix_spawn_file_actions_destroy(&fa);
}

int studio_serve(const studio_options *opt)
{
    server S;
    memset(&S, 0, sizeof S);
    pthread_mutex_init(&S.mu, NULL);
    S.quiet = opt->quiet;
    if (opt->token) {
        if (!token_chars_ok(opt->token)) {
            cli_error("--token needs 16 to 64 characters of [A-Za-z0-9_-]");
            return EXIT_USAGE;
        }
        snprintf(S.token, sizeof S.token, "%s", opt->token);
    } else {
        unsigned char r[16];
        if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
            cli_error("cannot get random bytes for the token: %s", strerror(errno));
            return EXIT_INTERNAL;
        }
        for (size_t i = 0; i < sizeof r; i++)
            snprintf(S.token + 2 * i, 3, "%02x", r[i]);
    }

    char err[256];
    S.session = studio_session_new(opt->file, err, sizeof err);
    if (!S.session) {
        cli_error("%s", err);
        return EXIT_IO;
    }

    /* Signals: the main thread waits for them; civetweb's threads (which inherit this mask) never
     * see them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (opt->jack) {
        /* After the mask, which its monitor thread inherits. Its events (audio.stopped, jack.status)
         * go to every page. */
        S.jack = studio_jack_new(S.session, opt->jack_name, opt->jack_connect, on_result, &S, err, sizeof err);
        if (!S.jack) {
            cli_error("%s", err);
            studio_session_free(S.session);
            return EXIT_INTERNAL;
        }
    }

    mg_init_library(0);
    char ports[32];
    snprintf(ports, sizeof ports, "127.0.0.1:%d", opt->port);
    const char *options[] = {"listening_ports", ports, "num_threads", "16", "enable_directory_listing", "no",
                             "websocket_timeout_ms", "3600000", NULL};
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.begin_request = begin_request;
    cb.log_message = log_message;
    S.ctx = mg_start(&cb, &S, options);
    if (!S.ctx) {
        cli_error("cannot listen on %s (port in use? try --port 0 for any free port)", ports);
        studio_jack_free(S.jack);
        studio_session_free(S.session);
        mg_exit_library();
        return EXIT_IO;
    }
    struct mg_server_port sp[4];
    int np = mg_get_server_ports(S.ctx, 4, sp);
    S.port = np > 0 ? sp[0].port : opt->port;
    snprintf(S.cookie_name, sizeof S.cookie_name, "sjstudio_%d", S.port);
    mg_set_websocket_handler(S.ctx, "/ws", connect_handler, ready_handler, data_handler, close_handler, &S);
    if (!studio_session_start(S.session, on_result, &S)) {
        cli_error("cannot start the compile thread");
        mg_stop(S.ctx);
        studio_jack_free(S.jack);
        studio_session_free(S.session);
        mg_exit_library();
        return EXIT_INTERNAL;
    }

    bool scope_running = pthread_create(&S.scope_thread, NULL, scope_main, &S) == 0;

    char url[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/?t=%s", S.port, S.token);
    printf("sigjit studio: %s on %s\n", opt->file ? opt->file : "(unsaved program)", url);
    fflush(stdout);
    if (S.jack)
        fprintf(stderr, "sigjit studio: JACK output offered as client '%s'%s; it plays when the page starts it\n",
                opt->jack_name ? opt->jack_name : "sigjit", opt->jack_connect ? " (out_1/out_2 go to the system ports when it plays)" : "");
    if (!opt->no_browser)
        maybe_open_browser(url);

    int sig = 0;
    sigwait(&set, &sig);
    if (!S.quiet)
        fprintf(stderr, "sigjit studio: stopping (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    if (S.jack)
        studio_jack_stop(S.jack); /* freed after the last handler: a page may still ask */
    if (scope_running) {
        pthread_mutex_lock(&S.mu);
        S.scope_quit = true;
        pthread_mutex_unlock(&S.mu);
        pthread_join(S.scope_thread, NULL);
    }
    mg_stop(S.ctx);
    studio_jack_free(S.jack); /* stops it again if a page restarted it meanwhile */
    studio_session_free(S.session);
    mg_exit_library();
    pthread_mutex_destroy(&S.mu);
    return EXIT_OK;
}

#else
/* Built without civetweb: studio.c reports it. ISO C wants at least one declaration here. */
typedef int studio_server_unavailable;
#endif

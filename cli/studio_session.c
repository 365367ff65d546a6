/*
 * The studio's program session over the library. See studio_session.h.
 */
#include "studio_session.h"

#include "cli.h"
#include "studio_json.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const param_names[STUDIO_NPARAMS] = {"in1", "in2", "alpha", "beta", "delta", "gamma"};

static const char starter_program[] =
    "# sigjit studio: edit the program, hear the result. The sliders are in1, in2, alpha .. gamma.\n"
    "freq = 220 + 220 * alpha\n"
    "out = 0.3 * sin(phase(freq, 0) * TAU)\n"
    "&sig1 = out\n"
    "&sig2 = out\n";

#define RENDER_CHUNK 256

struct studio_session {
    char *path;          /* NULL: unsaved */
    char *display_name;  /* file name shown in the page */
    bool readonly;       /* a block program: shown as text, not editable yet */
    sj_engine *eng;
    sj_backend *be;

    pthread_mutex_t mu; /* everything below up to the audio part */
    pthread_cond_t cv;
    char *text;         /* the newest text (what the editor shows) */
    size_t text_len;
    uint64_t rev;       /* revision of text */
    uint64_t active_rev; /* revision of the program that sounds (0: none yet) */
    char *last_result;  /* JSON of the last compile.result */
    char *pending;      /* a text waiting for the worker */
    size_t pending_len;
    uint64_t pending_rev;
    int64_t pending_req;
    bool quit, started;
    pthread_t worker;
    studio_result_fn fn;
    void *fn_user;

    pthread_mutex_t audio_mu; /* the engine's audio side */
    double rate;
    double target[STUDIO_NPARAMS], cur[STUDIO_NPARAMS], coef[STUDIO_NPARAMS];
    uint64_t clipped;
};

int studio_param_index(const char *name)
{
    for (int i = 0; i < STUDIO_NPARAMS; i++)
        if (strcmp(name, param_names[i]) == 0)
            return i;
    return -1;
}

const char *studio_param_name(int idx)
{
    return idx >= 0 && idx < STUDIO_NPARAMS ? param_names[idx] : NULL;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int studio_write_file_atomic(const char *path, const char *data, size_t len)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 32);
    if (!tmp)
        return ENOMEM;
    /* The temporary file sits next to the target so rename() stays within one file system. */
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    memcpy(tmp, path, dirlen);
    snprintf(tmp + dirlen, n + 32 - dirlen, ".%s.XXXXXX", path + dirlen);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return e;
    }
    int err = 0;
    struct stat st;
    if (stat(path, &st) == 0)
        (void)fchmod(fd, st.st_mode & 07777);
    else
        (void)fchmod(fd, 0644);
    size_t off = 0;
    while (off < len) {
        ssize_t k = write(fd, data + off, len - off);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            break;
        }
        off += (size_t)k;
    }
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (err)
        unlink(tmp);
    free(tmp);
    return err;
}

static const char *severity_name(sj_severity s)
{
    return s == SJ_SEVERITY_ERROR ? "error" : s == SJ_SEVERITY_WARNING ? "warning" : "note";
}

/* Parses and uploads text; returns the JSON of the compile.result. Worker thread (or the
 * constructor, before the worker exists). */
static char *compile_text(studio_session *s, const char *text, size_t len, uint64_t rev, int64_t req)
{
    sj_diag_list dl;
    sj_diag_list_init(&dl);
    double t0 = now_us();
    sj_ast *ast = NULL;
    const sj_library *lib = sj_context_library(sj_engine_context(s->eng));
    sj_status st = sj_parse(text, len, s->display_name, lib, &ast, &dl);
    if (st == SJ_OK) {
        sj_diag d;
        memset(&d, 0, sizeof d);
        for (int attempt = 0;; attempt++) {
            st = sj_engine_upload(s->eng, ast, &d);
            if (st != SJ_ERR_QUEUE_FULL || attempt >= 50)
                break;
            /* The audio side has not taken the earlier updates (nobody is listening): take them
             * here, under the audio mutex, and free what comes back. */
            pthread_mutex_lock(&s->audio_mu);
            sj_backend_process_updates(s->be);
            pthread_mutex_unlock(&s->audio_mu);
            sj_engine_collect(s->eng);
        }
        if (st != SJ_OK) {
            if (d.code == SJ_OK)
                d.code = st;
            if (!d.message[0])
                snprintf(d.message, sizeof d.message, "%s", sj_strerror(st));
            sj_diag_list_add_diag(&dl, &d);
        }
    }
    double compile_us = now_us() - t0;
    sj_ast_free(ast);
    bool ok = st == SJ_OK;
    if (ok) {
        /* Swap it in now when no client renders; while one does, its next block does the same. */
        pthread_mutex_lock(&s->audio_mu);
        sj_backend_process_updates(s->be);
        pthread_mutex_unlock(&s->audio_mu);
        sj_engine_collect(s->eng);
    }

    bool saved = false;
    int save_err = 0;
    if (s->path && !s->readonly && rev > 1) {
        save_err = studio_write_file_atomic(s->path, text, len);
        saved = save_err == 0;
    }

    pthread_mutex_lock(&s->mu);
    if (ok && rev > s->active_rev)
        s->active_rev = rev;
    uint64_t active = s->active_rev;
    pthread_mutex_unlock(&s->mu);

    sjs_buf b;
    sjs_buf_init(&b);
    sjs_buf_printf(&b, "{\"type\":\"compile.result\",\"rev\":%llu,\"req\":%lld,\"ok\":%s,\"active_rev\":%llu,"
                       "\"compile_us\":%.0f,\"saved\":%s",
                   (unsigned long long)rev, (long long)req, ok ? "true" : "false", (unsigned long long)active,
                   compile_us, saved ? "true" : "false");
    if (save_err) {
        sjs_buf_puts(&b, ",\"save_error\":");
        const char *m = strerror(save_err);
        sjs_buf_json_string(&b, m, strlen(m));
    }
    sjs_buf_puts(&b, ",\"diagnostics\":[");
    for (size_t i = 0; i < dl.count; i++) {
        const sj_message *m = &dl.items[i];
        sjs_buf_printf(&b, "%s{\"severity\":\"%s\",\"code\":\"%s\",\"line\":%d,\"col\":%d,\"span\":%d,\"message\":",
                       i ? "," : "", severity_name(m->severity), sj_status_name(m->code), m->line, m->col,
                       m->span > 0 ? m->span : 1);
        const char *t = m->text ? m->text : "";
        sjs_buf_json_string(&b, t, strlen(t));
        if (m->hint) {
            sjs_buf_puts(&b, ",\"hint\":");
            sjs_buf_json_string(&b, m->hint, strlen(m->hint));
        }
        sjs_buf_puts(&b, "}");
    }
    sjs_buf_puts(&b, "]}");
    sj_diag_list_fini(&dl);
    if (b.failed) {
        sjs_buf_free(&b);
        return NULL;
    }
    return b.s;
}

static bool looks_like_blocks(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && strchr(" \t\r\n", s[i]) && s[i])
        i++;
    if (i >= n || s[i] != '{')
        return false;
    i++;
    while (i < n && strchr(" \t\r\n", s[i]) && s[i])
        i++;
    return i >= n || s[i] == '"' || s[i] == '}';
}

studio_session *studio_session_new(const char *path, char *err, size_t errsz)
{
    studio_session *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_mutex_init(&s->audio_mu, NULL);
    s->rate = 48000;
    for (int i = 0; i < STUDIO_NPARAMS; i++)
        s->coef[i] = 1.0;
    s->eng = sj_engine_new(NULL, NULL);
    if (!s->eng) {
        snprintf(err, errsz, "cannot create the engine (out of memory)");
        studio_session_free(s);
        return NULL;
    }
    s->be = sj_engine_backend(s->eng);
    sj_backend_set_sample_rate(s->be, s->rate);

    const char *name = "untitled.sj";
    if (path) {
        s->path = strdup(path);
        const char *slash = strrchr(path, '/');
        name = slash ? slash + 1 : path;
        size_t len = 0;
        char *src = cli_read_file(path, &len);
        if (!src && errno != ENOENT) {
            snprintf(err, errsz, "cannot read '%s': %s", path, strerror(errno));
            studio_session_free(s);
            return NULL;
        }
        if (src && looks_like_blocks(src, len)) {
            /* Block programs are edited as blocks (a later layer); until then show their text. */
            cli_program prog;
            const sj_library *lib = sj_context_library(sj_engine_context(s->eng));
            int rc = cli_load(path, lib, &prog, false);
            char *txt = rc == EXIT_OK ? sj_print(prog.ast) : NULL;
            cli_program_free(&prog);
            free(src);
            if (!txt) {
                snprintf(err, errsz, "cannot load the block program '%s'", path);
                studio_session_free(s);
                return NULL;
            }
            src = strdup(txt);
            sj_free(txt);
            len = src ? strlen(src) : 0;
            s->readonly = true;
        }
        if (src) {
            s->text = src;
            s->text_len = len;
        }
    }
    s->display_name = strdup(name);
    if (!s->text) {
        s->text = strdup(starter_program);
        s->text_len = strlen(starter_program);
    }
    if (!s->text || !s->display_name || (path && !s->path)) {
        snprintf(err, errsz, "out of memory");
        studio_session_free(s);
        return NULL;
    }
    if (s->text_len > STUDIO_MAX_TEXT) {
        snprintf(err, errsz, "'%s' is larger than the studio's limit of %zu bytes", path, STUDIO_MAX_TEXT);
        studio_session_free(s);
        return NULL;
    }
    s->rev = 1;
    s->last_result = compile_text(s, s->text, s->text_len, 1, 0);
    return s;
}

static void *worker_main(void *arg)
{
    studio_session *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->quit) {
        if (s->pending) {
            char *text = s->pending;
            size_t len = s->pending_len;
            uint64_t rev = s->pending_rev;
            int64_t req = s->pending_req;
            s->pending = NULL;
            pthread_mutex_unlock(&s->mu);
            char *json = compile_text(s, text, len, rev, req);
            free(text);
            pthread_mutex_lock(&s->mu);
            if (json) {
                free(s->last_result);
                s->last_result = json;
                studio_result_fn fn = s->fn;
                void *user = s->fn_user;
                /* Report outside the lock: the callback writes to sockets. The string stays valid:
                 * only this thread replaces last_result. */
                pthread_mutex_unlock(&s->mu);
                if (fn)
                    fn(json, strlen(json), user);
                pthread_mutex_lock(&s->mu);
            }
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
        /* Old functions handed back by the audio side are freed here, on the compile side. */
        pthread_mutex_unlock(&s->mu);
        sj_engine_collect(s->eng);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

bool studio_session_start(studio_session *s, studio_result_fn fn, void *user)
{
    s->fn = fn;
    s->fn_user = user;
    if (pthread_create(&s->worker, NULL, worker_main, s) != 0)
        return false;
    s->started = true;
    return true;
}

void studio_session_free(studio_session *s)
{
    if (!s)
        return;
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        s->quit = true;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->worker, NULL);
    }
    if (s->eng) {
        sj_engine_collect(s->eng);
        sj_engine_free(s->eng);
    }
    free(s->pending);
    free(s->text);
    free(s->last_result);
    free(s->path);
    free(s->display_name);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->audio_mu);
    free(s);
}

char *studio_session_hello_json(studio_session *s)
{
    sjs_buf b;
    sjs_buf_init(&b);
    pthread_mutex_lock(&s->mu);
    sjs_buf_printf(&b, "{\"type\":\"hello\",\"proto\":1,\"server\":\"sigjit\",\"version\":\"%s\",\"file\":",
                   SJ_VERSION_STRING);
    sjs_buf_json_string(&b, s->display_name, strlen(s->display_name));
    sjs_buf_printf(&b, ",\"saving\":%s,\"readonly\":%s,\"rev\":%llu,\"active_rev\":%llu,\"text\":",
                   s->path && !s->readonly ? "true" : "false", s->readonly ? "true" : "false",
                   (unsigned long long)s->rev, (unsigned long long)s->active_rev);
    sjs_buf_json_string(&b, s->text, s->text_len);
    sjs_buf_puts(&b, ",\"params\":[");
    pthread_mutex_lock(&s->audio_mu);
    for (int i = 0; i < STUDIO_NPARAMS; i++) {
        sjs_buf_printf(&b, "%s{\"id\":\"%s\",\"value\":", i ? "," : "", param_names[i]);
        sjs_buf_json_number(&b, s->target[i]);
        sjs_buf_puts(&b, "}");
    }
    pthread_mutex_unlock(&s->audio_mu);
    sjs_buf_puts(&b, "],\"scope\":\"output-minmax\",\"last\":");
    sjs_buf_puts(&b, s->last_result ? s->last_result : "null");
    sjs_buf_puts(&b, "}");
    pthread_mutex_unlock(&s->mu);
    if (b.failed) {
        sjs_buf_free(&b);
        return NULL;
    }
    return b.s;
}

bool studio_session_submit_text(studio_session *s, const char *text, size_t len, int64_t req, const char **why)
{
    if (s->readonly) {
        *why = "this program is a block program: the studio shows it as text but cannot edit it yet";
        return false;
    }
    if (len > STUDIO_MAX_TEXT) {
        *why = "program text too large";
        return false;
    }
    char *copy = malloc(len + 1);
    char *copy2 = malloc(len + 1);
    if (!copy || !copy2) {
        free(copy);
        free(copy2);
        *why = "out of memory";
        return false;
    }
    memcpy(copy, text, len);
    copy[len] = 0;
    memcpy(copy2, text, len);
    copy2[len] = 0;
    pthread_mutex_lock(&s->mu);
    free(s->pending); /* a newer edit replaces one that was not compiled yet */
    s->pending = copy;
    s->pending_len = len;
    s->pending_rev = ++s->rev;
    s->pending_req = req;
    free(s->text);
    s->text = copy2;
    s->text_len = len;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return true;
}

static double glide_coef(double rate, double ramp_ms)
{
    if (!(ramp_ms > 0))
        return 1.0;
    return 1.0 - exp(-1000.0 / (ramp_ms * rate));
}

void studio_session_set_param(studio_session *s, int idx, double value, double ramp_ms)
{
    if (idx < 0 || idx >= STUDIO_NPARAMS || !isfinite(value))
        return;
    pthread_mutex_lock(&s->audio_mu);
    s->target[idx] = value;
    s->coef[idx] = glide_coef(s->rate, ramp_ms);
    pthread_mutex_unlock(&s->audio_mu);
}

void studio_session_audio_start(studio_session *s, double rate)
{
    if (!(rate >= 8000 && rate <= 384000))
        rate = 48000;
    pthread_mutex_lock(&s->audio_mu);
    if (rate != s->rate) {
        s->rate = rate;
        sj_backend_set_sample_rate(s->be, rate);
    }
    pthread_mutex_unlock(&s->audio_mu);
}

void studio_session_render(studio_session *s, float *out, size_t frames)
{
    double in[STUDIO_NPARAMS][RENDER_CHUNK], l[RENDER_CHUNK], r[RENDER_CHUNK];
    pthread_mutex_lock(&s->audio_mu);
    sj_backend_process_updates(s->be);
    size_t done = 0;
    while (done < frames) {
        size_t n = frames - done < RENDER_CHUNK ? frames - done : RENDER_CHUNK;
        sj_block_io io;
        memset(&io, 0, sizeof io);
        for (int p = 0; p < STUDIO_NPARAMS; p++) {
            double c = s->cur[p], t = s->target[p], k = s->coef[p];
            for (size_t i = 0; i < n; i++) {
                c += (t - c) * k;
                in[p][i] = c;
            }
            if (fabs(t - c) < 1e-9)
                c = t;
            s->cur[p] = c;
            io.in[p] = in[p];
        }
        io.sig1 = l;
        io.sig2 = r;
        sj_backend_process_block(s->be, &io, n);
        for (size_t i = 0; i < n; i++) {
            double v[2] = {l[i], r[i]};
            for (int c = 0; c < 2; c++) {
                double x = v[c];
                if (x != x) {
                    x = 0;
                    s->clipped++;
                } else if (x > 1) {
                    x = 1;
                    s->clipped++;
                } else if (x < -1) {
                    x = -1;
                    s->clipped++;
                }
                out[2 * (done + i) + (size_t)c] = (float)x;
            }
        }
        done += n;
    }
    pthread_mutex_unlock(&s->audio_mu);
}

uint64_t studio_session_clipped(studio_session *s)
{
    pthread_mutex_lock(&s->audio_mu);
    uint64_t c = s->clipped;
    pthread_mutex_unlock(&s->audio_mu);
    return c;
}

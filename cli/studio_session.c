/*
 * The studio's program session over the library. See studio_session.h.
 */
#include "studio_session.h"

#include "cli.h"
#include "glide.h"
#include "base/json.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
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
#define STUDIO_UNDO_MAX 200

struct studio_session {
    char *path;          /* NULL: unsaved */
    char *display_name;  /* file name shown in the page */
    char *blocks_json;   /* a block program: its snapshot (sizes recalculated), for the block view */
    char *block_types;   /* JSON array of the block language's types (picker, hover help) */
    bool blocks_mode;    /* FILE is a block program: edits are block operations */
    sj_blocklang *lang;  /* the block language (read-only once made) */
    sj_blockfun *efun;   /* blocks mode: the program being edited (under mu) */
    sj_blockfun *wfun;   /* blocks mode: the worker's copy, loaded from each snapshot it compiles */
    char *undo[STUDIO_UNDO_MAX], *redo[STUDIO_UNDO_MAX];
    size_t nundo, nredo;
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

    /* The scope: fed by the renderer, read by anyone; its settings change under mu. */
    sj_scope *scope;
    char taps[STUDIO_SCOPE_INPUTS][64];
    double scope_offset[STUDIO_SCOPE_INPUTS], scope_gain[STUDIO_SCOPE_INPUTS];
    char trigger[8];       /* its name, for scope.meta */
    sj_scope_trigger trig; /* and what it means */
    double threshold, time_ms;

    pthread_mutex_t audio_mu; /* the engine's audio side */
    bool external;            /* driven by another thread (studio_session_audio_acquire) */
    double rate;
    double target[STUDIO_NPARAMS], cur[STUDIO_NPARAMS], coef[STUDIO_NPARAMS];
    uint64_t clipped;
    atomic_uint_fast64_t upload_us; /* CLOCK_MONOTONIC of the last successful upload */
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

char *studio_param_json(int idx, double value)
{
    sj_sb b;
    sj__sb_init(&b);
    sj__sb_printf(&b, "{\"type\":\"param\",\"id\":\"%s\",\"value\":", param_names[idx]);
    sj__json_write_number(&b, value);
    sj__sb_append(&b, "}");
    return sj__sb_finish(&b);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static const char *severity_name(sj_severity s)
{
    return s == SJ_SEVERITY_ERROR ? "error" : s == SJ_SEVERITY_WARNING ? "warning" : "note";
}

/* A block program's snapshot (sizes recalculated first), malloc'ed. NULL on failure. */
static char *snapshot_of(sj_blockfun *fun)
{
    if (sj_blockfun_recalculate_area_sizes(fun) != SJ_OK)
        return NULL;
    char *snap = sj_blockfun_save_json(fun);
    char *copy = snap ? strdup(snap) : NULL;
    sj_free(snap);
    return copy;
}

/* Collects the distinct persistent variables (`*name`) an AST reads or writes, in order of first
 * appearance, for the scope's tap list. */
#define STUDIO_MAX_PVARS 64
typedef struct pvar_list {
    const char *name[STUDIO_MAX_PVARS];
    size_t n;
} pvar_list;

static bool collect_pvar(const sj_ast *node, size_t depth, void *user)
{
    (void)depth;
    pvar_list *l = user;
    if ((node->kind != SJ_AST_VAR && node->kind != SJ_AST_ASSIGN) || !node->name || node->name[0] != '*')
        return true;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->name[i], node->name) == 0)
            return true;
    if (l->n < STUDIO_MAX_PVARS)
        l->name[l->n++] = node->name;
    return true;
}

/* ,"vars":["*a",...] */
static void put_persistent_vars(sj_sb *b, const sj_ast *ast)
{
    pvar_list l = {.n = 0};
    sj_ast_walk(ast, collect_pvar, &l);
    sj__sb_append(b, ",\"vars\":[");
    for (size_t i = 0; i < l.n; i++) {
        if (i)
            sj__sb_append(b, ",");
        sj__json_write_string(b, l.name[i]);
    }
    sj__sb_append(b, "]");
}

/* A text program's block view: ,"layout":{snapshot} when sj_blocks_layout can draw it, else
 * ,"layout_error":{"message","line","col"} saying which construct blocks cannot express. */
static void put_layout(sj_sb *b, const sj_blocklang *lang, const sj_ast *ast)
{
    sj_blockfun *fun = NULL;
    sj_diag d;
    memset(&d, 0, sizeof d);
    sj_status st = sj_blocks_layout(ast, lang, &fun, &d);
    char *snap = st == SJ_OK ? snapshot_of(fun) : NULL;
    sj_blockfun_free(fun);
    if (snap) {
        sj__sb_append(b, ",\"layout\":");
        sj__sb_append(b, snap);
        free(snap);
        return;
    }
    if (st == SJ_OK) { /* out of memory while saving */
        b->failed = true;
        return;
    }
    const char *m = d.message[0] ? d.message : sj_strerror(st);
    sj__sb_append(b, ",\"layout_error\":{\"message\":");
    sj__json_write_string(b, m);
    sj__sb_printf(b, ",\"line\":%d,\"col\":%d}", d.line, d.col);
}

/* Applies the queued updates on the audio side, unless another thread drives it (the JACK output):
 * then its next period does, and this returns false. */
static bool take_updates(studio_session *s)
{
    pthread_mutex_lock(&s->audio_mu);
    bool mine = !s->external;
    if (mine)
        sj_backend_process_updates(s->be);
    pthread_mutex_unlock(&s->audio_mu);
    return mine;
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
    sj_status st;
    uint64_t bad_block = 0;
    if (s->blocks_mode) {
        /* text is a block snapshot: load it into the worker's program and compile that. */
        sj_diag d;
        memset(&d, 0, sizeof d);
        st = sj_blockfun_load_json(s->wfun, text, len, &d);
        if (st == SJ_OK)
            st = sj_blockfun_compile(s->wfun, &ast, &d);
        if (st != SJ_OK) {
            bad_block = d.uid;
            sj_diag_list_add(&dl, SJ_SEVERITY_ERROR, st, 0, 0, 1, NULL, "%s", d.message[0] ? d.message : sj_strerror(st));
        }
    } else {
        st = sj_parse(text, len, s->display_name, lib, &ast, &dl);
    }
    if (st == SJ_OK) {
        sj_diag d;
        memset(&d, 0, sizeof d);
        for (int attempt = 0;; attempt++) {
            st = sj_engine_upload(s->eng, ast, &d);
            if (st != SJ_ERR_QUEUE_FULL || attempt >= 50)
                break;
            /* The audio side has not taken the earlier updates (nobody is listening): take them
             * here, under the audio mutex, and free what comes back. A driver that owns the audio
             * side takes them within a period. */
            if (!take_updates(s)) {
                struct timespec ts = {0, 5000000};
                nanosleep(&ts, NULL);
            }
            sj_engine_collect(s->eng);
        }
        if (st == SJ_OK) /* the JACK output measures its swap latency from here */
            atomic_store(&s->upload_us, (uint64_t)now_us());
        if (st != SJ_OK) {
            if (d.code == SJ_OK)
                d.code = st;
            if (!d.message[0])
                snprintf(d.message, sizeof d.message, "%s", sj_strerror(st));
            sj_diag_list_add_diag(&dl, &d);
        }
    }
    double compile_us = now_us() - t0;
    bool ok = st == SJ_OK;
    char *printed = s->blocks_mode && ast ? sj_print(ast) : NULL;
    sj_sb extra; /* what the page shows besides the diagnostics: variables to tap, the block view */
    sj__sb_init(&extra);
    if (ok) {
        put_persistent_vars(&extra, ast);
        if (!s->blocks_mode)
            put_layout(&extra, s->lang, ast);
    }
    sj_ast_free(ast);
    if (ok) {
        /* Swap it in now when no client renders; while one does (or the JACK output plays), its
         * next block does the same. */
        take_updates(s);
        sj_engine_collect(s->eng);
    }

    bool saved = false;
    int save_err = 0;
    if (s->path && rev > 1) {
        save_err = studio_write_file_atomic(s->path, text, len);
        saved = save_err == 0;
    }

    pthread_mutex_lock(&s->mu);
    if (ok && rev > s->active_rev)
        s->active_rev = rev;
    uint64_t active = s->active_rev;
    if (printed && rev >= s->rev) {
        /* Blocks mode: the text view shows the program the blocks compile to. */
        char *t = strdup(printed);
        if (t) {
            free(s->text);
            s->text = t;
            s->text_len = strlen(t);
        }
    }
    pthread_mutex_unlock(&s->mu);

    sj_sb b;
    sj__sb_init(&b);
    sj__sb_printf(&b, "{\"type\":\"compile.result\",\"rev\":%llu,\"req\":%lld,\"ok\":%s,\"active_rev\":%llu,"
                      "\"compile_us\":%.0f,\"saved\":%s",
                  (unsigned long long)rev, (long long)req, ok ? "true" : "false", (unsigned long long)active,
                  compile_us, saved ? "true" : "false");
    if (printed) {
        sj__sb_append(&b, ",\"text\":");
        sj__json_write_string(&b, printed);
        sj_free(printed);
    }
    if (bad_block)
        sj__sb_printf(&b, ",\"block\":%llu", (unsigned long long)bad_block);
    if (extra.failed)
        b.failed = true;
    else if (extra.data)
        sj__sb_append(&b, extra.data);
    sj__sb_fini(&extra);
    if (save_err) {
        sj__sb_append(&b, ",\"save_error\":");
        const char *m = strerror(save_err);
        sj__json_write_string(&b, m);
    }
    sj__sb_append(&b, ",\"diagnostics\":[");
    for (size_t i = 0; i < dl.count; i++) {
        const sj_message *m = &dl.items[i];
        sj__sb_printf(&b, "%s{\"severity\":\"%s\",\"code\":\"%s\",\"line\":%d,\"col\":%d,\"span\":%d,\"message\":",
                      i ? "," : "", severity_name(m->severity), sj_status_name(m->code), m->line, m->col,
                      m->span > 0 ? m->span : 1);
        const char *t = m->text ? m->text : "";
        sj__json_write_string(&b, t);
        if (m->hint) {
            sj__sb_append(&b, ",\"hint\":");
            sj__json_write_string(&b, m->hint);
        }
        sj__sb_append(&b, "}");
    }
    sj__sb_append(&b, "]}");
    sj_diag_list_fini(&dl);
    return sj__sb_finish(&b);
}

static const char *user_input_name(sj_block_user_input u)
{
    switch (u) {
    case SJ_BLOCK_INPUT_FLOAT: return "float";
    case SJ_BLOCK_INPUT_INTEGER: return "integer";
    case SJ_BLOCK_INPUT_IDENTIFIER: return "identifier";
    case SJ_BLOCK_INPUT_CLIENT_DECISION: return "decision";
    default: return "none";
    }
}

/* The language's types and identifiers as JSON, for the picker and the hover help. */
static char *block_types_json(const sj_blocklang *lang)
{
    sj_sb b;
    sj__sb_init(&b);
    sj__sb_append(&b, "[");
    for (size_t i = 0; i < sj_blocklang_type_count(lang); i++) {
        const sj_block_type *t = sj_blocklang_type_at(lang, i);
        sj__sb_append(&b, i ? ",{\"name\":" : "{\"name\":");
        sj__json_write_string(&b, t->name);
        sj__sb_append(&b, ",\"category\":");
        sj__json_write_string(&b, t->category);
        sj__sb_append(&b, ",\"description\":");
        const char *desc = t->description ? t->description : "";
        sj__json_write_string(&b, desc);
        sj__sb_printf(&b, ",\"rows\":%zu,\"user_input\":\"%s\",\"color\":%zu}", t->rows, user_input_name(t->user_input),
                      t->color);
    }
    sj__sb_append(&b, "]");
    return sj__sb_finish(&b);
}

/* The current snapshot of the edited program (sizes recalculated first). NULL on failure. */
static char *snapshot(studio_session *s)
{
    return snapshot_of(s->efun);
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
    s->scope = sj_scope_new(s->rate);
    if (!s->scope) {
        snprintf(err, errsz, "cannot create the scope (out of memory)");
        studio_session_free(s);
        return NULL;
    }
    /* The block language: the editor of a block program, the view of a text program. */
    s->lang = sj_blocklang_new(sj_context_library(sj_engine_context(s->eng)));
    s->block_types = s->lang ? block_types_json(s->lang) : NULL;
    if (!s->block_types) {
        snprintf(err, errsz, "out of memory");
        studio_session_free(s);
        return NULL;
    }
    {
        const char *taps[STUDIO_SCOPE_INPUTS] = {"sig1", "sig2", "none"};
        double offs[STUDIO_SCOPE_INPUTS] = {0, 0, 0}, gains[STUDIO_SCOPE_INPUTS] = {1, 1, 1};
        const char *why;
        studio_session_scope_set(s, 20, "sig1", 0, taps, offs, gains, &why);
    }

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
        size_t plen = strlen(path);
        bool new_blocks = !src && plen > 5 && strcmp(path + plen - 5, ".json") == 0;
        if ((src && cli_looks_like_blocks(src, len)) || new_blocks) {
            /* A block program: edited with the block language's operations; the text view shows
             * what it compiles to. */
            s->blocks_mode = true;
            s->efun = sj_blockfun_new(s->lang);
            s->wfun = sj_blockfun_new(s->lang);
            if (!s->efun || !s->wfun) {
                free(src);
                snprintf(err, errsz, "out of memory");
                studio_session_free(s);
                return NULL;
            }
            sj_diag d;
            memset(&d, 0, sizeof d);
            /* A missing .json FILE starts as an empty block program (created on the first edit). */
            if (src && sj_blockfun_load_json(s->efun, src, len, &d) != SJ_OK) {
                if (d.line > 0)
                    snprintf(err, errsz, "%s:%d:%d: %s", path, d.line, d.col, d.message);
                else
                    snprintf(err, errsz, "%s: %s", path, d.message);
                free(src);
                studio_session_free(s);
                return NULL;
            }
            free(src);
            s->blocks_json = snapshot(s);
            src = strdup("");
            len = 0;
            if (!s->blocks_json || !src) {
                free(src);
                snprintf(err, errsz, "out of memory");
                studio_session_free(s);
                return NULL;
            }
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
    s->last_result = s->blocks_mode ? compile_text(s, s->blocks_json, strlen(s->blocks_json), 1, 0)
                                    : compile_text(s, s->text, s->text_len, 1, 0);
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
                sj_free(s->last_result);
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
    sj_scope_free(s->scope);
    free(s->pending);
    free(s->text);
    sj_free(s->last_result);
    free(s->path);
    free(s->display_name);
    free(s->blocks_json);
    sj_free(s->block_types);
    sj_blockfun_free(s->efun);
    sj_blockfun_free(s->wfun);
    sj_blocklang_free(s->lang);
    for (size_t i = 0; i < s->nundo; i++)
        free(s->undo[i]);
    for (size_t i = 0; i < s->nredo; i++)
        free(s->redo[i]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->audio_mu);
    free(s);
}

char *studio_session_hello_json(studio_session *s)
{
    sj_sb b;
    sj__sb_init(&b);
    pthread_mutex_lock(&s->mu);
    sj__sb_printf(&b, "{\"type\":\"hello\",\"proto\":1,\"server\":\"sigjit\",\"version\":\"%s\",\"file\":",
                  SJ_VERSION_STRING);
    sj__json_write_string(&b, s->display_name);
    sj__sb_printf(&b, ",\"saving\":%s,\"readonly\":%s,\"rev\":%llu,\"active_rev\":%llu,\"text\":",
                  s->path ? "true" : "false", s->blocks_mode ? "true" : "false",
                  (unsigned long long)s->rev, (unsigned long long)s->active_rev);
    sj__json_write_stringn(&b, s->text, s->text_len);
    sj__sb_append(&b, ",\"params\":[");
    pthread_mutex_lock(&s->audio_mu);
    for (int i = 0; i < STUDIO_NPARAMS; i++) {
        sj__sb_printf(&b, "%s{\"id\":\"%s\",\"value\":", i ? "," : "", param_names[i]);
        sj__json_write_number(&b, s->target[i]);
        sj__sb_append(&b, "}");
    }
    pthread_mutex_unlock(&s->audio_mu);
    sj__sb_append(&b, "],\"blocks\":");
    sj__sb_append(&b, s->blocks_json ? s->blocks_json : "null");
    sj__sb_append(&b, ",\"block_types\":");
    sj__sb_append(&b, s->block_types ? s->block_types : "null");
    sj__sb_append(&b, ",\"last\":");
    sj__sb_append(&b, s->last_result ? s->last_result : "null");
    sj__sb_append(&b, "}");
    pthread_mutex_unlock(&s->mu);
    return sj__sb_finish(&b);
}

bool studio_session_submit_text(studio_session *s, const char *text, size_t len, int64_t req, uint64_t *rev,
                                const char **why)
{
    if (s->blocks_mode) {
        *why = "this is a block program: edit the blocks; the text shows what they compile to";
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
    *rev = s->rev;
    free(s->text);
    s->text = copy2;
    s->text_len = len;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return true;
}

void studio_session_set_param(studio_session *s, int idx, double value, double ramp_ms)
{
    if (idx < 0 || idx >= STUDIO_NPARAMS || !isfinite(value))
        return;
    pthread_mutex_lock(&s->audio_mu);
    s->target[idx] = value;
    s->coef[idx] = glide_coef(ramp_ms, s->rate);
    pthread_mutex_unlock(&s->audio_mu);
}

/* Under audio_mu, with the audio side ours. */
static void set_rate_locked(studio_session *s, double rate)
{
    if (rate != s->rate) {
        s->rate = rate;
        sj_backend_set_sample_rate(s->be, rate);
        sj_scope_set_sample_rate(s->scope, rate);
    }
}

bool studio_session_audio_start(studio_session *s, double rate)
{
    if (!(rate >= 8000 && rate <= 384000))
        rate = 48000;
    pthread_mutex_lock(&s->audio_mu);
    bool mine = !s->external;
    if (mine)
        set_rate_locked(s, rate);
    pthread_mutex_unlock(&s->audio_mu);
    return mine;
}

bool studio_session_audio_acquire(studio_session *s, double rate, studio_audio_side *side)
{
    pthread_mutex_lock(&s->audio_mu); /* waits for a render in progress */
    bool free_now = !s->external;
    if (free_now) {
        s->external = true;
        set_rate_locked(s, rate);
        sj_backend_process_updates(s->be); /* the newest program from the driver's first period */
        side->be = s->be;
        side->scope = s->scope;
        for (int i = 0; i < STUDIO_NPARAMS; i++)
            side->param[i] = s->target[i];
    }
    pthread_mutex_unlock(&s->audio_mu);
    return free_now;
}

void studio_session_audio_release(studio_session *s)
{
    pthread_mutex_lock(&s->audio_mu);
    s->external = false;
    pthread_mutex_unlock(&s->audio_mu);
}

uint64_t studio_session_upload_us(studio_session *s)
{
    return atomic_load(&s->upload_us);
}

bool studio_session_render(studio_session *s, float *out, size_t frames)
{
    double in[STUDIO_NPARAMS][RENDER_CHUNK], l[RENDER_CHUNK], r[RENDER_CHUNK], ret[RENDER_CHUNK];
    pthread_mutex_lock(&s->audio_mu);
    if (s->external) {
        pthread_mutex_unlock(&s->audio_mu);
        return false;
    }
    sj_backend_process_updates(s->be);
    size_t done = 0;
    while (done < frames) {
        size_t n = frames - done < RENDER_CHUNK ? frames - done : RENDER_CHUNK;
        sj_block_io io;
        memset(&io, 0, sizeof io);
        for (int p = 0; p < STUDIO_NPARAMS; p++) {
            glide_fill(&s->cur[p], s->target[p], s->coef[p], in[p], n);
            io.in[p] = in[p];
        }
        io.sig1 = l;
        io.sig2 = r;
        io.ret = ret;
        sj_backend_process_block(s->be, &io, n);
        sj_scope_feed(s->scope, sj_backend_function(s->be), &io, n);
        for (size_t i = 0; i < n; i++) {
            out[2 * (done + i)] = safe_sample(l[i], &s->clipped);
            out[2 * (done + i) + 1] = safe_sample(r[i], &s->clipped);
        }
        done += n;
    }
    pthread_mutex_unlock(&s->audio_mu);
    return true;
}

uint64_t studio_session_clipped(studio_session *s)
{
    pthread_mutex_lock(&s->audio_mu);
    uint64_t c = s->clipped;
    pthread_mutex_unlock(&s->audio_mu);
    return c;
}

/* ---------------------------------------------------------------------------------------------
 * Scope. */

void studio_session_scope_frame(studio_session *s, float *out, uint64_t *sweep, size_t *filled)
{
    static sj_scope_frame f; /* 12 KiB: not on the stack of a server thread. Only one caller: the
                                server's scope thread. */
    sj_scope_read_live(s->scope, &f);
    for (int i = 0; i < STUDIO_SCOPE_INPUTS; i++) {
        out[i] = f.active[i] ? 1.0f : 0.0f;
        out[3 + i] = f.offset[i];
        out[6 + i] = f.gain[i];
    }
    out[9] = (float)f.trigger;
    out[10] = f.threshold;
    out[11] = f.time_ms;
    out[12] = (float)f.filled;
    out[13] = f.srate;
    out[14] = out[15] = 0;
    float *p = out + STUDIO_SCOPE_META;
    for (int i = 0; i < STUDIO_SCOPE_INPUTS; i++)
        for (int k = 0; k < STUDIO_SCOPE_POINTS; k++) {
            *p++ = f.points[i][k].max;
            *p++ = f.points[i][k].min;
        }
    *sweep = f.sweep;
    *filled = f.filled;
}

bool studio_session_scope_set(studio_session *s, double time_ms, const char *trigger, double threshold,
                              const char *const taps[STUDIO_SCOPE_INPUTS], const double offset[STUDIO_SCOPE_INPUTS],
                              const double gain[STUDIO_SCOPE_INPUTS], const char **why)
{
    /* Check everything first, so a bad message changes nothing. */
    sj_scope_trigger trig = SJ_SCOPE_TRIGGER_OFF;
    if (trigger) {
        if (strcmp(trigger, "off") == 0)
            trig = SJ_SCOPE_TRIGGER_OFF;
        else if (strcmp(trigger, "sig1") == 0)
            trig = SJ_SCOPE_TRIGGER_SIGNAL1;
        else if (strcmp(trigger, "ext") == 0)
            trig = SJ_SCOPE_TRIGGER_EXTERNAL;
        else {
            *why = "trigger must be off, sig1 or ext";
            return false;
        }
    }
    if (!isnan(time_ms) && !(time_ms >= SJ_SCOPE_TIME_MIN_MS && time_ms <= SJ_SCOPE_TIME_MAX_MS)) {
        *why = "time_ms must be in [0.1, 300000]";
        return false;
    }
    if (!isnan(threshold) && !(threshold >= -1e6 && threshold <= 1e6)) {
        *why = "threshold out of range";
        return false;
    }
    sj_scope_source src[STUDIO_SCOPE_INPUTS];
    const char *pv[STUDIO_SCOPE_INPUTS];
    for (int i = 0; i < STUDIO_SCOPE_INPUTS; i++) {
        src[i] = SJ_SCOPE_SRC_NONE;
        pv[i] = NULL;
        if (taps[i] && taps[i][0] && strcmp(taps[i], "none") != 0) {
            if (strlen(taps[i]) >= 64 || !sj_scope_source_parse(taps[i], &src[i], &pv[i])) {
                *why = "unknown scope tap (in1..gamma, sig1, sig2, ret, *name or none)";
                return false;
            }
        }
        if ((!isnan(offset[i]) && !(fabs(offset[i]) <= 1e6)) || (!isnan(gain[i]) && !(fabs(gain[i]) <= 1e6))) {
            *why = "offset and gain must be numbers within +-1e6";
            return false;
        }
    }
    pthread_mutex_lock(&s->mu);
    if (!isnan(time_ms)) {
        s->time_ms = time_ms;
        sj_scope_set_time(s->scope, time_ms);
    }
    if (trigger || !isnan(threshold)) {
        if (trigger) {
            snprintf(s->trigger, sizeof s->trigger, "%s", trigger);
            s->trig = trig;
        }
        if (!isnan(threshold))
            s->threshold = threshold;
        sj_scope_set_trigger(s->scope, s->trig, s->threshold);
    }
    for (int i = 0; i < STUDIO_SCOPE_INPUTS; i++) {
        if (taps[i]) {
            sj_scope_tap(s->scope, (unsigned)i, src[i], pv[i]);
            snprintf(s->taps[i], sizeof s->taps[i], "%s", src[i] == SJ_SCOPE_SRC_NONE ? "none" : taps[i]);
        }
        if (!isnan(offset[i]))
            s->scope_offset[i] = offset[i];
        if (!isnan(gain[i]))
            s->scope_gain[i] = gain[i];
        if (!isnan(offset[i]) || !isnan(gain[i]))
            sj_scope_set_offset_gain(s->scope, (unsigned)i, s->scope_offset[i], s->scope_gain[i]);
    }
    pthread_mutex_unlock(&s->mu);
    return true;
}

char *studio_session_scope_json(studio_session *s)
{
    sj_sb b;
    sj__sb_init(&b);
    pthread_mutex_lock(&s->mu);
    sj__sb_append(&b, "{\"type\":\"scope.meta\",\"time_ms\":");
    sj__json_write_number(&b, s->time_ms);
    sj__sb_printf(&b, ",\"trigger\":\"%s\",\"threshold\":", s->trigger);
    sj__json_write_number(&b, s->threshold);
    sj__sb_append(&b, ",\"traces\":[");
    for (int i = 0; i < STUDIO_SCOPE_INPUTS; i++) {
        sj__sb_append(&b, i ? ",{\"tap\":" : "{\"tap\":");
        sj__json_write_string(&b, s->taps[i]);
        sj__sb_append(&b, ",\"offset\":");
        sj__json_write_number(&b, s->scope_offset[i]);
        sj__sb_append(&b, ",\"gain\":");
        sj__json_write_number(&b, s->scope_gain[i]);
        sj__sb_append(&b, "}");
    }
    sj__sb_append(&b, "]}");
    pthread_mutex_unlock(&s->mu);
    return sj__sb_finish(&b);
}

/* ---------------------------------------------------------------------------------------------
 * Block programs. */

bool studio_session_is_blocks(studio_session *s)
{
    return s->blocks_mode;
}

static void free_stack(char **st, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        free(st[i]);
    *n = 0;
}

/* Pushes a snapshot on a stack, dropping the oldest when full. Takes snap. */
static void push_stack(char **st, size_t *n, char *snap)
{
    if (*n == STUDIO_UNDO_MAX) {
        free(st[0]);
        memmove(st, st + 1, (STUDIO_UNDO_MAX - 1) * sizeof *st);
        (*n)--;
    }
    st[(*n)++] = snap;
}

char *studio_session_block_op(studio_session *s, const studio_block_op *op, int64_t req, const char **code, char *msg,
                              size_t msgsz)
{
    *code = "refused";
    if (!s->blocks_mode) {
        snprintf(msg, msgsz, "this is a text program: edit its text");
        return NULL;
    }
    const char *o = op->op ? op->op : "";
    pthread_mutex_lock(&s->mu);
    sj_status st = SJ_OK;
    bool history = false;
    if (strcmp(o, "undo") == 0 || strcmp(o, "redo") == 0) {
        bool undo = o[0] == 'u';
        char **from = undo ? s->undo : s->redo, **to = undo ? s->redo : s->undo;
        size_t *nfrom = undo ? &s->nundo : &s->nredo, *nto = undo ? &s->nredo : &s->nundo;
        if (*nfrom == 0) {
            snprintf(msg, msgsz, "nothing to %s", o);
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
        char *target = from[*nfrom - 1];
        sj_diag d;
        memset(&d, 0, sizeof d);
        st = sj_blockfun_load_json(s->efun, target, strlen(target), &d);
        if (st != SJ_OK) {
            snprintf(msg, msgsz, "cannot %s: %s", o, d.message);
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
        (*nfrom)--;
        push_stack(to, nto, s->blocks_json);
        s->blocks_json = NULL;
        free(target);
        history = true;
    } else {
        size_t a = op->area, a2 = op->area2;
        if (strcmp(o, "instantiate") == 0)
            st = sj_blockfun_instantiate(s->efun, a, op->x, op->y, op->typ ? op->typ : "", op->input);
        else if (strcmp(o, "remove") == 0)
            st = sj_blockfun_remove(s->efun, a, op->x, op->y);
        else if (strcmp(o, "shift_port") == 0)
            st = sj_blockfun_shift_port(s->efun, a, op->x, op->y, op->row, op->output);
        else if (strcmp(o, "set_label") == 0)
            st = sj_blockfun_set_label(s->efun, a, op->x, op->y, op->input ? op->input : "");
        else if (strcmp(o, "move_block") == 0)
            st = sj_blockfun_move_block(s->efun, a, op->x, op->y, a2, op->x2, op->y2);
        else if (strcmp(o, "clone_block") == 0)
            st = sj_blockfun_clone_block(s->efun, a, op->x, op->y, a2, op->x2, op->y2);
        else if (strcmp(o, "move_chain") == 0)
            st = sj_blockfun_move_chain(s->efun, a, op->x, op->y, a2, op->x2, op->y2);
        else if (strcmp(o, "split_chain") == 0)
            st = sj_blockfun_split_chain(s->efun, a, op->x, op->y, op->filler);
        else {
            *code = "bad_message";
            snprintf(msg, msgsz, "unknown block operation '%.40s'", o);
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
        if (st != SJ_OK) {
            const sj_block_error *e = sj_blockfun_last_error(s->efun);
            snprintf(msg, msgsz, "%s", e && e->message[0] ? e->message : sj_strerror(st));
            /* A failed operation leaves the program as it was, but make sure of it: the snapshot
             * is the truth. */
            sj_diag d;
            sj_blockfun_load_json(s->efun, s->blocks_json, strlen(s->blocks_json), &d);
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
    }
    char *snap = snapshot(s);
    char *pend = snap ? strdup(snap) : NULL;
    if (!snap || !pend) {
        free(snap);
        free(pend);
        snprintf(msg, msgsz, "out of memory");
        if (s->blocks_json) {
            sj_diag d;
            sj_blockfun_load_json(s->efun, s->blocks_json, strlen(s->blocks_json), &d);
        }
        pthread_mutex_unlock(&s->mu);
        return NULL;
    }
    if (!history) {
        push_stack(s->undo, &s->nundo, s->blocks_json);
        free_stack(s->redo, &s->nredo);
    }
    s->blocks_json = snap;
    free(s->pending);
    s->pending = pend;
    s->pending_len = strlen(pend);
    s->pending_rev = ++s->rev;
    s->pending_req = req;
    uint64_t rev = s->rev;
    pthread_cond_signal(&s->cv);
    sj_sb b;
    sj__sb_init(&b);
    sj__sb_printf(&b, "{\"type\":\"blocks\",\"rev\":%llu,\"req\":%lld,\"op\":", (unsigned long long)rev, (long long)req);
    sj__json_write_string(&b, o);
    sj__sb_printf(&b, ",\"undo\":%zu,\"redo\":%zu,\"blocks\":", s->nundo, s->nredo);
    sj__sb_append(&b, snap);
    sj__sb_append(&b, "}");
    pthread_mutex_unlock(&s->mu);
    return sj__sb_finish(&b);
}

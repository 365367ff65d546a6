/*
 * The engine (reference CodeEngine and CodeEngineBackend): a compile side and an audio side joined
 * by two lock-free SPSC queues. Functions, buffers and tables travel to the audio side; whatever
 * they replace travels back and is freed on the compile side by sj_engine_collect.
 *
 * Full queues (decisions #8): an upload that finds the queue to the audio side full fails with
 * SJ_ERR_QUEUE_FULL and frees its function on the compile side, so nothing is dropped silently.
 * The audio side applies an update only when the queue back has room for what the update replaces;
 * otherwise the update waits in its queue until sj_engine_collect makes room. So nothing is ever
 * freed on the audio thread.
 */
#include "base/alloc.h"
#include "engine/ring.h"
#include "runtime/runtime.h"

#include <string.h>

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

/* The audio side runs with denormals flushed to zero (decisions.md, "Safety envelope"): filter
 * memories decaying after silence would otherwise reach subnormal values, which are slow on many
 * CPUs. The caller's mode is restored afterwards; these are register moves, not system calls. */
typedef unsigned fp_mode;
static fp_mode enter_ftz(void)
{
#if defined(__x86_64__)
    fp_mode old = _mm_getcsr();
    _mm_setcsr(old | 0x8040u); /* FTZ (bit 15) and DAZ (bit 6) */
    return old;
#else
    return 0;
#endif
}

static void leave_ftz(fp_mode old)
{
#if defined(__x86_64__)
    _mm_setcsr(old);
#else
    (void)old;
#endif
}

struct sj_backend {
    sj_engine *eng;
    sj_function *fun;
    double srate;
};

struct sj_engine {
    sj_context *ctx;
    sj_ring to_audio, to_main;
    sj_backend backend;
    bool debug;
    char *ast_dump;   /* reference CodeEngine::ast_dump: the last upload's AST while debug was on */
    char *ir_dump;    /* reference ctx.get_ir_dump(): the IR of the last successful debug compile */
    char *debug_info; /* the two above in the reference's frame, NULL until one is set */
};

static void free_msg(sj_msg *m)
{
    if (m->kind == SJ_MSG_FUNCTION)
        sj_function_free(m->ptr);
    else if (m->kind == SJ_MSG_BUFFER || m->kind == SJ_MSG_TABLE)
        sj__free(m->ptr);
}

sj_engine *sj_engine_new(sj_library *lib, const sj_context_config *cfg)
{
    sj_engine *eng = sj__calloc(1, sizeof *eng);
    if (!eng)
        return NULL;
    sj_library *own = lib ? sj_library_retain(lib) : sj_library_new_std();
    if (own) {
        eng->ctx = sj_context_new(own, cfg);
        sj_library_release(own);
    }
    bool ok = eng->ctx && sj__ring_init(&eng->to_audio, SJ_ENGINE_QUEUE_SIZE) &&
              sj__ring_init(&eng->to_main, SJ_ENGINE_QUEUE_SIZE);
    /* The audio side starts with a function that returns 0.0 (reference get_nop_function). */
    sj_ast *nop = ok ? sj_lit(0.0) : NULL;
    if (nop && sj_compile(eng->ctx, nop, NULL, &eng->backend.fun, NULL) != SJ_OK)
        ok = false;
    sj_ast_free(nop);
    if (!ok || !nop) {
        sj_engine_free(eng);
        return NULL;
    }
    eng->backend.eng = eng;
    eng->backend.srate = 44100.0;
    return eng;
}

void sj_engine_free(sj_engine *eng)
{
    if (!eng)
        return;
    sj_msg m;
    if (eng->to_audio.slots)
        while (sj__ring_pop(&eng->to_audio, &m))
            free_msg(&m);
    if (eng->to_main.slots)
        while (sj__ring_pop(&eng->to_main, &m))
            free_msg(&m);
    sj_function_free(eng->backend.fun);
    sj__ring_fini(&eng->to_audio);
    sj__ring_fini(&eng->to_main);
    sj_context_free(eng->ctx);
    sj__free(eng->ast_dump);
    sj__free(eng->ir_dump);
    sj__free(eng->debug_info);
    sj__free(eng);
}

sj_context *sj_engine_context(sj_engine *eng)
{
    return eng ? eng->ctx : NULL;
}

sj_backend *sj_engine_backend(sj_engine *eng)
{
    return eng ? &eng->backend : NULL;
}

void sj_engine_set_debug(sj_engine *eng, bool on)
{
    if (eng)
        eng->debug = on;
}

/* The reference's frame around the AST and IR dumps (string literals or "%s"). */
#define DEBUG_FRAME(ast, ir)                                                                                \
    "---------- AST ----------\n" ast "\n------- JIT IR -------\n" ir "\n---------- END ----------"

const char *sj_engine_debug_info(sj_engine *eng)
{
    /* The reference always formats the frame; with debug never on both parts are empty. */
    static const char empty[] = DEBUG_FRAME("", "");
    return eng && eng->debug_info ? eng->debug_info : eng ? empty : "";
}

/* Replaces *slot with text (taken) and formats the debug info again; on failure keeps the old. */
static void set_debug_part(sj_engine *eng, char **slot, char *text)
{
    if (!text)
        return;
    sj__free(*slot);
    *slot = text;
    sj_sb sb;
    sj__sb_init(&sb);
    sj__sb_printf(&sb, DEBUG_FRAME("%s", "%s"), eng->ast_dump ? eng->ast_dump : "", eng->ir_dump ? eng->ir_dump : "");
    char *info = sj__sb_finish(&sb);
    if (info) {
        sj__free(eng->debug_info);
        eng->debug_info = info;
    }
}

static sj_status push(sj_engine *eng, sj_msg m)
{
    if (!sj__ring_push(&eng->to_audio, &m)) {
        free_msg(&m);
        return SJ_ERR_QUEUE_FULL;
    }
    return SJ_OK;
}

sj_status sj_engine_upload(sj_engine *eng, const sj_ast *ast, sj_diag *diag)
{
    if (!eng || !ast)
        return sj__diag_set(diag, SJ_ERR_INVALID_ARGUMENT, NULL, "sj_engine_upload needs an engine and a program");
    if (sj__ring_space(&eng->to_audio) == 0)
        return sj__diag_set(diag, SJ_ERR_QUEUE_FULL, NULL, "the audio side has not taken the previous updates yet");
    sj_compile_options opt = {.backend = SJ_BACKEND_DEFAULT, .keep_ir_dump = eng->debug};
    /* The reference stores the AST dump before compiling, so a failed compile shows its AST next
     * to the IR of the last good one. */
    if (eng->debug)
        set_debug_part(eng, &eng->ast_dump, sj_ast_dump(ast));
    sj_function *f;
    sj_status st = sj_compile(eng->ctx, ast, &opt, &f, diag);
    if (st)
        return st;
    if (eng->debug)
        set_debug_part(eng, &eng->ir_dump, sj__strdup(sj_function_ir_dump(f)));
    st = push(eng, (sj_msg){SJ_MSG_FUNCTION, f, 0, 0});
    if (st)
        return sj__diag_set(diag, st, NULL, "the queue to the audio side is full; collect and retry");
    return SJ_OK;
}

sj_status sj_engine_send_buffer(sj_engine *eng, size_t idx, const double *data, size_t len)
{
    if (!eng || !data || len == 0)
        return SJ_ERR_INVALID_ARGUMENT;
    if (idx >= SJ_BUFFER_COUNT)
        return SJ_ERR_UNKNOWN_BUFFER;
    if (len > SJ_MAX_BUFFER_LEN)
        return SJ_ERR_LIMIT;
    double *copy = sj__malloc(len * sizeof *copy);
    if (!copy)
        return SJ_ERR_NOMEM;
    memcpy(copy, data, len * sizeof *copy);
    return push(eng, (sj_msg){SJ_MSG_BUFFER, copy, idx, len});
}

sj_status sj_engine_send_table(sj_engine *eng, size_t idx, const float *data, size_t len)
{
    if (!eng || !data || len == 0)
        return SJ_ERR_INVALID_ARGUMENT;
    if (idx >= SJ_TABLE_COUNT)
        return SJ_ERR_UNKNOWN_TABLE;
    if (len > SJ_MAX_BUFFER_LEN)
        return SJ_ERR_LIMIT;
    float *copy = sj__malloc(len * sizeof *copy);
    if (!copy)
        return SJ_ERR_NOMEM;
    memcpy(copy, data, len * sizeof *copy);
    return push(eng, (sj_msg){SJ_MSG_TABLE, copy, idx, len});
}

sj_status sj_engine_reset(sj_engine *eng)
{
    if (!eng)
        return SJ_ERR_INVALID_ARGUMENT;
    return push(eng, (sj_msg){SJ_MSG_RESET, NULL, 0, 0});
}

size_t sj_engine_collect(sj_engine *eng)
{
    size_t n = 0;
    sj_msg m;
    while (eng && sj__ring_pop(&eng->to_main, &m)) {
        free_msg(&m);
        n++;
    }
    return n;
}

float sj_engine_atom_get(const sj_engine *eng, size_t idx)
{
    return eng ? sj_context_atom_get(eng->ctx, idx) : 0.0f;
}

void sj_engine_atom_set(sj_engine *eng, size_t idx, float value)
{
    if (eng)
        sj_context_atom_set(eng->ctx, idx, value);
}

/* ---- audio side ---- */

size_t sj_backend_process_updates(sj_backend *be)
{
    if (!be)
        return 0;
    sj_engine *eng = be->eng;
    sj_context *ctx = eng->ctx;
    size_t n = 0;
    sj_msg m;
    /* Every update sends back at most one object: take one only when there is room for it. */
    while (sj__ring_space(&eng->to_main) > 0 && sj__ring_pop(&eng->to_audio, &m)) {
        sj_msg back = {m.kind, NULL, 0, 0};
        switch (m.kind) {
        case SJ_MSG_FUNCTION: {
            sj_function *old = be->fun;
            sj_function_init(m.ptr, be->srate, old);
            be->fun = m.ptr;
            back.ptr = old;
            break;
        }
        case SJ_MSG_BUFFER:
            back.ptr = ctx->bufs[m.idx];
            ctx->bufs[m.idx] = m.ptr;
            ctx->buf_lens[m.idx] = m.len;
            break;
        case SJ_MSG_TABLE:
            back.ptr = (void *)ctx->tables[m.idx];
            ctx->tables[m.idx] = m.ptr;
            ctx->table_lens[m.idx] = m.len;
            break;
        case SJ_MSG_RESET: sj_function_reset(be->fun); break;
        }
        if (back.ptr)
            sj__ring_push(&eng->to_main, &back); /* cannot fail: space was checked */
        n++;
    }
    return n;
}

sj_frame sj_backend_process(sj_backend *be, double in1, double in2, double alpha, double beta, double delta,
                            double gamma)
{
    sj_frame fr = {0.0, 0.0, 0.0};
    if (be) {
        fp_mode m = enter_ftz();
        fr.ret = sj_function_exec(be->fun, in1, in2, alpha, beta, delta, gamma, &fr.sig1, &fr.sig2);
        leave_ftz(m);
    }
    return fr;
}

void sj_backend_process_block(sj_backend *be, const sj_block_io *io, size_t n)
{
    if (be) {
        fp_mode m = enter_ftz();
        sj_function_process(be->fun, io, n);
        leave_ftz(m);
    }
}

void sj_backend_set_sample_rate(sj_backend *be, double srate)
{
    if (!be || !(srate > 0.0))
        return;
    be->srate = srate;
    sj_function_set_sample_rate(be->fun, srate);
}

double sj_backend_sample_rate(const sj_backend *be)
{
    return be ? be->srate : 0.0;
}

void sj_backend_clear(sj_backend *be)
{
    if (be)
        sj_function_reset(be->fun);
}

sj_function *sj_backend_function(sj_backend *be)
{
    return be ? be->fun : NULL;
}

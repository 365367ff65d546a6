/*
 * Compiling and running functions (reference JIT::compile, DSPNodeContext::finalize_dsp_function,
 * DSPFunction). A compile stages everything it needs (state objects, persistent-variable names,
 * buffer arrays) and commits to the context only when nothing can fail any more, so a failed
 * compile leaves the context as it was.
 */
#include "runtime/runtime.h"
#include "base/alloc.h"
#include "ir/lower.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sj__context_destroy(sj_context *ctx);

/* ---- state and name records ---- */

static void state_release(sj_context *ctx, state_rec *r)
{
    if (--r->refs)
        return;
    if (r->in_table) {
        for (size_t i = 0; i < ctx->nstates; i++) {
            if (ctx->states[i] == r) {
                ctx->states[i] = ctx->states[--ctx->nstates];
                break;
            }
        }
    }
    sj__free(r->mem);
    sj__free(r);
}

static void pv_release(sj_context *ctx, pv_rec *r)
{
    if (--r->refs)
        return;
    if (r->in_table) {
        for (size_t i = 0; i < ctx->npvs; i++) {
            if (ctx->pvs[i] == r) {
                ctx->pvs[i] = ctx->pvs[--ctx->npvs];
                break;
            }
        }
    }
    sj__free(r->name);
    sj__free(r);
}

static state_rec *ctx_state(const sj_context *ctx, uint64_t uid)
{
    for (size_t i = 0; i < ctx->nstates; i++)
        if (ctx->states[i]->uid == uid)
            return ctx->states[i];
    return NULL;
}

static pv_rec *ctx_pv(const sj_context *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->npvs; i++)
        if (strcmp(ctx->pvs[i]->name, name) == 0)
            return ctx->pvs[i];
    return NULL;
}

/* ---- the compile ---- */

typedef struct builder {
    sj_context *ctx;
    sj_function *fun;
    size_t declared[SJ_BUFFER_COUNT];
    bool used[SJ_BUFFER_COUNT];
    uint64_t next_pv_id;
} builder;

static sj_status hook_pv_slot(void *user, const char *name, uint32_t *slot)
{
    builder *B = user;
    sj_function *f = B->fun;
    for (uint32_t i = 0; i < f->npv; i++) {
        if (strcmp(f->pvs[i]->name, name) == 0) {
            *slot = i;
            return SJ_OK;
        }
    }
    size_t cap = f->pvs_cap;
    if (!sj__grow((void **)&f->pvs, &cap, f->npv + 1, sizeof *f->pvs))
        return SJ_ERR_NOMEM;
    f->pvs_cap = (uint32_t)cap;
    pv_rec *r = ctx_pv(B->ctx, name);
    if (!r) {
        r = sj__calloc(1, sizeof *r);
        if (!r || !(r->name = sj__strdup(name))) {
            sj__free(r);
            return SJ_ERR_NOMEM;
        }
        r->id = B->next_pv_id++;
    }
    r->refs++;
    f->pvs[f->npv] = r;
    *slot = f->npv++;
    return SJ_OK;
}

static sj_status hook_node_state(void *user, const sj_node_type *type, uint64_t uid, uint32_t *index, char *msg,
                                 size_t msgsize)
{
    builder *B = user;
    sj_function *f = B->fun;
    for (uint32_t i = 0; i < f->nstates; i++) {
        if (f->states[i]->uid == uid) {
            snprintf(msg, msgsize, "node_state_uid has been used multiple times in same AST: %llu",
                     (unsigned long long)uid);
            return SJ_ERR_NODE_STATE;
        }
    }
    size_t cap = f->states_cap;
    if (!sj__grow((void **)&f->states, &cap, f->nstates + 1, sizeof *f->states)) {
        snprintf(msg, msgsize, "out of memory");
        return SJ_ERR_NOMEM;
    }
    f->states_cap = (uint32_t)cap;
    state_rec *r = ctx_state(B->ctx, uid);
    /* decisions #6: a uid whose type changed gets a fresh state instead of an error. */
    if (!r || strcmp(r->type->name, type->name) != 0) {
        r = sj__calloc(1, sizeof *r);
        /* The allocator returns memory aligned like malloc (16 bytes here), which the node ABI promises. */
        void *mem = r ? sj__calloc(1, type->state_size) : NULL;
        if (!mem) {
            sj__free(r);
            snprintf(msg, msgsize, "out of memory");
            return SJ_ERR_NOMEM;
        }
        r->uid = uid;
        r->type = type;
        r->mem = mem;
        /* Reset once after allocation, so a function run without init sees a valid state. The
         * audio thread may be writing the shared rate at this moment, so this reset sees the
         * default rate, which is also what the reference's freshly allocated states hold. */
        if (type->reset) {
            sj_dsp_state defaults = sj__context_default_dsp(B->ctx);
            type->reset(&defaults, mem);
        }
    }
    r->refs++;
    f->states[f->nstates] = r;
    *index = f->nstates++;
    return SJ_OK;
}

static void hook_buf_declare(void *user, size_t idx, size_t len)
{
    builder *B = user;
    B->declared[idx] = len;
    B->used[idx] = true;
}

static void hook_buf_used(void *user, size_t idx)
{
    builder *B = user;
    B->used[idx] = true;
}

/* Drops everything a function holds (compile side). */
static void function_destroy(sj_function *f)
{
    sj_context *ctx = f->ctx;
    if (f->code.free)
        f->code.free(&f->code);
    for (uint32_t i = 0; i < f->nstates; i++)
        state_release(ctx, f->states[i]);
    for (uint32_t i = 0; i < f->npv; i++)
        pv_release(ctx, f->pvs[i]);
    for (uint32_t i = 0; i < f->nupdates; i++) {
        /* A resize that init never applied: the context's record of the installed length is wrong
         * now, so the next compile must not trust it. */
        if (!f->updates_done)
            ctx->buffer_lengths[f->updates[i].idx] = SIZE_MAX;
        sj__free(f->updates[i].data);
    }
    sj__free(f->states);
    sj__free(f->state_ptrs);
    sj__free(f->new_states);
    sj__free(f->pvs);
    sj__free(f->pv);
    sj__free(f->pv_order);
    sj__free(f->updates);
    sj__free(f->ir_text);
    sj__free(f);
}

void sj_function_free(sj_function *f)
{
    if (!f)
        return;
    sj_context *ctx = f->ctx;
    function_destroy(f);
    ctx->live_functions--;
    if (ctx->freed && ctx->live_functions == 0)
        sj__context_destroy(ctx);
}

static sj_backend_kind choose_backend(const sj_context *ctx, const sj_compile_options *opt)
{
    sj_backend_kind k = opt && opt->backend != SJ_BACKEND_DEFAULT ? opt->backend : ctx->cfg.backend;
    if (k == SJ_BACKEND_DEFAULT) {
        const char *env = getenv("SIGJIT_BACKEND");
        if (env && strcmp(env, "interp") == 0)
            k = SJ_BACKEND_INTERP;
        else if (env && strcmp(env, "native") == 0)
            k = SJ_BACKEND_NATIVE;
        else
            k = sj__x64_available() ? SJ_BACKEND_NATIVE : SJ_BACKEND_INTERP;
    }
    return k;
}

static int cmp_pv_id(const void *a, const void *b, void *pvs)
{
    uint64_t x = ((pv_rec **)pvs)[*(const uint32_t *)a]->id, y = ((pv_rec **)pvs)[*(const uint32_t *)b]->id;
    return x < y ? -1 : x > y;
}

static sj_status finish(builder *B, const sj_ir_func *ir, const sj_compile_options *opt, sj_diag *diag)
{
    sj_context *ctx = B->ctx;
    sj_function *f = B->fun;
    /* Everything that can fail first: arrays, buffer updates, code. */
    f->state_ptrs = sj__calloc(f->nstates ? f->nstates : 1, sizeof *f->state_ptrs);
    f->new_states = sj__calloc(f->nstates ? f->nstates : 1, sizeof *f->new_states);
    f->pv = sj__calloc(f->npv ? f->npv : 1, sizeof *f->pv);
    f->pv_order = sj__calloc(f->npv ? f->npv : 1, sizeof *f->pv_order);
    f->updates = sj__calloc(SJ_BUFFER_COUNT, sizeof *f->updates);
    if (!f->state_ptrs || !f->new_states || !f->pv || !f->pv_order || !f->updates)
        return sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
    size_t new_decl[SJ_BUFFER_COUNT];
    for (size_t i = 0; i < SJ_BUFFER_COUNT; i++) {
        /* decisions #7: a buffer no op of this program uses goes back to the default size (its memory
         * is released); a used one keeps the context's declaration (reference: it persists). */
        new_decl[i] = B->declared[i] ? B->declared[i] : B->used[i] ? ctx->buffer_declare[i] : SJ_BUFFER_DEFAULT_LEN;
        if (new_decl[i] != ctx->buffer_lengths[i]) {
            double *data = sj__calloc(new_decl[i], sizeof *data);
            if (!data)
                return sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory for buffer %zu", i);
            f->updates[f->nupdates++] = (buffer_update){i, data, new_decl[i], B->used[i]};
        }
    }
    sj_status st;
    f->backend = choose_backend(ctx, opt);
    if (f->backend == SJ_BACKEND_NATIVE) {
        st = sj__x64_compile(ir, &f->code);
        if (st == SJ_ERR_UNSUPPORTED) {
            f->backend = SJ_BACKEND_INTERP;
            memset(&f->code, 0, sizeof f->code);
        } else if (st) {
            return sj__diag_set(diag, st, NULL, "native code generation failed: %s", sj_strerror(st));
        }
    }
    if (f->backend == SJ_BACKEND_INTERP && (st = sj__interp_compile(ir, &f->code)))
        return sj__diag_set(diag, st, NULL, "out of memory");
    if (opt && opt->keep_ir_dump && !(f->ir_text = sj__ir_to_text(ir)))
        return sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
    if (!sj__grow((void **)&ctx->states, &ctx->states_cap, ctx->nstates + f->nstates, sizeof *ctx->states) ||
        !sj__grow((void **)&ctx->pvs, &ctx->pvs_cap, ctx->npvs + f->npv, sizeof *ctx->pvs))
        return sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");

    /* Commit: nothing below fails. */
    for (uint32_t i = 0; i < f->nstates; i++) {
        state_rec *r = f->states[i];
        f->state_ptrs[i] = r->mem;
        if (!r->in_table) {
            state_rec *old = ctx_state(ctx, r->uid);
            if (old) {
                /* The type changed: the old object lives on until its last function is freed. */
                for (size_t k = 0; k < ctx->nstates; k++)
                    if (ctx->states[k] == old)
                        ctx->states[k] = ctx->states[--ctx->nstates];
                old->in_table = false;
            }
            r->in_table = true;
            ctx->states[ctx->nstates++] = r;
            f->new_states[f->nnew++] = i;
        }
    }
    for (uint32_t i = 0; i < f->npv; i++) {
        if (!f->pvs[i]->in_table) {
            f->pvs[i]->in_table = true;
            ctx->pvs[ctx->npvs++] = f->pvs[i];
        }
        f->pv_order[i] = i;
    }
    qsort_r(f->pv_order, f->npv, sizeof *f->pv_order, cmp_pv_id, f->pvs);
    ctx->next_pv_id = B->next_pv_id;
    for (size_t i = 0; i < SJ_BUFFER_COUNT; i++) {
        ctx->buffer_declare[i] = new_decl[i];
        ctx->buffer_lengths[i] = new_decl[i];
    }
    f->updates_done = f->nupdates == 0;
    /* Until init gives the real rate, $srate and $israte read 0.0: the reference's DSPFunction::new
     * starts its aux variables at [0.0; 3] (the shared rate may be changing on the audio thread
     * right now anyway). */
    f->aux[0] = 0.0;
    f->aux[1] = 0.0;
    return SJ_OK;
}

static const sj_lower_hooks builder_hooks = {NULL, hook_pv_slot, hook_node_state, hook_buf_declare, hook_buf_used};

/* Lowers ast for a new function of ctx. On success B->fun is that function, with its node states
 * and persistent-variable names staged (not yet in the context), and ir its IR; on failure nothing
 * is left over. */
static sj_status lower_new_function(sj_context *ctx, const sj_ast *ast, bool optimize, builder *B, sj_ir_func *ir,
                                    sj_diag *diag)
{
    sj_function *f = sj__calloc(1, sizeof *f);
    if (!f)
        return sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
    f->ctx = ctx;
    ctx->live_functions++;
    *B = (builder){.ctx = ctx, .fun = f, .next_pv_id = ctx->next_pv_id};
    sj_lower_hooks hooks = builder_hooks;
    hooks.user = B;
    sj_status st = sj__ir_build(ast, ctx->lib, &hooks, optimize, ir, diag);
    if (st) {
        /* Releasing the function's references frees what was staged and leaves the rest as it was. */
        sj_function_free(f);
        B->fun = NULL;
    }
    return st;
}

sj_status sj_compile(sj_context *ctx, const sj_ast *ast, const sj_compile_options *opt, sj_function **out,
                     sj_diag *diag)
{
    if (out)
        *out = NULL;
    if (!ctx || !ast || !out)
        return sj__diag_set(diag, SJ_ERR_INVALID_ARGUMENT, NULL, "sj_compile needs a context, a program and an output");
    builder B;
    sj_ir_func ir;
    sj_status st = lower_new_function(ctx, ast, true, &B, &ir, diag);
    if (st)
        return st;
    st = finish(&B, &ir, opt, diag);
    sj__ir_fini(&ir);
    if (st) {
        sj_function_free(B.fun);
        return st;
    }
    *out = B.fun;
    return SJ_OK;
}

sj_status sj_instant_compile(const sj_ast *ast, sj_context **ctx_out, sj_function **fun_out, sj_diag *diag)
{
    if (ctx_out)
        *ctx_out = NULL;
    if (fun_out)
        *fun_out = NULL;
    if (!ast || !ctx_out || !fun_out)
        return sj__diag_set(diag, SJ_ERR_INVALID_ARGUMENT, NULL, "sj_instant_compile needs a program and outputs");
    sj_library *lib = sj_library_new_std();
    if (!lib)
        return sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
    sj_context *ctx = sj_context_new(lib, NULL);
    sj_library_release(lib);
    if (!ctx)
        return sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
    sj_status st = sj_compile(ctx, ast, NULL, fun_out, diag);
    if (st) {
        sj_context_free(ctx);
        return st;
    }
    *ctx_out = ctx;
    return SJ_OK;
}

/* ---- running (audio side: nothing here allocates, frees, locks or calls the system) ---- */

void sj__function_env(sj_function *f, sj_env *env)
{
    sj_context *ctx = f->ctx;
    memset(env->rv, 0, sizeof env->rv);
    env->aux[0] = f->aux[0];
    env->aux[1] = f->aux[1];
    env->aux[2] = 0.0;
    env->pv = f->pv;
    env->states = f->state_ptrs;
    env->dsp = &ctx->dsp;
    env->bufs = ctx->bufs;
    env->buf_lens = ctx->buf_lens;
    env->tables = ctx->tables;
    env->table_lens = ctx->table_lens;
    env->code = f->code.data;
}

void sj_function_init(sj_function *f, double srate, const sj_function *prev)
{
    if (!f)
        return;
    sj_context *ctx = f->ctx;
    if (prev) {
        /* Persistent variables by name: both slot lists are sorted by name id, so one merge. */
        uint32_t i = 0, j = 0;
        while (i < f->npv && j < prev->npv) {
            uint64_t a = f->pvs[f->pv_order[i]]->id, b = prev->pvs[prev->pv_order[j]]->id;
            if (a == b)
                f->pv[f->pv_order[i++]] = prev->pv[prev->pv_order[j++]];
            else if (a < b)
                i++;
            else
                j++;
        }
    } else {
        f->resetted = true;
    }
    if (!f->updates_done) {
        for (uint32_t u = 0; u < f->nupdates; u++) {
            buffer_update *up = &f->updates[u];
            double *old = ctx->bufs[up->idx];
            uint64_t keep = ctx->buf_lens[up->idx] < up->len ? ctx->buf_lens[up->idx] : up->len;
            if (up->preserve)
                memcpy(up->data, old, (size_t)keep * sizeof *old);
            ctx->bufs[up->idx] = up->data;
            ctx->buf_lens[up->idx] = up->len;
            up->data = old; /* freed with this function, on the compile side */
        }
        f->updates_done = true;
    }
    ctx->dsp.srate = srate;
    ctx->dsp.israte = 1.0 / srate;
    f->aux[0] = srate;
    f->aux[1] = 1.0 / srate;
    for (uint32_t k = 0; k < f->nnew; k++) {
        state_rec *r = f->states[f->new_states[k]];
        if (r->type->reset)
            r->type->reset(&ctx->dsp, r->mem);
        else
            memset(r->mem, 0, r->type->state_size);
    }
}

double sj_function_exec(sj_function *f, double in1, double in2, double alpha, double beta, double delta,
                        double gamma, double *sig1, double *sig2)
{
    /* The last two inputs are the initial values of &sig1 and &sig2. */
    double in[8] = {in1, in2, alpha, beta, delta, gamma, sig1 ? *sig1 : 0.0, sig2 ? *sig2 : 0.0};
    double out[3];
    sj_env env;
    for (int k = 0; k < 8; k++)
        env.in[k] = &in[k];
    for (int k = 0; k < 3; k++)
        env.out[k] = &out[k];
    sj__function_env(f, &env);
    env.aux[2] = f->resetted ? 1.0 : 0.0;
    f->resetted = false;
    f->code.kernel(&env, 1);
    if (sig1)
        *sig1 = out[0];
    if (sig2)
        *sig2 = out[1];
    return out[2];
}

sj_frame sj_function_exec_2in_2out(sj_function *f, double in1, double in2)
{
    sj_frame fr = {0.0, 0.0, 0.0};
    fr.ret = sj_function_exec(f, in1, in2, 0.0, 0.0, 0.0, 0.0, &fr.sig1, &fr.sig2);
    return fr;
}

/* Inputs not given, and the initial &sig1/&sig2 of block processing. */
static const double zeros[SJ_CHUNK];

void sj_function_process(sj_function *f, const sj_block_io *io, size_t n)
{
    if (!f || !io)
        return;
    sj_env env;
    sj__function_env(f, &env);
    env.in[6] = env.in[7] = zeros; /* &sig1/&sig2 start at 0.0 on every frame */
    size_t done = 0;
    while (done < n) {
        size_t len = n - done < SJ_CHUNK ? n - done : SJ_CHUNK;
        /* $reset reads 1 on the first frame after a reset only: that frame runs on its own. */
        if (f->resetted) {
            len = 1;
            env.aux[2] = 1.0;
            f->resetted = false;
        } else {
            env.aux[2] = 0.0;
        }
        for (int k = 0; k < 6; k++)
            env.in[k] = io->in[k] ? io->in[k] + done : zeros;
        double *outs[3] = {io->sig1, io->sig2, io->ret};
        for (int k = 0; k < 3; k++)
            env.out[k] = outs[k] ? outs[k] + done : f->scratch[k];
        f->code.kernel(&env, len);
        done += len;
    }
}

void sj_function_reset(sj_function *f)
{
    if (!f)
        return;
    f->resetted = true;
    for (uint32_t i = 0; i < f->nstates; i++) {
        state_rec *r = f->states[i];
        if (r->type->reset)
            r->type->reset(&f->ctx->dsp, r->mem);
        else
            memset(r->mem, 0, r->type->state_size);
    }
    for (uint32_t i = 0; i < f->npv; i++)
        f->pv[i] = 0.0;
}

void sj_function_set_sample_rate(sj_function *f, double srate)
{
    if (!f)
        return;
    f->ctx->dsp.srate = srate;
    f->ctx->dsp.israte = 1.0 / srate;
    f->aux[0] = srate;
    f->aux[1] = 1.0 / srate;
    sj_function_reset(f);
}

static long pv_index(const sj_function *f, const char *name)
{
    if (!f || !name)
        return -1;
    for (uint32_t i = 0; i < f->npv; i++)
        if (strcmp(f->pvs[i]->name, name) == 0)
            return i;
    return -1;
}

bool sj_function_get_pv(const sj_function *f, const char *name, double *value)
{
    long i = pv_index(f, name);
    if (i < 0)
        return false;
    if (value)
        *value = f->pv[i];
    return true;
}

bool sj_function_set_pv(sj_function *f, const char *name, double value)
{
    long i = pv_index(f, name);
    if (i < 0)
        return false;
    f->pv[i] = value;
    return true;
}

static const state_rec *find_state(const sj_function *f, uint64_t uid)
{
    for (uint32_t i = 0; f && i < f->nstates; i++)
        if (f->states[i]->uid == uid)
            return f->states[i];
    return NULL;
}

void *sj_function_node_state(const sj_function *f, uint64_t uid)
{
    const state_rec *r = find_state(f, uid);
    return r ? r->mem : NULL;
}

bool sj_function_has_node_state(const sj_function *f, uint64_t uid)
{
    return find_state(f, uid) != NULL;
}

const sj_node_type *sj_function_node_type(const sj_function *f, uint64_t uid)
{
    const state_rec *r = find_state(f, uid);
    return r ? r->type : NULL;
}

sj_dsp_state *sj_function_dsp_state(sj_function *f)
{
    return f ? &f->ctx->dsp : NULL;
}

sj_backend_kind sj_function_backend(const sj_function *f)
{
    return f ? f->backend : SJ_BACKEND_DEFAULT;
}

const char *sj_function_ir_dump(const sj_function *f)
{
    return f && f->ir_text ? f->ir_text : "";
}

char *sj_function_disassemble(const sj_function *f)
{
    if (f && f->code.disassemble)
        return f->code.disassemble(&f->code);
    return sj__strdup("");
}

size_t sj_function_code_size(const sj_function *f)
{
    return f ? f->code.code_size : 0;
}

size_t sj_function_state_size(const sj_function *f)
{
    size_t n = 0;
    for (uint32_t i = 0; f && i < f->nstates; i++)
        n += f->states[i]->type->state_size;
    return n + (f ? f->npv * sizeof(double) : 0);
}

/* ---- IR dump for tools: lowers against a throw-away function, so the context is unchanged ---- */

sj_status sj_ir_dump(sj_context *ctx, const sj_ast *ast, bool optimized, char **text, sj_diag *diag)
{
    if (text)
        *text = NULL;
    if (!ctx || !ast || !text)
        return sj__diag_set(diag, SJ_ERR_INVALID_ARGUMENT, NULL, "sj_ir_dump needs a context, a program and an output");
    builder B;
    sj_ir_func ir;
    sj_status st = lower_new_function(ctx, ast, optimized, &B, &ir, diag);
    if (st)
        return st;
    *text = sj__ir_to_text(&ir);
    if (!*text)
        st = sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
    sj__ir_fini(&ir);
    sj_function_free(B.fun);
    return st;
}

/*
 * The context (reference DSPNodeContext): the shared DSP state with its buffers, tables and atoms,
 * and the tables of node states by uid and persistent-variable names. See runtime.h for who owns
 * what.
 */
#include "runtime/runtime.h"
#include "base/alloc.h"

#include <string.h>

void sj_context_config_init(sj_context_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->atom_count = SJ_DEFAULT_ATOM_COUNT;
    cfg->backend = SJ_BACKEND_DEFAULT;
}

void sj__context_destroy(sj_context *ctx);

sj_context *sj_context_new(sj_library *lib, const sj_context_config *cfg)
{
    if (!lib)
        return NULL;
    sj_context *ctx = sj__calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    if (cfg)
        ctx->cfg = *cfg;
    else
        sj_context_config_init(&ctx->cfg);
    if (ctx->cfg.atom_count == 0)
        ctx->cfg.atom_count = SJ_DEFAULT_ATOM_COUNT;
    if (ctx->cfg.atom_count > SJ_MAX_ATOM_COUNT) {
        sj__free(ctx);
        return NULL;
    }
    ctx->lib = sj_library_retain(lib);
    ctx->atoms = sj__calloc(ctx->cfg.atom_count, sizeof *ctx->atoms);
    bool ok = ctx->atoms != NULL;
    /* Reference defaults: 16 buffers of 16 zeros, 16 tables of one 0.0. */
    for (size_t i = 0; i < SJ_BUFFER_COUNT && ok; i++) {
        ctx->bufs[i] = sj__calloc(SJ_BUFFER_DEFAULT_LEN, sizeof(double));
        ctx->buf_lens[i] = SJ_BUFFER_DEFAULT_LEN;
        ctx->buffer_declare[i] = ctx->buffer_lengths[i] = SJ_BUFFER_DEFAULT_LEN;
        ok = ctx->bufs[i] != NULL;
    }
    for (size_t i = 0; i < SJ_TABLE_COUNT && ok; i++) {
        ctx->tables[i] = sj__calloc(1, sizeof(float));
        ctx->table_lens[i] = 1;
        ok = ctx->tables[i] != NULL;
    }
    ctx->dsp = sj__context_default_dsp(ctx);
    if (!ok) {
        sj__context_destroy(ctx);
        return NULL;
    }
    return ctx;
}

sj_dsp_state sj__context_default_dsp(const sj_context *ctx)
{
    return (sj_dsp_state){.srate = 44100.0,
                          .israte = 1.0 / 44100.0,
                          .atoms = ctx->atoms,
                          .atom_count = ctx->cfg.atom_count,
                          .buffers = ctx->bufs,
                          .buffer_lens = ctx->buf_lens,
                          .tables = ctx->tables,
                          .table_lens = ctx->table_lens,
                          .user = ctx->cfg.user};
}

void sj__context_destroy(sj_context *ctx)
{
    for (size_t i = 0; i < SJ_BUFFER_COUNT; i++)
        sj__free(ctx->bufs[i]);
    for (size_t i = 0; i < SJ_TABLE_COUNT; i++)
        sj__free((void *)ctx->tables[i]);
    /* Records still here belong to no live function (a function removes its references when it is
     * freed), so they can go. */
    for (size_t i = 0; i < ctx->nstates; i++) {
        sj__free(ctx->states[i]->mem);
        sj__free(ctx->states[i]);
    }
    for (size_t i = 0; i < ctx->npvs; i++) {
        sj__free(ctx->pvs[i]->name);
        sj__free(ctx->pvs[i]);
    }
    sj__free(ctx->states);
    sj__free(ctx->pvs);
    sj__free(ctx->atoms);
    sj_library_release(ctx->lib);
    sj__free(ctx);
}

void sj_context_free(sj_context *ctx)
{
    if (!ctx)
        return;
    /* Functions still alive keep the context; the last one to be freed frees it. */
    if (ctx->live_functions) {
        ctx->freed = true;
        return;
    }
    sj__context_destroy(ctx);
}

sj_library *sj_context_library(const sj_context *ctx)
{
    return ctx ? ctx->lib : NULL;
}

sj_dsp_state *sj_context_dsp_state(sj_context *ctx)
{
    return ctx ? &ctx->dsp : NULL;
}

float sj_context_atom_get(const sj_context *ctx, size_t idx)
{
    return ctx ? sj_atom_load(&ctx->dsp, idx) : 0.0f;
}

void sj_context_atom_set(sj_context *ctx, size_t idx, float value)
{
    if (ctx)
        sj_atom_store(&ctx->dsp, idx, value);
}

size_t sj_context_atom_count(const sj_context *ctx)
{
    return ctx ? ctx->cfg.atom_count : 0;
}

sj_status sj_context_set_buffer(sj_context *ctx, size_t idx, const double *data, size_t len, bool preserve)
{
    if (!ctx || (!data && !preserve) || len == 0)
        return SJ_ERR_INVALID_ARGUMENT;
    if (idx >= SJ_BUFFER_COUNT)
        return SJ_ERR_UNKNOWN_BUFFER;
    if (len > SJ_MAX_BUFFER_LEN)
        return SJ_ERR_LIMIT;
    double *nb = sj__calloc(len, sizeof *nb);
    if (!nb)
        return SJ_ERR_NOMEM;
    /* Reference swap_buffer: the old samples are copied over the start of the new vector, so with
     * preserve the samples beyond min(old, new) are still the caller's (zeros without data). */
    if (data)
        memcpy(nb, data, len * sizeof *nb);
    if (preserve) {
        size_t keep = ctx->buf_lens[idx] < len ? (size_t)ctx->buf_lens[idx] : len;
        memcpy(nb, ctx->bufs[idx], keep * sizeof *nb);
    }
    sj__free(ctx->bufs[idx]);
    ctx->bufs[idx] = nb;
    ctx->buf_lens[idx] = len;
    return SJ_OK;
}

sj_status sj_context_set_table(sj_context *ctx, size_t idx, const float *data, size_t len)
{
    if (!ctx || !data || len == 0)
        return SJ_ERR_INVALID_ARGUMENT;
    if (idx >= SJ_TABLE_COUNT)
        return SJ_ERR_UNKNOWN_TABLE;
    if (len > SJ_MAX_BUFFER_LEN)
        return SJ_ERR_LIMIT;
    float *nt = sj__malloc(len * sizeof *nt);
    if (!nt)
        return SJ_ERR_NOMEM;
    memcpy(nt, data, len * sizeof *nt);
    sj__free((void *)ctx->tables[idx]);
    ctx->tables[idx] = nt;
    ctx->table_lens[idx] = len;
    return SJ_OK;
}

const double *sj_context_buffer(const sj_context *ctx, size_t idx, size_t *len)
{
    if (!ctx || idx >= SJ_BUFFER_COUNT)
        return NULL;
    if (len)
        *len = (size_t)ctx->buf_lens[idx];
    return ctx->bufs[idx];
}

const float *sj_context_table(const sj_context *ctx, size_t idx, size_t *len)
{
    if (!ctx || idx >= SJ_TABLE_COUNT)
        return NULL;
    if (len)
        *len = (size_t)ctx->table_lens[idx];
    return ctx->tables[idx];
}

size_t sj_context_persistent_var_count(const sj_context *ctx)
{
    return ctx ? ctx->npvs : 0;
}

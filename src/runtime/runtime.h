/*
 * Runtime internals shared by the context, functions and the engine.
 *
 * Ownership of state (decisions #6, #7):
 *   - A node state object (state_rec) is shared by every function that uses its uid, with a
 *     reference count; the context's table points at the current one for each uid. A uid whose
 *     node type changed gets a new object; the old one lives until the last function using it is
 *     freed. Objects no function uses any more are freed with that function (never on the audio
 *     thread: functions are freed on the compile side).
 *   - Persistent variables live in each function (copied by name from the previous function in
 *     init). Names are recorded in the context with a reference count and a never-reused id, which
 *     is what init matches on; a name no function uses is forgotten, so it comes back as 0.
 *   - Buffers, tables and atoms belong to the context (the shared sj_dsp_state).
 */
#ifndef SJ_RUNTIME_H
#define SJ_RUNTIME_H

#include "ir/ir.h"

typedef struct state_rec {
    uint64_t uid;
    const sj_node_type *type;
    void *mem;
    uint32_t refs;
    bool in_table; /* the context's table points at it */
} state_rec;

typedef struct pv_rec {
    char *name;
    uint64_t id;
    uint32_t refs;
    bool in_table;
} pv_rec;

/* A pending buffer resize, applied by init on the audio thread. */
typedef struct buffer_update {
    size_t idx;
    double *data; /* the new array; after init, the old one (freed with the function) */
    uint64_t len;
    bool preserve; /* keep the first min(old, new) samples (false: the buffer was released) */
} buffer_update;

struct sj_context {
    sj_library *lib;
    sj_context_config cfg;
    sj_dsp_state dsp;
    double *bufs[SJ_BUFFER_COUNT];
    uint64_t buf_lens[SJ_BUFFER_COUNT];
    const float *tables[SJ_TABLE_COUNT];
    uint64_t table_lens[SJ_TABLE_COUNT];
    uint32_t *atoms;
    /* Compile-side bookkeeping of buffer sizes (reference buffer_declare / buffer_lengths). */
    size_t buffer_declare[SJ_BUFFER_COUNT];
    size_t buffer_lengths[SJ_BUFFER_COUNT];
    state_rec **states;
    size_t nstates, states_cap;
    pv_rec **pvs;
    size_t npvs, pvs_cap;
    uint64_t next_pv_id;
    size_t live_functions;
    bool freed; /* sj_context_free was called while functions were alive */
};

/* The frames a kernel runs per call in sj_function_process (NULL inputs and outputs use
 * per-function scratch of this size). */
#define SJ_CHUNK 256

struct sj_function {
    sj_context *ctx;
    sj_code code;
    sj_backend_kind backend;
    state_rec **states;
    void **state_ptrs;
    uint32_t nstates, states_cap;
    uint32_t *new_states; /* indices into states reset by init */
    uint32_t nnew;
    pv_rec **pvs;
    double *pv;
    uint32_t *pv_order; /* slot indices sorted by pv id, for matching in init */
    uint32_t npv, pvs_cap;
    buffer_update *updates;
    uint32_t nupdates;
    bool updates_done;
    double aux[3];
    bool resetted;
    char *ir_text;
    double scratch[3][SJ_CHUNK];
};

/* Builds an env for a kernel call of f. */
void sj__function_env(sj_function *f, sj_env *env);
/* The shared state as a new context holds it: the default rate (44100), the context's atoms,
 * buffers, tables and user pointer. Reads only fields the audio side never writes. */
sj_dsp_state sj__context_default_dsp(const sj_context *ctx);

#endif

/*
 * sigjit: a just-in-time compiler for audio signal processing.
 *
 * This is the one public header. It covers:
 *   - the AST and its builder (the C front end; the text and block languages build the same AST),
 *   - node types and libraries (stateful and stateless nodes callable from programs),
 *   - contexts (node state by uid, persistent variables by name, buffers, tables, atoms),
 *   - compiled functions (per-sample exec, block processing, init/reset, state access),
 *   - the engine (a compile side and a real-time audio side joined by lock-free queues).
 *
 * Real-time contract: every function is marked [RT] (safe on the audio thread: no allocation, no free,
 * no lock, no system call) or [non-RT]. Only [RT] functions may be called from an audio callback.
 *
 * Threading: an sj_context and everything compiled from it belong to one compile-side thread at a
 * time; the functions they produce may run on another thread (the audio thread) through [RT] calls.
 * An sj_engine splits the two sides explicitly.
 *
 * Semantics follow the reference system (synfx-dsp-jit 0.6.2) with the fixes listed in docs/api.md.
 */
#ifndef SIGJIT_H
#define SIGJIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SJ_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------------------------------------------
 * Status codes. One table; sj_strerror gives the text. Codes that mirror the reference's
 * JITCompileError name it in the comment.
 */
#define SJ_STATUS_TABLE(X)                                                                          \
    X(SJ_OK, "ok")                                                                                  \
    X(SJ_ERR_NOMEM, "out of memory")                                                                \
    X(SJ_ERR_INVALID_ARGUMENT, "invalid argument")                                                  \
    X(SJ_ERR_UNDEFINED_VARIABLE, "undefined variable")             /* UndefinedVariable */          \
    X(SJ_ERR_UNKNOWN_TABLE, "unknown table")                       /* UnknownTable */               \
    X(SJ_ERR_INVALID_RETURN_VALUE_ACCESS, "invalid return value access") /* InvalidReturnValueAccess */ \
    X(SJ_ERR_UNDEFINED_NODE, "undefined DSP node")                 /* UndefinedDSPNode */           \
    X(SJ_ERR_UNKNOWN_BUFFER, "unknown buffer")                     /* UnknownBuffer */              \
    X(SJ_ERR_NO_VALUE_BUFFER_WRITE, "buffer write without a value") /* NoValueBufferWrite */        \
    X(SJ_ERR_NOT_ENOUGH_ARGS, "not enough arguments in call")      /* NotEnoughArgsInCall */        \
    X(SJ_ERR_NODE_STATE, "node state error")                       /* NodeStateError */             \
    X(SJ_ERR_TOO_DEEP, "program nested too deeply")                                                 \
    X(SJ_ERR_LIMIT, "size limit exceeded")                                                          \
    X(SJ_ERR_BAD_NODE_TYPE, "invalid node type descriptor")                                         \
    X(SJ_ERR_QUEUE_FULL, "queue full, try again")                                                   \
    X(SJ_ERR_NOT_FOUND, "not found")                                                                \
    X(SJ_ERR_SYNTAX, "syntax error")                                                                \
    X(SJ_ERR_IO, "input/output error")                                                              \
    X(SJ_ERR_UNSUPPORTED, "not supported on this platform")                                         \
    X(SJ_ERR_INTERNAL, "internal error")

typedef enum sj_status {
#define SJ__ENUM(name, text) name,
    SJ_STATUS_TABLE(SJ__ENUM)
#undef SJ__ENUM
    SJ_STATUS_COUNT
} sj_status;

/* [RT] A static string describing the status. Never NULL. */
const char *sj_strerror(sj_status status);
/* [RT] The enum name of the status, e.g. "SJ_ERR_UNKNOWN_BUFFER". Never NULL. */
const char *sj_status_name(sj_status status);

/* ------------------------------------------------------------------------------------------------
 * Allocator. Every allocation of the library goes through it. Set it once, before any other call
 * (it is process-wide). NULL restores the C library's malloc/realloc/free.
 */
typedef struct sj_allocator {
    void *(*realloc)(void *user, void *ptr, size_t size); /* size 0 never happens; free is separate */
    void (*free)(void *user, void *ptr);
    void *user;
} sj_allocator;
/* [non-RT] */
void sj_set_allocator(const sj_allocator *allocator);

/* ------------------------------------------------------------------------------------------------
 * AST (reference §1). Nodes are heap objects; a node given to a builder as a child is owned by the
 * new parent. Builders return NULL on allocation failure or when a child is NULL, and then free all
 * the children they were given, so nested builder calls never leak: check only the outermost result.
 * The struct is readable (front ends and printers walk it); change it only through the builder.
 */
typedef enum sj_ast_kind {
    SJ_AST_LIT,         /* value */
    SJ_AST_VAR,         /* name */
    SJ_AST_ASSIGN,      /* name, kids[0] = expression */
    SJ_AST_BINOP,       /* op = sj_binop, kids[0], kids[1] */
    SJ_AST_IF,          /* kids[0] = condition, kids[1] = then, kids[2] = else (optional) */
    SJ_AST_CALL,        /* name, uid, kids = arguments */
    SJ_AST_BUF_DECLARE, /* index, len */
    SJ_AST_BUF_OP,      /* op = sj_bufop, index, kids[0] = index expression, kids[1] = value (write) */
    SJ_AST_LEN,         /* op = sj_lenop, index */
    SJ_AST_STMTS        /* kids = statements */
} sj_ast_kind;

typedef enum sj_binary_op { SJ_ADD, SJ_SUB, SJ_MUL, SJ_DIV, SJ_EQ, SJ_NE, SJ_LT, SJ_LE, SJ_GT, SJ_GE } sj_binary_op;
typedef enum sj_bufop {
    SJ_BUF_WRITE,
    SJ_BUF_READ,
    SJ_BUF_READ_LIN,
    SJ_TABLE_READ,
    SJ_TABLE_READ_LIN
} sj_bufop;
typedef enum sj_lenop { SJ_LEN_BUFFER, SJ_LEN_TABLE } sj_lenop;

typedef struct sj_ast {
    sj_ast_kind kind;
    int op;              /* sj_binary_op, sj_bufop or sj_lenop */
    double value;        /* SJ_AST_LIT */
    char *name;          /* SJ_AST_VAR, SJ_AST_ASSIGN, SJ_AST_CALL */
    uint64_t uid;        /* SJ_AST_CALL: identity of the node state */
    size_t index;        /* SJ_AST_BUF_DECLARE, SJ_AST_BUF_OP, SJ_AST_LEN: buffer or table index */
    size_t len;          /* SJ_AST_BUF_DECLARE: length in samples */
    struct sj_ast **kids;
    size_t nkids;
    size_t height;       /* 1 + the largest height of the kids; compilers check it before recursing */
    int line, col;       /* source position set by a front end (0 = unknown), reported in diagnostics */
    /* private */
    size_t kids_cap_;
    bool attached_;
    struct sj_ast *link_;
} sj_ast;

/* [non-RT] Builders (reference module `build`). Names are copied. */
sj_ast *sj_lit(double value);
sj_ast *sj_var(const char *name);
sj_ast *sj_assign(const char *name, sj_ast *expr);
sj_ast *sj_binop(sj_binary_op op, sj_ast *a, sj_ast *b);
sj_ast *sj_add(sj_ast *a, sj_ast *b);
sj_ast *sj_sub(sj_ast *a, sj_ast *b);
sj_ast *sj_mul(sj_ast *a, sj_ast *b);
sj_ast *sj_div(sj_ast *a, sj_ast *b);
sj_ast *sj_eq(sj_ast *a, sj_ast *b);
sj_ast *sj_ne(sj_ast *a, sj_ast *b);
sj_ast *sj_lt(sj_ast *a, sj_ast *b);
sj_ast *sj_le(sj_ast *a, sj_ast *b);
sj_ast *sj_gt(sj_ast *a, sj_ast *b);
sj_ast *sj_ge(sj_ast *a, sj_ast *b);
/* else_ may be NULL (no else branch); that is not a failure. */
sj_ast *sj_if(sj_ast *cond, sj_ast *then_, sj_ast *else_);
/* A call of a node: nargs arguments follow. */
sj_ast *sj_call(const char *name, uint64_t uid, size_t nargs, ...);
sj_ast *sj_call_v(const char *name, uint64_t uid, sj_ast *const *args, size_t nargs);
sj_ast *sj_stmts(size_t n, ...);
sj_ast *sj_stmts_v(sj_ast *const *stmts, size_t n);
sj_ast *sj_buf_declare(size_t buf_idx, size_t len);
sj_ast *sj_buf_len(size_t buf_idx);
sj_ast *sj_table_len(size_t tbl_idx);
sj_ast *sj_buf_write(size_t buf_idx, sj_ast *idx, sj_ast *val);
sj_ast *sj_buf_read(size_t buf_idx, sj_ast *idx);
sj_ast *sj_buf_read_lin(size_t buf_idx, sj_ast *idx);
sj_ast *sj_table_read(size_t tbl_idx, sj_ast *idx);
sj_ast *sj_table_read_lin(size_t tbl_idx, sj_ast *idx);
/* A buffer write without a value (compiles to SJ_ERR_NO_VALUE_BUFFER_WRITE, as in the reference). */
sj_ast *sj_buf_op(sj_bufop op, size_t idx_, sj_ast *idx, sj_ast *val_or_null);
/* Appends a child to a STMTS or CALL node that has no parent yet. On failure the child is freed. */
sj_status sj_ast_push(sj_ast *parent, sj_ast *child);
/* Records a source position on a node (front ends). Returns node. */
sj_ast *sj_ast_at(sj_ast *node, int line, int col);
/* A deep copy, or NULL on allocation failure. */
sj_ast *sj_ast_clone(const sj_ast *node);
/* Structural equality (kinds, ops, values (bitwise), names, uids, indices, kids; not positions). */
bool sj_ast_equal(const sj_ast *a, const sj_ast *b);
/* Frees a tree (iteratively: any depth). NULL is fine. */
void sj_ast_free(sj_ast *node);

/* Pre-order walk (reference walk_ast). The callback returns false to stop. Returns SJ_OK, or
 * SJ_ERR_NOMEM (the walk keeps an explicit stack, so depth is unlimited). */
typedef bool (*sj_ast_visitor)(const sj_ast *node, size_t depth, void *user);
sj_status sj_ast_walk(const sj_ast *root, sj_ast_visitor visit, void *user);

/* The reference's dump format (ASTNode::dump, §1.6). Returns a malloc'ed string (free with
 * sj_free) or NULL on allocation failure. */
char *sj_ast_dump(const sj_ast *node);
/* Frees memory returned by the library (strings, dumps). */
void sj_free(void *ptr);

/* The deepest AST the compiler accepts (SJ_ERR_TOO_DEEP above it). */
#define SJ_MAX_AST_HEIGHT 2000

/* ------------------------------------------------------------------------------------------------
 * Diagnostics. A failed call fills an sj_diag when one is passed.
 */
typedef struct sj_diag {
    sj_status code;
    char message[256];     /* full text, e.g. "unknown buffer 17" */
    char name[64];         /* offending variable or node name, if any */
    uint64_t uid;          /* offending call uid, if any */
    size_t index;          /* offending buffer or table index, if any */
    const sj_ast *node;    /* offending node in the compiled AST, if any */
    int line, col;         /* the node's source position, if the front end set one */
} sj_diag;

/* ------------------------------------------------------------------------------------------------
 * DSP state shared by all functions of a context (the reference's DSPState). Nodes with a 'D' in
 * their signature receive a pointer to it.
 */
typedef struct sj_dsp_state {
    double x, y;          /* scratch (the reference's tests use them) */
    double srate;         /* 44100 until the first init */
    double israte;
    uint32_t *atoms;      /* f32 bit patterns, accessed atomically (sj_atom_load / sj_atom_store) */
    size_t atom_count;
    double *const *buffers;         /* SJ_BUFFER_COUNT buffers */
    const uint64_t *buffer_lens;
    const float *const *tables;     /* SJ_TABLE_COUNT tables */
    const uint64_t *table_lens;
    void *user;                     /* sj_context_config.user */
} sj_dsp_state;

#define SJ_BUFFER_COUNT 16
#define SJ_TABLE_COUNT 16
#define SJ_BUFFER_DEFAULT_LEN 16
/* The largest buffer or table (samples); larger declarations fail with SJ_ERR_LIMIT. */
#define SJ_MAX_BUFFER_LEN ((size_t)1 << 27)
#define SJ_DEFAULT_ATOM_COUNT 512
#define SJ_MAX_ATOM_COUNT ((size_t)1 << 20)

/* [RT] Atom access (relaxed atomics, f32 storage as in the reference). */
float sj_atom_load(const sj_dsp_state *state, size_t idx);
void sj_atom_store(sj_dsp_state *state, size_t idx, float value);
/* [RT] The index rule of buffers, tables and atoms (decisions #3): floor(x) wrapped into [0, len)
 * with a Euclidean modulo; NaN and infinities give 0. len must be >= 1. */
uint64_t sj_wrap_index(double x, uint64_t len);

/* ------------------------------------------------------------------------------------------------
 * Node types (reference §3). A node is a C function called with its arguments in the order of its
 * signature letters:
 *   'v' a double input (consumes the next call argument),
 *   'D' sj_dsp_state *,
 *   'S' void * to this call's own state (state_size bytes, 16-byte aligned, kept by uid),
 *   'M' double * to the 5 multi-return slots (%1..%5),
 *   'r' (last) the function returns a double; without it the call's value is 0.0.
 * Limits: at most 8 'v'; D, S and M at most once each. Example: "vvSr" is
 *   double fn(double a, double b, void *state).
 */
typedef struct sj_node_type {
    const char *name;           /* call name, e.g. "phase" */
    const char *doc;            /* documentation (Markdown, one paragraph or more) */
    const char *const *inputs;  /* input port names, NULL-terminated (may be NULL: none) */
    const char *const *outputs; /* output port names, NULL-terminated; outputs[k>0] is read as %k */
    const char *signature;      /* see above */
    size_t state_size;          /* bytes of state for 'S' nodes (> 0), else 0 */
    /* [RT] Resets a state to its initial values (also called once after allocation). May be NULL
     * (the state is zeroed). */
    void (*reset)(sj_dsp_state *dsp, void *state);
    void (*fn)(void);           /* the node function, cast to its real type when called */
} sj_node_type;

typedef struct sj_library sj_library;

/* [non-RT] An empty library. */
sj_library *sj_library_new(void);
/* [non-RT] The standard library: the reference's nodes (sin, accum, /%, phase, atomw, atomr, atomr~,
 * s&h, s&h~), math functions and the sigjit node set. See docs/nodes.md. */
sj_library *sj_library_new_std(void);
/* [non-RT] Adds a type (the struct is copied; its strings and arrays must outlive the library).
 * A later type with the same name replaces the earlier one. Checks the descriptor
 * (SJ_ERR_BAD_NODE_TYPE with a message in diag). */
sj_status sj_library_add(sj_library *lib, const sj_node_type *type, sj_diag *diag);
/* [RT] Lookup; NULL if none. */
const sj_node_type *sj_library_find(const sj_library *lib, const char *name);
/* [RT] Types in insertion order. */
size_t sj_library_count(const sj_library *lib);
const sj_node_type *sj_library_at(const sj_library *lib, size_t i);
/* [non-RT] Libraries are reference counted: contexts and engines keep one. */
sj_library *sj_library_retain(sj_library *lib);
void sj_library_release(sj_library *lib);

/* [RT] Helpers over a descriptor. */
bool sj_node_type_is_stateful(const sj_node_type *type);
bool sj_node_type_has_return(const sj_node_type *type);
size_t sj_node_type_input_count(const sj_node_type *type);
size_t sj_node_type_output_count(const sj_node_type *type);
/* Number of 'v' letters: the arguments a call consumes. */
size_t sj_node_type_arg_count(const sj_node_type *type);

/* ------------------------------------------------------------------------------------------------
 * Context (reference DSPNodeContext): the home of node state, persistent variables, buffers,
 * tables and atoms, shared by every function compiled in it.
 */
typedef enum sj_backend_kind {
    SJ_BACKEND_DEFAULT,     /* native where supported, else the interpreter; SIGJIT_BACKEND=interp|native overrides */
    SJ_BACKEND_INTERP,
    SJ_BACKEND_NATIVE
} sj_backend_kind;

typedef struct sj_context_config {
    size_t atom_count;      /* default SJ_DEFAULT_ATOM_COUNT (512) */
    sj_backend_kind backend;
    void *user;             /* copied into sj_dsp_state.user */
} sj_context_config;

typedef struct sj_context sj_context;
typedef struct sj_function sj_function;

/* [non-RT] Defaults for the config. */
void sj_context_config_init(sj_context_config *cfg);
/* [non-RT] cfg may be NULL (defaults). lib is retained. Returns NULL on allocation failure. */
sj_context *sj_context_new(sj_library *lib, const sj_context_config *cfg);
/* [non-RT] Frees the context. Functions compiled in it must be freed first. */
void sj_context_free(sj_context *ctx);
sj_library *sj_context_library(const sj_context *ctx);
/* [RT] The shared DSP state. */
sj_dsp_state *sj_context_dsp_state(sj_context *ctx);

/* [RT] Atoms (relaxed). Out-of-range reads give 0, writes are ignored (as the reference engine). */
float sj_context_atom_get(const sj_context *ctx, size_t idx);
void sj_context_atom_set(sj_context *ctx, size_t idx, float value);
size_t sj_context_atom_count(const sj_context *ctx);

/* [non-RT] Replaces buffer idx with a copy of data[0..len) (len >= 1). With preserve, the first
 * min(old, new) samples of the old buffer are kept instead (the rest come from data, or are 0.0 if
 * data is NULL), as the reference's swap_buffer. SJ_ERR_UNKNOWN_BUFFER, SJ_ERR_LIMIT. */
sj_status sj_context_set_buffer(sj_context *ctx, size_t idx, const double *data, size_t len, bool preserve);
/* [non-RT] Replaces table idx with a copy of data[0..len) (len >= 1). */
sj_status sj_context_set_table(sj_context *ctx, size_t idx, const float *data, size_t len);
/* [RT] Current contents (NULL if idx is out of range). */
const double *sj_context_buffer(const sj_context *ctx, size_t idx, size_t *len);
const float *sj_context_table(const sj_context *ctx, size_t idx, size_t *len);

/* [non-RT] Persistent-variable names known to the context ("*name"), for tools. */
size_t sj_context_persistent_var_count(const sj_context *ctx);

/* ------------------------------------------------------------------------------------------------
 * Compiling and running functions (reference JIT::compile + DSPFunction).
 */
typedef struct sj_compile_options {
    sj_backend_kind backend;    /* SJ_BACKEND_DEFAULT: the context's choice */
    bool keep_ir_dump;          /* keep the IR text (sj_function_ir_dump) */
} sj_compile_options;

/* [non-RT] Compiles ast in ctx. On success *out is a new function: call sj_function_init before
 * the first exec when state must be migrated from a previous function or new node states reset.
 * On failure returns the error, fills diag (may be NULL) and changes nothing observable in ctx. */
sj_status sj_compile(sj_context *ctx, const sj_ast *ast, const sj_compile_options *opt, sj_function **out,
                     sj_diag *diag);

/* [non-RT] One call: a standard library, a new context and a compiled function (reference
 * instant_compile_ast). Free the function, then the context. */
sj_status sj_instant_compile(const sj_ast *ast, sj_context **ctx_out, sj_function **fun_out, sj_diag *diag);

/* [RT] reference DSPFunction::init(srate, previous). Copies persistent variables by name from
 * previous (if any; else marks the function as reset so $reset reads 1 on the first exec), applies
 * pending buffer resizes (keeping contents), sets the sample rate and resets node states that are
 * new in this function. Until the first init (or set_sample_rate), $srate and $israte read 0.0, as
 * in the reference. */
void sj_function_init(sj_function *fun, double srate, const sj_function *previous);

/* [RT] One sample. sig1/sig2 are read as the initial values of &sig1/&sig2 and receive the final
 * ones (NULL: start at 0.0, result dropped). Returns the program's value. */
double sj_function_exec(sj_function *fun, double in1, double in2, double alpha, double beta, double delta,
                        double gamma, double *sig1, double *sig2);

typedef struct sj_frame {
    double sig1, sig2, ret;
} sj_frame;
/* [RT] reference exec_2in_2out: alpha..gamma = 0, sig1 = sig2 = 0 on entry. */
sj_frame sj_function_exec_2in_2out(sj_function *fun, double in1, double in2);

/* Block processing: inputs and outputs as arrays of n frames. A NULL input reads 0.0, a NULL
 * output is not written. &sig1/&sig2 start at 0.0 on every frame. */
typedef struct sj_block_io {
    const double *in[6];    /* in1, in2, alpha, beta, delta, gamma */
    double *sig1, *sig2, *ret;
} sj_block_io;
/* [RT] Runs n frames; equal to n calls of sj_function_exec with zeroed sig1/sig2. */
void sj_function_process(sj_function *fun, const sj_block_io *io, size_t n);

/* [RT] reference reset(): all node states reset, persistent variables zeroed, $reset = 1 next. */
void sj_function_reset(sj_function *fun);
/* [RT] reference set_sample_rate(): sets the rate, then reset(). */
void sj_function_set_sample_rate(sj_function *fun, double srate);

/* [RT] Persistent variables by name ("*phase"). false if this function has no such variable. */
bool sj_function_get_pv(const sj_function *fun, const char *name, double *value);
bool sj_function_set_pv(sj_function *fun, const char *name, double value);
/* [RT] The state of the stateful call with this uid, or NULL (reference with_node_state). */
void *sj_function_node_state(const sj_function *fun, uint64_t uid);
bool sj_function_has_node_state(const sj_function *fun, uint64_t uid);
/* [RT] The node type of a uid in this function, or NULL. */
const sj_node_type *sj_function_node_type(const sj_function *fun, uint64_t uid);
/* [RT] The DSP state of the function's context. */
sj_dsp_state *sj_function_dsp_state(sj_function *fun);
/* [RT] Which backend runs it. */
sj_backend_kind sj_function_backend(const sj_function *fun);

/* [non-RT] IR text (when compiled with keep_ir_dump), or "". */
const char *sj_function_ir_dump(const sj_function *fun);
/* [non-RT] A disassembly of native code ("" for the interpreter). Free with sj_free. */
char *sj_function_disassemble(const sj_function *fun);
/* Sizes for reports: machine code bytes (0 for the interpreter) and state bytes it references. */
size_t sj_function_code_size(const sj_function *fun);
size_t sj_function_state_size(const sj_function *fun);

/* [non-RT] Frees a function (and releases state that no other function uses). Not on the audio
 * thread. NULL is fine. */
void sj_function_free(sj_function *fun);

/* ------------------------------------------------------------------------------------------------
 * IR access for tools (sigjit dump --ir): lowers without creating a function. Free with sj_free.
 */
sj_status sj_ir_dump(sj_context *ctx, const sj_ast *ast, bool optimized, char **text, sj_diag *diag);

/* ------------------------------------------------------------------------------------------------
 * Engine (reference CodeEngine / CodeEngineBackend). The compile side (sj_engine_*) runs on a
 * normal thread; the audio side (sj_backend_*) on the audio thread. Between them: two lock-free
 * single-producer/single-consumer queues. Old functions, buffers and tables come back to the
 * compile side and are freed there by sj_engine_collect (call it regularly).
 */
typedef struct sj_engine sj_engine;
typedef struct sj_backend sj_backend;

#define SJ_ENGINE_QUEUE_SIZE 128

/* [non-RT] lib may be NULL (the standard library). cfg may be NULL. */
sj_engine *sj_engine_new(sj_library *lib, const sj_context_config *cfg);
/* [non-RT] Frees the engine and its backend. The audio side must have stopped using the backend. */
void sj_engine_free(sj_engine *eng);
sj_context *sj_engine_context(sj_engine *eng);

/* [non-RT] Compiles ast and queues it for the audio side. On SJ_ERR_QUEUE_FULL nothing was queued
 * (call sj_engine_collect and retry); on a compile error the playing function stays. */
sj_status sj_engine_upload(sj_engine *eng, const sj_ast *ast, sj_diag *diag);
/* [non-RT] Copies data and queues it as buffer idx (contents replaced, not preserved). */
sj_status sj_engine_send_buffer(sj_engine *eng, size_t idx, const double *data, size_t len);
/* [non-RT] Copies data and queues it as table idx. */
sj_status sj_engine_send_table(sj_engine *eng, size_t idx, const float *data, size_t len);
/* [non-RT] Queues a reset of the playing function. */
sj_status sj_engine_reset(sj_engine *eng);
/* [non-RT] Frees what the audio side handed back. Returns the number of objects freed. */
size_t sj_engine_collect(sj_engine *eng);
/* [RT] Atoms (the audio side reads them through atomr). */
float sj_engine_atom_get(const sj_engine *eng, size_t idx);
void sj_engine_atom_set(sj_engine *eng, size_t idx, float value);
/* [non-RT] Debug info in the reference's format, always the full frame:
 *   "---------- AST ----------\n{ast}\n------- JIT IR -------\n{ir}\n---------- END ----------"
 * {ast}: the AST dump of the last upload made while debug was on (recorded before compiling, so
 * also a failed one); {ir}: the IR of the last successful such upload; both empty until then. */
void sj_engine_set_debug(sj_engine *eng, bool on);
const char *sj_engine_debug_info(sj_engine *eng);

/* [non-RT] The audio side (one per engine, created with the engine, playing a function that
 * returns 0.0 until the first upload arrives). */
sj_backend *sj_engine_backend(sj_engine *eng);

/* [RT] Applies queued updates (new function with state kept, buffers, tables, reset). Call once
 * per audio block, before processing. Returns the number of updates applied. */
size_t sj_backend_process_updates(sj_backend *be);
/* [RT] One frame, as the reference's backend (sig1 = sig2 = 0 on entry). The audio side processes
 * with denormals flushed to zero (FTZ/DAZ on x86-64), restoring the caller's mode afterwards. */
sj_frame sj_backend_process(sj_backend *be, double in1, double in2, double alpha, double beta, double delta,
                            double gamma);
/* [RT] n frames. */
void sj_backend_process_block(sj_backend *be, const sj_block_io *io, size_t n);
/* [RT] Sets the sample rate (and resets the function, as the reference). */
void sj_backend_set_sample_rate(sj_backend *be, double srate);
double sj_backend_sample_rate(const sj_backend *be);
/* [RT] Resets the playing function (reference clear()). */
void sj_backend_clear(sj_backend *be);
/* [RT] The playing function (for inspection on the audio side). */
sj_function *sj_backend_function(sj_backend *be);

/* ------------------------------------------------------------------------------------------------
 * Block language (reference WBlockDSP, §5; docs/blocks.md). Programs are blocks on a grid: a block
 * is one cell wide and spans `rows` cells downwards; its input ports face left and its output ports
 * face right, one per row at most. An output feeds the input in the cell to its right: connections
 * are purely geometric. Blocks such as `if` own sub-areas (grids of their own). Block ids (from 1)
 * are the state uids of the calls they compile to, so moving a block keeps its state.
 * All of it is [non-RT]. Nothing here aborts: every operation returns a status.
 */
typedef struct sj_blocklang sj_blocklang;
typedef struct sj_blockfun sj_blockfun;
typedef struct sj_block_chain sj_block_chain;

typedef enum sj_block_user_input {
    SJ_BLOCK_INPUT_NONE,
    SJ_BLOCK_INPUT_FLOAT,
    SJ_BLOCK_INPUT_INTEGER,
    SJ_BLOCK_INPUT_IDENTIFIER,
    SJ_BLOCK_INPUT_CLIENT_DECISION
} sj_block_user_input;

/* A block type (reference BlockType). inputs/outputs hold one entry per row from row 0; a NULL
 * entry means no port on that row; "" is an unnamed port. */
typedef struct sj_block_type {
    const char *category;
    const char *name;
    const char *description;
    size_t rows;
    const char *const *inputs;
    size_t ninputs;
    const char *const *outputs;
    size_t noutputs;
    size_t area_count; /* sub-areas: 0, 1 or 2 */
    sj_block_user_input user_input;
    size_t color;
} sj_block_type;

/* The language: the built-in types (zero, π, 2π, value, ->, ->2, ->3, set, get, if, + - * /), one
 * type per node of lib (NULL: built-ins only) and the identifiers offered for get/set. The library
 * is only read during the call. NULL on allocation failure. */
sj_blocklang *sj_blocklang_new(const sj_library *lib);
void sj_blocklang_free(sj_blocklang *lang);
/* Adds a type (copied); a type with the same name is replaced. */
sj_status sj_blocklang_define(sj_blocklang *lang, const sj_block_type *type);
sj_status sj_blocklang_define_identifier(sj_blocklang *lang, const char *identifier);
/* Types in definition order; lookup by name (NULL if none). */
size_t sj_blocklang_type_count(const sj_blocklang *lang);
const sj_block_type *sj_blocklang_type_at(const sj_blocklang *lang, size_t i);
const sj_block_type *sj_blocklang_find(const sj_blocklang *lang, const char *name);
/* Identifiers, sorted (byte order). */
size_t sj_blocklang_identifier_count(const sj_blocklang *lang);
const char *sj_blocklang_identifier_at(const sj_blocklang *lang, size_t i);
bool sj_blocklang_is_identifier(const sj_blocklang *lang, const char *identifier);

/* What went wrong in the last editing operation (reference BlockDSPError, plus the cases where the
 * reference would panic). */
typedef enum sj_block_error_kind {
    SJ_BLOCK_OK,
    SJ_BLOCK_ERR_UNKNOWN_AREA,  /* UnknownArea(area) */
    SJ_BLOCK_ERR_UNKNOWN_TYPE,  /* UnknownLanguageType(name) */
    SJ_BLOCK_ERR_NO_BLOCK_AT,   /* NoBlockAt(area, x, y) */
    SJ_BLOCK_ERR_CIRCULAR,      /* CircularAction(area, area2) */
    SJ_BLOCK_ERR_NO_SPACE,      /* NoSpaceAvailable(area, x, y, rows) */
    SJ_BLOCK_ERR_BAD_ROW,       /* shift_port with row >= rows */
    SJ_BLOCK_ERR_OUT_OF_RANGE,  /* a coordinate beyond +-SJ_BLOCK_COORD_MAX */
    SJ_BLOCK_ERR_NOMEM
} sj_block_error_kind;

typedef struct sj_block_error {
    sj_block_error_kind kind;
    size_t area, area2; /* area ids of the error (area2: CircularAction) */
    int64_t x, y;
    size_t rows;
    char name[64];      /* the unknown type name */
    char message[256];  /* full text, e.g. "no space available in area 0 at (1,2) for 2 rows" */
} sj_block_error;

/* Largest |x| and |y| of a block origin. */
#define SJ_BLOCK_COORD_MAX ((int64_t)1 << 24)

/* A block as the queries report it. Pointers stay valid until the next change of the program. */
typedef struct sj_block_info {
    size_t id;
    size_t rows;
    bool has_sub[2];
    size_t sub[2];      /* sub-area ids (if has_sub) */
    bool expanded;
    const char *type;
    const char *label;
    const char *const *inputs; /* per row, NULL = no port */
    size_t ninputs;
    const char *const *outputs;
    size_t noutputs;
    size_t color;
    size_t area;        /* the area holding the block */
    int64_t x, y;       /* its origin (top cell) */
} sj_block_info;

/* A new program: area 0 (the root, 16x16, never shrinks), no blocks, generation 0. lang must
 * outlive the program. NULL on allocation failure. */
sj_blockfun *sj_blockfun_new(const sj_blocklang *lang);
void sj_blockfun_free(sj_blockfun *fun);
const sj_blocklang *sj_blockfun_language(const sj_blockfun *fun);
/* The error of the last failed operation (kind SJ_BLOCK_OK after a success). */
const sj_block_error *sj_blockfun_last_error(const sj_blockfun *fun);

/* Editing (reference BlockFun, §5.3). Each returns SJ_OK or an error (details in last_error):
 * SJ_ERR_NOT_FOUND (unknown area, unknown type, no block), SJ_ERR_INVALID_ARGUMENT (circular
 * action, no space, bad row), SJ_ERR_LIMIT (coordinate out of range), SJ_ERR_NOMEM. A failed
 * operation leaves the program as it was (the generation may still have been bumped where the
 * reference bumps it). Blocks are found by any cell they cover. */
/* Places a new block of type with its top cell at (x,y); user_input is the label (NULL: the type
 * name). Blocks with sub-areas get new empty auto-shrinking sub-areas. */
sj_status sj_blockfun_instantiate(sj_blockfun *fun, size_t area, int64_t x, int64_t y, const char *type,
                                  const char *user_input);
/* Removes the block (its sub-areas stay, orphaned, as in the reference). */
sj_status sj_blockfun_remove(sj_blockfun *fun, size_t area, int64_t x, int64_t y);
/* Moves the input (or output) port of row one row down, wrapping around. */
sj_status sj_blockfun_shift_port(sj_blockfun *fun, size_t area, int64_t x, int64_t y, size_t row, bool output);
/* Sets the label (the user input) of a block. */
sj_status sj_blockfun_set_label(sj_blockfun *fun, size_t area, int64_t x, int64_t y, const char *label);
/* Moves a block, keeping its id. (x,y) may be any cell of it; the destination is where that cell
 * goes. */
sj_status sj_blockfun_move_block(sj_blockfun *fun, size_t area, int64_t x, int64_t y, size_t area2, int64_t x2,
                                 int64_t y2);
/* Copies a block with a new id and new empty sub-areas. */
sj_status sj_blockfun_clone_block(sj_blockfun *fun, size_t area, int64_t x, int64_t y, size_t area2, int64_t x2,
                                  int64_t y2);
/* Moves the chain of blocks connected to the block at (x,y), trying nearby offsets when the exact
 * place is taken (§5.3). */
sj_status sj_blockfun_move_chain(sj_blockfun *fun, size_t area, int64_t x, int64_t y, size_t area2, int64_t x2,
                                 int64_t y2);
/* Splits the chain after column x: blocks right of x move one column right; the clicked row gets a
 * gap, the other connections across the cut get a filler block (filler: a type name such as "->",
 * or NULL for none). */
sj_status sj_blockfun_split_chain(sj_blockfun *fun, size_t area, int64_t x, int64_t y, const char *filler);
/* The chain at (x,y): copies of its blocks (remove: taken out of the area, without a generation bump,
 * as in the reference; else cloned with new ids), sorted by x then y. Free with sj_block_chain_free. */
sj_status sj_blockfun_retrieve_chain(sj_blockfun *fun, size_t area, int64_t x, int64_t y, bool remove,
                                     sj_block_chain **out);
size_t sj_block_chain_count(const sj_block_chain *chain);
/* Block i of the chain (info.x/y: its position when retrieved); is_source: no input ports,
 * is_sink: no output ports. */
bool sj_block_chain_at(const sj_block_chain *chain, size_t i, sj_block_info *info, bool *is_source,
                       bool *is_sink);
void sj_block_chain_free(sj_block_chain *chain);
/* Recomputes every area's size from its blocks and sub-areas (§5.3). */
sj_status sj_blockfun_recalculate_area_sizes(sj_blockfun *fun);

/* Queries. */
uint64_t sj_blockfun_generation(const sj_blockfun *fun);
/* True while nothing was done to the program (generation 0). */
bool sj_blockfun_is_unset(const sj_blockfun *fun);
/* The last block id handed out (ids start at 1). */
size_t sj_blockfun_current_id(const sj_blockfun *fun);
size_t sj_blockfun_area_count(const sj_blockfun *fun);
/* Size of an area ((0,0) and false if unknown). */
bool sj_blockfun_area_size(const sj_blockfun *fun, size_t area, size_t *w, size_t *h);
bool sj_blockfun_area_auto_shrink(const sj_blockfun *fun, size_t area);
const char *sj_blockfun_area_header(const sj_blockfun *fun, size_t area); /* NULL if unknown */
/* The block whose origin is (x,y) (reference block_at: only the top cell). */
bool sj_blockfun_block_at(const sj_blockfun *fun, size_t area, int64_t x, int64_t y, sj_block_info *info);
/* The block covering (x,y) (any of its cells). */
bool sj_blockfun_block_covering(const sj_blockfun *fun, size_t area, int64_t x, int64_t y, sj_block_info *info);
/* The origin of the block covering (x,y). */
bool sj_blockfun_origin_at(const sj_blockfun *fun, size_t area, int64_t x, int64_t y, int64_t *xo, int64_t *yo);
/* Blocks of an area in a stable order (by y, then x). */
size_t sj_blockfun_block_count(const sj_blockfun *fun, size_t area);
bool sj_blockfun_block_index(const sj_blockfun *fun, size_t area, size_t i, sj_block_info *info);
/* The block with this id, in any area. */
bool sj_blockfun_find_block(const sj_blockfun *fun, size_t id, sj_block_info *info);
/* True if area_id is (transitively) a sub-area of the block covering (x,y) in area a. */
bool sj_blockfun_area_is_subarea_of(const sj_blockfun *fun, size_t area_id, size_t a, int64_t x, int64_t y);

/* Files: the reference's JSON snapshot (VERSION 1, §5.4), keys sorted, blocks by y then x.
 * save returns a string to sj_free (NULL on allocation failure). load replaces the program (and bumps
 * the generation); on error the program is unchanged and diag says where and what. */
char *sj_blockfun_save_json(const sj_blockfun *fun);
sj_status sj_blockfun_load_json(sj_blockfun *fun, const char *json, size_t len, sj_diag *diag);

/* Compiles the grid to an AST (§5.5-5.6 with the fixes of docs/blocks.md: `if` compiles, π and 2π are
 * constants, no temporary is read before it is set). The AST has the reference's shape
 * stmts[stmts[...], var(_res_)]. On error diag->uid is the offending block id (0 if none). */
sj_status sj_blockfun_compile(const sj_blockfun *fun, sj_ast **out, sj_diag *diag);
/* The intermediate tree (reference walk_dump format) for debugging. sj_free the result. */
char *sj_blockfun_dump_tree(const sj_blockfun *fun);
/* An ASCII drawing of the program (every area reachable from the root). sj_free the result. */
char *sj_blockfun_ascii(const sj_blockfun *fun);

/* From text to blocks (docs/blocks.md): lays an AST out on a new grid (*out, free it with
 * sj_blockfun_free; lang must outlive it) so that sj_blockfun_compile gives a program with the same
 * outputs frame by frame. One chain per statement, stacked downwards; `if` branches go to the two
 * sub-areas; subtrees that do not fit become temporaries (set/get of "_tN"). A comparison a OP b
 * becomes a block of the standard comparison node (eq, ne, lt, le, gt, ge) with inputs a and b: the
 * same value, and the same branch as the operator under an `if`. A call's uid becomes its block id
 * when it is in 1 .. SIZE_MAX/2 - SIZE_MAX/256 and no earlier call has it (its state then carries
 * over); other calls get fresh ids. What blocks cannot express (buffers, tables, a %k read that does
 * not surely follow its multi-output call, statement lists inside an expression, a NaN literal with
 * a payload, names the block compiler reserves, comparisons when lang lacks the standard comparison
 * nodes) gives SJ_ERR_UNSUPPORTED, and diag says which construct at which line:col
 * (diag->line/col/node). Unknown nodes give SJ_ERR_UNDEFINED_NODE, too few arguments
 * SJ_ERR_NOT_ENOUGH_ARGS. */
sj_status sj_blocks_layout(const sj_ast *ast, const sj_blocklang *lang, sj_blockfun **out, sj_diag *diag);

/* ------------------------------------------------------------------------------------------------
 * Text language (docs/language.md). sj_parse turns program text into the same AST the builder
 * makes, with source positions on the nodes (so sj_compile's diag points at the source); sj_print
 * turns any AST back into text that parses to an equal AST (sj_ast_equal). Messages are collected
 * in an sj_diag_list: every error and warning of a file in one run.
 */
typedef enum sj_severity { SJ_SEVERITY_ERROR, SJ_SEVERITY_WARNING, SJ_SEVERITY_NOTE } sj_severity;

typedef struct sj_message {
    sj_severity severity;
    sj_status code;     /* the error (SJ_ERR_SYNTAX, SJ_ERR_UNDEFINED_NODE, ...); SJ_OK for warnings */
    int line, col;      /* 1-based; col counts characters (UTF-8 code points); 0 = no position */
    int span;           /* characters to underline, >= 1 */
    char *text;         /* the message, e.g. "unknown node 'phse'" */
    char *hint;         /* a suggestion ("did you mean 'phase'?") or NULL */
} sj_message;

typedef struct sj_diag_list {
    sj_message *items;
    size_t count;
    size_t errors, warnings;
    char *filename;     /* set by sj_parse (a copy), used by sj_diag_list_format */
    /* private */
    size_t cap_;
    bool nomem_;
} sj_diag_list;

/* [non-RT] A list starts zeroed (or with init); fini frees the messages (the list can be reused). */
void sj_diag_list_init(sj_diag_list *list);
void sj_diag_list_fini(sj_diag_list *list);
/* [non-RT] Adds a message (hint may be NULL). SJ_ERR_NOMEM if it could not be stored. */
sj_status sj_diag_list_add(sj_diag_list *list, sj_severity severity, sj_status code, int line, int col, int span,
                           const char *hint, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
/* [non-RT] Adds a compile error from sj_compile (its line/col come from the node). */
sj_status sj_diag_list_add_diag(sj_diag_list *list, const sj_diag *diag);
/* [non-RT] All messages as text, compiler style: "file:line:col: error: text", the source line, a
 * caret line, then "hint: ...". src may be NULL (no source lines). color adds ANSI colors.
 * sj_free the result; NULL on allocation failure. */
char *sj_diag_list_format(const sj_diag_list *list, const char *src, size_t len, bool color);

/* The deepest nesting (parentheses, blocks, if, calls, unary minus) sj_parse accepts: as deep as
 * the compiler accepts, so every compilable AST printed by sj_print parses back. */
#define SJ_LANG_MAX_DEPTH SJ_MAX_AST_HEIGHT

/* [non-RT] Parses src[0..len) (UTF-8; need not be NUL-terminated). filename is used in messages
 * (NULL: "<input>"). With a library, names are also checked (unknown nodes with a did-you-mean hint,
 * argument counts, $/%/& variables, duplicate labels); with lib NULL only the syntax is. Warnings
 * (e.g. a plain name that is never assigned reads as 0.0) never make the parse fail.
 * Returns SJ_OK with *out set, or the first error's code with *out NULL (every error is in diags,
 * which may be NULL). Never crashes on any input; nesting deeper than SJ_LANG_MAX_DEPTH is an error. */
sj_status sj_parse(const char *src, size_t len, const char *filename, const sj_library *lib, sj_ast **out,
                   sj_diag_list *diags);
/* [non-RT] The program as text (ends with a newline). Parsing it gives an AST equal to ast
 * (literals keep their exact bits; call uids are written only where they differ from the automatic
 * ones). NULL on allocation failure or if the tree is nested too deeply to print (more than
 * SJ_MAX_AST_HEIGHT levels that need parentheses or braces). sj_free the result. */
char *sj_print(const sj_ast *ast);
/* [non-RT] Formats a source file (sigjit fmt): sj_parse, then print, keeping comments, blank lines
 * between statements and the user's labels. On error *out is NULL and diags says why. */
sj_status sj_format_source(const char *src, size_t len, const char *filename, char **out, sj_diag_list *diags);

/* [RT] The uid of a call written with a label, node@label(...), so host code can find its state
 * (sj_function_node_state). A numeric label node@42(...) is the uid 42 itself. */
uint64_t sj_lang_label_uid(const char *label);
/* [RT] The automatic uid of a call without a label: the occurrence-th (from 0, in source order)
 * call of node whose nearest enclosing assignment writes anchor ("" for none; "buf[N]" for a
 * buffer write). See "State identity" in docs/language.md. */
uint64_t sj_lang_auto_uid(const char *anchor, const char *node, uint32_t occurrence);

/* ------------------------------------------------------------------------------------------------
 * Export (sigjit export): a program as one standalone C11 file, written from the same optimized IR
 * the backends run. The file defines, with every name starting with prefix ("sjx" when NULL):
 *   typedef struct PREFIX_state { ... } PREFIX_state;  persistent variables, node states, buffers
 *   void PREFIX_init(PREFIX_state *s, double srate);    zeroes, sets the rate ($reset reads 1 first)
 *   void PREFIX_process(PREFIX_state *s, const double *const in[6], double *sig1, double *sig2,
 *                       double *ret, size_t n);         n frames, none of the pointers NULL
 * The standard math nodes and the reference's sin, accum, phase, /%, s&h, s&h~ are written out in C;
 * other nodes are called through s->node_fn[k] (listed in the file's first comment; PREFIX_bind
 * sets them by name). Built with -std=c11 (no FMA contraction) its results equal
 * the interpreter's. Names of persistent variables are resolved within the program only.
 * docs/backends.md has the details. */
/* [non-RT] Fills *out (sj_free it) or returns the compile error (diag as sj_compile). */
sj_status sj_export_c(sj_context *ctx, const sj_ast *ast, const char *prefix, char **out, sj_diag *diag);

/* ------------------------------------------------------------------------------------------------
 * Scope (reference HexoDSP Scope node + ScopeHandle, §6.2; docs/scope.md). A capture of 3 signals
 * into 512 (max, min) points each over a time range of 0.1 ms .. 300 s, with a trigger (off,
 * signal 1, external) on a threshold, and per-signal offset and gain for the display. Below one
 * sample per point it repeats each sample over 1/samples-per-point points (the oversampled path);
 * above, each point is the max and min of the samples it spans (the min/max path).
 * One audio thread feeds it ([RT] calls: no allocation, lock or system call); parameters may be
 * set from any thread at any time (atomics, picked up at the start of the next fed block); any
 * other thread reads whole frames: a completed sweep is handed over through a triple buffer, so a
 * frame read is never torn, and the live view adds the points of the sweep in progress under a
 * sequence check (docs/scope.md, "Threads").
 */
#define SJ_SCOPE_SAMPLES 512
#define SJ_SCOPE_INPUTS 3
#define SJ_SCOPE_TIME_MIN_MS 0.1
#define SJ_SCOPE_TIME_MAX_MS 300000.0
#define SJ_SCOPE_TIME_DEFAULT_MS 1000.0

typedef struct sj_scope sj_scope;

typedef enum sj_scope_trigger {
    SJ_SCOPE_TRIGGER_OFF,      /* free-running: a new sweep starts as soon as one ends */
    SJ_SCOPE_TRIGGER_SIGNAL1,  /* the reference's "Intern": a rising edge of input 1 */
    SJ_SCOPE_TRIGGER_EXTERNAL  /* the reference's "Extern": a rising edge of the trigger input */
} sj_scope_trigger;

/* What a scope input (or the external trigger) taps in sj_scope_feed / sj_scope_feed_frame. */
typedef enum sj_scope_source {
    SJ_SCOPE_SRC_NONE,  /* not connected: the input is inactive */
    SJ_SCOPE_SRC_IN1, SJ_SCOPE_SRC_IN2, SJ_SCOPE_SRC_ALPHA, SJ_SCOPE_SRC_BETA, SJ_SCOPE_SRC_DELTA,
    SJ_SCOPE_SRC_GAMMA,
    SJ_SCOPE_SRC_SIG1,  /* &sig1 */
    SJ_SCOPE_SRC_SIG2,  /* &sig2 */
    SJ_SCOPE_SRC_RET,   /* the return value */
    SJ_SCOPE_SRC_PV     /* a persistent variable, by name */
} sj_scope_source;

typedef struct sj_scope_point {
    float max, min;     /* NaN, NaN: no number in the span (every sample was NaN) */
} sj_scope_point;

/* One picture of the scope, copied out for a reader. */
typedef struct sj_scope_frame {
    sj_scope_point points[SJ_SCOPE_INPUTS][SJ_SCOPE_SAMPLES];
    uint64_t sweep;     /* sweeps counted from 1; 0: nothing captured yet (all points NaN) */
    size_t filled;      /* live view: points [0, filled) belong to sweep `sweep` (in progress), the
                           rest to sweep - 1; a completed frame has filled = 512 */
    bool active[SJ_SCOPE_INPUTS];      /* connected inputs (inactive ones are not drawn) */
    float offset[SJ_SCOPE_INPUTS], gain[SJ_SCOPE_INPUTS];
    sj_scope_trigger trigger;
    float threshold;    /* meaningful when trigger != SJ_SCOPE_TRIGGER_OFF */
    float time_ms;      /* the time range (clamped) */
    float srate;
} sj_scope_frame;

/* [non-RT] A scope at srate Hz (0: 44100) with the reference's defaults: time 1000 ms, trigger off,
 * threshold 0, offsets 0, gains 1, no taps. NULL on allocation failure. */
sj_scope *sj_scope_new(double srate);
/* [non-RT] Nothing may feed or read it any more. NULL is fine. */
void sj_scope_free(sj_scope *scope);

/* [RT] Parameters, from any thread. Time is clamped to 0.1 .. 300000 ms; non-finite values and
 * sample rates outside 1 Hz .. 10 MHz are ignored. The gain is a coefficient (the reference shows
 * it in dB). input is 0..2. */
void sj_scope_set_sample_rate(sj_scope *scope, double srate);
void sj_scope_set_time(sj_scope *scope, double ms);
void sj_scope_set_trigger(sj_scope *scope, sj_scope_trigger trigger, double threshold);
void sj_scope_set_offset_gain(sj_scope *scope, unsigned input, double offset, double gain);
double sj_scope_time(const sj_scope *scope);
/* [RT] Asks the audio side to drop the sweep in progress and start a new one (at its next block);
 * the trigger is re-armed. The reference's reset() did nothing. */
void sj_scope_restart(sj_scope *scope);

/* [RT] Audio side: n frames of the three inputs (in[i] NULL: input i is not connected, inactive and
 * read as 0.0) and of the external trigger input (NULL: 0.0). Parameters are read once per call. */
void sj_scope_process(sj_scope *scope, const double *const in[SJ_SCOPE_INPUTS], const double *trig, size_t n);

/* [RT, but see below] Taps: input 0..2 are the scope inputs, input 3 the external trigger. name is
 * for SJ_SCOPE_SRC_PV ("phase" or "*phase"; at most 63 bytes). A tap can change while the scope is
 * fed (the audio side picks it up at its next block). SJ_ERR_INVALID_ARGUMENT for a bad input or
 * source, or a PV without a name. Not [RT] only in that it must not race with another sj_scope_tap
 * call (one control thread sets taps). */
sj_status sj_scope_tap(sj_scope *scope, unsigned input, sj_scope_source source, const char *name);
/* [RT] Feeds the scope from a processed block (after sj_function_process or
 * sj_backend_process_block with the same io). Inputs tapped on a NULL io->in[k] read 0.0; taps on a
 * NULL output are inactive. A persistent variable is read once, after the block, and held for its
 * n frames (fun NULL or no such variable: inactive); to see one per frame, use sj_scope_feed_frame. */
void sj_scope_feed(sj_scope *scope, const sj_function *fun, const sj_block_io *io, size_t n);
/* [RT] Feeds one frame after sj_function_exec: in = the six inputs (NULL: zeros), then the
 * outputs. Persistent variables are read at this frame. */
void sj_scope_feed_frame(sj_scope *scope, const sj_function *fun, const double in[6], double sig1, double sig2,
                         double ret);

/* [non-RT] Reader side (any thread; concurrent readers are serialized by a lock that the audio
 * side never takes). sj_scope_read copies the last completed sweep and returns false if none has
 * completed yet (out is then the empty frame). sj_scope_read_live copies what the reference's
 * scope shows: the sweep in progress over the previous one. Neither ever sees a torn frame. */
bool sj_scope_read(sj_scope *scope, sj_scope_frame *out);
void sj_scope_read_live(sj_scope *scope, sj_scope_frame *out);
/* [RT] The reference's label values for one input of a frame: the smallest min and the largest
 * max of the 512 points (raw values, before offset and gain). false if no point has a number. */
bool sj_scope_frame_range(const sj_scope_frame *frame, unsigned input, float *min, float *max);
/* [non-RT] The reference's label, "in1 min: %6.3f max: %6.3f rng: %6.3f" (rng = max - min), into
 * buf (snprintf). Returns the length (as snprintf). */
int sj_scope_frame_label(const sj_scope_frame *frame, unsigned input, char *buf, size_t size);
/* [RT] Names of the sources ("in1", ..., "sig1", "sig2", "ret", "pv") and back (false if unknown).
 * sj_scope_source_parse also takes "*name" and "pv:name" (source PV, name at *pv_name). */
const char *sj_scope_source_name(sj_scope_source source);
bool sj_scope_source_parse(const char *text, sj_scope_source *source, const char **pv_name);

#ifdef __cplusplus
}
#endif
#endif /* SIGJIT_H */

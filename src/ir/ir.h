/*
 * The sigjit IR: what every backend consumes.
 *
 * One function describes ONE FRAME of processing in SSA form over f64 values. Backends wrap it in a
 * frame loop: kernel(env, n) runs the body for frames 0..n-1, reading inputs from env->in[k][frame]
 * and writing outputs to env->out[k][frame].
 *
 * Layout: instructions live in one array and are addressed by 32-bit indices; an instruction's index
 * is also the name of the value it produces. Blocks are contiguous ranges of that array, in layout
 * order (a valid reverse post-order: control flow is structured if/else, no loops, so every edge
 * goes forward). A block ends with exactly one terminator (JMP, BR or RET). PHIs come first in a
 * block and have one argument per predecessor, in the order of block->preds. A block has at most two
 * predecessors. The entry block is block 0; RET is in the last block.
 *
 * Every opcode is described once, in SJ_IR_OPS: name, operand count (-1: variable, in args[]),
 * and flags.
 */
#ifndef SJ_IR_H
#define SJ_IR_H

#include "sigjit.h"

#include <stdint.h>

/* Flags of an opcode. */
#define SJ_IRF_PURE 1u   /* no side effect, result depends only on operands: foldable, removable */
#define SJ_IRF_LOAD 2u   /* reads memory that effects may change: removable if unused, never folded */
#define SJ_IRF_EFFECT 4u /* must stay, in order */
#define SJ_IRF_TERM 8u   /* block terminator */
#define SJ_IRF_COMM 16u  /* commutative */
#define SJ_IRF_VALUE 32u /* produces a value */

/* X(name, operand count, flags).
 * Field use (see sj_ir_inst): a/b/c are operands or block indices as noted; slot is a small index.
 */
#define SJ_IR_OPS(X)                                                                                  \
    X(NOP, 0, 0)                                     /* removed instruction */                       \
    X(CONST, 0, SJ_IRF_PURE | SJ_IRF_VALUE)          /* k */                                         \
    X(PARAM, 0, SJ_IRF_PURE | SJ_IRF_VALUE)          /* env->in[slot][frame], slot 0..5 */           \
    X(SIG_IN, 0, SJ_IRF_PURE | SJ_IRF_VALUE)         /* env->in[6 + slot][frame], slot 0..1: initial &sigN */ \
    X(AUX, 0, SJ_IRF_PURE | SJ_IRF_VALUE)            /* env->aux[slot]: 0 srate, 1 israte, 2 reset */ \
    X(PV_LOAD, 0, SJ_IRF_LOAD | SJ_IRF_VALUE)        /* env->pv[slot] */                             \
    X(PV_STORE, 1, SJ_IRF_EFFECT)                    /* env->pv[slot] = a */                         \
    X(OUT_STORE, 1, SJ_IRF_EFFECT)                   /* env->out[slot][frame] = a, slot 0..2 */      \
    X(RV_ZERO, 0, SJ_IRF_EFFECT)                     /* env->rv[0..4] = 0.0 */                       \
    X(RV_LOAD, 0, SJ_IRF_LOAD | SJ_IRF_VALUE)        /* env->rv[slot], slot 0..4 */                  \
    X(ADD, 2, SJ_IRF_PURE | SJ_IRF_VALUE | SJ_IRF_COMM)                                              \
    X(SUB, 2, SJ_IRF_PURE | SJ_IRF_VALUE)                                                            \
    X(MUL, 2, SJ_IRF_PURE | SJ_IRF_VALUE | SJ_IRF_COMM)                                              \
    X(DIV, 2, SJ_IRF_PURE | SJ_IRF_VALUE)                                                            \
    X(EQ, 2, SJ_IRF_PURE | SJ_IRF_VALUE | SJ_IRF_COMM) /* 1.0 if a == b (ordered) else 0.0 */        \
    X(NE, 2, SJ_IRF_PURE | SJ_IRF_VALUE | SJ_IRF_COMM) /* 1.0 if !(a == b) (NaN: 1.0) else 0.0 */    \
    X(LT, 2, SJ_IRF_PURE | SJ_IRF_VALUE)             /* ordered: NaN gives 0.0 */                    \
    X(LE, 2, SJ_IRF_PURE | SJ_IRF_VALUE)                                                             \
    X(GT, 2, SJ_IRF_PURE | SJ_IRF_VALUE)                                                             \
    X(GE, 2, SJ_IRF_PURE | SJ_IRF_VALUE)                                                             \
    X(FLOOR, 1, SJ_IRF_PURE | SJ_IRF_VALUE)                                                          \
    X(CEIL, 1, SJ_IRF_PURE | SJ_IRF_VALUE)                                                           \
    X(ABS, 1, SJ_IRF_PURE | SJ_IRF_VALUE)                                                            \
    X(SQRT, 1, SJ_IRF_PURE | SJ_IRF_VALUE)                                                           \
    X(MIN, 2, SJ_IRF_PURE | SJ_IRF_VALUE)            /* a < b ? a : b (x86 minsd a,b) */             \
    X(MAX, 2, SJ_IRF_PURE | SJ_IRF_VALUE)            /* a > b ? a : b (x86 maxsd a,b) */             \
    X(BUF_LEN, 0, SJ_IRF_LOAD | SJ_IRF_VALUE)        /* (double)env->buf_lens[slot] */               \
    X(TAB_LEN, 0, SJ_IRF_LOAD | SJ_IRF_VALUE)        /* (double)env->table_lens[slot] */             \
    X(BUF_READ, 1, SJ_IRF_LOAD | SJ_IRF_VALUE)       /* bufs[slot][wrap(a)] */                       \
    X(BUF_READ_LIN, 1, SJ_IRF_LOAD | SJ_IRF_VALUE)   /* linear interpolation, see sj__read_lin */    \
    X(BUF_WRITE, 2, SJ_IRF_EFFECT)                   /* bufs[slot][wrap(a)] = b */                   \
    X(TAB_READ, 1, SJ_IRF_LOAD | SJ_IRF_VALUE)       /* (double)tables[slot][wrap(a)] */             \
    X(TAB_READ_LIN, 1, SJ_IRF_LOAD | SJ_IRF_VALUE)                                                   \
    X(CALL, -1, SJ_IRF_EFFECT | SJ_IRF_VALUE)        /* calls[c](args[a..a+b)); value 0.0 if no 'r' */ \
    X(PHI, -1, SJ_IRF_PURE | SJ_IRF_VALUE)           /* args[a..a+b), one per predecessor */         \
    X(JMP, 0, SJ_IRF_TERM)                           /* to block b */                                \
    X(BR, 1, SJ_IRF_TERM)                            /* a != 0.0 ? block b : block c */              \
    X(RET, 1, SJ_IRF_TERM)                           /* env->out[2][frame] = a; end of frame */

typedef enum sj_ir_op {
#define SJ__IR_ENUM(name, n, flags) SJ_IR_##name,
    SJ_IR_OPS(SJ__IR_ENUM)
#undef SJ__IR_ENUM
        SJ_IR_OP_COUNT
} sj_ir_op;

typedef struct sj_ir_op_info {
    const char *name;
    int nargs;
    unsigned flags;
} sj_ir_op_info;
extern const sj_ir_op_info sj__ir_op_info[SJ_IR_OP_COUNT];

#define SJ_IR_NONE UINT32_MAX

typedef struct sj_ir_inst {
    uint8_t op;       /* sj_ir_op */
    uint32_t slot;    /* PARAM/SIG_IN/AUX/PV/OUT/RV slot, buffer or table index */
    uint32_t a, b, c; /* operands (value indices) or, for JMP/BR, block indices; CALL/PHI: args range */
    double k;         /* CONST value */
} sj_ir_inst;

typedef struct sj_ir_block {
    uint32_t start, end; /* instruction range [start, end) */
    uint32_t preds[2];
    uint32_t npreds;
} sj_ir_block;

/* A node call site. */
typedef struct sj_ir_call {
    const sj_node_type *type;
    uint32_t state; /* index into env->states for 'S' nodes, else SJ_IR_NONE */
} sj_ir_call;

typedef struct sj_ir_func {
    sj_ir_inst *insts;
    uint32_t ninsts, insts_cap;
    sj_ir_block *blocks;
    uint32_t nblocks, blocks_cap;
    uint32_t *args; /* operand lists of CALL and PHI */
    uint32_t nargs, args_cap;
    sj_ir_call *calls;
    uint32_t ncalls, calls_cap;
    uint32_t npv;     /* persistent variable slots used (env->pv[0..npv)) */
    uint32_t nstates; /* node state pointers used (env->states[0..nstates)) */
} sj_ir_func;

/* The environment of one kernel call. Field offsets are part of the native backends' ABI. */
typedef struct sj_env {
    /* in1, in2, alpha, beta, delta, gamma, then the initial values of &sig1 and &sig2 (zeros in block
     * processing, the caller's values in exec); never NULL inside a kernel call. */
    const double *in[8];
    double *out[3];      /* sig1, sig2, ret: written, never read; never NULL inside a kernel call */
    double aux[3];       /* srate, israte, reset */
    double rv[5];        /* multi-return slots */
    double *pv;
    void **states;
    sj_dsp_state *dsp;
    double *const *bufs;
    const uint64_t *buf_lens;
    const float *const *tables;
    const uint64_t *table_lens;
    const void *code; /* backend data (the interpreter's IR) */
} sj_env;

typedef void (*sj_kernel_fn)(sj_env *env, size_t n);

/* What a backend produces. */
typedef struct sj_code {
    sj_kernel_fn kernel;
    const void *data;  /* stored in env->code for every call */
    size_t code_size;  /* bytes of machine code, 0 for the interpreter */
    void *impl;        /* backend private */
    void (*free)(struct sj_code *code);
    char *(*disassemble)(const struct sj_code *code); /* may be NULL; sj_free the result */
} sj_code;

/* ---- IR construction and utilities (src/ir) ---- */
void sj__ir_init(sj_ir_func *f);
void sj__ir_fini(sj_ir_func *f);
/* Copies src into dst (dst uninitialised). */
sj_status sj__ir_copy(sj_ir_func *dst, const sj_ir_func *src);
/* Checks the invariants listed at the top. Returns SJ_ERR_INTERNAL with a message on failure. */
sj_status sj__ir_verify(const sj_ir_func *f, char *msg, size_t msgsize);
/* Readable text; NULL on allocation failure. sj_free the result. */
char *sj__ir_to_text(const sj_ir_func *f);
/* Passes. */
void sj__ir_fold(sj_ir_func *f);
void sj__ir_dce(sj_ir_func *f);
/* Removes NOPs and renumbers (keeps all invariants). */
sj_status sj__ir_compact(sj_ir_func *f);

/* ---- Semantics shared by every backend (src/ir/semantics.c) ---- */
/* Calls a node with its signature: pointers in signature order, value args in order. */
double sj__call_node(const sj_node_type *type, sj_dsp_state *dsp, void *state, double *rv, const double *vargs);
/* The same with the pointers already in signature order and 8 value slots (unused ones ignored):
 * the caller prepared them once. The result is garbage for a node without 'r'. */
double sj__call_node_raw(void (*fn)(void), void *p0, void *p1, void *p2, const double *v);
double sj__read_lin_f64(const double *data, uint64_t len, double idx);
double sj__read_lin_f32(const float *data, uint64_t len, double idx);

/* ---- Backends ---- */
sj_status sj__interp_compile(const sj_ir_func *ir, sj_code *out);
/* Native x86-64: SJ_ERR_UNSUPPORTED where not available. */
sj_status sj__x64_compile(const sj_ir_func *ir, sj_code *out);
bool sj__x64_available(void);

#endif

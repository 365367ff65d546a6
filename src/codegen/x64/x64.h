/*
 * The x86-64 (System V) backend: IR -> machine code in one pass with a linear-scan style register
 * allocator over xmm0..xmm14 (xmm15 is the scratch register of the emitter). See docs/backends.md.
 * Internal interface between the backend's files and its tests.
 */
#ifndef SJ_CODEGEN_X64_X64_H
#define SJ_CODEGEN_X64_X64_H

#include "ir/ir.h"
#include "jit/jit.h"

/* CPU features the emitter may use (detected with CPUID; tests may restrict them). */
#define SJ_X64_SSE41 1u
#define SJ_X64_AVX 2u
#define SJ_X64_FMA 4u
/* Optimizations, on by default; tests switch them off (as "features") to cover every path. */
#define SJ_X64_OPT_INVARIANTS 0x100u /* loop-invariant values computed once before the frame loop */
#define SJ_X64_OPT_FUSE 0x200u       /* comparison + branch as ucomisd + jcc */
#define SJ_X64_OPT_PROMOTE 0x400u    /* persistent variables in registers across frames */
/* Opt-in (off unless SIGJIT_FMA=1 is set in the environment, or a test asks for it): a*b+c,
 * a*b-c and c-a*b as one fused multiply-add when the product has no other use and the CPU has FMA.
 * One rounding instead of two: results differ from the interpreter in the last bits. */
#define SJ_X64_OPT_FMA 0x800u
/* Tests: turn the opt-in FMA mode on or off for later compiles (process-wide). */
void sj__x64_set_fma(bool on);

/* The features detected on this CPU. */
unsigned sj__x64_cpu_features(void);
/* Restricts the features used by later compiles to mask & detected (tests; ~0u restores all).
 * Process-wide; not thread safe (tests only). */
void sj__x64_set_feature_mask(unsigned mask);

/* What sj_code.impl points to for native code. */
typedef struct sj_x64_marks {
    uint32_t offset; /* code offset */
    uint32_t what;   /* a block index, or one of SJ_X64_MARK_* */
} sj_x64_marks;
#define SJ_X64_MARK_LOOP 0xffffff00u  /* the frame loop starts */
#define SJ_X64_MARK_LATCH 0xffffff01u /* next frame */
#define SJ_X64_MARK_COLD 0xffffff02u  /* out-of-line paths and stubs */

typedef struct sj_x64_impl {
    sj_jit_region region;
    size_t code_bytes; /* instructions (the constant pool follows) */
    size_t total_bytes;
    uint32_t spill_slots;
    uint32_t npromoted; /* persistent variables kept in registers across frames */
    sj_x64_marks *marks; /* for the disassembly, in code order (may be NULL) */
    uint32_t nmarks;
} sj_x64_impl;

/* Disassembly of a compiled function (capstone when built with it, else a hex dump). */
char *sj__x64_disassemble(const sj_code *code);

#endif

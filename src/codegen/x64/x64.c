/*
 * x86-64 System V code generator (docs/backends.md has the full description).
 *
 * One forward pass over the IR in layout order emits machine code. Values live in xmm0..xmm14;
 * xmm15 is the emitter's scratch register. The allocator is a linear scan over the layout order
 * (the CFG is structured and every edge goes forward, so a value's interval [def, last use] covers
 * every program point where it is live): a result takes the register of an operand that dies at
 * that instruction, or a free one; when none is free, the value whose next use is furthest away is
 * evicted (Belady), stored to its stack slot only if the slot is not already up to date. Constants,
 * $aux values and loop invariants never occupy registers: they are memory operands (a RIP-relative
 * constant pool, [env + offset], or a stack slot computed before the frame loop).
 *
 * All xmm registers are caller-saved in the SysV ABI, so at a call every value that is live after
 * it is written to its slot (if not already there) and reloaded lazily at its next use.
 *
 * Control flow: the register state at the start of a block is fixed by the first edge into it
 * (the state at that edge, restricted to the values live into the block, plus a location for each
 * phi). Later edges into the block emit moves to match (stores, a parallel register move with
 * xmm15 breaking cycles, then loads).
 *
 * The frame loop is inside the function: kernel(env, n) keeps env in rbx, frame*8 in r12 and n*8
 * in r13, and hoists loop-invariant pointers (env->pv, env->in[k], env->out[k]) into registers:
 * rbp, r14 and r15, and in functions without calls first r8..r11 (choose_hoists). In functions
 * without calls, persistent variables are loop-carried values in xmm registers (plan_specials).
 *
 * Buffer and table indices: the fast path is 0 <= x (ordered) and trunc(x) < len, where
 * trunc(x) == floor(x) is the wrapped index; anything else (negative, NaN, infinite, huge, out of
 * range) goes to an out-of-line path that calls sj_wrap_index (or sj__read_lin_*) through a stub
 * saving every register, so the index rule is exactly the library's.
 *
 * Every operation is the IEEE operation the interpreter performs, in the same order: results are
 * bit-identical (tests/test_diff_random.c).
 */
#include "codegen/x64/x64.h"

#include "base/alloc.h"
#include "base/bits.h"

#include <cpuid.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---- CPU features ----------------------------------------------------------------------------- */

static unsigned g_feature_mask = ~0u;

static unsigned detect_features(void)
{
    unsigned a, b, c, d, f = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    if (c & (1u << 19))
        f |= SJ_X64_SSE41;
    /* AVX needs the OS to save ymm state (OSXSAVE + XCR0 bits 1,2). */
    if ((c & (1u << 28)) && (c & (1u << 27))) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        if ((lo & 6u) == 6u) {
            f |= SJ_X64_AVX;
            if (c & (1u << 12))
                f |= SJ_X64_FMA;
        }
    }
    return f;
}

/* CPUID traps to the hypervisor in a VM (microseconds): detect once. A race between threads
 * computes the same value twice, which is harmless. */
static _Atomic int g_features = -1;

unsigned sj__x64_cpu_features(void)
{
    if (g_features < 0)
        g_features = (int)detect_features();
    return (unsigned)g_features;
}

/* The opt-in FMA mode: -1 not decided yet (reads SIGJIT_FMA once), 0 off, 1 on. */
static _Atomic int g_fma = -1;

void sj__x64_set_fma(bool on)
{
    g_fma = on ? 1 : 0;
}

static bool fma_wanted(void)
{
    if (g_fma < 0) {
        const char *e = getenv("SIGJIT_FMA");
        g_fma = e && strcmp(e, "1") == 0;
    }
    return g_fma == 1;
}

void sj__x64_set_feature_mask(unsigned mask)
{
    g_feature_mask = mask;
}

bool sj__x64_available(void)
{
    /* This file is only built for x86-64 (see the #error below); the system must also allow
     * executable memory. */
    return sj__jit_usable();
}

#if !defined(__x86_64__)
#error "the x86-64 backend needs an x86-64 host"
#endif

/* ---- Code buffer and encoder ------------------------------------------------------------------ */

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
#define XS 15  /* scratch xmm */
#define NXR 15 /* allocatable: xmm0..xmm14 */
#define NONE32 UINT32_MAX

/* A memory operand: [base + index*scale + disp], or a constant pool entry (cp >= 0, RIP relative). */
/* Hoisted pointer sources: env->pv, env->in[k] and env->out[k], kept in registers across frames. */
#define SRC_PV 0
#define SRC_IN(k) (1 + (k))  /* env->in[k], k = 0..7 (6 and 7: the initial &sig1/&sig2) */
#define SRC_OUT(k) (9 + (k)) /* env->out[k], k = 0..2 */
#define SRC_COUNT 12

typedef struct mop {
    int8_t base, index;
    uint8_t scale;
    int32_t disp;
    int32_t cp;
} mop;

/* A register or memory operand. */
typedef struct rmo {
    bool mem;
    int8_t reg;
    mop m;
} rmo;

typedef struct fixup {
    uint32_t at;    /* offset of the rel32/disp32 field */
    uint32_t end;   /* offset of the end of the instruction */
    uint32_t target; /* label or constant index */
} fixup;

typedef struct vinfo {
    int8_t reg;     /* xmm register holding the value, or -1 */
    bool valid;     /* the stack slot holds the value */
    bool remat;     /* constant or invariant memory: never in a register */
    bool live;      /* defined and not dead yet (on the current path) */
    int32_t slot;   /* stack slot, -1 none */
    uint32_t lastuse;
    uint32_t ubeg, uend, ucur; /* use positions in x->uses */
    uint32_t act;   /* index in x->active while live */
    mop rm;         /* remat location */
} vinfo;

typedef struct entry {
    uint32_t v;
    int8_t reg;
    bool valid;
} entry;

typedef struct bstate {
    uint32_t off, n;
    bool fixed;
} bstate;

/* Stubs: out-of-line helpers shared by a function's slow paths. */
enum { STUB_WRAP, STUB_LIN64, STUB_LIN32, NSTUB };

typedef struct cold {
    uint32_t label_back;
    uint32_t label_here;
    rmo x;
    int stub;
} cold;

typedef struct X {
    const sj_ir_func *f;
    unsigned feat;
    /* code */
    uint8_t *code;
    size_t n, cap;
    bool oom;
    /* labels and fixups */
    int32_t *labels;
    uint32_t nlabels, labels_cap;
    fixup *jfix;
    uint32_t njfix, jfix_cap;
    fixup *cfix;
    uint32_t ncfix, cfix_cap;
    /* constant pool: 16-byte entries */
    uint64_t *pool;
    uint32_t npool, pool_cap;
    /* values */
    vinfo *vi;
    uint32_t *uses;
    uint32_t *blk_of;
    uint32_t regv[16];
    uint32_t *active;
    uint32_t nactive;
    /* slots */
    int32_t *freeslots;
    uint32_t nfree, nslots;
    /* block states */
    bstate *bs;
    entry *ents;
    uint32_t nents, ents_cap;
    /* hoisted pointers: -1 or a source id (0 pv, 1..6 in[k], 7..9 out[k]) per register */
    bool calls;          /* the function calls out (nodes, floor/ceil without SSE4.1) */
    int nhoist;          /* registers available for hoisted pointers */
    int8_t hoist_reg[7]; /* ... which they are */
    int hoist_src[7];    /* the pointer each holds (SRC_*), or -1 */
    int8_t src_reg[SRC_COUNT];
    /* cold paths */
    cold *colds;
    uint32_t ncolds, colds_cap;
    int32_t stub_label[NSTUB];
    uint32_t frame_patch;
    uint32_t frame_patch2;
    /* instructions that emit nothing and use nothing (see plan_specials) */
    bool *skip;
    /* persistent variables kept in registers across frames: load instruction, store operand */
    uint32_t npromo;
    uint32_t promo_load[NXR], promo_val[NXR], promo_slot[NXR];
    bool *promoted; /* per instruction: a promoted PV_LOAD or PV_STORE */
    bool *inv;      /* loop invariant: computed once before the loop into a stack slot */
    bool *fused;    /* a comparison used only by the BR ending its block: emitted as ucomisd + jcc */
    uint32_t *fma_mul; /* ADD/SUB: the single-use MUL contracted into it (FMA mode), else NONE32 */
    bool *fmul;        /* a MUL contracted into its only user */
    /* disassembly marks */
    sj_x64_marks *marks;
    uint32_t nmarks, marks_cap;
} X;

static bool callee_saved(int r)
{
    return r == RBX || r == RBP || r >= R12;
}

static void mark(X *x, uint32_t what);

static bool grow(X *x, void **p, uint32_t *cap, size_t need, size_t elem)
{
    size_t c = *cap;
    if (!sj__grow(p, &c, need, elem)) {
        x->oom = true;
        return false;
    }
    *cap = (uint32_t)c;
    return true;
}

static void b1(X *x, unsigned v)
{
    if (x->n + 16 > x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 4096;
        uint8_t *p = sj__realloc(x->code, nc);
        if (!p) {
            x->oom = true;
            x->n = 0; /* keep writing into the old buffer; the result is discarded */
            return;
        }
        x->code = p;
        x->cap = nc;
    }
    x->code[x->n++] = (uint8_t)v;
}

static void b4(X *x, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b1(x, (v >> (8 * i)) & 0xff);
}

static void b8(X *x, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b1(x, (unsigned)((v >> (8 * i)) & 0xff));
}

static uint32_t new_label(X *x)
{
    if (!grow(x, (void **)&x->labels, &x->labels_cap, x->nlabels + 1, sizeof(int32_t)))
        return 0;
    x->labels[x->nlabels] = -1;
    return x->nlabels++;
}

static void bind(X *x, uint32_t l)
{
    if (l < x->nlabels)
        x->labels[l] = (int32_t)x->n;
}

static void add_fix(X *x, fixup **arr, uint32_t *n, uint32_t *cap, uint32_t at, uint32_t end, uint32_t t)
{
    if (!grow(x, (void **)arr, cap, *n + 1, sizeof(fixup)))
        return;
    (*arr)[(*n)++] = (fixup){at, end, t};
}

static void jfix_here(X *x, uint32_t label)
{
    add_fix(x, &x->jfix, &x->njfix, &x->jfix_cap, (uint32_t)x->n, (uint32_t)x->n + 4, label);
    b4(x, 0);
}

/* jmp rel32 */
static void jmp(X *x, uint32_t label)
{
    b1(x, 0xE9);
    jfix_here(x, label);
}

enum { CC_B = 0x2, CC_AE = 0x3, CC_E = 0x4, CC_NE = 0x5, CC_P = 0xA };

static void jcc(X *x, int cc, uint32_t label)
{
    b1(x, 0x0F);
    b1(x, 0x80 + cc);
    jfix_here(x, label);
}

static int32_t pool_const(X *x, uint64_t lo, uint64_t hi)
{
    for (uint32_t i = 0; i < x->npool; i++)
        if (x->pool[2 * i] == lo && x->pool[2 * i + 1] == hi)
            return (int32_t)i;
    if (!grow(x, (void **)&x->pool, &x->pool_cap, 2 * (size_t)x->npool + 2, sizeof(uint64_t)))
        return 0;
    x->pool[2 * x->npool] = lo;
    x->pool[2 * x->npool + 1] = hi;
    return (int32_t)x->npool++;
}

static mop cpool(X *x, uint64_t lo, uint64_t hi)
{
    return (mop){-1, -1, 1, 0, pool_const(x, lo, hi)};
}

static mop mbase(int base, int32_t disp)
{
    return (mop){(int8_t)base, -1, 1, disp, -1};
}

static mop mindex(int base, int index, int scale, int32_t disp)
{
    return (mop){(int8_t)base, (int8_t)index, (uint8_t)scale, disp, -1};
}

static rmo R_(int r)
{
    rmo o;
    memset(&o, 0, sizeof o);
    o.reg = (int8_t)r;
    return o;
}

static rmo M_(mop m)
{
    rmo o;
    memset(&o, 0, sizeof o);
    o.mem = true;
    o.reg = -1;
    o.m = m;
    return o;
}

/* Emits [pfx] [REX] opcode bytes, then the ModRM (+SIB, disp) for reg and rm. imm_len is the number
 * of immediate bytes that follow (for RIP-relative displacements). */
static void enc(X *x, int pfx, int w, uint32_t op, int oplen, int reg, rmo rm, int imm_len)
{
    if (pfx)
        b1(x, pfx);
    unsigned rex = 0x40 | (w ? 8 : 0) | ((reg >> 3) & 1) << 2;
    if (!rm.mem)
        rex |= (rm.reg >> 3) & 1;
    else if (rm.m.cp < 0) {
        if (rm.m.index >= 0)
            rex |= ((rm.m.index >> 3) & 1) << 1;
        rex |= (rm.m.base >> 3) & 1;
    }
    if (rex != 0x40)
        b1(x, rex);
    for (int i = oplen - 1; i >= 0; i--)
        b1(x, (op >> (8 * i)) & 0xff);
    if (!rm.mem) {
        b1(x, 0xC0 | (reg & 7) << 3 | (rm.reg & 7));
        return;
    }
    mop m = rm.m;
    if (m.cp >= 0) {
        b1(x, (reg & 7) << 3 | 5);
        add_fix(x, &x->cfix, &x->ncfix, &x->cfix_cap, (uint32_t)x->n, (uint32_t)x->n + 4 + imm_len, (uint32_t)m.cp);
        b4(x, 0);
        return;
    }
    int mod;
    if (m.disp == 0 && (m.base & 7) != 5)
        mod = 0;
    else if (m.disp >= -128 && m.disp <= 127)
        mod = 1;
    else
        mod = 2;
    if (m.index >= 0 || (m.base & 7) == 4) {
        b1(x, mod << 6 | (reg & 7) << 3 | 4);
        int ss = m.scale == 8 ? 3 : m.scale == 4 ? 2 : m.scale == 2 ? 1 : 0;
        int ix = m.index >= 0 ? m.index : 4;
        b1(x, ss << 6 | (ix & 7) << 3 | (m.base & 7));
    } else {
        b1(x, mod << 6 | (reg & 7) << 3 | (m.base & 7));
    }
    if (mod == 1)
        b1(x, (uint8_t)(int8_t)m.disp);
    else if (mod == 2)
        b4(x, (uint32_t)m.disp);
}

/* SSE helpers */
static void sse(X *x, int pfx, uint32_t op, int dst, rmo src)
{
    enc(x, pfx, 0, 0x0F00 | op, 2, dst, src, 0);
}

static void movsd_load(X *x, int dst, rmo src)
{
    if (!src.mem) {
        if (src.reg != dst)
            sse(x, 0x66, 0x28, dst, src); /* movapd */
    } else {
        sse(x, 0xF2, 0x10, dst, src);
    }
}

static void movsd_store(X *x, mop dst, int src)
{
    sse(x, 0xF2, 0x11, src, M_(dst));
}

/* GPR helpers */
static void mov_r_m(X *x, int dst, mop m) /* mov r64, [m] */
{
    enc(x, 0, 1, 0x8B, 1, dst, M_(m), 0);
}

static void mov_r_imm64(X *x, int dst, uint64_t imm)
{
    b1(x, 0x48 | ((dst >> 3) & 1));
    b1(x, 0xB8 + (dst & 7));
    b8(x, imm);
}

static void mov_r_r(X *x, int dst, int src)
{
    enc(x, 0, 1, 0x89, 1, src, R_(dst), 0);
}

static void lea(X *x, int dst, mop m)
{
    enc(x, 0, 1, 0x8D, 1, dst, M_(m), 0);
}

static void push(X *x, int r)
{
    if (r >= 8)
        b1(x, 0x41);
    b1(x, 0x50 + (r & 7));
}

static void pop(X *x, int r)
{
    if (r >= 8)
        b1(x, 0x41);
    b1(x, 0x58 + (r & 7));
}

typedef void (*genfn)(void);

static void call_abs(X *x, genfn fn)
{
    uint64_t a = 0;
    memcpy(&a, &fn, sizeof fn);
    mov_r_imm64(x, RAX, a);
    b1(x, 0xFF); /* call rax */
    b1(x, 0xD0);
}

/* ---- Allocator -------------------------------------------------------------------------------- */

static int32_t slot_of(X *x, uint32_t v)
{
    vinfo *p = &x->vi[v];
    if (p->slot < 0) {
        if (x->nfree)
            p->slot = x->freeslots[--x->nfree];
        else
            p->slot = (int32_t)x->nslots++;
    }
    return p->slot;
}

static mop slot_mop(X *x, uint32_t v)
{
    return mbase(RSP, 8 * slot_of(x, v));
}

/* Where the value is now: its register, else its remat location, else its slot (valid). */
static rmo loc(X *x, uint32_t v)
{
    vinfo *p = &x->vi[v];
    if (p->remat)
        return M_(p->rm);
    if (p->reg >= 0)
        return R_(p->reg);
    return M_(slot_mop(x, v));
}

static uint32_t next_use(X *x, uint32_t v, uint32_t pos)
{
    vinfo *p = &x->vi[v];
    while (p->ucur < p->uend && x->uses[p->ucur] < pos)
        p->ucur++;
    return p->ucur < p->uend ? x->uses[p->ucur] : NONE32;
}

static void spill_to_slot(X *x, uint32_t v)
{
    vinfo *p = &x->vi[v];
    if (!p->valid && p->reg >= 0) {
        movsd_store(x, slot_mop(x, v), p->reg);
        p->valid = true;
    }
}

static void drop_reg(X *x, int r)
{
    uint32_t v = x->regv[r];
    if (v != NONE32) {
        x->vi[v].reg = -1;
        x->regv[r] = NONE32;
    }
}

/* A register not in lock; evicts the value with the furthest next use if needed. */
static int reg_alloc(X *x, uint32_t pos, unsigned lock)
{
    for (int r = 0; r < NXR; r++)
        if (x->regv[r] == NONE32 && !(lock & (1u << r)))
            return r;
    int best = -1;
    uint32_t bestd = 0;
    for (int r = 0; r < NXR; r++) {
        if (lock & (1u << r))
            continue;
        uint32_t d = next_use(x, x->regv[r], pos);
        if (best < 0 || d > bestd || (d == bestd && x->vi[x->regv[r]].valid)) {
            best = r;
            bestd = d;
        }
    }
    spill_to_slot(x, x->regv[best]);
    drop_reg(x, best);
    return best;
}

static void act_add(X *x, uint32_t v)
{
    x->vi[v].live = true;
    x->vi[v].act = x->nactive;
    x->active[x->nactive++] = v;
}

static void kill(X *x, uint32_t v)
{
    vinfo *p = &x->vi[v];
    if (!p->live)
        return;
    p->live = false;
    if (p->reg >= 0)
        drop_reg(x, p->reg);
    if (p->slot >= 0) {
        x->freeslots[x->nfree++] = p->slot;
        p->slot = -1;
    }
    p->valid = false;
    uint32_t last = x->active[--x->nactive];
    x->active[p->act] = last;
    x->vi[last].act = p->act;
}

static void kill_if_dead(X *x, uint32_t v, uint32_t pos)
{
    if (v != NONE32 && !x->vi[v].remat && x->vi[v].lastuse <= pos)
        kill(x, v);
}

/* The value is now in register r (not in its slot). */
static void def_reg(X *x, uint32_t v, int r)
{
    vinfo *p = &x->vi[v];
    if (p->uend == p->ubeg)
        return; /* never used */
    if (x->regv[r] != NONE32)
        drop_reg(x, r);
    p->reg = (int8_t)r;
    p->valid = false;
    x->regv[r] = v;
    act_add(x, v);
}

static unsigned lockmask(X *x, uint32_t a, uint32_t b)
{
    unsigned m = 0;
    if (a != NONE32 && !x->vi[a].remat && x->vi[a].reg >= 0)
        m |= 1u << x->vi[a].reg;
    if (b != NONE32 && !x->vi[b].remat && x->vi[b].reg >= 0)
        m |= 1u << x->vi[b].reg;
    return m;
}

/* A destination register for an instruction whose first operand is a: a's register if a dies here
 * (the value is detached from it), else a fresh one holding a copy of a when copy is set. */
static int dst_from(X *x, uint32_t a, uint32_t b, uint32_t pos, bool copy)
{
    vinfo *p = &x->vi[a];
    if (!p->remat && p->reg >= 0 && p->lastuse <= pos && !(b != NONE32 && b != a && !x->vi[b].remat && x->vi[b].reg == p->reg)) {
        int r = p->reg;
        drop_reg(x, r);
        return r;
    }
    int r = reg_alloc(x, pos, lockmask(x, a, b));
    if (copy)
        movsd_load(x, r, loc(x, a));
    return r;
}

/* ---- Parallel moves --------------------------------------------------------------------------- */

typedef struct pmv {
    int dst;  /* register */
    rmo src;
} pmv;

/* Moves src -> dst for all moves at once (destinations distinct). Register sources first (cycles
 * broken through xmm15), then memory sources. */
static void pmove(X *x, pmv *mv, uint32_t n)
{
    uint32_t left = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!mv[i].src.mem && mv[i].src.reg != mv[i].dst)
            left++;
    bool *done = NULL;
    bool stackdone[64];
    if (n <= 64)
        done = stackdone;
    else if (!(done = sj__malloc(n))) {
        x->oom = true;
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        done[i] = mv[i].src.mem || mv[i].src.reg == mv[i].dst;
    while (left) {
        bool progress = false;
        for (uint32_t i = 0; i < n; i++) {
            if (done[i])
                continue;
            bool blocked = false;
            for (uint32_t j = 0; j < n && !blocked; j++)
                if (!done[j] && j != i && mv[j].src.reg == mv[i].dst)
                    blocked = true;
            if (!blocked) {
                movsd_load(x, mv[i].dst, mv[i].src);
                done[i] = true;
                left--;
                progress = true;
            }
        }
        if (!progress) {
            /* a cycle: park one destination's current content in xmm15 */
            for (uint32_t i = 0; i < n; i++) {
                if (done[i])
                    continue;
                int d = mv[i].dst;
                movsd_load(x, XS, R_(d));
                for (uint32_t j = 0; j < n; j++)
                    if (!done[j] && !mv[j].src.mem && mv[j].src.reg == d)
                        mv[j].src.reg = XS;
                break;
            }
        }
    }
    for (uint32_t i = 0; i < n; i++)
        if (mv[i].src.mem)
            movsd_load(x, mv[i].dst, mv[i].src);
    if (done != stackdone)
        sj__free(done);
}

/* ---- Edges ------------------------------------------------------------------------------------ */

static bool live_into(X *x, uint32_t v, uint32_t blk)
{
    const vinfo *p = &x->vi[v];
    uint32_t start = x->f->blocks[blk].start;
    return v < start && p->lastuse != NONE32 && p->lastuse >= start;
}

static uint32_t pred_index(const sj_ir_block *b, uint32_t from)
{
    for (uint32_t k = 0; k < b->npreds; k++)
        if (b->preds[k] == from)
            return k;
    return 0;
}

/* Fixes the entry state of target from the current state (first edge into it). */
static void fix_target(X *x, uint32_t from, uint32_t target)
{
    const sj_ir_func *f = x->f;
    const sj_ir_block *tb = &f->blocks[target];
    bstate *bs = &x->bs[target];
    uint32_t nphi = 0;
    for (uint32_t i = tb->start; i < tb->end && f->insts[i].op == SJ_IR_PHI; i++)
        nphi++;
    if (!grow(x, (void **)&x->ents, &x->ents_cap, (size_t)x->nents + x->nactive + nphi, sizeof(entry)))
        return;
    bs->off = x->nents;
    bs->n = 0;
    bs->fixed = true;
    unsigned used = 0;
    for (uint32_t i = 0; i < x->nactive; i++) {
        uint32_t v = x->active[i];
        if (!live_into(x, v, target))
            continue;
        vinfo *p = &x->vi[v];
        x->ents[x->nents++] = (entry){v, p->reg, p->reg >= 0 ? p->valid : true};
        if (p->reg >= 0)
            used |= 1u << p->reg;
        bs->n++;
    }
    uint32_t k = pred_index(tb, from);
    for (uint32_t i = tb->start; i < tb->start + nphi; i++) {
        const sj_ir_inst *in = &f->insts[i];
        vinfo *pp = &x->vi[i];
        if (pp->uend == pp->ubeg)
            continue; /* unused phi */
        uint32_t a = f->args[in->a + k];
        const vinfo *pa = &x->vi[a];
        int r = -1;
        if (!pa->remat && pa->reg >= 0 && !live_into(x, a, target) && !(used & (1u << pa->reg)))
            r = pa->reg;
        for (int c = 0; c < NXR && r < 0; c++)
            if (!(used & (1u << c)))
                r = c;
        if (r >= 0)
            used |= 1u << r;
        else
            slot_of(x, i);
        x->ents[x->nents++] = (entry){i, (int8_t)r, r < 0};
        bs->n++;
    }
}

typedef struct plan {
    pmv mv[NXR + 1];
    uint32_t nmv;
    /* stores: slot <- source */
    struct {
        mop dst;
        rmo src;
    } * st;
    uint32_t nst, st_cap;
} plan;

static void plan_store(X *x, plan *pl, mop dst, rmo src)
{
    if (!grow(x, (void **)&pl->st, &pl->st_cap, (size_t)pl->nst + 1, sizeof(*pl->st)))
        return;
    pl->st[pl->nst].dst = dst;
    pl->st[pl->nst].src = src;
    pl->nst++;
}

/* The moves that bring the current state to target's entry state. */
static void plan_edge(X *x, uint32_t from, uint32_t target, uint32_t pos, plan *pl)
{
    const sj_ir_func *f = x->f;
    pl->nmv = 0;
    pl->nst = 0;
    if (!x->bs[target].fixed)
        fix_target(x, from, target);
    if (x->oom)
        return;
    const sj_ir_block *tb = &f->blocks[target];
    uint32_t k = pred_index(tb, from);
    bstate *bs = &x->bs[target];
    for (uint32_t e = 0; e < bs->n; e++) {
        entry en = x->ents[bs->off + e];
        uint32_t src = en.v;
        bool phi = en.v >= tb->start && f->insts[en.v].op == SJ_IR_PHI;
        if (phi)
            src = f->args[f->insts[en.v].a + k];
        rmo s = loc(x, src);
        if (phi) {
            if (en.reg >= 0) {
                if (s.mem || s.reg != en.reg)
                    pl->mv[pl->nmv++] = (pmv){en.reg, s};
            }
            else
                plan_store(x, pl, slot_mop(x, en.v), s);
            continue;
        }
        if (en.valid && !x->vi[src].valid && x->vi[src].reg >= 0)
            plan_store(x, pl, slot_mop(x, src), s);
        if (en.reg >= 0 && (s.mem || s.reg != en.reg))
            pl->mv[pl->nmv++] = (pmv){en.reg, s};
    }
}

static void emit_plan(X *x, plan *pl)
{
    for (uint32_t i = 0; i < pl->nst; i++) {
        rmo s = pl->st[i].src;
        int r = s.reg;
        if (s.mem) {
            movsd_load(x, XS, s);
            r = XS;
        }
        movsd_store(x, pl->st[i].dst, r);
    }
    pmove(x, pl->mv, pl->nmv);
}

static bool plan_empty(const plan *pl)
{
    return pl->nmv == 0 && pl->nst == 0;
}

/* Sets the current state to the entry state of blk. */
static void enter_block(X *x, uint32_t blk)
{
    uint32_t start = x->f->blocks[blk].start;
    for (uint32_t i = 0; i < x->nactive; i++) {
        vinfo *p = &x->vi[x->active[i]];
        if (p->lastuse < start && p->slot >= 0) {
            /* dead on every path from here on (it died at a terminator): release its slot */
            x->freeslots[x->nfree++] = p->slot;
            p->slot = -1;
        }
        p->live = false;
        p->reg = -1;
        p->valid = false;
    }
    x->nactive = 0;
    for (int r = 0; r < 16; r++)
        x->regv[r] = NONE32;
    bstate *bs = &x->bs[blk];
    for (uint32_t e = 0; e < bs->n; e++) {
        entry en = x->ents[bs->off + e];
        vinfo *p = &x->vi[en.v];
        p->reg = en.reg;
        p->valid = en.valid;
        if (en.reg >= 0)
            x->regv[(int)en.reg] = en.v;
        act_add(x, en.v);
    }
}

/* ---- Instruction selection -------------------------------------------------------------------- */


/* The offset in sj_env of the pointer a hoisting source (SRC_*) names. */
static int32_t src_offset(int src)
{
    if (src == SRC_PV)
        return (int32_t)offsetof(sj_env, pv);
    if (src < SRC_OUT(0))
        return (int32_t)(offsetof(sj_env, in) + 8 * (size_t)(src - SRC_IN(0)));
    return (int32_t)(offsetof(sj_env, out) + 8 * (size_t)(src - SRC_OUT(0)));
}

static void ptr_src(X *x, int src, int gpr_tmp, int *reg_out)
{
    if (x->src_reg[src] >= 0) {
        *reg_out = x->src_reg[src];
        return;
    }
    mov_r_m(x, gpr_tmp, mbase(RBX, src_offset(src)));
    *reg_out = gpr_tmp;
}

/* A register holding v for reading (xmm15 if it had to be loaded and is not kept). */
static int read_reg(X *x, uint32_t v)
{
    rmo l = loc(x, v);
    if (!l.mem)
        return l.reg;
    movsd_load(x, XS, l);
    return XS;
}

/* Loads ptr and len of buffer/table slot into rcx and rdx. */
static void load_ptr_len(X *x, bool table, uint32_t slot)
{
    size_t po = table ? offsetof(sj_env, tables) : offsetof(sj_env, bufs);
    size_t lo = table ? offsetof(sj_env, table_lens) : offsetof(sj_env, buf_lens);
    mov_r_m(x, RCX, mbase(RBX, (int32_t)po));
    mov_r_m(x, RCX, mbase(RCX, (int32_t)(8 * slot)));
    mov_r_m(x, RDX, mbase(RBX, (int32_t)lo));
    mov_r_m(x, RDX, mbase(RDX, (int32_t)(8 * slot)));
}

/* rax = sj_wrap_index(idx, rdx); idx is a register or memory operand (not xmm15 unless loaded). */
static void wrap_index(X *x, rmo idx)
{
    rmo zero = M_(cpool(x, 0, 0));
    int xr;
    if (idx.mem) {
        movsd_load(x, XS, idx);
        xr = XS;
    } else {
        xr = idx.reg;
    }
    if (!grow(x, (void **)&x->colds, &x->colds_cap, (size_t)x->ncolds + 1, sizeof(cold)))
        return;
    cold *c = &x->colds[x->ncolds++];
    c->label_here = new_label(x);
    c->label_back = new_label(x);
    c->x = R_(xr);
    c->stub = STUB_WRAP;
    if (x->stub_label[STUB_WRAP] < 0)
        x->stub_label[STUB_WRAP] = (int32_t)new_label(x);
    sse(x, 0x66, 0x2E, xr, zero);          /* ucomisd x, 0.0 */
    jcc(x, CC_B, c->label_here);            /* x < 0 or NaN */
    enc(x, 0xF2, 1, 0x0F2C, 2, RAX, R_(xr), 0); /* cvttsd2si rax, x */
    enc(x, 0, 1, 0x39, 1, RDX, R_(RAX), 0); /* cmp rax, rdx */
    jcc(x, CC_AE, c->label_here);           /* unsigned: huge or >= len */
    bind(x, c->label_back);
}

static void emit_cold(X *x)
{
    for (uint32_t i = 0; i < x->ncolds; i++) {
        cold *c = &x->colds[i];
        bind(x, c->label_here);
        if (c->x.reg != XS)
            movsd_load(x, XS, c->x);
        b1(x, 0xE8); /* call stub */
        jfix_here(x, (uint32_t)x->stub_label[c->stub]);
        jmp(x, c->label_back);
    }
    for (int k = 0; k < NSTUB; k++) {
        if (x->stub_label[k] < 0)
            continue;
        /* In: xmm15 = x, rcx = data, rdx = len. Out: rax = sj_wrap_index(x, len) (STUB_WRAP) or
         * xmm15 = sj__read_lin_f64/f32(data, len, x). Every other register the emitted code may
         * hold values in is saved. */
        static const int gp[8] = {RCX, RDX, RSI, RDI, R8, R9, R10, R11};
        bind(x, (uint32_t)x->stub_label[k]);
        for (int i = 0; i < 8; i++)
            push(x, gp[i]);
        enc(x, 0, 1, 0x81, 1, 5, R_(RSP), 4); /* sub rsp, 120 */
        b4(x, 120);
        for (int r = 0; r < NXR; r++)
            movsd_store(x, mbase(RSP, 8 * r), r);
        movsd_load(x, 0, R_(XS));
        if (k == STUB_WRAP) {
            mov_r_r(x, RDI, RDX);
            call_abs(x, (genfn)sj_wrap_index);
        } else {
            mov_r_r(x, RDI, RCX);
            mov_r_r(x, RSI, RDX);
            call_abs(x, k == STUB_LIN64 ? (genfn)sj__read_lin_f64 : (genfn)sj__read_lin_f32);
            movsd_load(x, XS, R_(0));
        }
        for (int r = 0; r < NXR; r++)
            movsd_load(x, r, M_(mbase(RSP, 8 * r)));
        enc(x, 0, 1, 0x81, 1, 0, R_(RSP), 4); /* add rsp, 120 */
        b4(x, 120);
        for (int i = 7; i >= 0; i--)
            pop(x, gp[i]);
        b1(x, 0xC3);
    }
}

/* Linear interpolation inline: i = trunc(x) on the fast path (0 <= x, i < len, so i == floor(x)
 * and (double)i is exact), fract = x - i, data[i] * (1 - fract) + data[j] * fract with
 * j = i + 1 wrapped, in the order of sj__read_lin_f64/f32. Anything else calls them out of line. */
static void emit_read_lin(X *x, uint32_t i, bool tab, uint32_t slot, uint32_t a)
{
    rmo sa = loc(x, a);
    unsigned lock = lockmask(x, a, NONE32);
    int r = reg_alloc(x, i, lock);
    int t = reg_alloc(x, i, lock | (1u << r));
    movsd_load(x, r, sa);
    kill_if_dead(x, a, i);
    load_ptr_len(x, tab, slot);
    if (!grow(x, (void **)&x->colds, &x->colds_cap, (size_t)x->ncolds + 1, sizeof(cold)))
        return;
    cold *c = &x->colds[x->ncolds++];
    c->label_here = new_label(x);
    c->label_back = new_label(x);
    c->x = R_(r);
    c->stub = tab ? STUB_LIN32 : STUB_LIN64;
    if (x->stub_label[c->stub] < 0)
        x->stub_label[c->stub] = (int32_t)new_label(x);
    uint32_t here = c->label_here, back = c->label_back;
    sse(x, 0x66, 0x2E, r, M_(cpool(x, 0, 0)));   /* ucomisd x, 0.0 */
    jcc(x, CC_B, here);                          /* x < 0 or NaN */
    enc(x, 0xF2, 1, 0x0F2C, 2, RAX, R_(r), 0);    /* cvttsd2si rax, x */
    enc(x, 0, 1, 0x39, 1, RDX, R_(RAX), 0);       /* cmp rax, rdx */
    jcc(x, CC_AE, here);
    sse(x, 0x66, 0x57, t, R_(t));                 /* t = (double)i */
    enc(x, 0xF2, 1, 0x0F2A, 2, t, R_(RAX), 0);
    sse(x, 0xF2, 0x58, r, M_(cpool(x, 0, 0)));    /* x + 0.0: -0.0 becomes +0.0 (floor(-0.0) is -0.0) */
    sse(x, 0xF2, 0x5C, r, R_(t));                 /* r = fract */
    movsd_load(x, t, M_(cpool(x, sj__f64_bits(1.0), 0)));
    sse(x, 0xF2, 0x5C, t, R_(r));                 /* t = 1 - fract */
    lea(x, RSI, mbase(RAX, 1));                   /* j = i + 1 == len ? 0 : i + 1 */
    enc(x, 0, 1, 0x39, 1, RDX, R_(RSI), 0);       /* cmp rsi, rdx */
    uint32_t ok = new_label(x);
    jcc(x, CC_B, ok);
    enc(x, 0, 0, 0x31, 1, RSI, R_(RSI), 0);       /* xor esi, esi */
    bind(x, ok);
    if (tab) {
        sse(x, 0x66, 0x57, XS, R_(XS));
        sse(x, 0xF3, 0x5A, XS, M_(mindex(RCX, RAX, 4, 0))); /* (double)data[i] */
        sse(x, 0xF2, 0x59, XS, R_(t));                      /* * (1 - fract) */
        sse(x, 0x66, 0x57, t, R_(t));
        sse(x, 0xF3, 0x5A, t, M_(mindex(RCX, RSI, 4, 0)));  /* (double)data[j] */
    } else {
        movsd_load(x, XS, M_(mindex(RCX, RAX, 8, 0)));
        sse(x, 0xF2, 0x59, XS, R_(t));
        movsd_load(x, t, M_(mindex(RCX, RSI, 8, 0)));
    }
    sse(x, 0xF2, 0x59, t, R_(r));  /* data[j] * fract */
    sse(x, 0xF2, 0x58, XS, R_(t)); /* sum */
    bind(x, back);                 /* the slow path returns here with the result in xmm15 */
    movsd_load(x, r, R_(XS));
    def_reg(x, i, r);
}

/* Prepares a call at pos: saves values live after it, moves the xmm arguments into place, and
 * forgets every register. */
static void call_setup(X *x, uint32_t pos, const uint32_t *vargs, uint32_t nv)
{
    for (int r = 0; r < NXR; r++) {
        uint32_t v = x->regv[r];
        if (v != NONE32 && x->vi[v].lastuse > pos)
            spill_to_slot(x, v);
    }
    pmv mv[8];
    for (uint32_t i = 0; i < nv; i++)
        mv[i] = (pmv){(int)i, loc(x, vargs[i])};
    pmove(x, mv, nv);
    for (uint32_t i = 0; i < nv; i++)
        kill_if_dead(x, vargs[i], pos);
    for (int r = 0; r < NXR; r++)
        drop_reg(x, r);
}

/* VEX-encoded FMA3 scalar double, 231 form: dst = src2 * src3 (+/-) dst. */
static void vfma231(X *x, uint8_t op, int dst, int src2, rmo src3)
{
    unsigned rb = 0, xb = 0;
    if (!src3.mem)
        rb = (unsigned)(src3.reg >> 3) & 1;
    else if (src3.m.cp < 0) {
        rb = (unsigned)(src3.m.base >> 3) & 1;
        if (src3.m.index >= 0)
            xb = (unsigned)(src3.m.index >> 3) & 1;
    }
    b1(x, 0xC4);
    b1(x, (unsigned)((!((dst >> 3) & 1)) << 7 | (!xb) << 6 | (!rb) << 5 | 0x02)); /* map 0F38 */
    b1(x, (unsigned)(0x80 | ((~src2 & 15) << 3) | 0x01));                          /* W1, vvvv, L0, pp=66 */
    /* opcode + ModRM/SIB/disp through the common encoder (no prefix, no REX) */
    rmo s = src3;
    size_t at = x->n;
    enc(x, 0, 0, op, 1, dst & 7, s.mem ? s : R_(s.reg & 7), 0);
    /* enc may have emitted a REX byte for the memory operand's extended registers: VEX carries them */
    if (x->n > at && (x->code[at] & 0xF0) == 0x40) {
        memmove(x->code + at, x->code + at + 1, x->n - at - 1);
        x->n--;
        for (uint32_t k = 0; k < x->ncfix; k++)
            if (x->cfix[k].at > at)
                x->cfix[k].at--, x->cfix[k].end--;
    }
}

/* ADD/SUB i with its contracted MUL: a*b + c, a*b - c, c - a*b, rounded once. */
static void emit_fma(X *x, uint32_t i)
{
    const sj_ir_inst *in = &x->f->insts[i];
    uint32_t m = x->fma_mul[i];
    const sj_ir_inst *mi = &x->f->insts[m];
    uint32_t a = mi->a, b = mi->b, c = in->a == m ? in->b : in->a;
    uint8_t op = in->op == SJ_IR_ADD ? 0xB9 /* vfmadd231sd */
                 : in->a == m        ? 0xBB /* vfmsub231sd: a*b - c */
                                     : 0xBD; /* vfnmadd231sd: c - a*b */
    rmo sa = loc(x, a), sb = loc(x, b), sc = loc(x, c);
    unsigned lock = lockmask(x, a, b) | lockmask(x, c, NONE32);
    vinfo *pc = &x->vi[c];
    int r;
    if (!pc->remat && pc->reg >= 0 && pc->lastuse <= i) {
        r = pc->reg;
        drop_reg(x, r);
    } else {
        r = reg_alloc(x, i, lock);
        movsd_load(x, r, sc);
    }
    int ra;
    if (sa.mem) {
        movsd_load(x, XS, sa);
        ra = XS;
    } else {
        ra = sa.reg;
    }
    vfma231(x, op, r, ra, sb);
    kill_if_dead(x, a, i);
    kill_if_dead(x, b, i);
    kill_if_dead(x, c, i);
    def_reg(x, i, r);
}

/* The SSE2 scalar-double opcodes of the two-operand arithmetic (addsd, subsd, ...). */
static const uint8_t arith_opc[SJ_IR_OP_COUNT] = {[SJ_IR_ADD] = 0x58, [SJ_IR_SUB] = 0x5C, [SJ_IR_MUL] = 0x59,
                                                  [SJ_IR_DIV] = 0x5E, [SJ_IR_MIN] = 0x5D, [SJ_IR_MAX] = 0x5F};

/* The cmpsd predicate of comparison op (0 eq, 4 neq, 1 lt, 2 le) for p op q; GT and GE swap the
 * operands (*p, *q) to become LT and LE. */
static int cmp_pred(uint8_t op, uint32_t *p, uint32_t *q)
{
    if (op == SJ_IR_GT || op == SJ_IR_GE) {
        uint32_t t = *p;
        *p = *q;
        *q = t;
    }
    return op == SJ_IR_EQ ? 0 : op == SJ_IR_NE ? 4 : (op == SJ_IR_LT || op == SJ_IR_GT) ? 1 : 2;
}

static void emit_inst(X *x, uint32_t blk, uint32_t i)
{
    const sj_ir_func *f = x->f;
    const sj_ir_inst *in = &f->insts[i];
    vinfo *vp = &x->vi[i];
    uint32_t a = in->a, b = in->b;
    if (x->skip[i] || x->inv[i] || x->fused[i] || x->fmul[i])
        return;
    if (x->fma_mul[i] != NONE32) {
        emit_fma(x, i);
        return;
    }
    if (x->promoted[i]) {
        /* the load is the loop-header value; the store is the back-edge move at RET */
        if (in->op == SJ_IR_PV_STORE)
            kill_if_dead(x, a, i);
        return;
    }
    switch ((sj_ir_op)in->op) {
    case SJ_IR_NOP:
    case SJ_IR_PHI:
    case SJ_IR_CONST:
    case SJ_IR_AUX:
        return;
    case SJ_IR_PARAM:
    case SJ_IR_SIG_IN: {
        if (vp->uend == vp->ubeg)
            return;
        int p;
        ptr_src(x, in->op == SJ_IR_PARAM ? SRC_IN(in->slot) : SRC_IN(6 + in->slot), RAX, &p);
        int r = reg_alloc(x, i, 0);
        movsd_load(x, r, M_(mindex(p, R12, 1, 0)));
        def_reg(x, i, r);
        return;
    }
    case SJ_IR_PV_LOAD: {
        if (vp->uend == vp->ubeg)
            return;
        int p;
        ptr_src(x, SRC_PV, RAX, &p);
        int r = reg_alloc(x, i, 0);
        movsd_load(x, r, M_(mbase(p, (int32_t)(8 * in->slot))));
        def_reg(x, i, r);
        return;
    }
    case SJ_IR_RV_LOAD: {
        if (vp->uend == vp->ubeg)
            return;
        int r = reg_alloc(x, i, 0);
        movsd_load(x, r, M_(mbase(RBX, (int32_t)(offsetof(sj_env, rv) + 8 * in->slot))));
        def_reg(x, i, r);
        return;
    }
    case SJ_IR_PV_STORE:
    case SJ_IR_OUT_STORE:
    case SJ_IR_RET: {
        int p;
        mop dst;
        if (in->op == SJ_IR_PV_STORE) {
            ptr_src(x, SRC_PV, RAX, &p);
            dst = mbase(p, (int32_t)(8 * in->slot));
        } else {
            ptr_src(x, SRC_OUT(in->op == SJ_IR_RET ? 2 : in->slot), RAX, &p);
            dst = mindex(p, R12, 1, 0);
        }
        movsd_store(x, dst, read_reg(x, a));
        if (in->op != SJ_IR_RET) /* after RET the back edge may still read it */
            kill_if_dead(x, a, i);
        return;
    }
    case SJ_IR_RV_ZERO:
        sse(x, 0x66, 0x57, XS, R_(XS)); /* xorpd */
        for (int k = 0; k < 5; k++)
            movsd_store(x, mbase(RBX, (int32_t)(offsetof(sj_env, rv) + 8 * (size_t)k)), XS);
        return;
    case SJ_IR_ADD:
    case SJ_IR_SUB:
    case SJ_IR_MUL:
    case SJ_IR_DIV:
    case SJ_IR_MIN:
    case SJ_IR_MAX: {
        if ((in->op == SJ_IR_ADD || in->op == SJ_IR_MUL) && a != b) {
            /* commutative: prefer the dying register operand as destination */
            const vinfo *pa = &x->vi[a], *pb = &x->vi[b];
            bool adies = !pa->remat && pa->reg >= 0 && pa->lastuse <= i;
            bool bdies = !pb->remat && pb->reg >= 0 && pb->lastuse <= i;
            if ((!adies && bdies) || (!adies && pa->reg < 0 && pb->reg >= 0)) {
                uint32_t t = a;
                a = b;
                b = t;
            }
        }
        rmo sb = loc(x, b);
        int r = dst_from(x, a, b, i, true);
        sse(x, 0xF2, arith_opc[in->op], r, sb);
        kill_if_dead(x, a, i);
        kill_if_dead(x, b, i);
        def_reg(x, i, r);
        return;
    }
    case SJ_IR_EQ:
    case SJ_IR_NE:
    case SJ_IR_LT:
    case SJ_IR_LE:
    case SJ_IR_GT:
    case SJ_IR_GE: {
        uint32_t p = a, q = b;
        int pred = cmp_pred(in->op, &p, &q);
        rmo sq = loc(x, q);
        int r = dst_from(x, p, q, i, true);
        enc(x, 0xF2, 0, 0x0FC2, 2, r, sq, 1); /* cmpsd r, q, pred */
        b1(x, (unsigned)pred);
        sse(x, 0x66, 0x54, r, M_(cpool(x, sj__f64_bits(1.0), 0))); /* andpd r, 1.0 */
        kill_if_dead(x, a, i);
        kill_if_dead(x, b, i);
        def_reg(x, i, r);
        return;
    }
    case SJ_IR_FLOOR:
    case SJ_IR_CEIL:
        if (x->feat & SJ_X64_SSE41) {
            rmo s = loc(x, a);
            int r = dst_from(x, a, NONE32, i, false);
            enc(x, 0x66, 0, 0x0F3A0B, 3, r, s, 1); /* roundsd r, s, imm */
            b1(x, in->op == SJ_IR_FLOOR ? 0x09 : 0x0A);
            kill_if_dead(x, a, i);
            def_reg(x, i, r);
        } else {
            call_setup(x, i, &a, 1);
            call_abs(x, in->op == SJ_IR_FLOOR ? (genfn)floor : (genfn)ceil);
            def_reg(x, i, 0);
        }
        return;
    case SJ_IR_SQRT: {
        rmo s = loc(x, a);
        int r = dst_from(x, a, NONE32, i, false);
        sse(x, 0xF2, 0x51, r, s);
        kill_if_dead(x, a, i);
        def_reg(x, i, r);
        return;
    }
    case SJ_IR_ABS: {
        int r = dst_from(x, a, NONE32, i, true);
        sse(x, 0x66, 0x54, r, M_(cpool(x, 0x7fffffffffffffffull, 0x7fffffffffffffffull)));
        kill_if_dead(x, a, i);
        def_reg(x, i, r);
        return;
    }
    case SJ_IR_BUF_LEN:
    case SJ_IR_TAB_LEN: {
        if (vp->uend == vp->ubeg)
            return;
        size_t lo = in->op == SJ_IR_TAB_LEN ? offsetof(sj_env, table_lens) : offsetof(sj_env, buf_lens);
        mov_r_m(x, RAX, mbase(RBX, (int32_t)lo));
        mov_r_m(x, RAX, mbase(RAX, (int32_t)(8 * in->slot)));
        int r = reg_alloc(x, i, 0);
        sse(x, 0x66, 0x57, r, R_(r));                /* xorpd: no false dependency */
        enc(x, 0xF2, 1, 0x0F2A, 2, r, R_(RAX), 0); /* cvtsi2sd r, rax (lengths < 2^63) */
        def_reg(x, i, r);
        return;
    }
    case SJ_IR_BUF_READ:
    case SJ_IR_TAB_READ: {
        bool tab = in->op == SJ_IR_TAB_READ;
        load_ptr_len(x, tab, in->slot);
        wrap_index(x, loc(x, a));
        kill_if_dead(x, a, i);
        if (vp->uend == vp->ubeg)
            return;
        int r = reg_alloc(x, i, 0);
        if (tab) {
            sse(x, 0x66, 0x57, r, R_(r));
            sse(x, 0xF3, 0x5A, r, M_(mindex(RCX, RAX, 4, 0))); /* cvtss2sd */
        } else {
            movsd_load(x, r, M_(mindex(RCX, RAX, 8, 0)));
        }
        def_reg(x, i, r);
        return;
    }
    case SJ_IR_BUF_WRITE: {
        load_ptr_len(x, false, in->slot);
        wrap_index(x, loc(x, a));
        movsd_store(x, mindex(RCX, RAX, 8, 0), read_reg(x, b));
        kill_if_dead(x, a, i);
        kill_if_dead(x, b, i);
        return;
    }
    case SJ_IR_BUF_READ_LIN:
    case SJ_IR_TAB_READ_LIN:
        if (vp->uend == vp->ubeg)
            return; /* a pure load */
        emit_read_lin(x, i, in->op == SJ_IR_TAB_READ_LIN, in->slot, a);
        return;
    case SJ_IR_CALL: {
        const sj_ir_call *cl = &f->calls[in->c];
        const char *sig = cl->type->signature ? cl->type->signature : "";
        uint32_t vargs[8] = {0};
        uint32_t nv = 0;
        for (const char *s = sig; *s; s++)
            if (*s == 'v' && nv < 8 && nv < in->b)
                vargs[nv] = f->args[in->a + nv], nv++;
        call_setup(x, i, vargs, nv);
        static const int gpa[6] = {RDI, RSI, RDX, RCX, R8, R9};
        int ng = 0;
        bool ret = false;
        for (const char *s = sig; *s; s++) {
            if (*s == 'D') {
                mov_r_m(x, gpa[ng++], mbase(RBX, (int32_t)offsetof(sj_env, dsp)));
            } else if (*s == 'S') {
                mov_r_m(x, RAX, mbase(RBX, (int32_t)offsetof(sj_env, states)));
                mov_r_m(x, gpa[ng++], mbase(RAX, (int32_t)(8 * cl->state)));
            } else if (*s == 'M') {
                lea(x, gpa[ng++], mbase(RBX, (int32_t)offsetof(sj_env, rv)));
            } else if (*s == 'r') {
                ret = true;
            }
        }
        call_abs(x, cl->type->fn);
        if (ret) {
            def_reg(x, i, 0);
        } else {
            vp->remat = true;
            vp->rm = cpool(x, 0, 0);
        }
        return;
    }
    case SJ_IR_JMP:
    case SJ_IR_BR:
    case SJ_IR_OP_COUNT:
        break;
    }
    (void)blk;
}

/* ---- Branches ---------------------------------------------------------------------------------- */

enum { T_NE, T_EQ, T_A, T_AE };
enum { CC_BE = 0x6, CC_A = 0x7 };

/* Sets the flags for the branch condition c at BR position pos; returns how to read them.
 * ucomisd p, q: unordered sets ZF, PF and CF, so "above" (CF=0, ZF=0) and "above or equal"
 * (CF=0) are false for NaN, as the ordered comparisons of the IR. */
static int emit_test(X *x, uint32_t c, uint32_t pos)
{
    if (!x->fused[c]) {
        int r = read_reg(x, c);
        sse(x, 0x66, 0x2E, r, M_(cpool(x, 0, 0))); /* ucomisd c, 0.0 */
        return T_NE;
    }
    const sj_ir_inst *in = &x->f->insts[c];
    uint32_t p = in->a, q = in->b;
    int kind;
    switch (in->op) {
    case SJ_IR_EQ: kind = T_EQ; break;
    case SJ_IR_NE: kind = T_NE; break;
    case SJ_IR_GT: kind = T_A; break;
    case SJ_IR_GE: kind = T_AE; break;
    case SJ_IR_LT: kind = T_A; p = in->b; q = in->a; break;
    default: kind = T_AE; p = in->b; q = in->a; break;
    }
    int r = read_reg(x, p);
    sse(x, 0x66, 0x2E, r, loc(x, q)); /* ucomisd p, q */
    /* operands are not killed here: a phi on an edge may still read them; the block ends */
    return kind;
}

/* Jumps to label when the condition is (when) true / false. */
static void jump_if(X *x, int kind, bool when, uint32_t label)
{
    switch (kind) {
    case T_A:
        jcc(x, when ? CC_A : CC_BE, label);
        return;
    case T_AE:
        jcc(x, when ? CC_AE : CC_B, label);
        return;
    default:
        break;
    }
    /* equal: ZF=1 and PF=0 */
    bool eq = (kind == T_EQ) == when;
    if (eq) {
        uint32_t skip = new_label(x);
        jcc(x, CC_P, skip);
        jcc(x, CC_E, label);
        bind(x, skip);
    } else {
        jcc(x, CC_P, label);
        jcc(x, CC_NE, label);
    }
}

/* ---- Driver ----------------------------------------------------------------------------------- */

/* Operand counts from the op table (kept local so the backend needs nothing else from src/ir). */
static const int8_t op_nargs[SJ_IR_OP_COUNT] = {
#define SJ__X64_NARGS(name, n, flags) n,
    SJ_IR_OPS(SJ__X64_NARGS)
#undef SJ__X64_NARGS
};

static void add_use(X *x, uint32_t v, uint32_t pos, uint32_t *cnt, bool count)
{
    if (v >= x->f->ninsts)
        return;
    if (count) {
        cnt[v]++;
        return;
    }
    vinfo *p = &x->vi[v];
    x->uses[p->uend++] = pos;
    if (p->lastuse == NONE32 || pos > p->lastuse)
        p->lastuse = pos;
}

static void scan_uses(X *x, uint32_t *cnt, bool count)
{
    const sj_ir_func *f = x->f;
    for (uint32_t bi = 0; bi < f->nblocks; bi++) {
        const sj_ir_block *bl = &f->blocks[bi];
        for (uint32_t i = bl->start; i < bl->end; i++) {
            const sj_ir_inst *in = &f->insts[i];
            int na = in->op < SJ_IR_OP_COUNT ? op_nargs[in->op] : 0;
            if (x->skip[i] || x->inv[i])
                continue;
            if (x->fused[i]) {
                /* its operands are read by the BR at the end of the block */
                add_use(x, in->a, bl->end - 1, cnt, count);
                add_use(x, in->b, bl->end - 1, cnt, count);
                continue;
            }
            if (x->fmul[i])
                continue; /* its operands are read by the contracting ADD/SUB */
            if (x->fma_mul[i] != NONE32) {
                const sj_ir_inst *m = &f->insts[x->fma_mul[i]];
                add_use(x, m->a, i, cnt, count);
                add_use(x, m->b, i, cnt, count);
                add_use(x, in->a == x->fma_mul[i] ? in->b : in->a, i, cnt, count);
                continue;
            }
            if (in->op == SJ_IR_BR && in->a < f->ninsts && x->fused[in->a])
                continue;
            if (in->op == SJ_IR_RET)
                for (uint32_t k = 0; k < x->npromo; k++)
                    add_use(x, x->promo_val[k], i, cnt, count); /* the back edge reads it */
            switch (in->op) {
            case SJ_IR_CALL:
                for (uint32_t k = 0; k < in->b; k++)
                    add_use(x, f->args[in->a + k], i, cnt, count);
                break;
            case SJ_IR_PHI:
                for (uint32_t k = 0; k < in->b && k < bl->npreds; k++)
                    add_use(x, f->args[in->a + k], f->blocks[bl->preds[k]].end - 1, cnt, count);
                break;
            case SJ_IR_JMP:
                break;
            default:
                if (na >= 1)
                    add_use(x, in->a, i, cnt, count);
                if (na >= 2)
                    add_use(x, in->b, i, cnt, count);
                break;
            }
        }
    }
}

/* Finds the instructions that need no code, and the persistent variables to keep in registers
 * across frames. The lowering loads each persistent variable once at the start of the frame and
 * stores it once at the end (in the block of RET, which every frame runs); such a variable is a
 * loop-carried value: its load becomes a phi at the loop header (in a fixed register, loaded from
 * env->pv before the loop), its store a move on the back edge, and env->pv is written once after
 * the last frame. Only in functions without calls: across a call every xmm value goes to memory
 * anyway, so there is nothing to gain there. */
static void plan_specials(X *x, const uint32_t *cnt)
{
    const sj_ir_func *f = x->f;
    bool rv_used = false, calls = false;
    uint32_t last_start = f->blocks[f->nblocks - 1].start;
    for (uint32_t i = 0; i < f->ninsts; i++) {
        const sj_ir_inst *in = &f->insts[i];
        switch (in->op) {
        case SJ_IR_RV_LOAD:
            rv_used = true;
            break;
        case SJ_IR_CALL:
            calls = true;
            if (strchr(f->calls[in->c].type->signature, 'M'))
                rv_used = true;
            break;
        case SJ_IR_FLOOR:
        case SJ_IR_CEIL:
            if (!(x->feat & SJ_X64_SSE41))
                calls = true;
            break;
        default:
            break;
        }
    }
    x->calls = calls;
    for (uint32_t i = 0; i < f->ninsts; i++) {
        const sj_ir_inst *in = &f->insts[i];
        /* nothing reads the multi-return slots */
        if (in->op == SJ_IR_RV_ZERO && !rv_used)
            x->skip[i] = true;
    }
    /* Loop invariants: pure operations on constants, $aux values and buffer/table lengths (which no
     * frame changes). */
    for (uint32_t i = 0; i < f->ninsts; i++) {
        const sj_ir_inst *in = &f->insts[i];
        int na = op_nargs[in->op];
        bool ok;
        switch (in->op) {
        case SJ_IR_ADD: case SJ_IR_SUB: case SJ_IR_MUL: case SJ_IR_DIV: case SJ_IR_MIN: case SJ_IR_MAX:
        case SJ_IR_EQ: case SJ_IR_NE: case SJ_IR_LT: case SJ_IR_LE: case SJ_IR_GT: case SJ_IR_GE:
        case SJ_IR_ABS: case SJ_IR_SQRT: case SJ_IR_BUF_LEN: case SJ_IR_TAB_LEN:
            ok = true;
            break;
        case SJ_IR_FLOOR: case SJ_IR_CEIL:
            ok = (x->feat & SJ_X64_SSE41) != 0;
            break;
        default:
            ok = false;
            break;
        }
        for (int k = 0; k < na && ok; k++) {
            uint32_t v = k == 0 ? in->a : in->b;
            if (v >= i)
                ok = false;
            else
                ok = f->insts[v].op == SJ_IR_CONST || f->insts[v].op == SJ_IR_AUX || x->inv[v];
        }
        x->inv[i] = ok && (x->feat & SJ_X64_OPT_INVARIANTS);
    }
    /* compare-and-branch */
    for (uint32_t bi = 0; bi < f->nblocks; bi++) {
        const sj_ir_block *bl = &f->blocks[bi];
        if (bl->end <= bl->start)
            continue;
        const sj_ir_inst *br = &f->insts[bl->end - 1];
        if (br->op != SJ_IR_BR || br->a < bl->start || br->a >= bl->end || cnt[br->a] != 1 || x->inv[br->a])
            continue;
        uint8_t op = f->insts[br->a].op;
        if (op >= SJ_IR_EQ && op <= SJ_IR_GE && (x->feat & SJ_X64_OPT_FUSE))
            x->fused[br->a] = true;
    }
    /* FMA contraction (opt-in): ADD/SUB with a MUL operand that has no other use, in the same block */
    if (x->feat & SJ_X64_OPT_FMA) {
        for (uint32_t bi = 0; bi < f->nblocks; bi++) {
            const sj_ir_block *bl = &f->blocks[bi];
            for (uint32_t i = bl->start; i < bl->end; i++) {
                const sj_ir_inst *in = &f->insts[i];
                if ((in->op != SJ_IR_ADD && in->op != SJ_IR_SUB) || x->inv[i])
                    continue;
                for (int k = 0; k < 2; k++) {
                    uint32_t m = k == 0 ? in->a : in->b;
                    if (m < bl->start || m >= i || f->insts[m].op != SJ_IR_MUL || cnt[m] != 1 || x->inv[m] ||
                        x->fmul[m] || in->a == in->b)
                        continue;
                    x->fma_mul[i] = m;
                    x->fmul[m] = true;
                    break;
                }
            }
        }
    }
    if (calls || !(x->feat & SJ_X64_OPT_PROMOTE))
        return;
    for (uint32_t i = 0; i < f->ninsts && x->npromo < 10; i++) {
        const sj_ir_inst *ld = &f->insts[i];
        if (ld->op != SJ_IR_PV_LOAD || cnt[i] == 0)
            continue;
        uint32_t nload = 0, nstore = 0, st = 0;
        for (uint32_t j = 0; j < f->ninsts; j++) {
            const sj_ir_inst *in = &f->insts[j];
            if (in->slot != ld->slot)
                continue;
            if (in->op == SJ_IR_PV_LOAD)
                nload++;
            else if (in->op == SJ_IR_PV_STORE)
                nstore++, st = j;
        }
        if (nload != 1 || nstore != 1 || st < last_start || st < i || f->insts[st].a >= f->ninsts)
            continue;
        uint32_t k = x->npromo++;
        x->promo_load[k] = i;
        x->promo_val[k] = f->insts[st].a;
        x->promo_slot[k] = ld->slot;
        x->promoted[i] = x->promoted[st] = true;
    }
}

/* Computes invariant v (its operands are constants, $aux or earlier invariants) into its slot. */
static void emit_invariant(X *x, uint32_t v)
{
    const sj_ir_inst *in = &x->f->insts[v];
    switch (in->op) {
    case SJ_IR_ADD: case SJ_IR_SUB: case SJ_IR_MUL: case SJ_IR_DIV: case SJ_IR_MIN: case SJ_IR_MAX:
        movsd_load(x, XS, loc(x, in->a));
        sse(x, 0xF2, arith_opc[in->op], XS, loc(x, in->b));
        break;
    case SJ_IR_EQ: case SJ_IR_NE: case SJ_IR_LT: case SJ_IR_LE: case SJ_IR_GT: case SJ_IR_GE: {
        uint32_t p = in->a, q = in->b;
        int pred = cmp_pred(in->op, &p, &q);
        movsd_load(x, XS, loc(x, p));
        enc(x, 0xF2, 0, 0x0FC2, 2, XS, loc(x, q), 1);
        b1(x, (unsigned)pred);
        sse(x, 0x66, 0x54, XS, M_(cpool(x, sj__f64_bits(1.0), 0)));
        break;
    }
    case SJ_IR_FLOOR: case SJ_IR_CEIL:
        enc(x, 0x66, 0, 0x0F3A0B, 3, XS, loc(x, in->a), 1);
        b1(x, in->op == SJ_IR_FLOOR ? 0x09 : 0x0A);
        break;
    case SJ_IR_SQRT:
        sse(x, 0xF2, 0x51, XS, loc(x, in->a));
        break;
    case SJ_IR_ABS:
        movsd_load(x, XS, loc(x, in->a));
        sse(x, 0x66, 0x54, XS, M_(cpool(x, 0x7fffffffffffffffull, 0x7fffffffffffffffull)));
        break;
    default: { /* BUF_LEN, TAB_LEN */
        size_t lo = in->op == SJ_IR_TAB_LEN ? offsetof(sj_env, table_lens) : offsetof(sj_env, buf_lens);
        mov_r_m(x, RAX, mbase(RBX, (int32_t)lo));
        mov_r_m(x, RAX, mbase(RAX, (int32_t)(8 * in->slot)));
        sse(x, 0x66, 0x57, XS, R_(XS));
        enc(x, 0xF2, 1, 0x0F2A, 2, XS, R_(RAX), 0);
        break;
    }
    }
    mop m = slot_mop(x, v);
    movsd_store(x, m, XS);
    x->vi[v].remat = true;
    x->vi[v].rm = m;
}

/* Remembers where something starts, for the disassembly (best effort: dropped without memory). */
static void mark(X *x, uint32_t what)
{
    size_t cap = x->marks_cap;
    if (!sj__grow((void **)&x->marks, &cap, (size_t)x->nmarks + 1, sizeof(sj_x64_marks)))
        return;
    x->marks_cap = (uint32_t)cap;
    x->marks[x->nmarks++] = (sj_x64_marks){(uint32_t)x->n, what};
}

static void x64_free(sj_code *code)
{
    sj_x64_impl *im = code->impl;
    if (im) {
        sj__jit_free(&im->region);
        sj__free(im->marks);
        sj__free(im);
    }
    code->impl = NULL;
    code->kernel = NULL;
}

static void x_fini(X *x)
{
    sj__free(x->code);
    sj__free(x->labels);
    sj__free(x->jfix);
    sj__free(x->cfix);
    sj__free(x->pool);
    sj__free(x->vi);
    sj__free(x->uses);
    sj__free(x->active);
    sj__free(x->freeslots);
    sj__free(x->bs);
    sj__free(x->ents);
    sj__free(x->colds);
    sj__free(x->skip);
    sj__free(x->promoted);
    sj__free(x->inv);
    sj__free(x->fused);
    sj__free(x->fma_mul);
    sj__free(x->fmul);
    sj__free(x->marks);
}

static void choose_hoists(X *x)
{
    const sj_ir_func *f = x->f;
    uint32_t cnt[SRC_COUNT] = {0};
    for (uint32_t i = 0; i < f->ninsts; i++) {
        const sj_ir_inst *in = &f->insts[i];
        switch (in->op) {
        case SJ_IR_PARAM:
            if (in->slot < 6 && x->vi[i].uend != x->vi[i].ubeg)
                cnt[SRC_IN(in->slot)]++;
            break;
        case SJ_IR_SIG_IN:
            if (in->slot < 2 && x->vi[i].uend != x->vi[i].ubeg)
                cnt[SRC_IN(6 + in->slot)]++;
            break;
        case SJ_IR_OUT_STORE:
            if (in->slot < 3 && !x->skip[i])
                cnt[SRC_OUT(in->slot)]++;
            break;
        case SJ_IR_RET:
            cnt[SRC_OUT(2)]++;
            break;
        case SJ_IR_PV_LOAD:
        case SJ_IR_PV_STORE:
            if (!x->promoted[i])
                cnt[SRC_PV]++;
            break;
        default:
            break;
        }
    }
    /* Without calls, r8..r11 first: the emitted code uses them for nothing else (r8/r9 carry call
     * arguments, and the out-of-line stubs save all four), and they cost no push and pop. A call
     * would clobber them, so with calls only the callee-saved rbp, r14 and r15 serve. */
    static const int8_t free_regs[4] = {R8, R9, R10, R11}, saved_regs[3] = {RBP, R14, R15};
    x->nhoist = 0;
    if (!x->calls)
        for (int k = 0; k < 4; k++)
            x->hoist_reg[x->nhoist++] = free_regs[k];
    for (int k = 0; k < 3; k++)
        x->hoist_reg[x->nhoist++] = saved_regs[k];
    for (int s = 0; s < SRC_COUNT; s++)
        x->src_reg[s] = -1;
    for (int k = 0; k < x->nhoist; k++) {
        int best = -1;
        for (int s = 0; s < SRC_COUNT; s++)
            if (x->src_reg[s] < 0 && cnt[s] > 0 && (best < 0 || cnt[s] > cnt[best]))
                best = s;
        x->hoist_src[k] = best;
        if (best >= 0)
            x->src_reg[best] = x->hoist_reg[k];
    }
}

static sj_status x_compile(X *x, sj_code *out)
{
    const sj_ir_func *f = x->f;
    uint32_t nv = f->ninsts;
    if (f->nblocks == 0 || nv == 0)
        return SJ_ERR_INTERNAL;
    x->vi = sj__calloc(nv, sizeof(vinfo));
    uint32_t *cnt = sj__calloc(nv, sizeof(uint32_t));
    x->active = sj__calloc(nv, sizeof(uint32_t));
    x->freeslots = sj__calloc(nv, sizeof(int32_t));
    x->bs = sj__calloc(f->nblocks, sizeof(bstate));
    x->skip = sj__calloc(nv, sizeof(bool));
    x->promoted = sj__calloc(nv, sizeof(bool));
    x->inv = sj__calloc(nv, sizeof(bool));
    x->fused = sj__calloc(nv, sizeof(bool));
    x->fma_mul = sj__malloc(nv * sizeof(uint32_t));
    x->fmul = sj__calloc(nv, sizeof(bool));
    if (!x->vi || !cnt || !x->active || !x->freeslots || !x->bs || !x->skip || !x->promoted || !x->inv ||
        !x->fused || !x->fma_mul || !x->fmul) {
        sj__free(cnt);
        return SJ_ERR_NOMEM;
    }
    for (uint32_t v = 0; v < nv; v++)
        x->fma_mul[v] = NONE32;
    scan_uses(x, cnt, true);
    plan_specials(x, cnt);
    /* recount: skipped instructions use nothing, the back edge uses the promoted values */
    memset(cnt, 0, nv * sizeof(uint32_t));
    scan_uses(x, cnt, true);
    uint32_t total = 0;
    for (uint32_t v = 0; v < nv; v++) {
        vinfo *p = &x->vi[v];
        p->reg = -1;
        p->slot = -1;
        p->lastuse = NONE32;
        p->ubeg = p->uend = p->ucur = total;
        total += cnt[v];
    }
    sj__free(cnt);
    x->uses = sj__malloc((size_t)(total ? total : 1) * sizeof(uint32_t));
    if (!x->uses)
        return SJ_ERR_NOMEM;
    scan_uses(x, NULL, false);
    for (uint32_t v = 0; v < nv; v++) {
        /* phi uses are recorded out of order: sort (lists are short) */
        vinfo *p = &x->vi[v];
        for (uint32_t i = p->ubeg + 1; i < p->uend; i++) {
            uint32_t t = x->uses[i], j = i;
            while (j > p->ubeg && x->uses[j - 1] > t) {
                x->uses[j] = x->uses[j - 1];
                j--;
            }
            x->uses[j] = t;
        }
        const sj_ir_inst *in = &f->insts[v];
        if (in->op == SJ_IR_CONST) {
            p->remat = true;
            p->rm = cpool(x, sj__f64_bits(in->k), 0);
        } else if (in->op == SJ_IR_AUX) {
            p->remat = true;
            p->rm = mbase(RBX, (int32_t)(offsetof(sj_env, aux) + 8 * (size_t)(in->slot < 3 ? in->slot : 0)));
        }
    }
    for (int r = 0; r < 16; r++)
        x->regv[r] = NONE32;
    for (int k = 0; k < NSTUB; k++)
        x->stub_label[k] = -1;
    choose_hoists(x);

    uint32_t *blabel = sj__malloc(sizeof(uint32_t) * f->nblocks);
    if (!blabel)
        return SJ_ERR_NOMEM;
    for (uint32_t bi = 0; bi < f->nblocks; bi++)
        blabel[bi] = new_label(x);
    uint32_t l_loop = new_label(x), l_latch = new_label(x), l_exit = new_label(x);

    /* prologue */
    /* callee-saved registers: rbx, r12, r13 always, the callee-saved hoisting registers when used */
    int saved[6], nsaved = 0;
    saved[nsaved++] = RBX;
    saved[nsaved++] = R12;
    saved[nsaved++] = R13;
    for (int k = 0; k < x->nhoist; k++)
        if (x->hoist_src[k] >= 0 && callee_saved(x->hoist_reg[k]))
            saved[nsaved++] = x->hoist_reg[k];
    for (int k = 0; k < nsaved; k++)
        push(x, saved[k]);
    enc(x, 0, 1, 0x81, 1, 5, R_(RSP), 4); /* sub rsp, imm32 (patched) */
    x->frame_patch = (uint32_t)x->n;
    b4(x, 0);
    mov_r_r(x, RBX, RDI);
    mov_r_r(x, R13, RSI);
    enc(x, 0, 1, 0xC1, 1, 4, R_(R13), 1); /* shl r13, 3 */
    b1(x, 3);
    enc(x, 0, 0, 0x31, 1, R12, R_(R12), 0); /* xor r12d, r12d */
    for (int k = 0; k < x->nhoist; k++) {
        int s = x->hoist_src[k];
        if (s < 0)
            continue;
        mov_r_m(x, x->hoist_reg[k], mbase(RBX, src_offset(s)));
    }
    /* loop invariants, computed once into their stack slots (then used as memory operands) */
    {
        /* the used ones and, transitively, their invariant operands */
        bool *need = sj__calloc(nv, sizeof(bool));
        if (!need) {
            sj__free(blabel);
            return SJ_ERR_NOMEM;
        }
        for (uint32_t v = nv; v-- > 0;) {
            if (!x->inv[v])
                continue;
            if (x->vi[v].uend != x->vi[v].ubeg)
                need[v] = true;
            if (need[v]) {
                int na = op_nargs[f->insts[v].op];
                if (na >= 1 && x->inv[f->insts[v].a])
                    need[f->insts[v].a] = true;
                if (na >= 2 && x->inv[f->insts[v].b])
                    need[f->insts[v].b] = true;
            }
        }
        for (uint32_t v = 0; v < nv; v++)
            if (need[v])
                emit_invariant(x, v);
        sj__free(need);
    }
    /* loop-carried persistent variables: xmm k holds promoted variable k at the loop header */
    for (uint32_t k = 0; k < x->npromo; k++) {
        int p;
        ptr_src(x, SRC_PV, RAX, &p);
        movsd_load(x, (int)k, M_(mbase(p, (int32_t)(8 * x->promo_slot[k]))));
        def_reg(x, x->promo_load[k], (int)k);
    }
    enc(x, 0, 1, 0x85, 1, RSI, R_(RSI), 0); /* test rsi, rsi */
    jcc(x, CC_E, l_exit);
    while (x->n % 16)
        b1(x, 0x90);
    bind(x, l_loop);
    mark(x, SJ_X64_MARK_LOOP);

    plan pl;
    memset(&pl, 0, sizeof pl);
    for (uint32_t bi = 0; bi < f->nblocks && !x->oom; bi++) {
        const sj_ir_block *bl = &f->blocks[bi];
        if (bi > 0) {
            if (!x->bs[bi].fixed)
                continue; /* unreachable */
            enter_block(x, bi);
        }
        bind(x, blabel[bi]);
        mark(x, bi);
        for (uint32_t i = bl->start; i < bl->end && !x->oom; i++) {
            const sj_ir_inst *in = &f->insts[i];
            if (in->op == SJ_IR_JMP) {
                plan_edge(x, bi, in->b, i, &pl);
                emit_plan(x, &pl);
                if (in->b != bi + 1)
                    jmp(x, blabel[in->b]);
            } else if (in->op == SJ_IR_BR) {
                /* a != 0.0 (NaN counts as true) ? b : c, or a fused comparison */
                uint32_t lt = new_label(x);
                int kind = emit_test(x, in->a, i);
                plan_edge(x, bi, in->c, i, &pl);
                if (plan_empty(&pl)) {
                    jump_if(x, kind, false, blabel[in->c]);
                } else {
                    jump_if(x, kind, true, lt);
                    emit_plan(x, &pl);
                    jmp(x, blabel[in->c]);
                }
                bind(x, lt);
                plan_edge(x, bi, in->b, i, &pl);
                emit_plan(x, &pl);
                if (in->b != bi + 1)
                    jmp(x, blabel[in->b]);
            } else if (in->op == SJ_IR_RET) {
                emit_inst(x, bi, i);
                if (x->npromo) {
                    pmv mv[NXR];
                    for (uint32_t k = 0; k < x->npromo; k++)
                        mv[k] = (pmv){(int)k, loc(x, x->promo_val[k])};
                    pmove(x, mv, x->npromo);
                }
                if (bi + 1 < f->nblocks)
                    jmp(x, l_latch);
            } else {
                emit_inst(x, bi, i);
            }
        }
    }
    sj__free(pl.st);
    bind(x, l_latch);
    mark(x, SJ_X64_MARK_LATCH);
    enc(x, 0, 1, 0x83, 1, 0, R_(R12), 1); /* add r12, 8 */
    b1(x, 8);
    enc(x, 0, 1, 0x39, 1, R13, R_(R12), 0); /* cmp r12, r13 */
    jcc(x, CC_NE, l_loop);
    bind(x, l_exit);
    for (uint32_t k = 0; k < x->npromo; k++) {
        int p;
        ptr_src(x, SRC_PV, RAX, &p);
        movsd_store(x, mbase(p, (int32_t)(8 * x->promo_slot[k])), (int)k);
    }
    enc(x, 0, 1, 0x81, 1, 0, R_(RSP), 4); /* add rsp, imm32 (patched) */
    x->frame_patch2 = (uint32_t)x->n;
    b4(x, 0);
    for (int k = nsaved - 1; k >= 0; k--)
        pop(x, saved[k]);
    b1(x, 0xC3);
    mark(x, SJ_X64_MARK_COLD);
    emit_cold(x);
    sj__free(blabel);
    if (x->oom)
        return SJ_ERR_NOMEM;

    /* frame: the pushes and the return address; keep rsp 16-aligned at calls */
    uint32_t frame = 8 * x->nslots;
    if ((frame + 8 * (uint32_t)nsaved + 8) % 16)
        frame += 8;
    memcpy(x->code + x->frame_patch, &frame, 4);
    memcpy(x->code + x->frame_patch2, &frame, 4);

    size_t code_bytes = x->n;
    size_t pool_off = (code_bytes + 15) & ~(size_t)15;
    size_t total_bytes = pool_off + 16 * (size_t)x->npool;
    for (uint32_t k = 0; k < x->njfix; k++) {
        fixup *fx = &x->jfix[k];
        int32_t rel = x->labels[fx->target] - (int32_t)fx->end;
        memcpy(x->code + fx->at, &rel, 4);
    }
    for (uint32_t k = 0; k < x->ncfix; k++) {
        fixup *fx = &x->cfix[k];
        int32_t rel = (int32_t)(pool_off + 16 * (size_t)fx->target) - (int32_t)fx->end;
        memcpy(x->code + fx->at, &rel, 4);
    }

    sj_x64_impl *im = sj__calloc(1, sizeof *im);
    if (!im)
        return SJ_ERR_NOMEM;
    sj_status st = sj__jit_alloc(&im->region, total_bytes);
    if (st != SJ_OK) {
        sj__free(im);
        return st;
    }
    uint8_t *mem = im->region.base;
    memcpy(mem, x->code, code_bytes);
    memset(mem + code_bytes, 0xCC, pool_off - code_bytes);
    if (x->npool)
        memcpy(mem + pool_off, x->pool, 16 * (size_t)x->npool);
    st = sj__jit_seal(&im->region);
    if (st != SJ_OK) {
        sj__jit_free(&im->region);
        sj__free(im);
        return st;
    }
    im->code_bytes = code_bytes;
    im->total_bytes = total_bytes;
    im->spill_slots = x->nslots;
    im->npromoted = x->npromo;
    im->marks = x->marks; /* handed over */
    im->nmarks = x->nmarks;
    x->marks = NULL;
    memset(out, 0, sizeof *out);
    sj_kernel_fn kfn;
    void *base = mem;
    memcpy(&kfn, &base, sizeof kfn);
    out->kernel = kfn;
    out->data = NULL;
    out->code_size = total_bytes;
    out->impl = im;
    out->free = x64_free;
    out->disassemble = sj__x64_disassemble;
    return SJ_OK;
}

sj_status sj__x64_compile(const sj_ir_func *ir, sj_code *out)
{
    if (!ir || !out)
        return SJ_ERR_INVALID_ARGUMENT;
    X x;
    memset(&x, 0, sizeof x);
    x.f = ir;
    unsigned cpu = sj__x64_cpu_features();
    unsigned opts = SJ_X64_OPT_INVARIANTS | SJ_X64_OPT_FUSE | SJ_X64_OPT_PROMOTE;
    if (fma_wanted() && (cpu & SJ_X64_FMA))
        opts |= SJ_X64_OPT_FMA;
    x.feat = (cpu | opts) & g_feature_mask;
    sj_status st = x_compile(&x, out);
    if (st == SJ_OK && x.oom)
        st = SJ_ERR_NOMEM;
    x_fini(&x);
    return st;
}

/*
 * libFuzzer target for the compiler and runtime: bytes decode into an arbitrary AST (valid or not:
 * unknown names, bad indices, missing values, wild literals), which is compiled on the interpreter
 * and on the native backend. Both must agree on success or error; when it compiles, both run frames
 * with the same inputs and must give bit-identical outputs. A second program is then compiled in
 * the same contexts and initialised from the first, to exercise state migration. Crashes, leaks and
 * sanitizer reports fail the run.
 */
#include "sigjit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static unsigned byte(reader *r)
{
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}

static double literal(reader *r)
{
    static const double table[] = {0, 1, -1, 0.5, 0.25, 2, 3, -0.5, 16, 100, 1e300, -1e300, 44100, 1e-310};
    unsigned b = byte(r);
    if (b < 200)
        return table[b % (sizeof table / sizeof table[0])];
    if (b < 230) {
        uint64_t bits = 0;
        for (int i = 0; i < 8; i++)
            bits = bits << 8 | byte(r);
        double d;
        memcpy(&d, &bits, sizeof d);
        return d;
    }
    return b == 230 ? NAN : b == 231 ? INFINITY : -INFINITY;
}

static const char *name(reader *r)
{
    static const char *const names[] = {"in1", "in2", "alpha", "beta", "delta", "gamma", "&sig1", "&sig2",
                                        "$srate", "$israte", "$reset", "$nope", "*a", "*b", "*c", "%1", "%2",
                                        "%5", "%6", "%", "PI", "TAU", "1SQRT_PI", "x", "y", "z", "&foo", ""};
    return names[byte(r) % (sizeof names / sizeof names[0])];
}

static const char *node(reader *r)
{
    static const char *const nodes[] = {"sin", "accum", "/%", "phase", "atomw", "atomr", "atomr~", "s&h",
                                        "s&h~", "floor", "min", "max", "clamp", "tanh", "sqrt", "nosuch"};
    return nodes[byte(r) % (sizeof nodes / sizeof nodes[0])];
}

static sj_ast *decode(reader *r, int depth)
{
    unsigned op = depth > 12 ? byte(r) % 3 : byte(r) % 12;
    switch (op) {
    case 0: return sj_lit(literal(r));
    case 1: return sj_var(name(r));
    case 2: return sj_buf_len(byte(r) % 18);
    case 3: return sj_assign(name(r), decode(r, depth + 1));
    case 4: return sj_binop((sj_binary_op)(byte(r) % 10), decode(r, depth + 1), decode(r, depth + 1));
    case 5: {
        sj_ast *c = decode(r, depth + 1), *t = decode(r, depth + 1);
        return sj_if(c, t, byte(r) & 1 ? decode(r, depth + 1) : NULL);
    }
    case 6: {
        const char *n = node(r);
        uint64_t uid = byte(r) % 6;
        size_t nargs = byte(r) % 5;
        sj_ast *call = sj_call(n, uid, 0);
        for (size_t i = 0; i < nargs && call; i++)
            if (sj_ast_push(call, decode(r, depth + 1)) != SJ_OK) {
                sj_ast_free(call);
                return NULL;
            }
        return call;
    }
    case 7: {
        static const size_t lens[] = {1, 2, 16, 100, 0, (size_t)1 << 28};
        return sj_buf_declare(byte(r) % 18, lens[byte(r) % 6]);
    }
    case 8: {
        sj_bufop bop = (sj_bufop)(byte(r) % 5);
        size_t idx = byte(r) % 18;
        sj_ast *i = decode(r, depth + 1);
        sj_ast *v = bop == SJ_BUF_WRITE && byte(r) % 8 ? decode(r, depth + 1) : NULL;
        return sj_buf_op(bop, idx, i, v);
    }
    case 9: return sj_table_len(byte(r) % 18);
    default: {
        size_t n = byte(r) % 5;
        sj_ast *s = sj_stmts(0);
        for (size_t i = 0; i < n && s; i++)
            if (sj_ast_push(s, decode(r, depth + 1)) != SJ_OK) {
                sj_ast_free(s);
                return NULL;
            }
        return s;
    }
    }
}

static int same(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static void run_both(sj_function *fi, sj_function *fn, reader *r)
{
    for (int frame = 0; frame < 8; frame++) {
        double in[6];
        for (int k = 0; k < 6; k++)
            in[k] = literal(r);
        double a1 = 0, a2 = 0, b1 = 0, b2 = 0;
        double ra = sj_function_exec(fi, in[0], in[1], in[2], in[3], in[4], in[5], &a1, &a2);
        double rb = sj_function_exec(fn, in[0], in[1], in[2], in[3], in[4], in[5], &b1, &b2);
        if (!same(ra, rb) || !same(a1, b1) || !same(a2, b2)) {
            fprintf(stderr, "backends differ at frame %d: ret %.17g/%.17g sig1 %.17g/%.17g sig2 %.17g/%.17g\n", frame,
                    ra, rb, a1, b1, a2, b2);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, size};
    sj_library *lib = sj_library_new_std();
    sj_context_config ci, cn;
    sj_context_config_init(&ci);
    sj_context_config_init(&cn);
    ci.backend = SJ_BACKEND_INTERP;
    cn.backend = SJ_BACKEND_NATIVE;
    sj_context *xi = sj_context_new(lib, &ci), *xn = sj_context_new(lib, &cn);
    sj_function *prev_i = NULL, *prev_n = NULL;
    for (int round = 0; round < 2; round++) {
        sj_ast *a = decode(&r, 0);
        if (!a)
            break;
        sj_function *fi = NULL, *fn = NULL;
        sj_diag di, dn;
        sj_status si = sj_compile(xi, a, NULL, &fi, &di), sn = sj_compile(xn, a, NULL, &fn, &dn);
        if (si != sn) {
            fprintf(stderr, "backends disagree on the compile: %s / %s\n", sj_status_name(si), sj_status_name(sn));
            abort();
        }
        sj_free(sj_ast_dump(a));
        sj_ast_free(a);
        if (si)
            continue;
        sj_function_init(fi, 48000, prev_i);
        sj_function_init(fn, 48000, prev_n);
        sj_function_free(prev_i);
        sj_function_free(prev_n);
        prev_i = fi;
        prev_n = fn;
        run_both(fi, fn, &r);
    }
    sj_function_free(prev_i);
    sj_function_free(prev_n);
    sj_context_free(xi);
    sj_context_free(xn);
    sj_library_release(lib);
    return 0;
}

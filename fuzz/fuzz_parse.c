/*
 * libFuzzer target for the text language (make fuzz-parse, make fuzz-ci).
 * For any input: sj_parse must not crash or leak; when it succeeds, the printed program must parse
 * back to an equal AST and print to the same text; sj_format_source's output must parse to the same
 * AST as the input; formatting diagnostics must work. The first byte picks the mode (with or
 * without the library, colors), so the fuzzer explores both.
 * With the library, a program that compiles also goes through the studio's block view
 * (sj_blocks_layout): it is refused with a message, or its blocks compile to a program whose outputs
 * equal the text's, frame by frame, on the interpreter.
 */
#include "sigjit.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static sj_library *lib;
static sj_blocklang *lang;

/* ast compiled on the interpreter in a new context, run for 16 frames of fixed inputs: the
 * outputs (ret, sig1, sig2 per frame) into out. false if it does not compile. */
#define LAYOUT_FRAMES 16
static bool run_frames(const sj_ast *ast, double out[LAYOUT_FRAMES][3])
{
    sj_context *ctx = sj_context_new(lib, NULL);
    if (!ctx)
        abort();
    sj_compile_options opt = {.backend = SJ_BACKEND_INTERP};
    sj_function *fun = NULL;
    bool ok = sj_compile(ctx, ast, &opt, &fun, NULL) == SJ_OK;
    if (ok) {
        sj_function_init(fun, 44100, NULL);
        for (int f = 0; f < LAYOUT_FRAMES; f++) {
            double s1 = 0, s2 = 0;
            out[f][0] = sj_function_exec(fun, 0.3 * f - 1, -0.7, 0.5, 0.25 * f, 2, -3, &s1, &s2);
            out[f][1] = s1;
            out[f][2] = s2;
        }
    }
    sj_function_free(fun);
    sj_context_free(ctx);
    return ok;
}

static void check_layout(const sj_ast *a)
{
    double want[LAYOUT_FRAMES][3], got[LAYOUT_FRAMES][3];
    if (!run_frames(a, want))
        return; /* the studio lays out only programs that compile */
    sj_blockfun *fun = NULL;
    sj_diag d;
    memset(&d, 0, sizeof d);
    if (sj_blocks_layout(a, lang, &fun, &d) != SJ_OK) {
        if (fun || !d.message[0])
            abort(); /* a refusal gives nothing and says why */
        return;
    }
    sj_ast *b = NULL;
    if (sj_blockfun_compile(fun, &b, &d) != SJ_OK || !run_frames(b, got))
        abort(); /* blocks the layout made must compile */
    for (int f = 0; f < LAYOUT_FRAMES; f++)
        for (int k = 0; k < 3; k++)
            if (!(want[f][k] == got[f][k] || (isnan(want[f][k]) && isnan(got[f][k]))))
                abort(); /* and do what the text does */
    sj_ast_free(b);
    sj_blockfun_free(fun);
}

static sj_ast *parse_plain(const char *s, size_t n)
{
    sj_ast *a = NULL;
    if (sj_parse(s, n, "f", NULL, &a, NULL) != SJ_OK)
        return NULL;
    return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!lib) {
        lib = sj_library_new_std();
        lang = sj_blocklang_new(lib);
    }
    const char *src = (const char *)data;
    unsigned mode = size ? data[0] : 0;
    sj_diag_list dl;
    sj_diag_list_init(&dl);
    sj_ast *a = NULL;
    sj_status st = sj_parse(src, size, "fuzz.sj", (mode & 1) ? lib : NULL, &a, &dl);
    char *msgs = sj_diag_list_format(&dl, src, size, (mode & 2) != 0);
    if (!msgs)
        abort();
    sj_free(msgs);
    if (st == SJ_OK) {
        if (!a)
            abort();
        char *text = sj_print(a);
        if (!text)
            abort();
        sj_ast *b = parse_plain(text, strlen(text));
        if (!b || !sj_ast_equal(a, b))
            abort(); /* the printer's output must parse back to the same AST */
        char *text2 = sj_print(b);
        if (!text2 || strcmp(text, text2) != 0)
            abort();
        sj_free(text2);
        sj_free(text);
        sj_ast_free(b);
        if (mode & 1)
            check_layout(a);
    } else if (a || dl.errors == 0) {
        abort(); /* a failed parse returns no AST and says why */
    }
    sj_ast_free(a);
    sj_diag_list_fini(&dl);

    char *fmt = NULL;
    sj_diag_list_init(&dl);
    if (sj_format_source(src, size, "fuzz.sj", &fmt, &dl) == SJ_OK) {
        sj_ast *x = parse_plain(src, size), *y = parse_plain(fmt, strlen(fmt));
        if (!x || !y || !sj_ast_equal(x, y))
            abort(); /* formatting never changes the program */
        sj_ast_free(x);
        sj_ast_free(y);
    }
    sj_free(fmt);
    sj_diag_list_fini(&dl);
    return 0;
}

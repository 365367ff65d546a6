/*
 * libFuzzer target for the text language (make fuzz-parse, make fuzz-ci).
 * For any input: sj_parse must not crash or leak; when it succeeds, the printed program must parse
 * back to an equal AST and print to the same text; sj_format_source's output must parse to the same
 * AST as the input; formatting diagnostics must work. The first byte picks the mode (with or
 * without the library, colors), so the fuzzer explores both.
 */
#include "sigjit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static sj_library *lib;

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
    if (!lib)
        lib = sj_library_new_std();
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

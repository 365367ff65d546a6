/*
 * sigjit export: a program as one standalone C file (sj_export_c), for embedding without the JIT
 * or for comparing against a C compiler.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char export_help[] =
    "usage: sigjit export FILE [-o OUT.c] [--prefix NAME]\n"
    "\n"
    "Writes the program as one standalone C11 file: a state struct, NAME_init and NAME_process\n"
    "(n frames per call). Standard math nodes become plain C; other nodes are called through\n"
    "function pointers listed at the top of the file. NAME defaults to sjx; OUT defaults to stdout.\n"
    "Built with -std=c11 the results equal sigjit's interpreter bit for bit.\n";

int cmd_export(int argc, char **argv)
{
    const char *file = NULL, *out = NULL, *prefix = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(export_help, stdout);
            return EXIT_OK;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--prefix") == 0) {
            const char *v = cli_opt_value(argc, argv, &i);
            if (!v)
                return EXIT_USAGE;
            *(strcmp(a, "-o") == 0 ? &out : &prefix) = v;
        } else if (a[0] == '-' && a[1]) {
            cli_error("export: unknown option '%s'", a);
            return EXIT_USAGE;
        } else if (file) {
            cli_error("export: one FILE only");
            return EXIT_USAGE;
        } else {
            file = a;
        }
    }
    if (!file) {
        fputs(export_help, stderr);
        return EXIT_USAGE;
    }
    if (prefix) {
        for (const char *c = prefix; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' || (c > prefix && *c >= '0' && *c <= '9'))) {
                cli_error("--prefix must be a C identifier");
                return EXIT_USAGE;
            }
    }
    sj_library *lib = sj_library_new_std();
    sj_context *ctx = lib ? sj_context_new(lib, NULL) : NULL;
    if (!ctx) {
        sj_library_release(lib);
        return EXIT_INTERNAL;
    }
    cli_program prog;
    int rc = cli_load(file, lib, &prog, false);
    char *text = NULL;
    if (rc == EXIT_OK) {
        sj_diag d;
        memset(&d, 0, sizeof d);
        sj_status st = sj_export_c(ctx, prog.ast, prefix, &text, &d);
        if (st) {
            cli_diag_error(prog.path, st, &d);
            rc = st == SJ_ERR_NOMEM ? EXIT_INTERNAL : EXIT_PROGRAM;
        }
    }
    if (rc == EXIT_OK) {
        FILE *f = out ? fopen(out, "w") : stdout;
        if (!f || fputs(text, f) == EOF || (out && fclose(f) != 0)) {
            cli_error("cannot write %s: %s", out ? out : "standard output", strerror(errno));
            rc = EXIT_IO;
        }
    }
    sj_free(text);
    cli_program_free(&prog);
    sj_context_free(ctx);
    sj_library_release(lib);
    return rc;
}

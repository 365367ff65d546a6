/*
 * sigjit run, check, fmt, dump and blocks.
 */
#include "cli.h"

#include "blocks/blocks.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------- */

static const char run_help[] =
    "usage: sigjit run FILE (--frames N | --seconds S) [--in1 X] [--in2 Y] [--set NAME=VALUE ...]\n"
    "                  [--rate R] [--header] [--backend interp|native] [--werror]\n"
    "\n"
    "Runs the program for N frames (or S seconds) and prints one CSV line per frame: ret,sig1,sig2\n"
    "(%.17g). in1, in2, alpha, beta, delta, gamma are constants (default 0; --set alpha=0.5);\n"
    "--set *name=V sets a persistent variable after init. The rate defaults to 44100 Hz.\n"
    "The function is initialised with sj_function_init(fun, rate, NULL), so $reset is 1 on frame 0.\n";

int cmd_run(int argc, char **argv)
{
    bool header = false;
    cli_run_opts o;
    cli_run_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (cli_is_help(a)) {
            fputs(run_help, stdout);
            return EXIT_OK;
        } else if (strcmp(a, "--in1") == 0 || strcmp(a, "--in2") == 0) {
            int k = a[4] - '1';
            if (!(v = cli_opt_value(argc, argv, &i)))
                return EXIT_USAGE;
            if (!cli_parse_double(v, &o.in.in[k])) {
                cli_error("%s wants a number", a);
                return EXIT_USAGE;
            }
            o.in.given[k] = true;
        } else if (strcmp(a, "--header") == 0) {
            header = true;
        } else if (!cli_run_opt(&o, "run", argc, argv, &i)) {
            return EXIT_USAGE;
        }
    }
    if (!o.file || (!o.have_frames && o.seconds < 0)) {
        fputs(run_help, stderr);
        return EXIT_USAGE;
    }
    double rate = o.rate > 0 ? o.rate : 44100;
    size_t frames = o.have_frames ? o.frames : (size_t)llround(o.seconds * rate);
    cli_loaded l;
    int rc = cli_load_run(&o, rate, &l);
    if (rc == EXIT_OK) {
        const double *in = o.in.in;
        if (header)
            puts("ret,sig1,sig2");
        for (size_t f = 0; f < frames; f++) {
            double s1 = 0, s2 = 0;
            double r = sj_function_exec(l.fun, in[0], in[1], in[2], in[3], in[4], in[5], &s1, &s2);
            printf("%.17g,%.17g,%.17g\n", r, s1, s2);
        }
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_error("cannot write the output: %s", strerror(errno));
            rc = EXIT_IO;
        }
    }
    cli_loaded_free(&l);
    return rc;
}

/* ---------------------------------------------------------------------------------------------- */

static const char check_help[] =
    "usage: sigjit check [--werror] [--quiet] FILE...\n"
    "\n"
    "Parses and compiles each file and reports every error and warning with its position.\n"
    "Prints 'FILE: ok' for a file without errors (unless --quiet). Exit 1 if any file has errors\n"
    "(or warnings, with --werror).\n";

int cmd_check(int argc, char **argv)
{
    bool werror = false, quiet = false;
    int nfiles = 0, rc = EXIT_OK;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(check_help, stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--werror") == 0) {
            werror = true;
        } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            quiet = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error("check: unknown option '%s'", argv[i]);
            return EXIT_USAGE;
        } else {
            nfiles++;
        }
    }
    if (!nfiles) {
        fputs(check_help, stderr);
        return EXIT_USAGE;
    }
    sj_library *lib = sj_library_new_std();
    if (!lib)
        return EXIT_INTERNAL;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1])
            continue;
        cli_program prog;
        int r = cli_load(argv[i], lib, &prog, werror);
        if (r == EXIT_OK) {
            sj_context *ctx = sj_context_new(lib, NULL);
            sj_function *fun = NULL;
            r = ctx ? cli_compile(ctx, &prog, SJ_BACKEND_INTERP, false, &fun) : EXIT_INTERNAL;
            sj_function_free(fun);
            sj_context_free(ctx);
        }
        if (r == EXIT_OK && !quiet)
            printf("%s: ok\n", argv[i]);
        if (r != EXIT_OK && (rc == EXIT_OK || r > rc))
            rc = r;
        cli_program_free(&prog);
    }
    sj_library_release(lib);
    return rc;
}

/* ---------------------------------------------------------------------------------------------- */

static const char fmt_help[] =
    "usage: sigjit fmt [-i | --check] FILE...\n"
    "\n"
    "Prints each text program in the canonical layout (comments, blank lines and labels are kept).\n"
    "  -i, --in-place   rewrite the files\n"
    "  --check          print nothing; exit 1 if a file is not formatted\n";

int cmd_fmt(int argc, char **argv)
{
    bool inplace = false, check = false;
    int nfiles = 0, rc = EXIT_OK;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(fmt_help, stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "-i") == 0 || strcmp(argv[i], "--in-place") == 0) {
            inplace = true;
        } else if (strcmp(argv[i], "--check") == 0) {
            check = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error("fmt: unknown option '%s'", argv[i]);
            return EXIT_USAGE;
        } else {
            nfiles++;
        }
    }
    if (!nfiles) {
        fputs(fmt_help, stderr);
        return EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        const char *path = argv[i];
        if (path[0] == '-' && path[1])
            continue;
        size_t len;
        char *src = cli_read_file(path, &len);
        if (!src) {
            cli_error("cannot read '%s': %s", path, strerror(errno));
            rc = EXIT_IO;
            continue;
        }
        sj_diag_list dl;
        sj_diag_list_init(&dl);
        char *out = NULL;
        sj_status st = sj_format_source(src, len, path, &out, &dl);
        if (st != SJ_OK) {
            char *msg = sj_diag_list_format(&dl, src, len, cli_color());
            if (msg)
                fputs(msg, stderr);
            sj_free(msg);
            if (rc == EXIT_OK)
                rc = st == SJ_ERR_NOMEM ? EXIT_INTERNAL : EXIT_PROGRAM;
        } else if (check) {
            if (strlen(out) != len || memcmp(out, src, len) != 0) {
                fprintf(stderr, "%s: not formatted\n", path);
                if (rc == EXIT_OK)
                    rc = EXIT_PROGRAM;
            }
        } else if (inplace && strcmp(path, "-") != 0) {
            if (strlen(out) != len || memcmp(out, src, len) != 0) {
                FILE *f = fopen(path, "wb");
                if (!f || fputs(out, f) < 0 || fclose(f) != 0) {
                    cli_error("cannot write '%s': %s", path, strerror(errno));
                    rc = EXIT_IO;
                }
            }
        } else {
            fputs(out, stdout);
        }
        sj_free(out);
        sj_diag_list_fini(&dl);
        free(src);
    }
    return rc;
}

/* ---------------------------------------------------------------------------------------------- */

static const char dump_help[] =
    "usage: sigjit dump --ast|--text|--ir|--ir-raw|--asm FILE\n"
    "\n"
    "  --ast      the AST in the reference's dump format (ASTNode::dump)\n"
    "  --text     the program as text (block files become text programs)\n"
    "  --ir       the optimized IR; --ir-raw before the passes\n"
    "  --asm      the native code (x86-64 backend)\n";

int cmd_dump(int argc, char **argv)
{
    const char *file = NULL, *what = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(dump_help, stdout);
            return EXIT_OK;
        } else if (strcmp(a, "--ast") == 0 || strcmp(a, "--ir") == 0 || strcmp(a, "--ir-raw") == 0 ||
                   strcmp(a, "--asm") == 0 || strcmp(a, "--text") == 0) {
            if (what && strcmp(what, a) != 0) {
                cli_error("dump: one of --ast, --text, --ir, --ir-raw, --asm");
                return EXIT_USAGE;
            }
            what = a;
        } else if (a[0] == '-' && a[1]) {
            cli_error("dump: unknown option '%s'", a);
            return EXIT_USAGE;
        } else if (!file) {
            file = a;
        } else {
            cli_error("dump: one FILE only");
            return EXIT_USAGE;
        }
    }
    if (!file || !what) {
        fputs(dump_help, stderr);
        return EXIT_USAGE;
    }
    sj_library *lib = sj_library_new_std();
    if (!lib)
        return EXIT_INTERNAL;
    cli_program prog;
    int rc = cli_load(file, lib, &prog, false);
    if (rc == EXIT_OK) {
        char *text = NULL;
        if (strcmp(what, "--ast") == 0) {
            text = sj_ast_dump(prog.ast);
            if (!text)
                rc = EXIT_INTERNAL;
        } else if (strcmp(what, "--text") == 0) {
            text = sj_print(prog.ast);
            if (!text)
                rc = EXIT_INTERNAL;
        } else if (strcmp(what, "--asm") == 0) {
            sj_context *ctx = sj_context_new(lib, NULL);
            sj_function *fun = NULL;
            rc = ctx ? cli_compile(ctx, &prog, SJ_BACKEND_NATIVE, false, &fun) : EXIT_INTERNAL;
            if (rc == EXIT_OK) {
                text = sj_function_disassemble(fun);
                if (!text)
                    rc = EXIT_INTERNAL;
            }
            sj_function_free(fun);
            sj_context_free(ctx);
        } else {
            sj_context *ctx = sj_context_new(lib, NULL);
            sj_diag d;
            memset(&d, 0, sizeof d);
            sj_status st = ctx ? sj_ir_dump(ctx, prog.ast, strcmp(what, "--ir") == 0, &text, &d) : SJ_ERR_NOMEM;
            if (st != SJ_OK) {
                /* Report it like a compile error, with the position. */
                sj_function *fun = NULL;
                rc = cli_compile(ctx, &prog, SJ_BACKEND_INTERP, false, &fun);
                sj_function_free(fun);
                if (rc == EXIT_OK) {
                    cli_error("%s", d.message[0] ? d.message : sj_strerror(st));
                    rc = EXIT_PROGRAM;
                }
            }
            sj_context_free(ctx);
        }
        if (text) {
            fputs(text, stdout);
            size_t n = strlen(text);
            if (n && text[n - 1] != '\n')
                fputc('\n', stdout);
            sj_free(text);
        }
    }
    cli_program_free(&prog);
    sj_library_release(lib);
    return rc;
}

/* ---------------------------------------------------------------------------------------------- */

static const char blocks_help[] = "usage: sigjit blocks show FILE\n"
                                  "       sigjit blocks layout FILE.sj [-o OUT.json]\n"
                                  "\n"
                                  "show draws the block program of a block file (JSON) as ASCII art.\n"
                                  "layout lays a text program out as blocks and draws it, or writes the block\n"
                                  "file with -o; it says which construct cannot be drawn as blocks.\n";

static int blocks_layout(int argc, char **argv)
{
    const char *in = NULL, *outp = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            outp = argv[++i];
        else if (!in && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0))
            in = argv[i];
        else {
            fputs(blocks_help, stderr);
            return EXIT_USAGE;
        }
    }
    if (!in) {
        fputs(blocks_help, stderr);
        return EXIT_USAGE;
    }
    sj_library *lib = sj_library_new_std();
    sj_blocklang *lang = lib ? sj_blocklang_new(lib) : NULL;
    if (!lang) {
        sj_library_release(lib);
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    cli_program prog;
    int rc = cli_load(in, lib, &prog, false);
    sj_blockfun *fun = NULL;
    if (rc == EXIT_OK && prog.is_blocks) {
        fprintf(stderr, "%s: error: this is a block program already (sigjit blocks show draws it)\n", prog.path);
        rc = EXIT_USAGE;
    } else if (rc == EXIT_OK) {
        sj_diag d;
        memset(&d, 0, sizeof d);
        sj_status st = sj_blocks_layout(prog.ast, lang, &fun, &d);
        if (st != SJ_OK) {
            cli_diag_error(prog.path, st, &d);
            rc = st == SJ_ERR_NOMEM || st == SJ_ERR_INTERNAL ? EXIT_INTERNAL : EXIT_PROGRAM;
        }
    }
    if (fun) {
        char *text = outp ? sj_blockfun_save_json(fun) : sj_blockfun_ascii(fun);
        if (!text) {
            cli_error("out of memory");
            rc = EXIT_INTERNAL;
        } else if (outp) {
            FILE *f = strcmp(outp, "-") == 0 ? stdout : fopen(outp, "w");
            bool ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
            if (f && f != stdout)
                ok = (fclose(f) == 0) && ok;
            if (!ok) {
                cli_error("cannot write '%s': %s", outp, strerror(errno));
                rc = EXIT_IO;
            }
        } else {
            fputs(text, stdout);
        }
        sj_free(text);
    }
    sj_blockfun_free(fun);
    cli_program_free(&prog);
    sj_blocklang_free(lang);
    sj_library_release(lib);
    return rc;
}

int cmd_blocks(int argc, char **argv)
{
    if (argc >= 2 && cli_is_help(argv[1])) {
        fputs(blocks_help, stdout);
        return EXIT_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "layout") == 0)
        return blocks_layout(argc, argv);
    if (argc != 3 || strcmp(argv[1], "show") != 0) {
        fputs(blocks_help, stderr);
        return EXIT_USAGE;
    }
    size_t len;
    char *src = cli_read_file(argv[2], &len);
    if (!src) {
        cli_error("cannot read '%s': %s", argv[2], strerror(errno));
        return EXIT_IO;
    }
    sj_library *lib = sj_library_new_std();
    sj_diag d;
    memset(&d, 0, sizeof d);
    char *art = lib ? sj_blocks_json_to_ascii(src, len, lib, &d) : NULL;
    int rc = EXIT_OK;
    if (!art) {
        cli_diag_error(argv[2], d.code, &d);
        rc = d.code == SJ_ERR_NOMEM || d.code == SJ_ERR_UNSUPPORTED ? EXIT_INTERNAL : EXIT_PROGRAM;
    } else {
        fputs(art, stdout);
        sj_free(art);
    }
    sj_library_release(lib);
    free(src);
    return rc;
}

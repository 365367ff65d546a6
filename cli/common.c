/*
 * Loading programs (text or block files), printing messages, option helpers.
 */
#include "cli.h"

#include "blocks/blocks.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sigjit: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

bool cli_color(void)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(2) && !(nc && nc[0]);
}

char *cli_read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (n == cap) {
            char *nb = cap > ((size_t)1 << 30) ? NULL : realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                errno = ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
            }
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    if (buf) {
        buf[n] = 0;
        *len = n;
    }
    return buf;
}

bool cli_looks_like_blocks(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    if (i >= n || s[i] != '{')
        return false;
    i++;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    return i >= n || s[i] == '"' || s[i] == '}';
}

void cli_diag_error(const char *path, sj_status st, const sj_diag *d)
{
    const char *m = d->message[0] ? d->message : sj_strerror(st);
    if (d->line > 0)
        fprintf(stderr, "%s:%d:%d: error: %s\n", path, d->line, d->col, m);
    else
        fprintf(stderr, "%s: error: %s\n", path, m);
}

static void print_diags(const sj_diag_list *dl, const char *src, size_t len)
{
    if (!dl->count)
        return;
    char *text = sj_diag_list_format(dl, src, len, cli_color());
    if (text) {
        fputs(text, stderr);
        sj_free(text);
    }
}

int cli_load(const char *path, const sj_library *lib, cli_program *prog, bool werror)
{
    memset(prog, 0, sizeof *prog);
    prog->src = cli_read_file(path, &prog->len);
    prog->path = strcmp(path, "-") == 0 ? "<stdin>" : path;
    if (!prog->src) {
        cli_error("cannot read '%s': %s", path, strerror(errno));
        return EXIT_IO;
    }
    if (cli_looks_like_blocks(prog->src, prog->len)) {
        prog->is_blocks = true;
        sj_diag d;
        memset(&d, 0, sizeof d);
        sj_status st = sj_blocks_json_to_ast(prog->src, prog->len, lib, &prog->ast, &d);
        if (st != SJ_OK) {
            cli_diag_error(prog->path, st, &d);
            return st == SJ_ERR_NOMEM ? EXIT_INTERNAL : st == SJ_ERR_UNSUPPORTED ? EXIT_INTERNAL : EXIT_PROGRAM;
        }
        return EXIT_OK;
    }
    sj_diag_list dl;
    sj_diag_list_init(&dl);
    sj_status st = sj_parse(prog->src, prog->len, prog->path, lib, &prog->ast, &dl);
    print_diags(&dl, prog->src, prog->len);
    bool warned = dl.warnings > 0;
    sj_diag_list_fini(&dl);
    if (st == SJ_ERR_NOMEM) {
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    if (st != SJ_OK)
        return EXIT_PROGRAM;
    if (werror && warned) {
        cli_error("warnings are errors (--werror)");
        return EXIT_PROGRAM;
    }
    return EXIT_OK;
}

void cli_program_free(cli_program *prog)
{
    sj_ast_free(prog->ast);
    free(prog->src);
    memset(prog, 0, sizeof *prog);
}

void cli_compile_error(const cli_program *prog, sj_status st, sj_diag *d)
{
    sj_diag_list dl;
    sj_diag_list_init(&dl);
    dl.filename = strdup(prog->path);
    if (d->code == SJ_OK)
        d->code = st;
    sj_diag_list_add_diag(&dl, d);
    char *text = sj_diag_list_format(&dl, prog->is_blocks ? NULL : prog->src, prog->len, cli_color());
    if (text) {
        fputs(text, stderr);
        sj_free(text);
    } else {
        cli_diag_error(prog->path, st, d);
    }
    free(dl.filename);
    dl.filename = NULL;
    sj_diag_list_fini(&dl);
}

int cli_compile(sj_context *ctx, const cli_program *prog, sj_backend_kind backend, bool keep_ir, sj_function **fun)
{
    sj_compile_options opt;
    memset(&opt, 0, sizeof opt);
    opt.backend = backend;
    opt.keep_ir_dump = keep_ir;
    sj_diag d;
    memset(&d, 0, sizeof d);
    sj_status st = sj_compile(ctx, prog->ast, &opt, fun, &d);
    if (st == SJ_OK)
        return EXIT_OK;
    cli_compile_error(prog, st, &d);
    if (st == SJ_ERR_NOMEM)
        return EXIT_INTERNAL;
    if (st == SJ_ERR_UNSUPPORTED)
        return EXIT_INTERNAL;
    return EXIT_PROGRAM;
}

bool cli_parse_double(const char *s, double *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || end == s)
        return false;
    *out = v;
    return true;
}

bool cli_parse_size(const char *s, size_t *out)
{
    if (!s || !*s || *s == '-')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || end == s || errno)
        return false;
    *out = (size_t)v;
    return true;
}

static const char *const input_names[6] = {"in1", "in2", "alpha", "beta", "delta", "gamma"};

bool cli_parse_set(cli_inputs *in, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        cli_error("--set wants NAME=VALUE, got '%s'", arg);
        return false;
    }
    size_t n = (size_t)(eq - arg);
    double v;
    if (!cli_parse_double(eq + 1, &v)) {
        cli_error("--set %.*s: '%s' is not a number", (int)n, arg, eq + 1);
        return false;
    }
    for (int i = 0; i < 6; i++) {
        if (strlen(input_names[i]) == n && strncmp(arg, input_names[i], n) == 0) {
            in->in[i] = v;
            in->given[i] = true;
            return true;
        }
    }
    if (arg[0] == '*' && n > 1) {
        if (in->npv >= sizeof in->pv / sizeof in->pv[0]) {
            cli_error("too many --set *name values");
            return false;
        }
        if (n >= sizeof in->pv[0].name) {
            cli_error("--set: the name '%.*s' is too long", (int)n, arg);
            return false;
        }
        memcpy(in->pv[in->npv].name, arg, n);
        in->pv[in->npv].name[n] = 0;
        in->pv[in->npv].value = v;
        in->npv++;
        return true;
    }
    cli_error("--set: unknown name '%.*s' (in1, in2, alpha, beta, delta, gamma or *persistent)", (int)n, arg);
    return false;
}

void cli_apply_pv(sj_function *fun, const cli_inputs *in)
{
    for (size_t i = 0; i < in->npv; i++)
        if (!sj_function_set_pv(fun, in->pv[i].name, in->pv[i].value))
            fprintf(stderr, "sigjit: warning: the program has no persistent variable '%s'\n", in->pv[i].name);
}

bool cli_parse_backend(const char *s, sj_backend_kind *out)
{
    if (strcmp(s, "interp") == 0)
        *out = SJ_BACKEND_INTERP;
    else if (strcmp(s, "native") == 0)
        *out = SJ_BACKEND_NATIVE;
    else if (strcmp(s, "default") == 0)
        *out = SJ_BACKEND_DEFAULT;
    else {
        cli_error("unknown backend '%s' (interp, native, default)", s);
        return false;
    }
    return true;
}

bool cli_is_help(const char *a)
{
    return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

const char *cli_opt_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        cli_error("%s needs a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

void cli_run_opts_init(cli_run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seconds = -1;
    o->backend = SJ_BACKEND_DEFAULT;
}

bool cli_run_opt(cli_run_opts *o, const char *cmd, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v;
    if (strcmp(a, "--frames") == 0 || strcmp(a, "-n") == 0) {
        if (!(v = cli_opt_value(argc, argv, i)))
            return false;
        if (!cli_parse_size(v, &o->frames)) {
            cli_error("--frames wants a whole number");
            return false;
        }
        o->have_frames = true;
    } else if (strcmp(a, "--seconds") == 0) {
        if (!(v = cli_opt_value(argc, argv, i)))
            return false;
        if (!cli_parse_double(v, &o->seconds) || !(o->seconds >= 0) || o->seconds > 1e7) {
            cli_error("--seconds wants a number from 0 to 1e7");
            return false;
        }
    } else if (strcmp(a, "--rate") == 0) {
        if (!(v = cli_opt_value(argc, argv, i)))
            return false;
        if (!cli_parse_double(v, &o->rate) || !(o->rate >= 1) || o->rate > 1e7 || o->rate != floor(o->rate)) {
            cli_error("--rate wants a whole number of Hz");
            return false;
        }
    } else if (strcmp(a, "--set") == 0) {
        if (!(v = cli_opt_value(argc, argv, i)) || !cli_parse_set(&o->in, v))
            return false;
    } else if (strcmp(a, "--backend") == 0) {
        if (!(v = cli_opt_value(argc, argv, i)) || !cli_parse_backend(v, &o->backend))
            return false;
    } else if (strcmp(a, "--werror") == 0) {
        o->werror = true;
    } else if (a[0] == '-' && a[1]) {
        cli_error("%s: unknown option '%s'", cmd, a);
        return false;
    } else if (!o->file) {
        o->file = a;
    } else {
        cli_error("%s: one FILE only", cmd);
        return false;
    }
    if (o->have_frames && o->seconds >= 0) {
        cli_error("%s: --seconds or --frames, not both", cmd);
        return false;
    }
    return true;
}

int cli_load_run(const cli_run_opts *o, double rate, cli_loaded *l)
{
    memset(l, 0, sizeof *l);
    l->lib = sj_library_new_std();
    if (!l->lib) {
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    int rc = cli_load(o->file, l->lib, &l->prog, o->werror);
    if (rc == EXIT_OK) {
        l->ctx = sj_context_new(l->lib, NULL);
        rc = l->ctx ? cli_compile(l->ctx, &l->prog, o->backend, false, &l->fun) : EXIT_INTERNAL;
    }
    if (rc == EXIT_OK) {
        sj_function_init(l->fun, rate, NULL);
        cli_apply_pv(l->fun, &o->in);
    }
    return rc;
}

void cli_loaded_free(cli_loaded *l)
{
    sj_function_free(l->fun);
    sj_context_free(l->ctx);
    cli_program_free(&l->prog);
    sj_library_release(l->lib);
    memset(l, 0, sizeof *l);
}

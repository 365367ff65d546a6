/*
 * The sigjit command: shared pieces of the subcommands (loading a program, messages, options).
 * Exit codes (docs/cli.md): 0 ok, 1 the program has errors, 2 usage error, 3 input/output error,
 * 4 internal error (out of memory, unsupported).
 */
#ifndef SJ_CLI_H
#define SJ_CLI_H

#include "sigjit.h"

#include <stdbool.h>
#include <stdio.h>

enum { EXIT_OK = 0, EXIT_PROGRAM = 1, EXIT_USAGE = 2, EXIT_IO = 3, EXIT_INTERNAL = 4 };

typedef struct cli_program {
    const char *path;
    char *src;
    size_t len;
    bool is_blocks;
    sj_ast *ast;
} cli_program;

/* Reads a whole file ("-" is standard input). NULL on error (errno set). */
char *cli_read_file(const char *path, size_t *len);
/* True if a file's text is a block program (JSON: '{' then '"' or '}' after blanks) rather than a
 * text program (which can start with a block "{ x = 1 }" but never with a string). */
bool cli_looks_like_blocks(const char *s, size_t n);
/* Prints "PATH:LINE:COL: error: MESSAGE" (or "PATH: error: MESSAGE" without a position) for a
 * diagnostic with no source excerpt; the message defaults to sj_strerror(st). */
void cli_diag_error(const char *path, sj_status st, const sj_diag *d);
/* Reads and parses (text or block file), prints messages on stderr. Returns an exit code. */
int cli_load(const char *path, const sj_library *lib, cli_program *prog, bool werror);
void cli_program_free(cli_program *prog);
/* Compiles in ctx; prints a compile error with its source position. Returns an exit code. */
int cli_compile(sj_context *ctx, const cli_program *prog, sj_backend_kind backend, bool keep_ir, sj_function **fun);
/* Prints the error st/d of compiling prog (as cli_compile does; d->code set to st if unset). */
void cli_compile_error(const cli_program *prog, sj_status st, sj_diag *d);
/* Prints an error message "sigjit: ..." on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool cli_color(void);

/* Inputs of a run: constants for in1..gamma, persistent variables to set after init. */
typedef struct cli_inputs {
    double in[6];
    bool given[6];
    struct {
        char name[64]; /* "*name" */
        double value;
    } pv[32];
    size_t npv;
} cli_inputs;
/* Parses NAME=VALUE for --set. Returns false (and prints why) on a bad argument. */
bool cli_parse_set(cli_inputs *in, const char *arg);
bool cli_parse_double(const char *s, double *out);
bool cli_parse_size(const char *s, size_t *out);
/* Applies the persistent variables of in to fun (after sj_function_init). */
void cli_apply_pv(sj_function *fun, const cli_inputs *in);
bool cli_parse_backend(const char *s, sj_backend_kind *out);

/* True for -h and --help. */
bool cli_is_help(const char *a);
/* The value of option argv[*i] ("--frames N"), advancing *i; NULL (after saying so) if it is missing. */
const char *cli_opt_value(int argc, char **argv, int *i);

/* What run, render and plot share: FILE, --frames/-n N, --seconds S, --rate R (whole Hz),
 * --set NAME=VALUE, --backend, --werror. */
typedef struct cli_run_opts {
    const char *file;
    size_t frames;
    bool have_frames;
    double seconds; /* < 0: not given */
    double rate;    /* 0: not given */
    cli_inputs in;
    sj_backend_kind backend;
    bool werror;
} cli_run_opts;
void cli_run_opts_init(cli_run_opts *o);
/* Takes argv[*i] (and its value) as one of the shared options or as FILE. false (after saying why,
 * naming cmd) for an unknown option, a second FILE, a bad value, or both --frames and --seconds. */
bool cli_run_opt(cli_run_opts *o, const char *cmd, int argc, char **argv, int *i);

/* A program loaded, compiled and initialised for running. */
typedef struct cli_loaded {
    sj_library *lib;
    cli_program prog;
    sj_context *ctx;
    sj_function *fun;
} cli_loaded;
/* Loads o->file, compiles it with o->backend, initialises it at rate and sets o->in's persistent
 * variables. Returns an exit code (messages printed); free l with cli_loaded_free either way. */
int cli_load_run(const cli_run_opts *o, double rate, cli_loaded *l);
void cli_loaded_free(cli_loaded *l);

int cmd_render(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_nodes(int argc, char **argv);
int cmd_blocks(int argc, char **argv);
int cmd_studio(int argc, char **argv);
int cmd_play(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_plot(int argc, char **argv);

#endif

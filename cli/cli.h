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
/* Reads and parses (text or block file), prints messages on stderr. Returns an exit code. */
int cli_load(const char *path, const sj_library *lib, cli_program *prog, bool werror);
void cli_program_free(cli_program *prog);
/* Compiles in ctx; prints a compile error with its source position. Returns an exit code. */
int cli_compile(sj_context *ctx, const cli_program *prog, sj_backend_kind backend, bool keep_ir, sj_function **fun);
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

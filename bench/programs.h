/* The benchmark programs, as sigjit ASTs and as equivalent Faust programs (bench/programs.c). */
#ifndef SJ_BENCH_PROGRAMS_H
#define SJ_BENCH_PROGRAMS_H

#include "sigjit.h"

#define BENCH_NPROG 6

typedef struct bench_program {
    const char *name;  /* short id: a, b, c, d, e, e20 */
    const char *title; /* one line */
    const char *faust; /* equivalent Faust program (one output) */
} bench_program;

extern const bench_program bench_programs[BENCH_NPROG];
/* A fresh AST of program i (NULL on allocation failure). */
sj_ast *bench_ast(int i);

#endif

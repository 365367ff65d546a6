/*
 * Block language entry points used by the sigjit command (the full model API is in the block
 * language module's own section of sigjit.h).
 */
#ifndef SJ_BLOCKS_BLOCKS_H
#define SJ_BLOCKS_BLOCKS_H

#include "sigjit.h"

/* Loads a block program from its JSON text (the reference's snapshot format) and compiles it to an
 * AST for lib. On failure returns the error and fills diag (message says where and what). */
sj_status sj_blocks_json_to_ast(const char *json, size_t len, const sj_library *lib, sj_ast **out, sj_diag *diag);
/* An ASCII drawing of the block program in json, for the terminal. NULL on error (diag filled).
 * sj_free the result. */
char *sj_blocks_json_to_ascii(const char *json, size_t len, const sj_library *lib, sj_diag *diag);

#endif

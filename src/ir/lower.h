/*
 * Lowering: AST -> IR, with the reference's name resolution and evaluation order (§1.3-§1.4 and
 * decisions #1-#3). The runtime is reached through hooks, so the IR does not depend on it.
 */
#ifndef SJ_IR_LOWER_H
#define SJ_IR_LOWER_H

#include "ir/ir.h"

typedef struct sj_lower_hooks {
    void *user;
    /* The persistent-variable slot of name ("*x") in the function being built. */
    sj_status (*pv_slot)(void *user, const char *name, uint32_t *slot);
    /* Registers the stateful call (type, uid) in the function being built; returns its state index.
     * On error, fills msg (NodeStateError text). */
    sj_status (*node_state)(void *user, const sj_node_type *type, uint64_t uid, uint32_t *state, char *msg,
                            size_t msgsize);
    /* A buffer declaration (compile time), and any use of a buffer. */
    void (*buf_declare)(void *user, size_t idx, size_t len);
    void (*buf_used)(void *user, size_t idx);
} sj_lower_hooks;

/* Lowers ast into out (initialised here). On error out is left empty. */
sj_status sj__ir_lower(const sj_ast *ast, const sj_library *lib, const sj_lower_hooks *hooks, sj_ir_func *out,
                       sj_diag *diag);

/* Lowering plus the standard passes (fold, DCE, compact) and verification. */
sj_status sj__ir_build(const sj_ast *ast, const sj_library *lib, const sj_lower_hooks *hooks, bool optimize,
                       sj_ir_func *out, sj_diag *diag);

/* The reference's constant table (plus 1SQRT_PI, decisions #5). */
bool sj__constant_value(const char *name, double *value);

#endif

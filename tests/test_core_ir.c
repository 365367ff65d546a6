/* The IR: lowering shape, constant folding, dead-code elimination, the verifier, the text dump. */
#include "sjtest.h"

#include "ir/ir.h"
#include "ir/lower.h"

#include <string.h>

static char *ir_text(sj_ast *ast, bool optimized)
{
    sj_library *lib = sj_library_new_std();
    sj_context *ctx = sj_context_new(lib, NULL);
    char *text = NULL;
    sj_diag d;
    sj_status st = sj_ir_dump(ctx, ast, optimized, &text, &d);
    if (st)
        fail_msg("sj_ir_dump: %s", d.message);
    sj_context_free(ctx);
    sj_library_release(lib);
    sj_ast_free(ast);
    return text;
}

static void test_fold(void **state)
{
    (void)state;
    /* (1 + 2) * in1: the addition is folded to CONST 3 (IEEE, as every backend computes it). */
    char *t = ir_text(sj_mul(sj_add(sj_lit(1), sj_lit(2)), sj_var("in1")), true);
    assert_non_null(strstr(t, "CONST 3\n"));
    assert_null(strstr(t, "ADD"));
    assert_non_null(strstr(t, "MUL"));
    sj_free(t);
    /* Comparisons fold to 1/0; floor of a constant folds. */
    t = ir_text(sj_add(sj_lt(sj_lit(1), sj_lit(2)), sj_call("floor", 1, 1, sj_lit(-2.5))), true);
    assert_non_null(strstr(t, "CONST -2\n"));
    sj_free(t);
}

/* The comparison nodes are the comparison operations, inline: a call lowers to exactly the IR of the
 * operator (unoptimized, so nothing is folded away), with no CALL. */
static void test_comparison_nodes_inline(void **state)
{
    (void)state;
    static const char *const names[] = {"eq", "ne", "lt", "le", "gt", "ge"}; /* SJ_EQ + k */
    static const char *const ops[] = {"EQ", "NE", "LT", "LE", "GT", "GE"};
    for (int k = 0; k < 6; k++) {
        char *node = ir_text(sj_call(names[k], 1, 2, sj_var("in1"), sj_var("in2")), false);
        char *op = ir_text(sj_binop((sj_binary_op)(SJ_EQ + k), sj_var("in1"), sj_var("in2")), false);
        if (strcmp(node, op) != 0)
            fail_msg("%s:\n%s\noperator:\n%s", names[k], node, op);
        assert_null(strstr(node, "CALL"));
        assert_non_null(strstr(node, ops[k]));
        sj_free(node);
        sj_free(op);
    }
}

/* An if on a comparison node branches on the comparison itself, as an if on the operator does: no
 * extra ">= 0.5" test (the value is exactly 1.0 or 0.0, so the branch is the same). Also through a
 * variable holding a comparison. */
static void test_if_on_comparison_nodes(void **state)
{
    (void)state;
    static const char *const names[] = {"eq", "ne", "lt", "le", "gt", "ge"}; /* SJ_EQ + k */
    for (int k = 0; k < 6; k++) {
        char *node = ir_text(sj_if(sj_call(names[k], 1, 2, sj_var("in1"), sj_var("in2")), sj_lit(1), sj_lit(2)), false);
        char *op = ir_text(sj_if(sj_binop((sj_binary_op)(SJ_EQ + k), sj_var("in1"), sj_var("in2")), sj_lit(1), sj_lit(2)),
                           false);
        if (strcmp(node, op) != 0)
            fail_msg("if %s:\n%s\noperator:\n%s", names[k], node, op);
        sj_free(node);
        sj_free(op);
    }
    /* c = in1 > in2; if c {1} else {2}: one comparison, the branch on it; an arithmetic condition
     * still gets its GE 0.5. */
    char *via = ir_text(sj_stmts(2, sj_assign("c", sj_binop(SJ_GT, sj_var("in1"), sj_var("in2"))),
                                 sj_if(sj_var("c"), sj_lit(1), sj_lit(2))), false);
    assert_non_null(strstr(via, "GT"));
    assert_null(strstr(via, "GE"));
    char *arith = ir_text(sj_if(sj_binop(SJ_ADD, sj_var("in1"), sj_var("in2")), sj_lit(1), sj_lit(2)), false);
    assert_non_null(strstr(arith, "GE"));
    sj_free(via);
    sj_free(arith);
}

static void test_dce(void **state)
{
    (void)state;
    /* A local assigned and never read, and a pure expression whose value is dropped, disappear;
     * calls and buffer writes stay. */
    sj_ast *p = sj_stmts(4, sj_assign("x", sj_mul(sj_var("in1"), sj_lit(7))), sj_div(sj_var("in2"), sj_lit(3)),
                         sj_buf_write(0, sj_lit(0), sj_lit(1)), sj_call("sin", 1, 1, sj_lit(0.5)));
    char *unopt = ir_text(sj_ast_clone(p), false);
    char *t = ir_text(p, true);
    assert_non_null(strstr(unopt, "MUL"));
    assert_non_null(strstr(unopt, "DIV"));
    assert_null(strstr(t, "MUL"));
    assert_null(strstr(t, "DIV"));
    assert_null(strstr(t, "PARAM")); /* no input is read any more */
    assert_non_null(strstr(t, "BUF_WRITE"));
    assert_non_null(strstr(t, "CALL sin"));
    /* The multi-return slots are cleared only when something reads them. */
    assert_null(strstr(t, "RV_ZERO"));
    sj_free(t);
    sj_free(unopt);
    t = ir_text(sj_var("%1"), true);
    assert_non_null(strstr(t, "RV_ZERO"));
    sj_free(t);
}

static void test_phis(void **state)
{
    (void)state;
    /* if/else on a variable: a merge block with a phi for the variable and one for the value. */
    char *t = ir_text(sj_stmts(2, sj_if(sj_gt(sj_var("in1"), sj_lit(0)), sj_assign("*v", sj_lit(1)), sj_assign("*v", sj_lit(2))),
                               sj_var("*v")),
                      true);
    assert_non_null(strstr(t, "BR "));
    assert_non_null(strstr(t, "b3:  ; preds b1, b2"));
    assert_non_null(strstr(t, "PHI"));
    assert_non_null(strstr(t, "PV_STORE pv0"));
    sj_free(t);
}

static void test_verifier(void **state)
{
    (void)state;
    char msg[200];
    sj_ir_func f;
    sj__ir_init(&f);
    /* Empty: no blocks. */
    assert_int_equal(sj__ir_verify(&f, msg, sizeof msg), SJ_ERR_INTERNAL);
    sj_ir_inst insts[3] = {
        {.op = SJ_IR_CONST, .k = 1},
        {.op = SJ_IR_ADD, .a = 0, .b = 2}, /* forward reference */
        {.op = SJ_IR_RET, .a = 1},
    };
    sj_ir_block blk = {0, 3, {0, 0}, 0};
    f.insts = insts;
    f.ninsts = 3;
    f.blocks = &blk;
    f.nblocks = 1;
    assert_int_equal(sj__ir_verify(&f, msg, sizeof msg), SJ_ERR_INTERNAL);
    assert_non_null(strstr(msg, "operand"));
    insts[1].b = 0;
    assert_int_equal(sj__ir_verify(&f, msg, sizeof msg), SJ_OK);
    /* A terminator in the middle. */
    insts[1] = (sj_ir_inst){.op = SJ_IR_RET, .a = 0};
    assert_int_equal(sj__ir_verify(&f, msg, sizeof msg), SJ_ERR_INTERNAL);
    /* A slot out of range. */
    insts[1] = (sj_ir_inst){.op = SJ_IR_PARAM, .slot = 6};
    assert_int_equal(sj__ir_verify(&f, msg, sizeof msg), SJ_ERR_INTERNAL);
    insts[1] = (sj_ir_inst){.op = SJ_IR_PV_LOAD, .slot = 0}; /* npv is 0 */
    assert_int_equal(sj__ir_verify(&f, msg, sizeof msg), SJ_ERR_INTERNAL);
    /* The last instruction must be RET. */
    insts[1] = (sj_ir_inst){.op = SJ_IR_CONST};
    insts[2] = (sj_ir_inst){.op = SJ_IR_JMP, .b = 0};
    assert_int_equal(sj__ir_verify(&f, msg, sizeof msg), SJ_ERR_INTERNAL);
}

static void test_op_table(void **state)
{
    (void)state;
    /* One table: every op has a name, and flags consistent with its role. */
    for (int op = 0; op < SJ_IR_OP_COUNT; op++) {
        const sj_ir_op_info *in = &sj__ir_op_info[op];
        assert_non_null(in->name);
        if (in->flags & SJ_IRF_TERM)
            assert_false(in->flags & SJ_IRF_VALUE);
        if (in->flags & SJ_IRF_PURE)
            assert_false(in->flags & SJ_IRF_EFFECT);
    }
    assert_string_equal(sj__ir_op_info[SJ_IR_BUF_READ_LIN].name, "BUF_READ_LIN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold),     cmocka_unit_test(test_dce),      cmocka_unit_test(test_phis),
        cmocka_unit_test(test_verifier), cmocka_unit_test(test_op_table),
        cmocka_unit_test(test_comparison_nodes_inline), cmocka_unit_test(test_if_on_comparison_nodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

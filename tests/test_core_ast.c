/* The AST: builders, ownership on failure, walk order, dump format (reference §1.6), clone,
 * equality, depth limits. */
#include "sjtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_dump_format(void **state)
{
    (void)state;
    /* Expected text built by hand from reference §1.6: "   " * (indent+1) + label, call arguments
     * prefixed with "[i] " before their own indentation, lit as {:6.4}. */
    sj_ast *a = sj_stmts(4, sj_assign("&sig1", sj_call("sin", 1, 1, sj_lit(1.0))),
                         sj_if(sj_lt(sj_var("in1"), sj_lit(-0.5)), sj_buf_write(0, sj_lit(2), sj_lit(3)), NULL),
                         sj_buf_declare(3, 100), sj_add(sj_table_len(3), sj_buf_read_lin(2, sj_lit(0.25))));
    assert_non_null(a);
    char *d = sj_ast_dump(a);
    const char *expect = "   stmts:4\n"
                         "      assign:&sig1\n"
                         "         call1:sin\n"
                         "[0]             lit:1.0000\n"
                         "      if\n"
                         "         binop:Lt\n"
                         "            var:in1\n"
                         "            lit:-0.5000\n"
                         "         buf:Write(0)\n"
                         "            lit:2.0000\n"
                         "            lit:3.0000\n"
                         "      bufdecl3:100\n"
                         "      binop:Add\n"
                         "         len:Table(3)\n"
                         "         buf:ReadLin(2)\n"
                         "            lit:0.2500\n";
    assert_string_equal(d, expect);
    sj_free(d);
    sj_ast_free(a);
}

static void test_dump_labels(void **state)
{
    (void)state;
    struct {
        sj_ast *node;
        const char *label;
    } cases[] = {
        {sj_lit(12345.678), "   lit:12345.6780\n"}, /* wider than 6: Rust keeps all digits */
        {sj_buf_len(7), "   len:Buffer(7)\n"},
        {sj_buf_read(1, sj_lit(0)), "   buf:Read(1)\n      lit:0.0000\n"},
        {sj_table_read(4, sj_lit(0)), "   buf:TableRead(4)\n      lit:0.0000\n"},
        {sj_table_read_lin(5, sj_lit(0)), "   buf:TableReadLin(5)\n      lit:0.0000\n"},
        {sj_ne(sj_var("a"), sj_var("b")), "   binop:Ne\n      var:a\n      var:b\n"},
        {sj_stmts(0), "   stmts:0\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *d = sj_ast_dump(cases[i].node);
        assert_string_equal(d, cases[i].label);
        sj_free(d);
        sj_ast_free(cases[i].node);
    }
}

static bool collect(const sj_ast *n, size_t depth, void *user)
{
    char *buf = user;
    char item[32];
    snprintf(item, sizeof item, "%d@%zu ", (int)n->kind, depth);
    strcat(buf, item);
    return true;
}

static void test_walk_preorder(void **state)
{
    (void)state;
    /* Pre-order, children in the reference's order: If -> cond, then, else. */
    sj_ast *a = sj_if(sj_var("c"), sj_lit(1), sj_assign("x", sj_lit(2)));
    char buf[256] = "";
    assert_int_equal(sj_ast_walk(a, collect, buf), SJ_OK);
    char expect[256];
    snprintf(expect, sizeof expect, "%d@0 %d@1 %d@1 %d@1 %d@2 ", SJ_AST_IF, SJ_AST_VAR, SJ_AST_LIT, SJ_AST_ASSIGN,
             SJ_AST_LIT);
    assert_string_equal(buf, expect);
    sj_ast_free(a);
}

static void test_null_children_free_siblings(void **state)
{
    (void)state;
    /* A NULL child makes the builder fail and free the other children (checked by ASan/valgrind
     * runs of this test: nothing may leak). */
    assert_null(sj_add(sj_lit(1), NULL));
    assert_null(sj_stmts(3, sj_lit(1), NULL, sj_var("x")));
    assert_null(sj_call("sin", 1, 2, sj_lit(1), NULL));
    assert_null(sj_if(NULL, sj_lit(1), sj_lit(2)));
    assert_null(sj_assign(NULL, sj_lit(1)));
    assert_null(sj_var(NULL));
    assert_null(sj_buf_write(0, sj_lit(1), NULL));
    /* A node already in a tree cannot be given to a second parent (it would be freed twice). */
    sj_ast *shared = sj_lit(5);
    sj_ast *first = sj_add(shared, sj_lit(1));
    assert_non_null(first);
    assert_null(sj_mul(shared, sj_lit(2)));
    sj_ast_free(first);
}

static void test_push_and_height(void **state)
{
    (void)state;
    sj_ast *s = sj_stmts(0);
    assert_int_equal(sj_ast_push(s, sj_lit(1)), SJ_OK);
    assert_int_equal(sj_ast_push(s, sj_add(sj_lit(1), sj_lit(2))), SJ_OK);
    assert_int_equal(s->nkids, 2);
    assert_int_equal(s->height, 3);
    sj_ast *parent = sj_stmts(1, s);
    /* s is attached now: pushing to it would leave parent's height stale. */
    assert_int_equal(sj_ast_push(s, sj_lit(3)), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(sj_ast_push(NULL, sj_lit(3)), SJ_ERR_INVALID_ARGUMENT);
    sj_ast *leaf = sj_lit(0);
    assert_int_equal(sj_ast_push(leaf, NULL), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(sj_ast_push(leaf, sj_lit(1)), SJ_ERR_INVALID_ARGUMENT); /* not a STMTS or CALL */
    sj_ast_free(leaf);
    sj_ast_free(parent);
}

static void test_clone_equal(void **state)
{
    (void)state;
    sj_ast *a = sj_stmts(3, sj_assign("*p", sj_call("phase", 7, 2, sj_lit(440), sj_lit(0))),
                         sj_if(sj_ge(sj_var("in1"), sj_lit(0.5)), sj_lit(1), sj_lit(-1)), sj_buf_declare(1, 32));
    sj_ast *b = sj_ast_clone(a);
    assert_true(sj_ast_equal(a, b));
    char *da = sj_ast_dump(a), *db = sj_ast_dump(b);
    assert_string_equal(da, db);
    sj_free(da);
    sj_free(db);
    sj_ast *c = sj_stmts(3, sj_assign("*p", sj_call("phase", 8, 2, sj_lit(440), sj_lit(0))),
                         sj_if(sj_ge(sj_var("in1"), sj_lit(0.5)), sj_lit(1), sj_lit(-1)), sj_buf_declare(1, 32));
    assert_false(sj_ast_equal(a, c)); /* uid 7 vs 8 */
    sj_ast *nan1 = sj_lit(NAN), *nan2 = sj_lit(NAN);
    assert_true(sj_ast_equal(nan1, nan2)); /* literals compare bitwise */
    sj_ast *z1 = sj_lit(0.0), *z2 = sj_lit(-0.0);
    assert_false(sj_ast_equal(z1, z2));
    sj_ast_free(a);
    sj_ast_free(b);
    sj_ast_free(c);
    sj_ast_free(nan1);
    sj_ast_free(nan2);
    sj_ast_free(z1);
    sj_ast_free(z2);
}

static void test_deep_tree(void **state)
{
    (void)state;
    /* A tree much deeper than any recursion could handle: building, walking, cloning, dumping and
     * freeing are iterative; compiling it is refused with SJ_ERR_TOO_DEEP, not a stack overflow. */
    sj_ast *a = sj_lit(1);
    for (int i = 0; i < 200000; i++)
        a = sj_add(a, sj_lit(1));
    assert_non_null(a);
    assert_int_equal(a->height, 200001);
    sj_ast *b = sj_ast_clone(a);
    assert_true(sj_ast_equal(a, b));
    sj_context *ctx = NULL;
    sj_function *f = NULL;
    sj_diag d;
    assert_int_equal(sj_instant_compile(a, &ctx, &f, &d), SJ_ERR_TOO_DEEP);
    assert_int_equal(d.code, SJ_ERR_TOO_DEEP);
    assert_null(f);
    assert_null(ctx);
    sj_ast_free(a);
    sj_ast_free(b);
    /* Exactly at the limit it compiles. */
    a = sj_lit(0);
    for (int i = 1; i < SJ_MAX_AST_HEIGHT; i++)
        a = sj_add(a, sj_lit(1));
    assert_int_equal(a->height, SJ_MAX_AST_HEIGHT);
    assert_int_equal(sj_instant_compile(a, &ctx, &f, &d), SJ_OK);
    sj_function_init(f, 44100, NULL);
    assert_true(sj_function_exec(f, 0, 0, 0, 0, 0, 0, NULL, NULL) == SJ_MAX_AST_HEIGHT - 1);
    sj_function_free(f);
    sj_context_free(ctx);
    sj_ast_free(a);
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(sj_strerror(SJ_OK), "ok");
    assert_string_equal(sj_status_name(SJ_ERR_UNKNOWN_BUFFER), "SJ_ERR_UNKNOWN_BUFFER");
    assert_string_equal(sj_strerror((sj_status)9999), "unknown status");
    for (int s = 0; s < SJ_STATUS_COUNT; s++)
        assert_true(strlen(sj_strerror((sj_status)s)) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dump_format),     cmocka_unit_test(test_dump_labels),
        cmocka_unit_test(test_walk_preorder),   cmocka_unit_test(test_null_children_free_siblings),
        cmocka_unit_test(test_push_and_height), cmocka_unit_test(test_clone_equal),
        cmocka_unit_test(test_deep_tree),       cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

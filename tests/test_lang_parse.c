/* The text language: parser (every construct), printer round trip (every construct, random ASTs,
 * literal bits), automatic uids that survive edits, diagnostics, limits, robustness on garbage and
 * on allocation failures. Expected ASTs are built with the builder from docs/language.md's grammar. */
#include "sjtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static sj_ast *parse_ok(const char *src)
{
    sj_ast *a = NULL;
    sj_diag_list dl;
    sj_diag_list_init(&dl);
    sj_status st = sj_parse(src, strlen(src), "t.sj", NULL, &a, &dl);
    if (st != SJ_OK) {
        char *m = sj_diag_list_format(&dl, src, strlen(src), false);
        fail_msg("parse failed (%s) for:\n%s\n%s", sj_status_name(st), src, m ? m : "");
    }
    sj_diag_list_fini(&dl);
    return a;
}

static void assert_parses_to(const char *src, sj_ast *expect)
{
    assert_non_null(expect);
    sj_ast *a = parse_ok(src);
    if (!sj_ast_equal(a, expect)) {
        char *d1 = sj_ast_dump(a), *d2 = sj_ast_dump(expect);
        fail_msg("for %s\ngot:\n%sexpected:\n%s", src, d1, d2);
    }
    sj_ast_free(a);
    sj_ast_free(expect);
}

/* AST -> text -> AST gives an equal AST, and printing again gives the same text. */
static void assert_roundtrip(const sj_ast *ast)
{
    char *text = sj_print(ast);
    assert_non_null(text);
    sj_ast *back = NULL;
    sj_diag_list dl;
    sj_diag_list_init(&dl);
    sj_status st = sj_parse(text, strlen(text), "rt", NULL, &back, &dl);
    if (st != SJ_OK) {
        char *m = sj_diag_list_format(&dl, text, strlen(text), false);
        fail_msg("printed text does not parse (%s):\n%s\n%s", sj_status_name(st), text, m ? m : "");
    }
    if (!sj_ast_equal(ast, back)) {
        char *d1 = sj_ast_dump(ast), *d2 = sj_ast_dump(back);
        fail_msg("round trip differs; text:\n%s\noriginal:\n%sparsed:\n%s", text, d1, d2);
    }
    char *text2 = sj_print(back);
    assert_non_null(text2);
    assert_string_equal(text, text2);
    sj_free(text2);
    sj_free(text);
    sj_ast_free(back);
    sj_diag_list_fini(&dl);
}

static uint64_t au(const char *anchor, const char *node, uint32_t k)
{
    return sj_lang_auto_uid(anchor, node, k);
}

static void test_constructs(void **state)
{
    (void)state;
    /* One statement: the root is that statement. */
    assert_parses_to("1.5", sj_lit(1.5));
    assert_parses_to("1e3", sj_lit(1000));
    assert_parses_to("2.5E-2", sj_lit(0.025));
    assert_parses_to(".5", sj_lit(0.5));
    assert_parses_to("-0", sj_lit(-0.0));
    assert_parses_to("inf", sj_lit(INFINITY));
    assert_parses_to("-inf", sj_lit(-INFINITY));
    /* The reference's names as written (reference §1.2, §1.4). */
    assert_parses_to("in1", sj_var("in1"));
    assert_parses_to("&sig1", sj_var("&sig1"));
    assert_parses_to("*phase", sj_var("*phase"));
    assert_parses_to("$srate", sj_var("$srate"));
    assert_parses_to("%1", sj_var("%1"));
    assert_parses_to("1SQRT2", sj_var("1SQRT2"));
    assert_parses_to("2SQRT_PI", sj_var("2SQRT_PI"));
    assert_parses_to("`a b`", sj_var("a b"));
    assert_parses_to("`if`", sj_var("if"));
    assert_parses_to("`x\\`\\\\\\x41`", sj_var("x`\\A"));
    /* '*' and '/' start names only where an operand is expected. */
    assert_parses_to("a*b", sj_mul(sj_var("a"), sj_var("b")));
    assert_parses_to("a * *b", sj_mul(sj_var("a"), sj_var("*b")));
    assert_parses_to("x = *p*2", sj_assign("x", sj_mul(sj_var("*p"), sj_lit(2))));
    assert_parses_to("a/b", sj_div(sj_var("a"), sj_var("b")));
    /* Operators: precedence and left associativity. */
    assert_parses_to("1 + 2 * 3", sj_add(sj_lit(1), sj_mul(sj_lit(2), sj_lit(3))));
    assert_parses_to("1 - 2 - 3", sj_sub(sj_sub(sj_lit(1), sj_lit(2)), sj_lit(3)));
    assert_parses_to("a == b < c + d", sj_eq(sj_var("a"), sj_lt(sj_var("b"), sj_add(sj_var("c"), sj_var("d")))));
    assert_parses_to("a != b >= c", sj_ne(sj_var("a"), sj_ge(sj_var("b"), sj_var("c"))));
    assert_parses_to("a <= b > c", sj_gt(sj_le(sj_var("a"), sj_var("b")), sj_var("c")));
    assert_parses_to("(1 + 2) / 3", sj_div(sj_add(sj_lit(1), sj_lit(2)), sj_lit(3)));
    /* Unary minus: literals fold, other operands become -1 * e (exact negation). */
    assert_parses_to("-x", sj_mul(sj_lit(-1), sj_var("x")));
    assert_parses_to("2 * -3", sj_mul(sj_lit(2), sj_lit(-3)));
    /* Assignment (right-associative, lowest precedence). */
    assert_parses_to("a = b = 2", sj_assign("a", sj_assign("b", sj_lit(2))));
    assert_parses_to("&sig1 = in1", sj_assign("&sig1", sj_var("in1")));
    /* Statements: newlines and ';' separate them; a line ending in an operator continues. */
    assert_parses_to("a = 1\nb = 2; a + b",
                     sj_stmts(3, sj_assign("a", sj_lit(1)), sj_assign("b", sj_lit(2)),
                              sj_add(sj_var("a"), sj_var("b"))));
    assert_parses_to("a = 1 +\n  2", sj_assign("a", sj_add(sj_lit(1), sj_lit(2))));
    assert_parses_to("f(1,\n 2)", sj_call("f", au("", "f", 0), 2, sj_lit(1), sj_lit(2)));
    assert_parses_to("", sj_stmts(0));
    assert_parses_to("# only a comment\n// and another", sj_stmts(0));
    assert_parses_to("{ 1 }", sj_stmts(1, sj_lit(1)));
    assert_parses_to("x = {}", sj_assign("x", sj_stmts(0)));
    assert_parses_to("{ 1; 2 }\n3", sj_stmts(2, sj_stmts(2, sj_lit(1), sj_lit(2)), sj_lit(3)));
    /* if: braces; one statement in a branch is that statement. */
    assert_parses_to("if a { 1 }", sj_if(sj_var("a"), sj_lit(1), NULL));
    assert_parses_to("if a { 1 } else { 2; 3 }",
                     sj_if(sj_var("a"), sj_lit(1), sj_stmts(2, sj_lit(2), sj_lit(3))));
    assert_parses_to("if a {} else if b { 1 } else { { 2 } }",
                     sj_if(sj_var("a"), sj_stmts(0), sj_if(sj_var("b"), sj_lit(1), sj_stmts(1, sj_lit(2)))));
    assert_parses_to("if a { 1 }\nelse { 2 }", sj_if(sj_var("a"), sj_lit(1), sj_lit(2)));
    /* Calls, with the reference's node names and labels. */
    assert_parses_to("/%(7, 2)", sj_call("/%", au("", "/%", 0), 2, sj_lit(7), sj_lit(2)));
    assert_parses_to("s&h~(in1, 1)", sj_call("s&h~", au("", "s&h~", 0), 2, sj_var("in1"), sj_lit(1)));
    assert_parses_to("atomr~(0.5)", sj_call("atomr~", au("", "atomr~", 0), 1, sj_lit(0.5)));
    assert_parses_to("x = phase@osc(440, 0)",
                     sj_assign("x", sj_call("phase", sj_lang_label_uid("osc"), 2, sj_lit(440), sj_lit(0))));
    assert_parses_to("phase@42(1, 0)", sj_call("phase", 42, 2, sj_lit(1), sj_lit(0)));
    assert_parses_to("phase@18446744073709551615()", sj_call("phase", UINT64_MAX, 0));
    assert_parses_to("f()", sj_call("f", au("", "f", 0), 0));
    assert_parses_to("f(1,)", sj_call("f", au("", "f", 0), 1, sj_lit(1)));
    /* Buffers and tables (reference §1.1). */
    assert_parses_to("decl buf[3] = 4096", sj_buf_declare(3, 4096));
    assert_parses_to("buf[1][i]", sj_buf_read(1, sj_var("i")));
    assert_parses_to("buf~[1][i]", sj_buf_read_lin(1, sj_var("i")));
    assert_parses_to("table[2][0]", sj_table_read(2, sj_lit(0)));
    assert_parses_to("table~[2][0.5]", sj_table_read_lin(2, sj_lit(0.5)));
    assert_parses_to("buf[4].len + table[5].len", sj_add(sj_buf_len(4), sj_table_len(5)));
    assert_parses_to("buf[0][i] = 2", sj_buf_write(0, sj_var("i"), sj_lit(2)));
    assert_parses_to("buf[0][i] = ?", sj_buf_op(SJ_BUF_WRITE, 0, sj_var("i"), NULL));
    assert_parses_to("buf[99][0]", sj_buf_read(99, sj_lit(0))); /* out of range: the compiler says so */
    /* NaN literals keep their bits. */
    sj_ast *n = parse_ok("nan(0x7ff0000000000001)");
    uint64_t bits;
    memcpy(&bits, &n->value, 8);
    assert_true(bits == 0x7ff0000000000001ULL);
    sj_ast_free(n);
}

static void test_roundtrip_constructs(void **state)
{
    (void)state;
    double nanp;
    uint64_t b = 0xfff4000000000abcULL;
    memcpy(&nanp, &b, 8);
    sj_ast *cases[] = {
        sj_lit(0.1),
        sj_lit(-0.0),
        sj_lit(NAN),
        sj_lit(-NAN),
        sj_lit(nanp),
        sj_lit(5e-324),
        sj_lit(1.7976931348623157e308),
        sj_stmts(0),
        sj_stmts(1, sj_lit(1)),
        sj_stmts(1, sj_stmts(1, sj_stmts(0))),
        sj_stmts(2, sj_var("in1"), sj_stmts(1, sj_var("x"))),
        sj_if(sj_var("c"), sj_stmts(1, sj_lit(1)), sj_stmts(1, sj_lit(2))),
        sj_if(sj_if(sj_var("a"), sj_lit(1), NULL), sj_if(sj_var("b"), sj_lit(2), sj_lit(3)), sj_stmts(0)),
        sj_add(sj_if(sj_var("a"), sj_lit(1), NULL), sj_lit(2)),
        sj_mul(sj_assign("x", sj_lit(1)), sj_assign("y", sj_lit(2))),
        sj_sub(sj_lit(1), sj_sub(sj_lit(2), sj_lit(3))),
        sj_div(sj_lit(-1), sj_mul(sj_lit(-2), sj_var("x"))),
        sj_mul(sj_lit(-1), sj_var("x")),
        sj_eq(sj_ne(sj_var("a"), sj_var("b")), sj_lt(sj_le(sj_var("a"), sj_var("b")), sj_gt(sj_lit(1), sj_lit(2)))),
        sj_ge(sj_lit(1), sj_ge(sj_lit(2), sj_lit(3))),
        sj_add(sj_buf_declare(1, 2), sj_buf_write(3, sj_lit(1), sj_lit(2))),
        sj_buf_op(SJ_BUF_WRITE, 7, sj_lit(1), NULL),
        sj_stmts(4, sj_buf_len(SIZE_MAX), sj_table_len(0), sj_table_read_lin(9, sj_var("i")),
                 sj_buf_read_lin(15, sj_buf_read(2, sj_lit(3)))),
        sj_call("phase", 1, 2, sj_lit(440), sj_lit(0)),
        sj_call("/%", 0, 2, sj_lit(1), sj_lit(2)),
        sj_call("a b", 7, 1, sj_call("`", 8, 0)),
        sj_var(""),
        sj_var("*"),
        sj_var("/"),
        sj_var("1e5"),
        sj_var("1e"),
        sj_var("12"),
        sj_var("1.5"),
        sj_var("*if"),
        sj_var("buf"),
        sj_var("\x01\n\x7f\xc3\xa9"),
        sj_stmts(2, sj_var("\xef\xbb\xbf"), sj_var("\xef\xbb\xbfx")), /* a BOM is skipped only at the start */
        sj_assign("if", sj_var("else")),
        sj_assign("*x", sj_assign("&sig1", sj_var("%1"))),
        /* The same node twice under one anchor, with and without the automatic uids. */
        sj_stmts(2, sj_assign("x", sj_add(sj_call("phase", au("x", "phase", 0), 0),
                                          sj_call("phase", au("x", "phase", 1), 0))),
                 sj_assign("x", sj_call("phase", au("x", "phase", 0), 0))),
        sj_buf_write(2, sj_lit(0), sj_call("sin", au("buf[2]", "sin", 0), 1, sj_lit(1))),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_non_null(cases[i]);
        assert_roundtrip(cases[i]);
        sj_ast_free(cases[i]);
    }
    /* Uids equal to the automatic ones are not written. */
    sj_ast *a = sj_assign("x", sj_call("phase", au("x", "phase", 0), 2, sj_lit(1), sj_lit(0)));
    char *t = sj_print(a);
    assert_string_equal(t, "x = phase(1, 0)\n");
    sj_free(t);
    sj_ast_free(a);
}

/* A small deterministic PRNG for the random trees. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static double random_double(void)
{
    switch (rnd() % 6) {
    case 0: return (double)(int64_t)(rnd() % 2001) - 1000;
    case 1: return (double)(rnd() % 1000) / 8.0;
    case 2: {
        uint64_t b = rnd();
        double d;
        memcpy(&d, &b, 8);
        return d; /* any bit pattern: NaNs with payloads, denormals, infinities */
    }
    case 3: return -0.0;
    case 4: return 0.1 * (double)(rnd() % 100);
    default: return ldexp((double)(rnd() % 1000), (int)(rnd() % 200) - 100);
    }
}

static const char *random_name(void)
{
    static const char *const names[] = {"x", "in1", "&sig1", "*p", "$srate", "%1", "PI", "1SQRT2", "a b", "if",
                                        "buf", "_t", "x'", "é", "", "*", "1e5", "`q`"};
    return names[rnd() % (sizeof names / sizeof names[0])];
}

static const char *random_node(void)
{
    static const char *const nodes[] = {"sin", "phase", "/%", "s&h", "s&h~", "atomr~", "accum", "my node", "f"};
    return nodes[rnd() % (sizeof nodes / sizeof nodes[0])];
}

static sj_ast *random_ast(int depth)
{
    int k = depth <= 0 ? (int)(rnd() % 3) : (int)(rnd() % 11);
    switch (k) {
    case 0: return sj_lit(random_double());
    case 1: return sj_var(random_name());
    case 2: return sj_buf_declare(rnd() % 20, rnd() % 100000);
    case 3: return sj_assign(random_name(), random_ast(depth - 1));
    case 4: return sj_binop((sj_binary_op)(rnd() % 10), random_ast(depth - 1), random_ast(depth - 1));
    case 5: return sj_if(random_ast(depth - 1), random_ast(depth - 1), rnd() % 2 ? random_ast(depth - 1) : NULL);
    case 6: {
        size_t n = rnd() % 4;
        sj_ast *args[4];
        for (size_t i = 0; i < n; i++)
            args[i] = random_ast(depth - 1);
        /* Mostly arbitrary uids, sometimes small ones as the builder's users write them. */
        uint64_t uid = rnd() % 3 == 0 ? rnd() % 10 : rnd();
        return sj_call_v(random_node(), uid, args, n);
    }
    case 7: {
        sj_bufop op = (sj_bufop)(rnd() % 5);
        if (op == SJ_BUF_WRITE)
            return sj_buf_op(op, rnd() % 20, random_ast(depth - 1), rnd() % 4 ? random_ast(depth - 1) : NULL);
        return sj_buf_op(op, rnd() % 20, random_ast(depth - 1), NULL);
    }
    case 8: return rnd() % 2 ? sj_buf_len(rnd() % 20) : sj_table_len(rnd() % 20);
    default: {
        size_t n = rnd() % 4;
        sj_ast *kids[4];
        for (size_t i = 0; i < n; i++)
            kids[i] = random_ast(depth - 1);
        return sj_stmts_v(kids, n);
    }
    }
}

static void test_roundtrip_random(void **state)
{
    (void)state;
    for (int i = 0; i < 3000; i++) {
        sj_ast *a = random_ast(1 + (int)(rnd() % 6));
        assert_non_null(a);
        assert_roundtrip(a);
        sj_ast_free(a);
    }
}

static void test_literal_bits(void **state)
{
    (void)state;
    /* Every literal reads back with the same bits (sj_ast_equal compares values bitwise). */
    for (int i = 0; i < 20000; i++) {
        double v = random_double();
        sj_ast *a = sj_lit(v);
        char *t = sj_print(a);
        sj_ast *b = parse_ok(t);
        uint64_t x, y;
        memcpy(&x, &a->value, 8);
        memcpy(&y, &b->value, 8);
        if (x != y)
            fail_msg("literal %016llx printed as %s reads back as %016llx", (unsigned long long)x, t,
                     (unsigned long long)y);
        sj_free(t);
        sj_ast_free(a);
        sj_ast_free(b);
    }
    /* Short forms where they are exact. */
    sj_ast *a = sj_lit(0.1);
    char *t = sj_print(a);
    assert_string_equal(t, "0.1\n");
    sj_free(t);
    sj_ast_free(a);
}

/* The uid of the k-th call of `node` in pre-order. */
typedef struct find_call {
    const char *node;
    int want, seen;
    uint64_t uid;
    bool found;
} find_call;

static bool find_visit(const sj_ast *n, size_t depth, void *user)
{
    (void)depth;
    find_call *f = user;
    if (n->kind == SJ_AST_CALL && strcmp(n->name, f->node) == 0 && f->seen++ == f->want) {
        f->uid = n->uid;
        f->found = true;
        return false;
    }
    return true;
}

static uint64_t uid_of(const char *src, const char *node, int k)
{
    sj_ast *a = parse_ok(src);
    find_call f = {node, k, 0, 0, false};
    sj_ast_walk(a, find_visit, &f);
    sj_ast_free(a);
    if (!f.found)
        fail_msg("no call %d of %s in:\n%s", k, node, src);
    return f.uid;
}

static void test_uid_stability(void **state)
{
    (void)state;
    /* The rule (docs/language.md, "State identity"): uid = H(nearest assigned name, node, how many
     * calls of that node came before under that name). */
    const char *v1 = "osc = phase(440, 0)\n"
                     "lfo = phase(2, 0)\n"
                     "&sig1 = sin(osc * TAU) * (0.5 + 0.5 * lfo)\n";
    uint64_t osc = uid_of(v1, "phase", 0), lfo = uid_of(v1, "phase", 1);
    assert_true(osc == sj_lang_auto_uid("osc", "phase", 0));
    assert_true(lfo == sj_lang_auto_uid("lfo", "phase", 0));
    assert_true(osc != lfo);
    /* Edit another line (a new call there too). */
    const char *v2 = "osc = phase(440, 0)\n"
                     "lfo = phase(3, 0) + accum(1, 0)\n"
                     "&sig1 = sin(osc * TAU) * (0.25 + 0.75 * lfo)\n";
    assert_true(uid_of(v2, "phase", 0) == osc);
    assert_true(uid_of(v2, "phase", 1) != osc);
    /* Edit the oscillator's own arguments: its state stays too. */
    assert_true(uid_of("osc = phase(220, in1 > 0.5)\n", "phase", 0) == osc);
    /* Add calls before it, reorder the statements. */
    const char *v3 = "pre = phase(1, 0) + phase(5, 0)\n"
                     "lfo = phase(2, 0)\n"
                     "osc = phase(440, 0)\n";
    assert_true(uid_of(v3, "phase", 3) == osc);
    assert_true(uid_of(v3, "phase", 2) == lfo);
    /* A label pins the uid wherever the call moves. */
    uint64_t l1 = uid_of("a = phase@main(440, 0)", "phase", 0);
    uint64_t l2 = uid_of("x = 1\nb = 2 * phase@main(220, 0)", "phase", 0);
    assert_true(l1 == l2 && l1 == sj_lang_label_uid("main"));
    /* Two calls in one statement differ; a labelled call still counts, so adding a label to one
     * call does not change the uids of the others. */
    const char *v4 = "x = phase(1, 0) + phase(2, 0)";
    const char *v5 = "x = phase@a(1, 0) + phase(2, 0)";
    assert_true(uid_of(v4, "phase", 0) != uid_of(v4, "phase", 1));
    assert_true(uid_of(v4, "phase", 1) == uid_of(v5, "phase", 1));
}

static void test_diagnostics(void **state)
{
    (void)state;
    sj_library *lib = sj_library_new_std();
    const char *src = "x = phse(440, 0)\n"      /* 1:5 unknown node, hint phase */
                      "y = phase(1)\n"          /* 2:5 not enough args */
                      "z = 1 +* 2\n"            /* 3 syntax */
                      "&sig1 = x + TUA + nope\n"; /* warnings: TUA (hint TAU), nope */
    sj_ast *a = NULL;
    sj_diag_list dl;
    sj_diag_list_init(&dl);
    sj_status st = sj_parse(src, strlen(src), "p.sj", lib, &a, &dl);
    assert_int_equal(st, SJ_ERR_UNDEFINED_NODE); /* the first error's code */
    assert_null(a);
    assert_int_equal(dl.errors, 3);
    assert_int_equal(dl.warnings, 2);
    assert_int_equal(dl.items[0].line, 1);
    assert_int_equal(dl.items[0].col, 5);
    assert_int_equal(dl.items[0].span, 4);
    assert_string_equal(dl.items[0].hint, "did you mean 'phase'?");
    assert_int_equal(dl.items[1].code, SJ_ERR_NOT_ENOUGH_ARGS);
    assert_int_equal(dl.items[2].line, 3);
    assert_int_equal(dl.items[2].code, SJ_ERR_SYNTAX);
    assert_int_equal(dl.items[3].severity, SJ_SEVERITY_WARNING);
    assert_string_equal(dl.items[3].hint, "did you mean 'TAU'?");
    char *text = sj_diag_list_format(&dl, src, strlen(src), false);
    assert_non_null(strstr(text, "p.sj:1:5: error: unknown node 'phse'\n"
                                 " 1 | x = phse(440, 0)\n"
                                 "   |     ^~~~\n"
                                 " hint: did you mean 'phase'?\n"));
    sj_free(text);
    sj_diag_list_fini(&dl);

    /* Warnings alone do not fail the parse; the never-assigned name reads as 0.0. */
    sj_diag_list_init(&dl);
    st = sj_parse("&sig1 = foo", 11, NULL, lib, &a, &dl);
    assert_int_equal(st, SJ_OK);
    assert_non_null(a);
    assert_int_equal(dl.warnings, 1);
    assert_string_equal(dl.items[0].text, "'foo' is never assigned; it reads as 0.0");
    sj_ast_free(a);
    sj_diag_list_fini(&dl);
    sj_library_release(lib);
}

static void test_positions_and_compile_errors(void **state)
{
    sjt t = sjt_open(state);
    const char *src = "x = 1\n  &sig1 = buf[20][x]\n";
    sj_ast *a = NULL;
    assert_int_equal(sj_parse(src, strlen(src), "p", t.lib, &a, NULL), SJ_OK);
    assert_int_equal(a->kids[0]->line, 1);
    assert_int_equal(a->kids[1]->line, 2);
    assert_int_equal(a->kids[1]->col, 3);
    assert_int_equal(a->kids[1]->kids[0]->col, 11); /* buf */
    sj_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(sjt_compile_status(&t, a, &d), SJ_ERR_UNKNOWN_BUFFER);
    /* The compile error points at the buffer read in the source (sj_ast_at). */
    assert_int_equal(d.line, 2);
    assert_int_equal(d.col, 11);
    sjt_close(&t);
}

static void test_limits(void **state)
{
    (void)state;
    /* Nesting beyond SJ_LANG_MAX_DEPTH is an error, not a stack overflow. */
    size_t deep = SJ_LANG_MAX_DEPTH + 500;
    char *s = malloc(deep * 2 + 2);
    memset(s, '(', deep);
    s[deep] = '1';
    memset(s + deep + 1, ')', deep);
    s[2 * deep + 1] = 0;
    sj_ast *a = NULL;
    sj_diag_list dl;
    sj_diag_list_init(&dl);
    assert_int_equal(sj_parse(s, strlen(s), NULL, NULL, &a, &dl), SJ_ERR_TOO_DEEP);
    assert_null(a);
    sj_diag_list_fini(&dl);
    /* As deep as the compiler accepts parses (and prints back). */
    size_t ok = SJ_LANG_MAX_DEPTH - 10;
    memset(s, '-', ok);
    s[ok] = 'x';
    s[ok + 1] = 0;
    a = parse_ok(s);
    assert_roundtrip(a);
    sj_ast_free(a);
    free(s);
    /* Nested ifs and else-if chains as deep as the compiler accepts round-trip. */
    sj_ast *nest = sj_lit(1), *chain = sj_lit(2);
    for (int i = 0; i < SJ_MAX_AST_HEIGHT - 10; i++) {
        nest = sj_if(sj_var("c"), nest, NULL);
        chain = sj_if(sj_var("c"), sj_lit(i), chain);
    }
    assert_roundtrip(nest);
    assert_roundtrip(chain);
    sj_ast_free(nest);
    sj_ast_free(chain);
    /* A long chain is not nesting: 200000 terms parse and print without deep recursion. */
    size_t terms = 200000;
    s = malloc(terms * 2 + 1);
    for (size_t i = 0; i < terms; i++) {
        s[2 * i] = '1';
        s[2 * i + 1] = '+';
    }
    s[terms * 2 - 1] = 0;
    a = parse_ok(s);
    assert_true(a->height == terms);
    char *t = sj_print(a);
    assert_non_null(t);
    assert_int_equal(strlen(t), (terms - 1) * 4 + 1 + 1); /* "1 + " per operator, "1", "\n" */
    sj_free(t);
    sj_ast_free(a);
    free(s);
    /* Printing refuses trees nested too deeply to parse back, and returns NULL (no crash). */
    sj_ast *n = sj_lit(1);
    for (int i = 0; i < SJ_MAX_AST_HEIGHT * 3; i++)
        n = sj_sub(sj_lit(1), n);
    assert_null(sj_print(n));
    sj_ast_free(n);
}

static void test_garbage(void **state)
{
    (void)state;
    /* Random bytes and random token soup never crash, never leak (run under make san/valgrind). */
    static const char *const pieces[] = {"x", "=", "(", ")", "{", "}", "[", "]", "if", "else", "buf", "buf~",
                                         "table", "decl", "phase", "@", "1", "1e", ".", "len", ",", ";", "\n",
                                         "*", "/", "-", "+", "==", "!", "?", "`", "`a`", "#c\n", "nan", "%1",
                                         "&sig1", " ", "\xff", "\x00", "s&h~", "/%"};
    sj_library *lib = sj_library_new_std();
    char buf[512];
    for (int i = 0; i < 4000; i++) {
        size_t n = 0;
        if (i % 2) {
            n = rnd() % sizeof buf;
            for (size_t k = 0; k < n; k++)
                buf[k] = (char)rnd();
        } else {
            size_t cnt = rnd() % 60;
            for (size_t k = 0; k < cnt; k++) {
                const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
                size_t l = p[0] ? strlen(p) : 1;
                if (n + l >= sizeof buf)
                    break;
                memcpy(buf + n, p, l);
                n += l;
            }
        }
        sj_ast *a = NULL;
        sj_diag_list dl;
        sj_diag_list_init(&dl);
        sj_status st = sj_parse(buf, n, "g", i % 3 ? lib : NULL, &a, &dl);
        char *f = sj_diag_list_format(&dl, buf, n, i % 5 == 0);
        assert_non_null(f);
        sj_free(f);
        if (st == SJ_OK) {
            assert_non_null(a);
            if (i % 3 == 0)
                assert_roundtrip(a);
        } else {
            assert_null(a);
            assert_true(dl.errors > 0);
        }
        char *fm = NULL;
        sj_diag_list_fini(&dl);
        sj_diag_list_init(&dl);
        if (sj_format_source(buf, n, "g", &fm, &dl) == SJ_OK) {
            /* fmt output parses to the same AST as the input (labels and comments aside). */
            sj_ast *b = NULL;
            assert_int_equal(sj_parse(fm, strlen(fm), "f", NULL, &b, NULL), SJ_OK);
            sj_ast *c = NULL;
            assert_int_equal(sj_parse(buf, n, "g", NULL, &c, NULL), SJ_OK);
            assert_true(sj_ast_equal(b, c));
            sj_ast_free(b);
            sj_ast_free(c);
        }
        sj_free(fm);
        sj_diag_list_fini(&dl);
        sj_ast_free(a);
    }
    sj_library_release(lib);
}

/* Fault injection: the Nth allocation fails; the parser reports SJ_ERR_NOMEM and frees everything. */
static void test_alloc_failures(void **state)
{
    (void)state;
    const char *src = "# osc\nx = phase@o(440, 0) + s&h~(in1, 1)\nif x > 0.5 { &sig1 = buf[0][x] } else { decl buf[1] = 4 }\n"
                      "&sig2 = undefinedname + { 1; 2 }\n";
    bool done = false;
    for (long fail_at = 0; !done && fail_at < 5000; fail_at++) {
        sjt_faults_arm(fail_at);
        sjt_faults_install();
        sj_ast *a = NULL;
        sj_diag_list dl;
        sj_diag_list_init(&dl);
        sj_status st = sj_parse(src, strlen(src), "f", NULL, &a, &dl);
        char *p = a ? sj_print(a) : NULL;
        char *fm = NULL;
        sj_diag_list d2;
        sj_diag_list_init(&d2);
        sj_status st2 = sj_format_source(src, strlen(src), "f", &fm, &d2);
        if (st == SJ_OK && p && st2 == SJ_OK)
            done = true;
        else
            assert_true(st == SJ_OK || st == SJ_ERR_NOMEM);
        sj_free(p);
        sj_free(fm);
        sj_ast_free(a);
        sj_diag_list_fini(&dl);
        sj_diag_list_fini(&d2);
        sjt_faults_remove();
        if (sjt_faults_live() != 0)
            fail_msg("failing allocation %ld leaves %ld blocks", fail_at, sjt_faults_live());
    }
    assert_true(done);
}

static void test_format_source(void **state)
{
    (void)state;
    const char *src = "# head\n\nx=1  # one\n\n\n# before y\ny = x*2;z=3\nif x { y = 2 } else {\n  # inside\n  y = 3\n}\n# tail\n";
    char *out = NULL;
    assert_int_equal(sj_format_source(src, strlen(src), "f", &out, NULL), SJ_OK);
    assert_string_equal(out, "# head\n\nx = 1  # one\n\n# before y\ny = x * 2\nz = 3\nif x { y = 2 } else {\n    # inside\n"
                             "    y = 3\n}\n# tail\n");
    /* Idempotent. */
    char *again = NULL;
    assert_int_equal(sj_format_source(out, strlen(out), "f", &again, NULL), SJ_OK);
    assert_string_equal(out, again);
    sj_free(again);
    sj_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constructs),
        cmocka_unit_test(test_roundtrip_constructs),
        cmocka_unit_test(test_roundtrip_random),
        cmocka_unit_test(test_literal_bits),
        cmocka_unit_test(test_uid_stability),
        cmocka_unit_test(test_diagnostics),
        cmocka_unit_test_prestate(test_positions_and_compile_errors, &sjt_interp),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_format_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

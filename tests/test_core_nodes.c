/* The node interface and the reference's standard library (§3), on every backend. Expected values
 * follow the algorithms of reference §3.2 step by step. */
#include "sjtest.h"

#include <math.h>
#include <string.h>

static void test_library_order_and_lookup(void **state)
{
    (void)state;
    sj_library *lib = sj_library_new_std();
    /* reference get_standard_library() order */
    const char *order[] = {"sin", "accum", "/%", "phase", "atomw", "atomr", "atomr~", "s&h", "s&h~"};
    for (size_t i = 0; i < 9; i++)
        assert_string_equal(sj_library_at(lib, i)->name, order[i]);
    const sj_node_type *t = sj_library_find(lib, "phase");
    assert_non_null(t);
    assert_string_equal(t->signature, "vvSr");
    assert_true(sj_node_type_is_stateful(t));
    assert_true(sj_node_type_has_return(t));
    assert_int_equal(sj_node_type_arg_count(t), 2);
    assert_int_equal(sj_node_type_input_count(t), 2);
    assert_string_equal(t->inputs[0], "freq");
    assert_string_equal(t->outputs[0], "phase");
    assert_int_equal(sj_node_type_output_count(sj_library_find(lib, "/%")), 2);
    assert_false(sj_node_type_is_stateful(sj_library_find(lib, "/%")));
    assert_null(sj_library_find(lib, "nope"));
    assert_null(sj_library_find(NULL, "sin"));
    for (size_t i = 0; i < sj_library_count(lib); i++)
        assert_true(sj_library_at(lib, i)->doc && strlen(sj_library_at(lib, i)->doc) > 5);
    sj_library_release(lib);
}

static void test_accum(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f = sjt_compile(&t, sj_call("accum", 1, 2, sj_var("in1"), sj_var("in2")));
    sj_function_init(f, 44100, NULL);
    double expect = 0.0;
    for (int i = 0; i < 10; i++) {
        expect += 0.1;
        SJT_ASSERT_SAME(sjt_exec(f, 0.1, 0.0, NULL, NULL), expect);
    }
    expect += 0.1;
    SJT_ASSERT_SAME(sjt_exec(f, 0.1, 0.5, NULL, NULL), expect); /* reset > 0.5 is strict */
    SJT_ASSERT_SAME(sjt_exec(f, 0.1, 0.500001, NULL, NULL), 0.0);
    SJT_ASSERT_SAME(sjt_exec(f, 0.25, 0.0, NULL, NULL), 0.25);
    sj_function_free(f);
    sjt_close(&t);
}

/* The reference's phase step, written out. */
static double phase_step(double *value, double freq, double israte)
{
    double out = *value;
    *value += freq * israte;
    *value = *value - trunc(*value);
    return out;
}

static void test_phase(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f = sjt_compile(&t, sj_call("phase", 1, 2, sj_var("in1"), sj_var("in2")));
    /* Without init the state was reset once at allocation with the context's 44100. */
    double v = 0.0;
    for (int i = 0; i < 5; i++)
        SJT_ASSERT_SAME(sjt_exec(f, 1000.0, 0, NULL, NULL), phase_step(&v, 1000.0, 1.0 / 44100.0));
    /* init with no previous function resets new states with the new rate. */
    sj_function *g = sjt_compile(&t, sj_call("phase", 2, 2, sj_var("in1"), sj_var("in2")));
    sj_function_init(g, 48000, NULL);
    v = 0.0;
    for (int i = 0; i < 100; i++)
        SJT_ASSERT_SAME(sjt_exec(g, 440.0, 0, NULL, NULL), phase_step(&v, 440.0, 1.0 / 48000.0));
    /* Negative frequencies run backwards, sign kept by fract. */
    for (int i = 0; i < 100; i++)
        SJT_ASSERT_SAME(sjt_exec(g, -1234.5, 0, NULL, NULL), phase_step(&v, -1234.5, 1.0 / 48000.0));
    /* A rising edge above 0.5 restarts at 0; the trigger compares the f32 value, and 0.5000000001
     * rounds to 0.5f, which is not above 0.5. */
    phase_step(&v, 440.0, 1.0 / 48000.0);
    assert_true(sjt_exec(g, 440.0, 0.5000000001, NULL, NULL) != 0.0);
    SJT_ASSERT_SAME(sjt_exec(g, 440.0, 0.6, NULL, NULL), 0.0);
    /* Still high: no new trigger; at 0.3 not re-armed; at 0.25 re-armed. */
    v = 0.0;
    phase_step(&v, 440.0, 1.0 / 48000.0);
    SJT_ASSERT_SAME(sjt_exec(g, 440.0, 1.0, NULL, NULL), phase_step(&v, 440.0, 1.0 / 48000.0));
    SJT_ASSERT_SAME(sjt_exec(g, 440.0, 0.3, NULL, NULL), phase_step(&v, 440.0, 1.0 / 48000.0));
    assert_true(sjt_exec(g, 440.0, 0.9, NULL, NULL) != 0.0); /* not re-armed at 0.3 */
    phase_step(&v, 440.0, 1.0 / 48000.0);
    SJT_ASSERT_SAME(sjt_exec(g, 440.0, 0.25, NULL, NULL), phase_step(&v, 440.0, 1.0 / 48000.0));
    SJT_ASSERT_SAME(sjt_exec(g, 440.0, 0.9, NULL, NULL), 0.0);
    sj_function_free(f);
    sj_function_free(g);
    sjt_close(&t);
}

static void test_sample_and_hold(void **state)
{
    sjt t = sjt_open(state);
    sj_function *f = sjt_compile(&t, sj_stmts(2, sj_assign("&sig1", sj_call("s&h", 1, 2, sj_var("in1"), sj_var("in2"))),
                                              sj_call("s&h~", 2, 2, sj_var("in1"), sj_var("in2"))));
    sj_function_init(f, 44100, NULL);
    double s1;
    /* in1, set -> (s&h: edge-triggered, s&h~: level) */
    double r = sjt_exec(f, 3, 0, &s1, NULL);
    assert_true(s1 == 0 && r == 0);
    r = sjt_exec(f, 4, 1, &s1, NULL); /* rising edge: both take 4 */
    assert_true(s1 == 4 && r == 4);
    r = sjt_exec(f, 5, 1, &s1, NULL); /* still high: s&h holds, s&h~ follows */
    assert_true(s1 == 4 && r == 5);
    r = sjt_exec(f, 6, 0.5, &s1, NULL); /* 0.5 is not > 0.5 */
    assert_true(s1 == 4 && r == 5);
    r = sjt_exec(f, 7, 0.26, &s1, NULL); /* not re-armed yet (> 0.25) */
    r = sjt_exec(f, 8, 0.9, &s1, NULL);
    assert_true(s1 == 4 && r == 8);
    r = sjt_exec(f, 9, 0.25, &s1, NULL); /* re-armed */
    r = sjt_exec(f, 10, 0.9, &s1, NULL);
    assert_true(s1 == 10 && r == 10);
    sj_function_free(f);
    sjt_close(&t);
}

static void test_atoms(void **state)
{
    sjt t = sjt_open(state);
    assert_int_equal(sj_context_atom_count(t.ctx), 512); /* decisions #10 */
    /* atomw stores f32, returns the unrounded value. */
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("atomw", 1, 2, sj_lit(3), sj_lit(0.7))), 0.7);
    assert_true(sj_context_atom_get(t.ctx, 3) == 0.7f);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("atomr", 1, 1, sj_lit(3.9))), (double)0.7f);
    /* Index rule (decisions #3): floor, Euclidean wrap, NaN -> 0. */
    sj_context_atom_set(t.ctx, 511, 2.0f);
    sj_context_atom_set(t.ctx, 0, 1.0f);
    sj_context_atom_set(t.ctx, 5, 5.0f);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("atomr", 1, 1, sj_lit(-1))), 2.0);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("atomr", 1, 1, sj_lit(-0.5))), 2.0);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("atomr", 1, 1, sj_lit(517))), 5.0);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("atomr", 1, 1, sj_lit(NAN))), 1.0);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("atomr", 1, 1, sj_lit(INFINITY))), 1.0);
    /* atomr~: a*(1-f) + f*b with f = idx - trunc(idx). */
    sj_context_atom_set(t.ctx, 1, 3.0f);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("atomr~", 1, 1, sj_lit(0.25))), 1.0 * 0.75 + 0.25 * 3.0);
    /* -0.25: i1 = 511 (floor -1 wrapped), i2 = 0, f = -0.25 */
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("atomr~", 1, 1, sj_lit(-0.25))), 2.0 * 1.25 + -0.25 * 1.0);
    /* i1 = 511 -> i2 wraps to 0 */
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("atomr~", 1, 1, sj_lit(511.5))), 2.0 * 0.5 + 0.5 * 1.0);
    sj_context_atom_set(t.ctx, 600, 1.0f); /* out of range: ignored */
    assert_true(sj_context_atom_get(t.ctx, 600) == 0.0f);
    sjt_close(&t);
}

static void test_atom_count_config(void **state)
{
    (void)state;
    sj_library *lib = sj_library_new_std();
    sj_context_config cfg;
    sj_context_config_init(&cfg);
    cfg.atom_count = 32; /* the reference's count */
    sj_context *ctx = sj_context_new(lib, &cfg);
    assert_int_equal(sj_context_atom_count(ctx), 32);
    sj_context_atom_set(ctx, 0, 9.0f);
    sj_function *f;
    sj_ast *a = sj_call("atomr", 1, 1, sj_lit(32));
    assert_int_equal(sj_compile(ctx, a, NULL, &f, NULL), SJ_OK);
    assert_true(sj_function_exec(f, 0, 0, 0, 0, 0, 0, NULL, NULL) == 9.0);
    sj_function_free(f);
    sj_ast_free(a);
    sj_context_free(ctx);
    cfg.atom_count = SJ_MAX_ATOM_COUNT + 1;
    assert_null(sj_context_new(lib, &cfg));
    sj_library_release(lib);
}

static void test_math_nodes(void **state)
{
    sjt t = sjt_open(state);
    double xs[] = {-2.5, -1.0, -0.3, 0.0, 0.7, 1.5, 3.25, 1e10};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double x = xs[i];
        SJT_ASSERT_SAME(sjt_eval(&t, sj_call("sin", 1, 1, sj_lit(x))), sin(x));
        SJT_ASSERT_SAME(sjt_eval(&t, sj_call("cos", 1, 1, sj_lit(x))), cos(x));
        SJT_ASSERT_SAME(sjt_eval(&t, sj_call("tan", 1, 1, sj_lit(x))), tan(x));
        SJT_ASSERT_SAME(sjt_eval(&t, sj_call("tanh", 1, 1, sj_lit(x))), tanh(x));
        SJT_ASSERT_SAME(sjt_eval(&t, sj_call("exp", 1, 1, sj_lit(x))), exp(x));
        SJT_ASSERT_SAME(sjt_eval(&t, sj_call("log", 1, 1, sj_lit(x))), log(x));
        SJT_ASSERT_SAME(sjt_eval(&t, sj_call("sqrt", 1, 1, sj_lit(x))), sqrt(x));
        SJT_ASSERT_SAME(sjt_eval(&t, sj_call("abs", 1, 1, sj_lit(x))), fabs(x));
        SJT_ASSERT_SAME(sjt_eval(&t, sj_call("floor", 1, 1, sj_lit(x))), floor(x));
        SJT_ASSERT_SAME(sjt_eval(&t, sj_call("ceil", 1, 1, sj_lit(x))), ceil(x));
        SJT_ASSERT_SAME(sjt_eval(&t, sj_call("fract", 1, 1, sj_lit(x))), x - floor(x));
        SJT_ASSERT_SAME(sjt_eval(&t, sj_call("pow", 1, 2, sj_lit(x), sj_lit(1.5))), pow(x, 1.5));
        SJT_ASSERT_SAME(sjt_eval(&t, sj_call("clamp", 1, 3, sj_lit(x), sj_lit(-1), sj_lit(1))),
                        x < -1 ? -1 : x > 1 ? 1 : x);
    }
    /* min/max follow a < b ? a : b (x86 minsd): with a NaN the second operand wins. */
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("min", 1, 2, sj_lit(1), sj_lit(2))), 1.0);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("max", 1, 2, sj_lit(1), sj_lit(2))), 2.0);
    assert_true(isnan(sjt_eval(&t, sj_call("min", 1, 2, sj_lit(1), sj_lit(NAN)))));
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("min", 1, 2, sj_lit(NAN), sj_lit(1))), 1.0);
    SJT_ASSERT_SAME(sjt_eval(&t, sj_call("max", 1, 2, sj_lit(-0.0), sj_lit(0.0))), 0.0);
    /* Through inputs as well (not folded). */
    sj_function *f = sjt_compile(&t, sj_add(sj_call("floor", 1, 1, sj_var("in1")), sj_call("min", 2, 2, sj_var("in1"),
                                                                                             sj_var("in2"))));
    SJT_ASSERT_SAME(sjt_exec(f, -2.5, 7, NULL, NULL), -3.0 + -2.5);
    SJT_ASSERT_SAME(sjt_exec(f, 4.5, NAN, NULL, NULL) + 0.0, sjt_exec(f, 4.5, NAN, NULL, NULL));
    assert_true(isnan(sjt_exec(f, 4.5, NAN, NULL, NULL)));
    sj_function_free(f);
    sjt_close(&t);
}

/* The comparison nodes eq, ne, lt, le, gt, ge. The oracle is the binary operator itself, in the same
 * engine on the same backend (decisions #1: 1.0/0.0, ordered, `!=` is !(a == b)): the node's value
 * and the branch an `if` on it takes must equal the operator's, through inputs (run time) and on
 * literals (folded), for ordinary and equal values, signed zeros, infinities, a denormal and NaN.
 * The descriptor's own C function (which hosts may call; compiled code inlines the operation) must
 * agree too. A table of fixed truth values catches a fault that node and operator would share. */
static const char *const cmp_names[] = {"eq", "ne", "lt", "le", "gt", "ge"}; /* SJ_EQ + k */

static sj_ast *cmp_ast(int k, bool node, sj_ast *a, sj_ast *b)
{
    return node ? sj_call(cmp_names[k], 1, 2, a, b) : sj_binop((sj_binary_op)(SJ_EQ + k), a, b);
}

static void test_comparison_nodes(void **state)
{
    static const double vals[] = {-2.5, -1.0, 0.0, -0.0, 1.0, 1.0000000000000002, 3.25, 1e300, 4.9e-324,
                                  INFINITY, -INFINITY, NAN};
    const size_t nv = sizeof vals / sizeof vals[0];
    sjt t = sjt_open(state);
    for (int k = 0; k < 6; k++) {
        const sj_node_type *type = sj_library_find(t.lib, cmp_names[k]);
        assert_non_null(type);
        assert_string_equal(type->signature, "vvr");
        sj_function *f[2];
        for (int node = 0; node < 2; node++) {
            /* &sig1 = the comparison; the result: 1 if an if on it takes the then branch, else 2. */
            f[node] = sjt_compile(&t, sj_stmts(2, sj_assign("&sig1", cmp_ast(k, node, sj_var("in1"), sj_var("in2"))),
                                               sj_if(cmp_ast(k, node, sj_var("in1"), sj_var("in2")), sj_lit(1),
                                                     sj_lit(2))));
            sj_function_init(f[node], 44100, NULL);
        }
        for (size_t i = 0; i < nv; i++)
            for (size_t j = 0; j < nv; j++) {
                double a = vals[i], b = vals[j], vn, vo;
                double bn = sjt_exec(f[1], a, b, &vn, NULL), bo = sjt_exec(f[0], a, b, &vo, NULL);
                if (!sjt_same(vn, vo) || !sjt_same(bn, bo))
                    fail_msg("%s(%g, %g) = %g, branch %g; the operator: %g, branch %g", cmp_names[k], a, b, vn, bn, vo,
                             bo);
                assert_true(sjt_same(vo, 1.0) || sjt_same(vo, 0.0));
                SJT_ASSERT_SAME(bo, vo == 1.0 ? 1.0 : 2.0);
                SJT_ASSERT_SAME(sjt_eval(&t, cmp_ast(k, true, sj_lit(a), sj_lit(b))), vo);
                SJT_ASSERT_SAME(sjt_eval(&t, cmp_ast(k, false, sj_lit(a), sj_lit(b))), vo);
                SJT_ASSERT_SAME(sjt_call_node_typed(type, (double[]){a, b}, NULL, NULL, NULL), vo);
            }
        sj_function_free(f[0]);
        sj_function_free(f[1]);
    }
    static const struct {
        int k;
        double a, b, want;
    } truth[] = {
        {0, 1, 1, 1}, {0, 1, 2, 0}, {0, -0.0, 0, 1}, {0, NAN, NAN, 0}, {0, INFINITY, INFINITY, 1},
        {1, 1, 1, 0}, {1, 1, 2, 1}, {1, -0.0, 0, 0}, {1, NAN, NAN, 1}, {1, NAN, 1, 1},
        {2, 1, 2, 1}, {2, 2, 1, 0}, {2, 1, 1, 0},    {2, -INFINITY, INFINITY, 1}, {2, NAN, 1, 0},
        {3, 1, 1, 1}, {3, 2, 1, 0}, {3, -0.0, 0, 1}, {3, 1, NAN, 0},
        {4, 2, 1, 1}, {4, 1, 1, 0}, {4, INFINITY, 1e300, 1}, {4, 1, NAN, 0},
        {5, 1, 1, 1}, {5, 1, 2, 0}, {5, 0, -0.0, 1}, {5, NAN, NAN, 0},
    };
    for (size_t i = 0; i < sizeof truth / sizeof truth[0]; i++) {
        sj_function *f = sjt_compile(&t, cmp_ast(truth[i].k, true, sj_var("in1"), sj_var("in2")));
        sj_function_init(f, 44100, NULL);
        double v = sjt_exec(f, truth[i].a, truth[i].b, NULL, NULL);
        if (!sjt_same(v, truth[i].want))
            fail_msg("%s(%g, %g) = %g, expected %g", cmp_names[truth[i].k], truth[i].a, truth[i].b, v, truth[i].want);
        sj_function_free(f);
    }
    sjt_close(&t);
}

/* A user node with every pointer kind, in an unusual order: "vSvMDr". */
typedef struct probe_state {
    double sum;
    int resets;
} probe_state;

static double probe_fn(double a, void *state, double b, double *rv, sj_dsp_state *dsp)
{
    probe_state *s = state;
    s->sum += a * b;
    rv[0] = dsp->srate;
    rv[1] = (double)s->resets;
    return s->sum;
}

static void probe_reset(sj_dsp_state *dsp, void *state)
{
    (void)dsp;
    probe_state *s = state;
    s->sum = 0;
    s->resets++;
}

static double twice(double x)
{
    return 2 * x;
}

static void test_user_nodes(void **state)
{
    sjt t = sjt_open(state);
    static const char *const in_ab[] = {"a", "b", NULL};
    static const char *const out_probe[] = {"sum", "srate", "resets", NULL};
    sj_node_type probe = {"probe", "test node", in_ab, out_probe, "vSvMDr", sizeof(probe_state), probe_reset,
                          (void (*)(void))probe_fn};
    sj_node_type tw = {"twice", "doubles", NULL, NULL, "vr", 0, NULL, (void (*)(void))twice};
    assert_int_equal(sj_library_add(t.lib, &probe, NULL), SJ_OK);
    assert_int_equal(sj_library_add(t.lib, &tw, NULL), SJ_OK);
    sj_function *f = sjt_compile(&t, sj_stmts(3, sj_assign("x", sj_call("probe", 4, 2, sj_var("in1"), sj_var("in2"))),
                                              sj_assign("&sig1", sj_var("%1")),
                                              sj_add(sj_var("x"), sj_call("twice", 4, 1, sj_var("%2")))));
    sj_function_init(f, 32000, NULL);
    double s1;
    /* reset ran at allocation and again at init (a new state): resets = 2. */
    SJT_ASSERT_SAME(sjt_exec(f, 2, 3, &s1, NULL), 6.0 + 2 * 2.0);
    assert_true(s1 == 32000);
    SJT_ASSERT_SAME(sjt_exec(f, 1, 1, &s1, NULL), 7.0 + 2 * 2.0);
    probe_state *ps = sj_function_node_state(f, 4);
    assert_non_null(ps);
    assert_true(ps->sum == 7.0);
    assert_ptr_equal(sj_function_node_type(f, 4)->fn, (void (*)(void))probe_fn);
    assert_null(sj_function_node_state(f, 5));
    sj_function_free(f);
    /* Last added wins by name. */
    sj_node_type tw2 = tw;
    tw2.doc = "replaced";
    assert_int_equal(sj_library_add(t.lib, &tw2, NULL), SJ_OK);
    assert_string_equal(sj_library_find(t.lib, "twice")->doc, "replaced");
    sjt_close(&t);
}

static void test_bad_descriptors(void **state)
{
    (void)state;
    sj_library *lib = sj_library_new();
    sj_node_type base = {"x", "", NULL, NULL, "vr", 0, NULL, (void (*)(void))twice};
    sj_diag d;
    const char *bad_sigs[] = {"vrv", "vq", "vvvvvvvvvr", "SSr", "DDr", "MMr", "rr"};
    for (size_t i = 0; i < sizeof bad_sigs / sizeof bad_sigs[0]; i++) {
        sj_node_type t = base;
        t.signature = bad_sigs[i];
        assert_int_equal(sj_library_add(lib, &t, &d), SJ_ERR_BAD_NODE_TYPE);
        assert_true(strlen(d.message) > 0);
    }
    sj_node_type t = base;
    t.signature = "vSr"; /* stateful without a state size */
    assert_int_equal(sj_library_add(lib, &t, &d), SJ_ERR_BAD_NODE_TYPE);
    t = base;
    t.fn = NULL;
    assert_int_equal(sj_library_add(lib, &t, &d), SJ_ERR_BAD_NODE_TYPE);
    t = base;
    t.name = "";
    assert_int_equal(sj_library_add(lib, &t, &d), SJ_ERR_BAD_NODE_TYPE);
    assert_int_equal(sj_library_add(lib, NULL, &d), SJ_ERR_BAD_NODE_TYPE);
    assert_int_equal(sj_library_add(NULL, &base, &d), SJ_ERR_INVALID_ARGUMENT);
    assert_int_equal(sj_library_count(lib), 0);
    /* The limits themselves are fine: 8 values and one of each pointer. */
    t = base;
    t.signature = "vvvvvvvvDMr";
    assert_int_equal(sj_library_add(lib, &t, &d), SJ_OK);
    sj_library_release(lib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_library_order_and_lookup),
        SJT_BOTH(test_accum),
        SJT_BOTH(test_phase),
        SJT_BOTH(test_sample_and_hold),
        SJT_BOTH(test_atoms),
        cmocka_unit_test(test_atom_count_config),
        SJT_BOTH(test_math_nodes),
        SJT_BOTH(test_comparison_nodes),
        SJT_BOTH(test_user_nodes),
        cmocka_unit_test(test_bad_descriptors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

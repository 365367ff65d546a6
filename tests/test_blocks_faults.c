/* Fault injection for the block language: the Nth allocation fails, for every N until the scenario
 * runs clean. Every block API must report the failure (never crash), a failed edit must leave a
 * program that still saves, loads and compiles, and once everything is freed no allocation may
 * remain live. */
#include "sjtest.h"

#include <stdlib.h>
#include <string.h>


/* A program touching every allocating block API. Returns 1 if every call succeeded. */
static int scenario(void)
{
    int ok = 1;
    sj_library *lib = sj_library_new_std();
    sj_blocklang *lang = lib ? sj_blocklang_new(lib) : NULL;
    sj_blockfun *f = lang ? sj_blockfun_new(lang) : NULL, *g = NULL;
    sj_block_chain *c = NULL;
    sj_ast *ast = NULL;
    char *s = NULL, *t = NULL;
    sj_diag d;
    if (!f) {
        ok = 0;
        goto out;
    }
    ok &= sj_blockfun_instantiate(f, 0, 0, 1, "value", "0.3") == SJ_OK;
    ok &= sj_blockfun_instantiate(f, 0, 0, 2, "value", "-0.4") == SJ_OK;
    ok &= sj_blockfun_instantiate(f, 0, 1, 1, "/%", NULL) == SJ_OK;
    ok &= sj_blockfun_instantiate(f, 0, 2, 2, "set", "&sig1") == SJ_OK;
    ok &= sj_blockfun_instantiate(f, 0, 0, 5, "get", "in1") == SJ_OK;
    ok &= sj_blockfun_instantiate(f, 0, 1, 5, "if", NULL) == SJ_OK;
    size_t then_area = 0;
    sj_block_info bi;
    if (sj_blockfun_block_at(f, 0, 1, 5, &bi))
        then_area = bi.sub[0];
    if (then_area) {
        ok &= sj_blockfun_instantiate(f, then_area, 0, 0, "value", "10") == SJ_OK;
        ok &= sj_blockfun_instantiate(f, then_area, 1, 0, "->2", NULL) == SJ_OK;
        ok &= sj_blockfun_instantiate(f, then_area, 2, 0, "-", NULL) == SJ_OK;
    }
    ok &= sj_blockfun_shift_port(f, 0, 1, 1, 0, true) == SJ_OK;
    ok &= sj_blockfun_clone_block(f, 0, 1, 5, 0, 6, 6) == SJ_OK;
    ok &= sj_blockfun_move_block(f, 0, 6, 6, 0, 7, 7) == SJ_OK;
    ok &= sj_blockfun_move_chain(f, 0, 1, 1, 0, 4, 9) == SJ_OK;
    ok &= sj_blockfun_split_chain(f, 0, 3, 9, "->") == SJ_OK;
    ok &= sj_blockfun_set_label(f, 0, 3, 9, "0.5") == SJ_OK;
    ok &= sj_blockfun_retrieve_chain(f, 0, 0, 5, false, &c) == SJ_OK;
    sj_block_chain_free(c);
    c = NULL;
    bool sized = sj_blockfun_recalculate_area_sizes(f) == SJ_OK;
    ok &= sized;
    s = sj_blockfun_save_json(f);
    ok &= s != NULL;
    g = sj_blockfun_new(lang);
    ok &= g != NULL;
    if (s && g) {
        ok &= sj_blockfun_load_json(g, s, strlen(s), &d) == SJ_OK;
        t = sj_blockfun_save_json(g);
        ok &= t != NULL;
        /* A load that succeeded gives the same text (when the sizes were up to date: loading
         * recomputes them); a failed one left g empty. */
        if (t && sized && sj_blockfun_block_count(g, 0) > 0)
            assert_string_equal(s, t);
    }
    ok &= sj_blockfun_compile(f, &ast, &d) == SJ_OK;
    sj_ast_free(ast);
    ast = NULL;
    char *x = sj_blockfun_dump_tree(f);
    ok &= x != NULL;
    sj_free(x);
    x = sj_blockfun_ascii(f);
    ok &= x != NULL;
    sj_free(x);
    /* Whatever failed above, the program is still whole: it saves and loads. */
    sj_free(t);
    t = sj_blockfun_save_json(f);
    if (t && g) {
        sj_blockfun *h = sj_blockfun_new(lang);
        if (h) {
            sj_status st = sj_blockfun_load_json(h, t, strlen(t), &d);
            assert_true(st == SJ_OK || st == SJ_ERR_NOMEM);
            sj_blockfun_free(h);
        }
    }
out:
    sj_free(s);
    sj_free(t);
    sj_blockfun_free(g);
    sj_blockfun_free(f);
    sj_blocklang_free(lang);
    sj_library_release(lib);
    return ok;
}

static void test_every_allocation_fails_once(void **state)
{
    (void)state;
    sjt_faults_install();
    for (long fail_at = 0;; fail_at++) {
        sjt_faults_arm(fail_at);
        int clean = scenario();
        if (sjt_faults_live() != 0) {
            sjt_faults_remove();
            fail_msg("allocation %ld failed: %ld allocations still live afterwards", fail_at, sjt_faults_live());
        }
        if (sjt_faults_failures() == 0) {
            assert_true(clean);
            print_message("clean after %ld injected failures\n", fail_at);
            break;
        }
        if (fail_at > 200000) {
            sjt_faults_remove();
            fail_msg("the scenario never ran clean");
        }
    }
    sjt_faults_remove();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_fails_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

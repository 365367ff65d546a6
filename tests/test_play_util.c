/* The parts of `sigjit play` that need no JACK (cli/play_util.c, included here): the status line's
 * summary of which state a reload keeps (it must agree with the language's state identity,
 * docs/language.md "State identity"), and the file watch that triggers reloads for the ways
 * editors save (in place, by rename, through a symlink) and ignores other files. */
#include "sjtest.h"

#include "../cli/play_util.c"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static sj_ast *parse(const sj_library *lib, const char *src)
{
    sj_ast *a = NULL;
    sj_diag_list dl;
    sj_diag_list_init(&dl);
    sj_status st = sj_parse(src, strlen(src), "live.sj", lib, &a, &dl);
    if (st != SJ_OK)
        fail_msg("parse failed: %s", sj_status_name(st));
    sj_diag_list_fini(&dl);
    return a;
}

static void expect_summary(const char *old_src, const char *new_src, const char *want)
{
    sj_library *lib = sj_library_new_std();
    sj_ast *o = old_src ? parse(lib, old_src) : NULL, *n = parse(lib, new_src);
    char buf[512];
    play_describe_state(buf, sizeof buf, o, n, lib);
    if (strcmp(buf, want) != 0)
        fail_msg("summary\n  got:  %s\n  want: %s", buf, want);
    sj_ast_free(o);
    sj_ast_free(n);
    sj_library_release(lib);
}

static void test_first_version_is_all_new(void **state)
{
    (void)state;
    expect_summary(NULL, "osc = phase(440, 0)\n&sig1 = sin(osc * TAU)\n", "kept 0, new 1 (phase 1:7), dropped 0");
}

/* Editing other lines and the call's own arguments keeps the phase; sin is stateless (not listed);
 * a new *variable and a new filter are new. Positions are the new version's. */
static void test_edit_keeps_and_adds(void **state)
{
    (void)state;
    expect_summary("osc = phase(440, 0)\n&sig1 = osc\n",
                   "# v2\n*n = *n + 1\nosc = phase(220, *n > 10)\n&sig1 = sin(osc)\n&sig2 = lp1(osc, 100)\n",
                   "kept 1 (phase 3:7), new 2 (*n, lp1 5:9), dropped 0");
}

/* Renaming the variable an unlabelled call is assigned to gives it a new identity: the old state is
 * dropped (reported at its old position); a label keeps it wherever it goes. */
static void test_rename_drops_label_keeps(void **state)
{
    (void)state;
    expect_summary("osc = phase(440, 0)\n*g = 1\n", "osc2 = phase(440, 0)\n",
                   "kept 0, new 1 (phase 1:8), dropped 2 (phase 1:7, *g)");
    expect_summary("osc = phase@main(440, 0)\n", "x = 1\nosc2 = 2 * phase@main(440, 0)\n",
                   "kept 1 (phase 2:12), new 0, dropped 0");
}

/* Two calls of the same node under one anchor are two states; the list stops after 6 names. */
static void test_many_states(void **state)
{
    (void)state;
    expect_summary(NULL, "a = saw(1) + saw(2) + saw(3) + saw(4) + saw(5) + saw(6) + saw(7)\n",
                   "kept 0, new 7 (saw 1:5, saw 1:14, saw 1:23, saw 1:32, saw 1:41, saw 1:50, ...), dropped 0");
}

/* ---- the watch ---- */
static char dir[64];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void test_watch_saves(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sjplayXXXXXX");
    assert_non_null(mkdtemp(dir));
    char file[128], tmpf[128], other[128];
    path_in(file, sizeof file, "live.sj");
    path_in(tmpf, sizeof tmpf, ".live.sj.swp");
    path_in(other, sizeof other, "other.sj");
    write_file(file, "&sig1 = 0.1\n");

    play_watch w;
    assert_true(play_watch_open(&w, file));
    assert_true(w.fd >= 0);
    assert_false(play_watch_read(&w)); /* nothing yet */

    write_file(file, "&sig1 = 0.2\n"); /* in place */
    assert_true(play_watch_read(&w));
    assert_false(play_watch_read(&w)); /* drained */

    write_file(tmpf, "&sig1 = 0.3\n"); /* a new file renamed over the old one */
    assert_int_equal(rename(tmpf, file), 0);
    assert_true(play_watch_read(&w));

    write_file(other, "x\n"); /* another file of the directory */
    assert_false(play_watch_read(&w));
    play_watch_close(&w);
    assert_int_equal(w.fd, -1);

    unlink(file);
    unlink(other);
    rmdir(dir);
}

/* A symlink to a file in another directory: saves through the target's path are seen too. */
static void test_watch_symlink(void **state)
{
    (void)state;
    char top[64];
    snprintf(top, sizeof top, "/tmp/sjplayXXXXXX");
    assert_non_null(mkdtemp(top));
    char real_dir[128], link_dir[128], target[160], link[160];
    snprintf(real_dir, sizeof real_dir, "%s/real", top);
    snprintf(link_dir, sizeof link_dir, "%s/links", top);
    assert_int_equal(mkdir(real_dir, 0700), 0);
    assert_int_equal(mkdir(link_dir, 0700), 0);
    snprintf(target, sizeof target, "%s/patch.sj", real_dir);
    snprintf(link, sizeof link, "%s/live.sj", link_dir);
    write_file(target, "&sig1 = 0.1\n");
    assert_int_equal(symlink(target, link), 0);

    play_watch w;
    assert_true(play_watch_open(&w, link));
    assert_int_equal(w.count, 2);
    write_file(target, "&sig1 = 0.2\n");
    assert_true(play_watch_read(&w));
    play_watch_close(&w);

    unlink(link);
    unlink(target);
    rmdir(real_dir);
    rmdir(link_dir);
    rmdir(top);
}

static void test_watch_missing_dir(void **state)
{
    (void)state;
    play_watch w;
    assert_false(play_watch_open(&w, "/nonexistent-sigjit-dir/x.sj"));
    assert_int_equal(w.fd, -1);
    play_watch_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_version_is_all_new),
        cmocka_unit_test(test_edit_keeps_and_adds),
        cmocka_unit_test(test_rename_drops_label_keeps),
        cmocka_unit_test(test_many_states),
        cmocka_unit_test(test_watch_saves),
        cmocka_unit_test(test_watch_symlink),
        cmocka_unit_test(test_watch_missing_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

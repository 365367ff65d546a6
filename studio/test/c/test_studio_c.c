/*
 * Tests of the studio's C pieces that need neither civetweb nor a browser: the atomic save
 * (cli/studio_file.c) and what the session reports of a compiled program (cli/studio_session.c).
 * The JSON the protocol is read and written with is the library's (src/base/json.c), tested by
 * tests/test_base_json.c. Built and run by tests/scripts/studio_c.sh; prints "N passed, N failed".
 */
#include "sigjit.h"
#include "studio_session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int passed, failed;

#define CHECK(cond)                                                                                   \
    do {                                                                                              \
        if (cond) {                                                                                   \
            passed++;                                                                                 \
        } else {                                                                                      \
            failed++;                                                                                 \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                     \
        }                                                                                             \
    } while (0)

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void test_atomic_save(void)
{
    char dir[] = "/tmp/sjstudio-c-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/prog.sj", dir);
    CHECK(studio_write_file_atomic(path, "one\n", 4) == 0);
    CHECK(strcmp(slurp(path), "one\n") == 0);
    chmod(path, 0600);
    CHECK(studio_write_file_atomic(path, "two\n", 4) == 0);
    CHECK(strcmp(slurp(path), "two\n") == 0);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600); /* the mode is kept */
    /* A failed write leaves the previous version: the target is a directory here, so rename fails. */
    char sub[160];
    snprintf(sub, sizeof sub, "%s/adir", dir);
    mkdir(sub, 0755);
    CHECK(studio_write_file_atomic(sub, "x", 1) != 0);
    CHECK(stat(sub, &st) == 0 && S_ISDIR(st.st_mode));
    /* No directory: an error, nothing written. */
    char nodir[160];
    snprintf(nodir, sizeof nodir, "%s/missing/prog.sj", dir);
    CHECK(studio_write_file_atomic(nodir, "x", 1) == ENOENT);
    /* No temporary file is left behind. */
    char cmd[200];
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 2", dir);
    CHECK(system(cmd) == 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* The session of a text program in a file: its hello message (with the first compile result). */
static char *hello_of(const char *text)
{
    char dir[] = "/tmp/sjstudio-c-XXXXXX", path[128], err[256];
    if (!mkdtemp(dir))
        return NULL;
    snprintf(path, sizeof path, "%s/prog.sj", dir);
    FILE *f = fopen(path, "wb");
    if (!f)
        return NULL;
    fputs(text, f);
    fclose(f);
    studio_session *s = studio_session_new(path, err, sizeof err);
    char *hello = s ? studio_session_hello_json(s) : NULL; /* free with sj_free */
    studio_session_free(s);
    unlink(path);
    rmdir(dir);
    return hello;
}

/* A compile result names the program's persistent variables (the scope's taps) and, for a text
 * program, carries its block layout or says why it cannot be drawn. */
static void test_compile_result_extras(void)
{
    char *h = hello_of("*level = 0.25\n*ramp = fract(*ramp + 0.001)\n&sig1 = *level * sin(*ramp * TAU)\n");
    CHECK(h && strstr(h, "\"vars\":[\"*level\",\"*ramp\"]"));
    CHECK(h && strstr(h, "\"layout\":{") && !strstr(h, "layout_error"));
    CHECK(h && strstr(h, "\"typ\":\"set\"") && strstr(h, "\"lbl\":\"*ramp\""));
    sj_free(h);
    /* A buffer: compiles, but blocks have none. The position is the declaration's (1:1). */
    h = hello_of("x = 1\ndecl buf[0] = 16\n&sig1 = 0.1\n");
    CHECK(h && strstr(h, "\"ok\":true") && strstr(h, "\"vars\":[]"));
    CHECK(h && strstr(h, "\"layout_error\":{\"message\":\"buffer declaration") && strstr(h, "\"line\":2,\"col\":1}"));
    CHECK(h && !strstr(h, "\"layout\":{"));
    sj_free(h);
    /* A failed compile reports neither. */
    h = hello_of("*a = sinn(1)\n");
    CHECK(h && strstr(h, "\"ok\":false") && !strstr(h, "\"vars\"") && !strstr(h, "\"layout"));
    sj_free(h);
}

int main(void)
{
    test_atomic_save();
    test_compile_result_extras();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

/*
 * Tests of the studio's C pieces that need neither civetweb nor a browser: the strict JSON reader and
 * writer of the protocol (cli/studio_json.c), the atomic save (cli/studio_file.c) and what the
 * session reports of a compiled program (cli/studio_session.c). Built and run by
 * tests/scripts/studio_c.sh; prints "N passed, N failed".
 */
#include "studio_json.h"
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

static bool parses(const char *s)
{
    sjs_jobject o;
    char err[128];
    return sjs_json_parse_object(s, strlen(s), &o, err, sizeof err);
}

static void test_strict_reader(void)
{
    CHECK(parses("{}"));
    CHECK(parses(" {\"type\":\"ping\"} "));
    CHECK(parses("{\"a\":[1,-2.5e3,{\"b\":null}],\"c\":true,\"d\":false,\"e\":\"x\"}"));
    /* Not JSON, or not what the protocol takes. */
    const char *bad[] = {"", "[]", "1", "\"x\"", "{", "{\"a\":1,}", "{\"a\":1}x", "{a:1}", "{\"a\":01}", "{\"a\":1.}",
                         "{\"a\":.5}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":tru}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}",
                         "{\"a\":\"tab\there\"}", "{\"a\":1,\"a\":2}", "{\"k\\u0041\":1}", "{\"a\":[1,]}", "{\"a\":\"x}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool ok = parses(bad[i]);
        if (ok)
            printf("accepted: %s\n", bad[i]);
        CHECK(!ok);
    }
    /* Depth 32 is the limit; 24 members too. */
    char deep[200] = "{\"a\":";
    for (int i = 0; i < 31; i++)
        strcat(deep, "[");
    for (int i = 0; i < 31; i++)
        strcat(deep, "]");
    strcat(deep, "}");
    CHECK(parses(deep));
    char deeper[200] = "{\"a\":";
    for (int i = 0; i < 32; i++)
        strcat(deeper, "[");
    for (int i = 0; i < 32; i++)
        strcat(deeper, "]");
    strcat(deeper, "}");
    CHECK(!parses(deeper));
    char many[512] = "{";
    for (int i = 0; i < 25; i++)
        sprintf(many + strlen(many), "%s\"k%d\":%d", i ? "," : "", i, i);
    strcat(many, "}");
    CHECK(!parses(many));
}

static void test_members_and_strings(void)
{
    const char *s = "{\"type\":\"text.set\",\"req\":7,\"text\":\"a\\n\\u00e9\\ud83c\\udfb5\\\"\",\"ok\":true}";
    sjs_jobject o;
    char err[128];
    CHECK(sjs_json_parse_object(s, strlen(s), &o, err, sizeof err));
    const sjs_jmember *req = sjs_json_get(&o, "req");
    CHECK(req && req->type == SJS_J_NUMBER && req->number == 7);
    CHECK(sjs_json_get(&o, "missing") == NULL);
    size_t n = 0;
    char *t = sjs_json_string(sjs_json_get(&o, "text"), &n);
    CHECK(t && n == 9 && memcmp(t, "a\n\xC3\xA9\xF0\x9F\x8E\xB5\"", 9) == 0);
    free(t);
    CHECK(sjs_json_string(sjs_json_get(&o, "ok"), &n) == NULL); /* not a string */
    const char *nul = "{\"t\":\"a\\u0000b\"}";
    CHECK(sjs_json_parse_object(nul, strlen(nul), &o, err, sizeof err));
    CHECK(sjs_json_string(sjs_json_get(&o, "t"), &n) == NULL); /* NUL never reaches the program */
    const char *lone = "{\"t\":\"\\ud800x\"}";
    CHECK(sjs_json_parse_object(lone, strlen(lone), &o, err, sizeof err));
    t = sjs_json_string(sjs_json_get(&o, "t"), &n);
    CHECK(t && strcmp(t, "\xEF\xBF\xBDx") == 0); /* a lone surrogate becomes U+FFFD */
    free(t);
}

static void test_writer(void)
{
    sjs_buf b;
    sjs_buf_init(&b);
    const char *in = "q\"b\\n\n\x01\xC3\xA9\xFF";
    sjs_buf_json_string(&b, in, strlen(in));
    CHECK(b.s && strcmp(b.s, "\"q\\\"b\\\\n\\n\\u0001\xC3\xA9\xEF\xBF\xBD\"") == 0); /* bad UTF-8 -> U+FFFD */
    sjs_buf_free(&b);
    sjs_buf_init(&b);
    sjs_buf_json_number(&b, 0.5);
    sjs_buf_puts(&b, ",");
    sjs_buf_json_number(&b, 1.0 / 0.0);
    CHECK(strcmp(b.s, "0.5,null") == 0);
    sjs_buf_free(&b);
    /* What the writer writes, the reader reads back. */
    const char *txt = "x = \"\\\t\xE2\x82\xAC\n";
    sjs_buf_init(&b);
    sjs_buf_puts(&b, "{\"text\":");
    sjs_buf_json_string(&b, txt, strlen(txt));
    sjs_buf_puts(&b, "}");
    sjs_jobject o;
    char err[128];
    CHECK(sjs_json_parse_object(b.s, b.len, &o, err, sizeof err));
    char *back = sjs_json_string(sjs_json_get(&o, "text"), NULL);
    CHECK(back && strcmp(back, txt) == 0);
    free(back);
    sjs_buf_free(&b);
}

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
    char *hello = s ? studio_session_hello_json(s) : NULL;
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
    free(h);
    /* A buffer: compiles, but blocks have none. The position is the declaration's (1:1). */
    h = hello_of("x = 1\ndecl buf[0] = 16\n&sig1 = 0.1\n");
    CHECK(h && strstr(h, "\"ok\":true") && strstr(h, "\"vars\":[]"));
    CHECK(h && strstr(h, "\"layout_error\":{\"message\":\"buffer declaration") && strstr(h, "\"line\":2,\"col\":1}"));
    CHECK(h && !strstr(h, "\"layout\":{"));
    free(h);
    /* A failed compile reports neither. */
    h = hello_of("*a = sinn(1)\n");
    CHECK(h && strstr(h, "\"ok\":false") && !strstr(h, "\"vars\"") && !strstr(h, "\"layout"));
    free(h);
}

int main(void)
{
    test_strict_reader();
    test_members_and_strings();
    test_writer();
    test_atomic_save();
    test_compile_result_extras();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

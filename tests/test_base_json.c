/* The project's strict JSON (src/base/json.c), as block files and the studio's WebSocket messages
 * use it: what the reader refuses (RFC 8259 strictness, depth, value count, duplicate keys), how it
 * decodes strings (escapes, surrogate pairs, NUL kept apart), and what the writers write (serde_json's
 * escapes, U+FFFD for bad UTF-8, null for NaN and infinities), with allocation failures reported.
 * Block files' error positions and messages are tested through the loader in test_blocks_json.c. */
#include "sjtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"

/* Parses s; NULL on failure with the message in err. */
static sj__jval *parse(const char *s, const sj__json_opts *opts, char *err, size_t errsz)
{
    int line = 0, col = 0;
    bool nomem = true;
    sj__jval *v = sj__json_parse(s, strlen(s), opts, err, errsz, &line, &col, &nomem);
    assert_false(nomem);
    if (!v)
        assert_true(line >= 1 && col >= 1);
    return v;
}

static bool parses(const char *s, const sj__json_opts *opts)
{
    char err[160];
    sj__jval *v = parse(s, opts, err, sizeof err);
    sj__json_free(v);
    return v != NULL;
}

/* Refused, with want in the message. */
static void refused(const char *s, const sj__json_opts *opts, const char *want)
{
    char err[160];
    sj__jval *v = parse(s, opts, err, sizeof err);
    if (v) {
        sj__json_free(v);
        fail_msg("accepted: %s", s);
    }
    if (!strstr(err, want))
        fail_msg("%s: message \"%s\" lacks \"%s\"", s, err, want);
}

static void test_strict(void **state)
{
    (void)state;
    assert_true(parses("{}", &sj__json_message_opts));
    assert_true(parses(" {\"type\":\"ping\"} ", &sj__json_message_opts));
    assert_true(parses("{\"a\":[1,-2.5e3,{\"b\":null}],\"c\":true,\"d\":false,\"e\":\"x\"}", &sj__json_message_opts));
    /* Any value may be the text; that a message is an object is the studio's rule. */
    assert_true(parses("[]", NULL) && parses("1", NULL) && parses("\"x\"", NULL) && parses("null", NULL));
    /* Not JSON. */
    static const char *const bad[] = {"", " ", "{", "{\"a\":1,}", "{\"a\":1}x", "{a:1}", "{\"a\":01}", "{\"a\":1.}",
                                      "{\"a\":.5}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":+1}", "{\"a\":tru}",
                                      "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"tab\there\"}", "{\"a\":[1,]}",
                                      "{\"a\":\"x}", "{\"a\":1 \"b\":2}", "{\"a\" 1}", "[1 2]", "{\"a\":1e999}",
                                      "{\"a\":NaN}", "// c\n{}", "\xEF\xBB\xBF{}", "{\"a\":\"\xff\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[160];
        sj__jval *v = parse(bad[i], &sj__json_message_opts, err, sizeof err);
        if (v) {
            sj__json_free(v);
            fail_msg("accepted: %s", bad[i]);
        }
        assert_non_null(strstr(err, "line 1, column ")); /* every refusal says where */
    }
    /* A key may hold escapes: it is compared decoded. */
    char err[160];
    sj__jval *v = parse("{\"k\\u0041\":1}", &sj__json_message_opts, err, sizeof err);
    assert_non_null(v);
    assert_non_null(sj__json_get(v, "kA"));
    sj__json_free(v);
}

/* Depth: objects and arrays nest at most max_depth deep (the top level counts). */
static void test_depth(void **state)
{
    (void)state;
    char text[400];
    for (int depth = 31; depth <= 32; depth++) {
        strcpy(text, "{\"a\":");
        for (int i = 0; i < depth; i++)
            strcat(text, "[");
        for (int i = 0; i < depth; i++)
            strcat(text, "]");
        strcat(text, "}");
        if (depth == 31)
            assert_true(parses(text, &sj__json_message_opts)); /* 32 levels with the object */
        else
            refused(text, &sj__json_message_opts, "nesting too deep");
    }
    /* Without options: serde_json's 128. */
    memset(text, '[', 128);
    memset(text + 128, ']', 128);
    text[256] = 0;
    assert_true(parses(text, NULL));
    strcpy(text, "{\"a\":");
    memset(text + 5, '[', 128);
    memset(text + 133, ']', 128);
    strcpy(text + 261, "}");
    refused(text, NULL, "line 1, column 133: nesting too deep");
}

/* Many members: max_values counts every value (the top-level object too). */
static void test_many_values(void **state)
{
    (void)state;
    char *text = malloc(8192);
    for (int members = 255; members <= 256; members++) {
        strcpy(text, "{");
        for (int i = 0; i < members; i++)
            sprintf(text + strlen(text), "%s\"k%d\":%d", i ? "," : "", i, i);
        strcat(text, "}");
        if (members == 255) {
            assert_true(parses(text, &sj__json_message_opts));
        } else {
            refused(text, &sj__json_message_opts, "too many values");
            assert_true(parses(text, NULL)); /* no limit by default */
        }
    }
    refused("[[1,2],[3,4]]", &(sj__json_opts){.max_values = 6}, "line 1, column 11: too many values");
    assert_true(parses("[[1,2],[3,4]]", &(sj__json_opts){.max_values = 7}));
    free(text);
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    refused("{\"a\":1,\"a\":2}", &sj__json_message_opts, "line 1, column 8: duplicate key");
    refused("{\"x\":{\"b\":1,\"c\":2,\"b\":3}}", &sj__json_message_opts, "duplicate key"); /* nested objects too */
    refused("{\"a\\u0062\":1,\"ab\":2}", &sj__json_message_opts, "duplicate key");    /* decoded keys are compared */
    assert_true(parses("{\"a\":1,\"A\":2,\"a \":3}", &sj__json_message_opts));
    /* Block files keep the last, as serde_json does. */
    char err[160];
    sj__jval *v = parse("{\"a\":1,\"a\":2}", NULL, err, sizeof err);
    assert_non_null(v);
    assert_int_equal(sj__json_get(v, "a")->i, 2);
    sj__json_free(v);
}

static void test_members_and_strings(void **state)
{
    (void)state;
    char err[160];
    sj__jval *v = parse("{\"type\":\"text.set\",\"req\":7,\"text\":\"a\\n\\u00e9\\ud83c\\udfb5\\\"\\/\",\"ok\":true,"
                        "\"x\":-2.5e-3,\"big\":12345678901234567890,\"n\":null}",
                        &sj__json_message_opts, err, sizeof err);
    assert_non_null(v);
    assert_int_equal(v->kind, SJ__JOBJ);
    const sj__jval *req = sj__json_get(v, "req");
    assert_true(req && req->kind == SJ__JNUM && req->is_int && req->i == 7 && req->d == 7);
    const sj__jval *x = sj__json_get(v, "x");
    assert_true(x && !x->is_int && x->d == -2.5e-3);
    const sj__jval *big = sj__json_get(v, "big");
    assert_true(big && !big->is_int && big->d == 12345678901234567890.0); /* past int64: a double */
    assert_int_equal(sj__json_get(v, "n")->kind, SJ__JNULL);
    assert_null(sj__json_get(v, "missing"));
    assert_null(sj__json_get(req, "x")); /* not an object */
    const sj__jval *t = sj__json_get(v, "text");
    const char *s = sj__json_str(t);
    /* \n, é, U+1F3B5 from its surrogate pair, \" and \/ */
    assert_true(s && t->slen == 10 && memcmp(s, "a\n\xC3\xA9\xF0\x9F\x8E\xB5\"/", 10) == 0);
    const sj__jval *ok = sj__json_get(v, "ok");
    assert_true(ok->kind == SJ__JBOOL && ok->b);
    assert_null(sj__json_str(ok)); /* not a string */
    assert_null(sj__json_str(NULL));
    sj__json_free(v);
    /* NUL decodes (the length says so) but never passes as a C string. */
    v = parse("{\"t\":\"a\\u0000b\",\"e\":\"\"}", &sj__json_message_opts, err, sizeof err);
    assert_non_null(v);
    assert_int_equal(sj__json_get(v, "t")->slen, 3);
    assert_null(sj__json_str(sj__json_get(v, "t")));
    assert_string_equal(sj__json_str(sj__json_get(v, "e")), "");
    sj__json_free(v);
    /* Surrogates: only whole pairs. */
    refused("{\"t\":\"\\ud800x\"}", &sj__json_message_opts, "line 1, column 7: lone high surrogate");
    refused("{\"t\":\"\\udc00\"}", &sj__json_message_opts, "lone low surrogate");
    refused("{\"t\":\"\\ud800\\u0041\"}", &sj__json_message_opts, "invalid surrogate pair");
    refused("{\"t\":\"\xed\xa0\x80\"}", &sj__json_message_opts, "invalid UTF-8"); /* an encoded surrogate */
    refused("{\"t\":\"\xc0\x80\"}", &sj__json_message_opts, "invalid UTF-8");     /* overlong NUL */
}

static char *written(const char *s, size_t n)
{
    sj_sb sb;
    sj__sb_init(&sb);
    sj__json_write_stringn(&sb, s, n);
    return sj__sb_finish(&sb);
}

static void test_writer(void **state)
{
    (void)state;
    const char *in = "q\"b\\n\n\x01\xC3\xA9\xFF";
    char *w = written(in, strlen(in));
    assert_string_equal(w, "\"q\\\"b\\\\n\\n\\u0001\xC3\xA9\xEF\xBF\xBD\""); /* bad UTF-8 -> U+FFFD */
    sj_free(w);
    /* serde_json's escapes: \b \f \r \t short, other controls \u00xx, DEL and valid UTF-8 raw; a NUL
     * inside the length too. */
    w = written("\b\f\r\t\x1f\x7f\xF0\x9F\x8E\xB5\0z", 12);
    assert_string_equal(w, "\"\\b\\f\\r\\t\\u001f\x7f\xF0\x9F\x8E\xB5\\u0000z\"");
    sj_free(w);
    /* Each byte of a broken sequence becomes one U+FFFD: a cut 3-byte sequence, an encoded surrogate,
     * a stray continuation byte. */
    w = written("\xE2\x82|\xED\xA0\x80|\x80", 8);
    assert_string_equal(w, "\"\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\"");
    sj_free(w);
    sj_sb sb;
    sj__sb_init(&sb);
    sj__json_write_string(&sb, "");
    sj__sb_append(&sb, ",");
    sj__json_write_number(&sb, 0.5);
    sj__sb_append(&sb, ",");
    sj__json_write_number(&sb, 1.0 / 0.0);
    sj__sb_append(&sb, ",");
    sj__json_write_number(&sb, -INFINITY);
    sj__sb_append(&sb, ",");
    sj__json_write_number(&sb, NAN);
    sj__sb_append(&sb, ",");
    sj__json_write_number(&sb, 0.1);
    sj__sb_append(&sb, ",");
    sj__json_write_number(&sb, -3);
    w = sj__sb_finish(&sb);
    assert_string_equal(w, "\"\",0.5,null,null,null,0.10000000000000001,-3"); /* %.17g reads back exactly */
    sj_free(w);
    /* What the writer writes, the reader reads back. */
    const char *txt = "x = \"\\\t\xE2\x82\xAC\n\x7f\x01";
    sj__sb_init(&sb);
    sj__sb_append(&sb, "{\"text\":");
    sj__json_write_string(&sb, txt);
    sj__sb_append(&sb, ",\"v\":");
    sj__json_write_number(&sb, 0.1);
    sj__sb_append(&sb, "}");
    w = sj__sb_finish(&sb);
    char err[160];
    sj__jval *v = parse(w, &sj__json_message_opts, err, sizeof err);
    assert_non_null(v);
    assert_string_equal(sj__json_str(sj__json_get(v, "text")), txt);
    assert_true(sj__json_get(v, "v")->d == 0.1);
    sj__json_free(v);
    sj_free(w);
}

/* Allocation failures: the string builder sets failed and stops; a parse reports nomem. Nothing
 * leaks either way. */
static void test_allocation_failures(void **state)
{
    (void)state;
    sjt_faults_install();
    sjt_faults_arm(0);
    sj_sb sb;
    sj__sb_init(&sb);
    sj__json_write_string(&sb, "abc");
    assert_true(sb.failed);
    sj__sb_printf(&sb, "%d", 1);
    sj__json_write_number(&sb, 1);
    assert_true(sb.failed && sb.len == 0);
    assert_null(sj__sb_finish(&sb));
    assert_int_equal(sjt_faults_live(), 0);
    const char *text = "{\"a\":[1,\"two\",{\"three\":3.5,\"k\\u00e9\":[null,true]}],\"b\":\"x\"}";
    for (long n = 0;; n++) {
        sjt_faults_arm(n);
        char err[160];
        int line, col;
        bool nomem;
        sj__jval *v = sj__json_parse(text, strlen(text), &sj__json_message_opts, err, sizeof err, &line, &col, &nomem);
        if (!v) {
            assert_true(nomem);
            assert_non_null(strstr(err, "out of memory"));
        }
        sj__json_free(v);
        assert_int_equal(sjt_faults_live(), 0);
        if (sjt_faults_failures() == 0) {
            assert_non_null(v);
            break;
        }
        assert_true(n < 1000);
    }
    sjt_faults_remove();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strict),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_many_values),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_members_and_strings),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

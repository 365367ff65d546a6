/* sigjit render: files written by the command are read back with libsndfile and their samples
 * checked against the semantics (phase accumulator values, inputs from a file, --set, FLAC), plus
 * the documented exit codes. Runs the command built in $O (default build). */
#include "sjtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef SJ_HAVE_SNDFILE
#include <sndfile.h>

static char dir[64];
static char cmdbin[256];

static int setup(void **state)
{
    (void)state;
    const char *o = getenv("O");
    char cwd[200];
    if (!getcwd(cwd, sizeof cwd))
        return -1;
    if (o && o[0] == '/')
        snprintf(cmdbin, sizeof cmdbin, "%s/sigjit", o);
    else
        snprintf(cmdbin, sizeof cmdbin, "%s/%s/sigjit", cwd, o && *o ? o : "build");
    strcpy(dir, "/tmp/sj_render_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Runs "sigjit ARGS" in the temp dir; returns the exit status. */
static int run(const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >out.txt 2>err.txt", dir, cmdbin, args);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

/* Reads a whole file as interleaved doubles. */
static double *read_audio(const char *name, SF_INFO *info)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    memset(info, 0, sizeof *info);
    SNDFILE *f = sf_open(path, SFM_READ, info);
    if (!f)
        fail_msg("cannot open %s: %s", path, sf_strerror(NULL));
    double *buf = calloc((size_t)info->frames * (size_t)info->channels + 1, sizeof *buf);
    assert_int_equal(sf_readf_double(f, buf, info->frames), info->frames);
    sf_close(f);
    return buf;
}

static void test_phase_wav(void **state)
{
    (void)state;
    /* phase(11025) at 44100 Hz: 0, 0.25, 0.5, 0.75, 0, ... (reference §3.2), exact in float32. */
    write_file("p.sj", "&sig1 = phase(11025, 0)\n&sig2 = 0 - &sig1\n");
    assert_int_equal(run("render p.sj -o p.wav --frames 8"), 0);
    SF_INFO info;
    double *s = read_audio("p.wav", &info);
    assert_int_equal(info.frames, 8);
    assert_int_equal(info.channels, 2);
    assert_int_equal(info.samplerate, 44100);
    assert_int_equal(info.format, SF_FORMAT_WAV | SF_FORMAT_FLOAT); /* the default */
    for (int i = 0; i < 8; i++) {
        double want = (i % 4) * 0.25;
        SJT_ASSERT_SAME(s[2 * i], want);
        SJT_ASSERT_SAME(s[2 * i + 1], 0.0 - want); /* 0 - 0 is +0 */
    }
    free(s);
    /* --seconds with --rate: 0.5 s at 48000 Hz is 24000 frames; phase steps by 11025/48000. */
    assert_int_equal(run("render p.sj -o q.wav --seconds 0.5 --rate 48000 --channels 1"), 0);
    s = read_audio("q.wav", &info);
    assert_int_equal(info.frames, 24000);
    assert_int_equal(info.channels, 1);
    assert_int_equal(info.samplerate, 48000);
    /* Frame 3: 3 * 11025 / 48000 = 0.68906..., stored as float32: tolerance 1e-7. */
    SJT_ASSERT_NEAR(s[3], 3 * 11025.0 / 48000.0, 1e-7);
    free(s);
}

static void test_input_file(void **state)
{
    (void)state;
    /* A mono input at 22050 Hz with samples k/16: in1 and in2 both get it (docs/cli.md). */
    char path[256];
    snprintf(path, sizeof path, "%s/in.wav", dir);
    SF_INFO wi = {0};
    wi.samplerate = 22050;
    wi.channels = 1;
    wi.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE *f = sf_open(path, SFM_WRITE, &wi);
    assert_non_null(f);
    double x[16];
    for (int k = 0; k < 16; k++)
        x[k] = k / 16.0;
    assert_int_equal(sf_writef_double(f, x, 16), 16);
    sf_close(f);
    write_file("fx.sj", "&sig1 = in1 * 2\n&sig2 = in2 - alpha\n");
    assert_int_equal(run("render fx.sj -o fx.wav --input in.wav --set alpha=0.5"), 0);
    SF_INFO info;
    double *s = read_audio("fx.wav", &info);
    assert_int_equal(info.frames, 16);         /* the input's length */
    assert_int_equal(info.samplerate, 22050);  /* and its rate */
    for (int k = 0; k < 16; k++) {
        SJT_ASSERT_SAME(s[2 * k], 2 * x[k]);
        SJT_ASSERT_SAME(s[2 * k + 1], x[k] - 0.5);
    }
    free(s);
    /* Longer than the input: zeros after its end. */
    assert_int_equal(run("render fx.sj -o fx2.wav --input in.wav --frames 20"), 0);
    s = read_audio("fx2.wav", &info);
    assert_int_equal(info.frames, 20);
    SJT_ASSERT_SAME(s[2 * 15], 2 * x[15]);
    SJT_ASSERT_SAME(s[2 * 19], 0.0);
    free(s);
}

static void test_flac(void **state)
{
    (void)state;
    /* FLAC is 24-bit: 0.5 and -0.25 are exact in 24-bit PCM (0.5 * 2^23 is an integer). */
    write_file("c.sj", "&sig1 = 0.5\n&sig2 = -0.25\n");
    assert_int_equal(run("render c.sj -o c.flac --frames 100"), 0);
    SF_INFO info;
    double *s = read_audio("c.flac", &info);
    assert_int_equal(info.format, SF_FORMAT_FLAC | SF_FORMAT_PCM_24);
    assert_int_equal(info.frames, 100);
    SJT_ASSERT_NEAR(s[0], 0.5, 1.0 / 8388608);
    SJT_ASSERT_NEAR(s[199], -0.25, 1.0 / 8388608);
    free(s);
}

/* Every example renders, is finite, not silent and within a sane level. The effect gets the
 * oscillator example as its input. */
static void test_examples(void **state)
{
    (void)state;
    static const char *const ex[] = {"oscillators", "demo", "filter", "delay", "reference", "effect"};
    char cwd[200], args[600];
    assert_non_null(getcwd(cwd, sizeof cwd));
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        if (strcmp(ex[i], "effect") == 0)
            snprintf(args, sizeof args, "render '%s/examples/%s.sj' -o ex.wav --input oscillators.wav", cwd, ex[i]);
        else
            snprintf(args, sizeof args, "render '%s/examples/%s.sj' -o %s.wav --seconds 1", cwd, ex[i],
                     strcmp(ex[i], "oscillators") == 0 ? "oscillators" : "ex");
        assert_int_equal(run(args), 0);
        SF_INFO info;
        double *s = read_audio(strcmp(ex[i], "oscillators") == 0 ? "oscillators.wav" : "ex.wav", &info);
        double peak = 0, sum = 0;
        size_t n = (size_t)info.frames * (size_t)info.channels;
        for (size_t k = 0; k < n; k++) {
            assert_true(isfinite(s[k]));
            if (fabs(s[k]) > peak)
                peak = fabs(s[k]);
            sum += s[k] * s[k];
        }
        double rms = sqrt(sum / (double)n);
        if (!(peak <= 2.0 && rms > 1e-3))
            fail_msg("examples/%s.sj: peak %g, rms %g", ex[i], peak, rms);
        free(s);
    }
}

static void test_exit_codes(void **state)
{
    (void)state;
    write_file("ok.sj", "&sig1 = 0.1\n");
    write_file("bad.sj", "&sig1 = phse(1, 0)\n");
    assert_int_equal(run("render ok.sj -o x.mp9 --frames 1"), 2);      /* unknown format: usage */
    assert_int_equal(run("render ok.sj --frames 1"), 2);               /* no -o */
    assert_int_equal(run("render missing.sj -o x.wav"), 3);            /* cannot read */
    assert_int_equal(run("render bad.sj -o x.wav --frames 1"), 1);     /* program error */
    assert_int_equal(run("render ok.sj -o /nonexistent/dir/x.wav"), 3); /* cannot write */
    assert_int_equal(run("render ok.sj -o x.flac --format float"), 2);  /* FLAC holds no floats */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phase_wav),
        cmocka_unit_test(test_input_file),
        cmocka_unit_test(test_flac),
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_exit_codes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
#else
static void test_skipped(void **state)
{
    (void)state;
    skip();
}
int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_skipped)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif

/*
 * sigjit render: runs a program over N frames in blocks (sj_function_process) and writes sig1/sig2
 * to an audio file with libsndfile. in1/in2 can come from an input audio file.
 */
#include "cli.h"
#include "scope_png.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifdef SJ_HAVE_SNDFILE
#include <sndfile.h>
#endif

static const char render_help[] =
    "usage: sigjit render FILE (-o OUT | --scope PNG) [--seconds S | --frames N] [--rate R] [--input IN]\n"
    "                     [--set NAME=VALUE ...] [--format float|pcm16|pcm24] [--channels 1|2]\n"
    "                     [--backend interp|native] [--quiet] [--werror]\n"
    "\n"
    "Renders the program to an audio file: sig1 is the left channel, sig2 the right one\n"
    "(--channels 1: sig1 only). The format comes from the extension of OUT: .wav (32-bit float\n"
    "by default), .flac (24-bit), .aiff, .caf, .au, .ogg. --input feeds in1/in2 from an audio\n"
    "file (a mono file feeds both); alpha..gamma are constants from --set (default 0). The length\n"
    "defaults to the input's length, else 1 second; the rate to the input's rate, else 44100.\n"
    "A progress bar is shown when stderr is a terminal (not with --quiet).\n"
    "\nScope pictures (docs/scope.md):\n";

#define BLOCK 512

#ifdef SJ_HAVE_SNDFILE
static bool output_format(const char *path, const char *fmt, int *format)
{
    const char *dot = strrchr(path, '.');
    const char *ext = dot ? dot + 1 : "";
    int major;
    int sub_default;
    bool can_float = true;
    if (strcasecmp(ext, "wav") == 0) {
        major = SF_FORMAT_WAV;
        sub_default = SF_FORMAT_FLOAT;
    } else if (strcasecmp(ext, "flac") == 0) {
        major = SF_FORMAT_FLAC;
        sub_default = SF_FORMAT_PCM_24;
        can_float = false;
    } else if (strcasecmp(ext, "aif") == 0 || strcasecmp(ext, "aiff") == 0) {
        major = SF_FORMAT_AIFF;
        sub_default = SF_FORMAT_FLOAT;
    } else if (strcasecmp(ext, "caf") == 0) {
        major = SF_FORMAT_CAF;
        sub_default = SF_FORMAT_FLOAT;
    } else if (strcasecmp(ext, "au") == 0) {
        major = SF_FORMAT_AU;
        sub_default = SF_FORMAT_FLOAT;
    } else if (strcasecmp(ext, "ogg") == 0) {
        major = SF_FORMAT_OGG;
        sub_default = SF_FORMAT_VORBIS;
        can_float = false;
    } else {
        cli_error("render: cannot tell the format of '%s' (use .wav, .flac, .aiff, .caf, .au or .ogg)", path);
        return false;
    }
    int sub = sub_default;
    if (fmt) {
        if (strcmp(fmt, "float") == 0)
            sub = SF_FORMAT_FLOAT;
        else if (strcmp(fmt, "pcm16") == 0)
            sub = SF_FORMAT_PCM_16;
        else if (strcmp(fmt, "pcm24") == 0)
            sub = SF_FORMAT_PCM_24;
        else {
            cli_error("render: --format is float, pcm16 or pcm24");
            return false;
        }
        if (major == SF_FORMAT_OGG) {
            cli_error("render: .ogg is always Vorbis; --format does not apply");
            return false;
        }
        if (sub == SF_FORMAT_FLOAT && !can_float) {
            cli_error("render: this format cannot hold floats; use --format pcm16 or pcm24");
            return false;
        }
    }
    *format = major | sub;
    return true;
}

static void progress(size_t done, size_t total, int *last)
{
    int pct = total ? (int)(done * 100 / total) : 100;
    if (pct == *last)
        return;
    *last = pct;
    int bar = pct * 30 / 100;
    fprintf(stderr, "\r[%.*s%*s] %3d%%", bar, "##############################", 30 - bar, "", pct);
    if (done >= total)
        fputc('\n', stderr);
    fflush(stderr);
}
#endif

int cmd_render(int argc, char **argv)
{
    const char *outpath = NULL, *inpath = NULL, *fmt = NULL;
    bool quiet = false;
    int channels = 2;
    cli_run_opts o;
    cli_run_opts_init(&o);
    static scope_cli sco;
    scope_cli_init(&sco);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int sco_rc = scope_cli_option(&sco, argc, argv, &i);
        if (sco_rc != 0) {
            if (sco_rc < 0)
                return EXIT_USAGE;
            continue;
        }
        if (cli_is_help(a)) {
            fputs(render_help, stdout);
            fputs(scope_cli_help, stdout);
            return EXIT_OK;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (!(outpath = cli_opt_value(argc, argv, &i)))
                return EXIT_USAGE;
        } else if (strcmp(a, "--input") == 0) {
            if (!(inpath = cli_opt_value(argc, argv, &i)))
                return EXIT_USAGE;
        } else if (strcmp(a, "--format") == 0) {
            if (!(fmt = cli_opt_value(argc, argv, &i)))
                return EXIT_USAGE;
        } else if (strcmp(a, "--channels") == 0) {
            const char *v = cli_opt_value(argc, argv, &i);
            if (!v)
                return EXIT_USAGE;
            if (strcmp(v, "1") != 0 && strcmp(v, "2") != 0) {
                cli_error("--channels is 1 or 2");
                return EXIT_USAGE;
            }
            channels = v[0] - '0';
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = true;
        } else if (!cli_run_opt(&o, "render", argc, argv, &i)) {
            return EXIT_USAGE;
        }
    }
    /* Without -o there must be a picture to make: --scope alone renders only the scope. */
    if (!o.file || (!outpath && !sco.out)) {
        fputs(render_help, stderr);
        return EXIT_USAGE;
    }
    if (inpath && (o.in.given[0] || o.in.given[1])) {
        cli_error("render: --input feeds in1/in2; do not --set them too");
        return EXIT_USAGE;
    }
#ifndef SJ_HAVE_SNDFILE
    (void)quiet, (void)channels, (void)fmt;
    cli_error("render: this sigjit was built without libsndfile");
    return EXIT_INTERNAL;
#else
    int format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    if (outpath && !output_format(outpath, fmt, &format))
        return EXIT_USAGE;

    SNDFILE *inf = NULL;
    SF_INFO ininfo;
    memset(&ininfo, 0, sizeof ininfo);
    if (inpath) {
        inf = sf_open(inpath, SFM_READ, &ininfo);
        if (!inf) {
            cli_error("cannot read '%s': %s", inpath, sf_strerror(NULL));
            return EXIT_IO;
        }
        if (ininfo.channels > 2)
            fprintf(stderr, "sigjit: warning: '%s' has %d channels; only the first two are used\n", inpath,
                    ininfo.channels);
        if (o.rate == 0)
            o.rate = ininfo.samplerate;
        else if ((int)o.rate != ininfo.samplerate)
            fprintf(stderr, "sigjit: warning: '%s' is at %d Hz, rendering at %.0f Hz without resampling\n", inpath,
                    ininfo.samplerate, o.rate);
    }
    const double rate = o.rate > 0 ? o.rate : 44100;
    size_t frames = (size_t)rate; /* one second, or the input file's length */
    if (o.have_frames)
        frames = o.frames;
    else if (o.seconds >= 0)
        frames = (size_t)llround(o.seconds * rate);
    else if (inf)
        frames = (size_t)ininfo.frames;

    cli_loaded l;
    int rc = cli_load_run(&o, rate, &l);
    SNDFILE *outf = NULL;
    if (rc == EXIT_OK && outpath) {
        SF_INFO oinfo;
        memset(&oinfo, 0, sizeof oinfo);
        oinfo.samplerate = (int)rate;
        oinfo.channels = channels;
        oinfo.format = format;
        if (!sf_format_check(&oinfo)) {
            cli_error("render: libsndfile cannot write this format at %d Hz with %d channel%s", (int)rate, channels,
                      channels > 1 ? "s" : "");
            rc = EXIT_USAGE;
        } else if (!(outf = sf_open(outpath, SFM_WRITE, &oinfo))) {
            cli_error("cannot write '%s': %s", outpath, sf_strerror(NULL));
            rc = EXIT_IO;
        } else if ((format & SF_FORMAT_SUBMASK) != SF_FORMAT_FLOAT) {
            sf_command(outf, SFC_SET_CLIPPING, NULL, SF_TRUE);
        }
    }
    if (rc == EXIT_OK) {
        const cli_inputs *in = &o.in;
        rc = scope_cli_begin(&sco, rate);
        static double in1[BLOCK], in2[BLOCK], consts[4][BLOCK], sig1[BLOCK], sig2[BLOCK], outbuf[BLOCK * 2];
        /* a block of the input file, all its channels interleaved */
        double *inbuf = inf ? malloc(BLOCK * (size_t)ininfo.channels * sizeof *inbuf) : NULL;
        if (inf && !inbuf) {
            cli_error("out of memory");
            rc = EXIT_INTERNAL;
        }
        for (int k = 0; k < 4; k++)
            for (size_t j = 0; j < BLOCK; j++)
                consts[k][j] = in->in[2 + k];
        for (size_t j = 0; j < BLOCK; j++) {
            in1[j] = in->in[0];
            in2[j] = in->in[1];
        }
        bool show = !quiet && isatty(2) && frames >= (size_t)rate / 4;
        int last = -1;
        size_t done = 0, nonfinite = 0;
        double peak = 0;
        bool in_done = inf == NULL;
        while (done < frames && rc == EXIT_OK) {
            size_t n = frames - done < BLOCK ? frames - done : BLOCK;
            if (inf) {
                /* in1/in2 from the first two channels (a mono file feeds both); zeros after its end. */
                size_t got = in_done ? 0 : (size_t)sf_readf_double(inf, inbuf, (sf_count_t)n);
                if (got < n)
                    in_done = true;
                size_t stride = (size_t)ininfo.channels;
                for (size_t j = 0; j < n; j++) {
                    if (j < got) {
                        in1[j] = inbuf[j * stride];
                        in2[j] = stride > 1 ? inbuf[j * stride + 1] : in1[j];
                    } else {
                        in1[j] = in2[j] = 0;
                    }
                }
            }
            sj_block_io io;
            memset(&io, 0, sizeof io);
            io.in[0] = in1;
            io.in[1] = in2;
            for (int k = 0; k < 4; k++)
                io.in[2 + k] = consts[k];
            io.sig1 = sig1;
            io.sig2 = sig2;
            io.ret = sco.scope ? sco.ret : NULL;
            sj_function_process(l.fun, &io, n);
            scope_cli_feed(&sco, l.fun, &io, n);
            for (size_t j = 0; j < n; j++) {
                double a = sig1[j], b = sig2[j];
                if (!isfinite(a) || !isfinite(b))
                    nonfinite++;
                if (fabs(a) > peak && isfinite(a))
                    peak = fabs(a);
                if (channels == 2 && fabs(b) > peak && isfinite(b))
                    peak = fabs(b);
                if (channels == 2) {
                    outbuf[2 * j] = a;
                    outbuf[2 * j + 1] = b;
                } else {
                    outbuf[j] = a;
                }
            }
            if (outf && sf_writef_double(outf, outbuf, (sf_count_t)n) != (sf_count_t)n) {
                cli_error("cannot write '%s': %s", outpath, sf_strerror(outf));
                rc = EXIT_IO;
            }
            done += n;
            if (show)
                progress(done, frames, &last);
        }
        free(inbuf);
        if (nonfinite)
            fprintf(stderr, "sigjit: warning: %zu frames had NaN or infinite samples\n", nonfinite);
        if (peak > 1 && (format & SF_FORMAT_SUBMASK) != SF_FORMAT_FLOAT)
            fprintf(stderr, "sigjit: warning: the peak is %.2f; samples above 1 were clipped\n", peak);
        if (show && rc == EXIT_OK && outpath)
            fprintf(stderr, "wrote %s: %zu frames (%.2f s) at %.0f Hz, peak %.1f dBFS\n", outpath, frames,
                    (double)frames / rate, rate, peak > 0 ? 20 * log10(peak) : -INFINITY);
    }
    if (rc == EXIT_OK)
        rc = scope_cli_finish(&sco);
    scope_cli_free(&sco);
    if (outf && sf_close(outf) != 0 && rc == EXIT_OK) {
        cli_error("cannot finish '%s'", outpath);
        rc = EXIT_IO;
    }
    if (inf)
        sf_close(inf);
    cli_loaded_free(&l);
    return rc;
#endif
}

/*
 * sigjit studio: the browser front end. This file parses the command line; the server is in
 * studio_server.c (built only with civetweb), the program session in studio_session.c.
 * docs/studio.md describes the studio, its protocol and its security.
 */
#include "cli.h"

#include "studio_server.h"

#include <stdlib.h>
#include <string.h>

static const char studio_help[] =
    "usage: sigjit studio [FILE] [--port N] [--no-browser] [--jack [--connect] [--name CLIENT]]\n"
    "\n"
    "Serves the studio, a browser editor with live sound and a scope, on 127.0.0.1 only, and prints\n"
    "its URL with a random token (the page needs it). FILE is a text program or a block program\n"
    "(.json, edited as blocks); a missing FILE is created on the first edit (empty blocks for a\n"
    ".json name, a small example otherwise). Every edit is compiled off the audio path and saved back\n"
    "to FILE atomically. Stop with Ctrl+C.\n"
    "\n"
    "The page plays the sound in the browser; with --jack it can also play it through JACK on this\n"
    "machine (its output selector next to Play): the studio then runs as a JACK client while JACK\n"
    "plays, with out_1/out_2 (&sig1/&sig2), in_1/in_2 (feeding in1/in2 while connected, else the\n"
    "sliders do) and midi_in (control changes 1..4 move alpha..gamma and the page's sliders). One\n"
    "output at a time; a JACK server is never started, and a missing or vanishing one is reported in\n"
    "the page.\n"
    "\n"
    "options:\n"
    "  --port N        port to listen on (default 8765; 0: any free port)\n"
    "  --no-browser    do not start a browser (none is started when there is no display anyway)\n"
    "  --token T       use T (16-64 characters of A-Z a-z 0-9 _ -) instead of a random token (tests)\n"
    "  --quiet         no request log on stderr\n"
    "  --jack          offer the JACK output (the page's default output then)\n"
    "  --connect       with --jack: connect out_1/out_2 to the physical playback ports and the\n"
    "                  physical MIDI sources to midi_in\n"
    "  --name CLIENT   with --jack: the JACK client name (default sigjit)\n";

int cmd_studio(int argc, char **argv)
{
    studio_options opt;
    memset(&opt, 0, sizeof opt);
    opt.port = 8765;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(studio_help, stdout);
            return EXIT_OK;
        } else if (strcmp(a, "--port") == 0 && i + 1 < argc) {
            size_t p;
            if (!cli_parse_size(argv[++i], &p) || p > 65535) {
                cli_error("--port needs a number from 0 to 65535");
                return EXIT_USAGE;
            }
            opt.port = (int)p;
        } else if (strcmp(a, "--token") == 0 && i + 1 < argc) {
            opt.token = argv[++i];
        } else if (strcmp(a, "--no-browser") == 0) {
            opt.no_browser = true;
        } else if (strcmp(a, "--quiet") == 0) {
            opt.quiet = true;
        } else if (strcmp(a, "--jack") == 0) {
            opt.jack = true;
        } else if (strcmp(a, "--connect") == 0) {
            opt.jack_connect = true;
        } else if (strcmp(a, "--name") == 0 && i + 1 < argc) {
            opt.jack_name = argv[++i];
            if (!opt.jack_name[0]) {
                cli_error("--name wants a client name");
                return EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1]) {
            cli_error("studio: unknown option '%s' (sigjit studio --help)", a);
            return EXIT_USAGE;
        } else if (!opt.file) {
            opt.file = a;
        } else {
            cli_error("studio: one FILE at most");
            return EXIT_USAGE;
        }
    }
    if ((opt.jack_connect || opt.jack_name) && !opt.jack) {
        cli_error("studio: --connect and --name are options of the JACK output: add --jack");
        return EXIT_USAGE;
    }
#ifndef SJ_HAVE_JACK
    if (opt.jack) {
        cli_error("studio: this sigjit was built without JACK (install libjack-jackd2-dev and rebuild)");
        return EXIT_INTERNAL;
    }
#endif
#ifdef SJ_HAVE_CIVETWEB
    return studio_serve(&opt);
#else
    cli_error("this sigjit was built without the studio (install libcivetweb-dev and rebuild)");
    return EXIT_INTERNAL;
#endif
}

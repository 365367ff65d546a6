/*
 * The sigjit command: dispatch to the subcommands and the help texts. See docs/cli.md.
 */
#include "cli.h"

#include <string.h>

static const char usage_text[] =
    "usage: sigjit COMMAND [OPTIONS] FILE\n"
    "\n"
    "Compile and run sigjit programs (text .sj files or block .json files).\n"
    "\n"
    "commands:\n"
    "  render FILE -o OUT     render to an audio file (WAV, FLAC, ...; format from the extension)\n"
    "  run FILE --frames N    print one CSV line per frame: ret,sig1,sig2\n"
    "  check FILE             report every error and warning of a program\n"
    "  fmt FILE               print the program in the canonical layout (-i: in place)\n"
    "  dump --ast|--ir|--asm|--text FILE   show the AST, IR, machine code or text form\n"
    "  nodes [NAME]           the node reference (--markdown: docs/nodes.md)\n"
    "  blocks show FILE       draw a block program\n"
    "  studio [FILE]          edit and hear a program in the browser (docs/studio.md)\n"
    "  play FILE              play live through JACK, reloading FILE when it is saved\n"
    "  export FILE [-o OUT.c] the program as one standalone C file\n"
    "  plot FILE -o OUT.png   draw the signals over a time span (--seconds S) as a picture\n"
    "\n"
    "options:\n"
    "  -h, --help             this help (COMMAND --help: the command's help)\n"
    "  --version              print the version\n"
    "\n"
    "exit codes: 0 ok, 1 the program has errors, 2 usage error, 3 input/output error, 4 internal error\n"
    "example: sigjit render examples/demo.sj -o out.wav --seconds 2\n";

static char *help_argv[3];

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        if (argc > 2 && strcmp(cmd, "help") == 0) {
            help_argv[0] = argv[2];
            help_argv[1] = "--help";
            argv = help_argv;
            argc = 2;
            cmd = argv[0];
            goto dispatch;
        }
        fputs(usage_text, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("sigjit %s\n", SJ_VERSION_STRING);
        return EXIT_OK;
    }
    argc -= 1;
    argv += 1;
dispatch:
    if (strcmp(cmd, "render") == 0)
        return cmd_render(argc, argv);
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc, argv);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc, argv);
    if (strcmp(cmd, "fmt") == 0)
        return cmd_fmt(argc, argv);
    if (strcmp(cmd, "dump") == 0)
        return cmd_dump(argc, argv);
    if (strcmp(cmd, "nodes") == 0)
        return cmd_nodes(argc, argv);
    if (strcmp(cmd, "blocks") == 0)
        return cmd_blocks(argc, argv);
    if (strcmp(cmd, "studio") == 0)
        return cmd_studio(argc, argv);
    if (strcmp(cmd, "play") == 0)
        return cmd_play(argc, argv);
    if (strcmp(cmd, "export") == 0)
        return cmd_export(argc, argv);
    if (strcmp(cmd, "plot") == 0)
        return cmd_plot(argc, argv);
    cli_error("unknown command '%s' (sigjit --help lists them)", cmd);
    return EXIT_USAGE;
}

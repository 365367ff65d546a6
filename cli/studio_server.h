/*
 * The studio's web server (civetweb): static front end, security checks, the WebSocket protocol.
 * Only built with civetweb (SJ_HAVE_CIVETWEB); studio.c parses the command line and calls it.
 */
#ifndef SJ_STUDIO_SERVER_H
#define SJ_STUDIO_SERVER_H

#include <stdbool.h>

typedef struct studio_options {
    const char *file;   /* NULL: an unsaved program */
    int port;           /* 0: any free port */
    const char *token;  /* NULL: a random one */
    bool no_browser;
    bool quiet;         /* no access messages on stderr */
    bool jack;          /* offer the JACK output (studio_jack.h) */
    bool jack_connect;  /* connect it to the physical playback ports */
    const char *jack_name; /* its client name (NULL: "sigjit") */
} studio_options;

/* Runs until SIGINT or SIGTERM. Returns an exit code (cli.h). */
int studio_serve(const studio_options *opt);

/* The WebSocket protocol version (the "proto" of hello messages). */
#define STUDIO_PROTO 1
/* Largest WebSocket message the server accepts (bytes). */
#define STUDIO_MAX_MESSAGE ((size_t)1 << 20)
/* Most clients at once. */
#define STUDIO_MAX_CLIENTS 8

#endif

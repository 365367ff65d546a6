/*
 * Pieces of `sigjit play` that need no JACK, kept apart so that tests/test_play_util.c can test
 * them: which state a new version keeps, and watching the program file for saves.
 */
#ifndef SJ_CLI_PLAY_UTIL_H
#define SJ_CLI_PLAY_UTIL_H

#include "sigjit.h"

#include <stdbool.h>
#include <stddef.h>

/* Appends printf-style text to the NUL-terminated buf of cap bytes, truncating quietly. */
void play_bufcat(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Compares the state of two versions: the stateful node calls (by uid and node name) and the
 * persistent variables (by name) of old_ast (NULL: none) and new_ast. Writes e.g.
 *   "kept 2 (phase 1:9, *n), new 1 (lp1 3:10), dropped 0"
 * with each call's node name and source position (in the new version; dropped ones in the old),
 * at most 6 names per list. lib says which nodes are stateful. */
void play_describe_state(char *buf, size_t cap, const sj_ast *old_ast, const sj_ast *new_ast, const sj_library *lib);

/* Watching a file for saves (inotify on Linux, on the file's directory: editors that write a new
 * file and rename it over the old one are seen as well as those that write in place; a symlink's
 * target directory is watched too). */
typedef struct play_watch {
    int fd;              /* -1: not watching; else poll it for POLLIN */
    int wd[2];
    char base[2][256];
    int count;
} play_watch;

/* false (errno set) if the file cannot be watched. */
bool play_watch_open(play_watch *w, const char *path);
/* Drains the pending events (non-blocking); true if one was a write or rename concerning the file. */
bool play_watch_read(play_watch *w);
void play_watch_close(play_watch *w);

#endif

/*
 * The parts of `sigjit play` that need no JACK (cli/play_util.h): the summary of which state a new
 * version keeps, and the file watch. tests/test_play_util.c includes this file.
 */
#include "play_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <limits.h>
#include <sys/inotify.h>
#include <unistd.h>
#endif

/* ---------------------------------------------------------------------------------------------
 * What state a new version keeps: the stateful calls (by uid) and persistent variables (by name)
 * of the old and the new program, compared. Names point into the ASTs, which outlive the sets.
 */
typedef struct state_item {
    bool pv;           /* a *variable (else a stateful node call) */
    const char *name;
    uint64_t uid;
    int line, col;
} state_item;

typedef struct state_set {
    state_item *v;
    size_t n, cap;
    const sj_library *lib;
    bool nomem;
} state_set;

static void set_add(state_set *s, state_item it)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].pv == it.pv && (it.pv ? strcmp(s->v[i].name, it.name) == 0 : s->v[i].uid == it.uid))
            return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        state_item *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            s->nomem = true;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = it;
}

static bool collect_state(const sj_ast *node, size_t depth, void *user)
{
    (void)depth;
    state_set *s = user;
    if (node->kind == SJ_AST_CALL && node->name) {
        const sj_node_type *t = sj_library_find(s->lib, node->name);
        if (t && sj_node_type_is_stateful(t))
            set_add(s, (state_item){false, node->name, node->uid, node->line, node->col});
    } else if ((node->kind == SJ_AST_ASSIGN || node->kind == SJ_AST_VAR) && node->name && node->name[0] == '*') {
        set_add(s, (state_item){true, node->name, 0, node->line, node->col});
    }
    return true;
}

static void state_set_build(state_set *s, const sj_ast *ast, const sj_library *lib)
{
    memset(s, 0, sizeof *s);
    s->lib = lib;
    if (ast && sj_ast_walk(ast, collect_state, s) != SJ_OK)
        s->nomem = true;
}

static bool set_has(const state_set *s, const state_item *it)
{
    for (size_t i = 0; i < s->n; i++) {
        const state_item *o = &s->v[i];
        if (o->pv != it->pv)
            continue;
        if (it->pv ? strcmp(o->name, it->name) == 0 : (o->uid == it->uid && strcmp(o->name, it->name) == 0))
            return true;
    }
    return false;
}

/* Appends to a fixed buffer, truncating quietly. */
void play_bufcat(char *buf, size_t cap, const char *fmt, ...)
{
    size_t n = strlen(buf);
    if (n + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
}

static void list_items(char *buf, size_t cap, const char *label, const state_set *from, const state_set *against,
                       bool want_in)
{
    size_t count = 0, shown = 0;
    for (size_t i = 0; i < from->n; i++)
        if (set_has(against, &from->v[i]) == want_in)
            count++;
    play_bufcat(buf, cap, "%s %zu", label, count);
    if (!count)
        return;
    play_bufcat(buf, cap, " (");
    for (size_t i = 0; i < from->n; i++) {
        const state_item *it = &from->v[i];
        if (set_has(against, it) != want_in)
            continue;
        if (shown == 6) {
            play_bufcat(buf, cap, ", ...");
            break;
        }
        if (it->pv || it->line <= 0)
            play_bufcat(buf, cap, "%s%s", shown ? ", " : "", it->name);
        else
            play_bufcat(buf, cap, "%s%s %d:%d", shown ? ", " : "", it->name, it->line, it->col);
        shown++;
    }
    play_bufcat(buf, cap, ")");
}

void play_describe_state(char *buf, size_t cap, const sj_ast *old_ast, const sj_ast *new_ast, const sj_library *lib)
{
    state_set o, n;
    state_set_build(&o, old_ast, lib);
    state_set_build(&n, new_ast, lib);
    buf[0] = 0;
    if (o.nomem || n.nomem) {
        play_bufcat(buf, cap, "state summary unavailable (out of memory)");
    } else {
        list_items(buf, cap, "kept", &n, &o, true);
        list_items(buf, cap, ", new", &n, &o, false);
        list_items(buf, cap, ", dropped", &o, &n, false);
    }
    free(o.v);
    free(n.v);
}

#ifdef __linux__
/* ---------------------------------------------------------------------------------------------
 * File watching: the file's directory, so that editors that save by writing a new file and
 * renaming it over the old one are seen as well as those that write in place.
 */
static void split_path(const char *path, char *dir, size_t dcap, char *base, size_t bcap)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, dcap, ".");
        snprintf(base, bcap, "%s", path);
    } else {
        int n = (int)(slash - path);
        if (n == 0)
            snprintf(dir, dcap, "/");
        else
            snprintf(dir, dcap, "%.*s", n, path);
        snprintf(base, bcap, "%s", slash + 1);
    }
}

bool play_watch_open(play_watch *w, const char *path)
{
    memset(w, 0, sizeof *w);
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0)
        return false;
    char real[PATH_MAX];
    const char *paths[2] = {path, realpath(path, real) ? real : NULL};
    for (int i = 0; i < 2; i++) {
        if (!paths[i])
            continue;
        char dir[PATH_MAX];
        split_path(paths[i], dir, sizeof dir, w->base[w->count], sizeof w->base[w->count]);
        int wd = inotify_add_watch(w->fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO);
        if (wd < 0)
            continue;
        if (w->count == 1 && wd == w->wd[0] && strcmp(w->base[0], w->base[1]) == 0)
            continue; /* the same directory and name */
        w->wd[w->count++] = wd;
    }
    if (!w->count) {
        close(w->fd);
        w->fd = -1;
        return false;
    }
    return true;
}

bool play_watch_read(play_watch *w)
{
    bool hit = false;
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            for (int i = 0; i < w->count; i++)
                if (ev->wd == w->wd[i] && ev->len && strcmp(ev->name, w->base[i]) == 0)
                    hit = true;
            p += sizeof *ev + ev->len;
        }
    }
    return hit;
}

void play_watch_close(play_watch *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
}

#else

bool play_watch_open(play_watch *w, const char *path)
{
    (void)path;
    w->fd = -1;
    return false;
}

bool play_watch_read(play_watch *w)
{
    (void)w;
    return false;
}

void play_watch_close(play_watch *w)
{
    w->fd = -1;
}

#endif

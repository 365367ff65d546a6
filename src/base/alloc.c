#include "base/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *libc_realloc(void *user, void *ptr, size_t size)
{
    (void)user;
    return realloc(ptr, size);
}

static void libc_free(void *user, void *ptr)
{
    (void)user;
    free(ptr);
}

/* The one process-wide setting of the library (documented in sigjit.h): set before other calls. */
static sj_allocator g_alloc = {libc_realloc, libc_free, NULL};

void sj_set_allocator(const sj_allocator *allocator)
{
    if (allocator && allocator->realloc && allocator->free)
        g_alloc = *allocator;
    else
        g_alloc = (sj_allocator){libc_realloc, libc_free, NULL};
}

void *sj__malloc(size_t size)
{
    return g_alloc.realloc(g_alloc.user, NULL, size ? size : 1);
}

void *sj__calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = sj__malloc(count * size);
    if (p)
        memset(p, 0, count * size > 0 ? count * size : 1);
    return p;
}

void *sj__realloc(void *ptr, size_t size)
{
    return g_alloc.realloc(g_alloc.user, ptr, size ? size : 1);
}

void sj__free(void *ptr)
{
    if (ptr)
        g_alloc.free(g_alloc.user, ptr);
}

void sj_free(void *ptr)
{
    sj__free(ptr);
}

char *sj__strndup(const char *s, size_t n)
{
    char *d = sj__malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

char *sj__strdup(const char *s)
{
    return sj__strndup(s, strlen(s));
}

bool sj__grow(void **data, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem)
            return false;
        ncap *= 2;
    }
    void *p = sj__realloc(*data, ncap * elem);
    if (!p)
        return false;
    *data = p;
    *cap = ncap;
    return true;
}

void sj__sb_init(sj_sb *sb)
{
    sb->data = NULL;
    sb->len = sb->cap = 0;
    sb->failed = false;
}

void sj__sb_appendn(sj_sb *sb, const char *s, size_t n)
{
    if (sb->failed)
        return;
    if (!sj__grow((void **)&sb->data, &sb->cap, sb->len + n + 1, 1)) {
        sb->failed = true;
        return;
    }
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = 0;
}

void sj__sb_append(sj_sb *sb, const char *s)
{
    sj__sb_appendn(sb, s, strlen(s));
}

void sj__sb_printf(sj_sb *sb, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        sb->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        sj__sb_appendn(sb, small, (size_t)n);
        return;
    }
    char *big = sj__malloc((size_t)n + 1);
    if (!big) {
        sb->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sj__sb_appendn(sb, big, (size_t)n);
    sj__free(big);
}

char *sj__sb_finish(sj_sb *sb)
{
    if (sb->failed) {
        sj__sb_fini(sb);
        return NULL;
    }
    if (!sb->data) {
        sj__sb_appendn(sb, "", 0);
        if (sb->failed)
            return NULL;
    }
    char *r = sb->data;
    sb->data = NULL;
    sb->len = sb->cap = 0;
    return r;
}

void sj__sb_fini(sj_sb *sb)
{
    sj__free(sb->data);
    sj__sb_init(sb);
}

sj_status sj__diag_set(sj_diag *diag, sj_status code, const sj_ast *node, const char *fmt, ...)
{
    if (!diag)
        return code;
    memset(diag, 0, sizeof *diag);
    diag->code = code;
    diag->node = node;
    if (node) {
        diag->line = node->line;
        diag->col = node->col;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diag->message, sizeof diag->message, fmt, ap);
    va_end(ap);
    return code;
}

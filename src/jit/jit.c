#include "jit/jit.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * System calls are the main cost of compiling a small program (a few microseconds each in a VM), so
 * single pages are recycled: a freed one-page region is switched back to read+write (never
 * executable while writable) and kept in a small cache, and new pages are mapped 16 at a time, pre-
 * faulted. A compile then costs one mprotect. Regions of several pages are mapped and unmapped
 * individually. The cache is shared by all contexts, behind a mutex (compile side only).
 */
#define CACHE_MAX 64
#define CHUNK_PAGES 16

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static void *g_cache[CACHE_MAX];
static int g_ncache;

static size_t page_size(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    return ps > 0 ? (size_t)ps : 4096;
}

static void *cache_pop(void)
{
    void *p = NULL;
    pthread_mutex_lock(&g_lock);
    if (g_ncache > 0)
        p = g_cache[--g_ncache];
    pthread_mutex_unlock(&g_lock);
    return p;
}

/* Keeps page p (read+write) if there is room; returns false if the caller must unmap it. */
static bool cache_push(void *p)
{
    bool kept = false;
    pthread_mutex_lock(&g_lock);
    if (g_ncache < CACHE_MAX) {
        g_cache[g_ncache++] = p;
        kept = true;
    }
    pthread_mutex_unlock(&g_lock);
    return kept;
}

sj_status sj__jit_alloc(sj_jit_region *r, size_t size)
{
    size_t page = page_size();
    r->base = NULL;
    r->mapped = 0;
    if (size == 0 || size > ((size_t)1 << 30))
        return SJ_ERR_LIMIT;
    size_t len = (size + page - 1) / page * page;
    if (len == page) {
        void *p = cache_pop();
        if (!p) {
            /* Writable, not executable: code is written first, then sealed. */
            uint8_t *chunk = mmap(NULL, CHUNK_PAGES * page, PROT_READ | PROT_WRITE,
                                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
            if (chunk != MAP_FAILED) {
                p = chunk;
                for (size_t k = 1; k < CHUNK_PAGES; k++)
                    if (!cache_push(chunk + k * page))
                        munmap(chunk + k * page, page);
            }
        }
        if (p) {
            r->base = p;
            r->mapped = page;
            return SJ_OK;
        }
    }
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return SJ_ERR_NOMEM;
    r->base = p;
    r->mapped = len;
    return SJ_OK;
}

sj_status sj__jit_seal(sj_jit_region *r)
{
    if (!r->base)
        return SJ_ERR_INTERNAL;
    /* Drops write permission in the same call that adds execute: never both at once. A system that
     * refuses executable memory (a hardened kernel, SELinux execmem) gives SJ_ERR_UNSUPPORTED, on
     * which the runtime falls back to the interpreter. */
    if (mprotect(r->base, r->mapped, PROT_READ | PROT_EXEC) != 0)
        return SJ_ERR_UNSUPPORTED;
    return SJ_OK;
}

bool sj__jit_usable(void)
{
    static _Atomic int usable = -1;
    if (usable < 0) {
        sj_jit_region r;
        bool ok = sj__jit_alloc(&r, 1) == SJ_OK;
        if (ok) {
            *(volatile uint8_t *)r.base = 0xC3; /* ret */
            ok = sj__jit_seal(&r) == SJ_OK;
            sj__jit_free(&r);
        }
        usable = ok;
    }
    return usable == 1;
}

void sj__jit_free(sj_jit_region *r)
{
    if (!r || !r->base)
        return;
    if (r->mapped == page_size() && mprotect(r->base, r->mapped, PROT_READ | PROT_WRITE) == 0 &&
        cache_push(r->base)) {
        /* kept for the next compile: writable, not executable */
    } else {
        munmap(r->base, r->mapped);
    }
    r->base = NULL;
    r->mapped = 0;
}

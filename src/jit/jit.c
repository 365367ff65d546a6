#include "jit/jit.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

sj_status sj__jit_alloc(sj_jit_region *r, size_t size)
{
    long ps = sysconf(_SC_PAGESIZE);
    size_t page = ps > 0 ? (size_t)ps : 4096;
    r->base = NULL;
    r->mapped = 0;
    if (size == 0 || size > ((size_t)1 << 30))
        return SJ_ERR_LIMIT;
    size_t len = (size + page - 1) / page * page;
    /* Writable, not executable: code is written first, then sealed. */
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
    /* Drops write permission in the same call that adds execute: never both at once. */
    if (mprotect(r->base, r->mapped, PROT_READ | PROT_EXEC) != 0)
        return SJ_ERR_INTERNAL;
    return SJ_OK;
}

void sj__jit_free(sj_jit_region *r)
{
    if (r && r->base) {
        munmap(r->base, r->mapped);
        r->base = NULL;
        r->mapped = 0;
    }
}

/*
 * Executable memory for the native backends, W^X: a region is mapped read+write, the code is copied
 * in, then the region is switched to read+execute with mprotect. It is never writable and executable
 * at the same time. Each compiled function owns one region, freed (unmapped) with the function.
 */
#ifndef SJ_JIT_JIT_H
#define SJ_JIT_JIT_H

#include "sigjit.h"

#include <stddef.h>

typedef struct sj_jit_region {
    void *base;    /* page aligned */
    size_t mapped; /* bytes mapped (a multiple of the page size) */
} sj_jit_region;

/* [non-RT] Maps at least size bytes read+write. SJ_ERR_NOMEM on failure. */
sj_status sj__jit_alloc(sj_jit_region *r, size_t size);
/* [non-RT] Switches the region to read+execute (no more writes). SJ_ERR_UNSUPPORTED when the system
 * refuses executable memory. */
sj_status sj__jit_seal(sj_jit_region *r);
/* [non-RT] Whether this process may create executable memory (probed once with one page). */
bool sj__jit_usable(void);
/* [non-RT] Unmaps the region (base NULL is fine). */
void sj__jit_free(sj_jit_region *r);

#endif

/*
 * An arena: many small allocations of one job (a compile, a layout) freed at once. Memory comes in
 * 16 KiB chunks (larger requests get a chunk of their own) through the library's allocator, is
 * zeroed and aligned for any type. A failed allocation returns NULL and sets `failed`, so a job can
 * check once at the end.
 */
#ifndef SJ_BASE_ARENA_H
#define SJ_BASE_ARENA_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sj_arena_chunk sj_arena_chunk;

typedef struct sj_arena {
    sj_arena_chunk *head;
    bool failed;
} sj_arena;

#define SJ_ARENA_INIT {NULL, false}

void *sj__arena_alloc(sj_arena *a, size_t n);
/* Appends item (size bytes) to a growable array *arr of *n items with capacity *cap, all in the
 * arena (a grown array is copied; the old one stays until the arena goes). false on failure. */
bool sj__arena_push(sj_arena *a, void **arr, size_t *n, size_t *cap, const void *item, size_t size);
void sj__arena_free(sj_arena *a);

#endif

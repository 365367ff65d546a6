#include "base/arena.h"
#include "base/alloc.h"

#include <stdalign.h>
#include <string.h>

struct sj_arena_chunk {
    sj_arena_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

void *sj__arena_alloc(sj_arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (!n)
        n = sizeof(max_align_t);
    if (!a->head || a->head->cap - a->head->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        sj_arena_chunk *c = sj__malloc(sizeof(sj_arena_chunk) + cap);
        if (!c) {
            a->failed = true;
            return NULL;
        }
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = (char *)a->head->data + a->head->used;
    a->head->used += n;
    memset(p, 0, n);
    return p;
}

void sj__arena_free(sj_arena *a)
{
    while (a->head) {
        sj_arena_chunk *n = a->head->next;
        sj__free(a->head);
        a->head = n;
    }
    a->failed = false;
}

bool sj__arena_push(sj_arena *a, void **arr, size_t *n, size_t *cap, const void *item, size_t size)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        void *na = sj__arena_alloc(a, nc * size);
        if (!na)
            return false;
        if (*n)
            memcpy(na, *arr, *n * size);
        *arr = na;
        *cap = nc;
    }
    memcpy((char *)*arr + *n * size, item, size);
    (*n)++;
    return true;
}

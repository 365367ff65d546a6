#include "engine/ring.h"
#include "base/alloc.h"

bool sj__ring_init(sj_ring *r, size_t cap)
{
    size_t c = 1;
    while (c < cap)
        c *= 2;
    r->slots = sj__calloc(c, sizeof *r->slots);
    r->cap = c;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    return r->slots != NULL;
}

void sj__ring_fini(sj_ring *r)
{
    sj__free(r->slots);
    r->slots = NULL;
}

bool sj__ring_push(sj_ring *r, const sj_msg *m)
{
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (tail - head >= r->cap)
        return false;
    r->slots[tail & (r->cap - 1)] = *m;
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
    return true;
}

bool sj__ring_pop(sj_ring *r, sj_msg *m)
{
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head == tail)
        return false;
    *m = r->slots[head & (r->cap - 1)];
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return true;
}

size_t sj__ring_space(sj_ring *r)
{
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    return r->cap - (tail - head);
}

/*
 * A bounded lock-free single-producer/single-consumer queue of fixed-size messages. One thread
 * pushes, one thread pops; head and tail are atomics with acquire/release ordering, so a message's
 * contents are visible before its slot is. Neither side ever blocks, allocates or calls the system.
 */
#ifndef SJ_ENGINE_RING_H
#define SJ_ENGINE_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sj_msg_kind {
    SJ_MSG_FUNCTION, /* to audio: a new function; back: the old one to free */
    SJ_MSG_BUFFER,   /* to audio: a buffer to install; back: the array to free */
    SJ_MSG_TABLE,    /* to audio: a table to install; back: the array to free */
    SJ_MSG_RESET     /* to audio: reset the playing function */
} sj_msg_kind;

typedef struct sj_msg {
    sj_msg_kind kind;
    void *ptr;
    size_t idx;
    uint64_t len;
} sj_msg;

typedef struct sj_ring {
    sj_msg *slots;
    size_t cap; /* a power of two */
    _Alignas(64) atomic_size_t head; /* next slot to pop (consumer) */
    _Alignas(64) atomic_size_t tail; /* next slot to push (producer) */
} sj_ring;

bool sj__ring_init(sj_ring *r, size_t cap);
void sj__ring_fini(sj_ring *r);
/* Producer side. false if full. */
bool sj__ring_push(sj_ring *r, const sj_msg *m);
/* Consumer side. false if empty. */
bool sj__ring_pop(sj_ring *r, sj_msg *m);
/* Free slots as seen by the producer (exact for the producer, a lower bound elsewhere). */
size_t sj__ring_space(sj_ring *r);

#endif

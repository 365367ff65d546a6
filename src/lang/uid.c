/*
 * State identity for calls written in text (docs/language.md, "State identity").
 *
 * A call without a label gets uid = H(anchor, node, k): anchor is the name written by the nearest
 * enclosing assignment ("" outside any assignment, "buf[N]" for a buffer write), node the node's
 * name, k the number of earlier calls of that node under that anchor, in source order. None of
 * these change when other statements are edited, added, removed or reordered, so a running
 * oscillator keeps its state through such edits. A label pins the uid: node@name(...) gives
 * H(name), node@42(...) gives 42.
 *
 * H is FNV-1a over the parts (separated by 0x1f) followed by the splitmix64 finalizer, so nearby
 * inputs give unrelated uids. The parser and the printer share the counter below so the printer
 * knows which uids it may leave implicit.
 */
#include "lang/lang.h"

#include "base/alloc.h"

#include <stdio.h>
#include <string.h>

static uint64_t fnv_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint64_t finalize(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#define FNV_BASIS 0xcbf29ce484222325ULL

uint64_t sj_lang_label_uid(const char *label)
{
    uint64_t h = fnv_bytes(FNV_BASIS, "sj-label", 8);
    h = fnv_bytes(h, "\x1f", 1);
    h = fnv_bytes(h, label ? label : "", label ? strlen(label) : 0);
    return finalize(h);
}

uint64_t sj_lang_auto_uid(const char *anchor, const char *node, uint32_t occurrence)
{
    unsigned char occ[4] = {(unsigned char)occurrence, (unsigned char)(occurrence >> 8),
                            (unsigned char)(occurrence >> 16), (unsigned char)(occurrence >> 24)};
    uint64_t h = fnv_bytes(FNV_BASIS, "sj-auto", 7);
    h = fnv_bytes(h, "\x1f", 1);
    h = fnv_bytes(h, anchor ? anchor : "", anchor ? strlen(anchor) : 0);
    h = fnv_bytes(h, "\x1f", 1);
    h = fnv_bytes(h, node ? node : "", node ? strlen(node) : 0);
    h = fnv_bytes(h, "\x1f", 1);
    h = fnv_bytes(h, occ, 4);
    return finalize(h);
}

/* The counter: an open-addressing table keyed by (anchor, node). */
typedef struct sj_uid_slot {
    char *anchor;
    char *node;
    uint64_t hash;
    uint32_t count;
} sj_uid_slot;

void sj__uid_counter_init(sj_uid_counter *c)
{
    memset(c, 0, sizeof *c);
}

void sj__uid_counter_fini(sj_uid_counter *c)
{
    for (size_t i = 0; i < c->cap; i++) {
        sj__free(c->slots[i].anchor);
        sj__free(c->slots[i].node);
    }
    sj__free(c->slots);
    memset(c, 0, sizeof *c);
}

static uint64_t key_hash(const char *anchor, const char *node)
{
    uint64_t h = fnv_bytes(FNV_BASIS, anchor, strlen(anchor));
    h = fnv_bytes(h, "\x1f", 1);
    return finalize(fnv_bytes(h, node, strlen(node)));
}

static bool rehash(sj_uid_counter *c)
{
    size_t ncap = c->cap ? c->cap * 2 : 64;
    sj_uid_slot *ns = sj__calloc(ncap, sizeof *ns);
    if (!ns)
        return false;
    for (size_t i = 0; i < c->cap; i++) {
        sj_uid_slot *s = &c->slots[i];
        if (!s->node)
            continue;
        size_t j = (size_t)s->hash & (ncap - 1);
        while (ns[j].node)
            j = (j + 1) & (ncap - 1);
        ns[j] = *s;
    }
    sj__free(c->slots);
    c->slots = ns;
    c->cap = ncap;
    return true;
}

uint64_t sj__uid_counter_next(sj_uid_counter *c, const char *anchor, const char *node)
{
    if (!anchor)
        anchor = "";
    if (!node)
        node = "";
    if (c->nomem)
        return 0;
    if ((c->used + 1) * 2 > c->cap && !rehash(c)) {
        c->nomem = true;
        return 0;
    }
    uint64_t h = key_hash(anchor, node);
    size_t j = (size_t)h & (c->cap - 1);
    while (c->slots[j].node) {
        sj_uid_slot *s = &c->slots[j];
        if (s->hash == h && strcmp(s->anchor, anchor) == 0 && strcmp(s->node, node) == 0) {
            uint32_t k = s->count++;
            return sj_lang_auto_uid(anchor, node, k);
        }
        j = (j + 1) & (c->cap - 1);
    }
    char *a = sj__strdup(anchor), *n = sj__strdup(node);
    if (!a || !n) {
        sj__free(a);
        sj__free(n);
        c->nomem = true;
        return 0;
    }
    c->slots[j] = (sj_uid_slot){a, n, h, 1};
    c->used++;
    return sj_lang_auto_uid(anchor, node, 0);
}

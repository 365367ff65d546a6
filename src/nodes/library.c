/*
 * Node libraries: descriptors by name (a later type with the same name replaces the earlier one,
 * insertion order kept for listing), reference counted so contexts and engines can share one.
 * Lookups use an open-addressing hash index, because the compiler looks up every call site.
 *
 * Each descriptor is copied into its own allocation that never moves or changes: compiled
 * functions and node states point at it. A replaced descriptor is retired, not freed, until the
 * library itself goes.
 */
#include "base/alloc.h"
#include "nodes/nodes.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

struct sj_library {
    sj_node_type **types;
    size_t count, cap;
    sj_node_type **retired;
    size_t nretired, retired_cap;
    uint32_t *index; /* slot -> type index + 1, 0 = empty */
    size_t index_cap; /* power of two */
    atomic_size_t refs;
};

static uint32_t hash_name(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

sj_library *sj_library_new(void)
{
    sj_library *lib = sj__calloc(1, sizeof *lib);
    if (lib)
        atomic_init(&lib->refs, 1);
    return lib;
}

sj_library *sj_library_retain(sj_library *lib)
{
    if (lib)
        atomic_fetch_add(&lib->refs, 1);
    return lib;
}

void sj_library_release(sj_library *lib)
{
    if (!lib || atomic_fetch_sub(&lib->refs, 1) != 1)
        return;
    for (size_t i = 0; i < lib->count; i++)
        sj__free(lib->types[i]);
    for (size_t i = 0; i < lib->nretired; i++)
        sj__free(lib->retired[i]);
    sj__free(lib->types);
    sj__free(lib->retired);
    sj__free(lib->index);
    sj__free(lib);
}

static long find_index(const sj_library *lib, const char *name)
{
    if (!lib || !name || !lib->index_cap)
        return -1;
    size_t mask = lib->index_cap - 1;
    for (size_t i = hash_name(name) & mask;; i = (i + 1) & mask) {
        uint32_t e = lib->index[i];
        if (!e)
            return -1;
        if (strcmp(lib->types[e - 1]->name, name) == 0)
            return (long)e - 1;
    }
}

static bool rebuild_index(sj_library *lib, size_t count)
{
    size_t cap = 16;
    while (cap < count * 2)
        cap *= 2;
    uint32_t *index = sj__calloc(cap, sizeof *index);
    if (!index)
        return false;
    for (size_t t = 0; t < count; t++) {
        size_t i = hash_name(lib->types[t]->name) & (cap - 1);
        while (index[i])
            i = (i + 1) & (cap - 1);
        index[i] = (uint32_t)t + 1;
    }
    sj__free(lib->index);
    lib->index = index;
    lib->index_cap = cap;
    return true;
}

/* Checks a descriptor: the letters, their limits, and the fields they require. */
static sj_status check_type(const sj_node_type *t, sj_diag *diag)
{
    if (!t || !t->name || !t->name[0] || !t->signature || !t->fn)
        return sj__diag_set(diag, SJ_ERR_BAD_NODE_TYPE, NULL, "node type needs a name, a signature and a function");
    size_t nv = 0, nd = 0, ns = 0, nm = 0;
    for (const char *c = t->signature; *c; c++) {
        switch (*c) {
        case 'v': nv++; break;
        case 'D': nd++; break;
        case 'S': ns++; break;
        case 'M': nm++; break;
        case 'r':
            if (c[1])
                return sj__diag_set(diag, SJ_ERR_BAD_NODE_TYPE, NULL, "node '%s': 'r' must be the last signature letter",
                                    t->name);
            break;
        default:
            return sj__diag_set(diag, SJ_ERR_BAD_NODE_TYPE, NULL, "node '%s': unknown signature letter '%c'", t->name,
                                *c);
        }
    }
    if (nv > 8 || nd > 1 || ns > 1 || nm > 1)
        return sj__diag_set(diag, SJ_ERR_BAD_NODE_TYPE, NULL,
                            "node '%s': at most 8 'v' and one each of 'D', 'S', 'M' are supported", t->name);
    if (ns && !t->state_size)
        return sj__diag_set(diag, SJ_ERR_BAD_NODE_TYPE, NULL, "node '%s': a stateful node needs a state_size",
                            t->name);
    if (t->state_size > ((size_t)1 << 30))
        return sj__diag_set(diag, SJ_ERR_BAD_NODE_TYPE, NULL, "node '%s': state_size too large", t->name);
    return SJ_OK;
}

sj_status sj_library_add(sj_library *lib, const sj_node_type *type, sj_diag *diag)
{
    if (!lib)
        return sj__diag_set(diag, SJ_ERR_INVALID_ARGUMENT, NULL, "library is NULL");
    sj_status st = check_type(type, diag);
    if (st)
        return st;
    sj_node_type *copy = sj__malloc(sizeof *copy);
    if (!copy)
        return sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
    *copy = *type;
    long old = find_index(lib, type->name);
    if (old >= 0) {
        if (!sj__grow((void **)&lib->retired, &lib->retired_cap, lib->nretired + 1, sizeof *lib->retired)) {
            sj__free(copy);
            return sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
        }
        lib->retired[lib->nretired++] = lib->types[old];
        lib->types[old] = copy;
        return SJ_OK;
    }
    if (!sj__grow((void **)&lib->types, &lib->cap, lib->count + 1, sizeof *lib->types)) {
        sj__free(copy);
        return sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
    }
    lib->types[lib->count] = copy;
    if (!rebuild_index(lib, lib->count + 1)) {
        sj__free(copy);
        return sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
    }
    lib->count++;
    return SJ_OK;
}

const sj_node_type *sj_library_find(const sj_library *lib, const char *name)
{
    long i = find_index(lib, name);
    return i < 0 ? NULL : lib->types[i];
}

size_t sj_library_count(const sj_library *lib)
{
    return lib ? lib->count : 0;
}

const sj_node_type *sj_library_at(const sj_library *lib, size_t i)
{
    return lib && i < lib->count ? lib->types[i] : NULL;
}

sj_library *sj_library_new_std(void)
{
    sj_library *lib = sj_library_new();
    if (!lib)
        return NULL;
    if (sj__nodes_add_reference(lib) || sj__nodes_add_math(lib) || sj__nodes_add_extra(lib)) {
        sj_library_release(lib);
        return NULL;
    }
    return lib;
}

bool sj_node_type_is_stateful(const sj_node_type *t)
{
    return t && t->signature && strchr(t->signature, 'S');
}

bool sj_node_type_has_return(const sj_node_type *t)
{
    return t && t->signature && strchr(t->signature, 'r');
}

static size_t count_names(const char *const *names)
{
    size_t n = 0;
    while (names && names[n])
        n++;
    return n;
}

size_t sj_node_type_input_count(const sj_node_type *t)
{
    return t ? count_names(t->inputs) : 0;
}

size_t sj_node_type_output_count(const sj_node_type *t)
{
    return t ? count_names(t->outputs) : 0;
}

size_t sj_node_type_arg_count(const sj_node_type *t)
{
    size_t n = 0;
    for (const char *c = t && t->signature ? t->signature : ""; *c; c++)
        n += *c == 'v';
    return n;
}

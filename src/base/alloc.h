/*
 * Allocation plumbing: every allocation of the library goes through these, and so through the
 * allocator set with sj_set_allocator (default: the C library). This is what lets the
 * fault-injection tests fail the Nth allocation and check that nothing leaks.
 */
#ifndef SJ_BASE_ALLOC_H
#define SJ_BASE_ALLOC_H

#include "sigjit.h"

#include <stddef.h>

void *sj__malloc(size_t size);
void *sj__calloc(size_t count, size_t size);
void *sj__realloc(void *ptr, size_t size);
void sj__free(void *ptr);
char *sj__strdup(const char *s);
char *sj__strndup(const char *s, size_t n);

/* Grows *data (an array of elem-size items with capacity *cap) to hold at least need items.
 * Returns false on allocation failure (the array is unchanged). */
bool sj__grow(void **data, size_t *cap, size_t need, size_t elem);

/* A growable string for dumps and messages. On allocation failure it records the failure and
 * later appends do nothing; sj__sb_finish then returns NULL. */
typedef struct sj_sb {
    char *data;
    size_t len, cap;
    bool failed;
} sj_sb;
void sj__sb_init(sj_sb *sb);
void sj__sb_append(sj_sb *sb, const char *s);
void sj__sb_appendn(sj_sb *sb, const char *s, size_t n);
void sj__sb_printf(sj_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the string (owned by the caller, sj_free it) or NULL if anything failed. */
char *sj__sb_finish(sj_sb *sb);
void sj__sb_fini(sj_sb *sb);

/* Fills a diagnostic (diag may be NULL). Returns code. */
sj_status sj__diag_set(sj_diag *diag, sj_status code, const sj_ast *node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif

/*
 * Block language internals: the language (types + identifiers), the grid model (areas of blocks),
 * shared by the editing operations (model.c), files (file.c), the compiler (compile.c) and the
 * ASCII drawing (ascii.c).
 *
 * Geometry: a block's cells are (x, y .. y+rows-1). Areas are small (the root is 16x16 and grows
 * slowly by hand editing), so cell lookups scan the block list; coordinates are bounded by
 * SJ_BLOCK_COORD_MAX so y + rows never overflows.
 */
#ifndef SJ_BLOCKS_INTERNAL_H
#define SJ_BLOCKS_INTERNAL_H

#include "sigjit.h"
#include "base/alloc.h"

#include <stdint.h>

#define SJ__NO_AREA SIZE_MAX

/* Upper limits for loaded files (the editor cannot exceed them either in practice). */
#define SJ__BLOCK_MAX_ROWS 256
#define SJ__BLOCK_MAX_PORTS 256
#define SJ__BLOCK_MAX_AREAS 65536
#define SJ__BLOCK_MAX_BLOCKS 65536

typedef struct sj__btype {
    sj_block_type pub;    /* strings below are owned */
    char **in, **out;     /* owned copies (entries may be NULL) */
    int node_op;          /* a library node's sj__nodes_intrinsic_op (the IR operation it computes); else -1 */
} sj__btype;

struct sj_blocklang {
    sj__btype *types;
    size_t ntypes, cap;
    char **idents;        /* kept sorted */
    size_t nidents, icap;
};

typedef struct sj__block {
    size_t id;
    size_t rows;
    size_t contains[2];   /* SJ__NO_AREA = none */
    bool expanded;
    char *typ, *lbl;
    char **inputs;        /* per row; NULL = no port */
    size_t ninputs;
    char **outputs;
    size_t noutputs;
    size_t color;
    int64_t x, y;         /* origin */
} sj__block;

typedef struct sj__area {
    sj__block **blocks;
    size_t n, cap;
    size_t w, h;
    bool auto_shrink;
    char *header;
} sj__area;

struct sj_blockfun {
    const sj_blocklang *lang;
    sj__area **areas;
    size_t nareas, acap;
    size_t id_counter;    /* the last id handed out */
    uint64_t generation;
    sj_block_error err;
};

struct sj_block_chain {
    sj__block **load;     /* sorted by x then y; x/y of each are the positions */
    size_t n, cap;
    bool *source, *sink;  /* parallel to load */
};

/* Language. */
const sj__btype *sj__blocklang_type(const sj_blocklang *lang, const char *name);

/* Blocks. */
sj__block *sj__block_new_from_type(const sj_block_type *t, size_t id, const char *user_input);
sj__block *sj__block_clone(const sj__block *b);
void sj__block_free(sj__block *b);
size_t sj__block_count_outputs(const sj__block *b);
bool sj__block_has_input(const sj__block *b, size_t row);  /* row < rows and a port there */
bool sj__block_has_output(const sj__block *b, size_t row);
void sj__block_info(const sj__block *b, size_t area, sj_block_info *info);

/* Areas. */
sj__area *sj__area_new(size_t w, size_t h, bool auto_shrink);
void sj__area_free(sj__area *a);
sj__area *sj__area_clone(const sj__area *a);   /* deep copy */
/* Index of the block covering (x,y), or SIZE_MAX. */
size_t sj__area_find(const sj__area *a, int64_t x, int64_t y);
bool sj__area_has_space(const sj__area *a, int64_t x, int64_t y, size_t rows);
/* The block covering (x,y) if it has an output (expect_output) or input port at that row. */
const sj__block *sj__area_port_at(const sj__area *a, int64_t x, int64_t y, bool expect_output);
bool sj__area_add(sj__area *a, sj__block *b); /* takes b; false on allocation failure (b not taken) */
sj__block *sj__area_take(sj__area *a, size_t idx);
/* Block indices sorted by (y, x) into idx (n entries). Returns false on allocation failure. */
bool sj__area_sorted(const sj__area *a, size_t **idx);

/* Program. */
bool sj__blockfun_push_area(sj_blockfun *fun, sj__area *a); /* takes a on success */
void sj__blockfun_clear(sj_blockfun *fun);
sj_status sj__recalculate_sizes(sj_blockfun *fun);

#endif

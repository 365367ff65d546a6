/*
 * The block grid model and its editing operations (reference BlockFun/BlockArea/BlockChain, §5.1
 * and §5.3). Semantics follow the reference; where it would panic, loop or leak we return an error
 * and leave the program unchanged:
 *   - shift_port with row >= rows is SJ_BLOCK_ERR_BAD_ROW;
 *   - move/clone to an unknown destination area fail before anything moves;
 *   - clone and split consume ids and create sub-areas only when they succeed;
 *   - clones of blocks whose type is unknown get fresh sub-areas (never aliased ones).
 * Blocks of an area are kept sorted by (y, x), which gives files and queries a stable order.
 */
#include "blocks/internal.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------- */
/* Blocks */

static char **copy_port_vec(char *const *src, size_t n, bool *ok)
{
    *ok = true;
    if (!n)
        return NULL;
    char **d = sj__calloc(n, sizeof *d);
    if (!d) {
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (src[i] && !(d[i] = sj__strdup(src[i])))
            *ok = false;
    return d;
}

void sj__block_free(sj__block *b)
{
    if (!b)
        return;
    sj__free(b->typ);
    sj__free(b->lbl);
    for (size_t i = 0; i < b->ninputs; i++)
        sj__free(b->inputs[i]);
    for (size_t i = 0; i < b->noutputs; i++)
        sj__free(b->outputs[i]);
    sj__free(b->inputs);
    sj__free(b->outputs);
    sj__free(b);
}

static sj__block *block_alloc(void)
{
    sj__block *b = sj__calloc(1, sizeof *b);
    if (b) {
        b->contains[0] = b->contains[1] = SJ__NO_AREA;
        b->expanded = true;
    }
    return b;
}

sj__block *sj__block_new_from_type(const sj_block_type *t, size_t id, const char *user_input)
{
    sj__block *b = block_alloc();
    if (!b)
        return NULL;
    b->id = id;
    b->rows = t->rows;
    b->color = t->color;
    b->typ = sj__strdup(t->name);
    b->lbl = sj__strdup(user_input ? user_input : t->name);
    bool ok1, ok2;
    b->inputs = copy_port_vec((char *const *)t->inputs, t->ninputs, &ok1);
    b->ninputs = b->inputs ? t->ninputs : 0;
    b->outputs = copy_port_vec((char *const *)t->outputs, t->noutputs, &ok2);
    b->noutputs = b->outputs ? t->noutputs : 0;
    if (!b->typ || !b->lbl || !ok1 || !ok2) {
        sj__block_free(b);
        return NULL;
    }
    return b;
}

sj__block *sj__block_clone(const sj__block *s)
{
    sj__block *b = block_alloc();
    if (!b)
        return NULL;
    *b = *s;
    b->typ = sj__strdup(s->typ);
    b->lbl = sj__strdup(s->lbl);
    bool ok1, ok2;
    b->inputs = copy_port_vec(s->inputs, s->ninputs, &ok1);
    b->ninputs = b->inputs ? s->ninputs : 0;
    b->outputs = copy_port_vec(s->outputs, s->noutputs, &ok2);
    b->noutputs = b->outputs ? s->noutputs : 0;
    if (!b->typ || !b->lbl || !ok1 || !ok2) {
        sj__block_free(b);
        return NULL;
    }
    return b;
}

bool sj__block_has_input(const sj__block *b, size_t row)
{
    return row < b->rows && row < b->ninputs && b->inputs[row];
}

bool sj__block_has_output(const sj__block *b, size_t row)
{
    return row < b->rows && row < b->noutputs && b->outputs[row];
}

size_t sj__block_count_outputs(const sj__block *b)
{
    size_t n = 0;
    for (size_t r = 0; r < b->rows && r < b->noutputs; r++)
        n += b->outputs[r] != NULL;
    return n;
}

void sj__block_info(const sj__block *b, size_t area, sj_block_info *info)
{
    if (!info)
        return;
    info->id = b->id;
    info->rows = b->rows;
    for (int k = 0; k < 2; k++) {
        info->has_sub[k] = b->contains[k] != SJ__NO_AREA;
        info->sub[k] = info->has_sub[k] ? b->contains[k] : 0;
    }
    info->expanded = b->expanded;
    info->type = b->typ;
    info->label = b->lbl;
    info->inputs = (const char *const *)b->inputs;
    info->ninputs = b->ninputs;
    info->outputs = (const char *const *)b->outputs;
    info->noutputs = b->noutputs;
    info->color = b->color;
    info->area = area;
    info->x = b->x;
    info->y = b->y;
}

/* ---------------------------------------------------------------------------------------------- */
/* Areas */

sj__area *sj__area_new(size_t w, size_t h, bool auto_shrink)
{
    sj__area *a = sj__calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->header = sj__strdup("");
    if (!a->header) {
        sj__free(a);
        return NULL;
    }
    a->w = w;
    a->h = h;
    a->auto_shrink = auto_shrink;
    return a;
}

void sj__area_free(sj__area *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        sj__block_free(a->blocks[i]);
    sj__free(a->blocks);
    sj__free(a->header);
    sj__free(a);
}

static bool covers(const sj__block *b, int64_t x, int64_t y)
{
    return b->x == x && y >= b->y && (uint64_t)(y - b->y) < b->rows;
}

size_t sj__area_find(const sj__area *a, int64_t x, int64_t y)
{
    for (size_t i = 0; i < a->n; i++)
        if (covers(a->blocks[i], x, y))
            return i;
    return SIZE_MAX;
}

static bool coord_ok(int64_t v)
{
    return v >= -SJ_BLOCK_COORD_MAX && v <= SJ_BLOCK_COORD_MAX;
}

bool sj__area_has_space(const sj__area *a, int64_t x, int64_t y, size_t rows)
{
    if (!coord_ok(x) || !coord_ok(y))
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const sj__block *b = a->blocks[i];
        if (b->x != x)
            continue;
        /* One block per origin, whatever its rows: origins are the keys of an area (as in the
         * reference's map and the file format); a block of 0 rows (from a file) owns no other cell. */
        if (b->y == y)
            return false;
        if (b->rows == 0 || rows == 0)
            continue;
        /* Two row ranges [y, y+rows) and [b->y, b->y+b->rows) overlap? */
        if (y < b->y + (int64_t)b->rows && b->y < y + (int64_t)rows)
            return false;
    }
    return true;
}

const sj__block *sj__area_port_at(const sj__area *a, int64_t x, int64_t y, bool expect_output)
{
    size_t i = sj__area_find(a, x, y);
    if (i == SIZE_MAX)
        return NULL;
    const sj__block *b = a->blocks[i];
    size_t row = (size_t)(y - b->y);
    if (expect_output ? sj__block_has_output(b, row) : sj__block_has_input(b, row))
        return b;
    return NULL;
}

static bool before(const sj__block *p, const sj__block *q)
{
    return p->y < q->y || (p->y == q->y && p->x < q->x);
}

bool sj__area_add(sj__area *a, sj__block *b)
{
    if (!sj__grow((void **)&a->blocks, &a->cap, a->n + 1, sizeof *a->blocks))
        return false;
    size_t pos = a->n;
    while (pos > 0 && before(b, a->blocks[pos - 1]))
        pos--;
    memmove(a->blocks + pos + 1, a->blocks + pos, (a->n - pos) * sizeof *a->blocks);
    a->blocks[pos] = b;
    a->n++;
    return true;
}

sj__block *sj__area_take(sj__area *a, size_t idx)
{
    sj__block *b = a->blocks[idx];
    memmove(a->blocks + idx, a->blocks + idx + 1, (a->n - idx - 1) * sizeof *a->blocks);
    a->n--;
    return b;
}

/* ---------------------------------------------------------------------------------------------- */
/* Program */

static sj_status set_error(sj_blockfun *fun, sj_block_error_kind kind, size_t area, size_t area2, int64_t x,
                           int64_t y, size_t rows, const char *name)
{
    sj_block_error *e = &fun->err;
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->area = area;
    e->area2 = area2;
    e->x = x;
    e->y = y;
    e->rows = rows;
    if (name)
        snprintf(e->name, sizeof e->name, "%s", name);
    sj_status st = SJ_ERR_INVALID_ARGUMENT;
    switch (kind) {
    case SJ_BLOCK_OK:
        st = SJ_OK;
        break;
    case SJ_BLOCK_ERR_UNKNOWN_AREA:
        snprintf(e->message, sizeof e->message, "unknown area %zu", area);
        st = SJ_ERR_NOT_FOUND;
        break;
    case SJ_BLOCK_ERR_UNKNOWN_TYPE:
        snprintf(e->message, sizeof e->message, "unknown block type \"%s\"", name ? name : "");
        st = SJ_ERR_NOT_FOUND;
        break;
    case SJ_BLOCK_ERR_NO_BLOCK_AT:
        snprintf(e->message, sizeof e->message, "no block in area %zu at (%lld,%lld)", area, (long long)x,
                 (long long)y);
        st = SJ_ERR_NOT_FOUND;
        break;
    case SJ_BLOCK_ERR_CIRCULAR:
        snprintf(e->message, sizeof e->message, "circular action: area %zu is inside the block moved from area %zu",
                 area2, area);
        break;
    case SJ_BLOCK_ERR_NO_SPACE:
        snprintf(e->message, sizeof e->message, "no space available in area %zu at (%lld,%lld) for %zu rows", area,
                 (long long)x, (long long)y, rows);
        break;
    case SJ_BLOCK_ERR_BAD_ROW:
        snprintf(e->message, sizeof e->message, "row %zu is beyond the %zu rows of the block at (%lld,%lld)",
                 (size_t)area2, rows, (long long)x, (long long)y);
        e->area2 = 0;
        break;
    case SJ_BLOCK_ERR_OUT_OF_RANGE:
        snprintf(e->message, sizeof e->message, "coordinates (%lld,%lld) out of range (at most %lld)",
                 (long long)x, (long long)y, (long long)SJ_BLOCK_COORD_MAX);
        st = SJ_ERR_LIMIT;
        break;
    case SJ_BLOCK_ERR_NOMEM:
        snprintf(e->message, sizeof e->message, "out of memory");
        st = SJ_ERR_NOMEM;
        break;
    }
    return st;
}

static sj_status ok(sj_blockfun *fun)
{
    memset(&fun->err, 0, sizeof fun->err);
    return SJ_OK;
}

static sj_status nomem(sj_blockfun *fun)
{
    return set_error(fun, SJ_BLOCK_ERR_NOMEM, 0, 0, 0, 0, 0, NULL);
}

bool sj__blockfun_push_area(sj_blockfun *fun, sj__area *a)
{
    if (!sj__grow((void **)&fun->areas, &fun->acap, fun->nareas + 1, sizeof *fun->areas))
        return false;
    fun->areas[fun->nareas++] = a;
    return true;
}

void sj__blockfun_clear(sj_blockfun *fun)
{
    for (size_t i = 0; i < fun->nareas; i++)
        sj__area_free(fun->areas[i]);
    sj__free(fun->areas);
    fun->areas = NULL;
    fun->nareas = fun->acap = 0;
}

sj_blockfun *sj_blockfun_new(const sj_blocklang *lang)
{
    sj_blockfun *fun = sj__calloc(1, sizeof *fun);
    if (!fun)
        return NULL;
    fun->lang = lang;
    sj__area *root = sj__area_new(16, 16, false);
    if (!root || !sj__blockfun_push_area(fun, root)) {
        sj__area_free(root);
        sj__free(fun);
        return NULL;
    }
    return fun;
}

void sj_blockfun_free(sj_blockfun *fun)
{
    if (!fun)
        return;
    sj__blockfun_clear(fun);
    sj__free(fun);
}

const sj_blocklang *sj_blockfun_language(const sj_blockfun *fun)
{
    return fun ? fun->lang : NULL;
}

const sj_block_error *sj_blockfun_last_error(const sj_blockfun *fun)
{
    return fun ? &fun->err : NULL;
}

/* Appends fresh empty auto-shrinking 1x1 sub-areas for the wanted slots (reference
 * create_areas_for_block). On failure nothing is appended. */
static bool create_sub_areas(sj_blockfun *fun, sj__block *b, const bool want[2])
{
    size_t before_n = fun->nareas;
    for (int k = 0; k < 2; k++) {
        b->contains[k] = SJ__NO_AREA;
        if (!want[k])
            continue;
        sj__area *a = fun->nareas < SJ__BLOCK_MAX_AREAS ? sj__area_new(1, 1, true) : NULL;
        if (!a || !sj__blockfun_push_area(fun, a)) {
            sj__area_free(a);
            while (fun->nareas > before_n)
                sj__area_free(fun->areas[--fun->nareas]);
            b->contains[0] = b->contains[1] = SJ__NO_AREA;
            return false;
        }
        b->contains[k] = fun->nareas - 1;
    }
    return true;
}

static void type_wants(const sj_block_type *t, bool want[2])
{
    want[0] = t->area_count == 1 || t->area_count == 2;
    want[1] = t->area_count == 2;
}

static void drop_areas_from(sj_blockfun *fun, size_t n)
{
    while (fun->nareas > n)
        sj__area_free(fun->areas[--fun->nareas]);
}

#define CHECK_FUN(fun)                                                                                    \
    do {                                                                                                  \
        if (!(fun))                                                                                       \
            return SJ_ERR_INVALID_ARGUMENT;                                                               \
    } while (0)

#define CHECK_XY(fun, x, y)                                                                               \
    do {                                                                                                  \
        if (!coord_ok(x) || !coord_ok(y))                                                                 \
            return set_error(fun, SJ_BLOCK_ERR_OUT_OF_RANGE, 0, 0, x, y, 0, NULL);                         \
    } while (0)

sj_status sj_blockfun_instantiate(sj_blockfun *fun, size_t area, int64_t x, int64_t y, const char *type,
                                  const char *user_input)
{
    CHECK_FUN(fun);
    CHECK_XY(fun, x, y);
    if (area >= fun->nareas)
        return set_error(fun, SJ_BLOCK_ERR_UNKNOWN_AREA, area, 0, x, y, 0, NULL);
    const sj__btype *t = sj__blocklang_type(fun->lang, type);
    if (t && !sj__area_has_space(fun->areas[area], x, y, t->pub.rows))
        return set_error(fun, SJ_BLOCK_ERR_NO_SPACE, area, 0, x, y, t->pub.rows, NULL);
    if (!t)
        return set_error(fun, SJ_BLOCK_ERR_UNKNOWN_TYPE, area, 0, x, y, 0, type ? type : "(null)");
    sj__block *b = sj__block_new_from_type(&t->pub, fun->id_counter + 1, user_input);
    if (!b)
        return nomem(fun);
    b->x = x;
    b->y = y;
    size_t n0 = fun->nareas;
    bool want[2];
    type_wants(&t->pub, want);
    if (!create_sub_areas(fun, b, want) || !sj__area_add(fun->areas[area], b)) {
        drop_areas_from(fun, n0);
        sj__block_free(b);
        return nomem(fun);
    }
    fun->id_counter++;
    fun->generation++;
    return ok(fun);
}

/* Finds the block covering (x,y) of area; sets the error when there is none. */
static sj_status find_block(sj_blockfun *fun, size_t area, int64_t x, int64_t y, size_t *idx)
{
    if (area >= fun->nareas)
        return set_error(fun, SJ_BLOCK_ERR_UNKNOWN_AREA, area, 0, x, y, 0, NULL);
    *idx = sj__area_find(fun->areas[area], x, y);
    if (*idx == SIZE_MAX)
        return set_error(fun, SJ_BLOCK_ERR_NO_BLOCK_AT, area, 0, x, y, 0, NULL);
    return SJ_OK;
}

sj_status sj_blockfun_remove(sj_blockfun *fun, size_t area, int64_t x, int64_t y)
{
    CHECK_FUN(fun);
    size_t i;
    sj_status st = find_block(fun, area, x, y, &i);
    if (st)
        return st;
    sj__block_free(sj__area_take(fun->areas[area], i));
    fun->generation++;
    return ok(fun);
}

sj_status sj_blockfun_shift_port(sj_blockfun *fun, size_t area, int64_t x, int64_t y, size_t row, bool output)
{
    CHECK_FUN(fun);
    size_t i;
    sj_status st = find_block(fun, area, x, y, &i);
    if (st)
        return st;
    sj__block *b = fun->areas[area]->blocks[i];
    if (b->rows <= 1) {
        /* The reference returns early, but still counts the change because the block was found. */
        fun->generation++;
        return ok(fun);
    }
    if (row >= b->rows) {
        st = set_error(fun, SJ_BLOCK_ERR_BAD_ROW, area, row, b->x, b->y, b->rows, NULL);
        return st;
    }
    char ***vp = output ? &b->outputs : &b->inputs;
    size_t *np = output ? &b->noutputs : &b->ninputs;
    if (*np < b->rows) {
        char **nv = sj__realloc(*vp, b->rows * sizeof **vp);
        if (!nv)
            return nomem(fun);
        for (size_t k = *np; k < b->rows; k++)
            nv[k] = NULL;
        *vp = nv;
        *np = b->rows;
    }
    /* elem = v.remove(row); v.insert((row + 1) % len, elem) */
    char **v = *vp;
    size_t len = *np, to = (row + 1) % len;
    char *elem = v[row];
    memmove(v + row, v + row + 1, (len - row - 1) * sizeof *v);
    memmove(v + to + 1, v + to, (len - 1 - to) * sizeof *v);
    v[to] = elem;
    fun->generation++;
    return ok(fun);
}

sj_status sj_blockfun_set_label(sj_blockfun *fun, size_t area, int64_t x, int64_t y, const char *label)
{
    CHECK_FUN(fun);
    if (!label)
        return SJ_ERR_INVALID_ARGUMENT;
    size_t i;
    sj_status st = find_block(fun, area, x, y, &i);
    if (st)
        return st;
    char *d = sj__strdup(label);
    if (!d)
        return nomem(fun);
    sj__block *b = fun->areas[area]->blocks[i];
    sj__free(b->lbl);
    b->lbl = d;
    fun->generation++;
    return ok(fun);
}

/* Is target among the (transitive) sub-areas of block b? -1 on allocation failure. The visited
 * marks make it terminate even on a malformed (cyclic) structure. */
static int block_contains_area(const sj_blockfun *fun, const sj__block *b, size_t target)
{
    if (b->contains[0] == SJ__NO_AREA && b->contains[1] == SJ__NO_AREA)
        return 0;
    size_t *queue = sj__malloc(fun->nareas * sizeof *queue);
    bool *seen = sj__calloc(fun->nareas, sizeof *seen);
    if (!queue || !seen) {
        sj__free(queue);
        sj__free(seen);
        return -1;
    }
    size_t qh = 0, qt = 0;
    int found = 0;
    for (int k = 0; k < 2; k++) {
        size_t c = b->contains[k];
        if (c < fun->nareas && !seen[c]) {
            seen[c] = true;
            queue[qt++] = c;
        }
    }
    while (qh < qt && !found) {
        size_t a = queue[qh++];
        if (a == target) {
            found = 1;
            break;
        }
        const sj__area *ar = fun->areas[a];
        for (size_t i = 0; i < ar->n; i++)
            for (int k = 0; k < 2; k++) {
                size_t c = ar->blocks[i]->contains[k];
                if (c < fun->nareas && !seen[c]) {
                    seen[c] = true;
                    queue[qt++] = c;
                }
            }
    }
    sj__free(queue);
    sj__free(seen);
    return found;
}

bool sj_blockfun_area_is_subarea_of(const sj_blockfun *fun, size_t area_id, size_t a, int64_t x, int64_t y)
{
    if (!fun || a >= fun->nareas)
        return false;
    size_t i = sj__area_find(fun->areas[a], x, y);
    if (i == SIZE_MAX)
        return false;
    return block_contains_area(fun, fun->areas[a]->blocks[i], area_id) == 1;
}

sj_status sj_blockfun_move_block(sj_blockfun *fun, size_t area, int64_t x, int64_t y, size_t area2, int64_t x2,
                                 int64_t y2)
{
    CHECK_FUN(fun);
    CHECK_XY(fun, x2, y2);
    size_t i;
    sj_status st = find_block(fun, area, x, y, &i);
    if (st)
        return st;
    sj__block *b = fun->areas[area]->blocks[i];
    int circ = block_contains_area(fun, b, area2);
    if (circ < 0)
        return nomem(fun);
    if (circ)
        return set_error(fun, SJ_BLOCK_ERR_CIRCULAR, area, area2, x, y, 0, NULL);
    if (area2 >= fun->nareas)
        return set_error(fun, SJ_BLOCK_ERR_UNKNOWN_AREA, area2, 0, x2, y2, 0, NULL);
    /* Grabbed below its top row: the destination is where the grabbed cell goes. */
    if (y > b->y) {
        y2 -= y - b->y;
        if (y2 < 0)
            y2 = 0;
    }
    fun->generation++;
    sj__area_take(fun->areas[area], i);
    if (!sj__area_has_space(fun->areas[area2], x2, y2, b->rows)) {
        sj__area_add(fun->areas[area], b); /* cannot fail: the slot was just freed */
        return set_error(fun, SJ_BLOCK_ERR_NO_SPACE, area2, 0, x2, y2, b->rows, NULL);
    }
    int64_t ox = b->x, oy = b->y;
    b->x = x2;
    b->y = y2;
    if (!sj__area_add(fun->areas[area2], b)) {
        b->x = ox;
        b->y = oy;
        sj__area_add(fun->areas[area], b);
        return nomem(fun);
    }
    return ok(fun);
}

sj_status sj_blockfun_clone_block(sj_blockfun *fun, size_t area, int64_t x, int64_t y, size_t area2, int64_t x2,
                                  int64_t y2)
{
    CHECK_FUN(fun);
    CHECK_XY(fun, x2, y2);
    size_t i;
    sj_status st = find_block(fun, area, x, y, &i);
    if (st)
        return st;
    const sj__block *src = fun->areas[area]->blocks[i];
    if (area2 >= fun->nareas)
        return set_error(fun, SJ_BLOCK_ERR_UNKNOWN_AREA, area2, 0, x2, y2, 0, NULL);
    if (y > src->y) {
        y2 -= y - src->y;
        if (y2 < 0)
            y2 = 0;
    }
    if (!sj__area_has_space(fun->areas[area2], x2, y2, src->rows))
        return set_error(fun, SJ_BLOCK_ERR_NO_SPACE, area2, 0, x2, y2, src->rows, NULL);
    sj__block *b = sj__block_clone(src);
    if (!b)
        return nomem(fun);
    b->id = fun->id_counter + 1;
    b->x = x2;
    b->y = y2;
    bool want[2];
    const sj__btype *t = sj__blocklang_type(fun->lang, b->typ);
    if (t) {
        type_wants(&t->pub, want);
    } else {
        want[0] = b->contains[0] != SJ__NO_AREA;
        want[1] = b->contains[1] != SJ__NO_AREA;
    }
    size_t n0 = fun->nareas;
    if (!create_sub_areas(fun, b, want) || !sj__area_add(fun->areas[area2], b)) {
        drop_areas_from(fun, n0);
        sj__block_free(b);
        return nomem(fun);
    }
    fun->id_counter++;
    fun->generation++;
    return ok(fun);
}

/* ---------------------------------------------------------------------------------------------- */
/* Chains */

/* The chain at (x,y) (reference BlockArea::chain_at): BFS over connected ports. Fills a bitmap of
 * member block indices. Returns 0 (no block), 1 (found) or -1 (allocation failure). */
static int chain_at(const sj__area *a, int64_t x, int64_t y, bool **member)
{
    *member = NULL;
    size_t start = sj__area_find(a, x, y);
    if (start == SIZE_MAX)
        return 0;
    bool *in = sj__calloc(a->n, sizeof *in);
    size_t *queue = sj__malloc(a->n * sizeof *queue);
    if (!in || !queue) {
        sj__free(in);
        sj__free(queue);
        return -1;
    }
    size_t qh = 0, qt = 0;
    in[start] = true;
    queue[qt++] = start;
    while (qh < qt) {
        const sj__block *b = a->blocks[queue[qh++]];
        for (size_t r = 0; r < b->rows; r++) {
            for (int dir = 0; dir < 2; dir++) {
                /* dir 0: an input connects to the left neighbour's output; dir 1: the reverse. */
                bool has = dir == 0 ? sj__block_has_input(b, r) : sj__block_has_output(b, r);
                if (!has)
                    continue;
                int64_t nx = dir == 0 ? b->x - 1 : b->x + 1, ny = b->y + (int64_t)r;
                const sj__block *nb = sj__area_port_at(a, nx, ny, dir == 0);
                if (!nb)
                    continue;
                size_t j = sj__area_find(a, nx, ny);
                if (!in[j]) {
                    in[j] = true;
                    queue[qt++] = j;
                }
            }
        }
    }
    sj__free(queue);
    *member = in;
    return 1;
}

typedef struct load_item {
    sj__block *b;
    int64_t x, y;  /* position in the load (moved around before placing) */
    int64_t ox, oy; /* original position */
} load_item;

typedef struct load {
    load_item *it;
    size_t n;
} load;

static int load_cmp_xy(const load_item *p, const load_item *q)
{
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    if (p->y != q->y)
        return p->y < q->y ? -1 : 1;
    return 0;
}

static void load_sort(load *l)
{
    for (size_t i = 1; i < l->n; i++) { /* insertion sort: chains are small, the order is stable */
        load_item v = l->it[i];
        size_t j = i;
        while (j > 0 && load_cmp_xy(&v, &l->it[j - 1]) < 0) {
            l->it[j] = l->it[j - 1];
            j--;
        }
        l->it[j] = v;
    }
}

/* Takes the member blocks out of the area into the load. */
static bool take_load(sj__area *a, const bool *member, load *l)
{
    size_t cnt = 0;
    for (size_t i = 0; i < a->n; i++)
        cnt += member[i];
    l->n = 0;
    l->it = sj__malloc((cnt ? cnt : 1) * sizeof *l->it);
    if (!l->it)
        return false;
    for (size_t i = a->n; i-- > 0;) {
        if (!member[i])
            continue;
        sj__block *b = sj__area_take(a, i);
        l->it[l->n++] = (load_item){b, b->x, b->y, b->x, b->y};
    }
    load_sort(l);
    return true;
}

/* Puts every block of the load back at its original position (always fits: it came from there). */
static bool restore_load(sj__area *a, load *l)
{
    bool good = true;
    for (size_t i = 0; i < l->n; i++) {
        l->it[i].b->x = l->it[i].ox;
        l->it[i].b->y = l->it[i].oy;
        if (!sj__area_add(a, l->it[i].b)) {
            sj__block_free(l->it[i].b); /* cannot happen in practice: the array had room */
            good = false;
        }
    }
    sj__free(l->it);
    l->it = NULL;
    l->n = 0;
    return good;
}

static bool load_fits(const sj__area *a, const load *l, int64_t dx, int64_t dy)
{
    for (size_t i = 0; i < l->n; i++)
        if (!sj__area_has_space(a, l->it[i].x + dx, l->it[i].y + dy, l->it[i].b->rows))
            return false;
    return true;
}

static void load_move(load *l, int64_t dx, int64_t dy)
{
    for (size_t i = 0; i < l->n; i++) {
        l->it[i].x += dx;
        l->it[i].y += dy;
    }
}

/* reference try_fit_load_into_space: these extra offsets, in this order. */
static bool load_try_fit(const sj__area *a, load *l)
{
    static const int off[][2] = {{0, 0},  {0, -1},  {0, -2},  {0, -3}, {-1, 0}, {-1, -1}, {-1, -2},
                                 {-1, -3}, {1, 0},  {1, -1},  {1, -2}, {1, -3}, {0, 1},   {0, 2},
                                 {0, 3},  {-1, 1},  {-1, 2},  {-1, 3}, {1, 1},  {1, 2},   {1, 3}};
    for (size_t k = 0; k < sizeof off / sizeof off[0]; k++) {
        if (load_fits(a, l, off[k][0], off[k][1])) {
            load_move(l, off[k][0], off[k][1]);
            return true;
        }
    }
    return false;
}

/* Places the load at its current positions. The space was checked, so only allocation can fail;
 * the area arrays had room for these blocks before, unless they go to another area. */
static bool place_load(sj__area *a, load *l)
{
    if (!sj__grow((void **)&a->blocks, &a->cap, a->n + l->n, sizeof *a->blocks))
        return false;
    for (size_t i = 0; i < l->n; i++) {
        l->it[i].b->x = l->it[i].x;
        l->it[i].b->y = l->it[i].y;
        sj__area_add(a, l->it[i].b);
    }
    sj__free(l->it);
    l->it = NULL;
    l->n = 0;
    return true;
}

sj_status sj_blockfun_move_chain(sj_blockfun *fun, size_t area, int64_t x, int64_t y, size_t area2, int64_t x2,
                                 int64_t y2)
{
    CHECK_FUN(fun);
    CHECK_XY(fun, x2, y2);
    if (area >= fun->nareas)
        return set_error(fun, SJ_BLOCK_ERR_UNKNOWN_AREA, area, 0, x, y, 0, NULL);
    sj__area *a = fun->areas[area];
    bool *member;
    int found = chain_at(a, x, y, &member);
    if (found < 0)
        return nomem(fun);
    if (!found)
        return set_error(fun, SJ_BLOCK_ERR_NO_BLOCK_AT, area, 0, x, y, 0, NULL);
    if (area2 >= fun->nareas) {
        sj__free(member);
        return set_error(fun, SJ_BLOCK_ERR_UNKNOWN_AREA, area2, 0, x2, y2, 0, NULL);
    }
    load l;
    bool took = take_load(a, member, &l);
    sj__free(member);
    if (!took)
        return nomem(fun);
    fun->generation++; /* the reference counts the removal even if the move fails */
    sj_status st = SJ_OK;
    if (area2 == area) {
        load_move(&l, x2 - x, y2 - y);
        if (!load_try_fit(a, &l))
            st = set_error(fun, SJ_BLOCK_ERR_NO_SPACE, area, 0, x2, y2, 0, NULL);
        else if (!place_load(a, &l))
            st = nomem(fun);
    } else {
        for (size_t i = 0; i < l.n && st == SJ_OK; i++) {
            int c = block_contains_area(fun, l.it[i].b, area2);
            if (c < 0)
                st = nomem(fun);
            else if (c)
                st = set_error(fun, SJ_BLOCK_ERR_CIRCULAR, area, area2, x, y, 0, NULL);
        }
        if (st == SJ_OK) {
            int64_t minx = INT64_MAX, miny = INT64_MAX;
            for (size_t i = 0; i < l.n; i++) {
                minx = l.it[i].x < minx ? l.it[i].x : minx;
                miny = l.it[i].y < miny ? l.it[i].y : miny;
            }
            load_move(&l, -minx, -miny);
            int64_t dx = minx - x + x2, dy = miny - y + y2;
            load_move(&l, dx > 0 ? dx : 0, dy > 0 ? dy : 0);
            if (!load_try_fit(fun->areas[area2], &l))
                st = set_error(fun, SJ_BLOCK_ERR_NO_SPACE, area, 0, x2, y2, 1, NULL);
            else if (!place_load(fun->areas[area2], &l))
                st = nomem(fun);
        }
    }
    if (st != SJ_OK) {
        restore_load(a, &l);
        return st;
    }
    fun->generation++;
    return ok(fun);
}

sj_status sj_blockfun_split_chain(sj_blockfun *fun, size_t area, int64_t x, int64_t y, const char *filler)
{
    CHECK_FUN(fun);
    if (area >= fun->nareas)
        return set_error(fun, SJ_BLOCK_ERR_UNKNOWN_AREA, area, 0, x, y, 0, NULL);
    sj__area *a = fun->areas[area];
    bool *member;
    int found = chain_at(a, x, y, &member);
    if (found < 0)
        return nomem(fun);
    if (!found)
        return set_error(fun, SJ_BLOCK_ERR_NO_BLOCK_AT, area, 0, x, y, 0, NULL);
    const sj__btype *ft = NULL;
    if (filler && !(ft = sj__blocklang_type(fun->lang, filler))) {
        sj__free(member);
        return set_error(fun, SJ_BLOCK_ERR_UNKNOWN_TYPE, area, 0, x, y, 0, filler);
    }
    load l;
    bool took = take_load(a, member, &l);
    sj__free(member);
    if (!took)
        return nomem(fun);
    /* Connection cells between column x and x+1 (reference get_connected_inputs_from_load_at_x). */
    size_t ncells = 0, cap = 0;
    int64_t *cells = NULL;
    bool good = true;
    for (size_t j = 0; j < l.n && good; j++) {
        const sj__block *in = l.it[j].b;
        if (l.it[j].x != x + 1)
            continue;
        for (size_t r = 0; r < in->rows && good; r++) {
            if (!sj__block_has_input(in, r))
                continue;
            int64_t yy = l.it[j].y + (int64_t)r;
            bool match = false;
            for (size_t i = 0; i < l.n && !match; i++) {
                const sj__block *ob = l.it[i].b;
                if (l.it[i].x != x)
                    continue;
                for (size_t q = 0; q < ob->rows; q++)
                    if (sj__block_has_output(ob, q) && l.it[i].y + (int64_t)q == yy)
                        match = true;
            }
            if (match && yy != y) {
                if (!sj__grow((void **)&cells, &cap, ncells + 1, sizeof *cells))
                    good = false;
                else
                    cells[ncells++] = yy;
            }
        }
    }
    for (size_t i = 0; i < l.n; i++)
        if (l.it[i].x > x)
            l.it[i].x++;
    /* Fillers (ids are given only if the split succeeds). They get no sub-areas. */
    size_t nfill = 0;
    if (good && ft && ncells) {
        load_item *nit = sj__realloc(l.it, (l.n + ncells) * sizeof *nit);
        if (!nit)
            good = false;
        else
            l.it = nit;
        for (size_t k = 0; good && k < ncells; k++) {
            sj__block *fb = sj__block_new_from_type(&ft->pub, 0, NULL);
            if (!fb) {
                good = false;
                break;
            }
            l.it[l.n + nfill++] = (load_item){fb, x + 1, cells[k], 0, 0};
        }
    }
    sj__free(cells);
    sj_status st = SJ_OK;
    if (!good)
        st = nomem(fun);
    else if (!load_fits(a, &l, 0, 0))
        st = set_error(fun, SJ_BLOCK_ERR_NO_SPACE, area, 0, x, y, 0, NULL);
    if (st == SJ_OK && !sj__grow((void **)&a->blocks, &a->cap, a->n + l.n + nfill, sizeof *a->blocks))
        st = nomem(fun);
    if (st == SJ_OK) {
        for (size_t k = 0; k < nfill; k++)
            l.it[l.n + k].b->id = ++fun->id_counter;
        l.n += nfill;
        load_sort(&l);
        place_load(a, &l); /* cannot fail: the room was made above */
        fun->generation++;
        return ok(fun);
    }
    for (size_t k = 0; k < nfill; k++)
        sj__block_free(l.it[l.n + k].b);
    restore_load(a, &l);
    return st;
}

sj_status sj_blockfun_retrieve_chain(sj_blockfun *fun, size_t area, int64_t x, int64_t y, bool remove,
                                     sj_block_chain **out)
{
    CHECK_FUN(fun);
    if (!out)
        return SJ_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (area >= fun->nareas)
        return set_error(fun, SJ_BLOCK_ERR_UNKNOWN_AREA, area, 0, x, y, 0, NULL);
    sj__area *a = fun->areas[area];
    bool *member;
    int found = chain_at(a, x, y, &member);
    if (found < 0)
        return nomem(fun);
    if (!found)
        return set_error(fun, SJ_BLOCK_ERR_NO_BLOCK_AT, area, 0, x, y, 0, NULL);
    sj_block_chain *c = sj__calloc(1, sizeof *c);
    size_t cnt = 0;
    for (size_t i = 0; i < a->n; i++)
        cnt += member[i];
    if (c) {
        c->load = sj__calloc(cnt, sizeof *c->load);
        c->source = sj__calloc(cnt, sizeof *c->source);
        c->sink = sj__calloc(cnt, sizeof *c->sink);
    }
    if (!c || !c->load || !c->source || !c->sink) {
        sj__free(member);
        sj_block_chain_free(c);
        return nomem(fun);
    }
    /* Copies first (so a failure changes nothing), then the removal. */
    for (size_t i = 0; i < a->n; i++) {
        if (!member[i])
            continue;
        sj__block *b = sj__block_clone(a->blocks[i]);
        if (!b) {
            sj__free(member);
            sj_block_chain_free(c);
            return nomem(fun);
        }
        c->load[c->n++] = b;
    }
    /* Sort by x then y (the area order is y then x). */
    for (size_t i = 1; i < c->n; i++) {
        sj__block *v = c->load[i];
        size_t j = i;
        while (j > 0 && (v->x < c->load[j - 1]->x || (v->x == c->load[j - 1]->x && v->y < c->load[j - 1]->y))) {
            c->load[j] = c->load[j - 1];
            j--;
        }
        c->load[j] = v;
    }
    for (size_t i = 0; i < c->n; i++) {
        const sj__block *b = c->load[i];
        bool has_in = false, has_out = false;
        for (size_t r = 0; r < b->rows; r++) {
            has_in |= sj__block_has_input(b, r);
            has_out |= sj__block_has_output(b, r);
        }
        c->source[i] = !has_in;
        c->sink[i] = !has_out;
    }
    if (remove) {
        for (size_t i = a->n; i-- > 0;)
            if (member[i])
                sj__block_free(sj__area_take(a, i));
        /* No generation bump: the reference's retrieve_block_chain_at does not count the removal
         * as a change (its callers bump when they place the load again). */
    } else {
        /* Clones get new ids. Their sub-area ids still name the original's sub-areas (as in the
         * reference); the chain is a copy for inspection and is never placed back. */
        for (size_t i = 0; i < c->n; i++)
            c->load[i]->id = ++fun->id_counter;
    }
    sj__free(member);
    *out = c;
    return ok(fun);
}

size_t sj_block_chain_count(const sj_block_chain *c)
{
    return c ? c->n : 0;
}

bool sj_block_chain_at(const sj_block_chain *c, size_t i, sj_block_info *info, bool *is_source, bool *is_sink)
{
    if (!c || i >= c->n)
        return false;
    sj__block_info(c->load[i], 0, info);
    if (is_source)
        *is_source = c->source[i];
    if (is_sink)
        *is_sink = c->sink[i];
    return true;
}

void sj_block_chain_free(sj_block_chain *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        sj__block_free(c->load[i]);
    sj__free(c->load);
    sj__free(c->source);
    sj__free(c->sink);
    sj__free(c);
}

/* ---------------------------------------------------------------------------------------------- */
/* Sizes (reference recalculate_area_sizes / resolve_size). Computed bottom-up: every sub-area
 * before the area holding it. The reference's two work queues reach the same fixed point: the
 * last computation of each area sees the final sizes of its sub-areas, and the root only grows. */

static void resolve_size(const sj_blockfun *fun, const sj__area *a, const size_t (*sizes)[2], size_t *ow,
                         size_t *oh)
{
    size_t w = 1, h = 1;
    for (size_t i = 0; i < a->n; i++) {
        const sj__block *b = a->blocks[i];
        size_t x = b->x > 0 ? (size_t)b->x : 0, y = b->y > 0 ? (size_t)b->y : 0;
        if (b->rows > 0) {
            int64_t ylast = b->y + (int64_t)b->rows - 1;
            size_t yl = ylast > 0 ? (size_t)ylast : 0;
            w = w < x + 1 ? x + 1 : w;
            h = h < yl + 1 ? yl + 1 : h;
        }
        size_t prev_h = 1; /* one for the top block */
        for (int k = 0; k < 2; k++) {
            size_t c = b->contains[k];
            if (c == SJ__NO_AREA)
                continue;
            size_t sw = c < fun->nareas ? sizes[c][0] : 0, sh = c < fun->nareas ? sizes[c][1] : 0;
            sh += prev_h;
            if (k == 0)
                prev_h += sh;
            w = w < x + sw + 1 ? x + sw + 1 : w;
            h = h < y + sh + 1 ? y + sh + 1 : h;
        }
    }
    if (a->auto_shrink) {
        *ow = w;
        *oh = h;
    } else {
        *ow = a->w < w ? w : a->w;
        *oh = a->h < h ? h : a->h;
    }
}

sj_status sj__recalculate_sizes(sj_blockfun *fun)
{
    size_t n = fun->nareas;
    size_t (*sizes)[2] = sj__calloc(n, sizeof *sizes);
    size_t *order = sj__malloc(n * sizeof *order), *stack = sj__malloc(n * sizeof *stack);
    bool *seen = sj__calloc(n, sizeof *seen);
    if (!sizes || !order || !stack || !seen) {
        sj__free(sizes);
        sj__free(order);
        sj__free(stack);
        sj__free(seen);
        return SJ_ERR_NOMEM;
    }
    size_t no = 0, ns = 0;
    stack[ns++] = 0;
    seen[0] = true;
    while (ns) {
        size_t ai = stack[--ns];
        order[no++] = ai;
        const sj__area *a = fun->areas[ai];
        for (size_t i = 0; i < a->n; i++)
            for (int k = 0; k < 2; k++) {
                size_t c = a->blocks[i]->contains[k];
                if (c < n && !seen[c]) {
                    seen[c] = true;
                    stack[ns++] = c;
                }
            }
    }
    for (size_t k = no; k-- > 0;) {
        size_t ai = order[k];
        resolve_size(fun, fun->areas[ai], (const size_t(*)[2])sizes, &sizes[ai][0], &sizes[ai][1]);
        fun->areas[ai]->w = sizes[ai][0];
        fun->areas[ai]->h = sizes[ai][1];
    }
    sj__free(sizes);
    sj__free(order);
    sj__free(stack);
    sj__free(seen);
    return SJ_OK;
}

sj_status sj_blockfun_recalculate_area_sizes(sj_blockfun *fun)
{
    CHECK_FUN(fun);
    if (sj__recalculate_sizes(fun) != SJ_OK)
        return nomem(fun);
    return ok(fun);
}

/* ---------------------------------------------------------------------------------------------- */
/* Queries */

uint64_t sj_blockfun_generation(const sj_blockfun *fun)
{
    return fun ? fun->generation : 0;
}

bool sj_blockfun_is_unset(const sj_blockfun *fun)
{
    return !fun || fun->generation == 0;
}

size_t sj_blockfun_current_id(const sj_blockfun *fun)
{
    return fun ? fun->id_counter : 0;
}

size_t sj_blockfun_area_count(const sj_blockfun *fun)
{
    return fun ? fun->nareas : 0;
}

bool sj_blockfun_area_size(const sj_blockfun *fun, size_t area, size_t *w, size_t *h)
{
    bool known = fun && area < fun->nareas;
    if (w)
        *w = known ? fun->areas[area]->w : 0;
    if (h)
        *h = known ? fun->areas[area]->h : 0;
    return known;
}

bool sj_blockfun_area_auto_shrink(const sj_blockfun *fun, size_t area)
{
    return fun && area < fun->nareas && fun->areas[area]->auto_shrink;
}

const char *sj_blockfun_area_header(const sj_blockfun *fun, size_t area)
{
    return fun && area < fun->nareas ? fun->areas[area]->header : NULL;
}

bool sj_blockfun_block_at(const sj_blockfun *fun, size_t area, int64_t x, int64_t y, sj_block_info *info)
{
    if (!fun || area >= fun->nareas)
        return false;
    const sj__area *a = fun->areas[area];
    for (size_t i = 0; i < a->n; i++)
        if (a->blocks[i]->x == x && a->blocks[i]->y == y) {
            sj__block_info(a->blocks[i], area, info);
            return true;
        }
    return false;
}

bool sj_blockfun_block_covering(const sj_blockfun *fun, size_t area, int64_t x, int64_t y, sj_block_info *info)
{
    if (!fun || area >= fun->nareas)
        return false;
    size_t i = sj__area_find(fun->areas[area], x, y);
    if (i == SIZE_MAX)
        return false;
    sj__block_info(fun->areas[area]->blocks[i], area, info);
    return true;
}

bool sj_blockfun_origin_at(const sj_blockfun *fun, size_t area, int64_t x, int64_t y, int64_t *xo, int64_t *yo)
{
    if (!fun || area >= fun->nareas)
        return false;
    size_t i = sj__area_find(fun->areas[area], x, y);
    if (i == SIZE_MAX)
        return false;
    if (xo)
        *xo = fun->areas[area]->blocks[i]->x;
    if (yo)
        *yo = fun->areas[area]->blocks[i]->y;
    return true;
}

size_t sj_blockfun_block_count(const sj_blockfun *fun, size_t area)
{
    return fun && area < fun->nareas ? fun->areas[area]->n : 0;
}

bool sj_blockfun_block_index(const sj_blockfun *fun, size_t area, size_t i, sj_block_info *info)
{
    if (!fun || area >= fun->nareas || i >= fun->areas[area]->n)
        return false;
    sj__block_info(fun->areas[area]->blocks[i], area, info);
    return true;
}

bool sj_blockfun_find_block(const sj_blockfun *fun, size_t id, sj_block_info *info)
{
    if (!fun)
        return false;
    for (size_t a = 0; a < fun->nareas; a++)
        for (size_t i = 0; i < fun->areas[a]->n; i++)
            if (fun->areas[a]->blocks[i]->id == id) {
                sj__block_info(fun->areas[a]->blocks[i], a, info);
                return true;
            }
    return false;
}

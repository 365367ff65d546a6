/*
 * Block files: the reference's JSON snapshot (BlockFunSnapshot, §5.4), VERSION 1.
 *
 * Writing matches serde_json's compact output with keys sorted (no preserve_order), so a program
 * saved here is byte-identical to the reference's for the same blocks; the reference writes blocks
 * in HashMap order, we write them by y then x.
 *
 * Reading applies the reference's defaults for missing keys (block: id 0, rows 0, expanded true,
 * typ "?", lbl "?", color 0; area: size [0,0], auto_shrink true, header ""; counter 0), and
 * rejects with a message saying where and what:
 *   - malformed JSON, a key of the wrong type, a negative or too large number;
 *   - VERSION other than 1; no areas;
 *   - blocks that overlap or share an origin (the reference's HashMap would silently drop one);
 *   - two blocks with the same id (ids are state uids);
 *   - sub-area references that are out of range, point at the root, are shared by two blocks, or
 *     form a cycle (the reference would loop or panic on those).
 * Blocks without an id (id 0) get fresh ids, and the id counter is raised to the largest id, so
 * later blocks never reuse an id.
 */
#include "blocks/internal.h"
#include "base/json.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------- */
/* Save */

static void write_ports(sj_sb *sb, char *const *v, size_t n)
{
    sj__sb_append(sb, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            sj__sb_append(sb, ",");
        if (v[i])
            sj__json_write_string(sb, v[i]);
        else
            sj__sb_append(sb, "null");
    }
    sj__sb_append(sb, "]");
}

static void write_block(sj_sb *sb, const sj__block *b)
{
    sj__sb_printf(sb, "{\"block\":{\"color\":%zu,\"contains\":[", b->color);
    for (int k = 0; k < 2; k++) {
        if (k)
            sj__sb_append(sb, ",");
        if (b->contains[k] == SJ__NO_AREA)
            sj__sb_append(sb, "null");
        else
            sj__sb_printf(sb, "%zu", b->contains[k]);
    }
    sj__sb_printf(sb, "],\"expanded\":%s,\"id\":%zu,\"inputs\":", b->expanded ? "true" : "false", b->id);
    write_ports(sb, b->inputs, b->ninputs);
    sj__sb_append(sb, ",\"lbl\":");
    sj__json_write_string(sb, b->lbl);
    sj__sb_append(sb, ",\"outputs\":");
    write_ports(sb, b->outputs, b->noutputs);
    sj__sb_printf(sb, ",\"rows\":%zu,\"typ\":", b->rows);
    sj__json_write_string(sb, b->typ);
    sj__sb_printf(sb, "},\"x\":%lld,\"y\":%lld}", (long long)b->x, (long long)b->y);
}

char *sj_blockfun_save_json(const sj_blockfun *fun)
{
    if (!fun)
        return NULL;
    sj_sb sb;
    sj__sb_init(&sb);
    sj__sb_append(&sb, "{\"VERSION\":1,\"areas\":[");
    for (size_t a = 0; a < fun->nareas; a++) {
        const sj__area *ar = fun->areas[a];
        if (a)
            sj__sb_append(&sb, ",");
        sj__sb_printf(&sb, "{\"auto_shrink\":%s,\"blocks\":[", ar->auto_shrink ? "true" : "false");
        for (size_t i = 0; i < ar->n; i++) { /* the area keeps its blocks sorted by y, then x */
            if (i)
                sj__sb_append(&sb, ",");
            write_block(&sb, ar->blocks[i]);
        }
        sj__sb_append(&sb, "],\"header\":");
        sj__json_write_string(&sb, ar->header);
        sj__sb_printf(&sb, ",\"size\":[%zu,%zu]}", ar->w, ar->h);
    }
    sj__sb_printf(&sb, "],\"current_block_id_counter\":%zu}", fun->id_counter);
    return sj__sb_finish(&sb);
}

/* ---------------------------------------------------------------------------------------------- */
/* Load */

typedef struct loader {
    const char *text;
    sj_diag *diag;
    char path[160];
    sj_status st;
} loader;

static sj_status lfail(loader *L, const sj__jval *at, const char *key, const char *fmt, const char *detail)
{
    if (L->st)
        return L->st;
    int line = 0, col = 0;
    if (at)
        sj__json_linecol(L->text, at->off, &line, &col);
    char what[200];
    snprintf(what, sizeof what, fmt, detail ? detail : "");
    char where[200];
    if (key)
        snprintf(where, sizeof where, "%s%s%s", L->path, L->path[0] ? "." : "", key);
    else
        snprintf(where, sizeof where, "%s", L->path[0] ? L->path : "the top level");
    L->st = sj__diag_set(L->diag, SJ_ERR_SYNTAX, NULL, "block file, line %d, column %d: %s: %s", line, col, where,
                         what);
    if (L->diag) {
        L->diag->line = line;
        L->diag->col = col;
    }
    return L->st;
}

/* An unsigned integer key: missing or null gives def. */
static bool get_uint(loader *L, const sj__jval *obj, const char *key, uint64_t def, uint64_t max, uint64_t *out)
{
    const sj__jval *v = sj__json_get(obj, key);
    *out = def;
    if (!v || v->kind == SJ__JNULL)
        return true;
    if (v->kind != SJ__JNUM || !v->is_int || v->i < 0 || (uint64_t)v->i > max) {
        char lim[40];
        snprintf(lim, sizeof lim, "%llu", (unsigned long long)max);
        lfail(L, v, key, "expected an integer from 0 to %s", lim);
        return false;
    }
    *out = (uint64_t)v->i;
    return true;
}

static bool get_coord(loader *L, const sj__jval *obj, const char *key, int64_t *out)
{
    const sj__jval *v = sj__json_get(obj, key);
    *out = 0;
    if (!v || v->kind == SJ__JNULL)
        return true;
    if (v->kind != SJ__JNUM || !v->is_int || v->i < -SJ_BLOCK_COORD_MAX || v->i > SJ_BLOCK_COORD_MAX) {
        lfail(L, v, key, "expected an integer coordinate from -16777216 to 16777216%s", NULL);
        return false;
    }
    *out = v->i;
    return true;
}

static bool get_bool(loader *L, const sj__jval *obj, const char *key, bool def, bool *out)
{
    const sj__jval *v = sj__json_get(obj, key);
    *out = def;
    if (!v || v->kind == SJ__JNULL)
        return true;
    if (v->kind != SJ__JBOOL) {
        lfail(L, v, key, "expected true or false%s", NULL);
        return false;
    }
    *out = v->b;
    return true;
}

static bool check_str(loader *L, const sj__jval *v, const char *key)
{
    if (v->kind != SJ__JSTR) {
        lfail(L, v, key, "expected a string%s", NULL);
        return false;
    }
    if (!sj__json_str(v)) {
        lfail(L, v, key, "the string contains a NUL character%s", NULL);
        return false;
    }
    return true;
}

/* A string key: missing or null gives def. *out is a new string. */
static bool get_str(loader *L, const sj__jval *obj, const char *key, const char *def, char **out)
{
    const sj__jval *v = sj__json_get(obj, key);
    *out = NULL;
    if (v && v->kind != SJ__JNULL && !check_str(L, v, key))
        return false;
    *out = sj__strdup(v && v->kind == SJ__JSTR ? v->s : def);
    if (!*out) {
        L->st = sj__diag_set(L->diag, SJ_ERR_NOMEM, NULL, "out of memory");
        return false;
    }
    return true;
}

static bool get_ports(loader *L, const sj__jval *obj, const char *key, char ***out, size_t *n)
{
    const sj__jval *v = sj__json_get(obj, key);
    *out = NULL;
    *n = 0;
    if (!v || v->kind == SJ__JNULL)
        return true;
    if (v->kind != SJ__JARR) {
        lfail(L, v, key, "expected an array of port labels (strings or null)%s", NULL);
        return false;
    }
    if (v->n > SJ__BLOCK_MAX_PORTS) {
        lfail(L, v, key, "more than 256 ports%s", NULL);
        return false;
    }
    if (!v->n)
        return true;
    char **p = sj__calloc(v->n, sizeof *p);
    if (!p) {
        L->st = sj__diag_set(L->diag, SJ_ERR_NOMEM, NULL, "out of memory");
        return false;
    }
    *out = p;
    *n = v->n;
    for (size_t i = 0; i < v->n; i++) {
        const sj__jval *e = &v->items[i];
        if (e->kind == SJ__JNULL)
            continue;
        if (!check_str(L, e, key))
            return false;
        if (!(p[i] = sj__strdup(e->s))) {
            L->st = sj__diag_set(L->diag, SJ_ERR_NOMEM, NULL, "out of memory");
            return false;
        }
    }
    return true;
}

static sj__block *load_block(loader *L, const sj__jval *bo, size_t nareas)
{
    if (bo->kind != SJ__JOBJ) {
        lfail(L, bo, NULL, "expected a block object%s", NULL);
        return NULL;
    }
    sj__block *b = sj__calloc(1, sizeof *b);
    if (!b) {
        L->st = sj__diag_set(L->diag, SJ_ERR_NOMEM, NULL, "out of memory");
        return NULL;
    }
    b->contains[0] = b->contains[1] = SJ__NO_AREA;
    uint64_t id, rows, color;
    bool good = get_uint(L, bo, "id", 0, (uint64_t)SIZE_MAX / 2, &id) &&
                get_uint(L, bo, "rows", 0, SJ__BLOCK_MAX_ROWS, &rows) &&
                get_uint(L, bo, "color", 0, (uint64_t)SIZE_MAX / 2, &color) &&
                get_bool(L, bo, "expanded", true, &b->expanded) && get_str(L, bo, "typ", "?", &b->typ) &&
                get_str(L, bo, "lbl", "?", &b->lbl) && get_ports(L, bo, "inputs", &b->inputs, &b->ninputs) &&
                get_ports(L, bo, "outputs", &b->outputs, &b->noutputs);
    if (good) {
        b->id = (size_t)id;
        b->rows = (size_t)rows;
        b->color = (size_t)color;
        const sj__jval *c = sj__json_get(bo, "contains");
        if (c && c->kind != SJ__JNULL && c->kind != SJ__JARR) {
            lfail(L, c, "contains", "expected [area or null, area or null]%s", NULL);
            good = false;
        }
        for (size_t k = 0; good && c && c->kind == SJ__JARR && k < c->n; k++) {
            const sj__jval *e = &c->items[k];
            if (e->kind == SJ__JNULL)
                continue;
            if (k >= 2) {
                lfail(L, e, "contains", "a block has at most 2 sub-areas%s", NULL);
                good = false;
            } else if (e->kind != SJ__JNUM || !e->is_int || e->i < 1 || (uint64_t)e->i >= nareas) {
                char lim[64];
                snprintf(lim, sizeof lim, "%zu", nareas - 1);
                lfail(L, e, "contains", "expected null or a sub-area id from 1 to %s", nareas > 1 ? lim : "(none)");
                good = false;
            } else {
                b->contains[k] = (size_t)e->i;
            }
        }
    }
    if (!good) {
        sj__block_free(b);
        return NULL;
    }
    return b;
}

static sj__area *load_area(loader *L, const sj__jval *ao, size_t ai, size_t nareas, size_t *total)
{
    if (ao->kind != SJ__JOBJ) {
        lfail(L, ao, NULL, "expected an area object%s", NULL);
        return NULL;
    }
    sj__area *a = sj__area_new(0, 0, true);
    if (!a) {
        L->st = sj__diag_set(L->diag, SJ_ERR_NOMEM, NULL, "out of memory");
        return NULL;
    }
    sj__free(a->header);
    a->header = NULL;
    uint64_t w = 0, h = 0;
    const sj__jval *sz = sj__json_get(ao, "size");
    bool good = get_bool(L, ao, "auto_shrink", true, &a->auto_shrink) && get_str(L, ao, "header", "", &a->header);
    if (good && sz && sz->kind != SJ__JNULL) {
        if (sz->kind != SJ__JARR || sz->n > 2) {
            lfail(L, sz, "size", "expected [width, height]%s", NULL);
            good = false;
        }
        for (size_t k = 0; good && k < sz->n; k++) {
            const sj__jval *e = &sz->items[k];
            if (e->kind == SJ__JNULL)
                continue;
            if (e->kind != SJ__JNUM || !e->is_int || e->i < 0 || e->i > SJ_BLOCK_COORD_MAX * 4) {
                lfail(L, e, "size", "expected a width and a height from 0 to 67108864%s", NULL);
                good = false;
            } else if (k == 0) {
                w = (uint64_t)e->i;
            } else {
                h = (uint64_t)e->i;
            }
        }
    }
    a->w = (size_t)w;
    a->h = (size_t)h;
    const sj__jval *bl = sj__json_get(ao, "blocks");
    if (good && bl && bl->kind != SJ__JNULL && bl->kind != SJ__JARR) {
        lfail(L, bl, "blocks", "expected an array of blocks%s", NULL);
        good = false;
    }
    size_t plen = strlen(L->path);
    for (size_t i = 0; good && bl && bl->kind == SJ__JARR && i < bl->n; i++) {
        const sj__jval *e = &bl->items[i];
        snprintf(L->path + plen, sizeof L->path - plen, ".blocks[%zu]", i);
        if (e->kind != SJ__JOBJ) {
            lfail(L, e, NULL, "expected {\"block\": {...}, \"x\": X, \"y\": Y}%s", NULL);
            good = false;
            break;
        }
        if (++*total > SJ__BLOCK_MAX_BLOCKS) {
            lfail(L, e, NULL, "more than 65536 blocks%s", NULL);
            good = false;
            break;
        }
        int64_t x, y;
        if (!get_coord(L, e, "x", &x) || !get_coord(L, e, "y", &y)) {
            good = false;
            break;
        }
        const sj__jval *bo = sj__json_get(e, "block");
        if (!bo) {
            lfail(L, e, NULL, "missing \"block\"%s", NULL);
            good = false;
            break;
        }
        size_t pl2 = strlen(L->path);
        snprintf(L->path + pl2, sizeof L->path - pl2, ".block");
        sj__block *b = load_block(L, bo, nareas);
        L->path[pl2] = 0;
        if (!b) {
            good = false;
            break;
        }
        b->x = x;
        b->y = y;
        /* Overlaps: the same origin, or shared cells. */
        for (size_t j = 0; j < a->n; j++) {
            const sj__block *o = a->blocks[j];
            bool clash = o->x == x && (o->y == y || (b->rows && o->rows && y < o->y + (int64_t)o->rows &&
                                                     o->y < y + (int64_t)b->rows));
            if (clash) {
                char d[96];
                snprintf(d, sizeof d, "the block at (%lld,%lld) overlaps the block at (%lld,%lld)", (long long)x,
                         (long long)y, (long long)o->x, (long long)o->y);
                lfail(L, e, NULL, "%s", d);
                good = false;
                break;
            }
        }
        if (!good || !sj__area_add(a, b)) {
            if (good)
                L->st = sj__diag_set(L->diag, SJ_ERR_NOMEM, NULL, "out of memory");
            sj__block_free(b);
            good = false;
        }
    }
    L->path[plen] = 0;
    (void)ai;
    if (!good) {
        sj__area_free(a);
        return NULL;
    }
    return a;
}

/* Checks the sub-area structure: each area is held by at most one block, and following the
 * holders upwards never comes back (no cycles). */
static bool check_structure(loader *L, sj__area **areas, size_t n)
{
    size_t *parent = sj__malloc(n * sizeof *parent);
    unsigned char *state = sj__calloc(n, 1);
    bool good = parent && state;
    if (!good)
        L->st = sj__diag_set(L->diag, SJ_ERR_NOMEM, NULL, "out of memory");
    for (size_t i = 0; good && i < n; i++)
        parent[i] = SIZE_MAX;
    for (size_t a = 0; good && a < n; a++)
        for (size_t i = 0; good && i < areas[a]->n; i++)
            for (int k = 0; good && k < 2; k++) {
                size_t c = areas[a]->blocks[i]->contains[k];
                if (c == SJ__NO_AREA)
                    continue;
                if (parent[c] != SIZE_MAX) {
                    const sj__block *b = areas[a]->blocks[i];
                    char d[160];
                    snprintf(d, sizeof d,
                             "area %zu is the sub-area of two blocks (the second is block %zu in area %zu at (%lld,%lld))",
                             c, b->id, a, (long long)b->x, (long long)b->y);
                    lfail(L, NULL, NULL, "%s", d);
                    good = false;
                }
                parent[c] = a;
            }
    /* state: 0 unknown, 1 on the current walk, 2 known to reach a top. */
    for (size_t a = 0; good && a < n; a++) {
        size_t cur = a;
        while (cur != SIZE_MAX && state[cur] == 0) {
            state[cur] = 1;
            cur = parent[cur];
        }
        if (cur != SIZE_MAX && state[cur] == 1) {
            char d[96];
            snprintf(d, sizeof d, "the sub-areas starting at area %zu contain themselves", cur);
            lfail(L, NULL, NULL, "%s", d);
            good = false;
        }
        for (cur = a; cur != SIZE_MAX && state[cur] == 1; cur = parent[cur])
            state[cur] = 2;
    }
    sj__free(parent);
    sj__free(state);
    return good;
}

static bool check_ids(loader *L, sj__area **areas, size_t n, size_t *max_id)
{
    /* Sort the ids and look for neighbours that are equal. */
    size_t total = 0;
    for (size_t a = 0; a < n; a++)
        total += areas[a]->n;
    *max_id = 0;
    size_t *ids = sj__malloc((total ? total : 1) * sizeof *ids);
    if (!ids) {
        L->st = sj__diag_set(L->diag, SJ_ERR_NOMEM, NULL, "out of memory");
        return false;
    }
    size_t k = 0;
    for (size_t a = 0; a < n; a++)
        for (size_t i = 0; i < areas[a]->n; i++)
            if (areas[a]->blocks[i]->id) {
                ids[k++] = areas[a]->blocks[i]->id;
                if (ids[k - 1] > *max_id)
                    *max_id = ids[k - 1];
            }
    /* Shell sort: no recursion, no qsort comparator globals. */
    for (size_t gap = k / 2; gap > 0; gap /= 2)
        for (size_t i = gap; i < k; i++) {
            size_t v = ids[i], j = i;
            while (j >= gap && ids[j - gap] > v) {
                ids[j] = ids[j - gap];
                j -= gap;
            }
            ids[j] = v;
        }
    bool good = true;
    for (size_t i = 1; i < k && good; i++)
        if (ids[i] == ids[i - 1]) {
            char d[64];
            snprintf(d, sizeof d, "two blocks have the id %zu", ids[i]);
            lfail(L, NULL, NULL, "%s", d);
            good = false;
        }
    sj__free(ids);
    return good;
}

sj_status sj_blockfun_load_json(sj_blockfun *fun, const char *json, size_t len, sj_diag *diag)
{
    if (!fun || (!json && len))
        return sj__diag_set(diag, SJ_ERR_INVALID_ARGUMENT, NULL, "invalid argument");
    char err[200];
    int line = 0, col = 0;
    bool nomem = false;
    sj__jval *root = sj__json_parse(json ? json : "", len, NULL, err, sizeof err, &line, &col, &nomem);
    if (!root) {
        if (nomem)
            return sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
        sj_status st = sj__diag_set(diag, SJ_ERR_SYNTAX, NULL, "block file, %s", err);
        if (diag) {
            diag->line = line;
            diag->col = col;
        }
        return st;
    }
    loader L = {json, diag, "", SJ_OK};
    sj__area **areas = NULL;
    size_t nareas = 0;
    const sj__jval *ver, *ar;
    uint64_t counter = 0;
    if (root->kind != SJ__JOBJ) {
        lfail(&L, root, NULL, "expected an object {\"VERSION\":1,\"areas\":[...],...}%s", NULL);
        goto done;
    }
    ver = sj__json_get(root, "VERSION");
    if (ver && ver->kind != SJ__JNULL && !(ver->kind == SJ__JNUM && ver->is_int && ver->i == 1)) {
        lfail(&L, ver, "VERSION", "unsupported version (only 1 is known)%s", NULL);
        goto done;
    }
    if (!get_uint(&L, root, "current_block_id_counter", 0, (uint64_t)SIZE_MAX / 2, &counter))
        goto done;
    ar = sj__json_get(root, "areas");
    if (!ar || ar->kind != SJ__JARR || ar->n == 0) {
        lfail(&L, ar ? ar : root, ar ? "areas" : NULL, "%s",
              ar ? "expected a non-empty array of areas (area 0 is the root)" : "missing \"areas\"");
        goto done;
    }
    if (ar->n > SJ__BLOCK_MAX_AREAS) {
        lfail(&L, ar, "areas", "more than 65536 areas%s", NULL);
        goto done;
    }
    areas = sj__calloc(ar->n, sizeof *areas);
    if (!areas) {
        L.st = sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
        goto done;
    }
    size_t total = 0;
    for (size_t i = 0; i < ar->n; i++) {
        snprintf(L.path, sizeof L.path, "areas[%zu]", i);
        areas[i] = load_area(&L, &ar->items[i], i, ar->n, &total);
        if (!areas[i])
            goto done;
        nareas++;
    }
    L.path[0] = 0;
    size_t max_id;
    if (!check_structure(&L, areas, nareas) || !check_ids(&L, areas, nareas, &max_id))
        goto done;
    /* Sizes are computed on the loaded areas before anything is committed. */
    {
        sj_blockfun tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.lang = fun->lang;
        tmp.areas = areas;
        tmp.nareas = nareas;
        if (sj__recalculate_sizes(&tmp) != SJ_OK) {
            L.st = sj__diag_set(diag, SJ_ERR_NOMEM, NULL, "out of memory");
            goto done;
        }
    }
    /* Commit: the old program goes, the loaded one comes. */
    sj__blockfun_clear(fun);
    fun->areas = areas;
    fun->nareas = fun->acap = nareas;
    areas = NULL;
    fun->id_counter = (size_t)counter > max_id ? (size_t)counter : max_id;
    for (size_t a = 0; a < fun->nareas; a++)
        for (size_t i = 0; i < fun->areas[a]->n; i++)
            if (!fun->areas[a]->blocks[i]->id)
                fun->areas[a]->blocks[i]->id = ++fun->id_counter;
    fun->generation++;
    memset(&fun->err, 0, sizeof fun->err);
done:
    if (areas) {
        for (size_t i = 0; i < nareas; i++)
            sj__area_free(areas[i]);
        sj__free(areas);
    }
    sj__json_free(root);
    return L.st;
}

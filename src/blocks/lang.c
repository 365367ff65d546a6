/*
 * The block language definition (reference setup_hxdsp_block_language, §5.2): the built-in block
 * types, one type per node of a library, and the identifiers offered for get/set (decisions #9:
 * "$srate"/"$israte", which the JIT resolves, instead of the reference's "srate"/"israte").
 */
#include "blocks/internal.h"
#include "nodes/nodes.h"

#include <string.h>

static void btype_fini(sj__btype *t)
{
    sj__free((char *)t->pub.category);
    sj__free((char *)t->pub.name);
    sj__free((char *)t->pub.description);
    for (size_t i = 0; i < t->pub.ninputs; i++)
        sj__free(t->in[i]);
    for (size_t i = 0; i < t->pub.noutputs; i++)
        sj__free(t->out[i]);
    sj__free(t->in);
    sj__free(t->out);
    memset(t, 0, sizeof *t);
}

static char **copy_ports(const char *const *src, size_t n, bool *ok)
{
    *ok = true;
    if (n == 0)
        return NULL;
    char **d = sj__calloc(n, sizeof *d);
    if (!d) {
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (src && src[i]) {
            d[i] = sj__strdup(src[i]);
            if (!d[i])
                *ok = false;
        }
    }
    return d;
}

static bool btype_init(sj__btype *t, const sj_block_type *src)
{
    memset(t, 0, sizeof *t);
    t->pub = *src;
    t->pub.category = sj__strdup(src->category ? src->category : "");
    t->pub.name = sj__strdup(src->name);
    t->pub.description = sj__strdup(src->description ? src->description : "");
    bool ok1, ok2;
    t->in = copy_ports(src->inputs, src->ninputs, &ok1);
    t->out = copy_ports(src->outputs, src->noutputs, &ok2);
    t->pub.inputs = (const char *const *)t->in;
    t->pub.outputs = (const char *const *)t->out;
    if (!t->pub.category || !t->pub.name || !t->pub.description || !ok1 || !ok2) {
        /* Free what was copied: counts tell btype_fini how far the arrays go. */
        if (!t->in)
            t->pub.ninputs = 0;
        if (!t->out)
            t->pub.noutputs = 0;
        btype_fini(t);
        return false;
    }
    return true;
}

static sj_blocklang *blocklang_new_empty(void)
{
    return sj__calloc(1, sizeof(sj_blocklang));
}

void sj_blocklang_free(sj_blocklang *lang)
{
    if (!lang)
        return;
    for (size_t i = 0; i < lang->ntypes; i++)
        btype_fini(&lang->types[i]);
    sj__free(lang->types);
    for (size_t i = 0; i < lang->nidents; i++)
        sj__free(lang->idents[i]);
    sj__free(lang->idents);
    sj__free(lang);
}

/* Adds or replaces a type; node_op as in sj__btype. */
static sj_status define_type(sj_blocklang *lang, const sj_block_type *type, int node_op)
{
    if (!lang || !type || !type->name || (type->ninputs && !type->inputs) || (type->noutputs && !type->outputs))
        return SJ_ERR_INVALID_ARGUMENT;
    /* The same bounds as for loaded files: every loop over rows and ports stays short. */
    if (type->rows > SJ__BLOCK_MAX_ROWS || type->ninputs > SJ__BLOCK_MAX_PORTS || type->noutputs > SJ__BLOCK_MAX_PORTS)
        return SJ_ERR_LIMIT;
    sj__btype nt;
    if (!btype_init(&nt, type))
        return SJ_ERR_NOMEM;
    nt.node_op = node_op;
    for (size_t i = 0; i < lang->ntypes; i++) {
        if (strcmp(lang->types[i].pub.name, type->name) == 0) {
            btype_fini(&lang->types[i]);
            lang->types[i] = nt;
            return SJ_OK;
        }
    }
    if (!sj__grow((void **)&lang->types, &lang->cap, lang->ntypes + 1, sizeof *lang->types)) {
        btype_fini(&nt);
        return SJ_ERR_NOMEM;
    }
    lang->types[lang->ntypes++] = nt;
    return SJ_OK;
}

sj_status sj_blocklang_define(sj_blocklang *lang, const sj_block_type *type)
{
    return define_type(lang, type, -1);
}

sj_status sj_blocklang_define_identifier(sj_blocklang *lang, const char *id)
{
    if (!lang || !id)
        return SJ_ERR_INVALID_ARGUMENT;
    size_t pos = 0;
    while (pos < lang->nidents) {
        int c = strcmp(lang->idents[pos], id);
        if (c == 0)
            return SJ_OK;
        if (c > 0)
            break;
        pos++;
    }
    if (!sj__grow((void **)&lang->idents, &lang->icap, lang->nidents + 1, sizeof *lang->idents))
        return SJ_ERR_NOMEM;
    char *d = sj__strdup(id);
    if (!d)
        return SJ_ERR_NOMEM;
    memmove(lang->idents + pos + 1, lang->idents + pos, (lang->nidents - pos) * sizeof *lang->idents);
    lang->idents[pos] = d;
    lang->nidents++;
    return SJ_OK;
}

size_t sj_blocklang_type_count(const sj_blocklang *lang)
{
    return lang ? lang->ntypes : 0;
}

const sj_block_type *sj_blocklang_type_at(const sj_blocklang *lang, size_t i)
{
    return lang && i < lang->ntypes ? &lang->types[i].pub : NULL;
}

const sj__btype *sj__blocklang_type(const sj_blocklang *lang, const char *name)
{
    if (!lang || !name)
        return NULL;
    for (size_t i = 0; i < lang->ntypes; i++)
        if (strcmp(lang->types[i].pub.name, name) == 0)
            return &lang->types[i];
    return NULL;
}

const sj_block_type *sj_blocklang_find(const sj_blocklang *lang, const char *name)
{
    const sj__btype *t = sj__blocklang_type(lang, name);
    return t ? &t->pub : NULL;
}

size_t sj_blocklang_identifier_count(const sj_blocklang *lang)
{
    return lang ? lang->nidents : 0;
}

const char *sj_blocklang_identifier_at(const sj_blocklang *lang, size_t i)
{
    return lang && i < lang->nidents ? lang->idents[i] : NULL;
}

bool sj_blocklang_is_identifier(const sj_blocklang *lang, const char *id)
{
    if (!lang || !id)
        return false;
    for (size_t i = 0; i < lang->nidents; i++)
        if (strcmp(lang->idents[i], id) == 0)
            return true;
    return false;
}

/* The reference keeps the first 2 bytes of a port name (byte slicing, which panics inside a
 * multibyte character). We keep whole UTF-8 characters while they fit in 2 bytes, and at least
 * the first character, so a named port never becomes unnamed. */
static size_t label_prefix_len(const char *s)
{
    size_t n = 0;
    while (s[n]) {
        unsigned char c = (unsigned char)s[n];
        size_t cl = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
        for (size_t k = 1; k < cl; k++)
            if (!s[n + k]) {
                cl = k;
                break;
            }
        if (n > 0 && n + cl > 2)
            break;
        n += cl;
        if (n >= 2)
            break;
    }
    return n;
}

static sj_status define_builtin(sj_blocklang *lang, const char *cat, const char *name, size_t rows,
                                const char *const *in, size_t nin, const char *const *out, size_t nout,
                                size_t areas, sj_block_user_input ui, size_t color, const char *desc)
{
    sj_block_type t = {cat, name, desc, rows, in, nin, out, nout, areas, ui, color};
    return sj_blocklang_define(lang, &t);
}

static sj_status define_node(sj_blocklang *lang, const sj_node_type *nt)
{
    size_t nin = sj_node_type_input_count(nt), nout = sj_node_type_output_count(nt);
    char **in = sj__calloc(nin ? nin : 1, sizeof *in), **out = sj__calloc(nout ? nout : 1, sizeof *out);
    sj_status st = SJ_OK;
    if (!in || !out)
        st = SJ_ERR_NOMEM;
    for (size_t i = 0; st == SJ_OK && i < nin; i++)
        if (!(in[i] = sj__strndup(nt->inputs[i], label_prefix_len(nt->inputs[i]))))
            st = SJ_ERR_NOMEM;
    for (size_t i = 0; st == SJ_OK && i < nout; i++)
        if (!(out[i] = sj__strndup(nt->outputs[i], label_prefix_len(nt->outputs[i]))))
            st = SJ_ERR_NOMEM;
    if (st == SJ_OK) {
        bool stateful = sj_node_type_is_stateful(nt);
        sj_block_type t = {stateful ? "nodes" : "functions",
                           nt->name,
                           nt->doc ? nt->doc : "undocumented",
                           nin > nout ? nin : nout,
                           (const char *const *)in,
                           nin,
                           (const char *const *)out,
                           nout,
                           0,
                           SJ_BLOCK_INPUT_NONE,
                           stateful ? 8 : 16};
        st = define_type(lang, &t, sj__nodes_intrinsic_op(nt));
    }
    for (size_t i = 0; in && i < nin; i++)
        sj__free(in[i]);
    for (size_t i = 0; out && i < nout; i++)
        sj__free(out[i]);
    sj__free(in);
    sj__free(out);
    return st;
}

sj_blocklang *sj_blocklang_new(const sj_library *lib)
{
    sj_blocklang *lang = blocklang_new_empty();
    if (!lang)
        return NULL;
    static const char *const one[] = {""};
    static const char *const two[] = {"", ""};
    static const char *const three[] = {"", "", ""};
    static const char *const ab[] = {"a", "b"};
    static const char *const fwd_multi = "Forwards the value one block and sends it to multiple destinations";
    static const char *const binop = "A binary arithmetics operation";
    sj_status st = SJ_OK;
    /* §5.2, in the reference's order. */
    st = st ? st : define_builtin(lang, "literals", "zero", 1, NULL, 0, one, 1, 0, SJ_BLOCK_INPUT_NONE, 1, "The 0.0 value");
    st = st ? st : define_builtin(lang, "literals", "\xCF\x80", 1, NULL, 0, one, 1, 0, SJ_BLOCK_INPUT_NONE, 1, "The PI number");
    st = st ? st : define_builtin(lang, "literals", "2\xCF\x80", 1, NULL, 0, one, 1, 0, SJ_BLOCK_INPUT_NONE, 1, "2 * PI == TAU");
    st = st ? st : define_builtin(lang, "literals", "value", 1, NULL, 0, one, 1, 0, SJ_BLOCK_INPUT_FLOAT, 1,
                                  "A literal value, typed in by the user.");
    st = st ? st : define_builtin(lang, "routing", "->", 1, one, 1, one, 1, 0, SJ_BLOCK_INPUT_NONE, 6,
                                  "Forwards the value one block");
    st = st ? st : define_builtin(lang, "routing", "->2", 2, one, 1, two, 2, 0, SJ_BLOCK_INPUT_NONE, 6, fwd_multi);
    st = st ? st : define_builtin(lang, "routing", "->3", 3, one, 1, three, 3, 0, SJ_BLOCK_INPUT_NONE, 6, fwd_multi);
    st = st ? st : define_builtin(lang, "variables", "set", 1, one, 1, NULL, 0, 0, SJ_BLOCK_INPUT_IDENTIFIER, 2,
                                  "Stores into a variable");
    st = st ? st : define_builtin(lang, "variables", "get", 1, NULL, 0, one, 1, 0, SJ_BLOCK_INPUT_IDENTIFIER, 12,
                                  "Loads a variable");
    st = st ? st : define_builtin(lang, "variables", "if", 1, one, 1, one, 1, 2, SJ_BLOCK_INPUT_NONE, 0,
                                  "Divides the controlflow based on a true (>= 0.5) or false (< 0.5) input value.");
    st = st ? st : define_builtin(lang, "arithmetics", "+", 2, two, 2, one, 1, 0, SJ_BLOCK_INPUT_NONE, 4, binop);
    st = st ? st : define_builtin(lang, "arithmetics", "-", 2, ab, 2, one, 1, 0, SJ_BLOCK_INPUT_NONE, 4, binop);
    st = st ? st : define_builtin(lang, "arithmetics", "*", 2, two, 2, one, 1, 0, SJ_BLOCK_INPUT_NONE, 4, binop);
    st = st ? st : define_builtin(lang, "arithmetics", "/", 2, ab, 2, one, 1, 0, SJ_BLOCK_INPUT_NONE, 4, binop);
    for (size_t i = 0; st == SJ_OK && lib && i < sj_library_count(lib); i++) {
        const sj_node_type *nt = sj_library_at(lib, i);
        if (nt && nt->name)
            st = define_node(lang, nt);
    }
    /* decisions #9: the aux variables with the '$' the JIT needs. */
    static const char *const idents[] = {"in1",   "in2",  "$israte", "$srate", "alpha",
                                         "beta",  "delta", "gamma",  "&sig1",  "&sig2"};
    for (size_t i = 0; st == SJ_OK && i < sizeof idents / sizeof idents[0]; i++)
        st = sj_blocklang_define_identifier(lang, idents[i]);
    if (st != SJ_OK) {
        sj_blocklang_free(lang);
        return NULL;
    }
    return lang;
}

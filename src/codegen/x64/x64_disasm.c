/* Disassembly of native code for debugging: capstone when available, else a hex dump. */
#include "codegen/x64/x64.h"

#include "base/alloc.h"

#ifdef SJ_HAVE_CAPSTONE
#include <capstone/capstone.h>
#endif

static void put_mark(sj_sb *sb, uint32_t what)
{
    if (what == SJ_X64_MARK_LOOP)
        sj__sb_append(sb, "; ---- frame loop ----\n");
    else if (what == SJ_X64_MARK_LATCH)
        sj__sb_append(sb, "; next frame\n");
    else if (what == SJ_X64_MARK_COLD)
        sj__sb_append(sb, "; ---- out of line: slow index paths and stubs ----\n");
    else
        sj__sb_printf(sb, "b%u:\n", what);
}

char *sj__x64_disassemble(const sj_code *code)
{
    if (!code || !code->impl)
        return NULL;
    const sj_x64_impl *im = code->impl;
    const uint8_t *p = im->region.base;
    sj_sb sb;
    sj__sb_init(&sb);
    sj__sb_printf(&sb,
                  "; x86-64 code: %zu bytes of instructions, %zu bytes with constants, %u spill slots, "
                  "%u persistent variables in registers\n",
                  im->code_bytes, im->total_bytes, im->spill_slots, im->npromoted);
    uint32_t m = 0;
#ifdef SJ_HAVE_CAPSTONE
    csh h;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) == CS_ERR_OK) {
        cs_insn *insn = NULL;
        size_t n = cs_disasm(h, p, im->code_bytes, 0, 0, &insn);
        size_t end = 0;
        for (size_t i = 0; i < n; i++) {
            while (m < im->nmarks && im->marks[m].offset <= insn[i].address)
                put_mark(&sb, im->marks[m++].what);
            sj__sb_printf(&sb, "%6llx:  %-8s %s\n", (unsigned long long)insn[i].address, insn[i].mnemonic,
                          insn[i].op_str);
            end = (size_t)insn[i].address + insn[i].size;
        }
        if (n)
            cs_free(insn, n);
        cs_close(&h);
        if (end < im->code_bytes)
            sj__sb_printf(&sb, "; (could not decode from offset %zx)\n", end);
        return sj__sb_finish(&sb);
    }
#endif
    /* hex dump, 16 bytes a line, a new line at each mark */
    size_t col = 0;
    for (size_t i = 0; i < im->code_bytes; i++) {
        if (m < im->nmarks && im->marks[m].offset <= i) {
            if (col)
                sj__sb_append(&sb, "\n");
            col = 0;
            while (m < im->nmarks && im->marks[m].offset <= i)
                put_mark(&sb, im->marks[m++].what);
        }
        if (col == 0)
            sj__sb_printf(&sb, "%6zx: ", i);
        sj__sb_printf(&sb, " %02x", p[i]);
        if (++col == 16) {
            sj__sb_append(&sb, "\n");
            col = 0;
        }
    }
    if (col)
        sj__sb_append(&sb, "\n");
    return sj__sb_finish(&sb);
}

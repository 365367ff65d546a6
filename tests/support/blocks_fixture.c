/* The block-language tests' shared fixture: one standard library and its block language for a
 * whole test group (cmocka group setup/teardown), and a fresh program per test. */
#include "sjtest.h"

sj_library *sjt_blocks_lib;
sj_blocklang *sjt_blocks_lang;

int sjt_blocks_setup(void **state)
{
    (void)state;
    sjt_blocks_lib = sj_library_new_std();
    sjt_blocks_lang = sjt_blocks_lib ? sj_blocklang_new(sjt_blocks_lib) : NULL;
    return sjt_blocks_lang ? 0 : -1;
}

int sjt_blocks_teardown(void **state)
{
    (void)state;
    sj_blocklang_free(sjt_blocks_lang);
    sj_library_release(sjt_blocks_lib);
    return 0;
}

sj_blockfun *sjt_blocks_newfun(void)
{
    sj_blockfun *f = sj_blockfun_new(sjt_blocks_lang);
    assert_non_null(f);
    return f;
}

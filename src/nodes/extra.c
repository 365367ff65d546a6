/*
 * Registration of the sigjit node set (nodes.h: sj__nodes_add_extra). The families are in their
 * own files; this adds their descriptor tables in a fixed order, which is also the order of the
 * generated node reference.
 */
#include "nodes/extra.h"
#include "nodes/nodes.h"


const sj_node_family *const sj__extra_families[] = {
    &sj__family_osc,   &sj__family_filter,   &sj__family_env,  &sj__family_delay,
    &sj__family_shape, &sj__family_fastmath, &sj__family_util, NULL,
};

sj_status sj__nodes_add_extra(sj_library *lib)
{
    for (const sj_node_family *const *f = sj__extra_families; *f; f++) {
        for (size_t i = 0; i < (*f)->count; i++) {
            sj_status st = sj_library_add(lib, &(*f)->types[i], NULL);
            if (st != SJ_OK)
                return st;
        }
    }
    return SJ_OK;
}


/* Broadcasts. k_row_bcast: the CPE in column 0 of each row DMAs its row's vector, then RMA
 * row-broadcasts it (itself included). k_col_bcast: the CPE in row 0 of each column issues one DMA
 * column broadcast. Every CPE then puts what it received at out[tid]. Reply words are
 * __thread_local, zeroed before a barrier so that no broadcast can land before the zeroing. */
#include <crts.h>

#include "k_args.h"

__thread_local crts_rply_t bc_local, bc_remote;

void k_row_bcast(void *argp) {
    k_bcast_arg a;
    CRTS_dma_get(&a, argp, sizeof a);
    SW_LDM_ARRAY(float, buf, 32);
    bc_local = 0;
    bc_remote = 0;
    CRTS_ssync_array();
    if (CRTS_cid == 0) {
        CRTS_dma_get(buf, a.vec + 32 * CRTS_rid, 32 * sizeof(float));
        CRTS_rma_row_ibcast(buf, buf, 32 * sizeof(float), &bc_local, &bc_remote);
        CRTS_rma_wait_value(&bc_local, 1);
    }
    CRTS_rma_wait_value(&bc_remote, 1);
    CRTS_dma_put(a.out + 32 * CRTS_tid, buf, 32 * sizeof(float));
}

void k_col_bcast(void *argp) {
    k_bcast_arg a;
    CRTS_dma_get(&a, argp, sizeof a);
    SW_LDM_ARRAY(float, buf, 32);
    bc_remote = 0;
    CRTS_ssync_array();
    if (CRTS_rid == 0)
        CRTS_dma_col_ibcast(buf, a.vec + 32 * CRTS_cid, 32 * sizeof(float), &bc_remote);
    CRTS_dma_wait_value(&bc_remote, 1);
    CRTS_dma_put(a.out + 32 * CRTS_tid, buf, 32 * sizeof(float));
}

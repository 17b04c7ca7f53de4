/* Point-to-point RMA around a ring: CPE t puts its id into slot `from` of CPE (t+1) % 64, and gets
 * CPE (t+63) % 64's value back by rma_iget. */
#include <crts.h>

#include "k_args.h"

__thread_local crts_rply_t p2p_l, p2p_r, p2p_g;

void k_p2p(void *argp) {
    k_misc_arg a;
    CRTS_dma_get(&a, argp, sizeof a);
    SW_LDM_ARRAY(float, v, 16); /* v[0]: my id; v[8]: what my left neighbour put; v[9]: got */
    v[0] = (float)CRTS_tid;
    p2p_l = p2p_r = p2p_g = 0;
    CRTS_ssync_array();
    CRTS_rma_iput(&v[0], &p2p_l, sizeof(float), (CRTS_tid + 1) & 63, &v[8], &p2p_r);
    CRTS_rma_wait_value(&p2p_l, 1);
    CRTS_rma_wait_value(&p2p_r, 1);
    CRTS_ssync_array();
    CRTS_rma_iget(&v[9], &p2p_g, sizeof(float), (CRTS_tid + 63) & 63, &v[0], &p2p_r);
    CRTS_rma_wait_value(&p2p_g, 1);
    CRTS_ssync_array(); /* others still read my v[0] */
    CRTS_dma_put(a.out + 2 * CRTS_tid, &v[8], 2 * sizeof(float));
}

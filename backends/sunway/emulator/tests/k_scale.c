/* The smallest useful kernel: out[i] = 3 in[i] over n floats split across the CPEs of every core
 * group this spawn runs on; each CPE also records where it ran (cg * 64 + tid) in out[n + ...]. */
#include <crts.h>

#include "k_args.h"

void k_scale(void *argp) {
    k_misc_arg a;
    CRTS_dma_get(&a, argp, sizeof a);
    SW_LDM_ARRAY(float, buf, 64);
    long per = a.n / 64;
    if (CRTS_cgn == 0 && per > 0 && per <= 64) {
        CRTS_dma_get(buf, a.in + CRTS_tid * per, per * sizeof(float));
        for (long i = 0; i < per; i++) buf[i] *= 3.0f;
        SW_FLOPS(per);
        CRTS_dma_put(a.out + CRTS_tid * per, buf, per * sizeof(float));
    }
    buf[0] = (float)(CRTS_cgn * 64 + CRTS_tid);
    CRTS_dma_put(a.out + a.n + CRTS_cgn * 64 + CRTS_tid, buf, sizeof(float));
}

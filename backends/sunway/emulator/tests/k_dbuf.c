/* Double-buffered sum: each CPE sums its slice chunk by chunk, fetching chunk i+1 into the other
 * buffer while it adds chunk i; one reply word per buffer, counted cumulatively. */
#include <crts.h>
#include <simd.h>

#include "k_args.h"

void k_dbuf(void *argp) {
    k_dbuf_arg a;
    CRTS_dma_get(&a, argp, sizeof a);
    const float *mine = a.x + CRTS_tid * a.chunks * a.chunk;
    size_t bytes = (size_t)a.chunk * sizeof(float);
    float *buf[2];
    buf[0] = ldm_malloc(bytes);
    buf[1] = ldm_malloc(bytes);
    athread_rply_t r[2] = {0, 0}; /* the 64-bit reply type, on the stack (LDM on the chip) */
    long issued[2] = {0, 0};
    athread_dma_iget(buf[0], mine, bytes, &r[0]);
    issued[0]++;
    floatv8 acc = simd_set_floatv8(0, 0, 0, 0, 0, 0, 0, 0), one = acc + 1.0f;
    for (long i = 0; i < a.chunks; i++) {
        int cur = i & 1, nxt = cur ^ 1;
        if (i + 1 < a.chunks) {
            athread_dma_iget(buf[nxt], mine + (i + 1) * a.chunk, bytes, &r[nxt]);
            issued[nxt]++;
        }
        athread_dma_wait_value(&r[cur], issued[cur]);
        for (long j = 0; j < a.chunk; j += 8) {
            floatv8 v;
            simd_load(v, buf[cur] + j);
            acc = simd_vmas(v, one, acc);
        }
    }
    float s = 0;
    for (int k = 0; k < 8; k++) s += acc[k];
    SW_FLOPS(7);
    CRTS_dma_put(a.partial + CRTS_tid, &s, sizeof s);
    ldm_free(buf[1], bytes);
    ldm_free(buf[0], bytes);
}

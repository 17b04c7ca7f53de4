/* Strided DMA round trip: each CPE gets its block of columns of a row-major matrix with one
 * strided iget (bsize = its columns, stride = the rest of the row), computes 2x + 1 with
 * simd_vmas, and puts the block back with one strided iput. */
#include <crts.h>
#include <simd.h>

#include "k_args.h"

void k_stride(void *argp) {
    k_stride_arg a;
    CRTS_dma_get(&a, argp, sizeof a);
    long w = a.cols / 64, n = a.rows * w;
    size_t bsize = (size_t)w * sizeof(float), stride = (size_t)(a.cols - w) * sizeof(float);
    float *blk = ldm_malloc(n * sizeof(float)); /* run-time size: ldm_malloc, not SW_LDM_ARRAY */
    crts_rply_t got = 0, put = 0;
    CRTS_dma_iget_stride(blk, a.in + CRTS_tid * w, n * sizeof(float), bsize, stride, &got);
    CRTS_dma_wait_value(&got, 1);
    floatv8 two = simd_set_floatv8(2, 2, 2, 2, 2, 2, 2, 2), one = two * 0.5f;
    for (long i = 0; i < n; i += 8) {
        floatv8 v;
        simd_load(v, blk + i);
        v = simd_vmas(v, two, one);
        simd_store(v, blk + i);
    }
    CRTS_dma_iput_stride(a.out + CRTS_tid * w, blk, n * sizeof(float), bsize, stride, &put);
    CRTS_dma_wait_value(&put, 1);
    ldm_free(blk, n * sizeof(float));
}

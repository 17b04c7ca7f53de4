/* A plainly tiled fp32 GEMM, C = A B (row-major, M = N = 256, any K multiple of 64), for the
 * performance model's check: CPE (r, c) owns the 32 x 32 block (r, c) of C and streams its own A
 * row-panel and B column-panel in 64-deep chunks by strided DMA — no RMA sharing, so every panel is
 * fetched by 8 CPEs and the intensity stays at 32 x 32 x 64 x 2 / (2 x 32 x 64 x 4) = 8 flop/byte,
 * under SW26010-Pro's fp32 ridge (45): the model calls it memory-bound. */
#include <crts.h>
#include <simd.h>

#include "k_args.h"

#define TB 32 /* C block per CPE */
#define KB 64 /* K chunk */

void k_gemm(void *argp) {
    k_gemm_arg a;
    CRTS_dma_get(&a, argp, sizeof a);
    SW_LDM_ARRAY(float, cblk, TB * TB);
    SW_LDM_ARRAY(float, ablk, TB * KB);
    SW_LDM_ARRAY(float, bblk, KB * TB);
    for (int i = 0; i < TB * TB; i++) cblk[i] = 0;
    long row0 = CRTS_rid * TB, col0 = CRTS_cid * TB;
    crts_rply_t ra = 0, rb = 0;
    for (long k0 = 0, n = 1; k0 < a.k; k0 += KB, n++) {
        CRTS_dma_iget_stride(ablk, a.a + row0 * a.k + k0, TB * KB * sizeof(float),
                             KB * sizeof(float), (a.k - KB) * sizeof(float), &ra);
        CRTS_dma_iget_stride(bblk, a.b + k0 * a.n + col0, KB * TB * sizeof(float),
                             TB * sizeof(float), (a.n - TB) * sizeof(float), &rb);
        CRTS_dma_wait_value(&ra, n);
        CRTS_dma_wait_value(&rb, n);
        for (int i = 0; i < TB; i++)
            for (int kk = 0; kk < KB; kk++) {
                floatv8 s = simd_set_floatv8(0, 0, 0, 0, 0, 0, 0, 0) + ablk[i * KB + kk];
                for (int j = 0; j < TB; j += 8) {
                    floatv8 b, c;
                    simd_load(b, bblk + kk * TB + j);
                    simd_load(c, cblk + i * TB + j);
                    simd_store(simd_vmas(b, s, c), cblk + i * TB + j);
                }
            }
    }
    CRTS_dma_put_stride(a.c + row0 * a.n + col0, cblk, TB * TB * sizeof(float), TB * sizeof(float),
                        (a.n - TB) * sizeof(float));
}

/*
 * mma.h — the GEMM micro-kernels on LDM tiles: C += A · B (B as [kv][cols]) and C += A · Bᵀ (B as
 * [cols][kv], the GEMV's weight rows), with the chip's f32 SIMD (SW_F32V: floatv8 on Pro, floatv4 on
 * SW26010) where the tile's widths allow aligned vectors, scalar otherwise (ragged edge tiles).
 */
#ifndef GLM_SW_MMA_H
#define GLM_SW_MMA_H

#include "cpe.h"

/* A vector of x in every lane. */
static inline SW_F32V sw_splat(float x) { return x + (SW_F32V){0}; }

static inline void mma_tile(float *c, int64_t ldc, const float *a, const float *b, int64_t rows, int64_t cols, int64_t kv) {
    if (cols % SW_F32V_LANES == 0 && ldc % SW_F32V_LANES == 0) {
        for (int64_t i = 0; i < rows; i++) {
            for (int64_t j = 0; j < cols; j += SW_F32V_LANES) {
                SW_F32V acc, bv, av;
                simd_load(acc, c + i * ldc + j);
                for (int64_t p = 0; p < kv; p++) {
                    simd_load(bv, b + p * cols + j);
                    av = sw_splat(a[i * kv + p]);
                    acc = simd_vmas(av, bv, acc);
                }
                simd_store(acc, c + i * ldc + j);
            }
        }
        return;
    }
    for (int64_t i = 0; i < rows; i++)
        for (int64_t p = 0; p < kv; p++) {
            const float x = a[i * kv + p];
            for (int64_t j = 0; j < cols; j++) c[i * ldc + j] += x * b[p * cols + j];
        }
    SW_FLOPS(2 * rows * cols * kv);
}

/* C[rows][cols] += A[rows][kv] · B[cols][kv]ᵀ: dot products, SIMD along kv where rows stay aligned. */
static inline void dot_tile(float *c, const float *a, const float *b, int64_t rows, int64_t cols, int64_t kv) {
    if (kv % SW_F32V_LANES == 0) {
        float lanes[SW_F32V_LANES] __attribute__((aligned(64)));
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++) {
                SW_F32V acc = sw_splat(0.0f), av, bv;
                for (int64_t p = 0; p < kv; p += SW_F32V_LANES) {
                    simd_load(av, a + i * kv + p);
                    simd_load(bv, b + j * kv + p);
                    acc = simd_vmas(av, bv, acc);
                }
                simd_store(acc, lanes);
                float sum = 0;
                for (int l = 0; l < SW_F32V_LANES; l++) sum += lanes[l];
                c[i * cols + j] += sum;
            }
        return;
    }
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) {
            float sum = 0;
            for (int64_t p = 0; p < kv; p++) sum += a[i * kv + p] * b[j * kv + p];
            c[i * cols + j] += sum;
        }
    SW_FLOPS(2 * rows * cols * kv);
}

#endif /* GLM_SW_MMA_H */

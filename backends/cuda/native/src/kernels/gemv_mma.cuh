// What the weight-only GEMV kernels on tensor cores (gemv_int4.cu, gemv_int8.cu) share: the quantized
// weights are mma.sync m16n8k16's A operand (16 output features), 1–16 activation rows its B operand
// (one or two 8-column tiles), fp32 accumulation; the integer → fp16 conversions by bit tricks and their
// CPU-emulator versions; 16-byte weight loads; and the epilogue (alpha, the per-row scale, the bias and
// beta · addend, rounded once to fp16). Fragment layouts: tensor_core.cuh.
#pragma once

#include "tensor_core.cuh"

namespace glm {
namespace qmma {

constexpr int kMaxRows = 16;  // activation rows: two n8 tiles

__device__ __forceinline__ uint32_t as_u32(__half2 v) { return *reinterpret_cast<const uint32_t*>(&v); }
__device__ __forceinline__ __half2 as_half2(uint32_t v) { return *reinterpret_cast<const __half2*>(&v); }

// (a & b) ^ c in one LOP3 (the emulator: plain C).
__device__ __forceinline__ uint32_t and_xor(uint32_t a, uint32_t b, uint32_t c) {
#ifdef GLM_CUDA_EMULATE
  return (a & b) ^ c;
#else
  uint32_t h;
  asm("lop3.b32 %0, %1, %2, %3, 0x6a;\n" : "=r"(h) : "r"(a), "r"(b), "r"(c));
  return h;
#endif
}

// a · b + c with one rounding (the emulator through fp32: exact here, where every value is a small
// integer or a power of two apart).
__device__ __forceinline__ __half2 fma_half2(__half2 a, __half2 b, __half2 c) {
#ifdef GLM_CUDA_EMULATE
  return __floats2half2_rn(fmaf(__low2float(a), __low2float(b), __low2float(c)), fmaf(__high2float(a), __high2float(b), __high2float(c)));
#else
  return __hfma2(a, b, c);
#endif
}

// a − b per half (the emulator through fp32: exact for the small integers it is used on).
__device__ __forceinline__ uint32_t sub_half2(uint32_t a, __half2 b) {
#ifdef GLM_CUDA_EMULATE
  const __half2 x = as_half2(a);
  return as_u32(__floats2half2_rn(__low2float(x) - __low2float(b), __high2float(x) - __high2float(b)));
#else
  return as_u32(__hsub2(as_half2(a), b));
#endif
}

// tc::mma without `volatile` (the compiler may schedule it; the INT4 kernel's timings were taken so).
__device__ __forceinline__ void mma_f16(float (&c)[4], uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t b0, uint32_t b1) {
#ifdef GLM_CUDA_EMULATE
  tc::mma<__half>(c, {a0, a1, a2, a3}, b0, b1);
#else
  asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
#endif
}

// 16 bytes of weights, read once: through the read-only path; with L2_PREFETCH the L2 fetches the
// whole 256-byte span around them (a row's next steps, which the block's other warps read next).
template <bool L2_PREFETCH>
__device__ __forceinline__ uint4 load_weights16(const uint8_t* p) {
#ifdef GLM_CUDA_EMULATE
  return *reinterpret_cast<const uint4*>(p);
#else
  if constexpr (L2_PREFETCH) {
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.L2::256B.v4.u32 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
    return v;
  } else {
    return __ldg(reinterpret_cast<const uint4*>(p));
  }
#endif
}

// c[j]: tile j's accumulators — c[j][0], c[j][1]: feature f0 + g for activation rows 8j + 2t, 8j + 2t + 1;
// c[j][2], c[j][3]: feature f0 + g + 8. Times alpha and the row's scale, plus the bias and beta · addend,
// rounded once to fp16.
template <int TILES>
__device__ __forceinline__ void store_outputs(const GemmParams& p, int64_t f0, int g, int t, const float (&c)[TILES][4]) {
  const __half* bias = static_cast<const __half*>(p.bias);
  const __half* scale = static_cast<const __half*>(p.scale);
  __half* y = static_cast<__half*>(p.c);
#pragma unroll
  for (int j = 0; j < TILES; ++j)
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      const int64_t n = f0 + g + (r >= 2 ? 8 : 0);
      const int64_t m = 8 * j + 2 * t + (r & 1);
      if (n < p.n && m < p.m) {
        float v = c[j][r] * p.alpha;
        if (scale) v *= __half2float(scale[n]);
        if (bias) v += __half2float(bias[n]);
        if (p.addend) v = fmaf(static_cast<float>(p.beta), __half2float(static_cast<const __half*>(p.addend)[m * p.ldc + n]), v);
        y[m * p.ldc + n] = __float2half(v);
      }
    }
}

// The partial sums of a warp's ACCS accumulator sets, then of a block's WARPS warps (which split K),
// meet in shared memory; warp 0 stores. A block of GROUPS feature groups (16 features each, from f0)
// reduces them all behind one barrier.
template <int WARPS, int TILES, int ACCS, int GROUPS>
__device__ __forceinline__ void reduce_and_store_groups(const GemmParams& p, int64_t f0, float (&sets)[GROUPS][ACCS][TILES][4]) {
  __shared__ float partial[GROUPS][WARPS][TILES][4][32];
  const int warp = threadIdx.x >> 5;
  const int lane = threadIdx.x & 31;
#pragma unroll
  for (int gi = 0; gi < GROUPS; ++gi) {
    float (&c)[TILES][4] = sets[gi][0];
#pragma unroll
    for (int a = 1; a < ACCS; ++a)
#pragma unroll
      for (int j = 0; j < TILES; ++j)
#pragma unroll
        for (int r = 0; r < 4; ++r) c[j][r] += sets[gi][a][j][r];
#pragma unroll
    for (int j = 0; j < TILES; ++j)
#pragma unroll
      for (int r = 0; r < 4; ++r) partial[gi][warp][j][r][lane] = c[j][r];
  }
  __syncthreads();
  if (warp != 0) return;
#pragma unroll
  for (int gi = 0; gi < GROUPS; ++gi) {
    float (&c)[TILES][4] = sets[gi][0];
#pragma unroll
    for (int w = 1; w < WARPS; ++w)
#pragma unroll
      for (int j = 0; j < TILES; ++j)
#pragma unroll
        for (int r = 0; r < 4; ++r) c[j][r] += partial[gi][w][j][r][lane];
    store_outputs<TILES>(p, f0 + 16 * gi, lane >> 2, lane & 3, c);
  }
}

// One feature group of 16 (the kernels whose block owns 16 features).
template <int WARPS, int TILES, int ACCS>
__device__ __forceinline__ void reduce_and_store(const GemmParams& p, int64_t f0, float (&sets)[ACCS][TILES][4]) {
  reduce_and_store_groups<WARPS, TILES, ACCS, 1>(p, f0, reinterpret_cast<float (&)[1][ACCS][TILES][4]>(sets));
}

// The k loop of one warp of the weight-only GEMVs: steps warp, warp + WARPS, …, UNROLL of them a turn.
// load(Step&, step) reads one step's weights and activations into registers, use(const Step&)
// converts and multiplies them. PIPELINED keeps two register sets in turn, so that while one set's
// steps are converted and multiplied, the other's loads fly.
template <int UNROLL, int WARPS, bool PIPELINED, typename Step, typename Load, typename Use>
__device__ __forceinline__ void for_each_step(int warp, int steps, Load load, Use use) {
  constexpr int kStride = UNROLL * WARPS;
  auto load_all = [&](Step (&s)[UNROLL], int step) {
#pragma unroll
    for (int u = 0; u < UNROLL; ++u)
      if (step + u * WARPS < steps) load(s[u], step + u * WARPS);
  };
  auto use_all = [&](const Step (&s)[UNROLL], int step) {
#pragma unroll
    for (int u = 0; u < UNROLL; ++u)
      if (step + u * WARPS < steps) use(s[u]);
  };
  if constexpr (!PIPELINED) {
    for (int step = warp; step < steps; step += kStride) {
      Step batch[UNROLL];
      load_all(batch, step);
      use_all(batch, step);
    }
  } else {
    Step a[UNROLL], b[UNROLL];
    int step = warp;
    load_all(a, step);
    while (step < steps) {
      load_all(b, step + kStride);
      use_all(a, step);
      step += kStride;
      if (step >= steps) break;
      load_all(a, step + kStride);
      use_all(b, step);
      step += kStride;
    }
  }
}

}  // namespace qmma
}  // namespace glm

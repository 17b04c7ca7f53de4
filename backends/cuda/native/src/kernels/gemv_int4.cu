// INT4 weights times 1–8 rows of fp16 activations (decode) on tensor cores. The weights are in the
// release's layout: two values per byte (the first in the high nibble), one fp16 scale per output row.
// They are the A operand of mma.sync m16n8k16 (16 output features), the activations the B operand (8
// columns, one per activation row), fp32 accumulation. The nibbles become fp16 without integer→float
// conversions: a nibble n (sign bit flipped, n' = n ^ 8 = value + 8) put into the mantissa of 1024.0
// gives 1024 + n' exactly, and subtracting 1032 leaves the value. One 32-bit word holds eight
// nibbles; LOP3 takes nibbles j and j+4 into one half2 at once, so the k order inside a word is
// permuted (h_j = elements (e1,e5), (e0,e4), (e3,e7), (e2,e6)) — the activations are permuted the
// same way with byte permutes, which leaves the dot product unchanged.
//
// A block of WARPS warps owns 16 output features; the warps share K in 128-element steps, each lane
// loading 16 bytes of each of its two rows per step straight into registers, UNROLL steps before it
// uses any, and their partial sums meet in shared memory. The kernel issues an instruction in about
// half of the schedulers' cycles (Nsight Compute), so the nibble conversion is kept short. Staging the
// weights through shared memory with cp.async, as the fp16 small-M product does, was slower in every
// tiling tried (cuda-notes.md, version 11). The CPU emulator runs it too (tensor_core.cuh's mma).
#include "../cuda_kernels.h"
#include "tensor_core.cuh"

namespace glm {
namespace {

constexpr int kI4MaxRows = 8;  // activation rows: the n of m16n8k16
constexpr int kI4Step = 128;   // k elements per warp step: 4 lanes × 16 bytes × 2 nibbles per row

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

__device__ __forceinline__ uint32_t as_u32(__half2 v) { return *reinterpret_cast<const uint32_t*>(&v); }
__device__ __forceinline__ __half2 as_half2(uint32_t v) { return *reinterpret_cast<const __half2*>(&v); }

// The eight signed nibbles of `word` as four half2: h[j] holds nibbles j and j + 4. One LOP3 masks a
// nibble pair, flips its sign bits (n' = n ^ 8 = value + 8) and ORs in 1024.0's exponent: the
// constant 0x6408_6408 is 1024.0 with bit 3 of each low nibble set, and (word & mask) ^ it does all
// three, the mask and 1024.0's bits being disjoint. Nibbles 0/4 and 2/6 then read 1024 + n', less
// 1032 the value. Nibbles 1/5 and 3/7 are taken where they are, at bit 4: (1024 + 16·n') / 16 − 72,
// one fused multiply-add, exact in fp16 — which saves the shifts that would bring them down.
__device__ __forceinline__ void nibbles_to_half2x4(uint32_t word, uint32_t (&h)[4]) {
  const __half2 bias_low = __half2(__float2half(1032.f), __float2half(1032.f));
  const __half2 sixteenth = __half2(__float2half(0.0625f), __float2half(0.0625f));
  const __half2 bias_high = __half2(__float2half(-72.f), __float2half(-72.f));
  const uint32_t upper = word >> 8;
  h[0] = as_u32(__hsub2(as_half2(and_xor(word, 0x000f000fu, 0x64086408u)), bias_low));
  h[1] = as_u32(fma_half2(as_half2(and_xor(word, 0x00f000f0u, 0x64806480u)), sixteenth, bias_high));
  h[2] = as_u32(__hsub2(as_half2(and_xor(upper, 0x000f000fu, 0x64086408u)), bias_low));
  h[3] = as_u32(fma_half2(as_half2(and_xor(upper, 0x00f000f0u, 0x64806480u)), sixteenth, bias_high));
}

// tc::mma without `volatile` (the compiler may schedule it; this kernel's timings were taken so).
__device__ __forceinline__ void mma_f16(float (&c)[4], uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t b0, uint32_t b1) {
#ifdef GLM_CUDA_EMULATE
  tc::mma<__half>(c, {a0, a1, a2, a3}, b0, b1);
#else
  asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
#endif
}

// One warp step: a lane's 16 bytes of its two rows and the 32 activations they multiply.
struct I4Step {
  uint4 lo, hi;
  uint4 xs[4];

  __device__ __forceinline__ void load(const uint8_t* w_lo, const uint8_t* w_hi, const __half* x, int step, bool has_x) {
    lo = __ldg(reinterpret_cast<const uint4*>(w_lo + static_cast<int64_t>(step) * (kI4Step / 2)));
    hi = __ldg(reinterpret_cast<const uint4*>(w_hi + static_cast<int64_t>(step) * (kI4Step / 2)));
#pragma unroll
    for (int q = 0; q < 4; ++q) xs[q] = has_x ? *reinterpret_cast<const uint4*>(x + static_cast<int64_t>(step) * kI4Step + 8 * q) : make_uint4(0, 0, 0, 0);
  }

  __device__ __forceinline__ void accumulate(float (&c)[4]) const {
    const uint32_t lo_words[4] = {lo.x, lo.y, lo.z, lo.w};
    const uint32_t hi_words[4] = {hi.x, hi.y, hi.z, hi.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      // Word i holds elements 8i..8i+7 of this lane's 32; xs[i] holds their activations (x0,x1)…(x6,x7).
      const uint32_t x01 = xs[i].x, x23 = xs[i].y, x45 = xs[i].z, x67 = xs[i].w;
      // Nibbles (j, j+4) of a word are elements: j=0 → (e1,e5), 1 → (e0,e4), 2 → (e3,e7), 3 → (e2,e6).
      uint32_t l[4], h[4];
      nibbles_to_half2x4(lo_words[i], l);
      nibbles_to_half2x4(hi_words[i], h);
      mma_f16(c, l[0], h[0], l[1], h[1], __byte_perm(x01, x45, 0x7632), __byte_perm(x01, x45, 0x5410));
      mma_f16(c, l[2], h[2], l[3], h[3], __byte_perm(x23, x67, 0x7632), __byte_perm(x23, x67, 0x5410));
    }
  }
};

// c0, c1: feature f0 + g for activation rows 2t, 2t+1; c2, c3: feature f0 + g + 8. Times alpha and
// the row's scale, plus the bias and beta · addend, rounded once to fp16.
__device__ __forceinline__ void store_i4_outputs(const GemmParams& p, int64_t f0, int g, int t, const float (&c)[4]) {
  const __half* bias = static_cast<const __half*>(p.bias);
  const __half* scale = static_cast<const __half*>(p.scale);
  __half* y = static_cast<__half*>(p.c);
#pragma unroll
  for (int r = 0; r < 4; ++r) {
    const int64_t n = f0 + g + (r >= 2 ? 8 : 0);
    const int64_t m = 2 * t + (r & 1);
    if (n < p.n && m < p.m) {
      float v = c[r] * p.alpha;
      if (scale) v *= __half2float(scale[n]);
      if (bias) v += __half2float(bias[n]);
      if (p.addend) v = fmaf(static_cast<float>(p.beta), __half2float(static_cast<const __half*>(p.addend)[m * p.ldc + n]), v);
      y[m * p.ldc + n] = __float2half(v);
    }
  }
}

constexpr int kI4Warps = 4;

template <int WARPS, int UNROLL>
__global__ void __launch_bounds__(WARPS * 32) gemv_i4_mma_kernel(GemmParams p) {
  __shared__ float partial[WARPS][32][4];
  const int warp = threadIdx.x >> 5;
  const int lane = threadIdx.x & 31;
  const int g = lane >> 2;
  const int t = lane & 3;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * 16;
  // Rows past N read row N−1 (their sums are never stored); activation rows past M read zeros.
  const int64_t row_lo = min(n0 + g, p.n - 1);
  const int64_t row_hi = min(n0 + g + 8, p.n - 1);
  const int64_t row_bytes = p.ldb / 2;
  const uint8_t* w_lo = static_cast<const uint8_t*>(p.b) + row_lo * row_bytes + 16 * t;
  const uint8_t* w_hi = static_cast<const uint8_t*>(p.b) + row_hi * row_bytes + 16 * t;
  const bool has_x = g < p.m;
  const __half* x = static_cast<const __half*>(p.a) + (has_x ? g : 0) * p.lda + 32 * t;
  const int steps = static_cast<int>(p.k / kI4Step);

  float c[4] = {0.f, 0.f, 0.f, 0.f};
  for (int step = warp; step < steps; step += UNROLL * WARPS) {
    I4Step batch[UNROLL];
#pragma unroll
    for (int u = 0; u < UNROLL; ++u)
      if (step + u * WARPS < steps) batch[u].load(w_lo, w_hi, x, step + u * WARPS, has_x);
#pragma unroll
    for (int u = 0; u < UNROLL; ++u)
      if (step + u * WARPS < steps) batch[u].accumulate(c);
  }
#pragma unroll
  for (int r = 0; r < 4; ++r) partial[warp][lane][r] = c[r];
  __syncthreads();
  if (warp != 0) return;
#pragma unroll
  for (int w = 1; w < WARPS; ++w)
#pragma unroll
    for (int r = 0; r < 4; ++r) c[r] += partial[w][lane][r];
  store_i4_outputs(p, n0, g, t, c);
}

// sm_80+ (mma.sync m16n8k16) or the CPU emulator, unless GLM_CUDA_I4_MMA=0 asks for the SIMT GEMV.
bool tensor_core_gemv() {
  static const bool enabled = tensor_cores_enabled("GLM_CUDA_I4_MMA");
  return enabled;
}

}  // namespace

bool gemv_i4_tensor_core_fits(const GemmParams& p) {
  return p.type_b == I4 && p.type_ab == F16 && p.type_c == F16 && p.trans_b && p.batch == 1 && p.m >= 1 && p.m <= kI4MaxRows &&
         p.k % kI4Step == 0 && aligned16(p.a) && (p.lda * 2) % 16 == 0 && aligned16(p.b) && (p.ldb / 2) % 16 == 0 && tensor_core_gemv();
}

// Four steps in flight for the widest batch-1 products (the up-projection, 65,536 features: 0.118–0.119
// against 0.120–0.122 ms with two on an H200); two elsewhere (with four, batch 4's up-projection
// takes 0.134 against 0.128 and the 12,288-feature products are 5–15 % slower; bench/cuda/gemv-int4.cu,
// cuda-notes.md version 11).
void launch_gemv_i4_tensor_core(const GemmParams& p, Stream s) {
  const dim3 grid(static_cast<unsigned>((p.n + 15) / 16)), block(kI4Warps * 32);
  if (p.n >= 49152 && p.m == 1) launch(gemv_i4_mma_kernel<kI4Warps, 4>, grid, block, 0, s, p);
  else launch(gemv_i4_mma_kernel<kI4Warps, 2>, grid, block, 0, s, p);
}

}  // namespace glm

// INT8 weights times 1–16 rows of fp16 activations (decode) on tensor cores. The weights are the
// release's INT8 layout: one signed byte per value, row-major [N, K], one fp16 scale per output row.
// As in gemv_int4.cu they are mma.sync m16n8k16's A operand (16 output features) and the activations
// its B operand (one 8-column tile per 8 activation rows), fp32 accumulation (gemv_mma.cuh).
//
// Bytes become fp16 without integer→float conversions: a byte b with its sign bit flipped (b' = b ^
// 0x80 = value + 128, one XOR for a word's four) placed by a byte permute under 1024.0's exponent byte
// (0x64) reads 1024 + b' exactly; subtracting 1152 leaves the value. One permute takes bytes 0 and 2
// into a half2, another bytes 1 and 3, so inside a word the k order is (e0,e2), (e1,e3) — the
// activations are permuted the same way with byte permutes, which leaves the dot product unchanged.
//
// A block of WARPS warps owns 16 output features; the warps share K in 64-element steps, each lane
// loading 16 bytes of each of its two rows per step straight into registers, UNROLL steps before it
// uses any (PIPELINED: the next UNROLL steps load while the current ones are used), and the partial
// sums meet in shared memory. The CPU emulator runs it too (tensor_core.cuh's mma).
#include "../cuda_kernels.h"
#include "gemv_mma.cuh"

namespace glm {
namespace {

using qmma::mma_f16;

constexpr int kI8Step = 64;  // k elements per warp step: 4 lanes × 16 bytes per row

// Four signed bytes as two half2: h[0] = (e0, e2), h[1] = (e1, e3).
__device__ __forceinline__ void bytes_to_half2x2(uint32_t word, uint32_t (&h)[2]) {
  const __half2 bias = __half2(__float2half(1152.f), __float2half(1152.f));
  const uint32_t flipped = word ^ 0x80808080u;
  h[0] = qmma::sub_half2(__byte_perm(flipped, 0x64646464u, 0x4240), bias);
  h[1] = qmma::sub_half2(__byte_perm(flipped, 0x64646464u, 0x4341), bias);
}

// One warp step: a lane's 16 bytes of its two rows and, per tile, the 16 activations they multiply.
template <int TILES, bool L2_PREFETCH, int ACCS>
struct I8Step {
  uint4 lo, hi;
  uint4 xs[TILES][2];

  __device__ __forceinline__ void load(const uint8_t* w_lo, const uint8_t* w_hi, const __half* const (&x)[TILES], const bool (&has_x)[TILES],
                                       int step) {
    lo = qmma::load_weights16<L2_PREFETCH>(w_lo + static_cast<int64_t>(step) * kI8Step);
    hi = qmma::load_weights16<L2_PREFETCH>(w_hi + static_cast<int64_t>(step) * kI8Step);
#pragma unroll
    for (int j = 0; j < TILES; ++j)
#pragma unroll
      for (int q = 0; q < 2; ++q)
        xs[j][q] = has_x[j] ? *reinterpret_cast<const uint4*>(x[j] + static_cast<int64_t>(step) * kI8Step + 8 * q) : make_uint4(0, 0, 0, 0);
  }

  // The MMAs take turns over ACCS accumulator sets, so that each waits on fewer before it.
  __device__ __forceinline__ void accumulate(float (&c)[ACCS][TILES][4]) const {
    const uint32_t lo_words[4] = {lo.x, lo.y, lo.z, lo.w};
    const uint32_t hi_words[4] = {hi.x, hi.y, hi.z, hi.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      // Word i holds elements 4i..4i+3 of this lane's 16.
      uint32_t l[2], h[2];
      bytes_to_half2x2(lo_words[i], l);
      bytes_to_half2x2(hi_words[i], h);
#pragma unroll
      for (int j = 0; j < TILES; ++j) {
        const uint4 xv = xs[j][i >> 1];
        const uint32_t x01 = (i & 1) ? xv.z : xv.x, x23 = (i & 1) ? xv.w : xv.y;
        mma_f16(c[i % ACCS][j], l[0], h[0], l[1], h[1], __byte_perm(x01, x23, 0x5410), __byte_perm(x01, x23, 0x7632));
      }
    }
  }
};

// WARPS per 16 features, UNROLL steps loaded before the first is used, TILES of 8 activation rows,
// PIPELINED, L2_PREFETCH and ACCS as in gemv_int4.cu; each measured in bench/cuda/gemv-int8.cu.
template <int WARPS, int UNROLL, int TILES, bool PIPELINED, bool L2_PREFETCH, int ACCS = 1>
__global__ void __launch_bounds__(WARPS * 32) gemv_i8_mma_kernel(GemmParams p) {
  using Step = I8Step<TILES, L2_PREFETCH, ACCS>;
  const int warp = threadIdx.x >> 5;
  const int lane = threadIdx.x & 31;
  const int g = lane >> 2;
  const int t = lane & 3;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * 16;
  // Rows past N read row N−1 (their sums are never stored); activation rows past M read zeros.
  const int64_t row_lo = min(n0 + g, p.n - 1);
  const int64_t row_hi = min(n0 + g + 8, p.n - 1);
  const uint8_t* w_lo = static_cast<const uint8_t*>(p.b) + row_lo * p.ldb + 16 * t;
  const uint8_t* w_hi = static_cast<const uint8_t*>(p.b) + row_hi * p.ldb + 16 * t;
  const __half* x[TILES];
  bool has_x[TILES];
#pragma unroll
  for (int j = 0; j < TILES; ++j) {
    has_x[j] = 8 * j + g < p.m;
    x[j] = static_cast<const __half*>(p.a) + (has_x[j] ? 8 * j + g : 0) * p.lda + 16 * t;
  }
  const int steps = static_cast<int>(p.k / kI8Step);

  float c[ACCS][TILES][4] = {};
  qmma::for_each_step<UNROLL, WARPS, PIPELINED, Step>(
      warp, steps, [&](Step& s, int step) { s.load(w_lo, w_hi, x, has_x, step); }, [&](const Step& s) { s.accumulate(c); });
  qmma::reduce_and_store<WARPS, TILES, ACCS>(p, n0, c);
}

// sm_80+ (mma.sync m16n8k16) or the CPU emulator, unless GLM_CUDA_I8_MMA=0 asks for the SIMT GEMV.
bool i8_tensor_core_gemv() {
  static const bool enabled = tensor_cores_enabled("GLM_CUDA_I8_MMA");
  return enabled;
}

constexpr int kI8Warps = 4;

}  // namespace

bool gemv_i8_tensor_core_fits(const GemmParams& p) {
  return p.type_b == I8 && p.type_ab == F16 && p.type_c == F16 && p.trans_b && p.batch == 1 && p.m >= 1 && p.m <= qmma::kMaxRows &&
         p.k % kI8Step == 0 && aligned16(p.a) && (p.lda * 2) % 16 == 0 && aligned16(p.b) && p.ldb % 16 == 0 && i8_tensor_core_gemv();
}

// Measured on an H100 (bench/cuda/gemv-int8.cu; cuda-notes.md, version 12): 4 warps × 2 steps with the
// L2 256-byte prefetch hint reads at 88–98 % of the copy ceiling at batch 1 and 86–96 % at batch 16;
// the batch-1 up-projection (65,536 features) gains another 2 % pipelined with two accumulator sets
// (0.263 against 0.270 ms).
void launch_gemv_i8_tensor_core(const GemmParams& p, Stream s) {
  const dim3 grid(static_cast<unsigned>((p.n + 15) / 16)), block(kI8Warps * 32);
  if (p.m > 8) launch(gemv_i8_mma_kernel<kI8Warps, 2, 2, false, true>, grid, block, 0, s, p);
  else if (p.n >= 49152 && p.m == 1) launch(gemv_i8_mma_kernel<kI8Warps, 2, 1, true, true, 2>, grid, block, 0, s, p);
  else launch(gemv_i8_mma_kernel<kI8Warps, 2, 1, false, true>, grid, block, 0, s, p);
}

}  // namespace glm

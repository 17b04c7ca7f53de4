// Products of a decode batch (1–16 activation rows) with half-precision weights [N, K] on tensor cores,
// for the case where cuBLASLt reads the weights slowest (≈ 3.7–4.0 TB/s at M = 16 on an H200) and
// Triton's autotuned kernels in compiled PyTorch were 5–10 % faster than cuBLAS on an H100. The
// default for 5–16 rows (GLM_CUDA_SMALL_M_MMA=0 turns it off): it beats cuBLASLt at all four
// GLM-130B decode products on an H200, alone and under Nsight Compute in the layer
// (docs/bench/cuda-notes.md, versions 7–10).
//
// A block owns all 16 rows and BN output features and walks K in tiles of BK, staging each tile's
// weights [BN, BK] and activations [16, BK] through shared memory with cp.async, STAGES − 1 tiles in
// flight. The activations are mma.sync m16n8k16's A operand, the weights its B operand read with
// ldmatrix straight from their [n][k] rows. WARPS_N × WARPS_K warps: each owns BN / WARPS_N features
// and every WARPS_K-th 16-wide k step of a tile; the k groups' sums meet in shared memory at the end.
// Splitting a tile's k steps keeps each warp's chain of dependent MMAs short, so a tile is consumed
// soon after it lands.
// Weights are read once, so they bypass L1 (.cg); every block re-reads the whole activation matrix, and
// the 2–4 blocks of a multiprocessor read the same tile at about the same time, so activations go
// through L1 (.ca: the down-projection 0.1925 ms against 0.1968 through L2 only).
// Rows are swizzled (16-byte chunk c of row r stored at c ^ (r mod 8)) so the 8 rows an ldmatrix
// reads fall in 8 bank groups; rows past N or M and chunks past K are zero-filled, so any shape with
// K % 8 = 0 runs. The CPU emulator runs it too (tensor_core.cuh's emulated instructions).
#include "../cuda_kernels.h"
#include "tensor_core.cuh"

namespace glm {

namespace {

constexpr int kRows = 16;  // activation rows per block (the m of m16n8k16)

template <int BN, int BK, int STAGES, int WARPS_N, int WARPS_K>
struct SmallMTiling {
  static_assert(BN % (16 * WARPS_N) == 0, "each warp owns a multiple of 16 features");
  static_assert((BK / 16) % WARPS_K == 0, "the k groups share a tile's 16-wide steps evenly");
  static_assert(BK >= 64, "the swizzle needs at least 8 chunks per row");
  static constexpr int kTileK = BK;
  static constexpr int kWarpsK = WARPS_K;
  static constexpr int kWarps = WARPS_N * WARPS_K;
  static constexpr int kThreads = kWarps * 32;
  static constexpr int kFeaturesPerWarp = BN / WARPS_N;
  static constexpr int kTilesPerWarp = kFeaturesPerWarp / 8;  // n8 tiles
  static constexpr int kChunksPerRow = BK / 8;                // 16-byte chunks of a tile row
  static constexpr int kStageElems = (BN + kRows) * BK;       // the weight tile, then the activation tile
  // The stages, which also hold the k groups' partial sums at the end (2-byte element types).
  static constexpr size_t kStageBytes = static_cast<size_t>(kStageElems) * 2;
  static constexpr size_t kPartialBytes = static_cast<size_t>(WARPS_K - 1) * BN * kRows * sizeof(float);
  static constexpr size_t kSmemBytes = STAGES * kStageBytes > kPartialBytes ? STAGES * kStageBytes : kPartialBytes;
  // Blocks per multiprocessor that the stages leave room for (227 KiB), at most as many as 64
  // registers a thread allow: the budget ptxas is held to, so that registers do not become the tighter
  // limit (unbounded, the 2-warp tilings took up to 157 registers).
  static constexpr int kFit = static_cast<int>((227 * 1024) / (STAGES * kStageBytes));
  static constexpr int kByRegisters = 65536 / (kThreads * 64);
  static constexpr int kMinBlocks = kFit < 1 ? 1 : kFit > kByRegisters ? kByRegisters : kFit;
  // Element offset of logical 16-byte chunk `chunk` of tile row `row` (swizzled).
  __device__ static __forceinline__ int at(int row, int chunk) { return row * BK + ((chunk ^ (row & 7)) << 3); }
};

// This warp's share of one staged tile: its k steps (every WARPS_K-th from warp_k) against its features.
template <typename T, typename Tiling>
__device__ __forceinline__ void multiply_tile(const T* sw, const T* sx, int warp_n, int warp_k, int lane, float (&acc)[Tiling::kTilesPerWarp][4]) {
#pragma unroll
  for (int i = 0; i < Tiling::kTileK / 16 / Tiling::kWarpsK; ++i) {
    const int kk = i * Tiling::kWarpsK + warp_k;
    uint32_t a[4];  // rows lane % 16, k chunk 2·kk + lane / 16: a0..a3 in the mma's order
    tc::ldmatrix_x4(a, sx + Tiling::at(lane & 15, 2 * kk + (lane >> 4)));
#pragma unroll
    for (int j = 0; j < Tiling::kTilesPerWarp / 2; ++j) {
      // Features 16j + lane % 8 (+8 for lanes 16–31), k chunk 2·kk + (lane / 8) % 2: b0, b1 of the
      // first n8 tile, then of the second.
      const int row = warp_n * Tiling::kFeaturesPerWarp + 16 * j + (lane & 7) + ((lane >> 4) << 3);
      uint32_t b[4];
      tc::ldmatrix_x4(b, sw + Tiling::at(row, 2 * kk + ((lane >> 3) & 1)));
      tc::mma<T>(acc[2 * j], a, b[0], b[1]);
      tc::mma<T>(acc[2 * j + 1], a, b[2], b[3]);
    }
  }
}

// After the last tile (the stages no longer in use): the k groups' sums added in group order through
// shared memory, then alpha, the bias and the store. acc[j][0..1]: row g, features 8j + 2t, +1 of the
// warp; acc[j][2..3]: row g + 8.
template <typename T, typename Tiling>
__device__ __forceinline__ void reduce_and_store(const GemmParams& p, int64_t n0, void* scratch, int warp_n, int warp_k, int lane,
                                                 float (&acc)[Tiling::kTilesPerWarp][4]) {
  constexpr int kTiles = Tiling::kTilesPerWarp;
  constexpr int WARPS_K = Tiling::kWarpsK;
  if constexpr (WARPS_K > 1) {
    float* partial = static_cast<float*>(scratch);  // [WARPS_K − 1][WARPS_N][kTiles][4][32]
    __syncthreads();
    if (warp_k > 0) {
#pragma unroll
      for (int j = 0; j < kTiles; ++j)
#pragma unroll
        for (int r = 0; r < 4; ++r) partial[((((warp_k - 1) * (Tiling::kWarps / WARPS_K) + warp_n) * kTiles + j) * 4 + r) * 32 + lane] = acc[j][r];
    }
    __syncthreads();
    if (warp_k > 0) return;
#pragma unroll
    for (int k = 1; k < WARPS_K; ++k)
#pragma unroll
      for (int j = 0; j < kTiles; ++j)
#pragma unroll
        for (int r = 0; r < 4; ++r) acc[j][r] += partial[((((k - 1) * (Tiling::kWarps / WARPS_K) + warp_n) * kTiles + j) * 4 + r) * 32 + lane];
  }
  const int g = lane >> 2, t = lane & 3;
  const T* bias = static_cast<const T*>(p.bias);
  const T* addend = static_cast<const T*>(p.addend);
  const float beta = static_cast<float>(p.beta);
  T* y = static_cast<T*>(p.c);
#pragma unroll
  for (int j = 0; j < kTiles; ++j)
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      const int64_t m = g + (r >= 2 ? 8 : 0);
      const int64_t n = n0 + warp_n * Tiling::kFeaturesPerWarp + 8 * j + 2 * t + (r & 1);
      if (m < p.m && n < p.n) {
        float v = acc[j][r] * p.alpha;
        if (bias) v += to_f32(bias[n]);
        if (addend) v = fmaf(beta, to_f32(addend[m * p.ldc + n]), v);
        y[m * p.ldc + n] = from_f32<T>(v);
      }
    }
}

template <typename T, int BN, int BK, int STAGES, int WARPS_N, int WARPS_K>
__global__ void __launch_bounds__(WARPS_N * WARPS_K * 32, (SmallMTiling<BN, BK, STAGES, WARPS_N, WARPS_K>::kMinBlocks))
    gemm_small_m_kernel(GemmParams p) {
  using Tiling = SmallMTiling<BN, BK, STAGES, WARPS_N, WARPS_K>;
  constexpr int kStageElems = Tiling::kStageElems;
  // A thread copies one chunk column of every kRowStep-th row: weight rows first_row + i·kRowStep,
  // then activation rows first_row + j·kRowStep. The plan is fixed for the whole walk over K, so a
  // tile's copies cost a pointer add each (the per-copy 64-bit row arithmetic had the kernel issuing
  // ≈ 150 instructions a warp per tile).
  static_assert(Tiling::kThreads % Tiling::kChunksPerRow == 0, "threads cover whole rows");
  constexpr int kRowStep = Tiling::kThreads / Tiling::kChunksPerRow;
  static_assert(BN % kRowStep == 0, "every thread copies the same number of weight rows");
  constexpr int kWeightCopies = BN / kRowStep;
  constexpr int kActivationCopies = (kRows + kRowStep - 1) / kRowStep;
  GLM_DYN_SMEM(T, smem);
  const int chunk = threadIdx.x % Tiling::kChunksPerRow;
  const int first_row = threadIdx.x / Tiling::kChunksPerRow;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * BN;
  const T* w = static_cast<const T*>(p.b) + chunk * 8;
  const T* x = static_cast<const T*>(p.a) + chunk * 8;
  const T* w_first = w + (n0 + first_row) * p.ldb;
  const T* x_first = x + first_row * p.lda;
  const int64_t w_step = kRowStep * p.ldb, x_step = kRowStep * p.lda;
  // Weight copies whose row is inside N (rows past it, and activation rows past M, read zeros).
  const int64_t rows_left = p.n - n0 - first_row;
  const int64_t w_rows = (rows_left + kRowStep - 1) / kRowStep;
  const int w_copies = rows_left <= 0 ? 0 : w_rows < kWeightCopies ? static_cast<int>(w_rows) : kWeightCopies;
  const int k_tiles = static_cast<int>((p.k + BK - 1) / BK);

  // Tile `kt` into stage `stage`; chunks past K read zeros.
  auto load_tile = [&](int stage, int kt) {
    T* sw = smem + stage * kStageElems;
    T* sx = sw + BN * BK;
    const int64_t k0 = static_cast<int64_t>(kt) * BK;
    const bool k_inside = k0 + chunk * 8 < p.k;
    const T* src = w_first + k0;
#pragma unroll
    for (int i = 0; i < kWeightCopies; ++i, src += w_step) {
      const bool inside = k_inside && i < w_copies;
      tc::cp_async_16(sw + Tiling::at(first_row + i * kRowStep, chunk), inside ? src : w, inside ? 16 : 0);
    }
    src = x_first + k0;
#pragma unroll
    for (int j = 0; j < kActivationCopies; ++j, src += x_step) {
      const int m = first_row + j * kRowStep;
      if (kActivationCopies * kRowStep > kRows && m >= kRows) break;
      const bool inside = k_inside && m < p.m;
      tc::cp_async_16_l1(sx + Tiling::at(m, chunk), inside ? src : x, inside ? 16 : 0);
    }
  };

  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int warp_n = warp % WARPS_N, warp_k = warp / WARPS_N;
  float acc[Tiling::kTilesPerWarp][4] = {};
#pragma unroll
  for (int s = 0; s < STAGES - 1; ++s) {
    if (s < k_tiles) load_tile(s, s);
    tc::cp_async_commit();  // empty groups too, so the wait count below stays the same
  }
  for (int kt = 0; kt < k_tiles; ++kt) {
    tc::cp_async_wait<STAGES - 2>();
    __syncthreads();  // tile kt is visible, and every warp is done with the stage the next load reuses
    const int next = kt + STAGES - 1;
    if (next < k_tiles) load_tile(next % STAGES, next);
    tc::cp_async_commit();
    const T* sw = smem + (kt % STAGES) * kStageElems;
    multiply_tile<T, Tiling>(sw, sw + BN * BK, warp_n, warp_k, lane, acc);
  }
  tc::cp_async_wait<0>();
  reduce_and_store<T, Tiling>(p, n0, smem, warp_n, warp_k, lane, acc);
}

template <typename T, int BN, int BK, int STAGES, int WARPS_N, int WARPS_K>
void launch_tiling(const GemmParams& p, Stream s) {
  using Tiling = SmallMTiling<BN, BK, STAGES, WARPS_N, WARPS_K>;
#ifndef GLM_CUDA_EMULATE
  static bool configured = false;  // the > 48 KiB dynamic shared memory opt-in, once per kernel
  if (!configured) {
    cudaFuncSetAttribute(gemm_small_m_kernel<T, BN, BK, STAGES, WARPS_N, WARPS_K>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                         static_cast<int>(Tiling::kSmemBytes));
    configured = true;
  }
#endif
  launch(gemm_small_m_kernel<T, BN, BK, STAGES, WARPS_N, WARPS_K>, dim3(static_cast<unsigned>((p.n + BN - 1) / BN)), dim3(Tiling::kThreads),
         Tiling::kSmemBytes, s, p);
}

// Chosen per output width from bench/cuda/gemm-small-m.cu on an H200 at GLM-130B's decode shapes
// (cuda-notes.md versions 7 and 9): wide products (the up-projection, 65536 features) take 64-feature
// blocks, QKV-sized ones five stages (0.215 ms against three stages' 0.233) and narrow ones (12288
// features) four.
template <typename T>
void launch_default_tiling(const GemmParams& p, Stream s) {
  if (p.n >= 49152) launch_tiling<T, 64, 128, 4, 4, 2>(p, s);
  else if (p.n >= 24576) launch_tiling<T, 32, 128, 5, 2, 4>(p, s);
  else launch_tiling<T, 32, 128, 4, 2, 4>(p, s);
}

}  // namespace

bool small_m_gemm_fits(const GemmParams& p) {
  const int64_t es = static_cast<int64_t>(dtype_bytes(p.type_ab));
  return (p.type_ab == F16 || p.type_ab == BF16) && p.type_b == p.type_ab && p.type_c == p.type_ab && p.trans_b && p.batch == 1 &&
         p.m >= 1 && p.m <= kSmallMMaxRows && p.k % 8 == 0 && aligned16(p.a) && aligned16(p.b) && (p.lda * es) % 16 == 0 &&
         (p.ldb * es) % 16 == 0;
}

void launch_gemm_small_m(const GemmParams& p, Stream s) {
  if (p.type_ab == F16) launch_default_tiling<__half>(p, s);
  else launch_default_tiling<__nv_bfloat16>(p, s);
}

}  // namespace glm

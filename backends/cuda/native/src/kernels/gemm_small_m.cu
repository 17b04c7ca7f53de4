// Products with a few activation rows (a decode batch: 5 to 16) and half-precision weights [N, K] on
// tensor cores, for the case cuBLASLt reads the weights slowest at (≈ 3.9 TB/s at M = 16 on an H200).
// The weights are the A operand of mma.sync m16n8k16 (16 output features a tile), the activations the
// B operand (8 rows a tile, two tiles for M > 8), fp32 accumulation.
//
// The k order is permuted so that every load is 16 contiguous bytes: lane (g = lane/4, t = lane%4)
// reads halves 8t..8t+7 of a 32-wide k chunk, of weight rows g and g+8 and of activation row g. An
// mma's logical k pairs (2t, 2t+1) and (2t+8, 2t+9) are then physical 8t+{0,1}, 8t+{2,3} for the
// chunk's first mma and 8t+{4,5}, 8t+{6,7} for its second — the same map for A and B, so the dot
// product is unchanged (the INT4 GEMV in gemm.cu permutes k the same way inside its words).
//
// A block of WARPS warps owns 16·TILES output features; the warps share K chunk by chunk, each with
// UNROLL chunks' loads in flight, and their partial sums meet in shared memory.
#include <type_traits>

#include "../kernels.h"

namespace glm {
namespace {

#ifndef GLM_CUDA_EMULATE
template <typename T>
__device__ __forceinline__ void mma_16816(float (&c)[4], uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t b0, uint32_t b1) {
  if constexpr (std::is_same<T, __half>::value) {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
  } else {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
  }
}

constexpr int kChunk = 32;  // k elements per warp step: 4 lanes × 8 halves

// One k chunk of a lane: its 16 bytes of each weight row and of each activation row it feeds.
template <int TILES, int ROW_TILES>
struct SmallMChunk {
  uint4 lo[TILES], hi[TILES];  // weight rows 16i + g and 16i + g + 8
  uint4 x[ROW_TILES];          // activation rows 8j + g

  __device__ __forceinline__ void load(const char* w, int64_t w_row_bytes, const char* xs, int64_t x_row_bytes, int64_t byte_k, bool (&has_x)[ROW_TILES]) {
#pragma unroll
    for (int i = 0; i < TILES; ++i) {
      lo[i] = __ldg(reinterpret_cast<const uint4*>(w + (16 * i) * w_row_bytes + byte_k));
      hi[i] = __ldg(reinterpret_cast<const uint4*>(w + (16 * i + 8) * w_row_bytes + byte_k));
    }
#pragma unroll
    for (int j = 0; j < ROW_TILES; ++j) x[j] = has_x[j] ? *reinterpret_cast<const uint4*>(xs + (8 * j) * x_row_bytes + byte_k) : make_uint4(0, 0, 0, 0);
  }

  template <typename T>
  __device__ __forceinline__ void accumulate(float (&c)[TILES][ROW_TILES][4]) const {
#pragma unroll
    for (int i = 0; i < TILES; ++i)
#pragma unroll
      for (int j = 0; j < ROW_TILES; ++j) {
        mma_16816<T>(c[i][j], lo[i].x, hi[i].x, lo[i].y, hi[i].y, x[j].x, x[j].y);
        mma_16816<T>(c[i][j], lo[i].z, hi[i].z, lo[i].w, hi[i].w, x[j].z, x[j].w);
      }
  }
};

template <typename T, int TILES, int ROW_TILES, int WARPS, int UNROLL>
__global__ void __launch_bounds__(WARPS * 32) gemm_small_m_kernel(GemmParams p) {
  __shared__ float partial[WARPS][TILES][ROW_TILES][32][4];
  const int warp = threadIdx.x >> 5;
  const int lane = threadIdx.x & 31;
  const int g = lane >> 2;
  const int t = lane & 3;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * 16 * TILES;
  // Weight rows past N read row N−1 (never stored): the tiles' rows must stay inside the matrix, so
  // the last block's base row moves back; activation rows past M read zeros.
  const int64_t base = min(n0, p.n - 16 * TILES > 0 ? p.n - 16 * TILES : int64_t{0});
  const int64_t w_row_bytes = p.ldb * static_cast<int64_t>(sizeof(T));
  const int64_t x_row_bytes = p.lda * static_cast<int64_t>(sizeof(T));
  const char* w = static_cast<const char*>(p.b) + (base + g) * w_row_bytes + 16 * t;
  const char* xs = static_cast<const char*>(p.a) + g * x_row_bytes + 16 * t;
  bool has_x[ROW_TILES];
#pragma unroll
  for (int j = 0; j < ROW_TILES; ++j) has_x[j] = 8 * j + g < p.m;
  const int chunks = static_cast<int>(p.k / kChunk);

  float c[TILES][ROW_TILES][4] = {};
  for (int chunk = warp; chunk < chunks; chunk += UNROLL * WARPS) {
    SmallMChunk<TILES, ROW_TILES> batch[UNROLL];
#pragma unroll
    for (int u = 0; u < UNROLL; ++u)
      if (chunk + u * WARPS < chunks) batch[u].load(w, w_row_bytes, xs, x_row_bytes, static_cast<int64_t>(chunk + u * WARPS) * kChunk * sizeof(T), has_x);
#pragma unroll
    for (int u = 0; u < UNROLL; ++u)
      if (chunk + u * WARPS < chunks) batch[u].template accumulate<T>(c);
  }
  if (WARPS > 1) {
#pragma unroll
    for (int i = 0; i < TILES; ++i)
#pragma unroll
      for (int j = 0; j < ROW_TILES; ++j)
#pragma unroll
        for (int r = 0; r < 4; ++r) partial[warp][i][j][lane][r] = c[i][j][r];
    __syncthreads();
    if (warp != 0) return;
#pragma unroll
    for (int w2 = 1; w2 < WARPS; ++w2)
#pragma unroll
      for (int i = 0; i < TILES; ++i)
#pragma unroll
        for (int j = 0; j < ROW_TILES; ++j)
#pragma unroll
          for (int r = 0; r < 4; ++r) c[i][j][r] += partial[w2][i][j][lane][r];
  }
  // c[i][j][0..1]: feature 16i + g, activation rows 8j + 2t, +1; [2..3]: feature 16i + g + 8.
  const T* bias = static_cast<const T*>(p.bias);
  T* y = static_cast<T*>(p.c);
#pragma unroll
  for (int i = 0; i < TILES; ++i)
#pragma unroll
    for (int j = 0; j < ROW_TILES; ++j)
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        const int64_t n = base + 16 * i + g + (r >= 2 ? 8 : 0);
        const int64_t m = 8 * j + 2 * t + (r & 1);
        // The moved-back last block stores only the features the previous block did not own.
        if (n >= n0 && n < p.n && m < p.m) {
          float v = c[i][j][r] * p.alpha;
          if (bias) v += to_f32(bias[n]);
          y[m * p.ldc + n] = from_f32<T>(v);
        }
      }
}

#endif

// The shape a decode batch's products take: 2 feature tiles a warp, 4 warps sharing K, 2 chunks in flight.
constexpr int kTiles = 2, kWarps = 4, kUnroll = 2;

bool aligned16(const void* ptr) { return (reinterpret_cast<uintptr_t>(ptr) & 15) == 0; }

}  // namespace

bool small_m_gemm_fits(const GemmParams& p) {
  const int64_t es = dtype_bytes(p.type_ab);
  return (p.type_ab == F16 || p.type_ab == BF16) && p.type_b == p.type_ab && p.type_c == p.type_ab && p.trans_b && p.batch == 1 &&
         p.m >= 1 && p.m <= 16 && p.n >= 16 * kTiles && p.k % 32 == 0 && aligned16(p.a) && aligned16(p.b) && (p.lda * es) % 16 == 0 &&
         (p.ldb * es) % 16 == 0;
}

void launch_gemm_small_m(const GemmParams& p, Stream s) {
#ifdef GLM_CUDA_EMULATE
  (void)p, (void)s, (void)kWarps, (void)kUnroll;  // PTX kernels do not run on the CPU emulator
#else
  const dim3 grid(static_cast<unsigned>((p.n + 16 * kTiles - 1) / (16 * kTiles)));
  auto go = [&](auto type) {
    using T = decltype(type);
    if (p.m <= 8) launch(gemm_small_m_kernel<T, kTiles, 1, kWarps, kUnroll>, grid, dim3(kWarps * 32), 0, s, p);
    else launch(gemm_small_m_kernel<T, kTiles, 2, kWarps, kUnroll>, grid, dim3(kWarps * 32), 0, s, p);
  };
  if (p.type_ab == F16) go(__half{});
  else go(__nv_bfloat16{});
#endif
}

}  // namespace glm

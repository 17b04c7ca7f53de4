// GLM attention for long prompts on tensor cores (sm_80+): a flash-style kernel, so the B·H·Q·K scores
// never go through device memory. One block of 4 warps per (64·MA queries, head, batch row); each warp
// owns 16·MA query rows (see FlashTiling). Per tile of BN keys: S = Q·Kᵀ with mma.sync m16n8k16 (fp16/bf16 in, fp32
// accumulate), the GLM mask and an online softmax in fp32 registers, then O += P·V with P rounded to
// the storage dtype (as the materialised path rounds it). Key tiles that no query of the block may
// see (past both the prefix and the block's last causal position) are skipped. K/V tiles are copied
// with cp.async into two stages, so the next tile's copy overlaps this tile's arithmetic.
//
// Fragment layouts are those of the PTX ISA for mma.m16n8k16 (lane = 4·g + t): A regs {row g | g+8}
// × {cols 2t,2t+1 | +8}; B regs {k 2t,2t+1 | +8} × col g; C {row g | g+8} × cols 2t, 2t+1. ldmatrix
// (.trans for V) loads them from shared memory rows padded by 16 bytes against bank conflicts.
#include "../cuda_kernels.h"
#include "tensor_core.cuh"

namespace glm {

namespace {

using tc::cp_async_commit;
using tc::cp_async_wait;
using tc::ldmatrix_x4;
using tc::ldmatrix_x4_trans;
using tc::mma;

constexpr int kWarps = 4;
constexpr float kMaskedScore = -10000.f;
constexpr float kLog2e = 1.4426950408889634f;

// The tiling of one kernel instance: MA m16 row groups per warp (16·MA queries each, 64·MA per block)
// and BN keys per K/V tile. MA = 2 halves the shared-memory reads of K and V per product (each
// fragment feeds two MMAs) and the K/V traffic per query; it keeps Q in shared memory to stay under
// the register budget, where MA = 1 holds Q's fragments in registers.
template <int D, int MA, int BN>
struct FlashTiling {
  static constexpr int kQueries = 16 * MA * kWarps;
  static constexpr int kStride = D + 8;  // elements per shared-memory row (16 bytes of padding against bank conflicts)
  static constexpr bool kQInRegisters = MA == 1;
  static constexpr int kQElems = kQueries * kStride;
  static constexpr int kTileElems = BN * kStride;
  // Q, then two stages of (K, V): the next tile's copy runs while this one is computed.
  template <typename T>
  static constexpr size_t smem_bytes() {
    return static_cast<size_t>(kQElems + 4 * kTileElems) * sizeof(T);
  }
};

__device__ __forceinline__ float fast_exp2(float x) {
#ifdef GLM_CUDA_EMULATE
  return std::exp2(x);
#else
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
#endif
}

template <typename T>
__device__ __forceinline__ uint32_t pack2(float lo, float hi);
template <>
__device__ __forceinline__ uint32_t pack2<__half>(float lo, float hi) {
  __half2 v = __floats2half2_rn(lo, hi);
  return *reinterpret_cast<uint32_t*>(&v);
}
template <>
__device__ __forceinline__ uint32_t pack2<__nv_bfloat16>(float lo, float hi) {
  __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<uint32_t*>(&v);
}

// Rows [row0, row0 + ROWS) of a [rows, D] matrix (row stride `stride`, unit last stride) into shared
// memory in 16-byte asynchronous copies (cp.async, sm_80+); rows at or past `limit` are zero-filled.
// The caller commits and waits.
template <typename T, int D, int ROWS>
__device__ __forceinline__ void load_tile_async(T* dst, const T* src, int64_t stride, int row0, int limit) {
  constexpr int kPieces = D / 8;
  constexpr int kStride = D + 8;
#pragma unroll 4
  for (int c = threadIdx.x; c < ROWS * kPieces; c += kWarps * 32) {
    const int r = c / kPieces;
    const int col = (c % kPieces) * 8;
    const bool inside = row0 + r < limit;
    const T* from = src + static_cast<int64_t>(inside ? row0 + r : 0) * stride + col;
    tc::cp_async_16(dst + r * kStride + col, from, inside ? 16 : 0);
  }
}

template <typename T, int D, int MA, int BN>
__global__ void __launch_bounds__(kWarps * 32) flash_attention_kernel(AttentionParams p) {
  using Tiling = FlashTiling<D, MA, BN>;
  constexpr int kStride = Tiling::kStride;
  GLM_DYN_SMEM(T, smem);
  T* const sq = smem;
  T* const skv = sq + Tiling::kQElems;  // stage s: K at skv + 2s·tile, V right after it
  // One x index per (query block, head): the last query blocks (the most keys) of every head come
  // first, so the last wave holds the shortest blocks (0.549 ms against 0.584 in order, H200).
  const int query_blocks = gridDim.x / p.heads;
  const int q0 = (query_blocks - 1 - static_cast<int>(blockIdx.x) / p.heads) * Tiling::kQueries;
  const int h = blockIdx.x % p.heads;
  const int b = blockIdx.z;
  const int valid = p.length ? *p.length : p.keys;
  if (valid < p.queries || valid > p.keys) {
    if (threadIdx.x == 0) atomicCAS(p.error_flag, 0, p.tag + 1);
    return;
  }
  const int context = p.context_lengths[b];
  const int offset = valid - p.queries;  // query i sits at key position offset + i
  const T* qb = static_cast<const T*>(p.q) + b * p.q_strides[0] + h * p.q_strides[1];
  const T* kb = static_cast<const T*>(p.k) + b * p.k_strides[0] + (h / p.kv_group) * p.k_strides[1];
  const T* vb = static_cast<const T*>(p.v) + b * p.v_strides[0] + (h / p.kv_group) * p.v_strides[1];

  const int warp = threadIdx.x >> 5;
  const int lane = threadIdx.x & 31;
  const int g = lane >> 2;
  const int t = lane & 3;
  const int quad = lane >> 3;  // which 8×8 matrix of an ldmatrix.x4 this lane addresses
  const int warp_row0 = warp * 16 * MA;  // this warp's first query row within the block

  const int last_query = min(q0 + Tiling::kQueries, p.queries) - 1;
  const int key_end = min(valid, max(context, offset + last_query + 1));
  load_tile_async<T, D, Tiling::kQueries>(sq, qb, p.q_strides[2], q0, p.queries);
  load_tile_async<T, D, BN>(skv, kb, p.k_strides[2], 0, valid);
  load_tile_async<T, D, BN>(skv + Tiling::kTileElems, vb, p.v_strides[2], 0, valid);
  cp_async_commit();
  cp_async_wait<0>();
  __syncthreads();

  // A fragment of Q for row group a, 16-column step kk (from registers when they hold Q).
  uint32_t qf[Tiling::kQInRegisters ? D / 16 : 1][4];
  auto q_fragment = [&](uint32_t(&r)[4], int a, int kk) {
    ldmatrix_x4(r, sq + (warp_row0 + a * 16 + (quad & 1) * 8 + (lane & 7)) * kStride + kk * 16 + (quad >> 1) * 8);
  };
  if constexpr (Tiling::kQInRegisters) {
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) q_fragment(qf[kk], 0, kk);
  }

  float o[MA][D / 8][4];
  float m_lo[MA], m_hi[MA], l_lo[MA], l_hi[MA];
#pragma unroll
  for (int a = 0; a < MA; ++a) {
#pragma unroll
    for (int n = 0; n < D / 8; ++n) o[a][n][0] = o[a][n][1] = o[a][n][2] = o[a][n][3] = 0.f;
    m_lo[a] = m_hi[a] = -INFINITY;
    l_lo[a] = l_hi[a] = 0.f;
  }
  // Scores stay raw (the row maximum of raw scores is that of scaled ones: scale > 0); the scale, in
  // log2 units for exp2, is applied inside the exponent's FMA. A masked key holds −10000 / scale raw.
  const float scale = p.scale * kLog2e;
  const float masked = kMaskedScore / p.scale;

  int stage = 0;
  for (int k0 = 0; k0 < key_end; k0 += BN) {
    // Start copying the next tile into the other stage (free: the barrier at the end of the last
    // round saw everyone finish with it), then compute on this one.
    const bool more = k0 + BN < key_end;
    if (more) {
      T* next = skv + (stage ^ 1) * 2 * Tiling::kTileElems;
      load_tile_async<T, D, BN>(next, kb, p.k_strides[2], k0 + BN, valid);
      load_tile_async<T, D, BN>(next + Tiling::kTileElems, vb, p.v_strides[2], k0 + BN, valid);
      cp_async_commit();
    }
    const T* sk = skv + stage * 2 * Tiling::kTileElems;
    const T* sv = sk + Tiling::kTileElems;

    float s[MA][BN / 8][4];
#pragma unroll
    for (int a = 0; a < MA; ++a)
#pragma unroll
      for (int n = 0; n < BN / 8; ++n) s[a][n][0] = s[a][n][1] = s[a][n][2] = s[a][n][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t qa[MA][4];
#pragma unroll
      for (int a = 0; a < MA; ++a) {
        if constexpr (Tiling::kQInRegisters) {
#pragma unroll
          for (int r = 0; r < 4; ++r) qa[a][r] = qf[kk][r];
        } else {
          q_fragment(qa[a], a, kk);
        }
      }
#pragma unroll
      for (int n = 0; n < BN / 8; n += 2) {
        uint32_t kf[4];
        ldmatrix_x4(kf, sk + (n * 8 + (quad >> 1) * 8 + (lane & 7)) * kStride + kk * 16 + (quad & 1) * 8);
#pragma unroll
        for (int a = 0; a < MA; ++a) {
          mma<T>(s[a][n], qa[a], kf[0], kf[1]);
          mma<T>(s[a][n + 1], qa[a], kf[2], kf[3]);
        }
      }
    }

    // Mask and scale; keys past `valid` do not exist (−∞), masked keys score −10000 as in the release.
    // A tile every key of which exists and is visible to all this warp's rows skips the tests.
    const bool whole = k0 + BN <= valid && (k0 + BN <= context || k0 + BN - 1 <= offset + q0 + warp_row0);
#pragma unroll
    for (int a = 0; a < MA; ++a) {
      const int row_lo = q0 + warp_row0 + a * 16 + g;
      const int row_hi = row_lo + 8;
      float tile_lo = -INFINITY, tile_hi = -INFINITY;
#pragma unroll
      for (int n = 0; n < BN / 8; ++n) {
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          if (!whole) {
            const int key = k0 + n * 8 + 2 * t + e;
            const bool exists = key < valid;
            if (!exists || !(key < context || key <= offset + row_lo)) s[a][n][e] = exists ? masked : -INFINITY;
            if (!exists || !(key < context || key <= offset + row_hi)) s[a][n][2 + e] = exists ? masked : -INFINITY;
          }
          tile_lo = fmaxf(tile_lo, s[a][n][e]);
          tile_hi = fmaxf(tile_hi, s[a][n][2 + e]);
        }
      }
#pragma unroll
      for (int w = 1; w < 4; w <<= 1) {
        tile_lo = fmaxf(tile_lo, __shfl_xor_sync(0xffffffffu, tile_lo, w));
        tile_hi = fmaxf(tile_hi, __shfl_xor_sync(0xffffffffu, tile_hi, w));
      }
      const float new_lo = fmaxf(m_lo[a], tile_lo);
      const float new_hi = fmaxf(m_hi[a], tile_hi);
      // Rows past Q see nothing real (−∞ everywhere): keep them finite, they are never written.
      const float base_lo = new_lo == -INFINITY ? 0.f : new_lo;
      const float base_hi = new_hi == -INFINITY ? 0.f : new_hi;
      const float alpha_lo = fast_exp2((m_lo[a] - base_lo) * scale);
      const float alpha_hi = fast_exp2((m_hi[a] - base_hi) * scale);
      const float shift_lo = -base_lo * scale;  // exponent = raw·scale − base·scale
      const float shift_hi = -base_hi * scale;
      m_lo[a] = new_lo;
      m_hi[a] = new_hi;
      l_lo[a] *= alpha_lo;
      l_hi[a] *= alpha_hi;
#pragma unroll
      for (int n = 0; n < D / 8; ++n) {
        o[a][n][0] *= alpha_lo;
        o[a][n][1] *= alpha_lo;
        o[a][n][2] *= alpha_hi;
        o[a][n][3] *= alpha_hi;
      }
      // The probabilities, in place of the scores.
#pragma unroll
      for (int n = 0; n < BN / 8; ++n) {
        s[a][n][0] = fast_exp2(fmaf(s[a][n][0], scale, shift_lo));
        s[a][n][1] = fast_exp2(fmaf(s[a][n][1], scale, shift_lo));
        s[a][n][2] = fast_exp2(fmaf(s[a][n][2], scale, shift_hi));
        s[a][n][3] = fast_exp2(fmaf(s[a][n][3], scale, shift_hi));
        l_lo[a] += s[a][n][0] + s[a][n][1];
        l_hi[a] += s[a][n][2] + s[a][n][3];
      }
    }

    // P·V: each pair of score n-tiles is the A fragment of one 16-key step.
#pragma unroll
    for (int kk = 0; kk < BN / 16; ++kk) {
      uint32_t pa[MA][4];
#pragma unroll
      for (int a = 0; a < MA; ++a) {
        pa[a][0] = pack2<T>(s[a][2 * kk][0], s[a][2 * kk][1]);
        pa[a][1] = pack2<T>(s[a][2 * kk][2], s[a][2 * kk][3]);
        pa[a][2] = pack2<T>(s[a][2 * kk + 1][0], s[a][2 * kk + 1][1]);
        pa[a][3] = pack2<T>(s[a][2 * kk + 1][2], s[a][2 * kk + 1][3]);
      }
#pragma unroll
      for (int n = 0; n < D / 8; n += 2) {
        uint32_t vf[4];
        ldmatrix_x4_trans(vf, sv + (kk * 16 + (quad & 1) * 8 + (lane & 7)) * kStride + n * 8 + (quad >> 1) * 8);
#pragma unroll
        for (int a = 0; a < MA; ++a) {
          mma<T>(o[a][n], pa[a], vf[0], vf[1]);
          mma<T>(o[a][n + 1], pa[a], vf[2], vf[3]);
        }
      }
    }
    if (more) cp_async_wait<0>();
    __syncthreads();  // the next stage has landed, and nobody still reads this one
    stage ^= 1;
  }

  T* ob = static_cast<T*>(p.out) + b * p.out_strides[0] + h * p.out_strides[1];
  const int64_t os = p.out_strides[3];
  const bool pairs = os == 1 && reinterpret_cast<uintptr_t>(ob) % 4 == 0 && p.out_strides[2] % 2 == 0;
#pragma unroll
  for (int a = 0; a < MA; ++a) {
    float lo = l_lo[a], hi = l_hi[a];
#pragma unroll
    for (int w = 1; w < 4; w <<= 1) {
      lo += __shfl_xor_sync(0xffffffffu, lo, w);
      hi += __shfl_xor_sync(0xffffffffu, hi, w);
    }
    const float inv_lo = 1.f / lo, inv_hi = 1.f / hi;
    const int row_lo = q0 + warp_row0 + a * 16 + g;
    const int row_hi = row_lo + 8;
#pragma unroll
    for (int n = 0; n < D / 8; ++n) {
      const int col = n * 8 + 2 * t;
      // Two neighbouring columns in one 4-byte store where the output's layout allows it.
      auto store = [&](int row, float x0, float x1) {
        T* r = ob + row * p.out_strides[2];
        if (pairs) {
          *reinterpret_cast<uint32_t*>(r + col) = pack2<T>(x0, x1);
        } else {
          r[col * os] = from_f32<T>(x0);
          r[(col + 1) * os] = from_f32<T>(x1);
        }
      };
      if (row_lo < p.queries) store(row_lo, o[a][n][0] * inv_lo, o[a][n][1] * inv_lo);
      if (row_hi < p.queries) store(row_hi, o[a][n][2] * inv_hi, o[a][n][3] * inv_hi);
    }
  }
}

bool aligned16(const void* ptr, const int64_t (&strides)[4]) {
  return reinterpret_cast<uintptr_t>(ptr) % 16 == 0 && strides[3] == 1 && strides[2] % 8 == 0 && strides[1] % 8 == 0 && strides[0] % 8 == 0;
}

template <typename T, int D, int MA, int BN>
void launch_flash(const AttentionParams& p, Stream s) {
  using Tiling = FlashTiling<D, MA, BN>;
  constexpr size_t smem = Tiling::template smem_bytes<T>();
  auto kernel = flash_attention_kernel<T, D, MA, BN>;
#ifndef GLM_CUDA_EMULATE
  static bool configured = false;  // the > 48 KiB dynamic shared memory opt-in, once per kernel
  if (!configured) {
    cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem));
    configured = true;
  }
#endif
  const int query_blocks = (p.queries + Tiling::kQueries - 1) / Tiling::kQueries;
  const dim3 grid(query_blocks * p.heads, 1, p.batch);
  launch(kernel, grid, dim3(kWarps * 32), smem, s, p);
}

// The tiling used: 32 query rows per warp, 64-key tiles. Measured on the H200 (2026-11-28,
// bench/cuda/attention-kernels.cu, GLM-130B prefill 2048, fp16): 0.589 ms against 0.639 (32 rows,
// 32-key tiles), 0.642 (16 rows, 32 keys) and 0.691 (16 rows, 64 keys), although at D = 128 ptxas
// spills some of it (44 bytes then; 72 stored / 112 loaded in the addon build now). Heavy blocks
// first and the scale inside the exponent's FMA then took it to 0.542 ms (0.549 and 0.570 each
// alone; cuda-notes.md, version 8).
template <typename T, int D>
void launch_flash_default(const AttentionParams& p, Stream s) {
  launch_flash<T, D, 2, 64>(p, s);
}

}  // namespace

bool launch_attention_tensor_core(int dtype, const AttentionParams& p, Stream s) {
  static const bool enabled = tensor_cores_enabled("GLM_CUDA_FLASH");
  if (!enabled || p.explicit_mask || (dtype != F16 && dtype != BF16) || (p.dim != 64 && p.dim != 128)) return false;
  if (!aligned16(p.q, p.q_strides) || !aligned16(p.k, p.k_strides) || !aligned16(p.v, p.v_strides)) return false;
  if (dtype == F16) {
    if (p.dim == 128) launch_flash_default<__half, 128>(p, s);
    else launch_flash_default<__half, 64>(p, s);
  } else {
    if (p.dim == 128) launch_flash_default<__nv_bfloat16, 128>(p, s);
    else launch_flash_default<__nv_bfloat16, 64>(p, s);
  }
  return true;
}

}  // namespace glm

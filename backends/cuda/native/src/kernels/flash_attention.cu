// GLM attention for long prompts on tensor cores (sm_80+): a flash-style kernel, so the B·H·Q·K scores
// never go through device memory. One block of 4 warps per (64 queries, head, batch row); each warp
// owns 16 query rows. Per tile of 64 keys: S = Q·Kᵀ with mma.sync m16n8k16 (fp16/bf16 in, fp32
// accumulate), the GLM mask and an online softmax in fp32 registers, then O += P·V with P rounded to
// the storage dtype (as the materialised path rounds it). Key tiles that no query of the block may
// see (past both the prefix and the block's last causal position) are skipped. K/V tiles are copied
// with cp.async into two stages, so the next tile's copy overlaps this tile's arithmetic.
//
// Fragment layouts are those of the PTX ISA for mma.m16n8k16 (lane = 4·g + t): A regs {row g | g+8}
// × {cols 2t,2t+1 | +8}; B regs {k 2t,2t+1 | +8} × col g; C {row g | g+8} × cols 2t, 2t+1. ldmatrix
// (.trans for V) loads them from shared memory rows padded by 16 bytes against bank conflicts.
#include "../kernels.h"

#include <cstdlib>

namespace glm {

#ifndef GLM_CUDA_EMULATE
namespace {

constexpr int kRows = 64;          // queries per block, and keys per tile
constexpr float kMaskedScore = -10000.f;
constexpr float kLog2e = 1.4426950408889634f;

template <int D>
constexpr int kStride = D + 8;  // elements per shared-memory row

// Q, then two stages of (K, V): the next tile's copy runs while this one is computed.
template <int D>
constexpr size_t smem_bytes() {
  return 5ull * kRows * kStride<D> * 2;
}

__device__ __forceinline__ uint32_t smem_address(const void* p) { return static_cast<uint32_t>(__cvta_generic_to_shared(p)); }

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(p)));
}

__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(p)));
}

template <typename T>
__device__ __forceinline__ void mma(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1);

template <>
__device__ __forceinline__ void mma<__half>(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

template <>
__device__ __forceinline__ void mma<__nv_bfloat16>(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
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

// Rows [row0, row0 + 64) of a [rows, D] matrix (row stride `stride`, unit last stride) into shared
// memory in 16-byte asynchronous copies (cp.async, sm_80+); rows at or past `limit` are zero-filled.
// The caller commits and waits.
template <typename T, int D>
__device__ __forceinline__ void load_tile_async(T* dst, const T* src, int64_t stride, int row0, int limit) {
  constexpr int kPieces = D / 8;
  for (int c = threadIdx.x; c < kRows * kPieces; c += blockDim.x) {
    const int r = c / kPieces;
    const int col = (c % kPieces) * 8;
    const bool inside = row0 + r < limit;
    const T* from = src + static_cast<int64_t>(inside ? row0 + r : 0) * stride + col;
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_address(dst + r * kStride<D> + col)), "l"(from),
                 "r"(inside ? 16 : 0));
  }
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

template <typename T, int D>
__global__ void __launch_bounds__(128) flash_attention_kernel(AttentionParams p) {
  extern __shared__ __align__(16) unsigned char smem[];
  constexpr int kTile = kRows * kStride<D>;
  T* sq = reinterpret_cast<T*>(smem);
  T* const stage_k[2] = {sq + kTile, sq + 3 * kTile};
  T* const stage_v[2] = {sq + 2 * kTile, sq + 4 * kTile};
  const int q0 = blockIdx.x * kRows;
  const int h = blockIdx.y;
  const int b = blockIdx.z;
  const int valid = p.length ? *p.length : p.keys;
  if (valid < p.queries || valid > p.keys) {
    if (threadIdx.x == 0) atomicCAS(p.error_flag, 0, p.tag + 1);
    return;
  }
  const int context = p.context_lengths[b];
  const int offset = valid - p.queries;  // query i sits at key position offset + i
  const T* qb = static_cast<const T*>(p.q) + b * p.q_strides[0] + h * p.q_strides[1];
  const T* kb = static_cast<const T*>(p.k) + b * p.k_strides[0] + h * p.k_strides[1];
  const T* vb = static_cast<const T*>(p.v) + b * p.v_strides[0] + h * p.v_strides[1];

  const int warp = threadIdx.x >> 5;
  const int lane = threadIdx.x & 31;
  const int g = lane >> 2;
  const int t = lane & 3;
  const int quad = lane >> 3;  // which 8×8 matrix of an ldmatrix.x4 this lane addresses
  const int row_lo = q0 + warp * 16 + g;  // this lane's two query rows
  const int row_hi = row_lo + 8;

  const int last_query = min(q0 + kRows, p.queries) - 1;
  const int key_end = min(valid, max(context, offset + last_query + 1));
  load_tile_async<T, D>(sq, qb, p.q_strides[2], q0, p.queries);
  load_tile_async<T, D>(stage_k[0], kb, p.k_strides[2], 0, valid);
  load_tile_async<T, D>(stage_v[0], vb, p.v_strides[2], 0, valid);
  cp_async_commit();
  cp_async_wait<0>();
  __syncthreads();
  uint32_t qf[D / 16][4];
#pragma unroll
  for (int kk = 0; kk < D / 16; ++kk) {
    ldmatrix_x4(qf[kk], sq + (warp * 16 + (quad & 1) * 8 + (lane & 7)) * kStride<D> + kk * 16 + (quad >> 1) * 8);
  }

  float o[D / 8][4];
#pragma unroll
  for (int n = 0; n < D / 8; ++n) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.f;
  float m_lo = -INFINITY, m_hi = -INFINITY, l_lo = 0.f, l_hi = 0.f;
  const float scale = p.scale * kLog2e;  // scores in log2 units, so exp2f
  const float masked = kMaskedScore * kLog2e;

  for (int k0 = 0, stage = 0; k0 < key_end; k0 += kRows, stage ^= 1) {
    // Start copying the next tile into the other stage (free: the barrier at the end of the last
    // round saw everyone finish with it), then compute on this one.
    const bool more = k0 + kRows < key_end;
    if (more) {
      load_tile_async<T, D>(stage_k[stage ^ 1], kb, p.k_strides[2], k0 + kRows, valid);
      load_tile_async<T, D>(stage_v[stage ^ 1], vb, p.v_strides[2], k0 + kRows, valid);
      cp_async_commit();
    }
    const T* sk = stage_k[stage];
    const T* sv = stage_v[stage];

    float s[kRows / 8][4];
#pragma unroll
    for (int n = 0; n < kRows / 8; ++n) s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
#pragma unroll
      for (int n = 0; n < kRows / 8; n += 2) {
        uint32_t kf[4];
        ldmatrix_x4(kf, sk + (n * 8 + (quad >> 1) * 8 + (lane & 7)) * kStride<D> + kk * 16 + (quad & 1) * 8);
        mma<T>(s[n], qf[kk], kf[0], kf[1]);
        mma<T>(s[n + 1], qf[kk], kf[2], kf[3]);
      }
    }

    // Mask and scale; keys past `valid` do not exist (−∞), masked keys score −10000 as in the release.
    float tile_lo = -INFINITY, tile_hi = -INFINITY;
#pragma unroll
    for (int n = 0; n < kRows / 8; ++n) {
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const int key = k0 + n * 8 + 2 * t + e;
        const bool exists = key < valid;
        s[n][e] = !exists ? -INFINITY : (key < context || key <= offset + row_lo) ? s[n][e] * scale : masked;
        s[n][2 + e] = !exists ? -INFINITY : (key < context || key <= offset + row_hi) ? s[n][2 + e] * scale : masked;
        tile_lo = fmaxf(tile_lo, s[n][e]);
        tile_hi = fmaxf(tile_hi, s[n][2 + e]);
      }
    }
#pragma unroll
    for (int w = 1; w < 4; w <<= 1) {
      tile_lo = fmaxf(tile_lo, __shfl_xor_sync(0xffffffffu, tile_lo, w));
      tile_hi = fmaxf(tile_hi, __shfl_xor_sync(0xffffffffu, tile_hi, w));
    }
    const float new_lo = fmaxf(m_lo, tile_lo);
    const float new_hi = fmaxf(m_hi, tile_hi);
    // Rows past Q see nothing real (−∞ everywhere): keep them finite, they are never written.
    const float base_lo = new_lo == -INFINITY ? 0.f : new_lo;
    const float base_hi = new_hi == -INFINITY ? 0.f : new_hi;
    const float alpha_lo = exp2f(m_lo - base_lo);
    const float alpha_hi = exp2f(m_hi - base_hi);
    m_lo = new_lo;
    m_hi = new_hi;
    l_lo *= alpha_lo;
    l_hi *= alpha_hi;
#pragma unroll
    for (int n = 0; n < D / 8; ++n) {
      o[n][0] *= alpha_lo;
      o[n][1] *= alpha_lo;
      o[n][2] *= alpha_hi;
      o[n][3] *= alpha_hi;
    }

    // P·V: each pair of score n-tiles is the A fragment of one 16-key step.
#pragma unroll
    for (int kk = 0; kk < kRows / 16; ++kk) {
      float pr[2][4];
#pragma unroll
      for (int j = 0; j < 2; ++j) {
        pr[j][0] = exp2f(s[2 * kk + j][0] - base_lo);
        pr[j][1] = exp2f(s[2 * kk + j][1] - base_lo);
        pr[j][2] = exp2f(s[2 * kk + j][2] - base_hi);
        pr[j][3] = exp2f(s[2 * kk + j][3] - base_hi);
        l_lo += pr[j][0] + pr[j][1];
        l_hi += pr[j][2] + pr[j][3];
      }
      const uint32_t pa[4] = {pack2<T>(pr[0][0], pr[0][1]), pack2<T>(pr[0][2], pr[0][3]), pack2<T>(pr[1][0], pr[1][1]),
                              pack2<T>(pr[1][2], pr[1][3])};
#pragma unroll
      for (int n = 0; n < D / 8; n += 2) {
        uint32_t vf[4];
        ldmatrix_x4_trans(vf, sv + (kk * 16 + (quad & 1) * 8 + (lane & 7)) * kStride<D> + n * 8 + (quad >> 1) * 8);
        mma<T>(o[n], pa, vf[0], vf[1]);
        mma<T>(o[n + 1], pa, vf[2], vf[3]);
      }
    }
    if (more) cp_async_wait<0>();
    __syncthreads();  // the next stage has landed, and nobody still reads this one
  }

#pragma unroll
  for (int w = 1; w < 4; w <<= 1) {
    l_lo += __shfl_xor_sync(0xffffffffu, l_lo, w);
    l_hi += __shfl_xor_sync(0xffffffffu, l_hi, w);
  }
  T* ob = static_cast<T*>(p.out) + b * p.out_strides[0] + h * p.out_strides[1];
  const int64_t os = p.out_strides[3];
#pragma unroll
  for (int n = 0; n < D / 8; ++n) {
    const int col = n * 8 + 2 * t;
    if (row_lo < p.queries) {
      T* r = ob + row_lo * p.out_strides[2];
      r[col * os] = from_f32<T>(o[n][0] / l_lo);
      r[(col + 1) * os] = from_f32<T>(o[n][1] / l_lo);
    }
    if (row_hi < p.queries) {
      T* r = ob + row_hi * p.out_strides[2];
      r[col * os] = from_f32<T>(o[n][2] / l_hi);
      r[(col + 1) * os] = from_f32<T>(o[n][3] / l_hi);
    }
  }
}

bool aligned16(const void* ptr, const int64_t (&strides)[4]) {
  return reinterpret_cast<uintptr_t>(ptr) % 16 == 0 && strides[3] == 1 && strides[2] % 8 == 0 && strides[1] % 8 == 0 && strides[0] % 8 == 0;
}

template <typename T, int D>
void launch_flash(const AttentionParams& p, Stream s) {
  static bool configured = false;  // the > 48 KiB dynamic shared memory opt-in, once per kernel
  if (!configured) {
    cudaFuncSetAttribute(flash_attention_kernel<T, D>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem_bytes<D>()));
    configured = true;
  }
  const dim3 grid((p.queries + kRows - 1) / kRows, p.heads, p.batch);
  launch(flash_attention_kernel<T, D>, grid, dim3(128), smem_bytes<D>(), s, p);
}

}  // namespace

bool launch_attention_tensor_core(int dtype, const AttentionParams& p, Stream s) {
  static const bool enabled = [] {
    const char* v = std::getenv("GLM_CUDA_FLASH");
    int device = 0, major = 0;
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
    return major >= 8 && !(v && v[0] == '0');
  }();
  if (!enabled || p.explicit_mask || (dtype != F16 && dtype != BF16) || (p.dim != 64 && p.dim != 128)) return false;
  if (!aligned16(p.q, p.q_strides) || !aligned16(p.k, p.k_strides) || !aligned16(p.v, p.v_strides)) return false;
  if (dtype == F16) {
    if (p.dim == 128) launch_flash<__half, 128>(p, s);
    else launch_flash<__half, 64>(p, s);
  } else {
    if (p.dim == 128) launch_flash<__nv_bfloat16, 128>(p, s);
    else launch_flash<__nv_bfloat16, 64>(p, s);
  }
  return true;
}

#else

bool launch_attention_tensor_core(int, const AttentionParams&, Stream) { return false; }  // no tensor cores to emulate

#endif

}  // namespace glm

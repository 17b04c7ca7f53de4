// Portable GEMMs with fp32 accumulation: a 64×64 tiled SIMT kernel (any shape, strided batches,
// i8/i4 weights with per-row scales) and a warp-per-output GEMV for a few rows (decode), which reads
// each weight once, 16 bytes per lane, and dequantizes in registers. cuBLASLt does the large float
// products (see gemm_dispatch.cpp); INT4 and INT8 weights with fp16 activations take the tensor cores
// where they fit (gemv_int4.cu, gemv_int8.cu).
#include "../cuda_kernels.h"

namespace glm {
namespace {

constexpr int BM = 64, BN = 64, BK = 16;

__device__ __forceinline__ float weight_at(const void* b, int type_b, int64_t index) {
  switch (type_b) {
    case F32: return static_cast<const float*>(b)[index];
    case F16: return __half2float(static_cast<const __half*>(b)[index]);
    case BF16: return __bfloat162float(static_cast<const __nv_bfloat16*>(b)[index]);
    case I8: return static_cast<float>(static_cast<const int8_t*>(b)[index]);
    default: {
      const uint8_t byte = static_cast<const uint8_t*>(b)[index >> 1];
      const int nibble = (index & 1) ? (byte & 0x0f) : (byte >> 4);
      return static_cast<float>(nibble >= 8 ? nibble - 16 : nibble);
    }
  }
}

template <typename T, typename TC>
__global__ void gemm_simt_kernel(GemmParams p) {
  __shared__ float as[BK][BM + 4];
  __shared__ float bs[BK][BN + 4];
  const int64_t batch = blockIdx.z;
  const T* a = static_cast<const T*>(p.a) + batch * p.stride_a;
  const int64_t b_base = batch * p.stride_b;
  TC* c = static_cast<TC*>(p.c) + batch * p.stride_c;
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * BM;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * BN;
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  float acc[4][4];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) acc[i][j] = 0.f;

  for (int64_t k0 = 0; k0 < p.k; k0 += BK) {
    for (int e = threadIdx.x; e < BM * BK; e += blockDim.x) {
      const int mm = e / BK, kk = e % BK;
      const int64_t gm = m0 + mm, gk = k0 + kk;
      as[kk][mm] = (gm < p.m && gk < p.k) ? to_f32(a[gm * p.lda + gk]) : 0.f;
    }
    for (int e = threadIdx.x; e < BN * BK; e += blockDim.x) {
      const int nn = e / BK, kk = e % BK;
      const int64_t gn = n0 + nn, gk = k0 + kk;
      float v = 0.f;
      if (gn < p.n && gk < p.k) v = weight_at(p.b, p.type_b, b_base + (p.trans_b ? gn * p.ldb + gk : gk * p.ldb + gn));
      bs[kk][nn] = v;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      float av[4], bv[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) av[i] = as[kk][ty * 4 + i];
#pragma unroll
      for (int j = 0; j < 4; ++j) bv[j] = bs[kk][tx * 4 + j];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] += av[i] * bv[j];
    }
    __syncthreads();
  }
  const T* bias = static_cast<const T*>(p.bias);
  const T* scale = static_cast<const T*>(p.scale);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int64_t gm = m0 + ty * 4 + i;
    if (gm >= p.m) continue;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int64_t gn = n0 + tx * 4 + j;
      if (gn >= p.n) continue;
      float v = acc[i][j] * p.alpha;
      if (scale) v *= to_f32(scale[gn]);
      if (bias) v += to_f32(bias[gn]);
      if (p.addend) v = fmaf(static_cast<float>(p.beta), to_f32(static_cast<const TC*>(p.addend)[gm * p.ldc + gn]), v);  // batch 1
      c[gm * p.ldc + gn] = from_f32<TC>(v);
    }
  }
}

template <typename T, int N>
struct alignas(sizeof(T) * N) Pack {
  T v[N];
};

// V consecutive weights of row n starting at k, as floats (V·bits/8 = 16 bytes when vectorised).
template <int TYPE_B, int V>
__device__ __forceinline__ void load_weights(float (&w)[V], const void* b, int64_t row_elems_offset, int64_t k) {
  if constexpr (TYPE_B == I4) {
    if constexpr (V == 32) {
      const Pack<uint8_t, 16> bytes = *reinterpret_cast<const Pack<uint8_t, 16>*>(static_cast<const uint8_t*>(b) + ((row_elems_offset + k) >> 1));
#pragma unroll
      for (int e = 0; e < 16; ++e) {
        const int hi = bytes.v[e] >> 4, lo = bytes.v[e] & 0x0f;
        w[2 * e] = static_cast<float>(hi >= 8 ? hi - 16 : hi);
        w[2 * e + 1] = static_cast<float>(lo >= 8 ? lo - 16 : lo);
      }
    } else {
#pragma unroll
      for (int e = 0; e < V; ++e) w[e] = weight_at(b, I4, row_elems_offset + k + e);
    }
  } else if constexpr (TYPE_B == I8) {
    if constexpr (V == 16) {
      const Pack<int8_t, 16> q = *reinterpret_cast<const Pack<int8_t, 16>*>(static_cast<const int8_t*>(b) + row_elems_offset + k);
#pragma unroll
      for (int e = 0; e < 16; ++e) w[e] = static_cast<float>(q.v[e]);
    } else {
#pragma unroll
      for (int e = 0; e < V; ++e) w[e] = weight_at(b, I8, row_elems_offset + k + e);
    }
  } else {
    using W = typename std::conditional<TYPE_B == F32, float, typename std::conditional<TYPE_B == F16, __half, __nv_bfloat16>::type>::type;
    if constexpr (V * sizeof(W) == 16) {
      const Pack<W, V> q = *reinterpret_cast<const Pack<W, V>*>(static_cast<const W*>(b) + row_elems_offset + k);
#pragma unroll
      for (int e = 0; e < V; ++e) w[e] = to_f32(q.v[e]);
    } else {
#pragma unroll
      for (int e = 0; e < V; ++e) w[e] = to_f32(static_cast<const W*>(b)[row_elems_offset + k + e]);
    }
  }
}

template <typename T, int V>
__device__ __forceinline__ void load_activations(float (&x)[V], const T* row, int64_t k) {
  constexpr int PER = 16 / sizeof(T);
  if constexpr (V % PER == 0) {
#pragma unroll
    for (int part = 0; part < V / PER; ++part) {
      const Pack<T, PER> v = *reinterpret_cast<const Pack<T, PER>*>(row + k + part * PER);
#pragma unroll
      for (int e = 0; e < PER; ++e) x[part * PER + e] = to_f32(v.v[e]);
    }
  } else {
#pragma unroll
    for (int e = 0; e < V; ++e) x[e] = to_f32(row[k + e]);
  }
}

// One warp per output feature n; every lane walks K in steps of 32·V and keeps MMAX row sums.
template <typename T, int TYPE_B, int V, int MMAX>
__global__ void gemv_kernel(GemmParams p) {
  const int lane = threadIdx.x & 31;
  const int warps = blockDim.x >> 5;
  const T* x = static_cast<const T*>(p.a);
  T* y = static_cast<T*>(p.c);
  const T* bias = static_cast<const T*>(p.bias);
  const T* scale = static_cast<const T*>(p.scale);
  const int m_count = static_cast<int>(p.m);
  for (int64_t n = static_cast<int64_t>(blockIdx.x) * warps + (threadIdx.x >> 5); n < p.n; n += static_cast<int64_t>(gridDim.x) * warps) {
    float acc[MMAX];
#pragma unroll
    for (int r = 0; r < MMAX; ++r) acc[r] = 0.f;
    const int64_t row_offset = n * p.ldb;
    for (int64_t k = static_cast<int64_t>(lane) * V; k < p.k; k += 32 * V) {
      float w[V];
      load_weights<TYPE_B, V>(w, p.b, row_offset, k);
#pragma unroll
      for (int r = 0; r < MMAX; ++r) {
        if (r < m_count) {
          float xv[V];
          load_activations<T, V>(xv, x + r * p.lda, k);
          float sum = 0.f;
#pragma unroll
          for (int e = 0; e < V; ++e) sum += w[e] * xv[e];
          acc[r] += sum;
        }
      }
    }
#pragma unroll
    for (int r = 0; r < MMAX; ++r) {
      if (r < m_count) {
        float v = warp_sum(acc[r]) * p.alpha;
        if (lane == 0) {
          if (scale) v *= to_f32(scale[n]);
          if (bias) v += to_f32(bias[n]);
          if (p.addend) v = fmaf(static_cast<float>(p.beta), to_f32(static_cast<const T*>(p.addend)[r * p.ldc + n]), v);
          y[r * p.ldc + n] = from_f32<T>(v);
        }
      }
    }
  }
}

template <typename F>
void by_float_dtype(int dtype, F&& f) {
  switch (dtype) {
    case F32: f(float{}); break;
    case F16: f(__half{}); break;
    default: f(__nv_bfloat16{}); break;
  }
}

template <typename T, int TYPE_B, int V>
void gemv_rows(const GemmParams& p, Stream s) {
  const dim3 block(256);
  const dim3 grid(blocks_for(p.n, 8, 132 * 64));
  if (p.m <= 1) launch(gemv_kernel<T, TYPE_B, V, 1>, grid, block, 0, s, p);
  else if (p.m <= 2) launch(gemv_kernel<T, TYPE_B, V, 2>, grid, block, 0, s, p);
  else if (p.m <= 4) launch(gemv_kernel<T, TYPE_B, V, 4>, grid, block, 0, s, p);
  else if (p.m <= 8) launch(gemv_kernel<T, TYPE_B, V, 8>, grid, block, 0, s, p);
  else launch(gemv_kernel<T, TYPE_B, V, 16>, grid, block, 0, s, p);
}

bool aligned(const void* ptr, int64_t bytes) { return (reinterpret_cast<uintptr_t>(ptr) % bytes) == 0; }

}  // namespace

void launch_gemm_simt(const GemmParams& p, Stream s) {
  if (p.m <= 0 || p.n <= 0 || p.batch <= 0) return;
  const dim3 grid(static_cast<unsigned>((p.n + BN - 1) / BN), static_cast<unsigned>((p.m + BM - 1) / BM), static_cast<unsigned>(p.batch));
  by_float_dtype(p.type_ab, [&](auto tag) {
    using T = decltype(tag);
    if (p.type_c == F32) launch(gemm_simt_kernel<T, float>, grid, dim3(256), 0, s, p);
    else launch(gemm_simt_kernel<T, T>, grid, dim3(256), 0, s, p);
  });
}

// Requires trans_b (weights [n, k]), m ≤ 16, batch 1, C of type_ab.
void launch_gemv(const GemmParams& p, Stream s) {
  if (p.m <= 0 || p.n <= 0) return;
  by_float_dtype(p.type_ab, [&](auto tag) {
    using T = decltype(tag);
    const int64_t es = sizeof(T);
    // Vector path: every row of x and w starts 16-byte aligned and K is a whole number of vectors.
    const bool x_ok = aligned(p.a, 16) && (p.lda * es) % 16 == 0;
    switch (p.type_b) {
      case I4: {
        const bool vec = x_ok && p.k % 32 == 0 && aligned(p.b, 16) && (p.ldb / 2) % 16 == 0;
        if (gemv_i4_tensor_core_fits(p)) {
          launch_gemv_i4_tensor_core(p, s);
          break;
        }
        if (vec) gemv_rows<T, I4, 32>(p, s);
        else gemv_rows<T, I4, 2>(p, s);
        break;
      }
      case I8: {
        const bool vec = x_ok && p.k % 16 == 0 && aligned(p.b, 16) && p.ldb % 16 == 0;
        if (gemv_i8_tensor_core_fits(p)) {
          launch_gemv_i8_tensor_core(p, s);
          break;
        }
        if (vec) gemv_rows<T, I8, 16>(p, s);
        else gemv_rows<T, I8, 1>(p, s);
        break;
      }
      default: {
        constexpr int V = 16 / sizeof(T);
        const bool vec = x_ok && p.k % V == 0 && aligned(p.b, 16) && (p.ldb * es) % 16 == 0;
        constexpr int TB = sizeof(T) == 4 ? F32 : (std::is_same<T, __half>::value ? F16 : BF16);
        if (vec) gemv_rows<T, TB, V>(p, s);
        else gemv_rows<T, TB, 1>(p, s);
        break;
      }
    }
  });
}

}  // namespace glm

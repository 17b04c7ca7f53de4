// The DCU's GEMMs, fp32 accumulation throughout:
//   - the portable tiled GEMM (no rocBLAS/hipBLAS in Debian, and neither vendor's matrix
//     instructions: the DCU's are Hygon's own MMAC, not AMD's MFMA, so nothing here selects a
//     matrix path by arch number). 128×128 tiles of C per workgroup of 256 threads, each thread an
//     8×8 block of them; k advances 16 at a time through two LDS buffers (while one is read the next
//     tile's loads are in flight in registers), one barrier per step. Operands are converted to fp32
//     on their way into LDS, so i8/i4 weights are dequantized once per tile. Wave-width agnostic.
//     Two workgroups share a CU/SM: the LDS tiles are exactly 32 KiB (no padding: the compute reads
//     are whole rows, and the stores are made conflict-free by which thread loads what instead), and
//     on NVIDIA the registers are capped at 128 a thread (ptxas gave 130–153 without the cap: one block per SM).
//   - the GEMV for a few rows (decode): one wavefront per output feature, each lane 16 bytes of
//     weights per step, a wavefront reduction (wave.h) at the end.
#include "../dcu_kernels.h"

namespace glm {
namespace {

constexpr int TM = 128, TN = 128, TK = 16, THREADS = 256;

struct alignas(16) Tiles {
  float a[2][TK][TM];  // [buffer][k][m]
  float b[2][TK][TN];  // [buffer][k][n]
};
static_assert(2 * sizeof(Tiles) <= 64 * 1024, "two workgroups share a DCU CU's 64 KiB of LDS");
static_assert(sizeof(Tiles) <= 48 * 1024, "static shared memory of a block on NVIDIA is at most 48 KiB");

template <typename T> struct Code;
template <> struct Code<float> { static constexpr int value = F32; };
template <> struct Code<__half> { static constexpr int value = F16; };
template <> struct Code<hip_bfloat16> { static constexpr int value = BF16; };

__device__ __forceinline__ float element_at(const void* base, int type, int64_t index) {
  switch (type) {
    case F32: return static_cast<const float*>(base)[index];
    case F16: return to_f32(static_cast<const __half*>(base)[index]);
    case BF16: return to_f32(static_cast<const hip_bfloat16*>(base)[index]);
    case I8: return static_cast<float>(static_cast<const int8_t*>(base)[index]);
    default: {
      const uint8_t byte = static_cast<const uint8_t*>(base)[index >> 1];
      const int nibble = (index & 1) ? (byte & 0x0f) : (byte >> 4);
      return static_cast<float>(nibble >= 8 ? nibble - 16 : nibble);
    }
  }
}

// 8 consecutive elements from `offset` (elements of TYPE), of which the first `valid` exist.
// VEC: the chunk is aligned for one vector load (16/32 bytes of floats, 8 bytes of i8, 4 of i4).
template <int TYPE, bool VEC>
__device__ __forceinline__ void load8(float (&v)[8], const void* base, int64_t offset, int64_t valid) {
  if (VEC && valid >= 8) {
    if constexpr (TYPE == F32) {
      const float4 x = *reinterpret_cast<const float4*>(static_cast<const float*>(base) + offset);
      const float4 y = *reinterpret_cast<const float4*>(static_cast<const float*>(base) + offset + 4);
      v[0] = x.x; v[1] = x.y; v[2] = x.z; v[3] = x.w; v[4] = y.x; v[5] = y.y; v[6] = y.z; v[7] = y.w;
    } else if constexpr (TYPE == F16 || TYPE == BF16) {
      using S = typename std::conditional<TYPE == F16, __half, hip_bfloat16>::type;
      const uint4 raw = *reinterpret_cast<const uint4*>(static_cast<const S*>(base) + offset);
      const S* s = reinterpret_cast<const S*>(&raw);
#pragma unroll
      for (int e = 0; e < 8; ++e) v[e] = to_f32(s[e]);
    } else if constexpr (TYPE == I8) {
      const uint2 raw = *reinterpret_cast<const uint2*>(static_cast<const int8_t*>(base) + offset);
      const int8_t* q = reinterpret_cast<const int8_t*>(&raw);
#pragma unroll
      for (int e = 0; e < 8; ++e) v[e] = static_cast<float>(q[e]);
    } else {
      const unsigned raw = *reinterpret_cast<const unsigned*>(static_cast<const uint8_t*>(base) + (offset >> 1));
      const uint8_t* bytes = reinterpret_cast<const uint8_t*>(&raw);
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int hi = bytes[e] >> 4, lo = bytes[e] & 0x0f;
        v[2 * e] = static_cast<float>(hi >= 8 ? hi - 16 : hi);
        v[2 * e + 1] = static_cast<float>(lo >= 8 ? lo - 16 : lo);
      }
    }
    return;
  }
#pragma unroll
  for (int e = 0; e < 8; ++e) v[e] = e < valid ? element_at(base, TYPE, offset + e) : 0.f;
}

__device__ __forceinline__ int64_t clamp8(int64_t n) { return n < 0 ? 0 : (n > 8 ? 8 : n); }

// Two workgroups per SM on NVIDIA: ≤ 128 registers a thread (65536 / 512). On AMD the second
// argument would mean waves per EU; gfx906 already fits 2 waves/SIMD in 127 VGPRs without it.
#if defined(GLM_DCU_AMD)
#define GLM_GEMM_BOUNDS __launch_bounds__(THREADS)
#else
#define GLM_GEMM_BOUNDS __launch_bounds__(THREADS, 2)
#endif

// C[b] = alpha · A[b] · op(B[b]) (· scale[n]) (+ bias[n]). A [m, k] rows of lda; B [n, k] (TRANS_B)
// or [k, n], rows of ldb, of TYPE_B (T's own type, I8 or I4).
template <typename T, int TYPE_B, typename TC, bool TRANS_B, bool VEC>
__global__ void GLM_GEMM_BOUNDS gemm_tiled_kernel(GemmParams p) {
  __shared__ Tiles tiles;
  const int64_t batch = blockIdx.z;
  const T* a = static_cast<const T*>(p.a) + batch * p.stride_a;
  const int64_t b_base = batch * p.stride_b;
  TC* c = static_cast<TC*>(p.c) + batch * p.stride_c;
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * TM;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * TN;
  const int tid = threadIdx.x;
  // Loads: A and a transposed B are rows of 8 consecutive k (2 per row of the tile): each 32
  // threads (a warp, half a wave64) take 32 consecutive rows at the same k, so their transposing
  // LDS stores hit 32 banks; the next 32 take the other 8 k of the same rows (the same 32-byte
  // sectors, while they are in L1). A plain B is rows of 8 consecutive n (16 per k), stored whole.
  const int a_row = (tid & 31) | ((tid >> 6) << 5), a_col = ((tid >> 5) & 1) * 8;
  const int b_row = TRANS_B ? a_row : tid >> 4;
  const int b_col = TRANS_B ? a_col : (tid & 15) * 8;
  // Compute: rows {ty·4 + i, 64 + ty·4 + i}, columns {tx·4 + j, 64 + tx·4 + j}.
  const int tx = tid & 15, ty = tid >> 4;

  float ra[8], rb[8];
  // Where this thread's loads start (k0 = 0) and whether its row exists: fixed for the whole loop.
  const bool a_in = m0 + a_row < p.m;
  const int64_t a_start = (m0 + a_row) * p.lda + a_col;
  const bool b_in = TRANS_B ? n0 + b_row < p.n : true;
  const int64_t b_start = b_base + (TRANS_B ? (n0 + b_row) * p.ldb + b_col : b_row * p.ldb + n0 + b_col);
  auto fetch = [&](int64_t k0) {
    load8<Code<T>::value, VEC>(ra, a, a_start + k0, a_in ? clamp8(p.k - k0 - a_col) : 0);
    if (TRANS_B) {
      load8<TYPE_B, VEC>(rb, p.b, b_start + k0, b_in ? clamp8(p.k - k0 - b_col) : 0);
    } else {
      load8<TYPE_B, VEC>(rb, p.b, b_start + k0 * p.ldb, k0 + b_row < p.k ? clamp8(p.n - n0 - b_col) : 0);
    }
  };
  auto stash = [&](int buf) {
#pragma unroll
    for (int e = 0; e < 8; ++e) tiles.a[buf][a_col + e][a_row] = ra[e];
    if (TRANS_B) {
#pragma unroll
      for (int e = 0; e < 8; ++e) tiles.b[buf][b_col + e][b_row] = rb[e];
    } else {
      float4 lo, hi;  // two 16-byte stores
      lo.x = rb[0], lo.y = rb[1], lo.z = rb[2], lo.w = rb[3];
      hi.x = rb[4], hi.y = rb[5], hi.z = rb[6], hi.w = rb[7];
      float4* row = reinterpret_cast<float4*>(&tiles.b[buf][b_row][b_col]);
      row[0] = lo;
      row[1] = hi;
    }
  };

  float acc[8][8];
#pragma unroll
  for (int i = 0; i < 8; ++i)
#pragma unroll
    for (int j = 0; j < 8; ++j) acc[i][j] = 0.f;

  const int64_t steps = (p.k + TK - 1) / TK;
  fetch(0);
  stash(0);
  __syncthreads();
  for (int64_t step = 0; step < steps; ++step) {
    const int buf = static_cast<int>(step & 1);
    const bool more = step + 1 < steps;
    if (more) fetch((step + 1) * TK);
#if defined(GLM_DCU_AMD)
#pragma unroll 2  // gfx906: a full unroll hoists all 16 steps' LDS reads past 256 VGPRs and spills
#else
#pragma unroll
#endif
    for (int kk = 0; kk < TK; ++kk) {
      const float4 a0 = *reinterpret_cast<const float4*>(&tiles.a[buf][kk][ty * 4]);
      const float4 a1 = *reinterpret_cast<const float4*>(&tiles.a[buf][kk][64 + ty * 4]);
      const float4 b0 = *reinterpret_cast<const float4*>(&tiles.b[buf][kk][tx * 4]);
      const float4 b1 = *reinterpret_cast<const float4*>(&tiles.b[buf][kk][64 + tx * 4]);
      const float av[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
      const float bv[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] += av[i] * bv[j];
    }
    if (more) stash(buf ^ 1);
    __syncthreads();
  }

  const T* bias = static_cast<const T*>(p.bias);
  const T* scale = static_cast<const T*>(p.scale);
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const int64_t gm = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
    if (gm >= p.m) continue;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const int64_t gn = n0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + j - 4);
      if (gn >= p.n) continue;
      float v = acc[i][j] * p.alpha;
      if (scale) v *= to_f32(scale[gn]);
      if (bias) v += to_f32(bias[gn]);
      c[gm * p.ldc + gn] = from_f32<TC>(v);
    }
  }
}

template <typename T, int N>
struct alignas(sizeof(T) * N) Pack {
  T v[N];
};

// V consecutive weights of row n starting at k, as floats (16 bytes when vectorised).
template <int TYPE_B, int V>
__device__ __forceinline__ void load_weights(float (&w)[V], const void* b, int64_t row_offset, int64_t k) {
  if constexpr (TYPE_B == I4 && V == 32) {
    const Pack<uint8_t, 16> bytes = *reinterpret_cast<const Pack<uint8_t, 16>*>(static_cast<const uint8_t*>(b) + ((row_offset + k) >> 1));
#pragma unroll
    for (int e = 0; e < 16; ++e) {
      const int hi = bytes.v[e] >> 4, lo = bytes.v[e] & 0x0f;
      w[2 * e] = static_cast<float>(hi >= 8 ? hi - 16 : hi);
      w[2 * e + 1] = static_cast<float>(lo >= 8 ? lo - 16 : lo);
    }
  } else if constexpr (TYPE_B == I8 && V == 16) {
    const Pack<int8_t, 16> q = *reinterpret_cast<const Pack<int8_t, 16>*>(static_cast<const int8_t*>(b) + row_offset + k);
#pragma unroll
    for (int e = 0; e < 16; ++e) w[e] = static_cast<float>(q.v[e]);
  } else if constexpr ((TYPE_B == F32 || TYPE_B == F16 || TYPE_B == BF16) && V * (TYPE_B == F32 ? 4 : 2) == 16) {
    using W = typename std::conditional<TYPE_B == F32, float, typename std::conditional<TYPE_B == F16, __half, hip_bfloat16>::type>::type;
    const Pack<W, V> q = *reinterpret_cast<const Pack<W, V>*>(static_cast<const W*>(b) + row_offset + k);
#pragma unroll
    for (int e = 0; e < V; ++e) w[e] = to_f32(q.v[e]);
  } else {
#pragma unroll
    for (int e = 0; e < V; ++e) w[e] = element_at(b, TYPE_B, row_offset + k + e);
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

// One wavefront per NB consecutive output features: its lanes walk K in steps of GLM_WAVE·V and keep
// MMAX×NB sums, reduced across the wavefront at the end. Each activation a lane loads is converted to
// fp32 once and used for all NB outputs: with 16 rows, converting the rows per output (NB = 1) costs
// more than reading the weights (conversions run at a fraction of the FMA rate on NVIDIA).
template <typename T, int TYPE_B, int V, int MMAX, int NB>
__global__ void GLM_AMD_LAUNCH_BOUNDS(256) gemv_kernel(GemmParams p) {
  const int lane = wave::lane();
  const int waves = blockDim.x / GLM_WAVE;
  const T* x = static_cast<const T*>(p.a);
  T* y = static_cast<T*>(p.c);
  const T* bias = static_cast<const T*>(p.bias);
  const T* scale = static_cast<const T*>(p.scale);
  const int m_count = static_cast<int>(p.m);
  const int64_t groups = (p.n + NB - 1) / NB;
  for (int64_t g = static_cast<int64_t>(blockIdx.x) * waves + wave::index(); g < groups; g += static_cast<int64_t>(gridDim.x) * waves) {
    const int64_t n0 = g * NB;
    float acc[MMAX][NB];
#pragma unroll
    for (int r = 0; r < MMAX; ++r)
#pragma unroll
      for (int j = 0; j < NB; ++j) acc[r][j] = 0.f;
    for (int64_t k = static_cast<int64_t>(lane) * V; k < p.k; k += GLM_WAVE * V) {
      float w[NB][V];
#pragma unroll
      for (int j = 0; j < NB; ++j) {
        if (n0 + j < p.n) {
          load_weights<TYPE_B, V>(w[j], p.b, (n0 + j) * p.ldb, k);
        } else {
#pragma unroll
          for (int e = 0; e < V; ++e) w[j][e] = 0.f;
        }
      }
#pragma unroll
      for (int r = 0; r < MMAX; ++r) {
        if (r < m_count) {
          float xv[V];
          load_activations<T, V>(xv, x + r * p.lda, k);
#pragma unroll
          for (int j = 0; j < NB; ++j) {
            float sum = 0.f;
#pragma unroll
            for (int e = 0; e < V; ++e) sum += w[j][e] * xv[e];
            acc[r][j] += sum;
          }
        }
      }
    }
#pragma unroll
    for (int r = 0; r < MMAX; ++r) {
      if (r < m_count) {
#pragma unroll
        for (int j = 0; j < NB; ++j) {
          float v = wave::sum(acc[r][j]) * p.alpha;
          const int64_t n = n0 + j;
          if (lane == 0 && n < p.n) {
            if (scale) v *= to_f32(scale[n]);
            if (bias) v += to_f32(bias[n]);
            y[r * p.ldc + n] = from_f32<T>(v);
          }
        }
      }
    }
  }
}

template <typename T>
__global__ void bias_rows_kernel(GemmParams p) {
  T* c = static_cast<T*>(p.c) + static_cast<int64_t>(blockIdx.z) * p.stride_c;
  const T* bias = static_cast<const T*>(p.bias);
  const int64_t count = p.m * p.n;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = i / p.n, col = i - r * p.n;
    c[r * p.ldc + col] = bias[col];
  }
}

template <typename F>
void by_float_dtype(int dtype, F&& f) {
  switch (dtype) {
    case F32: f(float{}); break;
    case F16: f(__half{}); break;
    default: f(hip_bfloat16{}); break;
  }
}

bool aligned(const void* ptr, int64_t bytes) { return (reinterpret_cast<uintptr_t>(ptr) % bytes) == 0; }

template <typename T, int TYPE_B, typename TC, bool TRANS_B>
void tiled(const GemmParams& p, bool vec, Stream s) {
  const dim3 grid(static_cast<unsigned>((p.n + TN - 1) / TN), static_cast<unsigned>((p.m + TM - 1) / TM), static_cast<unsigned>(p.batch));
  if (vec) launch(gemm_tiled_kernel<T, TYPE_B, TC, TRANS_B, true>, grid, dim3(THREADS), 0, s, p);
  else launch(gemm_tiled_kernel<T, TYPE_B, TC, TRANS_B, false>, grid, dim3(THREADS), 0, s, p);
}

template <typename T, int TYPE_B, int V, int MMAX, int NB>
void gemv_launch(const GemmParams& p, Stream s) {
  const dim3 grid(blocks_for((p.n + NB - 1) / NB, 256 / GLM_WAVE, 120 * 64));
  launch(gemv_kernel<T, TYPE_B, V, MMAX, NB>, grid, dim3(256), 0, s, p);
}

// Outputs per wavefront: one while the weights are the only traffic (a row or two, or quantized
// weights whose 16–32 values per lane fill the registers), more as the rows grow.
template <typename T, int TYPE_B, int V>
void gemv_rows(const GemmParams& p, Stream s) {
  constexpr bool wide = TYPE_B == F32 || TYPE_B == F16 || TYPE_B == BF16;
  if (p.m <= 1) gemv_launch<T, TYPE_B, V, 1, 1>(p, s);
  else if (p.m <= 2) gemv_launch<T, TYPE_B, V, 2, 1>(p, s);
  else if (p.m <= 4) gemv_launch<T, TYPE_B, V, 4, wide ? 2 : 1>(p, s);
  else if (p.m <= 8) gemv_launch<T, TYPE_B, V, 8, wide ? 4 : 1>(p, s);
  else gemv_launch<T, TYPE_B, V, 16, wide ? 4 : 1>(p, s);
}

}  // namespace

void launch_gemm_tiled(const GemmParams& p, Stream s) {
  if (p.m <= 0 || p.n <= 0 || p.batch <= 0) return;
  const bool quantized = p.type_b == I8 || p.type_b == I4;
  if (quantized && (!p.trans_b || p.type_c != p.type_ab)) throw std::runtime_error("tiled GEMM: i8/i4 weights must be stored [n, k] with C of the activations' type");
  if (p.type_c != p.type_ab && (p.type_c != F32 || !p.trans_b)) throw std::runtime_error("tiled GEMM: an fp32 C needs B stored [n, k]");
  by_float_dtype(p.type_ab, [&](auto tag) {
    using T = decltype(tag);
    const int64_t es = sizeof(T);
    const bool batched = p.batch > 1;
    const bool a_vec = aligned(p.a, 16) && (p.lda * es) % 16 == 0 && (!batched || (p.stride_a * es) % 16 == 0);
    switch (p.type_b) {
      case I8: {
        const bool vec = a_vec && aligned(p.b, 8) && p.ldb % 8 == 0 && (!batched || p.stride_b % 8 == 0);
        tiled<T, I8, T, true>(p, vec, s);
        break;
      }
      case I4: {
        const bool vec = a_vec && aligned(p.b, 4) && p.ldb % 8 == 0 && (!batched || p.stride_b % 8 == 0);
        tiled<T, I4, T, true>(p, vec, s);
        break;
      }
      default: {
        const bool vec = a_vec && aligned(p.b, 16) && (p.ldb * es) % 16 == 0 && (!batched || (p.stride_b * es) % 16 == 0);
        constexpr int TB = Code<T>::value;
        if (p.type_c == F32 && !std::is_same<T, float>::value) tiled<T, TB, float, true>(p, vec, s);
        else if (p.trans_b) tiled<T, TB, T, true>(p, vec, s);
        else tiled<T, TB, T, false>(p, vec, s);
        break;
      }
    }
  });
}

// Requires trans_b (weights [n, k]), m ≤ 16, batch 1, C of type_ab.
void launch_gemv(const GemmParams& p, Stream s) {
  if (p.m <= 0 || p.n <= 0) return;
  by_float_dtype(p.type_ab, [&](auto tag) {
    using T = decltype(tag);
    const int64_t es = sizeof(T);
    const bool x_ok = aligned(p.a, 16) && (p.lda * es) % 16 == 0;
    switch (p.type_b) {
      case I4: {
        const bool vec = x_ok && p.k % 32 == 0 && aligned(p.b, 16) && (p.ldb / 2) % 16 == 0 && p.ldb % 2 == 0;
        if (vec) gemv_rows<T, I4, 32>(p, s);
        else gemv_rows<T, I4, 1>(p, s);
        break;
      }
      case I8: {
        const bool vec = x_ok && p.k % 16 == 0 && aligned(p.b, 16) && p.ldb % 16 == 0;
        if (vec) gemv_rows<T, I8, 16>(p, s);
        else gemv_rows<T, I8, 1>(p, s);
        break;
      }
      default: {
        constexpr int V = 16 / sizeof(T);
        const bool vec = x_ok && p.k % V == 0 && aligned(p.b, 16) && (p.ldb * es) % 16 == 0;
        constexpr int TB = Code<T>::value;
        if (vec) gemv_rows<T, TB, V>(p, s);
        else gemv_rows<T, TB, 1>(p, s);
        break;
      }
    }
  });
}

void launch_bias_rows(const GemmParams& p, Stream s) {
  if (p.m <= 0 || p.n <= 0 || !p.bias) return;
  const dim3 grid(blocks_for(p.m * p.n, 256, 4096), 1, static_cast<unsigned>(p.batch));
  by_float_dtype(p.type_c, [&](auto tag) {
    using T = decltype(tag);
    launch(bias_rows_kernel<T>, grid, dim3(256), 0, s, p);
  });
}

}  // namespace glm

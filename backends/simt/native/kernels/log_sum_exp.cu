// log Σ exp along the last axis, in fp32, in two stages so a vocabulary-wide row (150k) is read by
// many blocks even at batch 1:
//   chunks: one block per (row, chunk of `chunk` elements) leaves (m, s): the chunk's maximum and
//           Σ exp(x − m) over it;
//   merge:  one block per row: M = max m, S = Σ s · exp(m − M), out = M + log S.
// Infinities follow the op: an element equal to the maximum contributes exactly 1, so a row of −inf
// (M = −inf) gives −inf + log(count) = −inf and a +inf gives +inf, where x − m would be inf − inf = NaN.
// A NaN is skipped by the maximum (fmaxf) but makes its term, hence S and the result, NaN.
#include "../kernels.h"

namespace glm {
namespace {

__device__ __forceinline__ float term(float v, float m) { return v == m ? 1.f : expf(v - m); }

template <typename T>
__global__ void lse_chunks_kernel(const T* x, int64_t rows, int64_t n, int64_t chunk, int64_t chunks, float* partial) {
  __shared__ float scratch[33];
  for (int64_t b = blockIdx.x; b < rows * chunks; b += gridDim.x) {
    const int64_t row = b / chunks, begin = (b % chunks) * chunk;
    const int64_t end = begin + chunk < n ? begin + chunk : n;
    const T* xr = x + row * n;
    float m = -INFINITY;
    for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) m = fmaxf(m, to_f32(xr[i]));
    m = block_max(m, scratch);
    float s = 0.f;
    for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) s += term(to_f32(xr[i]), m);
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) {
      partial[2 * b] = m;
      partial[2 * b + 1] = s;
    }
  }
}

// chunks == 0 (an empty row): M = −inf and S = 0 give −inf + log 0 = −inf, the log of an empty sum.
__global__ void lse_merge_kernel(const float* partial, int64_t rows, int64_t chunks, float* out) {
  __shared__ float scratch[33];
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const float* p = partial + 2 * row * chunks;
    float m = -INFINITY;
    for (int64_t c = threadIdx.x; c < chunks; c += blockDim.x) m = fmaxf(m, p[2 * c]);
    m = block_max(m, scratch);
    float s = 0.f;
    for (int64_t c = threadIdx.x; c < chunks; c += blockDim.x) s += p[2 * c + 1] * term(p[2 * c], m);
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) out[row] = m + logf(s);
  }
}

template <typename T>
void launch_typed(const T* x, int64_t rows, int64_t n, int64_t chunk, float* partial, float* out, Stream s) {
  const int64_t chunks = (n + chunk - 1) / chunk;
  if (chunks > 0) {
    // Short rows leave most of 256 threads idle: 64 (a whole wavefront on every target) is enough.
    const unsigned threads = chunk >= 1024 && n >= 1024 ? 256 : 64;
    launch(lse_chunks_kernel<T>, dim3(blocks_for(rows * chunks, 1)), dim3(threads), 0, s, x, rows, n, chunk, chunks, partial);
  }
  launch(lse_merge_kernel, dim3(blocks_for(rows, 1)), dim3(64), 0, s, static_cast<const float*>(partial), rows, chunks, out);
}

}  // namespace

void launch_log_sum_exp(int dtype, const void* x, int64_t rows, int64_t n, int64_t chunk, float* partial, float* out, Stream s) {
  if (rows <= 0) return;
  switch (dtype) {
    case F32: launch_typed(static_cast<const float*>(x), rows, n, chunk, partial, out, s); break;
    case F16: launch_typed(static_cast<const __half*>(x), rows, n, chunk, partial, out, s); break;
    default: launch_typed(static_cast<const __nv_bfloat16*>(x), rows, n, chunk, partial, out, s); break;
  }
}

}  // namespace glm

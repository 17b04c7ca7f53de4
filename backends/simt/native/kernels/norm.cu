// LayerNorm and softmax: per-row reductions in fp32. LayerNorm takes two passes (mean, then the
// centred sum of squares) so an offset mean does not cancel the variance's digits.
#include "../kernels.h"

namespace glm {
namespace {

template <typename T>
__global__ void layernorm_kernel(T* out, const T* x, const T* w, const T* b, int64_t h, float eps) {
  __shared__ float scratch[33];
  const int64_t row = blockIdx.x;
  const T* xr = x + row * h;
  T* orow = out + row * h;
  float sum = 0.f;
  for (int64_t i = threadIdx.x; i < h; i += blockDim.x) sum += to_f32(xr[i]);
  const float mean = block_sum(sum, scratch) / static_cast<float>(h);
  // Second pass over the centred values: their sum corrects the rounding of the mean (which
  // matters when the mean is large against the spread), their squares give the variance.
  float shift = 0.f, sq = 0.f;
  for (int64_t i = threadIdx.x; i < h; i += blockDim.x) {
    const float d = to_f32(xr[i]) - mean;
    shift += d;
    sq += d * d;
  }
  shift = block_sum(shift, scratch) / static_cast<float>(h);
  const float variance = fmaxf(block_sum(sq, scratch) / static_cast<float>(h) - shift * shift, 0.f);
  const float inv = 1.0f / sqrtf(variance + eps);
  for (int64_t i = threadIdx.x; i < h; i += blockDim.x) {
    orow[i] = from_f32<T>(((to_f32(xr[i]) - mean) - shift) * inv * to_f32(w[i]) + to_f32(b[i]));
  }
}

// The same two-pass LayerNorm with the row read from memory once, in 8-byte packs of V elements:
// each of kCachedThreads threads keeps up to kCachedMaxPacks packs in registers between the passes.
// 512 threads so that a GLM-130B row (12288 halves: 6 packs a thread) is one load per thread
// and pack; __launch_bounds__ tells the compiler the block size.
constexpr int kCachedThreads = 512;
constexpr int kCachedMaxPacks = 8;

template <typename T, int V>
__global__ void __launch_bounds__(kCachedThreads) layernorm_cached_kernel(T* out, const T* x, const T* w, const T* b, int64_t h, float eps) {
  __shared__ float scratch[33];
  const int64_t row = blockIdx.x;
  const Pack<T, V>* xr = reinterpret_cast<const Pack<T, V>*>(x + row * h);
  Pack<T, V>* orow = reinterpret_cast<Pack<T, V>*>(out + row * h);
  const int packs = static_cast<int>(h / V);
  float v[kCachedMaxPacks][V];
  float sum = 0.f;
#pragma unroll
  for (int r = 0; r < kCachedMaxPacks; ++r) {
    const int i = threadIdx.x + r * kCachedThreads;
    Pack<T, V> p{};
    if (i < packs) p = xr[i];
#pragma unroll
    for (int e = 0; e < V; ++e) {
      v[r][e] = i < packs ? to_f32(p.v[e]) : 0.f;
      sum += v[r][e];
    }
  }
  const float mean = block_sum(sum, scratch) / static_cast<float>(h);
  float shift = 0.f, sq = 0.f;
#pragma unroll
  for (int r = 0; r < kCachedMaxPacks; ++r) {
    if (threadIdx.x + r * kCachedThreads >= packs) continue;
#pragma unroll
    for (int e = 0; e < V; ++e) {
      const float d = v[r][e] - mean;
      shift += d;
      sq += d * d;
    }
  }
  shift = block_sum(shift, scratch) / static_cast<float>(h);
  const float variance = fmaxf(block_sum(sq, scratch) / static_cast<float>(h) - shift * shift, 0.f);
  const float inv = 1.0f / sqrtf(variance + eps);
  const Pack<T, V>* wp = reinterpret_cast<const Pack<T, V>*>(w);
  const Pack<T, V>* bp = reinterpret_cast<const Pack<T, V>*>(b);
#pragma unroll
  for (int r = 0; r < kCachedMaxPacks; ++r) {
    const int i = threadIdx.x + r * kCachedThreads;
    if (i >= packs) continue;
    const Pack<T, V> wi = wp[i], bi = bp[i];
    Pack<T, V> o;
#pragma unroll
    for (int e = 0; e < V; ++e) o.v[e] = from_f32<T>(((v[r][e] - mean) - shift) * inv * to_f32(wi.v[e]) + to_f32(bi.v[e]));
    orow[i] = o;
  }
}

// Softmax along a contiguous axis (inner == 1): one block per row.
template <typename T>
__global__ void softmax_rows_kernel(T* out, const T* x, int64_t length) {
  __shared__ float scratch[33];
  const int64_t row = blockIdx.x;
  const T* xr = x + row * length;
  T* orow = out + row * length;
  float m = -INFINITY;
  for (int64_t i = threadIdx.x; i < length; i += blockDim.x) m = fmaxf(m, to_f32(xr[i]));
  m = block_max(m, scratch);
  float sum = 0.f;
  for (int64_t i = threadIdx.x; i < length; i += blockDim.x) sum += expf(to_f32(xr[i]) - m);
  sum = block_sum(sum, scratch);
  const float inv = 1.0f / sum;
  for (int64_t i = threadIdx.x; i < length; i += blockDim.x) orow[i] = from_f32<T>(expf(to_f32(xr[i]) - m) * inv);
}

// Softmax along a strided axis: one thread per (outer, inner) line.
template <typename T>
__global__ void softmax_strided_kernel(T* out, const T* x, int64_t outer, int64_t length, int64_t inner) {
  const int64_t lines = outer * inner;
  for (int64_t line = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; line < lines; line += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t o = line / inner;
    const int64_t in = line % inner;
    const int64_t base = o * length * inner + in;
    float m = -INFINITY;
    for (int64_t i = 0; i < length; ++i) m = fmaxf(m, to_f32(x[base + i * inner]));
    float sum = 0.f;
    for (int64_t i = 0; i < length; ++i) sum += expf(to_f32(x[base + i * inner]) - m);
    const float inv = 1.0f / sum;
    for (int64_t i = 0; i < length; ++i) out[base + i * inner] = from_f32<T>(expf(to_f32(x[base + i * inner]) - m) * inv);
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

// A platform may cap the threads of a row's block (the rocm-dcu build's logical wavefronts use one
// hardware barrier each); the cuda build keeps 1024.
#ifndef GLM_MAX_ROW_THREADS
#define GLM_MAX_ROW_THREADS 1024
#endif

}  // namespace

unsigned row_threads(int64_t length) {
  if (length >= 4096) return GLM_MAX_ROW_THREADS;
  if (length >= 512) return 256;
  return 64;
}

void launch_layernorm(int dtype, void* out, const void* x, const void* w, const void* b, int64_t rows, int64_t h, float eps, Stream s) {
  if (rows <= 0 || h <= 0) return;
  by_float_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    const dim3 grid(static_cast<unsigned>(rows));
    auto args = [&](auto kernel, unsigned threads) {
      launch(kernel, grid, dim3(threads), 0, s, static_cast<T*>(out), static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(b), h, eps);
    };
    // Long rows (GLM's 12288) read once into registers; short ones and very long ones take the
    // streaming kernel (a short row fits in cache anyway).
    constexpr int V = 8 / sizeof(T);
    const bool packed = h % V == 0 && reinterpret_cast<uintptr_t>(out) % 8 == 0 && reinterpret_cast<uintptr_t>(x) % 8 == 0 &&
                        reinterpret_cast<uintptr_t>(w) % 8 == 0 && reinterpret_cast<uintptr_t>(b) % 8 == 0;
    if (kCachedThreads <= GLM_MAX_ROW_THREADS && packed && h > 2048 && h <= static_cast<int64_t>(kCachedThreads) * kCachedMaxPacks * V) {
      args(layernorm_cached_kernel<T, V>, kCachedThreads);
    }
    else args(layernorm_kernel<T>, row_threads(h));
  });
}

void launch_softmax(int dtype, void* out, const void* x, int64_t outer, int64_t length, int64_t inner, Stream s) {
  if (outer * length * inner <= 0) return;
  by_float_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    if (inner == 1) {
      launch(softmax_rows_kernel<T>, dim3(static_cast<unsigned>(outer)), dim3(row_threads(length)), 0, s, static_cast<T*>(out), static_cast<const T*>(x), length);
    } else {
      launch(softmax_strided_kernel<T>, dim3(blocks_for(outer * inner, 128)), dim3(128), 0, s, static_cast<T*>(out), static_cast<const T*>(x), outer, length, inner);
    }
  });
}

}  // namespace glm

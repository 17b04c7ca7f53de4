// What the standalone kernel benchmarks (attention-kernels.cu, gemv-int4.cu) share: failing with one
// line, device allocation, deterministic random fills on the device, and event timing.
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

namespace bench {

// The program's name, for error lines; each benchmark defines it.
extern const char* const kProgram;

inline void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    std::fprintf(stderr, "%s: %s: %s\n", kProgram, what, cudaGetErrorString(e));
    std::exit(1);
  }
}

template <typename X>
X* device_alloc(size_t count) {
  void* p = nullptr;
  check(cudaMalloc(&p, count * sizeof(X)), "cudaMalloc");
  return static_cast<X*>(p);
}

// A hash of (index, seed): the same data on every run and every card.
__device__ inline uint32_t mix(size_t i, uint32_t seed) {
  uint32_t h = uint32_t(i) * 2654435761u ^ seed * 2246822519u;
  h ^= h >> 15;
  h *= 2246822519u;
  h ^= h >> 13;
  return h;
}

// Uniform in [low, high).
__global__ void fill_half(__half* x, size_t n, float low, float high, uint32_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    x[i] = __float2half(low + (high - low) * float(mix(i, seed) & 0xffffff) / float(0x1000000));
}

__global__ void fill_bytes(uint8_t* x, size_t n, uint32_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) x[i] = uint8_t(mix(i, seed));
}

// The median of 20 event-timed runs after 3 warm-ups.
inline float median_ms(const std::function<void()>& run) {
  cudaEvent_t start, end;
  cudaEventCreate(&start);
  cudaEventCreate(&end);
  std::vector<float> times;
  for (int r = 0; r < 23; ++r) {
    cudaEventRecord(start);
    run();
    cudaEventRecord(end);
    check(cudaEventSynchronize(end), "run");
    float ms = 0.f;
    cudaEventElapsedTime(&ms, start, end);
    if (r >= 3) times.push_back(ms);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(end);
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace bench

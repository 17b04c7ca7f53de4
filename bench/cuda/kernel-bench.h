// What the standalone kernel benchmarks (attention-kernels.cu, gemv-int4.cu, gemm-small-m.cu) share: failing with one
// line, device allocation, deterministic random fills on the device, and event timing.
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "kernels.h"  // glm::GemmParams (backends/simt/native; the benchmarks build with its include paths)

namespace bench {

// The program's name, for error lines; each benchmark defines it.
extern const char* const kProgram;

// Whether `name` is one of the '|'-separated names in the environment variable `env` (names may
// contain commas); unset or empty, everything is. Picks a few kernels to run, e.g. under Nsight Compute.
inline bool selected(const char* env, const std::string& name) {
  const char* list = std::getenv(env);
  if (!list || !*list) return true;
  return ("|" + std::string(list) + "|").find("|" + name + "|") != std::string::npos;
}

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

// The copy ceiling of this run: a 1 GiB device-to-device copy (median of 20), in TB/s counting the bytes
// read and written, as the layer benchmark's floors count it. Printed as one JSON line.
inline double copy_ceiling_tb_per_s() {
  const size_t bytes = size_t(1) << 30;
  uint8_t* from = device_alloc<uint8_t>(bytes);
  uint8_t* to = device_alloc<uint8_t>(bytes);
  check(cudaMemset(from, 1, bytes), "memset");
  const float ms = median_ms([&] { cudaMemcpyAsync(to, from, bytes, cudaMemcpyDeviceToDevice); });
  check(cudaGetLastError(), "copy");
  cudaFree(from);
  cudaFree(to);
  const double rate = 2.0 * bytes / (ms * 1e-3) / 1e12;
  std::printf("{\"ceiling\":\"copy 1 GiB\",\"median_ms\":%.4f,\"tb_per_s\":%.3f}\n", ms, rate);
  std::fflush(stdout);
  return rate;
}

// Largest |y − reference| into result[0] and largest |reference| into result[1] (both zeroed first).
__global__ void relative_difference(const __half* y, const float* reference, int64_t count, float* result) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x) {
    atomicMax(reinterpret_cast<int*>(result), __float_as_int(fabsf(__half2float(y[i]) - reference[i])));
    atomicMax(reinterpret_cast<int*>(result + 1), __float_as_int(fabsf(reference[i])));
  }
}

// A Linear layer's product as the GEMM dispatch gets it: y [m, n] = x [m, k] · w [n, k]ᵀ, fp16
// activations and output, weights of `weight_type` (F16, or I4 with its per-row `scale`), no batch.
inline glm::GemmParams linear_product(int64_t m, int64_t n, int64_t k, const void* x, const void* w, void* y, int weight_type,
                                      const void* bias = nullptr, const void* scale = nullptr) {
  glm::GemmParams p{};
  p.m = m, p.n = n, p.k = k;
  p.a = x, p.lda = k;
  p.b = w, p.ldb = k, p.trans_b = 1;
  p.c = y, p.ldc = n;
  p.batch = 1;
  p.type_ab = glm::F16, p.type_b = weight_type, p.type_c = glm::F16;
  p.alpha = 1.f;
  p.bias = bias, p.scale = scale;
  return p;
}

// One product of the GEMV/GEMM benchmarks: `run` times a variant's launch (median_ms), checks its
// output y [m, n] against the fp32 reference, and prints one JSON line with the rate for `bytes`.
struct ProductCheck {
  const char* name;
  int64_t m, n, k;
  double bytes;
  __half* y;
  const float* reference;
  float* result;  // 2 floats of device scratch

  void run(const char* variant, const std::function<void()>& launch) const {
    check(cudaMemset(y, 0, size_t(m) * n * sizeof(__half)), "memset");
    const float ms = median_ms(launch);
    check(cudaGetLastError(), variant);
    check(cudaMemset(result, 0, 2 * sizeof(float)), "memset");
    relative_difference<<<256, 256>>>(y, reference, m * n, result);
    float host[2];
    check(cudaMemcpy(host, result, sizeof(host), cudaMemcpyDeviceToHost), "difference");
    std::printf("{\"case\":\"%s\",\"m\":%lld,\"n\":%lld,\"k\":%lld,\"variant\":\"%s\",\"median_ms\":%.4f,\"tb_per_s\":%.3f,\"max_rel_diff\":%.2e}\n", name,
                (long long)m, (long long)n, (long long)k, variant, ms, bytes / (ms * 1e-3) / 1e12, host[0] / std::max(host[1], 1e-30f));
    std::fflush(stdout);
  }
};

// The line each benchmark prints first: the card it ran on. Returns its properties.
inline cudaDeviceProp print_device() {
  cudaDeviceProp props{};
  check(cudaGetDeviceProperties(&props, 0), "cudaGetDeviceProperties");
  std::printf("{\"device\":\"%s\",\"sm\":%d%d,\"multiprocessors\":%d}\n", props.name, props.major, props.minor, props.multiProcessorCount);
  return props;
}

// GLM-130B's four weight products of a decode step at m activation rows (n × k): QKV, attention
// dense, the GeGLU up-projection (both halves), down.
template <typename Product>
void glm130b_products(int64_t m, Product product) {
  product("qkv", m, 3 * 12288, 12288);
  product("dense", m, 12288, 12288);
  product("up", m, 2 * 32768, 12288);
  product("down", m, 12288, 32768);
}

}  // namespace bench

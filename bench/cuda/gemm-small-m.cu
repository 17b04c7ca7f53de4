// Standalone benchmark of the small-M tensor-core product (kernels/gemm_small_m.cu) at GLM-130B's decode
// shapes with 8 and 16 activation rows, in several block shapes, against the SIMT GEMV (gemm.cu) and a
// plain fp32 reference of its own. cuBLASLt is not linked here: its times at these shapes are in the
// layer profile (docs/bench/cuda-glm-layer.md). Built by build-attention-kernels.sh, run by
// device-check.sh kernels. Prints one JSON line per (shape, variant).
#include "../../backends/cuda/native/src/kernels/gemm.cu"
#include "../../backends/cuda/native/src/kernels/gemm_small_m.cu"
#include "kernel-bench.h"

#include <algorithm>
#include <cstdio>
#include <functional>

const char* const bench::kProgram = "gemm-small-m";

namespace {

using bench::check;
using bench::device_alloc;
using bench::fill_half;
using bench::median_ms;
using glm::GemmParams;

__global__ void reference_product(GemmParams p, float* out) {
  const int64_t n = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (n >= p.n) return;
  const __half* w = static_cast<const __half*>(p.b) + n * p.ldb;
  for (int64_t m = 0; m < p.m; ++m) {
    const __half* x = static_cast<const __half*>(p.a) + m * p.lda;
    float acc = 0.f;
    for (int64_t k = 0; k < p.k; ++k) acc += __half2float(w[k]) * __half2float(x[k]);
    out[m * p.n + n] = acc + __half2float(static_cast<const __half*>(p.bias)[n]);
  }
}

__global__ void relative_difference(const __half* y, const float* reference, int64_t count, float* result) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x) {
    atomicMax(reinterpret_cast<int*>(result), __float_as_int(fabsf(__half2float(y[i]) - reference[i])));
    atomicMax(reinterpret_cast<int*>(result + 1), __float_as_int(fabsf(reference[i])));
  }
}

template <int TILES, int WARPS, int UNROLL>
void launch_variant(const GemmParams& p) {
  const dim3 grid(unsigned((p.n + 16 * TILES - 1) / (16 * TILES)));
  if (p.m <= 8) glm::launch(glm::gemm_small_m_kernel<__half, TILES, 1, WARPS, UNROLL>, grid, dim3(WARPS * 32), 0, nullptr, p);
  else glm::launch(glm::gemm_small_m_kernel<__half, TILES, 2, WARPS, UNROLL>, grid, dim3(WARPS * 32), 0, nullptr, p);
}

void product(const char* name, int64_t m, int64_t n, int64_t k) {
  __half* w = device_alloc<__half>(size_t(n) * k);
  __half* x = device_alloc<__half>(size_t(m) * k);
  __half* bias = device_alloc<__half>(n);
  __half* y = device_alloc<__half>(size_t(m) * n);
  float* reference = device_alloc<float>(size_t(m) * n);
  float* result = device_alloc<float>(2);
  fill_half<<<1024, 256>>>(w, size_t(n) * k, -0.02f, 0.02f, 21);
  fill_half<<<1024, 256>>>(x, size_t(m) * k, -1.f, 1.f, 22);
  fill_half<<<64, 256>>>(bias, n, -0.1f, 0.1f, 23);
  GemmParams p{};
  p.m = m, p.n = n, p.k = k;
  p.a = x, p.lda = k;
  p.b = w, p.ldb = k, p.trans_b = 1;
  p.c = y, p.ldc = n;
  p.batch = 1;
  p.type_ab = glm::F16, p.type_b = glm::F16, p.type_c = glm::F16;
  p.alpha = 1.f;
  p.bias = bias;
  reference_product<<<unsigned((n + 127) / 128), 128>>>(p, reference);
  check(cudaDeviceSynchronize(), "reference");
  const double bytes = 2.0 * n * k;
  auto run = [&](const char* variant, const std::function<void()>& launch) {
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
  };
  run("simt gemv", [&] { glm::gemv_rows<__half, glm::F16, 8>(p, nullptr); });
  run("mma, 2 tiles x 4 warps, 2 in flight (default)", [&] { glm::launch_gemm_small_m(p, nullptr); });
  run("mma, 1 tile x 4 warps, 2 in flight", [&] { launch_variant<1, 4, 2>(p); });
  run("mma, 1 tile x 4 warps, 4 in flight", [&] { launch_variant<1, 4, 4>(p); });
  run("mma, 2 tiles x 4 warps, 4 in flight", [&] { launch_variant<2, 4, 4>(p); });
  run("mma, 2 tiles x 8 warps, 2 in flight", [&] { launch_variant<2, 8, 2>(p); });
  run("mma, 4 tiles x 4 warps, 2 in flight", [&] { launch_variant<4, 4, 2>(p); });
  run("mma, 1 tile x 8 warps, 2 in flight", [&] { launch_variant<1, 8, 2>(p); });
  for (void* v : {static_cast<void*>(w), static_cast<void*>(x), static_cast<void*>(bias), static_cast<void*>(y), static_cast<void*>(reference),
                  static_cast<void*>(result)})
    cudaFree(v);
}

}  // namespace

int main() {
  cudaDeviceProp props{};
  check(cudaGetDeviceProperties(&props, 0), "cudaGetDeviceProperties");
  std::printf("{\"device\":\"%s\",\"sm\":%d%d}\n", props.name, props.major, props.minor);
  for (int64_t m : {16, 8}) {
    product("qkv", m, 3 * 12288, 12288);
    product("dense", m, 12288, 12288);
    product("up", m, 2 * 32768, 12288);
    product("down", m, 12288, 32768);
  }
  product("ragged (n = 1000)", 11, 1000, 256);
  return 0;
}

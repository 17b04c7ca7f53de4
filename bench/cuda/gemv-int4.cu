// Benchmark (not a test): the INT4-weight GEMV kernels alone at GLM-130B's four decode products
// (batch 1 and 4; fp16 activations; int4 weights packed two per byte with per-row fp16 scales, the
// release's layout): the tensor-core kernel (kernels/gemv_int4.cu) in several shapes and as
// dispatched, against the SIMT GEMV it replaced, each checked against a plain fp32 kernel here. Timed
// with CUDA events, median of 20 after 3 warm-ups; the bandwidth counts the packed weights and scales
// once. Output: one JSON line per case.
//   bash bench/cuda/build-attention-kernels.sh   (builds this too)   then on the GPU machine:
//   .device-carry/gemv-int4
#include "../../backends/cuda/native/src/kernels/gemm.cu"
#include "../../backends/cuda/native/src/kernels/gemv_int4.cu"
#include "kernel-bench.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

const char* const bench::kProgram = "gemv-int4";

namespace {

using bench::check;
using bench::device_alloc;
using bench::fill_bytes;
using bench::fill_half;
using bench::linear_product;
using bench::median_ms;
using glm::GemmParams;

// One thread per (activation row, feature): Σ q·x in fp32, times the scale, plus the bias.
__global__ void reference_gemv(GemmParams p, float* out) {
  const int64_t n = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (n >= p.n) return;
  const uint8_t* w = static_cast<const uint8_t*>(p.b) + n * (p.ldb / 2);
  for (int64_t m = 0; m < p.m; ++m) {
    const __half* x = static_cast<const __half*>(p.a) + m * p.lda;
    float acc = 0.f;
    for (int64_t k = 0; k < p.k; ++k) {
      const int nibble = (k & 1) ? (w[k >> 1] & 0x0f) : (w[k >> 1] >> 4);
      acc += float(nibble >= 8 ? nibble - 16 : nibble) * __half2float(x[k]);
    }
    out[m * p.n + n] = acc * __half2float(static_cast<const __half*>(p.scale)[n]) + __half2float(static_cast<const __half*>(p.bias)[n]);
  }
}

// One product in every variant, each checked against reference_gemv (the largest |y − reference|
// relative to the largest |reference|). GEMV_INT4_CASES / GEMV_INT4_VARIANTS keep only the products
// ("qkv (m = 1)", …) and variants so named (bench::selected), e.g. a few kernels under Nsight Compute.
void product(const char* name, int64_t m, int64_t n, int64_t k) {
  if (!bench::selected("GEMV_INT4_CASES", std::string(name) + " (m = " + std::to_string(m) + ")")) return;
  uint8_t* w = device_alloc<uint8_t>(size_t(n) * k / 2);
  __half* x = device_alloc<__half>(size_t(m) * k);
  __half* scale = device_alloc<__half>(n);
  __half* bias = device_alloc<__half>(n);
  __half* y = device_alloc<__half>(size_t(m) * n);
  float* reference = device_alloc<float>(size_t(m) * n);
  float* result = device_alloc<float>(2);
  fill_bytes<<<1024, 256>>>(w, size_t(n) * k / 2, 11);
  fill_half<<<1024, 256>>>(x, size_t(m) * k, -1.f, 1.f, 12);
  fill_half<<<64, 256>>>(scale, n, 0.0005f, 0.003f, 13);
  fill_half<<<64, 256>>>(bias, n, -0.1f, 0.1f, 14);
  const GemmParams p = linear_product(m, n, k, x, w, y, glm::I4, bias, scale);
  reference_gemv<<<unsigned((n + 127) / 128), 128>>>(p, reference);
  check(cudaDeviceSynchronize(), "reference");
  const bench::ProductCheck checked{name, m, n, k, double(n) * k / 2 + 2.0 * n, y, reference, result};
  auto run = [&](const char* variant, const std::function<void()>& launch) {
    if (bench::selected("GEMV_INT4_VARIANTS", variant)) checked.run(variant, launch);
  };
  using namespace glm;
  run("simt gemv (dequantize in fp32)", [&] { gemv_rows<__half, I4, 32>(p, nullptr); });
  const dim3 grid(unsigned((n + 15) / 16));
  run("tensor cores (4 warps / 16 rows, 2 steps in flight)", [&] { launch(gemv_i4_mma_kernel<4, 2>, grid, dim3(4 * 32), 0, nullptr, p); });
  run("tensor cores (4 warps / 16 rows, 4 steps in flight)", [&] { launch(gemv_i4_mma_kernel<4, 4>, grid, dim3(4 * 32), 0, nullptr, p); });
  run("tensor cores (8 warps / 16 rows, 2 steps in flight)", [&] { launch(gemv_i4_mma_kernel<8, 2>, grid, dim3(8 * 32), 0, nullptr, p); });
  run("tensor cores (default: as dispatched)", [&] { launch_gemv_i4_tensor_core(p, nullptr); });
  for (void* v : {static_cast<void*>(w), static_cast<void*>(x), static_cast<void*>(scale), static_cast<void*>(bias), static_cast<void*>(y),
                  static_cast<void*>(reference), static_cast<void*>(result)})
    cudaFree(v);
}

}  // namespace

int main() {
  cudaDeviceProp props{};
  check(cudaGetDeviceProperties(&props, 0), "cudaGetDeviceProperties");
  std::printf("{\"device\":\"%s\",\"sm\":%d%d}\n", props.name, props.major, props.minor);
  for (int64_t m : {1, 4}) {
    product("qkv", m, 3 * 12288, 12288);
    product("dense", m, 12288, 12288);
    product("up", m, 2 * 32768, 12288);
    product("down", m, 12288, 32768);
  }
  product("ragged (n = 1000)", 3, 1000, 256);
  product("ragged (n = 1000, k = 384)", 8, 1000, 384);
  return 0;
}

// Benchmark (not a test): the INT8-weight GEMV kernels alone at GLM-130B's four decode products
// (batch 1 and 16; fp16 activations; int8 weights [N, K], one signed byte a value, per-row fp16 scales):
// the tensor-core kernel (kernels/gemv_int8.cu) in several shapes and as dispatched, against the SIMT
// GEMV (dequantize in fp32) it replaces, each checked against a plain fp32 kernel here. Timed with CUDA
// events, median of 20 after 3 warm-ups; the bandwidth counts the weights and scales once. The run's
// copy ceiling comes first. Output: one JSON line per case.
//   bash bench/cuda/build-attention-kernels.sh   (builds this too)   then on the GPU machine:
//   .device-carry/gemv-int8
#include "../../backends/cuda/native/src/kernels/gemm.cu"
#include "../../backends/cuda/native/src/kernels/gemv_int4.cu"  // gemm.cu's GEMV dispatch calls into it
#include "../../backends/cuda/native/src/kernels/gemv_int8.cu"
#include "kernel-bench.h"

#include <cstdio>
#include <functional>
#include <string>

const char* const bench::kProgram = "gemv-int8";

namespace {

using bench::check;
using bench::device_alloc;
using bench::fill_bytes;
using bench::fill_half;
using bench::linear_product;
using glm::GemmParams;

// One thread per (activation row, feature): Σ q·x in fp32, times the scale, plus the bias.
__global__ void reference_gemv(GemmParams p, float* out) {
  const int64_t n = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (n >= p.n) return;
  const int8_t* w = static_cast<const int8_t*>(p.b) + n * p.ldb;
  for (int64_t m = 0; m < p.m; ++m) {
    const __half* x = static_cast<const __half*>(p.a) + m * p.lda;
    float acc = 0.f;
    for (int64_t k = 0; k < p.k; ++k) acc += float(w[k]) * __half2float(x[k]);
    out[m * p.n + n] = acc * __half2float(static_cast<const __half*>(p.scale)[n]) + __half2float(static_cast<const __half*>(p.bias)[n]);
  }
}

template <int T>
void tensor_core_variants(const std::function<void(const char*, const std::function<void()>&)>& run, const GemmParams& p) {
  using namespace glm;
  const dim3 grid(unsigned((p.n + 15) / 16));
  // gemv_i8_mma_kernel<WARPS, UNROLL, TILES, PIPELINED, L2_PREFETCH, ACCS>
  run("tc 4 warps x 2 steps", [&] { launch(gemv_i8_mma_kernel<4, 2, T, false, false>, grid, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 2 steps, L2 256B prefetch", [&] { launch(gemv_i8_mma_kernel<4, 2, T, false, true>, grid, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 2 steps, L2 256B prefetch, 2 accumulator sets", [&] { launch(gemv_i8_mma_kernel<4, 2, T, false, true, 2>, grid, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 2 steps, L2 256B prefetch, 4 accumulator sets", [&] { launch(gemv_i8_mma_kernel<4, 2, T, false, true, 4>, grid, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 4 steps, L2 256B prefetch, 2 accumulator sets", [&] { launch(gemv_i8_mma_kernel<4, 4, T, false, true, 2>, grid, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 2 steps, pipelined, L2 256B prefetch", [&] { launch(gemv_i8_mma_kernel<4, 2, T, true, true>, grid, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 2 steps, pipelined, L2 256B prefetch, 2 accumulator sets", [&] { launch(gemv_i8_mma_kernel<4, 2, T, true, true, 2>, grid, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 1 step, pipelined, L2 256B prefetch, 2 accumulator sets", [&] { launch(gemv_i8_mma_kernel<4, 1, T, true, true, 2>, grid, dim3(128), 0, nullptr, p); });
}

// GEMV_INT8_CASES / GEMV_INT8_VARIANTS keep only the products ("qkv (m = 1)", …) and variants so named.
void product(const char* name, int64_t m, int64_t n, int64_t k) {
  if (!bench::selected("GEMV_INT8_CASES", std::string(name) + " (m = " + std::to_string(m) + ")")) return;
  uint8_t* w = device_alloc<uint8_t>(size_t(n) * k);
  __half* x = device_alloc<__half>(size_t(m) * k);
  __half* scale = device_alloc<__half>(n);
  __half* bias = device_alloc<__half>(n);
  __half* y = device_alloc<__half>(size_t(m) * n);
  float* reference = device_alloc<float>(size_t(m) * n);
  float* result = device_alloc<float>(2);
  fill_bytes<<<1024, 256>>>(w, size_t(n) * k, 21);
  fill_half<<<1024, 256>>>(x, size_t(m) * k, -1.f, 1.f, 22);
  fill_half<<<64, 256>>>(scale, n, 0.00005f, 0.0003f, 23);
  fill_half<<<64, 256>>>(bias, n, -0.1f, 0.1f, 24);
  const GemmParams p = linear_product(m, n, k, x, w, y, glm::I8, bias, scale);
  reference_gemv<<<unsigned((n + 127) / 128), 128>>>(p, reference);
  check(cudaDeviceSynchronize(), "reference");
  const bench::ProductCheck checked{name, m, n, k, double(n) * k + 2.0 * n, y, reference, result};
  auto run = [&](const char* variant, const std::function<void()>& launch) {
    if (bench::selected("GEMV_INT8_VARIANTS", variant)) checked.run(variant, launch);
  };
  if (m == 1) run("simt gemv (dequantize in fp32)", [&] { glm::gemv_rows<__half, glm::I8, 16>(p, nullptr); });
  if (m <= 8) tensor_core_variants<1>(run, p);
  else tensor_core_variants<2>(run, p);
  run("default (as dispatched)", [&] { glm::launch_gemv(p, nullptr); });
  for (void* v : {static_cast<void*>(w), static_cast<void*>(x), static_cast<void*>(scale), static_cast<void*>(bias), static_cast<void*>(y),
                  static_cast<void*>(reference), static_cast<void*>(result)})
    cudaFree(v);
}

}  // namespace

int main() {
  bench::print_device();
  bench::copy_ceiling_tb_per_s();
  for (int64_t m : {1, 16}) bench::glm130b_products(m, product);
  product("ragged (n = 1000)", 3, 1000, 256);
  product("ragged (n = 1000, k = 384)", 13, 1000, 384);
  bench::copy_ceiling_tb_per_s();
  return 0;
}

// Benchmark (not a test): the INT4-weight GEMV kernels alone at GLM-130B's four decode products
// (batch 1 and 16; fp16 activations; int4 weights packed two per byte with per-row fp16 scales, the
// release's layout): the tensor-core kernel (kernels/gemv_int4.cu) in several shapes — steps in flight,
// a pipelined walk over K, an L2 prefetch hint, a tiled weight layout made at load — and as dispatched,
// against the SIMT GEMV, each checked against a plain fp32 kernel here. Timed with CUDA events, median
// of 20 after 3 warm-ups; the bandwidth counts the packed weights and scales once. The run's copy
// ceiling comes first. Output: one JSON line per case.
//   bash bench/cuda/build-attention-kernels.sh   (builds this too)   then on the GPU machine:
//   .device-carry/gemv-int4
#include "../../backends/cuda/native/src/kernels/gemm.cu"
#include "../../backends/cuda/native/src/kernels/gemv_int4.cu"
#include "../../backends/cuda/native/src/kernels/gemv_int8.cu"  // gemm.cu's GEMV dispatch calls into it
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

// The tiled layout of gemv_i4_mma_kernel<…, TILED = true>: for each 16 rows, for each 128-element step,
// the 16 rows' 64 bytes of that step together. N a multiple of 16, K of 128.
__global__ void tile_weights(const uint8_t* rows, uint8_t* tiled, int64_t n, int64_t row_bytes) {
  const int64_t total = n * row_bytes;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t tile = i / (16 * row_bytes), within = i % (16 * row_bytes);
    const int64_t step = within / 1024, r = (within % 1024) / 64, j = within % 64;
    tiled[i] = rows[(tile * 16 + r) * row_bytes + step * 64 + j];
  }
}

// Every variant of one tile count (TILES = 1: up to 8 activation rows, 2: up to 16).
template <int T>
void tensor_core_variants(const std::function<void(const char*, const std::function<void()>&)>& run, const GemmParams& p, const GemmParams& tiled) {
  using namespace glm;
  const dim3 grid(unsigned((p.n + 15) / 16));
  // gemv_i4_mma_kernel<WARPS, UNROLL, TILES, PIPELINED, TILED, L2_PREFETCH, ACCS, IN_ORDER, GROUPS>
  run("tc 4 warps x 2 steps", [&] { launch(gemv_i4_mma_kernel<4, 2, T, false, false, false>, grid, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 2 steps, L2 256B prefetch", [&] { launch(gemv_i4_mma_kernel<4, 2, T, false, false, true>, grid, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 2 steps, L2 256B prefetch, 2 accumulator sets", [&] { launch(gemv_i4_mma_kernel<4, 2, T, false, false, true, 2>, grid, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 2 steps, L2 256B prefetch, 4 accumulator sets", [&] { launch(gemv_i4_mma_kernel<4, 2, T, false, false, true, 4>, grid, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 2 steps, L2 256B prefetch, in order", [&] { launch(gemv_i4_mma_kernel<4, 2, T, false, false, true, 1, true>, grid, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 2 steps, L2 256B prefetch, in order, 2 accumulator sets", [&] { launch(gemv_i4_mma_kernel<4, 2, T, false, false, true, 2, true>, grid, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 4 steps, L2 256B prefetch", [&] { launch(gemv_i4_mma_kernel<4, 4, T, false, false, true>, grid, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 4 steps, L2 256B prefetch, 2 accumulator sets", [&] { launch(gemv_i4_mma_kernel<4, 4, T, false, false, true, 2>, grid, dim3(128), 0, nullptr, p); });
  // Block shapes measured first on the H200 (2026-12-07): the same 16 features a block, K split over
  // 2 or 8 warps (8: 256 threads, 3 blocks a multiprocessor at 79 registers, so the 768 blocks of a
  // 12,288-feature product take two waves), and 3 steps in flight.
  run("tc 2 warps x 4 steps, L2 256B prefetch", [&] { launch(gemv_i4_mma_kernel<2, 4, T, false, false, true>, grid, dim3(64), 0, nullptr, p); });
  run("tc 4 warps x 3 steps, L2 256B prefetch", [&] { launch(gemv_i4_mma_kernel<4, 3, T, false, false, true>, grid, dim3(128), 0, nullptr, p); });
  run("tc 8 warps x 1 step, L2 256B prefetch", [&] { launch(gemv_i4_mma_kernel<8, 1, T, false, false, true>, grid, dim3(256), 0, nullptr, p); });
  run("tc 8 warps x 2 steps, L2 256B prefetch", [&] { launch(gemv_i4_mma_kernel<8, 2, T, false, false, true>, grid, dim3(256), 0, nullptr, p); });
  run("tc 4 warps x 1 step, pipelined, L2 256B prefetch", [&] { launch(gemv_i4_mma_kernel<4, 1, T, true, false, true>, grid, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 1 step, pipelined, L2 256B prefetch, 2 accumulator sets", [&] { launch(gemv_i4_mma_kernel<4, 1, T, true, false, true, 2>, grid, dim3(128), 0, nullptr, p); });
  run("tc tiled 4 warps x 2 steps", [&] { launch(gemv_i4_mma_kernel<4, 2, T, false, true, false>, grid, dim3(128), 0, nullptr, tiled); });
  run("tc tiled 4 warps x 2 steps, 2 accumulator sets", [&] { launch(gemv_i4_mma_kernel<4, 2, T, false, true, false, 2>, grid, dim3(128), 0, nullptr, tiled); });
  run("tc tiled 4 warps x 1 step, pipelined", [&] { launch(gemv_i4_mma_kernel<4, 1, T, true, true, false>, grid, dim3(128), 0, nullptr, tiled); });
  run("tc tiled 4 warps x 1 step, pipelined, 2 accumulator sets", [&] { launch(gemv_i4_mma_kernel<4, 1, T, true, true, false, 2>, grid, dim3(128), 0, nullptr, tiled); });
  // Feature groups of 16 a block sharing the activation loads (GROUPS); the grid shrinks with them.
  const dim3 grid2(unsigned((p.n + 31) / 32)), grid4(unsigned((p.n + 63) / 64));
  run("tc 4 warps x 2 steps, L2 256B prefetch, 2 feature groups", [&] { launch(gemv_i4_mma_kernel<4, 2, T, false, false, true, 1, false, 2>, grid2, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 1 step, L2 256B prefetch, 2 feature groups", [&] { launch(gemv_i4_mma_kernel<4, 1, T, false, false, true, 1, false, 2>, grid2, dim3(128), 0, nullptr, p); });
  run("tc 8 warps x 1 step, L2 256B prefetch, 2 feature groups", [&] { launch(gemv_i4_mma_kernel<8, 1, T, false, false, true, 1, false, 2>, grid2, dim3(256), 0, nullptr, p); });
  run("tc 4 warps x 2 steps, L2 256B prefetch, 4 feature groups", [&] { launch(gemv_i4_mma_kernel<4, 2, T, false, false, true, 1, false, 4>, grid4, dim3(128), 0, nullptr, p); });
  run("tc 4 warps x 1 step, L2 256B prefetch, 4 feature groups", [&] { launch(gemv_i4_mma_kernel<4, 1, T, false, false, true, 1, false, 4>, grid4, dim3(128), 0, nullptr, p); });
  run("tc 8 warps x 1 step, L2 256B prefetch, 4 feature groups", [&] { launch(gemv_i4_mma_kernel<8, 1, T, false, false, true, 1, false, 4>, grid4, dim3(256), 0, nullptr, p); });
}

// One product in every variant, each checked against reference_gemv (the largest |y − reference|
// relative to the largest |reference|). GEMV_INT4_CASES / GEMV_INT4_VARIANTS keep only the products
// ("qkv (m = 1)", …) and variants so named (bench::selected), e.g. a few kernels under Nsight Compute.
void product(const char* name, int64_t m, int64_t n, int64_t k) {
  if (!bench::selected("GEMV_INT4_CASES", std::string(name) + " (m = " + std::to_string(m) + ")")) return;
  uint8_t* w = device_alloc<uint8_t>(size_t(n) * k / 2);
  uint8_t* w_tiled = device_alloc<uint8_t>(size_t(n) * k / 2);
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
  GemmParams tiled = p;
  tiled.b = w_tiled;
  const bool tileable = n % 16 == 0 && k % 128 == 0;
  if (tileable) tile_weights<<<1024, 256>>>(w, w_tiled, n, k / 2);
  reference_gemv<<<unsigned((n + 127) / 128), 128>>>(p, reference);
  check(cudaDeviceSynchronize(), "reference");
  const bench::ProductCheck checked{name, m, n, k, double(n) * k / 2 + 2.0 * n, y, reference, result};
  auto run = [&](const char* variant, const std::function<void()>& launch) {
    if (!tileable && std::string(variant).find("tiled") != std::string::npos) return;
    if (bench::selected("GEMV_INT4_VARIANTS", variant)) checked.run(variant, launch);
  };
  if (m == 1) run("simt gemv (dequantize in fp32)", [&] { glm::gemv_rows<__half, glm::I4, 32>(p, nullptr); });
  if (m <= 8) tensor_core_variants<1>(run, p, tiled);
  else tensor_core_variants<2>(run, p, tiled);
  run("default (as dispatched)", [&] { glm::launch_gemv(p, nullptr); });
  for (void* v : {static_cast<void*>(w), static_cast<void*>(w_tiled), static_cast<void*>(x), static_cast<void*>(scale), static_cast<void*>(bias),
                  static_cast<void*>(y), static_cast<void*>(reference), static_cast<void*>(result)})
    cudaFree(v);
}

}  // namespace

int main() {
  bench::print_device();
  bench::copy_ceiling_tb_per_s();
  for (int64_t m : {1, 16}) bench::glm130b_products(m, product);
  product("ragged (n = 1000)", 3, 1000, 256);
  product("ragged (n = 1000, k = 384)", 8, 1000, 384);
  product("ragged (n = 1000, k = 384)", 13, 1000, 384);
  bench::copy_ceiling_tb_per_s();
  return 0;
}

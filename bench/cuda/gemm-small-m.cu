// Standalone benchmark of the small-M tensor-core product (kernels/gemm_small_m.cu) at GLM-130B's decode
// shapes with 16, 8 and 1 activation rows, in several tilings, against cuBLASLt (through the addon's
// own dispatch, dlopen'ed as in the backend), the SIMT GEMV (gemm.cu) and a plain fp32 reference of its
// own. Built by build-attention-kernels.sh (with gemm_dispatch.cpp, cublaslt.cpp and the SIMT family's
// device.cpp and nvidia_probe.cpp), run by device-check.sh kernels. Prints one JSON line per (shape,
// variant). gemm_init() gives cuBLASLt the addon's 64 MiB workspace.
#include "../../backends/cuda/native/src/gemm_dispatch.h"
#include "../../backends/cuda/native/src/kernels/gemm.cu"
#include "../../backends/cuda/native/src/kernels/gemm_small_m.cu"
#include "../../backends/cuda/native/src/kernels/gemv_int4.cu"  // gemm.cu's GEMV dispatch calls into it
#include "../../backends/cuda/native/src/kernels/gemv_int8.cu"  // and into this
#include "kernel-bench.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <functional>
#include <utility>
#include <vector>

const char* const bench::kProgram = "gemm-small-m";

namespace {

using bench::check;
using bench::device_alloc;
using bench::fill_half;
using bench::linear_product;
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

template <int BN, int BK, int STAGES, int WARPS_N, int WARPS_K>
void cp_async_variant(const GemmParams& p) {
  glm::launch_tiling<__half, BN, BK, STAGES, WARPS_N, WARPS_K>(p, nullptr);
}

// GEMM_SMALL_M_CASES / GEMM_SMALL_M_VARIANTS / GEMM_SMALL_M_SEQUENCES keep only the products, variants
// and swapped-tiling sequences so named (bench::selected), e.g. a few kernels under Nsight Compute.
using bench::selected;

void product(const char* name, int64_t m, int64_t n, int64_t k) {
  if (!selected("GEMM_SMALL_M_CASES", name)) return;
  __half* w = device_alloc<__half>(size_t(n) * k);
  __half* x = device_alloc<__half>(size_t(m) * k);
  __half* bias = device_alloc<__half>(n);
  __half* y = device_alloc<__half>(size_t(m) * n);
  float* reference = device_alloc<float>(size_t(m) * n);
  float* result = device_alloc<float>(2);
  fill_half<<<1024, 256>>>(w, size_t(n) * k, -0.02f, 0.02f, 21);
  fill_half<<<1024, 256>>>(x, size_t(m) * k, -1.f, 1.f, 22);
  fill_half<<<64, 256>>>(bias, n, -0.1f, 0.1f, 23);
  const GemmParams p = linear_product(m, n, k, x, w, y, glm::F16, bias);
  reference_product<<<unsigned((n + 127) / 128), 128>>>(p, reference);
  check(cudaDeviceSynchronize(), "reference");
  const bench::ProductCheck checked{name, m, n, k, 2.0 * n * k, y, reference, result};
  auto run = [&](const char* variant, const std::function<void()>& launch) {
    if (selected("GEMM_SMALL_M_VARIANTS", variant)) checked.run(variant, launch);
  };
  run("cublaslt", [&] { glm::gemm(p, glm::GemmPath::Vendor, nullptr); });
  if (m <= 16) run("simt gemv", [&] { glm::gemv_rows<__half, glm::F16, 8>(p, nullptr); });
  run("mma (default tiling)", [&] { glm::launch_gemm_small_m(p, nullptr); });
  // Tilings: features × k per tile, stages, warps over features × warps over k.
  run("cp.async 64x64, 3 stages, 4x1 warps", [&] { cp_async_variant<64, 64, 3, 4, 1>(p); });
  run("cp.async 32x128, 2 stages, 2x1 warps", [&] { cp_async_variant<32, 128, 2, 2, 1>(p); });
  run("cp.async 32x128, 3 stages, 2x4 warps", [&] { cp_async_variant<32, 128, 3, 2, 4>(p); });
  run("cp.async 32x128, 4 stages, 2x4 warps", [&] { cp_async_variant<32, 128, 4, 2, 4>(p); });
  // More weight bytes in flight per block (4 and 5 tiles): five stages won at 36,864 features and are
  // the default there; at 12,288 (384 blocks) four stay best (cuda-notes.md, version 9).
  run("cp.async 32x128, 5 stages, 2x4 warps", [&] { cp_async_variant<32, 128, 5, 2, 4>(p); });
  run("cp.async 32x128, 6 stages, 2x4 warps", [&] { cp_async_variant<32, 128, 6, 2, 4>(p); });
  run("cp.async 64x128, 5 stages, 4x2 warps", [&] { cp_async_variant<64, 128, 5, 4, 2>(p); });
  // The tiles compiled PyTorch's Triton templates chose for these products on an H200 (torch_peer.py
  // --profile and Inductor's cache: 16 × 128 × 128 with 4 stages and 4 or 8 warps, k not split over
  // warps; 16 × 64 × 64, 3 stages, 4 warps, is the 64x64 one above), and neighbours of them.
  run("cp.async 128x128, 4 stages, 8x1 warps", [&] { cp_async_variant<128, 128, 4, 8, 1>(p); });
  run("cp.async 128x128, 4 stages, 4x1 warps", [&] { cp_async_variant<128, 128, 4, 4, 1>(p); });
  run("cp.async 128x128, 3 stages, 4x1 warps", [&] { cp_async_variant<128, 128, 3, 4, 1>(p); });
  run("cp.async 128x128, 5 stages, 4x1 warps", [&] { cp_async_variant<128, 128, 5, 4, 1>(p); });
  run("cp.async 128x128, 4 stages, 4x2 warps", [&] { cp_async_variant<128, 128, 4, 4, 2>(p); });
  run("cp.async 128x128, 4 stages, 2x2 warps", [&] { cp_async_variant<128, 128, 4, 2, 2>(p); });
  // Fewer or more warps a block at the default depths.
  run("cp.async 32x128, 5 stages, 2x2 warps", [&] { cp_async_variant<32, 128, 5, 2, 2>(p); });
  run("cp.async 32x128, 4 stages, 2x2 warps", [&] { cp_async_variant<32, 128, 4, 2, 2>(p); });
  run("cp.async 32x128, 5 stages, 1x8 warps", [&] { cp_async_variant<32, 128, 5, 1, 8>(p); });
  run("cp.async 32x128, 4 stages, 1x8 warps", [&] { cp_async_variant<32, 128, 4, 1, 8>(p); });
  run("cp.async 64x128, 3 stages, 2x4 warps", [&] { cp_async_variant<64, 128, 3, 2, 4>(p); });
  run("cp.async 64x128, 4 stages, 2x4 warps", [&] { cp_async_variant<64, 128, 4, 2, 4>(p); });
  // 512-byte row pieces (k tiles of 256).
  run("cp.async 32x256, 3 stages, 2x4 warps", [&] { cp_async_variant<32, 256, 3, 2, 4>(p); });
  run("cp.async 32x256, 2 stages, 2x4 warps", [&] { cp_async_variant<32, 256, 2, 2, 4>(p); });
  run("cp.async 32x128, 2 stages, 2x4 warps", [&] { cp_async_variant<32, 128, 2, 2, 4>(p); });
  run("cp.async 32x128, 3 stages, 2x8 warps", [&] { cp_async_variant<32, 128, 3, 2, 8>(p); });
  run("cp.async 32x256, 3 stages, 2x8 warps", [&] { cp_async_variant<32, 256, 3, 2, 8>(p); });
  run("cp.async 64x128, 3 stages, 4x4 warps", [&] { cp_async_variant<64, 128, 3, 4, 4>(p); });
  run("cp.async 64x128, 4 stages, 4x2 warps", [&] { cp_async_variant<64, 128, 4, 4, 2>(p); });
  run("cp.async 16x256, 3 stages, 1x8 warps", [&] { cp_async_variant<16, 256, 3, 1, 8>(p); });
  run("cp.async 32x64, 4 stages, 2x4 warps", [&] { cp_async_variant<32, 64, 4, 2, 4>(p); });
  run("cp.async 64x64, 4 stages, 4x4 warps", [&] { cp_async_variant<64, 64, 4, 4, 4>(p); });
  run("cp.async 16x128, 4 stages, 1x4 warps", [&] { cp_async_variant<16, 128, 4, 1, 4>(p); });
  run("cp.async 16x128, 6 stages, 1x8 warps", [&] { cp_async_variant<16, 128, 6, 1, 8>(p); });
  run("cp.async 128x64, 5 stages, 8x1 warps", [&] { cp_async_variant<128, 64, 5, 8, 1>(p); });
  run("cp.async 128x64, 4 stages, 8x2 warps", [&] { cp_async_variant<128, 64, 4, 8, 2>(p); });
  for (void* v : {static_cast<void*>(w), static_cast<void*>(x), static_cast<void*>(bias), static_cast<void*>(y), static_cast<void*>(reference),
                  static_cast<void*>(result)})
    cudaFree(v);
}

// The four products as a decode step meets them: after 1.6 GB of other reads (a batch-16 KV cache) and
// one after another without waiting, with cold caches and TLBs, where the kernels alone above run
// each product 20 times over the same warm matrix. Median per product over 20 rounds, the variants
// interleaved round by round so that drift (clocks, power) hits them alike.
__global__ void read_all(const uint4* data, size_t count, unsigned* sink) {
  unsigned acc = 0;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count; i += size_t(gridDim.x) * blockDim.x) acc ^= data[i].x ^ data[i].w;
  if (acc == 0x9e3779b9u) *sink = acc;  // keeps the loads
}

void layer_sequence() {
  const int64_t h = 12288, m = 16;
  const int64_t shapes[4][2] = {{3 * h, h}, {h, h}, {2 * 32768, h}, {h, 32768}};
  const char* names[4] = {"qkv", "dense", "up", "down"};
  __half* weights[4];
  for (int i = 0; i < 4; ++i) {
    weights[i] = device_alloc<__half>(size_t(shapes[i][0]) * shapes[i][1]);
    fill_half<<<1024, 256>>>(weights[i], size_t(shapes[i][0]) * shapes[i][1], -0.02f, 0.02f, 30 + i);
  }
  __half* x = device_alloc<__half>(size_t(m) * 32768);
  __half* y = device_alloc<__half>(size_t(m) * 65536);
  fill_half<<<256, 256>>>(x, size_t(m) * 32768, -1.f, 1.f, 40);
  const size_t kv_bytes = size_t(16) * 2048 * h * 2 * 2;
  uint4* kv = device_alloc<uint4>(kv_bytes / 16);
  unsigned* sink = device_alloc<unsigned>(1);
  check(cudaMemset(kv, 1, kv_bytes), "memset");
  check(cudaDeviceSynchronize(), "fill");
  GemmParams p[4];
  for (int i = 0; i < 4; ++i) p[i] = linear_product(m, shapes[i][0], shapes[i][1], x, weights[i], y, glm::F16);
  // The step with cuBLASLt, with the default tilings, and with one product's tiling swapped at a time
  // for a tiling the kernels alone put close to it: the choice that counts is the one in this order.
  using Launch = std::function<void(const GemmParams&)>;
  const Launch lt = [](const GemmParams& q) { glm::gemm(q, glm::GemmPath::Vendor, nullptr); };
  const Launch chosen = [](const GemmParams& q) { glm::launch_gemm_small_m(q, nullptr); };
  struct Candidate {
    std::string name;
    Launch launch[4];
  };
  std::vector<Candidate> candidates = {{"cublaslt", {lt, lt, lt, lt}}, {"mma (default tiling)", {chosen, chosen, chosen, chosen}}};
  const std::pair<const char*, Launch> swaps[] = {
      {"64x128, 4 stages, 4x2 warps", cp_async_variant<64, 128, 4, 4, 2>},
      {"64x128, 5 stages, 4x2 warps", cp_async_variant<64, 128, 5, 4, 2>},
      {"128x128, 4 stages, 4x1 warps", cp_async_variant<128, 128, 4, 4, 1>},
      {"128x128, 4 stages, 4x2 warps", cp_async_variant<128, 128, 4, 4, 2>},
      {"32x128, 5 stages, 2x4 warps", cp_async_variant<32, 128, 5, 2, 4>},
      {"32x128, 6 stages, 2x4 warps", cp_async_variant<32, 128, 6, 2, 4>},
      {"32x128, 4 stages, 2x2 warps", cp_async_variant<32, 128, 4, 2, 2>},
  };
  for (int i = 0; i < 4; ++i)
    for (const auto& [tiling, launch] : swaps) {
      Candidate c{std::string(names[i]) + ": " + tiling, {chosen, chosen, chosen, chosen}};
      c.launch[i] = launch;
      if (selected("GEMM_SMALL_M_SEQUENCES", c.name)) candidates.push_back(c);
    }
  const size_t count = candidates.size();
  std::vector<std::vector<float>> times(count * 5);
  cudaEvent_t ev[5];
  for (auto& e : ev) cudaEventCreate(&e);
  for (int round = 0; round < 23; ++round)
    for (size_t v = 0; v < count; ++v) {
      read_all<<<132 * 8, 512>>>(kv, kv_bytes / 16, sink);
      cudaEventRecord(ev[0]);
      for (int i = 0; i < 4; ++i) {
        candidates[v].launch[i](p[i]);
        cudaEventRecord(ev[i + 1]);
      }
      check(cudaEventSynchronize(ev[4]), "sequence");
      if (round < 3) continue;
      for (int i = 0; i < 4; ++i) {
        float ms = 0.f;
        cudaEventElapsedTime(&ms, ev[i], ev[i + 1]);
        times[v * 5 + i].push_back(ms);
      }
      float total = 0.f;
      cudaEventElapsedTime(&total, ev[0], ev[4]);
      times[v * 5 + 4].push_back(total);
    }
  auto median = [](std::vector<float> t) { std::sort(t.begin(), t.end()); return t[t.size() / 2]; };
  for (size_t v = 0; v < count; ++v) {
    std::printf("{\"sequence\":\"%s\"", candidates[v].name.c_str());
    for (int i = 0; i < 4; ++i) std::printf(",\"%s_ms\":%.4f", names[i], median(times[v * 5 + i]));
    std::printf(",\"four_products_ms\":%.4f}\n", median(times[v * 5 + 4]));
  }
  for (auto& e : ev) cudaEventDestroy(e);
  for (auto* w : weights) cudaFree(w);
  for (void* v : {static_cast<void*>(x), static_cast<void*>(y), static_cast<void*>(kv), static_cast<void*>(sink)}) cudaFree(v);
}

}  // namespace

int main() {
  cudaDeviceProp props{};
  check(cudaGetDeviceProperties(&props, 0), "cudaGetDeviceProperties");
  std::printf("{\"device\":\"%s\",\"sm\":%d%d}\n", props.name, props.major, props.minor);
  glm::gemm_init();
  std::string where;
  const std::string lt = glm::gemm_library_status(&where);
  if (!lt.empty()) {
    std::fprintf(stderr, "gemm-small-m: cuBLASLt unusable: %s\n", lt.c_str());
    return 1;
  }
  bench::glm130b_products(16, product);
  if (!std::getenv("GEMM_SMALL_M_CASES")) layer_sequence();
  product("ragged (n = 1000, k = 264)", 11, 1000, 264);
  product("ragged (n = 72, k = 72)", 5, 72, 72);
  product("ragged (n = 1000, k = 1024)", 13, 1000, 1024);
  return 0;
}

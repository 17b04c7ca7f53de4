// Benchmark (not a test): the cuda backend's attention kernels alone, at the GLM-130B layer's shapes,
// so tilings can be compared in one device run without the whole layer around them.
//   prefill: 1 × 96 heads × 2048 queries over 2048 keys, head dim 128, fp16, prefix 1024 (GLM mask),
//            Q and V read in place from the QKV product ([tokens, heads, 3·128]), K contiguous (rope's
//            output), the output in the [tokens, heads·128] layout the dense layer reads — as in the layer.
//   decode:  batch 1 and 16, one query over a 2049-key cache [b, h, capacity, 128] with the length on
//            the device, split over the keys exactly as backends/simt/lowerings/attention.ts does;
//            then the per-key and the decode kernel of attention.cu each at several other splits.
// Every variant is checked against a plain fp32 kernel here (P rounded to fp16 as the kernels round it)
// and timed with CUDA events: the median of 20 runs after 3 warm-ups. Output: one JSON line per case.
//
//   bash bench/cuda/build-attention-kernels.sh   (here; nvcc)   then on the GPU machine:
//   .device-carry/attention-kernels
#include "../../backends/cuda/native/src/kernels/flash_attention.cu"
#include "kernel-bench.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace glm {
// attention.cu: one fused kernel forced (0 the per-key kernel, 1 the decode kernel), for comparison.
void launch_attention_fused_variant(int dtype, const AttentionParams& p, Stream s, int kernel);
}  // namespace glm

const char* const bench::kProgram = "attention-kernels";

namespace {

using bench::check;
using bench::device_alloc;
using bench::median_ms;
using glm::AttentionParams;

// One block per (b, h, query): scores in fp32 into shared memory, the GLM mask, softmax in fp32, P
// rounded to fp16, P·V in fp32.
__global__ void reference_attention(AttentionParams p, float* out) {
  extern __shared__ float scores[];
  const int row = blockIdx.x;
  const int i = row % p.queries;
  const int h = (row / p.queries) % p.heads;
  const int b = row / (p.queries * p.heads);
  const int valid = p.length ? *p.length : p.keys;
  const int context = p.context_lengths[b];
  const __half* q = static_cast<const __half*>(p.q) + b * p.q_strides[0] + h * p.q_strides[1] + i * p.q_strides[2];
  const __half* kb = static_cast<const __half*>(p.k) + b * p.k_strides[0] + h * p.k_strides[1];
  const __half* vb = static_cast<const __half*>(p.v) + b * p.v_strides[0] + h * p.v_strides[1];
  const int position = valid - p.queries + i;
  for (int j = threadIdx.x; j < valid; j += blockDim.x) {
    float dot = 0.f;
    for (int t = 0; t < p.dim; ++t) dot += __half2float(q[t]) * __half2float(kb[j * p.k_strides[2] + t]);
    scores[j] = (j < context || j <= position) ? dot * p.scale : -10000.f;
  }
  __syncthreads();
  __shared__ float total[2];
  if (threadIdx.x == 0) {
    float m = -INFINITY;
    for (int j = 0; j < valid; ++j) m = fmaxf(m, scores[j]);
    float l = 0.f;
    for (int j = 0; j < valid; ++j) l += expf(scores[j] - m);
    total[0] = m;
    total[1] = l;
  }
  __syncthreads();
  for (int t = threadIdx.x; t < p.dim; t += blockDim.x) {
    float acc = 0.f;
    for (int j = 0; j < valid; ++j) acc += __half2float(__float2half(expf(scores[j] - total[0]))) * __half2float(vb[j * p.v_strides[2] + t]);
    out[(size_t(row)) * p.dim + t] = acc / total[1];
  }
}

// Largest |out - reference| over the case, the output read in its own layout.
__global__ void max_difference(AttentionParams p, const float* reference, float* result) {
  const int row = blockIdx.x;
  const int i = row % p.queries;
  const int h = (row / p.queries) % p.heads;
  const int b = row / (p.queries * p.heads);
  const __half* out = static_cast<const __half*>(p.out) + b * p.out_strides[0] + h * p.out_strides[1] + i * p.out_strides[2];
  for (int t = threadIdx.x; t < p.dim; t += blockDim.x) {
    const float d = fabsf(__half2float(out[t * p.out_strides[3]]) - reference[size_t(row) * p.dim + t]);
    atomicMax(reinterpret_cast<int*>(result), __float_as_int(d));  // non-negative floats order as ints
  }
}

struct Case {
  AttentionParams p;
  float* reference;
  double flops;  // 4·D per visible (query, key) pair
  double bytes;  // K and V rows read once
};

float difference(const Case& c) {
  float* result = device_alloc<float>(1);
  check(cudaMemset(result, 0, sizeof(float)), "memset");
  max_difference<<<c.p.batch * c.p.heads * c.p.queries, 128>>>(c.p, c.reference, result);
  float host = 0.f;
  check(cudaMemcpy(&host, result, sizeof(float), cudaMemcpyDeviceToHost), "difference");
  cudaFree(result);
  return host;
}

void report(const char* kind, const std::string& variant, const Case& c, float ms) {
  std::printf("{\"case\":\"%s\",\"variant\":\"%s\",\"median_ms\":%.4f,\"tflop_per_s\":%.1f,\"tb_per_s\":%.3f,\"max_abs_diff\":%.5f}\n", kind,
              variant.c_str(), ms, c.flops / (ms * 1e-3) / 1e12, c.bytes / (ms * 1e-3) / 1e12, difference(c));
  std::fflush(stdout);
}

void prefill(int device_sms) {
  (void)device_sms;
  constexpr int H = 96, S = 2048, D = 128, context = 1024;
  __half* qkv = device_alloc<__half>(size_t(S) * H * 3 * D);
  __half* k = device_alloc<__half>(size_t(H) * S * D);
  __half* out = device_alloc<__half>(size_t(S) * H * D);
  bench::fill_half<<<1024, 256>>>(qkv, size_t(S) * H * 3 * D, -2.f, 2.f, 1);
  bench::fill_half<<<1024, 256>>>(k, size_t(H) * S * D, -2.f, 2.f, 2);
  int32_t* lengths = device_alloc<int32_t>(1);
  int* flag = device_alloc<int>(1);
  check(cudaMemcpy(lengths, &context, sizeof(int), cudaMemcpyHostToDevice), "upload");
  check(cudaMemset(flag, 0, sizeof(int)), "memset");
  AttentionParams p{};
  p.q = qkv;
  p.v = qkv + 2 * D;
  p.k = k;
  p.out = out;
  const int64_t token = int64_t(H) * 3 * D;
  const int64_t qs[4] = {S * token, 3 * D, token, 1}, ks[4] = {int64_t(H) * S * D, int64_t(S) * D, D, 1}, os[4] = {int64_t(S) * H * D, D, int64_t(H) * D, 1};
  std::copy(qs, qs + 4, p.q_strides);
  std::copy(qs, qs + 4, p.v_strides);
  std::copy(ks, ks + 4, p.k_strides);
  std::copy(os, os + 4, p.out_strides);
  p.batch = 1, p.heads = H, p.queries = S, p.keys = S, p.dim = D;
  p.scale = 1.f / std::sqrt(float(D));
  p.context_lengths = lengths;
  p.splits = 1, p.keys_per_split = S;
  p.error_flag = flag;
  double pairs = 0;
  for (int i = 0; i < S; ++i) pairs += std::max(context, i + 1);
  Case c{p, device_alloc<float>(size_t(S) * H * D), 4.0 * D * pairs * H, 0};
  c.bytes = 2.0 * 2 * H * S * D;
  reference_attention<<<H * S, 128, S * sizeof(float)>>>(p, c.reference);
  check(cudaDeviceSynchronize(), "reference");
  auto run = [&](const std::string& name, void (*launch)(const AttentionParams&, glm::Stream)) {
    const float ms = median_ms([&] { launch(p, nullptr); });
    check(cudaGetLastError(), name.c_str());
    report("prefill-2048", name, c, ms);
  };
  using namespace glm;
  run("mma 16 rows/warp, 64-key tiles", launch_flash<__half, 128, 1, 64>);
  run("mma 32 rows/warp, 64-key tiles", launch_flash<__half, 128, 2, 64>);
  run("mma 16 rows/warp, 32-key tiles", launch_flash<__half, 128, 1, 32>);
  run("mma 32 rows/warp, 32-key tiles", launch_flash<__half, 128, 2, 32>);
  run("default (launch_attention_tensor_core)", [](const AttentionParams& q, Stream s) { launch_attention_tensor_core(F16, q, s); });
  int error = 0;
  cudaMemcpy(&error, flag, sizeof(int), cudaMemcpyDeviceToHost);
  if (error) std::printf("{\"case\":\"prefill-2048\",\"error_flag\":%d}\n", error);
  for (void* x : {static_cast<void*>(qkv), static_cast<void*>(k), static_cast<void*>(out), static_cast<void*>(lengths), static_cast<void*>(flag),
                  static_cast<void*>(c.reference)})
    cudaFree(x);
}

void decode(int batch, int device_sms) {
  constexpr int H = 96, capacity = 2049, D = 128, context = 1024;
  const int valid = capacity;
  const size_t cache = size_t(batch) * H * capacity * D;
  __half* q = device_alloc<__half>(size_t(batch) * H * D);
  __half* k = device_alloc<__half>(cache);
  __half* v = device_alloc<__half>(cache);
  __half* out = device_alloc<__half>(size_t(batch) * H * D);
  bench::fill_half<<<1024, 256>>>(q, size_t(batch) * H * D, -2.f, 2.f, 3);
  bench::fill_half<<<1024, 256>>>(k, cache, -2.f, 2.f, 4);
  bench::fill_half<<<1024, 256>>>(v, cache, -2.f, 2.f, 5);
  std::vector<int32_t> host_lengths(batch, context);
  int32_t* lengths = device_alloc<int32_t>(batch);
  int32_t* length = device_alloc<int32_t>(1);
  int* flag = device_alloc<int>(1);
  check(cudaMemcpy(lengths, host_lengths.data(), batch * sizeof(int), cudaMemcpyHostToDevice), "upload");
  check(cudaMemcpy(length, &valid, sizeof(int), cudaMemcpyHostToDevice), "upload");
  check(cudaMemset(flag, 0, sizeof(int)), "memset");
  AttentionParams p{};
  p.q = q, p.k = k, p.v = v, p.out = out;
  const int64_t qs[4] = {int64_t(H) * D, D, D, 1}, cs[4] = {int64_t(H) * capacity * D, int64_t(capacity) * D, D, 1};
  std::copy(qs, qs + 4, p.q_strides);
  std::copy(qs, qs + 4, p.out_strides);
  std::copy(cs, cs + 4, p.k_strides);
  std::copy(cs, cs + 4, p.v_strides);
  p.batch = batch, p.heads = H, p.queries = 1, p.keys = capacity, p.dim = D;
  p.scale = 1.f / std::sqrt(float(D));
  p.context_lengths = lengths;
  p.length = length;
  p.error_flag = flag;
  // The split rule of lowerings/attention.ts (one query: at most 1024 keys a split, shared out evenly).
  const int rows = batch * H;
  const int wanted = std::max(1, (4 * device_sms + rows - 1) / rows);
  p.keys_per_split = std::min(1024, std::max(64, (capacity + wanted - 1) / wanted));
  p.splits = std::max(1, (capacity + p.keys_per_split - 1) / p.keys_per_split);
  p.keys_per_split = (capacity + p.splits - 1) / p.splits;
  float* workspace = p.splits > 1 ? device_alloc<float>(size_t(rows) * p.splits * (2 + D)) : nullptr;
  p.partial_ml = workspace;
  p.partial_acc = workspace ? workspace + size_t(rows) * p.splits * 2 : nullptr;
  Case c{p, device_alloc<float>(size_t(rows) * D), 4.0 * D * valid * rows, 2.0 * 2 * rows * double(valid) * D};
  reference_attention<<<rows, 128, capacity * sizeof(float)>>>(p, c.reference);
  check(cudaDeviceSynchronize(), "reference");
  const std::string name = "decode-b" + std::to_string(batch) + "-cache2048";
  const float ms = median_ms([&] { glm::launch_attention_fused(glm::F16, p, nullptr); });
  check(cudaGetLastError(), name.c_str());
  report(name.c_str(), "default (launch_attention_fused), " + std::to_string(p.splits) + " splits (the lowering's rule)", c, ms);
  // Each fused kernel at other key splits, to see the split rule's effect (tails, parallelism).
  const char* kernels[2] = {"per-key kernel", "decode kernel"};
  std::vector<int> tried;
  for (int splits : {p.splits, 1, 2, 3, 4, 5, 6, 8, 12, 16, 32}) {
    Case other = c;
    other.p.keys_per_split = (capacity + splits - 1) / splits;
    other.p.splits = (capacity + other.p.keys_per_split - 1) / other.p.keys_per_split;
    if (other.p.splits != splits || std::find(tried.begin(), tried.end(), splits) != tried.end()) continue;
    tried.push_back(splits);
    float* more = other.p.splits > 1 ? device_alloc<float>(size_t(rows) * other.p.splits * (2 + D)) : nullptr;
    other.p.partial_ml = more;
    other.p.partial_acc = more ? more + size_t(rows) * other.p.splits * 2 : nullptr;
    for (int kernel : {0, 1}) {
      const float t = median_ms([&] { glm::launch_attention_fused_variant(glm::F16, other.p, nullptr, kernel); });
      check(cudaGetLastError(), name.c_str());
      report(name.c_str(), std::string(kernels[kernel]) + ", " + std::to_string(other.p.splits) + " splits", other, t);
    }
    if (more) cudaFree(more);
  }
  for (void* x : {static_cast<void*>(q), static_cast<void*>(k), static_cast<void*>(v), static_cast<void*>(out), static_cast<void*>(lengths),
                  static_cast<void*>(length), static_cast<void*>(flag), static_cast<void*>(workspace), static_cast<void*>(c.reference)})
    cudaFree(x);
}

}  // namespace

int main() {
  const cudaDeviceProp props = bench::print_device();
  cudaFuncSetAttribute(reference_attention, cudaFuncAttributeMaxDynamicSharedMemorySize, 2049 * 4);
  prefill(props.multiProcessorCount);
  decode(1, props.multiProcessorCount);
  decode(16, props.multiProcessorCount);
  return 0;
}

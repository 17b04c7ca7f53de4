// Uniform random fill, for benchmarks: GLM-130B-sized weights are made on the device instead of
// being generated and copied from the host. A counter-based hash (splitmix64), so any element's
// value depends only on (seed, index).
#include "../kernels.h"

namespace glm {
namespace {

__device__ __forceinline__ uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

template <typename T>
__global__ void random_kernel(T* out, int64_t n, uint64_t seed, float low, float high) {
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const float u = static_cast<float>(splitmix64(seed * 0x632be59bd9b4e019ull + static_cast<uint64_t>(i)) >> 40) * (1.0f / 16777216.0f);
    out[i] = from_f32<T>(low + (high - low) * u);
  }
}

}  // namespace

void launch_random(int dtype, void* out, int64_t n, uint64_t seed, float low, float high, Stream s) {
  if (n <= 0) return;
  const dim3 grid(blocks_for(n, 256, 132 * 32)), block(256);
  switch (dtype) {
    case F32: launch(random_kernel<float>, grid, block, 0, s, static_cast<float*>(out), n, seed, low, high); break;
    case F16: launch(random_kernel<__half>, grid, block, 0, s, static_cast<__half*>(out), n, seed, low, high); break;
    default: launch(random_kernel<__nv_bfloat16>, grid, block, 0, s, static_cast<__nv_bfloat16*>(out), n, seed, low, high); break;
  }
}

}  // namespace glm

// cache-write: the in-place KV-cache append. A strided copy of `update` into the cache whose position
// along the sequence axis is read from device memory, so the launch words are the same at every
// decode step (a step captured once as a CUDA Graph replays it). An offset outside [0, C − S] sets
// the error flag and writes nothing.
#include "../kernels.h"

namespace glm {
namespace {

template <typename E>
__global__ void cache_write_kernel(CacheWriteParams p, int64_t count) {
  const int64_t at = *p.offset;
  if (at < 0 || at > p.max_offset) {
    if (blockIdx.x == 0 && threadIdx.x == 0) atomicCAS(p.error_flag, 0, p.tag + 1);
    return;
  }
  const E* src = static_cast<const E*>(p.src);
  E* dst = static_cast<E*>(p.dst) + at * p.offset_stride;
  for (int64_t linear = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; linear < count;
       linear += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t rest = linear, src_offset = 0, dst_offset = 0;
    for (int d = p.rank - 1; d >= 0; --d) {
      const int64_t i = rest % p.shape[d];
      rest /= p.shape[d];
      dst_offset += i * p.dst_strides[d];
      src_offset += i * p.src_strides[d];
    }
    dst[dst_offset] = src[src_offset];
  }
}

template <typename E>
void cache_write_as(const CacheWriteParams& p, int64_t count, Stream s) {
  launch(cache_write_kernel<E>, dim3(blocks_for(count, 256)), dim3(256), 0, s, p, count);
}

}  // namespace

void launch_cache_write(const CacheWriteParams& p, int64_t count, Stream s) {
  if (count <= 0) return;
  switch (p.elem_bytes) {
    case 1: cache_write_as<uint8_t>(p, count, s); break;
    case 2: cache_write_as<uint16_t>(p, count, s); break;
    case 4: cache_write_as<uint32_t>(p, count, s); break;
    case 8: cache_write_as<uint2>(p, count, s); break;
    default: cache_write_as<uint4>(p, count, s); break;
  }
}

}  // namespace glm

// Strided copies: transpose, split, slice, concat parts, gather and materialising views are all
// one kernel. The TypeScript side merges contiguous dims and widens the element to 8 or 16 bytes
// where both sides allow it, so the common cases move 16 bytes per thread.
#include "../kernels.h"

namespace glm {
namespace {

template <typename E>
__global__ void copy_kernel(CopyParams p, int64_t count) {
  const E* src = static_cast<const E*>(p.src);
  E* dst = static_cast<E*>(p.dst);
  for (int64_t linear = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; linear < count;
       linear += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t rest = linear;
    int64_t src_offset = 0, dst_offset = 0;
    bool ok = true;
    for (int d = p.rank - 1; d >= 0; --d) {
      const int64_t extent = p.shape[d];
      const int64_t i = rest % extent;
      rest /= extent;
      dst_offset += i * p.dst_strides[d];
      if (d == p.index_dim) {
        const int64_t at = p.indices[i];
        if (at < 0 || at >= p.index_limit) {
          ok = false;
        } else {
          src_offset += at * p.src_strides[d];
        }
      } else {
        src_offset += i * p.src_strides[d];
      }
    }
    if (ok) {
      dst[dst_offset] = src[src_offset];
    } else {
      atomicCAS(p.error_flag, 0, p.tag + 1);
    }
  }
}

}  // namespace

void launch_copy(const CopyParams& p, int64_t count, Stream s) {
  if (count <= 0) return;
  const unsigned blocks = blocks_for(count, 256);
  switch (p.elem_bytes) {
    case 1: launch(copy_kernel<uint8_t>, dim3(blocks), dim3(256), 0, s, p, count); break;
    case 2: launch(copy_kernel<uint16_t>, dim3(blocks), dim3(256), 0, s, p, count); break;
    case 4: launch(copy_kernel<uint32_t>, dim3(blocks), dim3(256), 0, s, p, count); break;
    case 8: launch(copy_kernel<uint2>, dim3(blocks), dim3(256), 0, s, p, count); break;
    default: launch(copy_kernel<uint4>, dim3(blocks), dim3(256), 0, s, p, count); break;
  }
}

}  // namespace glm

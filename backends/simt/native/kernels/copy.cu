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

// Rows of a long innermost dim: the outer index is decomposed once per row (blockIdx.y), the
// innermost dim is a plain strided loop — no per-element divisions.
template <typename E>
__global__ void copy_rows_kernel(CopyParams p, int64_t rows, int64_t inner) {
  const E* src = static_cast<const E*>(p.src);
  E* dst = static_cast<E*>(p.dst);
  const int last = p.rank - 1;
  const int64_t ds = p.dst_strides[last], ss = p.src_strides[last];
  for (int64_t row = blockIdx.y; row < rows; row += gridDim.y) {
    int64_t rest = row, src_offset = 0, dst_offset = 0;
    bool ok = true;
    for (int d = last - 1; d >= 0; --d) {
      const int64_t i = rest % p.shape[d];
      rest /= p.shape[d];
      dst_offset += i * p.dst_strides[d];
      if (d == p.index_dim) {
        const int64_t at = p.indices[i];
        if (at < 0 || at >= p.index_limit) ok = false;
        else src_offset += at * p.src_strides[d];
      } else {
        src_offset += i * p.src_strides[d];
      }
    }
    if (!ok) {
      if (threadIdx.x == 0 && blockIdx.x == 0) atomicCAS(p.error_flag, 0, p.tag + 1);
      continue;
    }
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < inner; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
      dst[dst_offset + i * ds] = src[src_offset + i * ss];
  }
}

template <typename E>
void copy_as(const CopyParams& p, int64_t count, Stream s) {
  const int64_t inner = p.shape[p.rank - 1];
  if (inner >= 64 && p.index_dim != p.rank - 1) {
    const int64_t rows = count / inner;
    const dim3 grid(blocks_for(inner, 256, 1024), static_cast<unsigned>(rows < 65535 ? rows : 65535));
    launch(copy_rows_kernel<E>, grid, dim3(256), 0, s, p, rows, inner);
  } else {
    launch(copy_kernel<E>, dim3(blocks_for(count, 256)), dim3(256), 0, s, p, count);
  }
}

}  // namespace

void launch_copy(const CopyParams& p, int64_t count, Stream s) {
  if (count <= 0) return;
  switch (p.elem_bytes) {
    case 1: copy_as<uint8_t>(p, count, s); break;
    case 2: copy_as<uint16_t>(p, count, s); break;
    case 4: copy_as<uint32_t>(p, count, s); break;
    case 8: copy_as<uint2>(p, count, s); break;
    default: copy_as<uint4>(p, count, s); break;
  }
}

}  // namespace glm

// Host-side helpers both backends' platform.h share: the storage dtypes as the records number them
// (backends/gpu-common/launch-codes.ts), their sizes, and grid sizing.
#pragma once

#include <cstddef>
#include <cstdint>

namespace glm {

enum DType : int { F32 = 0, F16 = 1, BF16 = 2, I32 = 3, I8 = 4, I4 = 5 };

inline size_t dtype_bytes(int dtype) {
  switch (dtype) {
    case F32: case I32: return 4;
    case F16: case BF16: return 2;
    default: return 1;
  }
}

// Blocks of `per_block` for n items, at least one and at most `cap` (kernels stride past it).
inline unsigned blocks_for(int64_t n, int per_block, int64_t cap = 65535LL * 16) {
  int64_t b = (n + per_block - 1) / per_block;
  if (b < 1) b = 1;
  return static_cast<unsigned>(b > cap ? cap : b);
}

}  // namespace glm

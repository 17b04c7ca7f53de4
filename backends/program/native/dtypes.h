// The storage dtypes as launch records number them, and their sizes. The codes (enum DType, and
// kDTypeCodes for the addon's launchCodes()) are generated at build time from the TypeScript table
// into glm_dtype_codes.h in the build directory (codegen.mjs, run by the family's generator).
#pragma once

#include <cstddef>

#include "glm_dtype_codes.h"

namespace glm {

inline size_t dtype_bytes(int dtype) {
  switch (dtype) {
    case F32: case I32: return 4;
    case F16: case BF16: return 2;
    default: return 1;
  }
}

}  // namespace glm

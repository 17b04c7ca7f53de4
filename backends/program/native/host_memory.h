// An emulated device's memory is host memory (host_memory.cpp implements device.h so): what it
// reports as its size.
#pragma once

#include <cstddef>

namespace glm {

constexpr size_t kHostMemoryBytes = 8ull << 30;

}  // namespace glm

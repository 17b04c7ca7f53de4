// The CPU emulator of the CUDA execution model (32-lane warps), for checking the cuda kernels where
// there is no GPU: the shared scheduler (backends/simt/native/emu/scheduler.h) and CUDA's
// intrinsics on it.
#pragma once

#include "emu/scheduler.h"

static_assert(GLM_EMU_WARP == 32, "CUDA warps are 32 lanes");

inline void __syncwarp(unsigned = 0xffffffffu) { emu::sync_wavefront(); }
template <typename T>
inline T __shfl_xor_sync(unsigned, T v, int lane_mask, int = 32) {
  return emu::shuffle(v, emu::lane_id() ^ lane_mask);
}
template <typename T>
inline T __shfl_sync(unsigned, T v, int source_lane, int = 32) {
  return emu::shuffle(v, source_lane & 31);
}
template <typename T>
inline T __shfl_down_sync(unsigned, T v, unsigned delta, int = 32) {
  int src = emu::lane_id() + static_cast<int>(delta);
  return emu::shuffle(v, src > 31 ? emu::lane_id() : src);
}

template <typename T>
inline T __ldg(const T* p) { return *p; }
// Byte i of the result is byte (selector nibble i) of the eight bytes y:x (x the low four).
inline unsigned __byte_perm(unsigned x, unsigned y, unsigned selector) {
  const uint64_t bytes = (static_cast<uint64_t>(y) << 32) | x;
  unsigned out = 0;
  for (int i = 0; i < 4; ++i) out |= static_cast<unsigned>((bytes >> (8 * ((selector >> (4 * i)) & 7))) & 0xff) << (8 * i);
  return out;
}
inline float __expf(float x) { return std::exp(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline int atomicMax(int* p, int v) { int old = *p; if (v > old) *p = v; return old; }
inline float atomicAdd(float* p, float v) { float old = *p; *p += v; return old; }

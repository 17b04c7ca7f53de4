// The CPU emulator of the HIP execution model with the hardware's wavefront width as a build
// parameter (GLM_EMU_WARP: 64 emulates the DCU's wave64, 32 an NVIDIA warp), for checking the
// rocm-dcu kernels where there is no GPU: the shared scheduler
// (backends/simt/native/emu/scheduler.h, with its group barriers — the NVIDIA named barriers
// that join the two warps of a logical 64-wide wavefront) and HIP's maskless shuffles on it.
#pragma once

#include "emu/scheduler.h"

// HIP's shuffle (no mask: the whole wavefront takes part). A source outside the lane's width-sized
// segment returns the lane's own value, as HIP's __shfl_xor does.
template <typename T>
inline T __shfl_xor(T v, int lane_mask, int width = warpSize) {
  const int self = emu::lane_id();
  const int index = self ^ lane_mask;
  const int segment_end = (self + width) & ~(width - 1);
  return emu::shuffle(v, index >= segment_end ? self : index);
}

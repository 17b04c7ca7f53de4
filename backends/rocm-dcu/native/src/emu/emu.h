// A CPU emulator of the HIP execution model with the hardware's wavefront width as a build
// parameter (GLM_EMU_WARP: 64 emulates the DCU's wave64, 32 an NVIDIA warp), for checking the
// rocm-dcu kernels on machines without a GPU. Derived from the cuda backend's 32-lane emulator
// (backends/cuda/native/src/emu): each thread of a block is a coroutine on one OS thread, blocks run
// one after another (so `static` locals behave as __shared__ memory), __syncthreads, the
// wavefront shuffles and group barriers are scheduling points. It adds the width parameter, HIP's
// maskless shuffles, and group barriers (the NVIDIA named barriers that join the two warps of a
// logical 64-wide wavefront). It checks logic — indexing, tails, masks, barriers, which lanes a
// shuffle reads — not speed, memory ordering between blocks, or races the hardware could expose.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <algorithm>

#ifndef GLM_EMU_WARP
#error "GLM_EMU_WARP (the emulated hardware's wavefront width, 32 or 64) must be defined by the build"
#endif
static_assert(GLM_EMU_WARP == 32 || GLM_EMU_WARP == 64, "the emulated wavefront is 32 or 64 lanes");

// CUDA's headers only for their plain host-side types (dim3, uint4, __half, __nv_bfloat16), before
// this file's macros change the words.
#include <vector_types.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#undef __global__
#undef __device__
#undef __host__
#undef __forceinline__
#undef __shared__
#undef __launch_bounds__
#undef __align__
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)
#define __align__(n) alignas(n)

namespace emu {

void launch(dim3 grid, dim3 block, size_t dynamic_smem, std::function<void()> body);
void* dynamic_smem();
const uint3& thread_index();
extern uint3 block_index;
extern dim3 block_dim;
extern dim3 grid_dim;
void sync_block();
// A barrier among the `threads` consecutive threads (a multiple of the wavefront) that hold this one.
void sync_group(int threads);
uint64_t exchange(uint64_t value, int source_lane);
int lane_id();

template <typename T>
inline T shuffle(T value, int source_lane) {
  static_assert(sizeof(T) <= 8, "emulated shuffles move at most 8 bytes");
  uint64_t raw = 0;
  std::memcpy(&raw, &value, sizeof(T));
  raw = exchange(raw, source_lane);
  T out;
  std::memcpy(&out, &raw, sizeof(T));
  return out;
}

}  // namespace emu

using std::max;
using std::min;

#define threadIdx (emu::thread_index())
#define blockIdx (emu::block_index)
#define blockDim (emu::block_dim)
#define gridDim (emu::grid_dim)
#define warpSize GLM_EMU_WARP

inline void __syncthreads() { emu::sync_block(); }

// HIP's shuffle (no mask: the whole wavefront takes part). A source outside the lane's width-sized
// segment returns the lane's own value, as HIP's __shfl_xor does.
template <typename T>
inline T __shfl_xor(T v, int lane_mask, int width = warpSize) {
  const int self = emu::lane_id();
  const int index = self ^ lane_mask;
  const int segment_end = (self + width) & ~(width - 1);
  return emu::shuffle(v, index >= segment_end ? self : index);
}

inline unsigned __float_as_uint(float x) { unsigned u; std::memcpy(&u, &x, 4); return u; }
inline float __uint_as_float(unsigned u) { float x; std::memcpy(&x, &u, 4); return x; }
inline int atomicCAS(int* p, int compare, int v) { int old = *p; if (old == compare) *p = v; return old; }

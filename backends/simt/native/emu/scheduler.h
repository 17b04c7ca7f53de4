// The scheduler of a small CPU emulator of the GPU execution model, shared by the cuda and rocm-dcu
// backends' emulated builds, for checking kernels on machines without a GPU (this build machine and
// CI have compilers but no device). Each thread of a block is a coroutine on one OS thread; blocks run
// one after another, so `static` locals behave as __shared__ memory. __syncthreads, the wavefront
// shuffles and group barriers are scheduling points: a barrier releases when every live thread of
// the block (wavefront, group) has reached it. The wavefront is GLM_EMU_WARP lanes (32: an NVIDIA
// warp; 64: a DCU's wave64). It checks logic — indexing, tails, masks, barriers, which lanes a shuffle
// reads — not speed, memory ordering between blocks, or races the hardware could expose.
//
// Each backend's emu/emu.h includes this and adds its dialect's intrinsics (CUDA's *_sync shuffles,
// HIP's maskless ones).
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
// Every live lane of the wavefront sends `value` and receives that of `source_lane` (its own value
// when that lane is outside the wavefront or has finished).
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

// A wavefront barrier: an exchange that moves nothing.
inline void sync_wavefront() { (void)exchange(0, lane_id()); }

}  // namespace emu

using std::max;
using std::min;

#define threadIdx (emu::thread_index())
#define blockIdx (emu::block_index)
#define blockDim (emu::block_dim)
#define gridDim (emu::grid_dim)
#define warpSize GLM_EMU_WARP

inline void __syncthreads() { emu::sync_block(); }

inline unsigned __float_as_uint(float x) { unsigned u; std::memcpy(&u, &x, 4); return u; }
inline float __uint_as_float(unsigned u) { float x; std::memcpy(&x, &u, 4); return x; }
inline int atomicCAS(int* p, int compare, int v) { int old = *p; if (old == compare) *p = v; return old; }

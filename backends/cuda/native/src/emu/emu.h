// A small CPU emulator of the CUDA execution model, for checking kernels on machines without a GPU
// (this build machine and CI have nvcc but no device). Each CUDA thread of a block is a coroutine on
// one OS thread; blocks run one after another, so `static` locals behave as __shared__ memory.
// __syncthreads and the warp shuffles are scheduling points: a barrier releases when every live
// thread of the block (or warp) has reached it. It checks logic (indexing, tails, masks, barriers
// inside a block), not speed, memory ordering between blocks, or races the hardware could expose.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <algorithm>

// CUDA's own headers first (their host-compiler branches), before this file's macros change the words.
#include <vector_types.h>  // dim3, uint3, float4, uint4, ... (plain structs, usable from g++)
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
void sync_warp();
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
#define warpSize 32

inline void __syncthreads() { emu::sync_block(); }
inline void __syncwarp(unsigned = 0xffffffffu) { emu::sync_warp(); }
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
inline float __expf(float x) { return std::exp(x); }
inline unsigned __float_as_uint(float x) { unsigned u; std::memcpy(&u, &x, 4); return u; }
inline float __fdividef(float a, float b) { return a / b; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline int atomicMax(int* p, int v) { int old = *p; if (v > old) *p = v; return old; }
inline int atomicCAS(int* p, int compare, int v) { int old = *p; if (old == compare) *p = v; return old; }
inline float atomicAdd(float* p, float v) { float old = *p; *p += v; return old; }

// The HIP→CUDA map: the subset of HIP the rocm-dcu sources use, spelled onto CUDA, so that the same
// HIP sources compile with nvcc and run on an NVIDIA GPU. Debian's HIP 5.2 ships its own
// hip/nvidia_detail headers for this, but they do not compile with CUDA 13 (they read cudaDeviceProp
// fields CUDA 13 removed); this header maps only what is used, and nothing else of HIP exists here.
// The runtime calls need no map: the SIMT family's host code (backends/simt/native) is written in
// CUDA's names, which are this build's own. It is for checking the DCU kernels on real GPU hardware
// — never a claim that a DCU ran.
#pragma once

#include <cuda_runtime.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

using hipStream_t = cudaStream_t;

// ---- kernels: launch, storage types, wavefront shuffles ----
#define HIP_KERNEL_NAME(...) __VA_ARGS__
#define hipLaunchKernelGGL(kernel, grid, block, smem, stream, ...) (kernel)<<<(grid), (block), (smem), (stream)>>>(__VA_ARGS__)

// HIP's bfloat16 (a struct with float conversions) is CUDA's __nv_bfloat16 here; both round to nearest even.
using hip_bfloat16 = __nv_bfloat16;

// HIP's shuffles take no mask: the whole wavefront takes part; on NVIDIA a wavefront of 32 is a warp.
// A macro, because CUDA still declares its own deprecated maskless __shfl_xor overloads for the
// host pass; the sources always pass the width.
#define __shfl_xor(var, lane_mask, width) __shfl_xor_sync(0xffffffffu, (var), (lane_mask), (width))

#ifdef __CUDACC__

// Not HIP: the hardware barrier that joins the warps of a logical wavefront wider than a warp
// (wave.h, GLM_WAVE=64 on NVIDIA). Barrier 0 is __syncthreads'; `id` is 1..15.
__device__ __forceinline__ void glm_group_barrier(unsigned id, unsigned threads) {
  asm volatile("bar.sync %0, %1;" ::"r"(id), "r"(threads) : "memory");
}
#endif

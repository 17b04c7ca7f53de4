// The HIP→CUDA map: the subset of the HIP API the rocm-dcu sources use, spelled onto CUDA, so that the
// same HIP sources compile with nvcc and run on an NVIDIA GPU. Debian's HIP 5.2 ships its own
// hip/nvidia_detail headers for this, but they do not compile with CUDA 13 (they read cudaDeviceProp
// fields CUDA 13 removed); this header maps only what is used, and nothing else of HIP exists here.
// It is for checking the DCU kernels on real GPU hardware — never a claim that a DCU ran.
#pragma once

#include <cuda_runtime.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

// ---- runtime: types, errors, devices, memory, streams, events ----
using hipError_t = cudaError_t;
using hipStream_t = cudaStream_t;
using hipEvent_t = cudaEvent_t;
using hipDeviceProp_t = cudaDeviceProp;

#define hipSuccess cudaSuccess
#define hipErrorNoDevice cudaErrorNoDevice
#define hipErrorInsufficientDriver cudaErrorInsufficientDriver
#define hipErrorOutOfMemory cudaErrorMemoryAllocation
#define hipStreamNonBlocking cudaStreamNonBlocking
#define hipMemcpyHostToDevice cudaMemcpyHostToDevice
#define hipMemcpyDeviceToHost cudaMemcpyDeviceToHost
#define hipMemcpyDeviceToDevice cudaMemcpyDeviceToDevice

inline const char* hipGetErrorName(hipError_t e) { return cudaGetErrorName(e); }
inline const char* hipGetErrorString(hipError_t e) { return cudaGetErrorString(e); }
inline hipError_t hipGetLastError() { return cudaGetLastError(); }
inline hipError_t hipGetDeviceCount(int* count) { return cudaGetDeviceCount(count); }
inline hipError_t hipSetDevice(int device) { return cudaSetDevice(device); }
inline hipError_t hipGetDeviceProperties(hipDeviceProp_t* prop, int device) { return cudaGetDeviceProperties(prop, device); }
inline hipError_t hipDriverGetVersion(int* v) { return cudaDriverGetVersion(v); }
inline hipError_t hipRuntimeGetVersion(int* v) { return cudaRuntimeGetVersion(v); }
inline hipError_t hipMalloc(void** p, size_t bytes) { return cudaMalloc(p, bytes); }
inline hipError_t hipFree(void* p) { return cudaFree(p); }
inline hipError_t hipMemGetInfo(size_t* free_bytes, size_t* total) { return cudaMemGetInfo(free_bytes, total); }
inline hipError_t hipMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) { return cudaMemcpy(dst, src, bytes, kind); }
inline hipError_t hipMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, hipStream_t s) { return cudaMemcpyAsync(dst, src, bytes, kind, s); }
inline hipError_t hipMemset(void* dst, int byte, size_t bytes) { return cudaMemset(dst, byte, bytes); }
inline hipError_t hipMemsetAsync(void* dst, int byte, size_t bytes, hipStream_t s) { return cudaMemsetAsync(dst, byte, bytes, s); }
inline hipError_t hipStreamCreateWithFlags(hipStream_t* s, unsigned flags) { return cudaStreamCreateWithFlags(s, flags); }
inline hipError_t hipStreamSynchronize(hipStream_t s) { return cudaStreamSynchronize(s); }
inline hipError_t hipEventCreate(hipEvent_t* e) { return cudaEventCreate(e); }
inline hipError_t hipEventRecord(hipEvent_t e, hipStream_t s) { return cudaEventRecord(e, s); }
inline hipError_t hipEventSynchronize(hipEvent_t e) { return cudaEventSynchronize(e); }
inline hipError_t hipEventElapsedTime(float* ms, hipEvent_t a, hipEvent_t b) { return cudaEventElapsedTime(ms, a, b); }

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

// The sm_80+ tensor-core and asynchronous-copy primitives the PTX kernels share (flash attention,
// the small-M product): shared-memory addresses, ldmatrix, mma.sync m16n8k16 with fp32 accumulation,
// and cp.async with zero fill. Fragment layouts are the PTX ISA's for m16n8k16 (lane = 4·g + t):
// A regs {row g | g+8} × {cols 2t,2t+1 | +8}; B regs {k 2t,2t+1 | +8} × col g; C {row g | g+8} × cols 2t, 2t+1.
// On the CPU emulator the same functions gather the warp's fragments and compute in fp32 (below), so
// the kernels' indexing, tails and fragment bookkeeping are checked without a GPU.
#pragma once

#include "../cuda_kernels.h"

namespace glm {
namespace tc {

#ifndef GLM_CUDA_EMULATE

__device__ __forceinline__ uint32_t smem_address(const void* p) { return static_cast<uint32_t>(__cvta_generic_to_shared(p)); }

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(p)));
}

__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(p)));
}

template <typename T>
__device__ __forceinline__ void mma(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1);

template <>
__device__ __forceinline__ void mma<__half>(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

template <>
__device__ __forceinline__ void mma<__nv_bfloat16>(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// 16 bytes from global to shared memory, asynchronously; `bytes` = 0 writes 16 zero bytes instead (the
// source address must still be valid). L2 only (.cg): the data is used once from shared memory.
__device__ __forceinline__ void cp_async_16(void* dst, const void* src, int bytes) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_address(dst)), "l"(src), "r"(bytes));
}
// The same through L1 (.ca): for data several blocks of a multiprocessor read at about the same time.
__device__ __forceinline__ void cp_async_16_l1(void* dst, const void* src, int bytes) {
  asm volatile("cp.async.ca.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_address(dst)), "l"(src), "r"(bytes));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

#else
// ---------------------------------------------------------------- the CPU emulator's versions
// A warp-collective instruction: every lane publishes a pointer to its operand, the warp meets, each
// lane reads what it needs from the others, and the warp meets again so that no lane publishes its
// next operand before all have read this one. Blocks run one at a time, so one table per warp slot.
inline const void** warp_operands() {
  static const void* table[32][32];
  const int thread = static_cast<int>(threadIdx.x + threadIdx.y * blockDim.x + threadIdx.z * blockDim.x * blockDim.y);
  return table[thread / 32];
}

template <typename Read>
inline void warp_collective(const void* mine, Read read) {
  const void** table = warp_operands();
  table[emu::lane_id()] = mine;
  emu::sync_wavefront();
  read(table);
  emu::sync_wavefront();
}

inline uint16_t half_at(const void* row, int element) {
  uint16_t v;
  std::memcpy(&v, static_cast<const char*>(row) + 2 * element, 2);
  return v;
}

// Lane l = 4g + t receives, in register j, row g (elements 2t, 2t + 1) of the 8 × 8 matrix whose rows
// lanes 8j … 8j + 7 address.
inline void ldmatrix_x4(uint32_t (&r)[4], const void* p) {
  const int lane = emu::lane_id();
  warp_collective(p, [&](const void** rows) {
    for (int j = 0; j < 4; ++j) std::memcpy(&r[j], static_cast<const char*>(rows[8 * j + lane / 4]) + 4 * (lane % 4), 4);
  });
}

// The same matrices transposed: register j holds rows 2t and 2t + 1 of column g.
inline void ldmatrix_x4_trans(uint32_t (&r)[4], const void* p) {
  const int lane = emu::lane_id();
  warp_collective(p, [&](const void** rows) {
    for (int j = 0; j < 4; ++j)
      r[j] = half_at(rows[8 * j + 2 * (lane % 4)], lane / 4) | (static_cast<uint32_t>(half_at(rows[8 * j + 2 * (lane % 4) + 1], lane / 4)) << 16);
  });
}

template <typename T>
inline float fragment_value(uint32_t reg, int half) {
  const uint16_t bits = static_cast<uint16_t>(reg >> (16 * half));
  T v;
  std::memcpy(&v, &bits, 2);
  return to_f32(v);
}

// D = A·B + C for the warp's 16 × 16 A, 16 × 8 B and 16 × 8 C fragments, in fp32.
template <typename T>
inline void mma(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  struct Operands {
    uint32_t a[4], b[2];
  } mine{{a[0], a[1], a[2], a[3]}, {b0, b1}};
  const int g = emu::lane_id() / 4, t = emu::lane_id() % 4;
  float d[4];
  warp_collective(&mine, [&](const void** lanes) {
    auto at = [&](int lane) { return static_cast<const Operands*>(lanes[lane]); };
    // A[row][k]: lane 4·(row mod 8) + (k mod 8) / 2, register (row ≥ 8) + 2·(k ≥ 8), half k mod 2.
    auto a_at = [&](int row, int k) { return fragment_value<T>(at(4 * (row % 8) + (k % 8) / 2)->a[(row >= 8) + 2 * (k >= 8)], k % 2); };
    // B[k][col]: lane 4·col + (k mod 8) / 2, register k ≥ 8, half k mod 2.
    auto b_at = [&](int k, int col) { return fragment_value<T>(at(4 * col + (k % 8) / 2)->b[k >= 8], k % 2); };
    for (int r = 0; r < 4; ++r) {
      const int row = g + 8 * (r / 2), col = 2 * t + r % 2;
      float sum = c[r];
      for (int k = 0; k < 16; ++k) sum += a_at(row, k) * b_at(k, col);
      d[r] = sum;
    }
  });
  for (int r = 0; r < 4; ++r) c[r] = d[r];
}

// Copies happen at once, so a kernel that reads a stage before waiting for it is not caught here.
inline void cp_async_16(void* dst, const void* src, int bytes) {
  std::memcpy(dst, src, bytes);
  std::memset(static_cast<char*>(dst) + bytes, 0, 16 - bytes);
}
inline void cp_async_16_l1(void* dst, const void* src, int bytes) { cp_async_16(dst, src, bytes); }
inline void cp_async_commit() {}
template <int N>
inline void cp_async_wait() {}
#endif

}  // namespace tc
}  // namespace glm

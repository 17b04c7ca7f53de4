// The counts a launch will make, predicted from its argument struct and the kernel's structure —
// DMA bytes, RMA bytes, flops (all f32: the kernels compute in f32 whatever the storage) per core group
// and the LDM each CPE allocates — without running it. They are the emulator's counts on small shapes
// (a test and `glm bench --backend sunway` check prediction = emulator launch by launch), and they are
// what carries the performance model to GLM-130B's shapes, which the emulator cannot run in reasonable
// time. One function per kernel, each mirroring its kernel's loops (kernels/*.c).
#pragma once

#include <initializer_list>

#include "spawn.h"

namespace glm::sunway {

// Throws for a kernel without a count model (copy, add/mul, top-k, softmax and the other rows ops).
SpawnCounts predict(Kernel kernel, const char* name, const void* args, const sw_common& c);

// Worker w's share [begin, end) of n items, as kernels/cpe.h sw_share gives it.
void share_of(int64_t n, int w, int workers, int64_t* begin, int64_t* end);

// Calls f(group, begin, end) for every worker's non-empty share of n items over `cgs` core groups
// (worker w is in core group w % cgs: kernels/cpe.h sw_worker).
template <typename F>
void for_each_share(int64_t n, int cgs, F f) {
  for (int w = 0; w < cgs * 64; ++w) {
    int64_t b, e;
    share_of(n, w, cgs * 64, &b, &e);
    if (b < e) f(w % cgs, b, e);
  }
}

// Bytes ldm_malloc takes for `bytes` (the emulator's 64-byte granules).
uint64_t ldm_granules(uint64_t bytes);
// The LDM high-water mark of allocations made in this order: every one rounded up to its granules but
// the last, whose end is the mark.
uint64_t ldm_high_water(std::initializer_list<uint64_t> allocations);

// The kernels' models (predict_*.cpp).
SpawnCounts predict_gemm(const sw_gemm_args& a);
SpawnCounts predict_gemv(const sw_gemm_args& a);
SpawnCounts predict_attention(const sw_attention_args& a);
SpawnCounts predict_rotary(const sw_rotary_args& a);
SpawnCounts predict_unary(const sw_unary_args& a);
SpawnCounts predict_layer_norm(const sw_row_args& a);

}  // namespace glm::sunway

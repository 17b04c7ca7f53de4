// Running one CPE kernel: the argument struct's pointers tagged as main memory (identity on a real
// chip), athread_spawn on core group 0 or athread_spawn_cgs on all of them, athread_join, and a
// failed spawn turned into an exception naming the kernel (the emulator's message: LDM over budget,
// main memory touched without DMA, a wait that cannot finish). Optionally each spawn's counts are
// kept (the emulator's DMA/RMA bytes, flops and LDM high-water mark) for the performance model; in a
// dry run nothing is spawned and each launch's counts are predicted instead (predict.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <sw_compat.h>

extern "C" {
#include "args.h"
}

namespace glm::sunway {

using Kernel = void (*)(void*);

// A main-memory pointer as a kernel's argument struct carries it.
template <typename T>
T* main_ptr(T* p) {
  return static_cast<T*>(sunway_emu_main_ptr(p));
}
template <typename T>
const T* main_ptr(const T* p) {
  return static_cast<const T*>(sunway_emu_main_ptr(p));
}

// Core groups for `items` independent pieces of work: all of them (athread_spawn_cgs) once there
// are enough for each to get several; else core group 0 alone (a _cgs spawn starts every core group,
// which small work does not repay).
int core_groups_for(int64_t items);

// Fills the common part (error flag, tag, core groups) of an argument struct.
void set_common(sw_common& c, int tag, int core_groups);

// Spawns `kernel` with `args` on c.cgs core groups and waits for it; throws on failure.
void spawn(Kernel kernel, const char* name, const void* args, const sw_common& c);

// One core group's share of a launch's counts.
struct GroupCounts {
  uint64_t dma_get_bytes = 0, dma_put_bytes = 0, dma_blocks = 0, rma_bytes = 0;
  uint64_t flops_f16 = 0, flops_f32 = 0, flops_f64 = 0;
};

struct SpawnCounts {
  std::string kernel;  // the launcher's name for it ("gemm", "layer-norm", ...)
  int core_groups = 1;
  std::vector<GroupCounts> per_group;
  uint64_t ldm_high_water = 0;
  bool predicted = false;  // from predict.h rather than the emulator
};

void collect_counts(bool on);
std::vector<SpawnCounts> take_counts();

// Dry run: spawn() predicts instead of launching (counts are collected whatever collect_counts says).
void set_dry_run(bool on);

}  // namespace glm::sunway

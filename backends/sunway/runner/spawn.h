// Running one CPE kernel: the argument struct's pointers tagged as main memory (identity on a real
// chip), athread_spawn on core group 0 or athread_spawn_cgs on all of them, athread_join, and a
// failed spawn turned into an exception naming the kernel (the emulator's message: LDM over budget,
// main memory touched without DMA, a wait that cannot finish). Optionally each spawn's counts are
// kept (the emulator's DMA/RMA bytes, flops and LDM high-water mark) for the performance model.
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
// are enough to give every CPE of two core groups one; else core group 0 alone (a _cgs spawn starts
// every core group, which small work does not repay).
int core_groups_for(int64_t items);

// Fills the common part (error flag, tag, core groups) of an argument struct.
void set_common(sw_common& c, int tag, int core_groups);

// Spawns `kernel` with `args` on c.cgs core groups and waits for it; throws on failure.
void spawn(Kernel kernel, const char* name, const void* args, const sw_common& c);

struct SpawnCounts {
  std::string kernel;
  int core_groups;
  uint64_t dma_get_bytes, dma_put_bytes, dma_ops, rma_bytes, flops, ldm_high_water;
};

void collect_counts(bool on);
std::vector<SpawnCounts> take_counts();

}  // namespace glm::sunway

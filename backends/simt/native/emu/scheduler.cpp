// The emulator's scheduler (see scheduler.h). ucontext coroutines: one per thread of the block, each
// with its own stack, resumed round-robin until it finishes or waits at a barrier. Wavefronts are
// GLM_EMU_WARP consecutive threads.
#include "scheduler.h"

#include <ucontext.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "device.h"
#include "fault_injection.h"

namespace emu {

uint3 block_index;
dim3 block_dim;
dim3 grid_dim;

namespace {

enum class State { Runnable, AtBlockBarrier, AtWarpBarrier, AtGroupBarrier, Done };

constexpr int kWave = GLM_EMU_WARP;

constexpr size_t kStackBytes = 256 * 1024;

struct Thread {
  ucontext_t context;
  uint3 index;
  State state = State::Done;
  uint64_t sent = 0;
  int source = 0;
  uint64_t received = 0;
  int group = 0;  // threads of the group barrier waited at
  std::vector<char> stack;
};

std::vector<Thread> threads;
std::vector<unsigned char> shared_bytes;
ucontext_t scheduler;
int current = 0;
const std::function<void()>* running_body = nullptr;
std::string pending_error;

void trampoline() {
  try {
    (*running_body)();
  } catch (const std::exception& e) {
    if (pending_error.empty()) pending_error = e.what();
  }
  threads[current].state = State::Done;
  // uc_link returns to the scheduler.
}

void yield_to_scheduler() { swapcontext(&threads[current].context, &scheduler); }

}  // namespace

const uint3& thread_index() { return threads[current].index; }
void* dynamic_smem() { return shared_bytes.data(); }
int lane_id() { return current % kWave; }

void sync_block() {
  threads[current].state = State::AtBlockBarrier;
  yield_to_scheduler();
}

void sync_group(int count) {
  if (count <= 0 || count % kWave != 0) throw std::runtime_error("emulated group barrier of " + std::to_string(count) + " threads");
  threads[current].group = count;
  threads[current].state = State::AtGroupBarrier;
  yield_to_scheduler();
}

uint64_t exchange(uint64_t value, int source_lane) {
  threads[current].sent = value;
  threads[current].source = source_lane;
  threads[current].state = State::AtWarpBarrier;
  yield_to_scheduler();
  return threads[current].received;
}

namespace {

// Every thread of the block starts over as a fresh coroutine of the body.
void start_block(dim3 block, int count) {
  for (int t = 0; t < count; ++t) {
    Thread& th = threads[t];
    th.index = uint3{static_cast<unsigned>(t % block.x), static_cast<unsigned>((t / block.x) % block.y), static_cast<unsigned>(t / (block.x * block.y))};
    th.state = State::Runnable;
    getcontext(&th.context);
    th.context.uc_stack.ss_sp = th.stack.data();
    th.context.uc_stack.ss_size = th.stack.size();
    th.context.uc_link = &scheduler;
    makecontext(&th.context, trampoline, 0);
  }
}

// Wavefront barriers (shuffles): all live lanes of the wavefront must be there. True if one released.
bool release_wavefronts(int count) {
  bool released = false;
  for (int w = 0; w * kWave < count; ++w) {
    const int first = w * kWave;
    const int last = first + kWave < count ? first + kWave : count;
    bool all = true, any = false;
    for (int t = first; t < last; ++t) {
      if (threads[t].state == State::Done) continue;
      if (threads[t].state != State::AtWarpBarrier) all = false;
      else any = true;
    }
    if (!all || !any) continue;
    for (int t = first; t < last; ++t) {
      if (threads[t].state != State::AtWarpBarrier) continue;
      const int src = first + threads[t].source;
      const bool valid = threads[t].source >= 0 && threads[t].source < kWave && src < last && threads[src].state == State::AtWarpBarrier;
      threads[t].received = valid ? threads[src].sent : threads[t].sent;
    }
    for (int t = first; t < last; ++t)
      if (threads[t].state == State::AtWarpBarrier) threads[t].state = State::Runnable;
    released = true;
  }
  return released;
}

// Group barriers (named barriers of a logical wavefront): every live thread of the group. True if one
// released.
bool release_groups(int count) {
  bool released = false;
  for (int t0 = 0; t0 < count; ++t0) {
    if (threads[t0].state != State::AtGroupBarrier) continue;
    const int size = threads[t0].group;
    const int first = t0 / size * size;
    const int last = first + size < count ? first + size : count;
    bool all = true;
    for (int t = first; t < last; ++t) {
      if (threads[t].state == State::Done) continue;
      if (threads[t].state != State::AtGroupBarrier || threads[t].group != size) all = false;
    }
    if (!all) continue;
    for (int t = first; t < last; ++t)
      if (threads[t].state == State::AtGroupBarrier) threads[t].state = State::Runnable;
    released = true;
  }
  return released;
}

// Runs one block's threads round-robin until all are done, releasing barriers as they fill.
void run_block(int count) {
  for (;;) {
    for (int t = 0; t < count; ++t) {
      if (threads[t].state != State::Runnable) continue;
      current = t;
      swapcontext(&scheduler, &threads[t].context);
    }
    const bool wavefronts = release_wavefronts(count);
    const bool groups = release_groups(count);
    if (wavefronts || groups) continue;
    bool all_done = true, all_at_block = true;
    for (int t = 0; t < count; ++t) {
      if (threads[t].state != State::Done) all_done = false;
      if (threads[t].state != State::Done && threads[t].state != State::AtBlockBarrier) all_at_block = false;
    }
    if (all_done) return;
    if (all_at_block) {
      for (int t = 0; t < count; ++t)
        if (threads[t].state == State::AtBlockBarrier) threads[t].state = State::Runnable;
      continue;
    }
    std::fprintf(stderr, "emu: deadlock in block (%u,%u,%u): threads wait at different barriers (wavefront %d)\n", block_index.x, block_index.y,
                 block_index.z, kWave);
    std::abort();
  }
}

}  // namespace

void launch(dim3 grid, dim3 block, size_t dynamic_smem_bytes, std::function<void()> body) {
  // A fault-injection point (fault_injection.h): the launch fails before any block runs, as a launch
  // the runtime refuses does.
  if (glm::fault::hit(glm::fault::kLaunch)) {
    throw glm::DeviceError(glm::fault::vendor_call(glm::fault::kLaunch) + " returned " + glm::fault::vendor_status(glm::fault::kLaunch) + " " +
                           glm::fault::injected_text(glm::fault::kLaunch));
  }
  const int count = static_cast<int>(block.x * block.y * block.z);
  if (count <= 0 || count > 1024) throw std::runtime_error("emulated launch: block of " + std::to_string(count) + " threads");
  if (threads.size() < static_cast<size_t>(count)) threads.resize(count);
  for (int t = 0; t < count; ++t)
    if (threads[t].stack.empty()) threads[t].stack.resize(kStackBytes);
  // Uninitialised shared memory is garbage on the GPU: make reads of it visible here as NaN-ish bytes.
  shared_bytes.assign(dynamic_smem_bytes + 16, 0xCD);
  block_dim = block;
  grid_dim = grid;
  running_body = &body;
  pending_error.clear();
  for (unsigned bz = 0; bz < grid.z; ++bz)
    for (unsigned by = 0; by < grid.y; ++by)
      for (unsigned bx = 0; bx < grid.x; ++bx) {
        block_index = uint3{bx, by, bz};
        start_block(block, count);
        run_block(count);
        if (!pending_error.empty()) throw std::runtime_error(pending_error);
      }
  running_body = nullptr;
}

}  // namespace emu

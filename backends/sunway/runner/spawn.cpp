// Spawning CPE kernels (spawn.h).
#include "spawn.h"

#include <athread.h>

#include "chip.h"
#include "device.h"
#include "predict.h"

namespace glm::sunway {
namespace {

bool collecting = false;
bool dry_run = false;
std::vector<SpawnCounts> counts;

// Enough pieces to give every core group some (decode attention's 96 heads) before all of them start.
constexpr int64_t kItemsForAllGroups = 64;

void record_counts(const char* name) {
#if !defined(__sw_64__)
  sunway_emu_spawn_stats_t s;
  if (sunway_emu_spawn_stats(&s) != 0) return;
  SpawnCounts out;
  out.kernel = name;
  out.core_groups = s.cgs;
  out.ldm_high_water = s.total.ldm_high_water;
  for (int g = 0; g < s.cgs; ++g) {
    const auto& n = s.per_cg[g];
    out.per_group.push_back({n.dma_get_bytes, n.dma_put_bytes, n.dma_blocks, n.rma_bytes, n.flops_f16, n.flops_f32, n.flops_f64});
  }
  counts.push_back(std::move(out));
#else
  (void)name;
#endif
}

}  // namespace

int core_groups_for(int64_t items) {
  return items >= kItemsForAllGroups ? chip().core_groups : 1;
}

void set_common(sw_common& c, int tag, int core_groups) {
  c.flag = main_ptr(device::error_flag());
  c.tag = tag;
  c.cgs = core_groups;
}

void spawn(Kernel kernel, const char* name, const void* args, const sw_common& c) {
  if (dry_run) {
    counts.push_back(predict(kernel, name, args, c));
    return;
  }
  const int spawned = c.cgs > 1 ? athread_spawn_cgs(kernel, args) : athread_spawn(kernel, args);
  const int joined = c.cgs > 1 ? athread_join_cgs() : athread_join();
  if (spawned != 0 || joined != 0) {
#if defined(__sw_64__)
    throw DeviceError(std::string(name) + ": athread spawn failed");
#else
    const char* why = sunway_emu_last_error();
    const std::string message = std::string(name) + ": " + (why ? why : "athread spawn failed");
    sunway_emu_clear_error();
    throw DeviceError(message);
#endif
  }
  if (collecting) record_counts(name);
}

void collect_counts(bool on) {
  collecting = on;
  if (!on) counts.clear();
}

std::vector<SpawnCounts> take_counts() {
  std::vector<SpawnCounts> out;
  out.swap(counts);
  return out;
}

void set_dry_run(bool on) { dry_run = on; }

}  // namespace glm::sunway

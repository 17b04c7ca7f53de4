// Spawning CPE kernels (spawn.h).
#include "spawn.h"

#include <athread.h>

#include "chip.h"
#include "device.h"

namespace glm::sunway {
namespace {

bool collecting = false;
std::vector<SpawnCounts> counts;

// 64 CPEs per core group, and a few pieces each before more core groups pay for their start.
constexpr int64_t kItemsPerGroup = 2 * 64;

void record_counts() {
#if !defined(__sw_64__)
  sunway_emu_spawn_stats_t s;
  if (sunway_emu_spawn_stats(&s) != 0) return;
  const auto& t = s.total;
  counts.push_back({s.kernel, s.cgs, t.dma_get_bytes, t.dma_put_bytes, t.dma_get_ops + t.dma_put_ops, t.rma_bytes,
                    t.flops_f16 + t.flops_f32 + t.flops_f64, t.ldm_high_water});
#endif
}

}  // namespace

int core_groups_for(int64_t items) {
  return items >= kItemsPerGroup ? chip().core_groups : 1;
}

void set_common(sw_common& c, int tag, int core_groups) {
  c.flag = main_ptr(device::error_flag());
  c.tag = tag;
  c.cgs = core_groups;
}

void spawn(Kernel kernel, const char* name, const void* args, const sw_common& c) {
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
  if (collecting) record_counts();
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

}  // namespace glm::sunway

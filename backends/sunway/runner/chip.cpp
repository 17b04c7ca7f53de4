// The run-time chip (chip.h).
#include "chip.h"

#include <cstdlib>
#include <stdexcept>

#include <athread.h>

#include "device.h"

namespace glm::sunway {
namespace {

Chip opened;
bool is_open_flag = false;

#if defined(__sw_64__)
// A real node: the chip is the build's target; the usable LDM is what the job left (set by the
// launcher script from bsub's -cache_size / -share_size), 220 KiB / 60 KiB by default (spec §8.2).
Chip probe_chip() {
  Chip c;
  c.pro = sw_chip_is_pro();
  c.name = c.pro ? "SW26010-Pro" : "SW26010";
  c.core_groups = sw_cg_count();
  c.ldm_bytes = c.pro ? (256u << 10) : (64u << 10);
  const char* v = std::getenv("GLM_SUNWAY_LDM_BUDGET");
  c.ldm_budget = v ? static_cast<size_t>(std::strtoull(v, nullptr, 10)) : (c.pro ? (220u << 10) : (60u << 10));
  return c;
}
#else
Chip probe_chip() {
  Chip c;
  c.pro = sw_chip_is_pro();
  c.name = sunway_emu_chip_name();
  c.core_groups = sw_cg_count();
  c.ldm_bytes = CRTS_MAX_LDM_SIZE;
  c.ldm_budget = sw_ldm_budget();
  return c;
}
#endif

}  // namespace

const char* built_for() {
#if defined(GLM_SW_TARGET_SW26010)
  return "SW26010";
#else
  return "SW26010-Pro";
#endif
}

const Chip& open_chip(const std::string& name) {
  if (name != built_for()) {
    throw DeviceError("these kernels were built for " + std::string(built_for()) + ", not " + name + " (SIMD width and fp16 differ)");
  }
  Chip c = probe_chip();
  if (c.name != name) {
    throw DeviceError("the athread runtime models " + c.name + " but " + name + " was asked for (GLM_SUNWAY_CHIP is read once per process)");
  }
  athread_init_cgs();
  opened = c;
  is_open_flag = true;
  return opened;
}

const Chip& chip() {
  if (!is_open_flag) throw DeviceError("the Sunway runner is not open (no chip)");
  return opened;
}

bool chip_open() { return is_open_flag; }

}  // namespace glm::sunway

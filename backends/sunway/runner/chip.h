// The chip the runner drives, as the MPE sees it at run time: how many core groups a _cgs spawn
// runs on and how much LDM each CPE's tiles may use. On the emulator both come from the emulator
// (GLM_SUNWAY_CHIP, GLM_SUNWAY_LDM_BUDGET); on a real node from the build's target and
// GLM_SUNWAY_LDM_BUDGET (the part of CRTS_MAX_LDM_SIZE left by the job's -cache_size/-share_size).
#pragma once

#include <cstddef>
#include <string>

namespace glm::sunway {

struct Chip {
  std::string name;      // "SW26010-Pro" or "SW26010"
  bool pro = true;
  int core_groups = 6;
  size_t ldm_bytes = 0;  // CRTS_MAX_LDM_SIZE
  size_t ldm_budget = 0; // what a kernel's buffers may take
};

// The chip this build's kernels target (GLM_SW_TARGET_SW26010 or not).
const char* built_for();
// Opens the chip `name`; throws when it is not the chip the kernels were built for.
const Chip& open_chip(const std::string& name);
// The opened chip; throws when none is.
const Chip& chip();
bool chip_open();

}  // namespace glm::sunway

// Fault injection for the Sunway addon (fault_injection.h, backends/program/native), compiled only
// where the build defines GLM_FAULT_INJECTION — the addon built against the athread emulator, never
// `glm export`'s program for a real node. The counter is the emulator's (sunway_emu_fault_*, its
// src/inject.c), so the launch, sync and DMA failures it raises inside athread and the allocations
// the runner makes count in one place.
#if defined(GLM_FAULT_INJECTION)
#include "fault_injection.h"

#include <athread.h>

namespace glm::fault {

const char* kind_name(int kind) {
  static const char* const names[kKinds] = {"alloc", "launch", "sync", "dma"};
  return kind >= 0 && kind < kKinds ? names[kind] : "unknown";
}

void arm(int kind, long n) { sunway_emu_fault_arm(kind, n); }
bool hit(int kind) { return sunway_emu_fault_hit(kind) != 0; }
void counts(long out[kKinds]) { sunway_emu_fault_counts(out); }

std::string injected_text(int kind) {
  return std::string("(injected: GLM_FAULT ") + kind_name(kind) + " #" + std::to_string(sunway_emu_fault_fired_at(kind)) + ")";
}

std::string vendor_call(int kind) {
  static const char* const calls[kKinds] = {"malloc of MPE main memory", "athread_spawn", "athread_join", "CRTS_dma_*"};
  return kind >= 0 && kind < kKinds ? calls[kind] : "unknown";
}

std::string vendor_status(int kind) { return kind == kAlloc ? "NULL (ENOMEM)" : "-1"; }

bool supported(int kind) { return kind >= 0 && kind < kKinds; }

}  // namespace glm::fault
#endif

// Fault injection in the emulator (GLM_FAULT=alloc:N,launch:N,sync:N, or glmEmuSetFault in-process):
// the counter is the program runtime's (backends/program/native/fault_injection.h); here is what a
// failure returns on this device — CANN's own statuses, through each call's normal error path:
// aclrtMalloc ACL_ERROR_RT_MEMORY_ALLOCATION, an aclnn launch ACLNN_ERR_RUNTIME_ERROR with the stream's
// AI Core exception, aclrtSynchronizeStream ACL_ERROR_RT_AICORE_EXCEPTION. Not in the CANN ABI: the
// backend binds these from libascend_emulator_core.so only when it runs on the emulator.
#include "core/fault.h"

#include <cstdint>

#include "acl_abi.h"

namespace glm::fault {

std::string vendor_call(int kind) {
  static const char* const calls[kKinds] = {"aclrtMalloc", "aclnn launch", "aclrtSynchronizeStream",
                                            "no DMA calls in the ACL model (copies are aclrtMemcpy, not counted)"};
  return kind >= 0 && kind < kKinds ? calls[kind] : "unknown";
}

std::string vendor_status(int kind) {
  switch (kind) {
  case kAlloc: return "ACL_ERROR_RT_MEMORY_ALLOCATION (" + std::to_string(ACL_ERROR_RT_MEMORY_ALLOCATION) + ")";
  case kLaunch: return "ACLNN_ERR_RUNTIME_ERROR (" + std::to_string(ACLNN_ERR_RUNTIME_ERROR) + ")";
  case kSync: return "ACL_ERROR_RT_AICORE_EXCEPTION (" + std::to_string(ACL_ERROR_RT_AICORE_EXCEPTION) + ")";
  default: return "";
  }
}

bool supported(int kind) { return kind == kAlloc || kind == kLaunch || kind == kSync; }

}  // namespace glm::fault

extern "C" {

EMU_CORE_API void glmEmuSetFault(int kind, int64_t n) { glm::fault::arm(kind, static_cast<long>(n)); }

EMU_CORE_API void glmEmuFaultCounts(int64_t *out) {
  long counts[glm::fault::kKinds];
  glm::fault::counts(counts);
  for (int k = 0; k < glm::fault::kKinds; ++k) out[k] = counts[k];
}

EMU_CORE_API int glmEmuFaultSupported(int kind) { return glm::fault::supported(kind) ? 1 : 0; }

}  // extern "C"

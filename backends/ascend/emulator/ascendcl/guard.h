// Preconditions shared by the runtime's entry points, each reported as CANN's runtime reports them.
#pragma once

#include "acl_abi.h"
#include "core/runtime_state.h"
#include "core/status.h"

namespace emu {

inline aclError requireInitialized(const char *api) {
    if (aclInitialized()) return ACL_SUCCESS;
    return reportf(ACL_ERROR_UNINITIALIZE, "%s: aclInit has not been called.", api);
}

// Memory and stream calls act on the thread's current device (aclrtSetDevice).
inline aclError requireDevice(const char *api) {
    if (aclError status = requireInitialized(api)) return status;
    if (currentDevice() >= 0) return ACL_SUCCESS;
    return reportf(ACL_ERROR_RT_CONTEXT_NULL, "%s: no current device on this thread; call aclrtSetDevice first.", api);
}

}  // namespace emu

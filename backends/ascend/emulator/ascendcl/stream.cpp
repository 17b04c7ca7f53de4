// Streams (acl/acl_rt.h). Work runs when it is issued, so a stream is always drained; synchronising
// returns (once) the error a task on it raised, as an NPU reports an AI Core exception.
#include "acl_abi.h"
#include "guard.h"
#include "core/fault.h"

extern "C" aclError aclrtCreateStream(aclrtStream *stream) {
    using namespace emu;
    if (aclError status = requireDevice("aclrtCreateStream")) return status;
    if (!stream) return report(ACL_ERROR_INVALID_PARAM, "aclrtCreateStream: stream is null.");
    *stream = createStream(currentDevice());
    return ACL_SUCCESS;
}

extern "C" aclError aclrtDestroyStream(aclrtStream stream) {
    using namespace emu;
    if (aclError status = requireInitialized("aclrtDestroyStream")) return status;
    if (!stream) return report(ACL_ERROR_INVALID_PARAM, "aclrtDestroyStream: stream is null.");
    if (destroyStream(stream)) return ACL_SUCCESS;
    return reportf(ACL_ERROR_RT_PARAM_INVALID, "aclrtDestroyStream: %p is not a live stream.", stream);
}

extern "C" aclError aclrtSynchronizeStream(aclrtStream stream) {
    using namespace emu;
    if (aclError status = requireDevice("aclrtSynchronizeStream")) return status;
    Stream *found = findStream(stream);
    if (!found) return reportf(ACL_ERROR_RT_PARAM_INVALID, "aclrtSynchronizeStream: %p is not a live stream.", stream);
    if (glm::fault::hit(glm::fault::kSync)) {
        return reportf(ACL_ERROR_RT_AICORE_EXCEPTION, "aclrtSynchronizeStream: a task on this stream failed %s.",
                       glm::fault::injected_text(glm::fault::kSync).c_str());
    }
    if (const int error = found->stickyError) {
        found->stickyError = 0;
        return report(error, "aclrtSynchronizeStream: a task on this stream failed (see the earlier message).");
    }
    return ACL_SUCCESS;
}

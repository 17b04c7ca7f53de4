// Devices (acl/acl_rt.h): GLM_ASCEND_EMU_DEVICES of them, each with its own memory and streams.
#include "acl_abi.h"
#include "guard.h"
#include "core/device_memory.h"

extern "C" aclError aclrtSetDevice(int32_t deviceId) {
    using namespace emu;
    if (aclError status = requireInitialized("aclrtSetDevice")) return status;
    if (deviceId < 0 || deviceId >= deviceCount()) {
        return reportf(ACL_ERROR_RT_INVALID_DEVICEID, "aclrtSetDevice: device %d does not exist (%d device(s)).",
                       deviceId, deviceCount());
    }
    setCurrentDevice(deviceId);
    return ACL_SUCCESS;
}

extern "C" aclError aclrtResetDevice(int32_t deviceId) {
    using namespace emu;
    if (aclError status = requireInitialized("aclrtResetDevice")) return status;
    if (deviceId < 0 || deviceId >= deviceCount()) {
        return reportf(ACL_ERROR_RT_INVALID_DEVICEID, "aclrtResetDevice: device %d does not exist.", deviceId);
    }
    destroyStreamsOf(deviceId);
    deviceFreeAll(deviceId);
    if (currentDevice() == deviceId) setCurrentDevice(-1);
    return ACL_SUCCESS;
}

extern "C" aclError aclrtGetDevice(int32_t *deviceId) {
    using namespace emu;
    if (!deviceId) return report(ACL_ERROR_INVALID_PARAM, "aclrtGetDevice: deviceId is null.");
    if (aclError status = requireDevice("aclrtGetDevice")) return status;
    *deviceId = currentDevice();
    return ACL_SUCCESS;
}

extern "C" aclError aclrtGetDeviceCount(uint32_t *count) {
    if (!count) return emu::report(ACL_ERROR_INVALID_PARAM, "aclrtGetDeviceCount: count is null.");
    *count = static_cast<uint32_t>(emu::deviceCount());
    return ACL_SUCCESS;
}

extern "C" aclError aclrtSynchronizeDevice() {
    using namespace emu;
    if (aclError status = requireDevice("aclrtSynchronizeDevice")) return status;
    if (int error = takeDeviceError(currentDevice())) {
        return report(error, "aclrtSynchronizeDevice: a task on this device failed (see the earlier message).");
    }
    return ACL_SUCCESS;
}

// The runtime's process state: initialisation, devices (GLM_ASCEND_EMU_DEVICES, default 1), the
// thread's current device, and streams. Ops run synchronously when launched, which keeps stream order
// trivially; an error a real device would raise asynchronously (an AI Core exception) is also kept
// on the stream and returned by its next synchronisation.
#pragma once

#include "acl_abi.h"
#include "export.h"

namespace emu {

EMU_CORE_API bool aclInitialized();
EMU_CORE_API void setAclInitialized(bool initialized);

EMU_CORE_API int deviceCount();
EMU_CORE_API int currentDevice();  // -1 before aclrtSetDevice on this thread
EMU_CORE_API void setCurrentDevice(int device);

struct Stream {
    int device;
    int stickyError;
};

EMU_CORE_API aclrtStream createStream(int device);
EMU_CORE_API bool destroyStream(aclrtStream stream);
EMU_CORE_API void destroyStreamsOf(int device);  // < 0: all
// The stream a handle names; nullptr = the current device's default stream. nullptr if unknown.
EMU_CORE_API Stream *findStream(aclrtStream stream);
// Takes (returns and clears) the sticky errors of the device's streams.
EMU_CORE_API int takeDeviceError(int device);

}  // namespace emu

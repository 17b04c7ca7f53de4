// "Device" memory is host memory, but tracked: only ranges aclrtMalloc handed out count as device
// memory, so a host pointer passed where the device is expected fails as it would on an NPU instead
// of silently working.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "export.h"

namespace emu {

struct Allocation {
    uintptr_t base;
    size_t size;
    int device;
};

// Capacity per device: GLM_ASCEND_EMU_HBM_GIB, else the SoC's HBM (910: 32 GiB; A2, A3: 64 GiB).
EMU_CORE_API size_t deviceCapacity();
EMU_CORE_API size_t deviceUsed(int device);

// nullptr when the device's capacity would be exceeded.
EMU_CORE_API void *deviceAllocate(int device, size_t size);
// false when `pointer` is not the base of a live allocation.
EMU_CORE_API bool deviceFree(const void *pointer);
// Frees every allocation of `device` (aclrtResetDevice) or of all devices (device < 0).
EMU_CORE_API void deviceFreeAll(int device);

// The allocation holding all of [pointer, pointer + bytes), if one does.
EMU_CORE_API std::optional<Allocation> findAllocation(const void *pointer, size_t bytes);
// Whether any byte of [pointer, pointer + bytes) is device memory.
EMU_CORE_API bool touchesDevice(const void *pointer, size_t bytes);

}  // namespace emu

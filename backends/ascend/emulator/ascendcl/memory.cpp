// Device memory (acl/acl_rt.h): allocations are tracked, and every copy's kind is checked against
// where its pointers really are, as the runtime does on an NPU host.
#include <cinttypes>
#include <cstring>

#include "acl_abi.h"
#include "guard.h"
#include "core/device_memory.h"
#include "core/fault.h"

namespace {

enum class Side { Host, Device, Straddles };

Side sideOf(const void *pointer, size_t bytes) {
    if (emu::findAllocation(pointer, bytes)) return Side::Device;
    return emu::touchesDevice(pointer, bytes) ? Side::Straddles : Side::Host;
}

const char *describe(Side side) {
    switch (side) {
    case Side::Host: return "host memory (not inside any aclrtMalloc allocation)";
    case Side::Device: return "device memory";
    default: return "a range that runs past the end of its device allocation";
    }
}

const char *kindName(aclrtMemcpyKind kind) {
    switch (kind) {
    case ACL_MEMCPY_HOST_TO_HOST: return "ACL_MEMCPY_HOST_TO_HOST";
    case ACL_MEMCPY_HOST_TO_DEVICE: return "ACL_MEMCPY_HOST_TO_DEVICE";
    case ACL_MEMCPY_DEVICE_TO_HOST: return "ACL_MEMCPY_DEVICE_TO_HOST";
    case ACL_MEMCPY_DEVICE_TO_DEVICE: return "ACL_MEMCPY_DEVICE_TO_DEVICE";
    default: return "ACL_MEMCPY_DEFAULT";
    }
}

// Whether `side` is what `kind` says the pointer is (DEFAULT: either, but not a straddling range).
bool matches(Side side, bool wantDevice, aclrtMemcpyKind kind) {
    if (side == Side::Straddles) return false;
    return kind == ACL_MEMCPY_DEFAULT || (side == Side::Device) == wantDevice;
}

aclError checkCopy(const char *api, void *dst, size_t destMax, const void *src, size_t count, aclrtMemcpyKind kind) {
    using namespace emu;
    if (aclError status = requireInitialized(api)) return status;
    if (!dst || !src) return reportf(ACL_ERROR_INVALID_PARAM, "%s: dst or src is null.", api);
    if (count > destMax) {
        return reportf(ACL_ERROR_INVALID_PARAM, "%s: count %zu is larger than destMax %zu.", api, count, destMax);
    }
    if (kind < ACL_MEMCPY_HOST_TO_HOST || kind > ACL_MEMCPY_DEFAULT) {
        return reportf(ACL_ERROR_INVALID_PARAM, "%s: kind %d is not a memcpy kind.", api, static_cast<int>(kind));
    }
    if (count == 0) return ACL_SUCCESS;
    const bool dstDevice = kind == ACL_MEMCPY_HOST_TO_DEVICE || kind == ACL_MEMCPY_DEVICE_TO_DEVICE;
    const bool srcDevice = kind == ACL_MEMCPY_DEVICE_TO_HOST || kind == ACL_MEMCPY_DEVICE_TO_DEVICE;
    const Side dstSide = sideOf(dst, count);
    const Side srcSide = sideOf(src, count);
    if (!matches(dstSide, dstDevice, kind)) {
        return reportf(ACL_ERROR_RT_PARAM_INVALID, "%s: kind %s, but dst %p (%zu bytes) is %s.", api, kindName(kind), dst,
                       count, describe(dstSide));
    }
    if (!matches(srcSide, srcDevice, kind)) {
        return reportf(ACL_ERROR_RT_PARAM_INVALID, "%s: kind %s, but src %p (%zu bytes) is %s.", api, kindName(kind), src,
                       count, describe(srcSide));
    }
    return ACL_SUCCESS;
}

}  // namespace

extern "C" aclError aclrtMalloc(void **devPtr, size_t size, aclrtMemMallocPolicy policy) {
    using namespace emu;
    if (aclError status = requireDevice("aclrtMalloc")) return status;
    if (!devPtr || size == 0) return report(ACL_ERROR_INVALID_PARAM, "aclrtMalloc: devPtr is null or size is 0.");
    if (policy < ACL_MEM_MALLOC_HUGE_FIRST || policy > ACL_MEM_MALLOC_NORMAL_ONLY) {
        return reportf(ACL_ERROR_INVALID_PARAM, "aclrtMalloc: policy %d is not modelled.", static_cast<int>(policy));
    }
    if (glm::fault::hit(glm::fault::kAlloc)) {
        *devPtr = nullptr;
        return reportf(ACL_ERROR_RT_MEMORY_ALLOCATION, "aclrtMalloc: out of device memory: %zu bytes requested %s.", size,
                       glm::fault::injected_text(glm::fault::kAlloc).c_str());
    }
    *devPtr = deviceAllocate(currentDevice(), size);
    if (*devPtr) return ACL_SUCCESS;
    return reportf(ACL_ERROR_RT_MEMORY_ALLOCATION, "aclrtMalloc: out of device memory: %zu bytes requested, %zu of %zu in use.",
                   size, deviceUsed(currentDevice()), deviceCapacity());
}

extern "C" aclError aclrtFree(void *devPtr) {
    using namespace emu;
    if (aclError status = requireInitialized("aclrtFree")) return status;
    if (!devPtr) return report(ACL_ERROR_INVALID_PARAM, "aclrtFree: devPtr is null.");
    if (deviceFree(devPtr)) return ACL_SUCCESS;
    return reportf(ACL_ERROR_RT_PARAM_INVALID, "aclrtFree: %p is not the start of a live aclrtMalloc allocation.", devPtr);
}

extern "C" aclError aclrtMemcpy(void *dst, size_t destMax, const void *src, size_t count, aclrtMemcpyKind kind) {
    if (aclError status = checkCopy("aclrtMemcpy", dst, destMax, src, count, kind)) return status;
    if (count) std::memmove(dst, src, count);
    return ACL_SUCCESS;
}

// Runs at once; the stream's order is kept because everything on it runs at its call.
extern "C" aclError aclrtMemcpyAsync(void *dst, size_t destMax, const void *src, size_t count, aclrtMemcpyKind kind,
                          aclrtStream stream) {
    using namespace emu;
    if (aclError status = checkCopy("aclrtMemcpyAsync", dst, destMax, src, count, kind)) return status;
    if (!findStream(stream)) return reportf(ACL_ERROR_RT_PARAM_INVALID, "aclrtMemcpyAsync: %p is not a stream.", stream);
    if (count) std::memmove(dst, src, count);
    return ACL_SUCCESS;
}

extern "C" aclError aclrtMemset(void *devPtr, size_t maxCount, int32_t value, size_t count) {
    using namespace emu;
    if (aclError status = requireInitialized("aclrtMemset")) return status;
    if (!devPtr || count > maxCount) {
        return reportf(ACL_ERROR_INVALID_PARAM, "aclrtMemset: devPtr is null or count %zu > maxCount %zu.", count, maxCount);
    }
    if (count && !findAllocation(devPtr, count)) {
        return reportf(ACL_ERROR_RT_PARAM_INVALID, "aclrtMemset: %p (%zu bytes) is %s.", devPtr, count,
                       describe(sideOf(devPtr, count)));
    }
    std::memset(devPtr, value, count);
    return ACL_SUCCESS;
}

// HBM attributes report the device's memory; an Ascend 910 has no separate device DDR, so those are 0.
extern "C" aclError aclrtGetMemInfo(aclrtMemAttr attr, size_t *free, size_t *total) {
    using namespace emu;
    if (aclError status = requireDevice("aclrtGetMemInfo")) return status;
    if (!free || !total) return report(ACL_ERROR_INVALID_PARAM, "aclrtGetMemInfo: free or total is null.");
    const bool hbm = attr == ACL_HBM_MEM || attr == ACL_HBM_MEM_HUGE || attr == ACL_HBM_MEM_NORMAL;
    *total = hbm ? deviceCapacity() : 0;
    *free = hbm ? deviceCapacity() - deviceUsed(currentDevice()) : 0;
    return ACL_SUCCESS;
}

#include "device_memory.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

#include "soc.h"

namespace emu {
namespace {

// CANN aligns device allocations generously; 512 bytes keeps every dtype's vector loads aligned.
constexpr size_t kAlignment = 512;

std::mutex mutex;
std::map<uintptr_t, Allocation> allocations;  // by base address
std::map<int, size_t> used;                   // bytes by device

size_t defaultCapacityGiB() { return isOriginal910() ? 32 : 64; }

// The allocation at or below `address`, if `address` lies inside it. Caller holds the mutex.
const Allocation *containing(uintptr_t address) {
    auto it = allocations.upper_bound(address);
    if (it == allocations.begin()) return nullptr;
    --it;
    const Allocation &candidate = it->second;
    return address < candidate.base + candidate.size ? &candidate : nullptr;
}

}  // namespace

size_t deviceCapacity() {
    static const size_t capacity = [] {
        const char *configured = std::getenv("GLM_ASCEND_EMU_HBM_GIB");
        const size_t gib = configured && *configured ? std::stoul(configured) : defaultCapacityGiB();
        return gib << 30;
    }();
    return capacity;
}

size_t deviceUsed(int device) {
    std::lock_guard<std::mutex> lock(mutex);
    const auto it = used.find(device);
    return it == used.end() ? 0 : it->second;
}

void *deviceAllocate(int device, size_t size) {
    const size_t rounded = (size + kAlignment - 1) / kAlignment * kAlignment;
    std::lock_guard<std::mutex> lock(mutex);
    if (used[device] + rounded > deviceCapacity()) return nullptr;
    void *pointer = std::aligned_alloc(kAlignment, rounded);
    if (!pointer) return nullptr;
    const auto base = reinterpret_cast<uintptr_t>(pointer);
    allocations[base] = Allocation{base, size, device};
    used[device] += rounded;
    return pointer;
}

bool deviceFree(const void *pointer) {
    std::lock_guard<std::mutex> lock(mutex);
    const auto it = allocations.find(reinterpret_cast<uintptr_t>(pointer));
    if (it == allocations.end()) return false;
    used[it->second.device] -= (it->second.size + kAlignment - 1) / kAlignment * kAlignment;
    std::free(const_cast<void *>(pointer));
    allocations.erase(it);
    return true;
}

void deviceFreeAll(int device) {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = allocations.begin(); it != allocations.end();) {
        if (device >= 0 && it->second.device != device) {
            ++it;
            continue;
        }
        std::free(reinterpret_cast<void *>(it->first));
        it = allocations.erase(it);
    }
    if (device < 0) used.clear();
    else used.erase(device);
}

std::optional<Allocation> findAllocation(const void *pointer, size_t bytes) {
    const auto address = reinterpret_cast<uintptr_t>(pointer);
    std::lock_guard<std::mutex> lock(mutex);
    const Allocation *allocation = containing(address);
    if (!allocation || address + bytes > allocation->base + allocation->size) return std::nullopt;
    return *allocation;
}

bool touchesDevice(const void *pointer, size_t bytes) {
    const auto first = reinterpret_cast<uintptr_t>(pointer);
    const uintptr_t last = first + (bytes ? bytes - 1 : 0);
    std::lock_guard<std::mutex> lock(mutex);
    if (containing(first) || containing(last)) return true;
    const auto inside = allocations.lower_bound(first);  // an allocation strictly inside the range
    return inside != allocations.end() && inside->first <= last;
}

}  // namespace emu

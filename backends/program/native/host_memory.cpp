// device.h for emulated builds: device memory is host memory (256-byte aligned, filled with 0xCD as
// device allocations are not zeroed either) of kHostMemoryBytes per emulated device — asking for more fails as the
// device's own allocator does —, the queue runs each launch to its end before returning (so nothing
// is in flight and events measure nothing), the error flag is a host int. Opening the device, its
// facts and its queue handle are the family's (an emulator of its execution model). Allocations and
// synchronisations are fault-injection points (fault_injection.h): they fail with the family's status.
// Each emulated device (ordinal) has its own allocations, error flag and events (device_contexts.h), so
// a rank's work that lands in another rank's context shows: its memory stats and flag are elsewhere,
// and freeing its memory there fails.
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "device.h"
#include "device_contexts.h"
#include "fault_injection.h"
#include "host_memory.h"

namespace glm {
namespace device {
namespace {

struct Block {
  void* base;  // what malloc returned
  size_t bytes;
};

// One emulated device's state.
struct HostDevice {
  std::unordered_map<uint64_t, Block> blocks;  // by aligned address
  size_t live_bytes = 0;
  int flag_storage = 0;
  std::vector<double> event_times;
};

HostDevice& here() { return per_device<HostDevice>(); }

}  // namespace

uint64_t allocate(size_t bytes) {
  HostDevice& d = here();
  const size_t live_bytes = d.live_bytes;
  if (fault::hit(fault::kAlloc)) {
    throw DeviceError("out of device memory: " + fault::vendor_call(fault::kAlloc) + " of " + bytes_text(bytes) + " returned " + fault::vendor_status(fault::kAlloc) + " " +
                      fault::injected_text(fault::kAlloc));
  }
  if (bytes > kHostMemoryBytes - live_bytes) {
    throw DeviceError("out of device memory: " + fault::vendor_call(fault::kAlloc) + " of " + bytes_text(bytes) + " returned " + fault::vendor_status(fault::kAlloc) + ", " +
                      bytes_text(kHostMemoryBytes - live_bytes) + " free of " + bytes_text(kHostMemoryBytes) + " (emulated device)");
  }
  void* base = std::malloc(bytes + 256);
  if (!base) throw DeviceError("out of host memory (emulator) allocating " + bytes_text(bytes));
  const uint64_t aligned = (reinterpret_cast<uint64_t>(base) + 255) & ~uint64_t{255};
  std::memset(reinterpret_cast<void*>(aligned), 0xCD, bytes);
  d.blocks[aligned] = Block{base, bytes};
  d.live_bytes += bytes;
  return aligned;
}

void release(uint64_t address) {
  HostDevice& d = here();
  auto it = d.blocks.find(address);
  if (it == d.blocks.end()) throw DeviceError("free of an address that was not allocated on emulated device " + std::to_string(selected()));
  std::free(it->second.base);
  d.live_bytes -= it->second.bytes;
  d.blocks.erase(it);
}

void write(uint64_t dst, const void* src, size_t bytes) { std::memcpy(reinterpret_cast<void*>(dst), src, bytes); }
void read(void* dst, uint64_t src, size_t bytes) { std::memcpy(dst, reinterpret_cast<const void*>(src), bytes); }
void fill(uint64_t dst, int byte, size_t bytes) { std::memset(reinterpret_cast<void*>(dst), byte, bytes); }
void copy_async(uint64_t dst, uint64_t src, size_t bytes) { std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes); }

void memory_info(size_t* free_bytes, size_t* total_bytes) {
  *free_bytes = is_open() ? kHostMemoryBytes - here().live_bytes : 0;
  *total_bytes = is_open() ? kHostMemoryBytes : 0;
}

void allocation_stats(size_t* bytes, size_t* allocations) {
  *bytes = here().live_bytes;
  *allocations = here().blocks.size();
}

void check_launch(const char*) {}

int finish(bool) {
  int& flag_storage = here().flag_storage;
  const int flag = flag_storage;
  flag_storage = 0;
  if (fault::hit(fault::kSync)) {
    throw DeviceError(fault::vendor_call(fault::kSync) + " returned " + fault::vendor_status(fault::kSync) + " " + fault::injected_text(fault::kSync));
  }
  return flag;
}

int* error_flag() { return &here().flag_storage; }

int event_create() {
  std::vector<double>& event_times = here().event_times;
  event_times.push_back(0);
  return static_cast<int>(event_times.size() - 1);
}
void event_record(int) {}
float event_elapsed_ms(int, int) { return 0.f; }

}  // namespace device
}  // namespace glm

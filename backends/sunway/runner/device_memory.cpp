// device.h for the Sunway runner: device memory is the MPE's own memory, which the CPEs reach by DMA
// (256-byte aligned, filled with 0xCD as fresh device memory is not zeroed either); the queue is the
// runner itself, each launch joined before the next; the error flag is an int the kernels put to.
// On the emulator every allocation (and the flag) is registered as main memory, so a DMA that leaves
// the tensor it started in fails its spawn instead of reading a neighbour (sunway_emu_register_main).
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <vector>

#include <athread.h>

#include "device.h"
#if defined(GLM_FAULT_INJECTION)
#include "fault_injection.h"
#endif

namespace glm {
namespace device {
namespace {

// What memoryInfo reports: the MPE's memory is the node's (96 GB on a Pro node, spec §1); also the
// most the runner hands out, so asking for more fails as the node would instead of swapping the host.
constexpr size_t kReportedBytes = 96ull << 30;

struct Block {
  void* base;  // what malloc returned
  size_t bytes;
};
std::unordered_map<uint64_t, Block> blocks;  // by aligned address
size_t live_bytes = 0;
std::vector<double> event_times;

void track(const void* base, size_t bytes, bool on) {
#if !defined(__sw_64__)
  if (on) sunway_emu_register_main(base, bytes);
  else sunway_emu_unregister_main(base);
#else
  (void)base, (void)bytes, (void)on;
#endif
}

// The flag lives in its own registered (aligned) block, so a kernel's DMA to it is in bounds.
int* flag_storage() {
  static int* flag = [] {
    void* p = std::aligned_alloc(256, 256);
    if (!p) throw DeviceError("out of host memory for the error flag");
    std::memset(p, 0, 256);
    track(p, 256, true);
    return static_cast<int*>(p);
  }();
  return flag;
}

}  // namespace

uint64_t allocate(size_t bytes) {
#if defined(GLM_FAULT_INJECTION)
  if (fault::hit(fault::kAlloc)) {
    throw DeviceError("out of device memory: " + fault::vendor_call(fault::kAlloc) + " of " + bytes_text(bytes) + " returned " +
                      fault::vendor_status(fault::kAlloc) + " " + fault::injected_text(fault::kAlloc));
  }
#endif
  if (bytes > kReportedBytes - live_bytes) {
    throw DeviceError("out of device memory: malloc of MPE main memory of " + bytes_text(bytes) + ": " + bytes_text(kReportedBytes - live_bytes) +
                      " free of the node's " + bytes_text(kReportedBytes));
  }
  void* base = std::malloc(bytes + 256);
  if (!base) throw DeviceError("out of device memory: malloc of MPE main memory of " + bytes_text(bytes) + " returned NULL");
  const uint64_t aligned = (reinterpret_cast<uint64_t>(base) + 255) & ~uint64_t{255};
  std::memset(reinterpret_cast<void*>(aligned), 0xCD, bytes);
  blocks[aligned] = Block{base, bytes};
  live_bytes += bytes;
  track(reinterpret_cast<void*>(aligned), bytes > 0 ? bytes : 1, true);
  return aligned;
}

void release(uint64_t address) {
  auto it = blocks.find(address);
  if (it == blocks.end()) throw DeviceError("free of an address that was not allocated");
  track(reinterpret_cast<void*>(address), 0, false);
  std::free(it->second.base);
  live_bytes -= it->second.bytes;
  blocks.erase(it);
}

void write(uint64_t dst, const void* src, size_t bytes) { std::memcpy(reinterpret_cast<void*>(dst), src, bytes); }
void read(void* dst, uint64_t src, size_t bytes) { std::memcpy(dst, reinterpret_cast<const void*>(src), bytes); }
void fill(uint64_t dst, int byte, size_t bytes) { std::memset(reinterpret_cast<void*>(dst), byte, bytes); }
void copy_async(uint64_t dst, uint64_t src, size_t bytes) { std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes); }

void memory_info(size_t* free_bytes, size_t* total_bytes) {
  *free_bytes = is_open() ? kReportedBytes : 0;
  *total_bytes = *free_bytes;
}

void allocation_stats(size_t* bytes, size_t* allocations) {
  *bytes = live_bytes;
  *allocations = blocks.size();
}

void check_launch(const char*) {}
bool syncs_each_launch() { return true; }

int finish(bool) {
  int* flag = flag_storage();
  const int value = *flag;
  *flag = 0;
  return value;
}

int* error_flag() { return flag_storage(); }

int event_create() {
  event_times.push_back(0);
  return static_cast<int>(event_times.size() - 1);
}
void event_record(int) {}
float event_elapsed_ms(int, int) { return 0.f; }

}  // namespace device
}  // namespace glm

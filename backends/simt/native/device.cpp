// The SIMT family's device context (simt_device.h): the CUDA runtime (cuda, and rocm-dcu's build for
// NVIDIA GPUs), HIP on AMD (rocm-dcu; its platform.h maps these CUDA names onto HIP's), or, under the
// CPU emulator, host memory (backends/program/native/host_memory.cpp) with the emulator's facts.
#include "simt_device.h"

#include <cstdlib>
#include <string>
#include <vector>

#ifdef GLM_SIMT_EMULATE
#include "fault_injection.h"
#include "host_memory.h"
#else
#include <unordered_map>
#endif

namespace glm {
namespace device {
namespace {

DeviceInfo opened_info;
bool opened = false;
bool sync_each_launch = false;

}  // namespace

bool is_open() { return opened; }
bool syncs_each_launch() { return sync_each_launch; }
const DeviceInfo& info() { return opened_info; }

#ifdef GLM_SIMT_EMULATE
// ---------------------------------------------------------------- emulator: every launch runs to its end
std::string probe(DeviceInfo* info) {
  info->name = "CPU emulator of the " GLM_DIALECT_NAME " kernels (no GPU; results from emulation)";
  info->arch = "emulated";
  info->major = 9;  // the compute capability the emulated tensor-core paths ask for (sm_80+)
  info->minor = 0;
  info->total_memory = kHostMemoryBytes;
  info->multiprocessors = 1;
  info->hw_wave = GLM_EMU_WARP;
  info->emulated = true;
  return "";
}

void open(int) {
  probe(&opened_info);
  opened = true;
  sync_each_launch = true;
}

Stream stream() { return nullptr; }

}  // namespace device

// What an injected fault returns (fault_injection.h): the runtime's own call and status for it, as
// the runtime names them. The launch status is one a launch itself returns (the context stays usable).
namespace fault {

std::string vendor_call(int kind) {
  static const char* const calls[kKinds] = {GLM_RUNTIME_NAME "Malloc", GLM_RUNTIME_NAME "LaunchKernel", GLM_RUNTIME_NAME "StreamSynchronize",
                                            "(no DMA engine in the SIMT model)"};
  return kind >= 0 && kind < kKinds ? calls[kind] : "unknown";
}

bool supported(int kind) { return kind == kAlloc || kind == kLaunch || kind == kSync; }

std::string vendor_status(int kind) {
#if defined(GLM_DCU_EMULATE)
  static const char* const statuses[kKinds] = {"hipErrorOutOfMemory (2)", "hipErrorLaunchOutOfResources (701)", "hipErrorLaunchFailure (719)", ""};
#else
  static const char* const statuses[kKinds] = {"cudaErrorMemoryAllocation (2)", "cudaErrorLaunchOutOfResources (701)", "cudaErrorLaunchFailure (719)", ""};
#endif
  return kind >= 0 && kind < kKinds ? statuses[kind] : "unknown";
}

}  // namespace fault

namespace device {

#else
// ---------------------------------------------------------------- the runtime
namespace {
cudaStream_t main_stream = nullptr;
int* flag_device = nullptr;
std::vector<cudaEvent_t> events;
std::unordered_map<uint64_t, size_t> allocation_sizes;  // live allocations: address -> bytes asked
size_t allocated_bytes = 0;

void check(cudaError_t e, const std::string& what) {
  if (e != cudaSuccess) throw DeviceError(what + " failed (" + error_text(e) + ")");
}
}  // namespace

std::string error_text(cudaError_t e) { return std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e); }

void describe(const cudaDeviceProp& prop, DeviceInfo* info) {
  info->name = prop.name;
  info->arch = arch_of(prop);
  info->major = prop.major;
  info->minor = prop.minor;
  info->total_memory = prop.totalGlobalMem;
  info->multiprocessors = prop.multiProcessorCount;
  info->l2_bytes = prop.l2CacheSize;
  info->hw_wave = prop.warpSize;
  (void)cudaDriverGetVersion(&info->driver_version);
  (void)cudaRuntimeGetVersion(&info->runtime_version);
}

void open(int index) {
  if (opened) return;
  check(cudaSetDevice(index), GLM_RUNTIME_NAME "SetDevice(" + std::to_string(index) + ")");
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, index), GLM_RUNTIME_NAME "GetDeviceProperties");
  describe(prop, &opened_info);
  check(cudaStreamCreateWithFlags(&main_stream, cudaStreamNonBlocking), GLM_RUNTIME_NAME "StreamCreate");
  check(cudaMalloc(reinterpret_cast<void**>(&flag_device), sizeof(int)), "allocating the error flag");
  check(cudaMemset(flag_device, 0, sizeof(int)), "clearing the error flag");
  const char* sync_env = std::getenv(GLM_SYNC_VARIABLE);
  sync_each_launch = sync_env && sync_env[0] == '1';
  opened = true;
}

Stream stream() { return main_stream; }

uint64_t allocate(size_t bytes) {
  void* p = nullptr;
  const cudaError_t e = cudaMalloc(&p, bytes == 0 ? 1 : bytes);
  if (e == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    size_t free_bytes = 0, total = 0;
    (void)cudaMemGetInfo(&free_bytes, &total);
    throw DeviceError("out of device memory: asked for " + bytes_text(bytes) + ", " + bytes_text(free_bytes) + " free of " + bytes_text(total));
  }
  check(e, GLM_RUNTIME_NAME "Malloc of " + bytes_text(bytes));
  const uint64_t address = reinterpret_cast<uint64_t>(p);
  allocation_sizes[address] = bytes;
  allocated_bytes += bytes;
  return address;
}

void release(uint64_t address) {
  // Freeing synchronises with the device, so nothing in flight still uses the memory.
  check(cudaFree(reinterpret_cast<void*>(address)), GLM_RUNTIME_NAME "Free");
  const auto it = allocation_sizes.find(address);
  if (it != allocation_sizes.end()) {
    allocated_bytes -= it->second;
    allocation_sizes.erase(it);
  }
}

void allocation_stats(size_t* live_bytes, size_t* live_allocations) {
  *live_bytes = allocated_bytes;
  *live_allocations = allocation_sizes.size();
}

void write(uint64_t dst, const void* src, size_t bytes) {
  check(cudaMemcpyAsync(reinterpret_cast<void*>(dst), src, bytes, cudaMemcpyHostToDevice, main_stream), "copy to the device");
  check(cudaStreamSynchronize(main_stream), "copy to the device");
}

void read(void* dst, uint64_t src, size_t bytes) {
  check(cudaMemcpyAsync(dst, reinterpret_cast<const void*>(src), bytes, cudaMemcpyDeviceToHost, main_stream), "copy from the device");
  check(cudaStreamSynchronize(main_stream), "copy from the device");
}

void fill(uint64_t dst, int byte, size_t bytes) {
  check(cudaMemsetAsync(reinterpret_cast<void*>(dst), byte, bytes, main_stream), GLM_RUNTIME_NAME "Memset");
}

void copy_async(uint64_t dst, uint64_t src, size_t bytes) {
  check(cudaMemcpyAsync(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes, cudaMemcpyDeviceToDevice, main_stream), "device copy");
}

void memory_info(size_t* free_bytes, size_t* total_bytes) { check(cudaMemGetInfo(free_bytes, total_bytes), GLM_RUNTIME_NAME "MemGetInfo"); }

void check_launch(const char* what) {
  cudaError_t e = cudaGetLastError();
  if (e == cudaSuccess && sync_each_launch) e = cudaStreamSynchronize(main_stream);
  if (e != cudaSuccess) throw DeviceError(std::string("launch of ") + what + " failed (" + error_text(e) + ")");
}

int finish(bool read_flag) {
  check(cudaStreamSynchronize(main_stream), "the device (a kernel faulted; run with " GLM_SYNC_VARIABLE "=1 to name it)");
  if (!read_flag) return 0;
  int flag = 0;
  check(cudaMemcpy(&flag, flag_device, sizeof(int), cudaMemcpyDeviceToHost), "reading the error flag");
  if (flag != 0) check(cudaMemset(flag_device, 0, sizeof(int)), "clearing the error flag");
  return flag;
}

int* error_flag() { return flag_device; }

int event_create() {
  cudaEvent_t ev;
  check(cudaEventCreate(&ev), GLM_RUNTIME_NAME "EventCreate");
  events.push_back(ev);
  return static_cast<int>(events.size() - 1);
}
void event_record(int id) { check(cudaEventRecord(events.at(id), main_stream), GLM_RUNTIME_NAME "EventRecord"); }
float event_elapsed_ms(int start, int end) {
  check(cudaEventSynchronize(events.at(end)), GLM_RUNTIME_NAME "EventSynchronize");
  float ms = 0.f;
  check(cudaEventElapsedTime(&ms, events.at(start), events.at(end)), GLM_RUNTIME_NAME "EventElapsedTime");
  return ms;
}
#endif

}  // namespace device
}  // namespace glm

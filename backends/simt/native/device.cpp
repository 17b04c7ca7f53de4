// The SIMT family's device context (simt_device.h): the CUDA runtime (cuda, and rocm-dcu's build for
// NVIDIA GPUs), HIP on AMD (rocm-dcu; its platform.h maps these CUDA names onto HIP's), or, under the
// CPU emulator, host memory (backends/program/native/host_memory.cpp) with the emulator's facts.
// Each device ordinal has its own context (device_contexts.h): select() makes it current (cudaSetDevice)
// and every call here acts on its stream, error flag, events and allocations.
#include "simt_device.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "device_contexts.h"

#ifdef GLM_SIMT_EMULATE
#include "fault_injection.h"
#include "host_memory.h"
#else
#include <unordered_map>
#endif

namespace glm {
namespace device {
namespace {

// What every build keeps per device; the runtime's own state is RuntimeDevice below.
struct OpenedDevice {
  DeviceInfo info;
  bool opened = false;
  bool sync_each_launch = false;
};

OpenedDevice& opened_here() { return per_device<OpenedDevice>(); }

}  // namespace

bool is_open() { return opened_here().opened; }
bool syncs_each_launch() { return opened_here().sync_each_launch; }
const DeviceInfo& info() { return opened_here().info; }
int selected() { return contexts::selected().ordinal; }

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

// Emulated devices: any ordinal, each a context on host memory.
void select(int ordinal) {
  if (contexts::current && contexts::current->ordinal == ordinal) return;
  contexts::current = &contexts::of(ordinal);
}

void open(int index) {
  select(index);
  OpenedDevice& d = opened_here();
  probe(&d.info);
  d.opened = true;
  d.sync_each_launch = true;
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
// One GPU's state, made when its ordinal is first selected.
struct RuntimeDevice {
  cudaStream_t main_stream = nullptr;
  int* flag_device = nullptr;
  std::vector<cudaEvent_t> events;
  std::unordered_map<uint64_t, size_t> allocation_sizes;  // live allocations: address -> bytes asked
  size_t allocated_bytes = 0;
};

RuntimeDevice& here() { return per_device<RuntimeDevice>(); }

void check(cudaError_t e, const std::string& what) {
  if (e != cudaSuccess) throw DeviceError(what + " failed (" + error_text(e) + ")");
}
}  // namespace

// The runtime's current device follows the selected context: set only when another is selected, so a
// process with one GPU calls cudaSetDevice once.
void select(int ordinal) {
  if (contexts::current && contexts::current->ordinal == ordinal) return;
  check(cudaSetDevice(ordinal), GLM_RUNTIME_NAME "SetDevice(" + std::to_string(ordinal) + ")");
  contexts::current = &contexts::of(ordinal);
}

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
  select(index);
  OpenedDevice& d = opened_here();
  if (d.opened) return;
  RuntimeDevice& r = here();
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, index), GLM_RUNTIME_NAME "GetDeviceProperties");
  describe(prop, &d.info);
  check(cudaStreamCreateWithFlags(&r.main_stream, cudaStreamNonBlocking), GLM_RUNTIME_NAME "StreamCreate");
  check(cudaMalloc(reinterpret_cast<void**>(&r.flag_device), sizeof(int)), "allocating the error flag");
  check(cudaMemset(r.flag_device, 0, sizeof(int)), "clearing the error flag");
  const char* sync_env = std::getenv(GLM_SYNC_VARIABLE);
  d.sync_each_launch = sync_env && sync_env[0] == '1';
  d.opened = true;
}

Stream stream() { return here().main_stream; }

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
  RuntimeDevice& r = here();
  r.allocation_sizes[address] = bytes;
  r.allocated_bytes += bytes;
  return address;
}

void release(uint64_t address) {
  // Freeing synchronises with the device, so nothing in flight still uses the memory.
  check(cudaFree(reinterpret_cast<void*>(address)), GLM_RUNTIME_NAME "Free");
  RuntimeDevice& r = here();
  const auto it = r.allocation_sizes.find(address);
  if (it != r.allocation_sizes.end()) {
    r.allocated_bytes -= it->second;
    r.allocation_sizes.erase(it);
  }
}

void allocation_stats(size_t* live_bytes, size_t* live_allocations) {
  *live_bytes = here().allocated_bytes;
  *live_allocations = here().allocation_sizes.size();
}

void write(uint64_t dst, const void* src, size_t bytes) {
  check(cudaMemcpyAsync(reinterpret_cast<void*>(dst), src, bytes, cudaMemcpyHostToDevice, stream()), "copy to the device");
  check(cudaStreamSynchronize(stream()), "copy to the device");
}

void read(void* dst, uint64_t src, size_t bytes) {
  check(cudaMemcpyAsync(dst, reinterpret_cast<const void*>(src), bytes, cudaMemcpyDeviceToHost, stream()), "copy from the device");
  check(cudaStreamSynchronize(stream()), "copy from the device");
}

void fill(uint64_t dst, int byte, size_t bytes) {
  check(cudaMemsetAsync(reinterpret_cast<void*>(dst), byte, bytes, stream()), GLM_RUNTIME_NAME "Memset");
}

void copy_async(uint64_t dst, uint64_t src, size_t bytes) {
  check(cudaMemcpyAsync(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes, cudaMemcpyDeviceToDevice, stream()), "device copy");
}

void memory_info(size_t* free_bytes, size_t* total_bytes) { check(cudaMemGetInfo(free_bytes, total_bytes), GLM_RUNTIME_NAME "MemGetInfo"); }

void check_launch(const char* what) {
  cudaError_t e = cudaGetLastError();
  if (e == cudaSuccess && syncs_each_launch()) e = cudaStreamSynchronize(stream());
  if (e != cudaSuccess) throw DeviceError(std::string("launch of ") + what + " failed (" + error_text(e) + ")");
}

int finish(bool read_flag) {
  int* flag_device = here().flag_device;
  check(cudaStreamSynchronize(stream()), "the device (a kernel faulted; run with " GLM_SYNC_VARIABLE "=1 to name it)");
  if (!read_flag) return 0;
  int flag = 0;
  check(cudaMemcpy(&flag, flag_device, sizeof(int), cudaMemcpyDeviceToHost), "reading the error flag");
  if (flag != 0) check(cudaMemset(flag_device, 0, sizeof(int)), "clearing the error flag");
  return flag;
}

int* error_flag() { return here().flag_device; }

int event_create() {
  cudaEvent_t ev;
  check(cudaEventCreate(&ev), GLM_RUNTIME_NAME "EventCreate");
  std::vector<cudaEvent_t>& events = here().events;
  events.push_back(ev);
  return static_cast<int>(events.size() - 1);
}
void event_record(int id) { check(cudaEventRecord(here().events.at(id), stream()), GLM_RUNTIME_NAME "EventRecord"); }
float event_elapsed_ms(int start, int end) {
  const std::vector<cudaEvent_t>& events = here().events;
  check(cudaEventSynchronize(events.at(end)), GLM_RUNTIME_NAME "EventSynchronize");
  float ms = 0.f;
  check(cudaEventElapsedTime(&ms, events.at(start), events.at(end)), GLM_RUNTIME_NAME "EventElapsedTime");
  return ms;
}
#endif

}  // namespace device
}  // namespace glm

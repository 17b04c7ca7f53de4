// Device memory, the stream, errors and events: the CUDA runtime (linked statically), or plain
// host memory under the emulator.
#include "device.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#ifdef GLM_CUDA_EMULATE
#include <mutex>
#include <unordered_map>
#endif

namespace glm {
namespace device {
namespace {

DeviceInfo opened_info;
bool opened = false;
bool sync_each_launch = false;

std::string bytes_text(size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%zu bytes (%.2f GiB)", n, static_cast<double>(n) / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

}  // namespace

bool is_open() { return opened; }
bool syncs_each_launch() { return sync_each_launch; }
const DeviceInfo& info() { return opened_info; }

#ifdef GLM_CUDA_EMULATE
// ---------------------------------------------------------------- emulator: host memory
namespace {
std::unordered_map<uint64_t, void*> blocks;  // aligned address -> malloc'd base
int flag_storage = 0;
std::vector<double> event_times;
}  // namespace

std::string probe(DeviceInfo* info) {
  info->name = "CPU emulator of the CUDA kernels (no GPU; results from emulation)";
  info->major = 9;
  info->minor = 0;
  info->total_memory = 8ull << 30;
  info->multiprocessors = 1;
  info->emulated = true;
  return "";
}

void open(int) {
  probe(&opened_info);
  opened = true;
  sync_each_launch = true;
}

Stream stream() { return nullptr; }

uint64_t allocate(size_t bytes) {
  void* base = std::malloc(bytes + 256);
  if (!base) throw DeviceError("out of host memory (emulator) allocating " + bytes_text(bytes));
  const uint64_t aligned = (reinterpret_cast<uint64_t>(base) + 255) & ~uint64_t{255};
  std::memset(reinterpret_cast<void*>(aligned), 0xCD, bytes);  // cudaMalloc does not zero either
  blocks[aligned] = base;
  return aligned;
}

void release(uint64_t address) {
  auto it = blocks.find(address);
  if (it == blocks.end()) throw DeviceError("free of an address that was not allocated");
  std::free(it->second);
  blocks.erase(it);
}

void write(uint64_t dst, const void* src, size_t bytes) { std::memcpy(reinterpret_cast<void*>(dst), src, bytes); }
void read(void* dst, uint64_t src, size_t bytes) { std::memcpy(dst, reinterpret_cast<const void*>(src), bytes); }
void fill(uint64_t dst, int byte, size_t bytes) { std::memset(reinterpret_cast<void*>(dst), byte, bytes); }
void copy_async(uint64_t dst, uint64_t src, size_t bytes) { std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes); }
void memory_info(size_t* free_bytes, size_t* total_bytes) {
  *free_bytes = opened_info.total_memory;
  *total_bytes = opened_info.total_memory;
}
void check_launch(const char*) {}
int finish(bool) {
  const int flag = flag_storage;
  flag_storage = 0;
  return flag;
}
int* error_flag() { return &flag_storage; }
void* lt_workspace() { return nullptr; }
size_t lt_workspace_bytes() { return 0; }
int event_create() {
  event_times.push_back(0);
  return static_cast<int>(event_times.size() - 1);
}
void event_record(int) {}
float event_elapsed_ms(int, int) { return 0.f; }

#else
// ---------------------------------------------------------------- CUDA runtime
namespace {
cudaStream_t main_stream = nullptr;
int* flag_device = nullptr;
void* workspace = nullptr;
size_t workspace_bytes = 0;
std::vector<cudaEvent_t> events;

std::string describe(cudaError_t e) { return std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e); }

void check(cudaError_t e, const std::string& what) {
  if (e != cudaSuccess) throw DeviceError(what + " failed (" + describe(e) + ")");
}
}  // namespace

std::string probe(DeviceInfo* info) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e == cudaErrorInsufficientDriver) {
    cudaGetLastError();
    int driver = 0;
    cudaDriverGetVersion(&driver);
    if (driver == 0) return "no CUDA driver: libcuda.so.1 (the NVIDIA driver library) could not be loaded";
    return "the NVIDIA driver (CUDA " + std::to_string(driver / 1000) + "." + std::to_string((driver % 1000) / 10) +
           ") is older than this addon's CUDA runtime (" + std::to_string(CUDART_VERSION / 1000) + "." + std::to_string((CUDART_VERSION % 1000) / 10) + ")";
  }
  if (e == cudaErrorNoDevice || (e == cudaSuccess && count == 0)) {
    cudaGetLastError();
    return "no CUDA device: the driver is installed but reports no GPU (cudaErrorNoDevice)";
  }
  if (e != cudaSuccess) {
    cudaGetLastError();
    return "CUDA initialisation failed: " + describe(e);
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    cudaGetLastError();
    return "cudaGetDeviceProperties failed for device 0";
  }
  info->name = prop.name;
  info->major = prop.major;
  info->minor = prop.minor;
  info->total_memory = prop.totalGlobalMem;
  info->multiprocessors = prop.multiProcessorCount;
  info->l2_bytes = prop.l2CacheSize;
  cudaDriverGetVersion(&info->driver_version);
  cudaRuntimeGetVersion(&info->runtime_version);
  if (prop.major < 8) {
    return std::string(prop.name) + " has compute capability " + std::to_string(prop.major) + "." + std::to_string(prop.minor) +
           "; this addon is built for 8.0 and newer (sm_80, sm_90, PTX)";
  }
  return "";
}

void open(int index) {
  if (opened) return;
  check(cudaSetDevice(index), "cudaSetDevice(" + std::to_string(index) + ")");
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, index), "cudaGetDeviceProperties");
  opened_info.name = prop.name;
  opened_info.major = prop.major;
  opened_info.minor = prop.minor;
  opened_info.total_memory = prop.totalGlobalMem;
  opened_info.multiprocessors = prop.multiProcessorCount;
  opened_info.l2_bytes = prop.l2CacheSize;
  cudaDriverGetVersion(&opened_info.driver_version);
  cudaRuntimeGetVersion(&opened_info.runtime_version);
  check(cudaStreamCreateWithFlags(&main_stream, cudaStreamNonBlocking), "cudaStreamCreate");
  check(cudaMalloc(reinterpret_cast<void**>(&flag_device), sizeof(int)), "allocating the error flag");
  check(cudaMemset(flag_device, 0, sizeof(int)), "clearing the error flag");
  workspace_bytes = 64ull << 20;
  check(cudaMalloc(&workspace, workspace_bytes), "allocating the cuBLASLt workspace");
  const char* sync_env = std::getenv("GLM_CUDA_SYNC");
  sync_each_launch = sync_env && sync_env[0] == '1';
  opened = true;
}

Stream stream() { return main_stream; }

uint64_t allocate(size_t bytes) {
  void* p = nullptr;
  const cudaError_t e = cudaMalloc(&p, bytes == 0 ? 1 : bytes);
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    size_t free_bytes = 0, total = 0;
    cudaMemGetInfo(&free_bytes, &total);
    throw DeviceError("out of device memory: asked for " + bytes_text(bytes) + ", " + bytes_text(free_bytes) + " free of " + bytes_text(total));
  }
  check(e, "cudaMalloc of " + bytes_text(bytes));
  return reinterpret_cast<uint64_t>(p);
}

void release(uint64_t address) {
  // cudaFree synchronises with the device, so nothing in flight still uses the memory.
  check(cudaFree(reinterpret_cast<void*>(address)), "cudaFree");
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
  check(cudaMemsetAsync(reinterpret_cast<void*>(dst), byte, bytes, main_stream), "cudaMemset");
}

void copy_async(uint64_t dst, uint64_t src, size_t bytes) {
  check(cudaMemcpyAsync(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes, cudaMemcpyDeviceToDevice, main_stream), "device copy");
}

void memory_info(size_t* free_bytes, size_t* total_bytes) { check(cudaMemGetInfo(free_bytes, total_bytes), "cudaMemGetInfo"); }

void check_launch(const char* what) {
  cudaError_t e = cudaGetLastError();
  if (e == cudaSuccess && sync_each_launch) e = cudaStreamSynchronize(main_stream);
  if (e != cudaSuccess) throw DeviceError(std::string("launch of ") + what + " failed (" + describe(e) + ")");
}

int finish(bool read_flag) {
  check(cudaStreamSynchronize(main_stream), "the device (a kernel faulted; run with GLM_CUDA_SYNC=1 to name it)");
  if (!read_flag) return 0;
  int flag = 0;
  check(cudaMemcpy(&flag, flag_device, sizeof(int), cudaMemcpyDeviceToHost), "reading the error flag");
  if (flag != 0) check(cudaMemset(flag_device, 0, sizeof(int)), "clearing the error flag");
  return flag;
}

int* error_flag() { return flag_device; }
void* lt_workspace() { return workspace; }
size_t lt_workspace_bytes() { return workspace_bytes; }

int event_create() {
  cudaEvent_t ev;
  check(cudaEventCreate(&ev), "cudaEventCreate");
  events.push_back(ev);
  return static_cast<int>(events.size() - 1);
}
void event_record(int id) { check(cudaEventRecord(events.at(id), main_stream), "cudaEventRecord"); }
float event_elapsed_ms(int start, int end) {
  check(cudaEventSynchronize(events.at(end)), "cudaEventSynchronize");
  float ms = 0.f;
  check(cudaEventElapsedTime(&ms, events.at(start), events.at(end)), "cudaEventElapsedTime");
  return ms;
}
#endif

}  // namespace device
}  // namespace glm

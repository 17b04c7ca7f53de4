// Device memory, the stream, errors and events through the HIP runtime — libamdhip64.so.5 on a DCU,
// CUDA through hip_to_cuda.h on NVIDIA — or plain host memory under the CPU emulator.
#include "device.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if defined(GLM_DCU_EMULATE)
#include <unordered_map>
#else
#include <unistd.h>
#endif

#ifndef GLM_DCU_ARCHS
#define GLM_DCU_ARCHS ""
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
const DeviceInfo& info() { return opened_info; }

#if defined(GLM_DCU_EMULATE)
// ---------------------------------------------------------------- emulator: host memory
namespace {
std::unordered_map<uint64_t, void*> blocks;  // aligned address -> malloc'd base
int flag_storage = 0;
std::vector<double> event_times;
}  // namespace

std::string probe(DeviceInfo* info) {
  info->name = "CPU emulator of the HIP kernels (no GPU; results from emulation)";
  info->arch = "emulated";
  info->total_memory = 8ull << 30;
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

uint64_t allocate(size_t bytes) {
  void* base = std::malloc(bytes + 256);
  if (!base) throw DeviceError("out of host memory (emulator) allocating " + bytes_text(bytes));
  const uint64_t aligned = (reinterpret_cast<uint64_t>(base) + 255) & ~uint64_t{255};
  std::memset(reinterpret_cast<void*>(aligned), 0xCD, bytes);  // hipMalloc does not zero either
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
int event_create() {
  event_times.push_back(0);
  return static_cast<int>(event_times.size() - 1);
}
void event_record(int) {}
float event_elapsed_ms(int, int) { return 0.f; }

#else
// ---------------------------------------------------------------- HIP runtime (a DCU, or NVIDIA through the map)
namespace {
hipStream_t main_stream = nullptr;
int* flag_device = nullptr;
std::vector<hipEvent_t> events;

std::string describe(hipError_t e) { return std::string(hipGetErrorName(e)) + ": " + hipGetErrorString(e); }

void check(hipError_t e, const std::string& what) {
  if (e != hipSuccess) throw DeviceError(what + " failed (" + describe(e) + ")");
}

#if defined(GLM_DCU_AMD)
std::string version_text(int v) { return std::to_string(v / 10000000) + "." + std::to_string((v / 100000) % 100); }
// "gfx906:sramecc+:xnack-" -> "gfx906"
std::string base_arch(const char* name) {
  std::string s(name);
  const size_t colon = s.find(':');
  return colon == std::string::npos ? s : s.substr(0, colon);
}
bool built_for(const std::string& arch) {
  const std::string list = std::string(",") + GLM_DCU_ARCHS + ",";
  return list.find("," + arch + ",") != std::string::npos;
}
#else
std::string version_text(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }
#endif

void fill_info(DeviceInfo* info, const hipDeviceProp_t& prop) {
  info->name = prop.name;
  info->total_memory = prop.totalGlobalMem;
  info->multiprocessors = prop.multiProcessorCount;
  info->l2_bytes = prop.l2CacheSize;
  info->hw_wave = prop.warpSize;
#if defined(GLM_DCU_AMD)
  info->arch = prop.gcnArchName;
#else
  info->arch = "sm_" + std::to_string(prop.major) + std::to_string(prop.minor);
#endif
  (void)hipDriverGetVersion(&info->driver_version);
  (void)hipRuntimeGetVersion(&info->runtime_version);
}
}  // namespace

std::string probe(DeviceInfo* info) {
  int count = 0;
  const hipError_t e = hipGetDeviceCount(&count);
#if defined(GLM_DCU_AMD)
  int runtime = 0;
  (void)hipRuntimeGetVersion(&runtime);
  const std::string hip = "the HIP runtime (libamdhip64.so.5, HIP " + version_text(runtime) + ")";
  if (e == hipErrorNoDevice || (e == hipSuccess && count == 0)) {
    (void)hipGetLastError();
    const bool kfd = access("/dev/kfd", F_OK) == 0;
    return "no DCU: " + hip + " reports no device (hipErrorNoDevice)" +
           (kfd ? "" : "; there is no /dev/kfd, so no DCU/AMD GPU driver is loaded on this host");
  }
  if (e == hipErrorInsufficientDriver) {
    (void)hipGetLastError();
    return "the DCU driver is older than " + hip;
  }
  if (e != hipSuccess) {
    (void)hipGetLastError();
    return "HIP initialisation failed: " + describe(e);
  }
  hipDeviceProp_t prop{};
  if (hipGetDeviceProperties(&prop, 0) != hipSuccess) {
    (void)hipGetLastError();
    return "hipGetDeviceProperties failed for device 0";
  }
  fill_info(info, prop);
  const std::string arch = base_arch(prop.gcnArchName);
  if (!built_for(arch)) {
    return std::string(prop.name) + " is " + arch + "; this addon holds code objects for " + GLM_DCU_ARCHS +
           " only (rebuild with GLM_DCU_ARCHS=" + arch + "; gfx928 and newer need DTK's hipcc)";
  }
  if (prop.warpSize != GLM_WAVE) {
    return std::string(prop.name) + " runs wavefronts of " + std::to_string(prop.warpSize) + "; this addon is built for " + std::to_string(GLM_WAVE);
  }
  return "";
#else
  if (e == hipErrorInsufficientDriver) {
    (void)hipGetLastError();
    int driver = 0;
    (void)hipDriverGetVersion(&driver);
    if (driver == 0) return "no CUDA driver: libcuda.so.1 (the NVIDIA driver library) could not be loaded — this is the HIP→CUDA build of the DCU sources, which runs on NVIDIA GPUs";
    return "the NVIDIA driver (CUDA " + version_text(driver) + ") is older than this addon's CUDA runtime";
  }
  if (e == hipErrorNoDevice || (e == hipSuccess && count == 0)) {
    (void)hipGetLastError();
    return "no NVIDIA GPU: the driver reports no device (cudaErrorNoDevice) — this is the HIP→CUDA build of the DCU sources";
  }
  if (e != hipSuccess) {
    (void)hipGetLastError();
    return "CUDA initialisation failed: " + describe(e);
  }
  hipDeviceProp_t prop{};
  if (hipGetDeviceProperties(&prop, 0) != hipSuccess) {
    (void)hipGetLastError();
    return "cudaGetDeviceProperties failed for device 0";
  }
  fill_info(info, prop);
  if (prop.major < 8) {
    return std::string(prop.name) + " has compute capability " + std::to_string(prop.major) + "." + std::to_string(prop.minor) +
           "; the HIP→CUDA build is compiled for 8.0 and newer (sm_80, sm_90, PTX)";
  }
  return "";
#endif
}

void open(int index) {
  if (opened) return;
  check(hipSetDevice(index), "hipSetDevice(" + std::to_string(index) + ")");
  hipDeviceProp_t prop{};
  check(hipGetDeviceProperties(&prop, index), "hipGetDeviceProperties");
  fill_info(&opened_info, prop);
  check(hipStreamCreateWithFlags(&main_stream, hipStreamNonBlocking), "hipStreamCreate");
  check(hipMalloc(reinterpret_cast<void**>(&flag_device), sizeof(int)), "allocating the error flag");
  check(hipMemset(flag_device, 0, sizeof(int)), "clearing the error flag");
  const char* sync_env = std::getenv("GLM_DCU_SYNC");
  sync_each_launch = sync_env && sync_env[0] == '1';
  opened = true;
}

Stream stream() { return main_stream; }

uint64_t allocate(size_t bytes) {
  void* p = nullptr;
  const hipError_t e = hipMalloc(&p, bytes == 0 ? 1 : bytes);
  if (e == hipErrorOutOfMemory) {
    (void)hipGetLastError();
    size_t free_bytes = 0, total = 0;
    (void)hipMemGetInfo(&free_bytes, &total);
    throw DeviceError("out of device memory: asked for " + bytes_text(bytes) + ", " + bytes_text(free_bytes) + " free of " + bytes_text(total));
  }
  check(e, "hipMalloc of " + bytes_text(bytes));
  return reinterpret_cast<uint64_t>(p);
}

void release(uint64_t address) {
  // hipFree synchronises with the device, so nothing in flight still uses the memory.
  check(hipFree(reinterpret_cast<void*>(address)), "hipFree");
}

void write(uint64_t dst, const void* src, size_t bytes) {
  check(hipMemcpyAsync(reinterpret_cast<void*>(dst), src, bytes, hipMemcpyHostToDevice, main_stream), "copy to the device");
  check(hipStreamSynchronize(main_stream), "copy to the device");
}

void read(void* dst, uint64_t src, size_t bytes) {
  check(hipMemcpyAsync(dst, reinterpret_cast<const void*>(src), bytes, hipMemcpyDeviceToHost, main_stream), "copy from the device");
  check(hipStreamSynchronize(main_stream), "copy from the device");
}

void fill(uint64_t dst, int byte, size_t bytes) {
  check(hipMemsetAsync(reinterpret_cast<void*>(dst), byte, bytes, main_stream), "hipMemset");
}

void copy_async(uint64_t dst, uint64_t src, size_t bytes) {
  check(hipMemcpyAsync(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes, hipMemcpyDeviceToDevice, main_stream), "device copy");
}

void memory_info(size_t* free_bytes, size_t* total_bytes) { check(hipMemGetInfo(free_bytes, total_bytes), "hipMemGetInfo"); }

void check_launch(const char* what) {
  hipError_t e = hipGetLastError();
  if (e == hipSuccess && sync_each_launch) e = hipStreamSynchronize(main_stream);
  if (e != hipSuccess) throw DeviceError(std::string("launch of ") + what + " failed (" + describe(e) + ")");
}

int finish(bool read_flag) {
  check(hipStreamSynchronize(main_stream), "the device (a kernel faulted; run with GLM_DCU_SYNC=1 to name it)");
  if (!read_flag) return 0;
  int flag = 0;
  check(hipMemcpy(&flag, flag_device, sizeof(int), hipMemcpyDeviceToHost), "reading the error flag");
  if (flag != 0) check(hipMemset(flag_device, 0, sizeof(int)), "clearing the error flag");
  return flag;
}

int* error_flag() { return flag_device; }

int event_create() {
  hipEvent_t ev;
  check(hipEventCreate(&ev), "hipEventCreate");
  events.push_back(ev);
  return static_cast<int>(events.size() - 1);
}
void event_record(int id) { check(hipEventRecord(events.at(id), main_stream), "hipEventRecord"); }
float event_elapsed_ms(int start, int end) {
  check(hipEventSynchronize(events.at(end)), "hipEventSynchronize");
  float ms = 0.f;
  check(hipEventElapsedTime(&ms, events.at(start), events.at(end)), "hipEventElapsedTime");
  return ms;
}
#endif

}  // namespace device
}  // namespace glm

// The SIMT family's device contexts: per device ordinal (device.h: select makes it the runtime's
// current device), one non-blocking stream, an error flag in device memory, events and the allocation
// map — the program runtime's device.h for the CUDA runtime and HIP, implemented once in device.cpp (CUDA spelling; rocm-dcu maps the names onto HIP on
// AMD), or host memory under the CPU emulator. What differs per backend: the probe of its hardware
// (its probe.cpp), and the names in platform.h (GLM_RUNTIME_NAME, GLM_SYNC_VARIABLE, GLM_DIALECT_NAME).
#pragma once

#include <string>

#include "device.h"
#include "platform.h"

namespace glm {

// What the addons report of a device (each reports its own fields of it).
struct DeviceInfo {
  std::string name;
  std::string arch;           // "gfx906:sramecc+:xnack-" on AMD, "sm_90" on NVIDIA, "emulated"
  int major = 0, minor = 0;   // compute capability (NVIDIA)
  size_t total_memory = 0;
  int multiprocessors = 0;    // compute units on AMD
  int driver_version = 0;     // e.g. 13000
  int runtime_version = 0;
  size_t l2_bytes = 0;
  int hw_wave = 0;            // the hardware's wavefront (warpSize)
  bool emulated = false;
};

namespace device {

// "" when a device can be used, else why not (no driver, no device, no code for it, ...). Never
// throws. Emulated builds: device.cpp; otherwise the backend's probe.cpp (through probe_nvidia on
// NVIDIA's runtime).
std::string probe(DeviceInfo* info);
void open(int index);
const DeviceInfo& info();
Stream stream();

#ifndef GLM_SIMT_EMULATE
// For the backends' probes: a device's facts, and a runtime error as "name: text".
void describe(const cudaDeviceProp& prop, DeviceInfo* info);
std::string error_text(cudaError_t e);
// The device's architecture name (nvidia_probe.cpp; on AMD, rocm-dcu's probe.cpp).
std::string arch_of(const cudaDeviceProp& prop);
#endif

#if defined(GLM_SIMT_NVIDIA)
// The probe of an NVIDIA GPU through the CUDA runtime (nvidia_probe.cpp), in the words of the addon
// that asks.
struct NvidiaProbeWords {
  const char* no_driver;  // after "no CUDA driver: libcuda.so.1 (the NVIDIA driver library) could not be loaded"
  bool runtime_version;   // whether "older than this addon's CUDA runtime" gives the runtime's version
  const char* no_device;  // the reason when the driver reports no GPU
  const char* built_for;  // after "<name> has compute capability X.Y; "
};
std::string probe_nvidia(DeviceInfo* info, const NvidiaProbeWords& words);
#endif

}  // namespace device
}  // namespace glm

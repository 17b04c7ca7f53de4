// Whether this machine can run the rocm-dcu addon, and if not why. On AMD: the HIP runtime
// (libamdhip64.so.5), a device, a code object of this build for its architecture, and wave64. The
// HIP→CUDA build asks the SIMT family's NVIDIA probe (backends/simt/native/nvidia_probe.cpp) in its
// own words; the emulated build's probe is the family's too (backends/simt/native/device.cpp).
#include "simt_device.h"

#include <string>

#if defined(GLM_DCU_AMD)
#include <unistd.h>
#endif

#ifndef GLM_DCU_ARCHS
#define GLM_DCU_ARCHS ""
#endif

#ifndef GLM_SIMT_EMULATE
namespace glm {
namespace device {

#if defined(GLM_DCU_AMD)
namespace {

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

// Why the HIP runtime gives no usable device, or "" when it does (then `prop` is device 0's).
std::string runtime_reason(hipDeviceProp_t* prop) {
  int count = 0;
  const hipError_t e = hipGetDeviceCount(&count);
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
    return "HIP initialisation failed: " + error_text(e);
  }
  if (hipGetDeviceProperties(prop, 0) != hipSuccess) {
    (void)hipGetLastError();
    return "hipGetDeviceProperties failed for device 0";
  }
  return "";
}

}  // namespace

std::string arch_of(const hipDeviceProp_t& prop) { return prop.gcnArchName; }

std::string probe(DeviceInfo* info) {
  hipDeviceProp_t prop{};
  const std::string reason = runtime_reason(&prop);
  if (!reason.empty()) return reason;
  describe(prop, info);
  const std::string arch = base_arch(prop.gcnArchName);
  if (!built_for(arch)) {
    return std::string(prop.name) + " is " + arch + "; this addon holds code objects for " + GLM_DCU_ARCHS +
           " only (rebuild with GLM_DCU_ARCHS=" + arch + "; gfx928 and newer need DTK's hipcc)";
  }
  if (prop.warpSize != GLM_WAVE) {
    return std::string(prop.name) + " runs wavefronts of " + std::to_string(prop.warpSize) + "; this addon is built for " + std::to_string(GLM_WAVE);
  }
  return "";
}

#else
std::string probe(DeviceInfo* info) {
  static const NvidiaProbeWords words{
      " — this is the HIP→CUDA build of the DCU sources, which runs on NVIDIA GPUs",
      false,
      "no NVIDIA GPU: the driver reports no device (cudaErrorNoDevice) — this is the HIP→CUDA build of the DCU sources",
      "the HIP→CUDA build is compiled for 8.0 and newer (sm_80, sm_90, PTX)",
  };
  return probe_nvidia(info, words);
}
#endif

}  // namespace device
}  // namespace glm
#endif

// The probe of an NVIDIA GPU through the CUDA runtime (simt_device.h), for every build whose runtime
// is NVIDIA's: cuda, and rocm-dcu's HIP→CUDA build. A driver new enough for the statically linked
// runtime, a device, compute capability 8.0 or newer; each addon words the reasons for itself.
#include "simt_device.h"

#if defined(GLM_SIMT_NVIDIA)
#include <string>

namespace glm {
namespace device {

std::string arch_of(const cudaDeviceProp& prop) { return "sm_" + std::to_string(prop.major) + std::to_string(prop.minor); }

namespace {

std::string cuda_version(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

std::string driver_reason(const NvidiaProbeWords& words) {
  int driver = 0;
  (void)cudaDriverGetVersion(&driver);
  if (driver == 0) return std::string("no CUDA driver: libcuda.so.1 (the NVIDIA driver library) could not be loaded") + words.no_driver;
  std::string reason = "the NVIDIA driver (CUDA " + cuda_version(driver) + ") is older than this addon's CUDA runtime";
  if (words.runtime_version) reason += " (" + cuda_version(CUDART_VERSION) + ")";
  return reason;
}

}  // namespace

std::string probe_nvidia(DeviceInfo* info, const NvidiaProbeWords& words) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e == cudaErrorInsufficientDriver) {
    (void)cudaGetLastError();
    return driver_reason(words);
  }
  if (e == cudaErrorNoDevice || (e == cudaSuccess && count == 0)) {
    (void)cudaGetLastError();
    return words.no_device;
  }
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    return "CUDA initialisation failed: " + error_text(e);
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    (void)cudaGetLastError();
    return "cudaGetDeviceProperties failed for device 0";
  }
  describe(prop, info);
  if (prop.major < 8) {
    return std::string(prop.name) + " has compute capability " + std::to_string(prop.major) + "." + std::to_string(prop.minor) + "; " + words.built_for;
  }
  return "";
}

}  // namespace device
}  // namespace glm
#endif

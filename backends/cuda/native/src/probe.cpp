// Whether this machine can run the cuda addon, and if not why, in the cuda addon's words; the probe
// itself is the SIMT family's (backends/simt/native/nvidia_probe.cpp), and so is the emulated build's.
#include "simt_device.h"

#ifndef GLM_SIMT_EMULATE
namespace glm {
namespace device {

std::string probe(DeviceInfo* info) {
  static const NvidiaProbeWords words{
      "",
      true,
      "no CUDA device: the driver is installed but reports no GPU (cudaErrorNoDevice)",
      "this addon is built for 8.0 and newer (sm_80, sm_90, PTX)",
  };
  return probe_nvidia(info, words);
}

}  // namespace device
}  // namespace glm
#endif

// The N-API surface of the rocm-dcu addon (node-addon-api, C++ exceptions): the SIMT family's surface
// (backends/simt/native/simt_addon.h: device memory as numeric addresses, one call that launches a
// whole program, events, the probe and open, shared with cuda) and what is its own — the device facts
// and hipBLAS's status it reports, GEMM statistics, and what the build is: its target (a DCU, NVIDIA
// through the HIP→CUDA map, or the CPU emulator), its wavefront width and the code objects it holds.
// The TypeScript provider (backends/rocm-dcu/*.ts) owns every decision about layouts and kernels.
#include <napi.h>

#include <string>

#define GLM_ADDON_NAME "glm-dcu"
#include "simt_addon.h"
#include "gemm_dispatch.h"

#ifndef GLM_DCU_ARCHS
#define GLM_DCU_ARCHS ""
#endif

namespace glm::addon {

void add_device_facts(Napi::Object& device, const DeviceInfo& info) {
  device.Set("arch", info.arch);
  device.Set("hardwareWave", info.hw_wave);
}

void add_library_status(Napi::Object& probe) {
  const std::string blas = gemm_library_status();
  if (!blas.empty()) probe.Set("hipblasStatus", blas);
}

}  // namespace glm::addon

namespace {

#if defined(GLM_DCU_EMULATE)
constexpr const char* kTarget = "emulator";
#elif defined(GLM_DCU_AMD)
constexpr const char* kTarget = "amd";
#else
constexpr const char* kTarget = "nvidia";
#endif

Napi::Value Stats(const Napi::CallbackInfo& cb) {
  const glm::GemmStats& s = glm::gemm_stats();
  Napi::Object o = Napi::Object::New(cb.Env());
  glm::addon::set_counts(o, "vendor", s.vendor, "tiled", s.tiled, "gemv", s.gemv, "vendorFallbacks", s.vendor_fallbacks);
  o.Set("lastFallback", s.last_fallback);
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  glm::addon::export_simt_surface(env, exports);
  exports.Set("stats", Napi::Function::New(env, Stats));
  // What this build is: where its kernels run, the wavefront they are written for, the hardware's.
  Napi::Object build = Napi::Object::New(env);
  build.Set("target", kTarget);
  build.Set("wave", GLM_WAVE);
  build.Set("hardwareWave", GLM_HW_WAVE);
  build.Set("archs", GLM_DCU_ARCHS);
#if defined(GLM_DCU_HIPBLAS)
  build.Set("hipblas", true);
#else
  build.Set("hipblas", false);
#endif
  build.Set("blas", glm::gemm_library());
  exports.Set("build", build);
  return exports;
}

}  // namespace

NODE_API_MODULE(glm_dcu, Init)

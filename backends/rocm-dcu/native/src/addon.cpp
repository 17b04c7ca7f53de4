// The N-API surface of the rocm-dcu addon (node-addon-api, C++ exceptions): device memory as numeric
// addresses, one call that launches a whole program, events for benchmarks (the part shared with cuda:
// gpu-common/native/addon_surface.h), and what is its own — the probe with hipBLAS's status, GEMM
// statistics, and what the build is: its target (a DCU, NVIDIA through the HIP→CUDA map, or the CPU
// emulator), its wavefront width and the code objects it holds. The TypeScript provider
// (backends/rocm-dcu/*.ts) owns every decision about layouts and kernels.
#include <napi.h>

#include <string>

#include "device.h"
#define GLM_ADDON_NAME "glm-dcu"
#include "addon_surface.h"
#include "gemm_dispatch.h"

#ifndef GLM_DCU_ARCHS
#define GLM_DCU_ARCHS ""
#endif

namespace {

using glm::addon::guarded;
using glm::DeviceInfo;
namespace device = glm::device;

#if defined(GLM_DCU_EMULATE)
constexpr const char* kTarget = "emulator";
#elif defined(GLM_DCU_AMD)
constexpr const char* kTarget = "amd";
#else
constexpr const char* kTarget = "nvidia";
#endif

Napi::Object info_object(Napi::Env env, const DeviceInfo& info) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", info.name);
  o.Set("arch", info.arch);
  o.Set("totalMemory", static_cast<double>(info.total_memory));
  o.Set("multiprocessors", info.multiprocessors);
  o.Set("driverVersion", info.driver_version);
  o.Set("runtimeVersion", info.runtime_version);
  o.Set("l2Bytes", static_cast<double>(info.l2_bytes));
  o.Set("hardwareWave", info.hw_wave);
  o.Set("emulated", info.emulated);
  return o;
}

Napi::Value Probe(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  DeviceInfo info;
  const std::string reason = device::probe(&info);
  Napi::Object o = Napi::Object::New(env);
  o.Set("available", reason.empty());
  if (!reason.empty()) o.Set("reason", reason);
  if (!info.name.empty()) o.Set("device", info_object(env, info));
  const std::string blas = glm::gemm_library_status();
  if (!blas.empty()) o.Set("hipblasStatus", blas);
  o.Set("emulated", info.emulated);
  return o;
}

Napi::Value Open(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  const int index = cb.Length() > 0 && cb[0].IsNumber() ? cb[0].As<Napi::Number>().Int32Value() : 0;
  guarded(env, [&] {
    device::open(index);
    glm::gemm_init();
    return 0;
  });
  return info_object(env, device::info());
}

Napi::Value Stats(const Napi::CallbackInfo& cb) {
  const glm::GemmStats& s = glm::gemm_stats();
  Napi::Object o = Napi::Object::New(cb.Env());
  o.Set("vendor", static_cast<double>(s.vendor));
  o.Set("tiled", static_cast<double>(s.tiled));
  o.Set("gemv", static_cast<double>(s.gemv));
  o.Set("vendorFallbacks", static_cast<double>(s.vendor_fallbacks));
  o.Set("lastFallback", s.last_fallback);
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("probe", Napi::Function::New(env, Probe));
  exports.Set("open", Napi::Function::New(env, Open));
  glm::addon::export_shared_surface(env, exports);
  exports.Set("stats", Napi::Function::New(env, Stats));
  exports.Set("emulated", Napi::Boolean::New(env, std::string(kTarget) == "emulator"));
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
  exports.Set("build", build);
  return exports;
}

}  // namespace

NODE_API_MODULE(glm_dcu, Init)

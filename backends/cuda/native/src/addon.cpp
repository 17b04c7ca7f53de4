// The N-API surface of the cuda addon (node-addon-api, C++ exceptions). Thin on purpose: device memory
// as numeric addresses, one call that launches a whole program, and events for benchmarks (the part
// shared with rocm-dcu: gpu-common/native/addon_surface.h); here what is cuda's own — the probe with
// cuBLASLt's status, the decode step as one call (CUDA Graphs), GEMM statistics. The TypeScript
// provider (backends/cuda/*.ts) owns every decision about layouts and kernels.
#include <napi.h>

#include <string>
#include <utility>
#include <vector>

#include "device.h"
#define GLM_ADDON_NAME "glm-cuda"
#include "addon_surface.h"
#include "gemm_dispatch.h"
#include "step.h"

namespace {

using glm::addon::address_of;
using glm::addon::guarded;
using glm::DeviceInfo;
namespace device = glm::device;

Napi::Object info_object(Napi::Env env, const DeviceInfo& info) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", info.name);
  o.Set("computeCapability", std::to_string(info.major) + "." + std::to_string(info.minor));
  o.Set("totalMemory", static_cast<double>(info.total_memory));
  o.Set("multiprocessors", info.multiprocessors);
  o.Set("driverVersion", info.driver_version);
  o.Set("runtimeVersion", info.runtime_version);
  o.Set("l2Bytes", static_cast<double>(info.l2_bytes));
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
  std::string where;
  const std::string lt = glm::gemm_library_status(&where);
  if (!lt.empty()) o.Set("cublasLtError", lt);
  if (!where.empty()) o.Set("cublasLtPath", where);
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

// runStep(program, uploads: [address, Uint8Array][], downloads: [address, Uint8Array][], repeated,
//         readFlag, startEvent?, endEvent?) -> the error flag. Downloads land in the given arrays.
Napi::Value RunStep(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  Napi::Float64Array program = cb[0].As<Napi::Float64Array>();
  const auto pairs = [&](const Napi::Value& v) {
    Napi::Array list = v.As<Napi::Array>();
    std::vector<std::pair<uint64_t, Napi::Uint8Array>> out;
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Array pair = list.Get(i).As<Napi::Array>();
      out.emplace_back(address_of(pair.Get(0u)), pair.Get(1u).As<Napi::Uint8Array>());
    }
    return out;
  };
  std::vector<glm::step::Upload> uploads;
  for (auto& [address, bytes] : pairs(cb[1])) uploads.push_back({address, bytes.Data(), bytes.ByteLength()});
  std::vector<glm::step::Download> downloads;
  for (auto& [address, bytes] : pairs(cb[2])) downloads.push_back({bytes.Data(), address, bytes.ByteLength()});
  const bool repeated = cb[3].ToBoolean().Value();
  const bool read_flag = cb[4].ToBoolean().Value();
  const int start = glm::addon::optional_int(cb, 5);
  const int end = glm::addon::optional_int(cb, 6);
  const int flag = guarded(env, [&] {
    return glm::step::run(program.Data(), program.ElementLength(), uploads, downloads, repeated, read_flag, start, end);
  });
  return Napi::Number::New(env, flag);
}

Napi::Value StepStats(const Napi::CallbackInfo& cb) {
  const glm::step::Stats& s = glm::step::stats();
  Napi::Object o = Napi::Object::New(cb.Env());
  o.Set("captures", static_cast<double>(s.captures));
  o.Set("replays", static_cast<double>(s.replays));
  o.Set("direct", static_cast<double>(s.direct));
  o.Set("syncs", static_cast<double>(s.syncs));
  o.Set("lastCaptureError", s.last_capture_error);
  return o;
}

Napi::Value Stats(const Napi::CallbackInfo& cb) {
  const glm::GemmStats& s = glm::gemm_stats();
  Napi::Object o = Napi::Object::New(cb.Env());
  o.Set("cublasLt", static_cast<double>(s.lt));
  o.Set("simt", static_cast<double>(s.simt));
  o.Set("gemv", static_cast<double>(s.gemv));
  o.Set("smallM", static_cast<double>(s.small_m));
  o.Set("cublasLtFallbacks", static_cast<double>(s.lt_fallbacks));
  o.Set("lastFallback", s.last_fallback);
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("probe", Napi::Function::New(env, Probe));
  exports.Set("open", Napi::Function::New(env, Open));
  glm::addon::export_shared_surface(env, exports);
  exports.Set("runStep", Napi::Function::New(env, RunStep));
  exports.Set("stepStats", Napi::Function::New(env, StepStats));
  exports.Set("stats", Napi::Function::New(env, Stats));
#ifdef GLM_CUDA_EMULATE
  exports.Set("emulated", Napi::Boolean::New(env, true));
#else
  exports.Set("emulated", Napi::Boolean::New(env, false));
#endif
  return exports;
}

}  // namespace

NODE_API_MODULE(glm_cuda, Init)

// The N-API surface of the cuda addon (node-addon-api, C++ exceptions). Thin on purpose: the SIMT
// family's surface (backends/simt/native/simt_addon.h: device memory as numeric addresses, one call
// that launches a whole program, events, the probe and open) and here what is cuda's own — the device
// facts and cuBLASLt's status it reports, the decode step as one call (CUDA Graphs), GEMM statistics.
// The TypeScript provider (backends/cuda/*.ts) owns every decision about layouts and kernels.
#include <napi.h>

#include <string>
#include <utility>
#include <vector>

#define GLM_ADDON_NAME "glm-cuda"
#include "simt_addon.h"
#include "gemm_dispatch.h"
#include "step.h"

namespace glm::addon {

void add_device_facts(Napi::Object& device, const DeviceInfo& info) {
  device.Set("computeCapability", std::to_string(info.major) + "." + std::to_string(info.minor));
}

void add_library_status(Napi::Object& probe) {
  std::string where;
  const std::string lt = gemm_library_status(&where);
  if (!lt.empty()) probe.Set("cublasLtError", lt);
  if (!where.empty()) probe.Set("cublasLtPath", where);
}

}  // namespace glm::addon

namespace {

using glm::addon::address_of;
using glm::addon::guarded;
using glm::addon::set_counts;

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
  set_counts(o, "captures", s.captures, "replays", s.replays, "direct", s.direct, "syncs", s.syncs);
  o.Set("lastCaptureError", s.last_capture_error);
  return o;
}

Napi::Value Stats(const Napi::CallbackInfo& cb) {
  const glm::GemmStats& s = glm::gemm_stats();
  Napi::Object o = Napi::Object::New(cb.Env());
  set_counts(o, "cublasLt", s.lt, "simt", s.simt, "gemv", s.gemv, "smallM", s.small_m, "cublasLtFallbacks", s.lt_fallbacks);
  o.Set("lastFallback", s.last_fallback);
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  glm::addon::export_simt_surface(env, exports);
  exports.Set("runStep", Napi::Function::New(env, RunStep));
  exports.Set("stepStats", Napi::Function::New(env, StepStats));
  exports.Set("stats", Napi::Function::New(env, Stats));
  return exports;
}

}  // namespace

NODE_API_MODULE(glm_cuda, Init)

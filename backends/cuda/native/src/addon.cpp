// The N-API surface of the addon (node-addon-api, C++ exceptions). Thin on purpose: device memory
// as numeric addresses, one call that launches a whole program, and events for benchmarks. The
// TypeScript provider (backends/cuda/*.ts) owns every decision about layouts and kernels.
#include <napi.h>

#include <string>
#include <utility>
#include <vector>

#include "device.h"
#include "gemm_dispatch.h"
#include "kernels.h"
#include "program.h"
#include "step.h"

namespace {

using glm::DeviceError;
using glm::DeviceInfo;
namespace device = glm::device;

uint64_t address_of(const Napi::Value& v) {
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0) throw Napi::Error::New(v.Env(), "glm-cuda: bad device address");
  return static_cast<uint64_t>(d);
}

size_t size_of(const Napi::Value& v) {
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0) throw Napi::Error::New(v.Env(), "glm-cuda: bad byte count");
  return static_cast<size_t>(d);
}

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

// Throws a JS Error carrying `tag` (the launch record's tag: the plan step) when it has one.
[[noreturn]] void throw_tagged(Napi::Env env, const std::string& message, int tag) {
  Napi::Error e = Napi::Error::New(env, message);
  if (tag >= 0) e.Value().Set("launchTag", tag);
  throw e;
}

template <typename F>
auto guarded(Napi::Env env, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const glm::ProgramError& e) {
    throw_tagged(env, e.what(), e.tag);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw_tagged(env, e.what(), -1);
  }
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

Napi::Value Allocate(const Napi::CallbackInfo& cb) {
  const size_t bytes = size_of(cb[0]);
  return Napi::Number::New(cb.Env(), static_cast<double>(guarded(cb.Env(), [&] { return device::allocate(bytes); })));
}

Napi::Value Free(const Napi::CallbackInfo& cb) {
  const uint64_t address = address_of(cb[0]);
  guarded(cb.Env(), [&] {
    device::release(address);
    return 0;
  });
  return cb.Env().Undefined();
}

Napi::Value Write(const Napi::CallbackInfo& cb) {
  const uint64_t address = address_of(cb[0]);
  Napi::Uint8Array bytes = cb[1].As<Napi::Uint8Array>();
  guarded(cb.Env(), [&] {
    if (bytes.ByteLength() > 0) device::write(address, bytes.Data(), bytes.ByteLength());
    return 0;
  });
  return cb.Env().Undefined();
}

Napi::Value Read(const Napi::CallbackInfo& cb) {
  const uint64_t address = address_of(cb[0]);
  const size_t length = size_of(cb[1]);
  Napi::Uint8Array out = Napi::Uint8Array::New(cb.Env(), length);
  guarded(cb.Env(), [&] {
    if (length > 0) device::read(out.Data(), address, length);
    return 0;
  });
  return out;
}

Napi::Value Fill(const Napi::CallbackInfo& cb) {
  const uint64_t address = address_of(cb[0]);
  const int byte = cb[1].As<Napi::Number>().Int32Value();
  const size_t length = size_of(cb[2]);
  guarded(cb.Env(), [&] {
    if (length > 0) device::fill(address, byte, length);
    return 0;
  });
  return cb.Env().Undefined();
}

// run(program: Float64Array, startEvent?: number, endEvent?: number)
Napi::Value Run(const Napi::CallbackInfo& cb) {
  Napi::Float64Array program = cb[0].As<Napi::Float64Array>();
  const int start = cb.Length() > 1 && cb[1].IsNumber() ? cb[1].As<Napi::Number>().Int32Value() : -1;
  const int end = cb.Length() > 2 && cb[2].IsNumber() ? cb[2].As<Napi::Number>().Int32Value() : -1;
  guarded(cb.Env(), [&] {
    if (start >= 0) device::event_record(start);
    glm::run_program(program.Data(), program.ElementLength());
    if (end >= 0) device::event_record(end);
    return 0;
  });
  return cb.Env().Undefined();
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
  const int start = cb.Length() > 5 && cb[5].IsNumber() ? cb[5].As<Napi::Number>().Int32Value() : -1;
  const int end = cb.Length() > 6 && cb[6].IsNumber() ? cb[6].As<Napi::Number>().Int32Value() : -1;
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

// finish(readFlag: boolean) -> the error flag (0 = none; otherwise the failing record's tag + 1)
Napi::Value Finish(const Napi::CallbackInfo& cb) {
  const bool read_flag = cb.Length() > 0 && cb[0].ToBoolean().Value();
  return Napi::Number::New(cb.Env(), guarded(cb.Env(), [&] { return device::finish(read_flag); }));
}

Napi::Value MemoryInfo(const Napi::CallbackInfo& cb) {
  size_t free_bytes = 0, total = 0;
  guarded(cb.Env(), [&] {
    device::memory_info(&free_bytes, &total);
    return 0;
  });
  Napi::Object o = Napi::Object::New(cb.Env());
  o.Set("free", static_cast<double>(free_bytes));
  o.Set("total", static_cast<double>(total));
  return o;
}

Napi::Value EventCreate(const Napi::CallbackInfo& cb) {
  return Napi::Number::New(cb.Env(), guarded(cb.Env(), [&] { return device::event_create(); }));
}

Napi::Value EventRecord(const Napi::CallbackInfo& cb) {
  const int id = cb[0].As<Napi::Number>().Int32Value();
  guarded(cb.Env(), [&] {
    device::event_record(id);
    return 0;
  });
  return cb.Env().Undefined();
}

Napi::Value EventElapsed(const Napi::CallbackInfo& cb) {
  const int a = cb[0].As<Napi::Number>().Int32Value();
  const int b = cb[1].As<Napi::Number>().Int32Value();
  return Napi::Number::New(cb.Env(), guarded(cb.Env(), [&] { return device::event_elapsed_ms(a, b); }));
}

// fillRandom(address, count, dtypeCode, low, high, seed): uniform values (benchmarks)
Napi::Value FillRandom(const Napi::CallbackInfo& cb) {
  const uint64_t address = address_of(cb[0]);
  const int64_t count = static_cast<int64_t>(size_of(cb[1]));
  const int dtype = cb[2].As<Napi::Number>().Int32Value();
  const float low = cb[3].As<Napi::Number>().FloatValue();
  const float high = cb[4].As<Napi::Number>().FloatValue();
  const uint64_t seed = static_cast<uint64_t>(cb[5].As<Napi::Number>().Int64Value());
  guarded(cb.Env(), [&] {
    glm::launch_random(dtype, reinterpret_cast<void*>(address), count, seed, low, high, device::stream());
    device::check_launch("random fill");
    return 0;
  });
  return cb.Env().Undefined();
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
  exports.Set("allocate", Napi::Function::New(env, Allocate));
  exports.Set("free", Napi::Function::New(env, Free));
  exports.Set("write", Napi::Function::New(env, Write));
  exports.Set("read", Napi::Function::New(env, Read));
  exports.Set("fill", Napi::Function::New(env, Fill));
  exports.Set("run", Napi::Function::New(env, Run));
  exports.Set("finish", Napi::Function::New(env, Finish));
  exports.Set("runStep", Napi::Function::New(env, RunStep));
  exports.Set("stepStats", Napi::Function::New(env, StepStats));
  exports.Set("memoryInfo", Napi::Function::New(env, MemoryInfo));
  exports.Set("eventCreate", Napi::Function::New(env, EventCreate));
  exports.Set("eventRecord", Napi::Function::New(env, EventRecord));
  exports.Set("eventElapsed", Napi::Function::New(env, EventElapsed));
  exports.Set("stats", Napi::Function::New(env, Stats));
  exports.Set("fillRandom", Napi::Function::New(env, FillRandom));
#ifdef GLM_CUDA_EMULATE
  exports.Set("emulated", Napi::Boolean::New(env, true));
#else
  exports.Set("emulated", Napi::Boolean::New(env, false));
#endif
  return exports;
}

}  // namespace

NODE_API_MODULE(glm_cuda, Init)

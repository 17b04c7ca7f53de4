// The N-API surface of the rocm-dcu addon (node-addon-api, C++ exceptions): device memory as numeric
// addresses, one call that launches a whole program, events for benchmarks, and what the build is —
// its target (a DCU, NVIDIA through the HIP→CUDA map, or the CPU emulator), its wavefront width and
// the code objects it holds. The TypeScript provider (backends/rocm-dcu/*.ts) owns every decision
// about layouts and kernels.
#include <napi.h>

#include <string>

#include "device.h"
#include "gemm_dispatch.h"
#include "kernels.h"
#include "program.h"

#ifndef GLM_DCU_ARCHS
#define GLM_DCU_ARCHS ""
#endif

namespace {

using glm::DeviceError;
using glm::DeviceInfo;
namespace device = glm::device;

#if defined(GLM_DCU_EMULATE)
constexpr const char* kTarget = "emulator";
#elif defined(GLM_DCU_AMD)
constexpr const char* kTarget = "amd";
#else
constexpr const char* kTarget = "nvidia";
#endif

uint64_t address_of(const Napi::Value& v) {
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0) throw Napi::Error::New(v.Env(), "glm-dcu: bad device address");
  return static_cast<uint64_t>(d);
}

size_t size_of(const Napi::Value& v) {
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0) throw Napi::Error::New(v.Env(), "glm-dcu: bad byte count");
  return static_cast<size_t>(d);
}

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
  exports.Set("allocate", Napi::Function::New(env, Allocate));
  exports.Set("free", Napi::Function::New(env, Free));
  exports.Set("write", Napi::Function::New(env, Write));
  exports.Set("read", Napi::Function::New(env, Read));
  exports.Set("fill", Napi::Function::New(env, Fill));
  exports.Set("run", Napi::Function::New(env, Run));
  exports.Set("finish", Napi::Function::New(env, Finish));
  exports.Set("memoryInfo", Napi::Function::New(env, MemoryInfo));
  exports.Set("eventCreate", Napi::Function::New(env, EventCreate));
  exports.Set("eventRecord", Napi::Function::New(env, EventRecord));
  exports.Set("eventElapsed", Napi::Function::New(env, EventElapsed));
  exports.Set("stats", Napi::Function::New(env, Stats));
  exports.Set("fillRandom", Napi::Function::New(env, FillRandom));
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

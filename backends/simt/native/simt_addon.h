// The SIMT family's part of an addon's N-API surface, shared by the cuda and rocm-dcu addons: the
// probe, open (the device, then the backend's GEMM libraries), random fills for benchmarks, the
// compiled-in launch codes, and the program runtime's device-neutral surface (addon_surface.h). Each
// addon.cpp defines GLM_ADDON_NAME, includes this, defines the two hooks below (the device facts only
// it reports, and its vendor BLAS's status) and calls export_simt_surface from its Init before adding
// its own.
#pragma once

#include <vector>

#include "addon_surface.h"
#include "collectives/group.h"
#include "gemm.h"
#include "glm_launch_codes.h"
#include "kernels.h"
#include "launchers/launchers.h"
#include "simt_device.h"

namespace glm::addon {

// The addon's own: the device facts only it reports, and its vendor BLAS's status in the probe's object.
void add_device_facts(Napi::Object& device, const DeviceInfo& info);
void add_library_status(Napi::Object& probe);

inline Napi::Object device_object(Napi::Env env, const DeviceInfo& info) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", info.name);
  o.Set("totalMemory", static_cast<double>(info.total_memory));
  o.Set("multiprocessors", info.multiprocessors);
  o.Set("driverVersion", info.driver_version);
  o.Set("runtimeVersion", info.runtime_version);
  o.Set("l2Bytes", static_cast<double>(info.l2_bytes));
  add_device_facts(o, info);
  o.Set("emulated", info.emulated);
  return o;
}

inline Napi::Value Probe(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  DeviceInfo info;
  const std::string reason = device::probe(&info);
  Napi::Object o = Napi::Object::New(env);
  o.Set("available", reason.empty());
  if (!reason.empty()) o.Set("reason", reason);
  if (!info.name.empty()) o.Set("device", device_object(env, info));
  add_library_status(o);
  o.Set("emulated", info.emulated);
  return o;
}

inline Napi::Value Open(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  const int index = cb.Length() > 0 && cb[0].IsNumber() ? cb[0].As<Napi::Number>().Int32Value() : 0;
  guarded(env, [&] {
    device::open(index);
    gemm_init();
    return 0;
  });
  return device_object(env, device::info());
}

// fillRandom(address, count, dtypeCode, low, high, seed): uniform values (benchmarks)
inline Napi::Value FillRandom(const Napi::CallbackInfo& cb) {
  const uint64_t address = address_of(cb[0]);
  const int64_t count = static_cast<int64_t>(size_of(cb[1]));
  const int dtype = cb[2].As<Napi::Number>().Int32Value();
  const float low = cb[3].As<Napi::Number>().FloatValue();
  const float high = cb[4].As<Napi::Number>().FloatValue();
  const uint64_t seed = static_cast<uint64_t>(cb[5].As<Napi::Number>().Int64Value());
  guarded(cb.Env(), [&] {
    launch_random(dtype, reinterpret_cast<void*>(address), count, seed, low, high, device::stream());
    device::check_launch("random fill");
    return 0;
  });
  return cb.Env().Undefined();
}

// launchCodes() -> { op, dtype, gemmPath }: each { name: code } as compiled in (see addon_surface.h).
inline Napi::Value LaunchCodes(const Napi::CallbackInfo& cb) {
  Napi::Object o = launch_codes_object(cb.Env());
  o.Set("gemmPath", named_codes(cb.Env(), std::begin(kGemmPathCodes), std::end(kGemmPathCodes)));
  return o;
}

// collectiveOpen(devices: number[]) -> a group id: one rank per entry, rank r on devices[r]
// (collectives/group.h); collectiveClose(id); collectiveAbort(id, why); collectiveLibrary() -> words.
inline Napi::Value CollectiveOpen(const Napi::CallbackInfo& cb) {
  Napi::Array list = cb[0].As<Napi::Array>();
  std::vector<int> devices;
  for (uint32_t i = 0; i < list.Length(); ++i) devices.push_back(list.Get(i).As<Napi::Number>().Int32Value());
  return Napi::Number::New(cb.Env(), guarded(cb.Env(), [&] { return collectives::open_group(static_cast<int>(devices.size()), devices.data()); }));
}

inline Napi::Value CollectiveClose(const Napi::CallbackInfo& cb) {
  const int id = cb[0].As<Napi::Number>().Int32Value();
  guarded(cb.Env(), [&] {
    collectives::close_group(id);
    return 0;
  });
  return cb.Env().Undefined();
}

inline Napi::Value CollectiveAbort(const Napi::CallbackInfo& cb) {
  collectives::abort_group(cb[0].As<Napi::Number>().Int32Value(), cb[1].As<Napi::String>().Utf8Value());
  return cb.Env().Undefined();
}

// deviceCount() -> the GPUs the runtime sees (one rank each); 1 under the emulator (its ranks share it).
inline Napi::Value DeviceCount(const Napi::CallbackInfo& cb) {
  int count = 1;
#ifndef GLM_SIMT_EMULATE
  if (cudaGetDeviceCount(&count) != cudaSuccess) count = 0;
#endif
  return Napi::Number::New(cb.Env(), count);
}

inline Napi::Value CollectiveLibrary(const Napi::CallbackInfo& cb) {
  return Napi::String::New(cb.Env(), guarded(cb.Env(), [&] { return collectives::library(); }));
}

inline void export_simt_surface(Napi::Env env, Napi::Object exports) {
  launchers::register_all();
  export_device_free(exports, "probe", Napi::Function::New(env, Probe));
  exports.Set("open", Napi::Function::New(env, Open));
  export_program_surface(env, exports);
  exports.Set("fillRandom", Napi::Function::New(env, FillRandom));
  export_device_free(exports, "launchCodes", Napi::Function::New(env, LaunchCodes));
  export_device_free(exports, "collectiveOpen", Napi::Function::New(env, CollectiveOpen));
  export_device_free(exports, "collectiveClose", Napi::Function::New(env, CollectiveClose));
  export_device_free(exports, "collectiveAbort", Napi::Function::New(env, CollectiveAbort));
  export_device_free(exports, "collectiveLibrary", Napi::Function::New(env, CollectiveLibrary));
  export_device_free(exports, "deviceCount", Napi::Function::New(env, DeviceCount));
#ifdef GLM_SIMT_EMULATE
  exports.Set("emulated", Napi::Boolean::New(env, true));
#else
  exports.Set("emulated", Napi::Boolean::New(env, false));
#endif
}

}  // namespace glm::addon

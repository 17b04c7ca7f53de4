// The device-neutral part of an addon's N-API surface (node-addon-api, C++ exceptions): device memory
// as numeric addresses, one call that launches a whole program, the error flag, events for
// benchmarks, and the compiled-in launch codes. Every call acts on the selected device's context
// (device.h: select); useDevice(ordinal) selects, and a caller driving several devices calls it on
// entry to each call for one (backends/simt/rank-device.ts), except those the addon names in its
// `deviceFree` list (export_device_free). An addon defines GLM_ADDON_NAME (its messages'
// prefix), includes this (its family's addon header does), adds what is its family's and its own
// (probe, open, statistics, what the build is) and calls export_program_surface from its Init.
#pragma once

#include <napi.h>

#include <cstdint>
#include <iterator>
#include <string>

#include "device.h"
#include "dtypes.h"
#include "program.h"
#ifdef GLM_FAULT_INJECTION
#include "fault_injection.h"
#endif

#ifndef GLM_ADDON_NAME
#error "define GLM_ADDON_NAME (the addon's name in its error messages) before including addon_surface.h"
#endif

namespace glm::addon {

inline uint64_t address_of(const Napi::Value& v) {
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0) throw Napi::Error::New(v.Env(), GLM_ADDON_NAME ": bad device address");
  return static_cast<uint64_t>(d);
}

inline size_t size_of(const Napi::Value& v) {
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0) throw Napi::Error::New(v.Env(), GLM_ADDON_NAME ": bad byte count");
  return static_cast<size_t>(d);
}

// An optional integer argument (an event id), or -1.
inline int optional_int(const Napi::CallbackInfo& cb, size_t index) {
  return cb.Length() > index && cb[index].IsNumber() ? cb[index].As<Napi::Number>().Int32Value() : -1;
}

// Throws a JS Error carrying `tag` (the launch record's tag: the plan step) when it has one.
[[noreturn]] inline void throw_tagged(Napi::Env env, const std::string& message, int tag) {
  Napi::Error e = Napi::Error::New(env, message);
  if (tag >= 0) e.Value().Set("launchTag", tag);
  throw e;
}

// Runs f, turning the native errors into JS ones (a failed launch keeps its record's tag).
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

// useDevice(ordinal): the device (its context) that the calls after it act on.
inline Napi::Value UseDevice(const Napi::CallbackInfo& cb) {
  const int ordinal = cb[0].As<Napi::Number>().Int32Value();
  guarded(cb.Env(), [&] {
    glm::device::select(ordinal);
    return 0;
  });
  return cb.Env().Undefined();
}

inline Napi::Value Allocate(const Napi::CallbackInfo& cb) {
  const size_t bytes = size_of(cb[0]);
  return Napi::Number::New(cb.Env(), static_cast<double>(guarded(cb.Env(), [&] { return glm::device::allocate(bytes); })));
}

inline Napi::Value Free(const Napi::CallbackInfo& cb) {
  const uint64_t address = address_of(cb[0]);
  guarded(cb.Env(), [&] {
    glm::device::release(address);
    return 0;
  });
  return cb.Env().Undefined();
}

inline Napi::Value Write(const Napi::CallbackInfo& cb) {
  const uint64_t address = address_of(cb[0]);
  Napi::Uint8Array bytes = cb[1].As<Napi::Uint8Array>();
  guarded(cb.Env(), [&] {
    if (bytes.ByteLength() > 0) glm::device::write(address, bytes.Data(), bytes.ByteLength());
    return 0;
  });
  return cb.Env().Undefined();
}

inline Napi::Value Read(const Napi::CallbackInfo& cb) {
  const uint64_t address = address_of(cb[0]);
  const size_t length = size_of(cb[1]);
  Napi::Uint8Array out = Napi::Uint8Array::New(cb.Env(), length);
  guarded(cb.Env(), [&] {
    if (length > 0) glm::device::read(out.Data(), address, length);
    return 0;
  });
  return out;
}

inline Napi::Value Fill(const Napi::CallbackInfo& cb) {
  const uint64_t address = address_of(cb[0]);
  const int byte = cb[1].As<Napi::Number>().Int32Value();
  const size_t length = size_of(cb[2]);
  guarded(cb.Env(), [&] {
    if (length > 0) glm::device::fill(address, byte, length);
    return 0;
  });
  return cb.Env().Undefined();
}

// run(program: Float64Array, startEvent?: number, endEvent?: number)
inline Napi::Value Run(const Napi::CallbackInfo& cb) {
  Napi::Float64Array program = cb[0].As<Napi::Float64Array>();
  const int start = optional_int(cb, 1);
  const int end = optional_int(cb, 2);
  guarded(cb.Env(), [&] {
    if (start >= 0) glm::device::event_record(start);
    glm::run_program(program.Data(), program.ElementLength());
    if (end >= 0) glm::device::event_record(end);
    return 0;
  });
  return cb.Env().Undefined();
}

// runFrom(program: Float64Array, start: number) -> the word where it stopped (program.length: done;
// else a record waiting for other programs of this process, to be run again from there).
inline Napi::Value RunFrom(const Napi::CallbackInfo& cb) {
  Napi::Float64Array program = cb[0].As<Napi::Float64Array>();
  const size_t start = size_of(cb[1]);
  const size_t stopped = guarded(cb.Env(), [&] { return glm::run_program_from(program.Data(), program.ElementLength(), start); });
  return Napi::Number::New(cb.Env(), static_cast<double>(stopped));
}

// finish(readFlag: boolean) -> the error flag (0 = none; otherwise the failing record's tag + 1)
inline Napi::Value Finish(const Napi::CallbackInfo& cb) {
  const bool read_flag = cb.Length() > 0 && cb[0].ToBoolean().Value();
  return Napi::Number::New(cb.Env(), guarded(cb.Env(), [&] { return glm::device::finish(read_flag); }));
}

inline Napi::Value MemoryInfo(const Napi::CallbackInfo& cb) {
  size_t free_bytes = 0, total = 0;
  guarded(cb.Env(), [&] {
    glm::device::memory_info(&free_bytes, &total);
    return 0;
  });
  Napi::Object o = Napi::Object::New(cb.Env());
  o.Set("free", static_cast<double>(free_bytes));
  o.Set("total", static_cast<double>(total));
  return o;
}

// memoryStats() -> { liveBytes, liveAllocations }: the device's allocations not yet released.
inline Napi::Value MemoryStats(const Napi::CallbackInfo& cb) {
  size_t bytes = 0, allocations = 0;
  glm::device::allocation_stats(&bytes, &allocations);
  Napi::Object o = Napi::Object::New(cb.Env());
  o.Set("liveBytes", static_cast<double>(bytes));
  o.Set("liveAllocations", static_cast<double>(allocations));
  return o;
}

#ifdef GLM_FAULT_INJECTION
inline int fault_kind(const Napi::Value& v) {
  const std::string name = v.As<Napi::String>().Utf8Value();
  for (int k = 0; k < glm::fault::kKinds; ++k)
    if (name == glm::fault::kind_name(k)) return k;
  throw Napi::Error::New(v.Env(), GLM_ADDON_NAME ": unknown fault kind \"" + name + "\" (alloc, launch, sync, dma)");
}

// setFault(kind, n): the nth `kind` event from now fails once (0: none); see fault_injection.h.
inline Napi::Value SetFault(const Napi::CallbackInfo& cb) {
  const int kind = fault_kind(cb[0]);
  const double n = cb[1].As<Napi::Number>().DoubleValue();
  if (!(n >= 0) || n != static_cast<double>(static_cast<long>(n))) throw Napi::Error::New(cb.Env(), GLM_ADDON_NAME ": setFault needs a count >= 0");
  glm::fault::arm(kind, static_cast<long>(n));
  return cb.Env().Undefined();
}

// faultCounts() -> { alloc, launch, sync, dma }: events of each kind since its counter restarted.
inline Napi::Value FaultCounts(const Napi::CallbackInfo& cb) {
  long counts[glm::fault::kKinds];
  glm::fault::counts(counts);
  Napi::Object o = Napi::Object::New(cb.Env());
  for (int k = 0; k < glm::fault::kKinds; ++k) o.Set(glm::fault::kind_name(k), static_cast<double>(counts[k]));
  return o;
}

// faultKinds: the kinds this device has; the others with why they mean nothing here.
inline Napi::Object fault_kinds(Napi::Env env) {
  Napi::Array kinds = Napi::Array::New(env);
  Napi::Object absent = Napi::Object::New(env);
  for (int k = 0; k < glm::fault::kKinds; ++k) {
    if (glm::fault::supported(k)) kinds.Set(kinds.Length(), glm::fault::kind_name(k));
    else absent.Set(glm::fault::kind_name(k), glm::fault::vendor_call(k));
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("kinds", kinds);
  o.Set("absent", absent);
  return o;
}
#endif

inline Napi::Value EventCreate(const Napi::CallbackInfo& cb) {
  return Napi::Number::New(cb.Env(), guarded(cb.Env(), [&] { return glm::device::event_create(); }));
}

inline Napi::Value EventRecord(const Napi::CallbackInfo& cb) {
  const int id = cb[0].As<Napi::Number>().Int32Value();
  guarded(cb.Env(), [&] {
    glm::device::event_record(id);
    return 0;
  });
  return cb.Env().Undefined();
}

inline Napi::Value EventElapsed(const Napi::CallbackInfo& cb) {
  const int a = cb[0].As<Napi::Number>().Int32Value();
  const int b = cb[1].As<Napi::Number>().Int32Value();
  return Napi::Number::New(cb.Env(), guarded(cb.Env(), [&] { return glm::device::event_elapsed_ms(a, b); }));
}

// Sets counters on `o` in order: set_counts(o, "name", value, "name", value, ...) (statistics objects).
inline void set_counts(Napi::Object&) {}
template <typename T, typename... Rest>
void set_counts(Napi::Object& o, const char* name, T value, Rest... rest) {
  o.Set(name, static_cast<double>(value));
  set_counts(o, rest...);
}

inline Napi::Object named_codes(Napi::Env env, const NamedCode* begin, const NamedCode* end) {
  Napi::Object o = Napi::Object::New(env);
  for (const NamedCode* c = begin; c != end; ++c) o.Set(c->name, c->code);
  return o;
}

// launchCodes() -> { op: { name: code }, dtype: { name: code } }: the opcodes with a registered
// launcher and the dtype codes this addon was compiled with, under their TypeScript names (a test
// compares them with the TypeScript tables). A family adds its own tables to the object.
inline Napi::Object launch_codes_object(Napi::Env env) {
  Napi::Object ops = Napi::Object::New(env);
  for (const LauncherEntry& entry : registered_launchers()) ops.Set(entry.name ? entry.name : std::to_string(entry.code).c_str(), entry.code);
  Napi::Object o = Napi::Object::New(env);
  o.Set("op", ops);
  o.Set("dtype", named_codes(env, std::begin(kDTypeCodes), std::end(kDTypeCodes)));
  return o;
}

// Exports a function that acts on no device's context (the probe, build facts, collective groups, the
// process-wide fault switch, the selection itself) and names it in the addon's `deviceFree` list: a
// caller driving several devices (backends/simt/rank-device.ts) selects its device before every other
// function, and learns which those are from the addon rather than from a list kept beside it.
inline void export_device_free(Napi::Object exports, const char* name, Napi::Function function) {
  Napi::Env env = exports.Env();
  exports.Set(name, function);
  Napi::Array names = exports.Has("deviceFree") ? exports.Get("deviceFree").As<Napi::Array>() : Napi::Array::New(env);
  names.Set(names.Length(), Napi::String::New(env, name));
  exports.Set("deviceFree", names);
}

inline void export_program_surface(Napi::Env env, Napi::Object exports) {
  export_device_free(exports, "useDevice", Napi::Function::New(env, UseDevice));
  exports.Set("allocate", Napi::Function::New(env, Allocate));
  exports.Set("free", Napi::Function::New(env, Free));
  exports.Set("write", Napi::Function::New(env, Write));
  exports.Set("read", Napi::Function::New(env, Read));
  exports.Set("fill", Napi::Function::New(env, Fill));
  exports.Set("run", Napi::Function::New(env, Run));
  exports.Set("runFrom", Napi::Function::New(env, RunFrom));
  exports.Set("finish", Napi::Function::New(env, Finish));
  exports.Set("memoryInfo", Napi::Function::New(env, MemoryInfo));
  exports.Set("eventCreate", Napi::Function::New(env, EventCreate));
  exports.Set("eventRecord", Napi::Function::New(env, EventRecord));
  exports.Set("eventElapsed", Napi::Function::New(env, EventElapsed));
  exports.Set("memoryStats", Napi::Function::New(env, MemoryStats));
#ifdef GLM_FAULT_INJECTION
  export_device_free(exports, "setFault", Napi::Function::New(env, SetFault));
  export_device_free(exports, "faultCounts", Napi::Function::New(env, FaultCounts));
  exports.Set("faultKinds", fault_kinds(env));
#endif
}

}  // namespace glm::addon

// The Sunway addon's N-API surface: the program runtime's device-neutral part (addon_surface.h: memory,
// run, finish, events) over the runner library, plus the family's own: probe (what the kernels were
// compiled with, and for which chip), open(chip), the compiled-in launch codes, the emulator's
// per-spawn counts (the performance model's input) and random fills for benchmarks.
#define GLM_ADDON_NAME "sunway"
#include "addon_surface.h"

#include <cstring>
#include <random>

#include "chip.h"
#include "launchers/launchers.h"
#include "runner.h"
#include "spawn.h"

extern "C" {
#include "dtype.h"
}

namespace glm::addon {
namespace {

#if defined(__sw_64__)
constexpr bool kEmulated = false;
constexpr const char* kCompiler = "swgcc " __VERSION__;
#else
constexpr bool kEmulated = true;
constexpr const char* kCompiler = "gcc " __VERSION__;
#endif

Napi::Value Probe(const Napi::CallbackInfo& cb) {
  Napi::Object o = Napi::Object::New(cb.Env());
  o.Set("available", true);
  o.Set("emulated", kEmulated);
  o.Set("compiler", kCompiler);
  o.Set("builtFor", glm_sw_built_for());
  return o;
}

// open(chip) -> { chip, coreGroups, cpesPerGroup, ldmBytes, ldmBudget }
Napi::Value Open(const Napi::CallbackInfo& cb) {
  const std::string name = cb[0].As<Napi::String>().Utf8Value();
  if (glm_sw_open(name.c_str()) != 0) throw Napi::Error::New(cb.Env(), glm_sw_error());
  const sunway::Chip& c = sunway::chip();
  Napi::Object o = Napi::Object::New(cb.Env());
  o.Set("chip", c.name);
  o.Set("coreGroups", c.core_groups);
  o.Set("cpesPerGroup", 64);
  o.Set("ldmBytes", static_cast<double>(c.ldm_bytes));
  o.Set("ldmBudget", static_cast<double>(c.ldm_budget));
  return o;
}

Napi::Value LaunchCodes(const Napi::CallbackInfo& cb) { return launch_codes_object(cb.Env()); }

Napi::Value CollectCounts(const Napi::CallbackInfo& cb) {
  sunway::collect_counts(cb.Length() > 0 && cb[0].ToBoolean().Value());
  return cb.Env().Undefined();
}

// A launch's counts: { kernel, coreGroups, predicted, ldmHighWater, perGroup: [{ dmaGetBytes, dmaPutBytes,
// dmaBlocks, rmaBytes, flopsF16, flopsF32, flopsF64 }] } (the performance model's SunwayCounters).
Napi::Array counts_array(Napi::Env env, const std::vector<sunway::SpawnCounts>& counts) {
  Napi::Array out = Napi::Array::New(env, counts.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    const auto& c = counts[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("kernel", c.kernel);
    o.Set("predicted", c.predicted);
    set_counts(o, "coreGroups", c.core_groups, "ldmHighWater", c.ldm_high_water);
    Napi::Array groups = Napi::Array::New(env, c.per_group.size());
    for (size_t g = 0; g < c.per_group.size(); ++g) {
      const auto& n = c.per_group[g];
      Napi::Object q = Napi::Object::New(env);
      set_counts(q, "dmaGetBytes", n.dma_get_bytes, "dmaPutBytes", n.dma_put_bytes, "dmaBlocks", n.dma_blocks, "rmaBytes", n.rma_bytes,
                 "flopsF16", n.flops_f16, "flopsF32", n.flops_f32, "flopsF64", n.flops_f64);
      groups.Set(static_cast<uint32_t>(g), q);
    }
    o.Set("perGroup", groups);
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

// takeCounts() -> the counts of the launches since collectCounts(true), emptied.
Napi::Value TakeCounts(const Napi::CallbackInfo& cb) { return counts_array(cb.Env(), sunway::take_counts()); }

// predictProgram(program) -> the predicted counts of each launch of `program`, which is not run (a dry
// run: no kernel starts, no memory is touched but the device scalars the launches size their work by).
Napi::Value PredictProgram(const Napi::CallbackInfo& cb) {
  Napi::Float64Array program = cb[0].As<Napi::Float64Array>();
  sunway::take_counts();
  sunway::set_dry_run(true);
  try {
    guarded(cb.Env(), [&] {
      glm::run_program(program.Data(), program.ElementLength());
      return 0;
    });
  } catch (...) {
    sunway::set_dry_run(false);
    throw;
  }
  sunway::set_dry_run(false);
  return counts_array(cb.Env(), sunway::take_counts());
}

// fillRandom(address, count, dtypeCode, low, high, seed): uniform values on the host (benchmarks).
Napi::Value FillRandom(const Napi::CallbackInfo& cb) {
  char* p = reinterpret_cast<char*>(address_of(cb[0]));
  const size_t count = size_of(cb[1]);
  const int dtype = cb[2].As<Napi::Number>().Int32Value();
  std::mt19937_64 gen(static_cast<uint64_t>(cb[5].As<Napi::Number>().Int64Value()));
  std::uniform_real_distribution<float> dist(cb[3].As<Napi::Number>().FloatValue(), cb[4].As<Napi::Number>().FloatValue());
  for (size_t i = 0; i < count; ++i) {
    const float v = dist(gen);
    if (dtype == SW_F32) std::memcpy(p + 4 * i, &v, 4);
    else {
      const uint16_t h = dtype == SW_BF16 ? sw_f32_to_bf16(v) : sw_f32_to_f16(v);
      std::memcpy(p + 2 * i, &h, 2);
    }
  }
  return cb.Env().Undefined();
}

}  // namespace
}  // namespace glm::addon

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace glm::addon;
  // The codes are the build's, whatever chip is opened later: launchCodes() reports them before open().
  glm::sunway::launchers::register_all();
  export_program_surface(env, exports);
  exports.Set("probe", Napi::Function::New(env, Probe));
  exports.Set("open", Napi::Function::New(env, Open));
  exports.Set("launchCodes", Napi::Function::New(env, LaunchCodes));
  exports.Set("collectCounts", Napi::Function::New(env, CollectCounts));
  exports.Set("takeCounts", Napi::Function::New(env, TakeCounts));
  exports.Set("predictProgram", Napi::Function::New(env, PredictProgram));
  exports.Set("fillRandom", Napi::Function::New(env, FillRandom));
  return exports;
}

NODE_API_MODULE(glm_sunway, Init)

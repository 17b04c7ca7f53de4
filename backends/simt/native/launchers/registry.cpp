// The SIMT family's launch records, one line each, read top to bottom: the opcode (generated from the
// TypeScript table, glm_launch_codes.h), what messages and profiles call the op, and its launcher.
// register_all() hands them to the program runtime when an addon loads.
#include <mutex>

#include "glm_launch_codes.h"
#include "kernels.h"
#include "launchers.h"

namespace glm::launchers {
namespace {

// The TypeScript side plans with these limits (launch-codes.ts); the kernels are built for their own.
static_assert(planned::MAX_RANK == kMaxRank, "launch-codes.ts MAX_RANK is not the kernels' kMaxRank");
static_assert(planned::TOP_K_CHUNK == kTopKChunk, "launch-codes.ts TOP_K_CHUNK is not the kernels' kTopKChunk");
static_assert(planned::MAX_TOP_K == kMaxTopK, "launch-codes.ts MAX_TOP_K is not the kernels' kMaxTopK");

struct Registration {
  int code;
  const char* label;
  Launcher launch;
};

constexpr Registration kRegistrations[] = {
    {OP_COPY, "copy", copy},
    {OP_BINARY, "add/mul", binary},
    {OP_SCALE, "scale", scale},
    {OP_CAST, "cast", cast},
    {OP_GELU, "gelu", gelu},
    {OP_GEGLU, "geglu", geglu},
    {OP_DEEPNORM, "deepnorm-residual", deepnorm},
    {OP_DEQUANTIZE, "dequantize", dequantize},
    {OP_LAYER_NORM, "layer-norm", layer_norm},
    {OP_SOFTMAX, "softmax", softmax},
    {OP_MASKED_FILL, "masked-fill", masked_fill},
    {OP_GLM_MASK_FILL, "glm-mask-fill", glm_mask_fill},
    {OP_ROTARY_TABLE, "rotary-table", rotary_table},
    {OP_ROPE, "rope", rope},
    {OP_ATTENTION, "attention", attention},
    {OP_GEMM, "matmul", gemm},
    {OP_MEMCPY, "memcpy", memcpy},
    {OP_TOP_K, "top-k", top_k},
    {OP_LOG_SUM_EXP, "log-sum-exp", log_sum_exp},
    {OP_CACHE_WRITE, "cache-write", cache_write},
    {OP_QKV_BIAS_ROPE, "qkv-bias-rope", qkv_bias_rope},
    {OP_ALL_REDUCE, "all-reduce", all_reduce},
    {OP_RMS_NORM, "rms-norm", rms_norm},
    {OP_SWIGLU, "swiglu", swiglu},
    {OP_GROUPED_QUERY_ATTENTION, "grouped-query-attention", grouped_query_attention},
    {OP_INTERLEAVED_ROPE, "interleaved-rope", interleaved_rope},
};

// The code's name in the TypeScript table.
const char* ts_name(int code) {
  for (const NamedCode& c : kOpCodes) {
    if (c.code == code) return c.name;
  }
  return nullptr;
}

}  // namespace

void register_all() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (const Registration& r : kRegistrations) register_launcher({r.code, ts_name(r.code), r.label, r.launch});
  });
}

}  // namespace glm::launchers

// The Sunway family's launch records, one line each, read top to bottom: the opcode (generated from
// the TypeScript table, glm_launch_codes.h), what messages and profiles call the op, and its launcher.
// register_all() hands them to the program runtime when the runner opens.
#include <mutex>

extern "C" {
#include "dtype.h"
}
#include "glm_dtype_codes.h"
#include "glm_launch_codes.h"
#include "launchers.h"

namespace glm::sunway::launchers {
namespace {

// The TypeScript side plans with these limits and codes (launch-codes.ts); the kernels are built for their own.
static_assert(planned::MAX_RANK == SW_MAX_RANK, "launch-codes.ts MAX_RANK is not the kernels' SW_MAX_RANK");
constexpr bool same(DType planned, int kernels) { return static_cast<int>(planned) == kernels; }
static_assert(same(F32, SW_F32) && same(F16, SW_F16) && same(BF16, SW_BF16) && same(I32, SW_I32) && same(I8, SW_I8) && same(I4, SW_I4),
              "launch-codes.ts DTYPE_CODES are not the kernels' dtype codes (kernels/dtype.h)");

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
    {OP_TOP_K, "top-k", top_k},
    {OP_LOG_SUM_EXP, "log-sum-exp", log_sum_exp},
    {OP_CACHE_WRITE, "cache-write", cache_write},
    {OP_QKV_BIAS_ROPE, "qkv-bias-rope", qkv_bias_rope},
    {OP_RMS_NORM, "rms-norm", rms_norm},
    {OP_SWIGLU, "swiglu", swiglu},
    {OP_INTERLEAVED_ROPE, "interleaved-rope", interleaved_rope},
    {OP_GROUPED_QUERY_ATTENTION, "grouped-query-attention", grouped_query_attention},
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

}  // namespace glm::sunway::launchers

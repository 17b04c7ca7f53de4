// The SIMT family's record launchers: one per opcode, each reading its record's arguments in order,
// checking what the kernels cannot, launching on the device's stream and checking the launch (naming
// the op). registry.cpp lists them against their opcodes.
#pragma once

#include "program.h"

namespace glm::launchers {

// movement.cpp
void copy(Reader& r);
void memcpy(Reader& r);
void cache_write(Reader& r);
// elementwise.cpp
void binary(Reader& r);
void scale(Reader& r);
void cast(Reader& r);
void gelu(Reader& r);
void geglu(Reader& r);
void deepnorm(Reader& r);
void dequantize(Reader& r);
void masked_fill(Reader& r);
void glm_mask_fill(Reader& r);
// rows.cpp
void layer_norm(Reader& r);
void softmax(Reader& r);
void top_k(Reader& r);
void log_sum_exp(Reader& r);
// rotary.cpp
void rotary_table(Reader& r);
void rope(Reader& r);
void qkv_bias_rope(Reader& r);
// attention.cpp
void attention(Reader& r);
void grouped_query_attention(Reader& r);
// gemm.cpp
void gemm(Reader& r);
// glm_family.cpp
void rms_norm(Reader& r);
void swiglu(Reader& r);
void interleaved_rope(Reader& r);
// all_reduce.cpp
void all_reduce(Reader& r);

// Registers every launcher above with the program runtime (once per process).
void register_all();

}  // namespace glm::launchers

// A launch program: what the TypeScript executable sends per run, as one Float64Array.
// Records are [opcode, tag, argCount, args...]; pointers travel as doubles (device addresses are
// below 2^53). The opcodes and each record's argument order are mirrored in
// backends/cuda/launch-codes.ts; keep the two in step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace glm {

enum Op : int {
  OP_COPY = 1,
  OP_BINARY = 2,
  OP_SCALE = 3,
  OP_CAST = 4,
  OP_GELU = 5,
  OP_GEGLU = 6,
  OP_DEEPNORM = 7,
  OP_DEQUANTIZE = 8,
  OP_LAYERNORM = 9,
  OP_SOFTMAX = 10,
  OP_MASKED_FILL = 11,
  OP_GLM_MASK_FILL = 12,
  OP_ROTARY_TABLE = 13,
  OP_ROPE = 14,
  OP_ATTENTION = 15,
  OP_GEMM = 16,
  OP_MEMCPY = 17,
  OP_TOP_K = 18,
  OP_LOG_SUM_EXP = 19,
  OP_CACHE_WRITE = 20,
  OP_QKV_BIAS_ROPE = 21,
};

const char* op_name(int op);

class ProgramError : public std::runtime_error {
 public:
  ProgramError(const std::string& message, int tag) : std::runtime_error(message), tag(tag) {}
  int tag;
};

// Launches every record on the device's stream (asynchronously). Throws ProgramError naming the
// op and carrying the record's tag when a record is malformed or a launch fails.
void run_program(const double* words, size_t count);

// GLM_PROFILE_LAUNCHES=1: run_program times every record and prints the times (benchmarks only).
bool profiling_launches();

}  // namespace glm

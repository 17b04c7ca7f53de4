/**
 * The Sunway family's launch vocabulary, defined here once: the runner's C++ header is generated from
 * this file's built JavaScript (backends/sunway/runner/gen-launch-codes.mjs), and a test compares the
 * codes compiled into the built addon with these. A record is [opcode, tag, argCount, ...args]; each
 * op's argument order is the order its launcher (backends/sunway/runner/launchers/) reads them in,
 * written out once in the emit helpers of lowerings/. Records carry shapes, strides and pointers only:
 * the tiling is chosen by the launcher at run time from the chip's LDM budget, so one plan serves
 * SW26010 and SW26010-Pro (and an exported plan runs on either).
 */
import type { DType } from '../../core/backend-api/plugin-api.js';

export const OP = {
  copy: 1,
  binary: 2,
  scale: 3,
  cast: 4,
  gelu: 5,
  geglu: 6,
  deepnorm: 7,
  dequantize: 8,
  layerNorm: 9,
  softmax: 10,
  maskedFill: 11,
  glmMaskFill: 12,
  rotaryTable: 13,
  rope: 14,
  attention: 15,
  gemm: 16,
  topK: 17,
  logSumExp: 18,
  cacheWrite: 19,
  qkvBiasRope: 20,
  rmsNorm: 21,
  swiglu: 22,
  groupedQueryAttention: 23,
  interleavedRope: 24,
} as const;

/** A record's dtype words. */
export const DTYPE_CODES: Readonly<Record<DType, number>> = { f32: 0, f16: 1, bf16: 2, i32: 3, i8: 4, i4: 5 };

export function dtypeCode(dtype: DType): number {
  return DTYPE_CODES[dtype];
}

/** Dims of a strided record (copy, binary, masked-fill) after merging. */
export const MAX_RANK = 8;

/** Largest k of the top-k kernel: each CPE keeps k candidates of its share of a row in LDM. */
export const MAX_TOP_K = 256;

/** Largest head dim of the attention kernel: a query row, its output row and a key tile sit in LDM. */
export const MAX_HEAD_DIM = 256;

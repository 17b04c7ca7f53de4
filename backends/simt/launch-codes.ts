/**
 * The SIMT family's launch vocabulary, defined here once: the native build generates its C++ header
 * from this file's built JavaScript (backends/simt/native/gen-launch-codes.mjs), and a test compares
 * each built addon's compiled-in codes with these. A record is [opcode, tag, argCount, ...args]; each
 * op's argument order is the order the native reader takes them in, written out once in the emit
 * helpers of lowerings/.
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
  memcpy: 17,
  topK: 18,
  logSumExp: 19,
  cacheWrite: 20,
  qkvBiasRope: 21,
  allReduce: 22,
  rmsNorm: 23,
  swiglu: 24,
  groupedQueryAttention: 25,
  interleavedRope: 26,
} as const;

/** A record's dtype words. */
export const DTYPE_CODES: Readonly<Record<DType, number>> = { f32: 0, f16: 1, bf16: 2, i32: 3, i8: 4, i4: 5 };

export function dtypeCode(dtype: DType): number {
  return DTYPE_CODES[dtype];
}

/** Which GEMM kernel a gemm record asks for (native GemmPath): portable = the backend's own SIMT/tiled GEMM, vendor = its BLAS. */
export const GEMM_PATH = { auto: 0, portable: 1, gemv: 2, vendor: 3 } as const;

export const MAX_RANK = 8;

/** top-k: keys per block of each pass, and the largest k (native kTopKChunk, kMaxTopK). */
export const TOP_K_CHUNK = 4096;
export const MAX_TOP_K = 256;
/** log-sum-exp: elements per block of its first stage. */
export const LOG_SUM_EXP_CHUNK = 2048;

/**
 * The Ascend family's launch vocabulary. A record is [code, tag, argCount, ...args]. A code below
 * ACLNN_CODE_LIMIT is one aclnn op of the ABI table (acl/abi.ts), its arguments encoded in the op's
 * own parameter order (acl/op-params.ts; lowerings/aclnn-record.ts writes them, launchers/record-
 * reader.ts reads them). The others are host steps: work the ops need done on the host with values
 * read back from the device (the GLM mask, a KV-cache offset, FlashAttentionScore's prefix) or
 * constants the host computes once (rotary tables).
 */
import type { DType } from '../../core/backend-api/plugin-api.js';
import { ACL_ENUMS } from './acl/abi.js';
import type { ArgKind } from './acl/op-params.js';

/** One code per aclnn op the lowerings call; each name is an op of the ABI table (checked by the launcher registry). */
export const ACLNN_CODES = {
  Matmul: 1,
  BatchMatMul: 2,
  Baddbmm: 3,
  Addmm: 4,
  WeightQuantBatchMatmulV2: 5,
  Add: 6,
  Adds: 7,
  Mul: 8,
  Muls: 9,
  Neg: 10,
  Cast: 11,
  Log: 12,
  Exp: 13,
  Gelu: 14,
  GeluV2: 15,
  GeGluV3: 16,
  Softmax: 17,
  LogSoftmax: 18,
  LayerNorm: 19,
  ReduceSum: 20,
  Amax: 21,
  MaxDim: 22,
  ArgMax: 23,
  Topk: 24,
  InplaceCopy: 25,
  InplaceMaskedFillScalar: 26,
  Roll: 27,
  Embedding: 28,
  GatherV2: 29,
  RotaryPositionEmbedding: 30,
  FlashAttentionScore: 31,
  FusedInferAttentionScoreV2: 32,
  SwiGlu: 33,
  RmsNorm: 34,
} as const;

export type AclnnOp = keyof typeof ACLNN_CODES;

export const ACLNN_CODE_LIMIT = 64;

/**
 * Host steps. Each reads its arguments with the kinds listed in HOST_STEP_PARAMS.
 *  glmMask: reads contextLengths [B] (and the valid length, if any) back and writes the GLM
 *    prefix-bidirectional mask as bool [B, 1, Q, K] (true = masked) into a device buffer.
 *  cacheWriteAt: reads the offset back, checks it, and copies the update into the cache there
 *    (InplaceCopy into a view whose address moves with the offset: the executor is rebound).
 *  rotaryTable: cos/sin of the rotary angles gathered from tables the host computed in float64.
 *  flashAttentionGlm: FlashAttentionScore with sparseMode 5, its prefix IntArray read back from
 *    contextLengths.
 *  allReduce: HcclAllReduce (sum) of send into recv over the rank's communicator, on its stream (the
 *    ranks of openRanks(N); the communicator is the device's, not a record word).
 */
export const HOST_STEPS = {
  glmMask: 64,
  cacheWriteAt: 65,
  rotaryTable: 66,
  flashAttentionGlm: 67,
  allReduce: 68,
} as const;

export type HostStep = keyof typeof HOST_STEPS;

export interface HostStepParams {
  /** The host step's own arguments. */
  readonly params: readonly ArgKind[];
  /** The aclnn op it calls with values it computes, whose arguments follow its own. */
  readonly wraps?: AclnnOp;
}

export const HOST_STEP_PARAMS: Readonly<Record<HostStep, HostStepParams>> = {
  // contextLengths, length?, queries, keys, mask out (bool [B, 1, Q, K])
  glmMask: { params: ['tensor', 'tensor', 'int', 'int', 'tensor'] },
  // offset, offset stride (elements), capacity − S; then InplaceCopy(cache view at offset 0, update)
  cacheWriteAt: { params: ['tensor', 'int', 'int'], wraps: 'InplaceCopy' },
  // positions, cos out, sin out, dim, base
  rotaryTable: { params: ['tensor', 'tensor', 'tensor', 'int', 'double'] },
  // contextLengths; then FlashAttentionScore's parameters with the prefix left empty
  flashAttentionGlm: { params: ['tensor'], wraps: 'FlashAttentionScore' },
  // send, recv (same dtype and element count, contiguous)
  allReduce: { params: ['tensor', 'tensor'] },
};

/** aclDataType of each IR dtype (aclDataType enum of acl_base.h). */
const ACL = ACL_ENUMS['aclDataType']!;
export const ACL_DTYPE: Readonly<Record<DType, number>> = {
  f32: ACL['ACL_FLOAT']!,
  f16: ACL['ACL_FLOAT16']!,
  bf16: ACL['ACL_BF16']!,
  i32: ACL['ACL_INT32']!,
  i8: ACL['ACL_INT8']!,
  i4: ACL['ACL_INT4']!,
};

/** The other aclDataTypes the lowerings use for scratch: Topk's indices, masks. */
export const ACL_INT64 = ACL['ACL_INT64']!;
export const ACL_BOOL = ACL['ACL_BOOL']!;
export const ACL_UINT8 = ACL['ACL_UINT8']!;
export const ACL_DOUBLE = ACL['ACL_DOUBLE']!;
export const ACL_FORMAT_ND = ACL_ENUMS['aclFormat']!['ACL_FORMAT_ND']!;

/** Bytes per element of an aclDataType the records use (INT4: half a byte). */
export const ACL_ELEMENT_BYTES: Readonly<Record<number, number>> = {
  [ACL['ACL_FLOAT']!]: 4,
  [ACL['ACL_FLOAT16']!]: 2,
  [ACL['ACL_BF16']!]: 2,
  [ACL['ACL_INT32']!]: 4,
  [ACL['ACL_INT8']!]: 1,
  [ACL['ACL_UINT8']!]: 1,
  [ACL['ACL_BOOL']!]: 1,
  [ACL['ACL_INT64']!]: 8,
  [ACL['ACL_INT4']!]: 0.5,
  [ACL['ACL_DOUBLE']!]: 8,
};

/** cubeMathType (aclnnMatmul): 0 keep the dtype (exact fp32 on A2/A3), 1 allow fp32 down-precision. */
export const CUBE_KEEP_DTYPE = 0;

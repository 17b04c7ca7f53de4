/**
 * The CANN C ABI this SDK binds, written once: every function with its library, the public header that
 * declares it, a C prototype (koffi parses it; the emulator's C++ compiler checks its definitions
 * against it through the header generated from this file's built JavaScript by
 * backends/ascend/emulator/gen-abi-header.mjs) and the SoC generations that have it.
 *
 * Sources (../shared/spec/ascend.md names the commits): runtime — hicann/runtime
 * include/external/acl (CANN 8.x ships the same declarations as include/acl/acl.h, acl_base.h,
 * acl_rt.h); tensor objects — hicann/opbase include/nnopbase/aclnn/acl_meta.h and aclnn_base.h;
 * ops — hicann/ops-nn, ops-math and ops-transformer `<op>/op_host/op_api/aclnn_<op>.h`, SoC support
 * from each op's doc ("产品支持情况": 910 = "Atlas 训练系列产品", A2, A3).
 *
 * Executor tensor slots (aclSetTensorAddr's index): the i-th aclTensor / aclTensorList parameter of the
 * op's GetWorkspaceSize, in argument order — inputs come first and outputs after them in every op
 * here, so this is "inputs, then outputs"; an in-place operand (selfRef) is one input slot; an absent
 * optional tensor still takes its slot. `tensorSlots()` lists them.
 */

export type AclLibrary = 'ascendcl' | 'nnopbase' | 'opapi' | 'hccl';

/**
 * Which SoC generations have a function: every one (`all`), the 910B family — Atlas A2 and A3 — but
 * not the original 910 (`910b`), or Atlas A2 only (`a2`: FlashAttentionScore's doc at
 * ops-transformer c29bc106 marks A3 ×).
 */
export type SocAvailability = 'all' | '910b' | 'a2';

export interface AclFunction {
  readonly name: string;
  readonly library: AclLibrary;
  /** The public CANN header that declares it, relative to the toolkit's include/. */
  readonly header: string;
  /** A C prototype using the typedefs, enums and opaque types below. */
  readonly prototype: string;
  readonly soc: SocAvailability;
}

/** Each library's file name, identical in CANN's lib64/ and the emulator's build/lib64/. */
export const ACL_LIBRARY_FILES: Readonly<Record<AclLibrary, string>> = {
  ascendcl: 'libascendcl.so',
  nnopbase: 'libnnopbase.so',
  opapi: 'libopapi.so',
  hccl: 'libhccl.so',
};

/**
 * CANN's load order (mindnlp aclnn.py): libnnopbase, then libopapi with RTLD_GLOBAL (op libraries
 * resolve each other's symbols), then libascendcl; aclInit, then aclnnInit.
 */
export const ACL_LOAD_ORDER: readonly { readonly library: AclLibrary; readonly global: boolean }[] = [
  { library: 'nnopbase', global: false },
  { library: 'opapi', global: true },
  { library: 'ascendcl', global: false },
  // The collective library (tensor parallelism), after the runtime it runs on.
  { library: 'hccl', global: false },
];

// ---------------------------------------------------------------------------------------------
// Types

/** Integer typedefs (acl_base.h: `typedef int aclError`; acl_meta.h: `typedef int32_t aclnnStatus`). */
export const ACL_INTEGER_TYPEDEFS: Readonly<Record<string, string>> = {
  aclError: 'int',
  aclnnStatus: 'int32_t',
  HcclResult: 'int', // hccl_types.h: an int-sized enum; HCCL_SUCCESS = 0, HCCL_E_AGAIN = 20
};

/** Pointer typedefs (acl_base.h: `typedef void *aclrtStream`). */
export const ACL_POINTER_TYPEDEFS: Readonly<Record<string, string>> = {
  aclrtStream: 'void *',
  HcclComm: 'void *',
};

/** Opaque structs, only ever handled by pointer (acl_meta.h). */
export const ACL_OPAQUE_TYPES: readonly string[] = [
  'aclTensor',
  'aclScalar',
  'aclIntArray',
  'aclBoolArray',
  'aclTensorList',
  'aclOpExecutor',
  // hccl_types.h: `struct HcclRootInfoDef { char internal[HCCL_ROOT_INFO_BYTES]; }`, 4108 bytes, handled
  // here only by pointer (HCCL_ROOT_INFO_BYTES below).
  'HcclRootInfo',
];

/** hccl_types.h: the size of HcclRootInfo. */
export const HCCL_ROOT_INFO_BYTES = 4108;

/** C enums (int-sized): only the members this SDK or the emulator names. */
export const ACL_ENUMS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  aclDataType: {
    ACL_DT_UNDEFINED: -1,
    ACL_FLOAT: 0,
    ACL_FLOAT16: 1,
    ACL_INT8: 2,
    ACL_INT32: 3,
    ACL_UINT8: 4,
    ACL_INT16: 6,
    ACL_UINT16: 7,
    ACL_UINT32: 8,
    ACL_INT64: 9,
    ACL_UINT64: 10,
    ACL_DOUBLE: 11,
    ACL_BOOL: 12,
    ACL_BF16: 27,
    ACL_INT4: 29,
  },
  aclFormat: {
    ACL_FORMAT_UNDEFINED: -1,
    ACL_FORMAT_NCHW: 0,
    ACL_FORMAT_NHWC: 1,
    ACL_FORMAT_ND: 2,
    ACL_FORMAT_FRACTAL_NZ: 29,
  },
  aclrtMemcpyKind: {
    ACL_MEMCPY_HOST_TO_HOST: 0,
    ACL_MEMCPY_HOST_TO_DEVICE: 1,
    ACL_MEMCPY_DEVICE_TO_HOST: 2,
    ACL_MEMCPY_DEVICE_TO_DEVICE: 3,
    ACL_MEMCPY_DEFAULT: 4,
  },
  aclrtMemMallocPolicy: {
    ACL_MEM_MALLOC_HUGE_FIRST: 0,
    ACL_MEM_MALLOC_HUGE_ONLY: 1,
    ACL_MEM_MALLOC_NORMAL_ONLY: 2,
  },
  aclrtMemAttr: {
    ACL_DDR_MEM: 0,
    ACL_HBM_MEM: 1,
    ACL_DDR_MEM_HUGE: 2,
    ACL_DDR_MEM_NORMAL: 3,
    ACL_HBM_MEM_HUGE: 4,
    ACL_HBM_MEM_NORMAL: 5,
  },
  HcclDataType: {
    HCCL_DATA_TYPE_FP16: 3,
    HCCL_DATA_TYPE_FP32: 4,
    HCCL_DATA_TYPE_BFP16: 11,
  },
  HcclReduceOp: {
    HCCL_REDUCE_SUM: 0,
  },
  aclCANNPackageName: {
    ACL_PKG_NAME_CANN: 0,
    ACL_PKG_NAME_RUNTIME: 1,
    ACL_PKG_NAME_COMPILER: 2,
    ACL_PKG_NAME_HCCL: 3,
    ACL_PKG_NAME_TOOLKIT: 4,
    ACL_PKG_NAME_OPP: 5,
    ACL_PKG_NAME_OPP_KERNEL: 6,
    ACL_PKG_NAME_DRIVER: 7,
  },
};

export interface AclStructField {
  readonly name: string;
  readonly type: 'char';
  readonly length: number;
}

/** Structs passed by pointer (acl.h: ACL_PKG_VERSION_MAX_SIZE 128, _PARTS_MAX_SIZE 64). */
export const ACL_STRUCTS: Readonly<Record<string, readonly AclStructField[]>> = {
  aclCANNPackageVersion: [
    { name: 'version', type: 'char', length: 128 },
    { name: 'majorVersion', type: 'char', length: 64 },
    { name: 'minorVersion', type: 'char', length: 64 },
    { name: 'releaseVersion', type: 'char', length: 64 },
    { name: 'patchVersion', type: 'char', length: 64 },
    { name: 'reserved', type: 'char', length: 128 },
  ],
};

/** Status codes (acl_base.h, error_codes/rt_error_codes.h, nnopbase opdev/op_errno.h). */
export const ACL_STATUS: Readonly<Record<string, number>> = {
  ACL_SUCCESS: 0,
  ACL_ERROR_INVALID_PARAM: 100000,
  ACL_ERROR_UNINITIALIZE: 100001,
  ACL_ERROR_REPEAT_INITIALIZE: 100002,
  ACL_ERROR_INVALID_FILE: 100003,
  ACL_ERROR_REPEAT_FINALIZE: 100037,
  ACL_ERROR_RT_PARAM_INVALID: 107000,
  ACL_ERROR_RT_INVALID_DEVICEID: 107001,
  ACL_ERROR_RT_CONTEXT_NULL: 107002,
  ACL_ERROR_RT_STREAM_CONTEXT: 107003,
  ACL_ERROR_RT_INVALID_HANDLE: 107017,
  ACL_ERROR_RT_MEMORY_ALLOCATION: 207001,
  ACL_ERROR_RT_MEMORY_FREE: 207002,
  ACL_ERROR_RT_SOC_VERSION: 507008,
  ACL_ERROR_RT_AICORE_EXCEPTION: 507015,
  ACLNN_ERR_PARAM_NULLPTR: 161001,
  ACLNN_ERR_PARAM_INVALID: 161002,
  ACLNN_ERR_RUNTIME_ERROR: 361001,
  ACLNN_ERR_INNER: 561000,
  ACLNN_ERR_INNER_NULLPTR: 561103,
};

// ---------------------------------------------------------------------------------------------
// SoC names

/**
 * aclrtGetSocName() strings by generation (torch_npu NpuVariables.h/.cpp). Classify by exact string:
 * "Ascend910B" is an ORIGINAL-910 variant, and A2's fifth name is spelled "Ascend910B4-1".
 */
export const SOC_NAMES = {
  original910: ['Ascend910PremiumA', 'Ascend910ProA', 'Ascend910A', 'Ascend910ProB', 'Ascend910B'],
  a2: ['Ascend910B1', 'Ascend910B2', 'Ascend910B2C', 'Ascend910B3', 'Ascend910B4', 'Ascend910B4-1'],
  a3: ['Ascend910_9391', 'Ascend910_9392', 'Ascend910_9381', 'Ascend910_9382', 'Ascend910_9372', 'Ascend910_9362'],
} as const;

export type SocGeneration = keyof typeof SOC_NAMES;

export function socGeneration(socName: string): SocGeneration | undefined {
  for (const generation of Object.keys(SOC_NAMES) as SocGeneration[]) {
    if ((SOC_NAMES[generation] as readonly string[]).includes(socName)) return generation;
  }
  return undefined;
}

export function availableOn(soc: SocAvailability, generation: SocGeneration): boolean {
  if (soc === 'all') return true;
  if (soc === '910b') return generation !== 'original910';
  return generation === 'a2';
}

// ---------------------------------------------------------------------------------------------
// Runtime and tensor-object functions

function runtime(header: string, prototype: string): AclFunction {
  return { name: functionName(prototype), library: 'ascendcl', header, prototype, soc: 'all' };
}

function nnopbase(header: string, prototype: string): AclFunction {
  return { name: functionName(prototype), library: 'nnopbase', header, prototype, soc: 'all' };
}

const RUNTIME: readonly AclFunction[] = [
  runtime('acl/acl.h', 'aclError aclInit(const char *configPath)'),
  runtime('acl/acl.h', 'aclError aclFinalize()'),
  runtime('acl/acl.h', 'aclError aclrtGetVersion(int32_t *majorVersion, int32_t *minorVersion, int32_t *patchVersion)'),
  // CANN 8.x: the package version ("8.0.RC2") that `glm backends` reports.
  runtime('acl/acl.h', 'aclError aclsysGetCANNVersion(aclCANNPackageName name, aclCANNPackageVersion *version)'),
  runtime('acl/acl.h', 'const char *aclGetRecentErrMsg()'),
  runtime('acl/acl_base.h', 'const char *aclrtGetSocName()'),
  runtime('acl/acl_rt.h', 'aclError aclrtSetDevice(int32_t deviceId)'),
  runtime('acl/acl_rt.h', 'aclError aclrtResetDevice(int32_t deviceId)'),
  runtime('acl/acl_rt.h', 'aclError aclrtGetDevice(int32_t *deviceId)'),
  runtime('acl/acl_rt.h', 'aclError aclrtGetDeviceCount(uint32_t *count)'),
  runtime('acl/acl_rt.h', 'aclError aclrtSynchronizeDevice()'),
  runtime('acl/acl_rt.h', 'aclError aclrtMalloc(void **devPtr, size_t size, aclrtMemMallocPolicy policy)'),
  runtime('acl/acl_rt.h', 'aclError aclrtFree(void *devPtr)'),
  runtime('acl/acl_rt.h', 'aclError aclrtMemcpy(void *dst, size_t destMax, const void *src, size_t count, aclrtMemcpyKind kind)'),
  runtime(
    'acl/acl_rt.h',
    'aclError aclrtMemcpyAsync(void *dst, size_t destMax, const void *src, size_t count, aclrtMemcpyKind kind, aclrtStream stream)',
  ),
  runtime('acl/acl_rt.h', 'aclError aclrtMemset(void *devPtr, size_t maxCount, int32_t value, size_t count)'),
  runtime('acl/acl_rt.h', 'aclError aclrtGetMemInfo(aclrtMemAttr attr, size_t *free, size_t *total)'),
  runtime('acl/acl_rt.h', 'aclError aclrtCreateStream(aclrtStream *stream)'),
  runtime('acl/acl_rt.h', 'aclError aclrtDestroyStream(aclrtStream stream)'),
  runtime('acl/acl_rt.h', 'aclError aclrtSynchronizeStream(aclrtStream stream)'),
];

const META = 'aclnn/acl_meta.h';
const TENSOR_OBJECTS: readonly AclFunction[] = [
  nnopbase('aclnn/aclnn_base.h', 'aclnnStatus aclnnInit(const char *configPath)'),
  nnopbase('aclnn/aclnn_base.h', 'aclnnStatus aclnnFinalize()'),
  nnopbase(
    META,
    'aclTensor *aclCreateTensor(const int64_t *viewDims, uint64_t viewDimsNum, aclDataType dataType, const int64_t *stride, ' +
      'int64_t offset, aclFormat format, const int64_t *storageDims, uint64_t storageDimsNum, void *tensorData)',
  ),
  nnopbase(META, 'aclnnStatus aclDestroyTensor(const aclTensor *tensor)'),
  nnopbase(META, 'aclScalar *aclCreateScalar(void *value, aclDataType dataType)'),
  nnopbase(META, 'aclnnStatus aclDestroyScalar(const aclScalar *scalar)'),
  nnopbase(META, 'aclIntArray *aclCreateIntArray(const int64_t *value, uint64_t size)'),
  nnopbase(META, 'aclnnStatus aclDestroyIntArray(const aclIntArray *array)'),
  nnopbase(META, 'aclBoolArray *aclCreateBoolArray(const bool *value, uint64_t size)'),
  nnopbase(META, 'aclnnStatus aclDestroyBoolArray(const aclBoolArray *array)'),
  // The list owns its tensors: aclDestroyTensorList destroys them too.
  nnopbase(META, 'aclTensorList *aclCreateTensorList(const aclTensor *const *value, uint64_t size)'),
  nnopbase(META, 'aclnnStatus aclDestroyTensorList(const aclTensorList *array)'),
  // The getters allocate the returned array with new[]; the caller owns it.
  nnopbase(META, 'aclnnStatus aclGetViewShape(const aclTensor *tensor, int64_t **viewDims, uint64_t *viewDimsNum)'),
  nnopbase(META, 'aclnnStatus aclGetViewStrides(const aclTensor *tensor, int64_t **stridesValue, uint64_t *stridesNum)'),
  nnopbase(META, 'aclnnStatus aclGetViewOffset(const aclTensor *tensor, int64_t *offset)'),
  nnopbase(META, 'aclnnStatus aclGetStorageShape(const aclTensor *tensor, int64_t **storageDims, uint64_t *storageDimsNum)'),
  nnopbase(META, 'aclnnStatus aclGetDataType(const aclTensor *tensor, aclDataType *dataType)'),
  nnopbase(META, 'aclnnStatus aclGetFormat(const aclTensor *tensor, aclFormat *format)'),
  nnopbase(META, 'aclnnStatus aclSetAclOpExecutorRepeatable(aclOpExecutor *executor)'),
  nnopbase(META, 'aclnnStatus aclDestroyAclOpExecutor(aclOpExecutor *executor)'),
  // index: the slot convention in this file's header comment; the three differ in what they count.
  nnopbase(META, 'aclnnStatus aclSetTensorAddr(aclOpExecutor *executor, const size_t index, aclTensor *tensor, void *addr)'),
  nnopbase(META, 'aclnnStatus aclSetInputTensorAddr(aclOpExecutor *executor, const size_t index, aclTensor *tensor, void *addr)'),
  nnopbase(META, 'aclnnStatus aclSetOutputTensorAddr(aclOpExecutor *executor, const size_t index, aclTensor *tensor, void *addr)'),
];

// ---------------------------------------------------------------------------------------------
// Ops: each a GetWorkspaceSize + launch pair in libopapi

export interface AclOp {
  /** The op's name without `aclnn`: aclnnMatmulGetWorkspaceSize → "Matmul". */
  readonly op: string;
  readonly header: string;
  readonly soc: SocAvailability;
  /** GetWorkspaceSize's parameters before `uint64_t *workspaceSize, aclOpExecutor **executor`. */
  readonly params: string;
  /** How many of the trailing tensor parameters are outputs (0 for an in-place op). */
  readonly outputs: number;
}

function op(op: string, header: string, soc: SocAvailability, outputs: number, params: string): AclOp {
  return { op, header: `aclnnop/${header}`, soc, outputs, params };
}

const TENSOR = 'const aclTensor *';
const MUT = 'aclTensor *';

export const ACL_OPS: readonly AclOp[] = [
  // Cube products (ops-nn matmul/)
  op('Matmul', 'aclnn_matmul.h', 'all', 1, `${TENSOR}self, ${TENSOR}mat2, ${MUT}out, int8_t cubeMathType`),
  op('BatchMatMul', 'aclnn_batch_matmul.h', 'all', 1, `${TENSOR}self, ${TENSOR}mat2, ${MUT}out, int8_t cubeMathType`),
  op(
    'Baddbmm',
    'aclnn_baddbmm.h',
    'all',
    1,
    `${TENSOR}self, ${TENSOR}batch1, ${TENSOR}batch2, const aclScalar *beta, const aclScalar *alpha, ${MUT}out, int8_t cubeMathType`,
  ),
  op(
    'Addmm',
    'aclnn_addmm.h',
    'all',
    1,
    `${TENSOR}self, ${TENSOR}mat1, ${TENSOR}mat2, const aclScalar *beta, const aclScalar *alpha, ${MUT}out, int8_t cubeMathType`,
  ),
  op(
    'WeightQuantBatchMatmulV2',
    'aclnn_weight_quant_batch_matmul_v2.h',
    '910b',
    1,
    `${TENSOR}x, ${TENSOR}weight, ${TENSOR}antiquantScale, ${TENSOR}antiquantOffsetOptional, ${TENSOR}quantScaleOptional, ` +
      `${TENSOR}quantOffsetOptional, ${TENSOR}biasOptional, int antiquantGroupSize, ${TENSOR}y`,
  ),
  // Element-wise (ops-math math/)
  op('Add', 'aclnn_add.h', 'all', 1, `${TENSOR}self, ${TENSOR}other, const aclScalar *alpha, ${MUT}out`),
  op('Adds', 'aclnn_add.h', 'all', 1, `${TENSOR}self, const aclScalar *other, const aclScalar *alpha, ${MUT}out`),
  op('Mul', 'aclnn_mul.h', 'all', 1, `${TENSOR}self, ${TENSOR}other, ${MUT}out`),
  op('Muls', 'aclnn_mul.h', 'all', 1, `${TENSOR}self, const aclScalar *other, ${MUT}out`),
  op('Neg', 'aclnn_neg.h', 'all', 1, `${TENSOR}self, ${MUT}out`),
  op('Cast', 'aclnn_cast.h', 'all', 1, `${TENSOR}self, const aclDataType dtype, ${MUT}out`),
  // Not on the 910: aclnnLog's and aclnnExp's docs mark "Atlas 训练系列产品" 不支持.
  op('Log', 'aclnn_log.h', '910b', 1, `${TENSOR}self, ${MUT}out`),
  op('Exp', 'aclnn_exp.h', '910b', 1, `${TENSOR}self, ${MUT}out`),
  // Activations and normalisation (ops-nn activation/, norm/)
  op('Gelu', 'aclnn_gelu.h', 'all', 1, `${TENSOR}self, ${MUT}out`),
  op('GeluV2', 'aclnn_gelu_v2.h', 'all', 1, `${TENSOR}x, int64_t approximate, ${MUT}y`),
  op(
    'GeGluV3',
    'aclnn_geglu.h',
    '910b',
    2,
    `${TENSOR}self, int64_t dim, int64_t approximate, bool activateLeft, ${MUT}out, ${MUT}outGelu`,
  ),
  // SwiGlu: out = Swish(A) · B, A the FIRST half along dim (ops-nn activation/swi_glu/docs/aclnnSwiGlu.md;
  // Atlas A2/A3 only), ChatGLM2's convention. Its outputs are const in CANN's header.
  op('SwiGlu', 'aclnn_swi_glu.h', '910b', 1, `${TENSOR}x, int64_t dim, ${TENSOR}out`),
  op('Softmax', 'aclnn_softmax.h', 'all', 1, `${TENSOR}self, int64_t dim, ${MUT}out`),
  op('LogSoftmax', 'aclnn_logsoftmax.h', 'all', 1, `${TENSOR}self, int64_t dim, ${MUT}out`),
  op(
    'LayerNorm',
    'aclnn_layer_norm.h',
    'all',
    3,
    `${TENSOR}input, const aclIntArray *normalizedShape, ${TENSOR}weightOptional, ${TENSOR}biasOptional, double eps, ` +
      `${MUT}out, ${MUT}meanOutOptional, ${MUT}rstdOutOptional`,
  ),
  // RmsNorm: yOut = x / sqrt(mean(x²) + epsilon) · gamma over gamma's trailing dims, rstdOut fp32 [x's leading
  // dims] (ops-nn norm/rms_norm/docs/aclnnRmsNorm.md: 910B, 910_93, 310P; not the original 910).
  op('RmsNorm', 'aclnn_rms_norm.h', '910b', 2, `${TENSOR}x, ${TENSOR}gamma, double epsilon, ${TENSOR}yOut, ${TENSOR}rstdOut`),
  // Reductions and selection (ops-math math/)
  op('ReduceSum', 'aclnn_reduce_sum.h', 'all', 1, `${TENSOR}self, const aclIntArray *dims, bool keepDims, aclDataType dtype, ${MUT}out`),
  op('Amax', 'aclnn_amax.h', 'all', 1, `${TENSOR}self, const aclIntArray *dim, bool keepDim, ${MUT}out`),
  op('MaxDim', 'aclnn_max_dim.h', 'all', 2, `${TENSOR}self, int64_t dim, bool keepdim, ${MUT}out, ${MUT}indices`),
  op('ArgMax', 'aclnn_argmax.h', 'all', 1, `${TENSOR}self, int64_t dim, bool keepdim, ${MUT}out`),
  op(
    'Topk',
    'aclnn_topk.h',
    'all',
    2,
    `${TENSOR}self, int64_t k, int64_t dim, bool largest, bool sorted, ${MUT}valuesOut, ${MUT}indicesOut`,
  ),
  // Data movement (ops-math conversion/, ops-nn index/)
  op('InplaceCopy', 'aclnn_copy.h', 'all', 0, `${MUT}selfRef, ${TENSOR}src`),
  op('InplaceMaskedFillScalar', 'aclnn_masked_fill_scalar.h', 'all', 0, `${MUT}selfRef, ${TENSOR}mask, const aclScalar *value`),
  op('Roll', 'aclnn_roll.h', 'all', 1, `${TENSOR}x, const aclIntArray *shifts, const aclIntArray *dims, ${MUT}out`),
  op('Embedding', 'aclnn_embedding.h', 'all', 1, `${TENSOR}weight, ${TENSOR}indices, ${TENSOR}out`),
  op('GatherV2', 'aclnn_gather_v2.h', 'all', 1, `${TENSOR}self, int64_t dim, ${TENSOR}index, ${MUT}out`),
  // Fused transformer ops (ops-transformer posembedding/, attention/)
  op(
    'RotaryPositionEmbedding',
    'aclnn_rotary_position_embedding.h',
    '910b',
    1,
    `${TENSOR}x, ${TENSOR}cos, ${TENSOR}sin, int64_t mode, ${MUT}out`,
  ),
  op(
    'FlashAttentionScore',
    'aclnn_flash_attention_score.h',
    'a2',
    4,
    `${TENSOR}query, ${TENSOR}key, ${TENSOR}value, ${TENSOR}realShiftOptional, ${TENSOR}dropMaskOptional, ` +
      `${TENSOR}paddingMaskOptional, ${TENSOR}attenMaskOptional, const aclIntArray *prefixOptional, double scaleValue, ` +
      'double keepProb, int64_t preTokens, int64_t nextTokens, int64_t headNum, char *inputLayout, int64_t innerPrecise, ' +
      `int64_t sparseMode, ${TENSOR}softmaxMaxOut, ${TENSOR}softmaxSumOut, ${TENSOR}softmaxOutOut, ${TENSOR}attentionOutOut`,
  ),
  op(
    'FusedInferAttentionScoreV2',
    'aclnn_fused_infer_attention_score_v2.h',
    '910b',
    2,
    `${TENSOR}query, const aclTensorList *key, const aclTensorList *value, ${TENSOR}pseShiftOptional, ` +
      `${TENSOR}attenMaskOptional, const aclIntArray *actualSeqLengthsOptional, const aclIntArray *actualSeqLengthsKvOptional, ` +
      `${TENSOR}deqScale1Optional, ${TENSOR}quantScale1Optional, ${TENSOR}deqScale2Optional, ${TENSOR}quantScale2Optional, ` +
      `${TENSOR}quantOffset2Optional, ${TENSOR}antiquantScaleOptional, ${TENSOR}antiquantOffsetOptional, ` +
      `${TENSOR}blockTableOptional, ${TENSOR}queryPaddingSizeOptional, ${TENSOR}kvPaddingSizeOptional, ` +
      `${TENSOR}keyAntiquantScaleOptional, ${TENSOR}keyAntiquantOffsetOptional, ${TENSOR}valueAntiquantScaleOptional, ` +
      `${TENSOR}valueAntiquantOffsetOptional, ${TENSOR}keySharedPrefixOptional, ${TENSOR}valueSharedPrefixOptional, ` +
      'const aclIntArray *actualSharedPrefixLenOptional, int64_t numHeads, double scaleValue, int64_t preTokens, ' +
      'int64_t nextTokens, char *inputLayout, int64_t numKeyValueHeads, int64_t sparseMode, int64_t innerPrecise, ' +
      'int64_t blockSize, int64_t antiquantMode, bool softmaxLseFlag, int64_t keyAntiquantMode, int64_t valueAntiquantMode, ' +
      `${TENSOR}attentionOut, ${TENSOR}softmaxLse`,
  ),
];

function opFunctions(entry: AclOp): AclFunction[] {
  const common = { library: 'opapi' as const, header: entry.header, soc: entry.soc };
  const prepare = `aclnn${entry.op}GetWorkspaceSize`;
  const launch = `aclnn${entry.op}`;
  return [
    {
      ...common,
      name: prepare,
      prototype: `aclnnStatus ${prepare}(${entry.params}, uint64_t *workspaceSize, aclOpExecutor **executor)`,
    },
    {
      ...common,
      name: launch,
      prototype: `aclnnStatus ${launch}(void *workspace, uint64_t workspaceSize, aclOpExecutor *executor, aclrtStream stream)`,
    },
  ];
}

function hccl(prototype: string): AclFunction {
  return { name: functionName(prototype), library: 'hccl', header: 'hccl/hccl.h', prototype, soc: 'all' };
}

/**
 * HCCL (hccl/hccl.h, CANN's collective library; hicann/hccl): the root-info handshake of ranks in
 * one process and the all-reduce tensor parallelism needs, issued on a stream.
 */
const COLLECTIVES: readonly AclFunction[] = [
  hccl('HcclResult HcclGetRootInfo(HcclRootInfo *rootInfo)'),
  hccl('HcclResult HcclCommInitRootInfo(uint32_t nRanks, const HcclRootInfo *rootInfo, uint32_t rank, HcclComm *comm)'),
  hccl('HcclResult HcclAllReduce(void *sendBuf, void *recvBuf, uint64_t count, HcclDataType dataType, HcclReduceOp op, HcclComm comm, aclrtStream stream)'),
  hccl('HcclResult HcclCommDestroy(HcclComm comm)'),
];

/** Every bound function, library by library. */
export const ACL_FUNCTIONS: readonly AclFunction[] = [...RUNTIME, ...TENSOR_OBJECTS, ...ACL_OPS.flatMap(opFunctions), ...COLLECTIVES];

export function functionsOf(library: AclLibrary): readonly AclFunction[] {
  return ACL_FUNCTIONS.filter((f) => f.library === library);
}

// ---------------------------------------------------------------------------------------------
// Prototype helpers

function functionName(prototype: string): string {
  const match = /([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(prototype);
  if (!match?.[1]) throw new Error(`acl abi: no function name in "${prototype}"`);
  return match[1];
}

export interface TensorSlot {
  readonly index: number;
  readonly name: string;
  readonly role: 'input' | 'output';
  /** An aclTensorList parameter: one slot, not rebindable by aclSetTensorAddr. */
  readonly list: boolean;
}

/** An op's executor slots in aclSetTensorAddr's index order (see this file's header comment). */
export function tensorSlots(opName: string): readonly TensorSlot[] {
  const entry = ACL_OPS.find((o) => o.op === opName);
  if (!entry) throw new Error(`acl abi: no op ${opName}`);
  const tensors = entry.params
    .split(',')
    .map((p) => p.trim())
    .filter((p) => /\baclTensor(List)?\s*\*/.test(p));
  return tensors.map((param, index) => ({
    index,
    name: param.replace(/^.*[\s*]/, ''),
    role: index >= tensors.length - entry.outputs ? 'output' : 'input',
    list: param.includes('aclTensorList'),
  }));
}

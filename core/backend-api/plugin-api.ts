/**
 * The public surface a backend plugin may import (`glm-sdk/plugin`). Built-in backends import
 * only this file of core, so an outside author has exactly what they have.
 */
export * from './plugin-contract.js';
export * from './capability.js';
export * from './fault-injection.js';
export { GlmError, isGlmError, exitCodeOf, GLM_ERROR_BRAND, type ErrorKind, type GlmErrorLike } from '../errors.js';
export type { Graph, GraphNode, ValueInfo, TensorType, Attrs, AttrValue } from '../ir/graph.js';
export type { OpDefinition } from '../ir/op-definition.js';
export { OP_CATALOGUE, getOp } from '../ir/ops/catalogue.js';
export { OP_NAMES, isOpName, type OpName } from '../ir/ops/op-names.js';
export { resolveShape, type DimBindings } from '../ir/dim.js';
export { DTYPE_INFO, byteLengthOf, storageView, type DType, type StorageArray } from '../tensor/dtype.js';
export { decodeInto, encodeInto, elementCount } from '../tensor/host-tensor.js';
export { float64ToFloat16Bits, float64ToBfloat16Bits, float16DecodeTable, bfloat16DecodeTable, roundHalfEven } from '../tensor/float16.js';
export { bindGraphShapes } from './graph-shapes.js';
export { runStep, runStepThroughMemory } from './run-step.js';

/**
 * What an op's decomposition writes its primitives with: the builder's op calls and its naming scope.
 * GraphBuilder (builder.ts) implements it. Op definitions depend on this, not on the builder, because
 * the builder depends on the op catalogue to type-check every node it adds.
 */
import type { AttrValue, TensorType } from './graph.js';
import type { OpName } from './ops/op-names.js';

/** A value of the graph being built: its id and its type. */
export interface Value {
  readonly id: number;
  readonly type: TensorType;
}

export interface DecompositionBuilder {
  op(opName: OpName, given: readonly (Value | null)[], attrs?: Record<string, AttrValue>, name?: string): Value[];
  op1(opName: OpName, inputs: readonly (Value | null)[], attrs?: Record<string, AttrValue>, name?: string): Value;
  /** Names the nodes `body` adds `prefix/…`. */
  scope<T>(prefix: string, body: () => T): T;
}

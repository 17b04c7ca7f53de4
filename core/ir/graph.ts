/**
 * The graph: plain, JSON-serialisable data. Values are numbered; nodes list value ids in the order
 * of their op's signature (null for an absent optional input) and appear in a valid execution order.
 */
import type { OpName } from './ops/op-names.js';
import type { DType } from '../tensor/dtype.js';
import type { Shape } from './dim.js';

export interface TensorType {
  readonly dtype: DType;
  readonly shape: Shape;
}

export type AttrValue = number | string | boolean | readonly number[] | readonly (number | string)[];
export type Attrs = Readonly<Record<string, AttrValue>>;

export type ValueRole = 'input' | 'param' | 'intermediate';

export interface ValueInfo {
  readonly id: number;
  /** Unique in the graph: inputs and params are bound by name; intermediates are named for errors. */
  readonly name: string;
  readonly type: TensorType;
  readonly role: ValueRole;
}

export interface GraphNode {
  readonly id: number;
  /** Unique, hierarchical (`layers.3.attention.qkv`), used in every error message. */
  readonly name: string;
  /** A name of the op catalogue; a graph read from a file is checked by the validator first. */
  readonly op: OpName;
  readonly inputs: readonly (number | null)[];
  readonly outputs: readonly number[];
  readonly attrs: Attrs;
}

export interface Graph {
  readonly name: string;
  readonly values: readonly ValueInfo[];
  readonly nodes: readonly GraphNode[];
  /** Runtime inputs, bound per call. */
  readonly inputs: readonly number[];
  /** Weights, bound once per session. */
  readonly params: readonly number[];
  /** Graph outputs, with the names callers read them by. */
  readonly outputs: readonly { readonly name: string; readonly value: number }[];
}

export function describeNode(node: GraphNode): string {
  return `node "${node.name}" (${node.op})`;
}

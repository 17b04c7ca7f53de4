/** A backend's answer to "can you run this node?" — with a reason whenever it is no. */
import type { GraphNode, TensorType } from '../ir/graph.js';

export type Capability = { readonly supported: true } | { readonly supported: false; readonly reason: string };

export const SUPPORTED: Capability = { supported: true };
export function unsupported(reason: string): Capability {
  return { supported: false, reason };
}

/** What a backend sees of a node when asked: the node and its concrete-or-symbolic types. */
export interface NodeView {
  readonly node: GraphNode;
  readonly inputTypes: readonly (TensorType | null)[];
  readonly outputTypes: readonly TensorType[];
}

/** A node the backend answered no for: its name, op and the backend's reason. */
export interface LoweringNote {
  readonly node: string;
  readonly op: string;
  readonly reason: string;
}

/**
 * The strict-mode refusal as the user reads it: one line (how many nodes, which ops with their
 * counts, the first node and its reason) — a real model refuses hundreds of nodes, and their list
 * on one line ran to thousands of characters. The full list travels as `details`, which
 * `glm … --explain` prints one node a line.
 */
import { GlmError } from '../errors.js';
import type { LoweringNote } from '../backend-api/capability.js';

export class UnrunnableNodesError extends GlmError {
  /** One line per refused node: "name (op): reason". */
  readonly details: readonly string[];
  readonly nodes: readonly LoweringNote[];
  constructor(backendName: string, nodes: readonly LoweringNote[]) {
    super('unsupported', refusalSummary(backendName, nodes));
    this.nodes = nodes;
    this.details = nodes.map((u) => `${u.node} (${u.op}): ${u.reason}`);
  }
}

/** "backend "x" cannot run 37 node(s) …: ops linear ×24, attention ×12, top-k ×1; first: …". */
export function refusalSummary(backendName: string, nodes: readonly LoweringNote[]): string {
  const counts = new Map<string, number>();
  for (const u of nodes) counts.set(u.op, (counts.get(u.op) ?? 0) + 1);
  const ops = [...counts].map(([op, n]) => `${op} ×${n}`).join(', ');
  const first = nodes[0];
  const firstText = first ? `; first: ${first.node} (${first.op}): ${first.reason.split('\n')[0]}` : '';
  const more = nodes.length > 1 ? ` (--explain lists all ${nodes.length})` : '';
  return `backend "${backendName}" cannot run ${nodes.length} node(s), and no decomposition makes them runnable — ops ${ops}${firstText}${more}`;
}

/**
 * cpu-ref: the oracle. Plain TypeScript, float64 arithmetic from the stored inputs, every output
 * rounded once to its dtype. It claims every op of the catalogue, composites included, so other
 * backends' composites and decompositions are both checked against it.
 */
import {
  GlmError,
  PLUGIN_API_VERSION,
  SUPPORTED,
  unsupported,
  type Backend,
  type BackendPlugin,
  type ExecutionPlan,
  type NodeView,
} from '../../core/backend-api/plugin-api.js';
import { ReferenceExecutable, type RankOfGroup } from './executable.js';
import { InProcessGroup } from './in-process-group.js';
import { HostMemory } from './host-memory.js';
import { REFERENCE_KERNELS } from './kernels/index.js';

/** What this instance can run: an all-reduce only over the group it was opened in (one rank when alone). */
function supportsIn(groupSize: number) {
  return (view: NodeView) => {
    const { node } = view;
    if (!REFERENCE_KERNELS[node.op]) return unsupported(`no reference kernel for op "${node.op}"`);
    const worldSize = node.attrs['worldSize'] ?? 1;
    if (node.op === 'all-reduce' && worldSize !== groupSize) {
      return groupSize === 1
        ? unsupported(`this cpu-ref instance is a single rank; an all-reduce over ${worldSize} ranks needs the instances of openRanks(${worldSize})`)
        : unsupported(`this cpu-ref rank belongs to a group of ${groupSize}, the all-reduce spans ${worldSize}`);
    }
    return SUPPORTED;
  };
}

function openReference(member?: RankOfGroup): Backend {
  const groupSize = member?.group.worldSize ?? 1;
  return {
    name: 'cpu-ref',
    execution: 'reference',
    device: member ? `host CPU (${process.arch}), float64 reference, rank ${member.rank} of ${groupSize} (in-process all-reduce)` : `host CPU (${process.arch}), float64 reference`,
    supports: supportsIn(groupSize),
    memory: new HostMemory(),
    async compile(plan: ExecutionPlan) {
      return new ReferenceExecutable(plan, member);
    },
    async close() {},
    async openRanks(worldSize: number) {
      if (!Number.isInteger(worldSize) || worldSize < 1) throw new GlmError('usage', `a tensor-parallel group needs a positive integer of ranks, got ${worldSize}`);
      const group = new InProcessGroup(worldSize);
      return Array.from({ length: worldSize }, (_, rank) => openReference({ rank, group }));
    },
  };
}

export const plugin: BackendPlugin = {
  name: 'cpu-ref',
  apiVersion: PLUGIN_API_VERSION,
  description: 'CPU reference (TypeScript, float64 arithmetic, exact dtype rounding): the conformance oracle',
  async probe() {
    return { available: true, device: `host CPU (${process.arch})`, execution: 'reference' };
  },
  async open(): Promise<Backend> {
    return openReference();
  },
};

export default plugin;

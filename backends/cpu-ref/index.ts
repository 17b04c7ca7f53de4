/**
 * cpu-ref: the oracle. Plain TypeScript, float64 arithmetic from the stored inputs, every output
 * rounded once to its dtype. It claims every op of the catalogue, composites included, so other
 * backends' composites and decompositions are both checked against it.
 */
import {
  PLUGIN_API_VERSION,
  SUPPORTED,
  unsupported,
  type Backend,
  type BackendPlugin,
  type ExecutionPlan,
  type NodeView,
} from '../../core/backend-api/plugin-api.js';
import { ReferenceExecutable } from './executable.js';
import { HostMemory } from './host-memory.js';
import { REFERENCE_KERNELS } from './kernels/index.js';

function supports(view: NodeView) {
  const { node } = view;
  if (!REFERENCE_KERNELS[node.op]) return unsupported(`no reference kernel for op "${node.op}"`);
  if (node.op === 'all-reduce' && (node.attrs['worldSize'] ?? 1) !== 1) {
    return unsupported('cpu-ref runs a single rank; all-reduce over several ranks needs a backend with a collective library');
  }
  return SUPPORTED;
}

export const plugin: BackendPlugin = {
  name: 'cpu-ref',
  apiVersion: PLUGIN_API_VERSION,
  description: 'CPU reference (TypeScript, float64 arithmetic, exact dtype rounding): the conformance oracle',
  async probe() {
    return { available: true, device: `host CPU (${process.arch})`, execution: 'reference' };
  },
  async open(): Promise<Backend> {
    return {
      name: 'cpu-ref',
      execution: 'reference',
      device: `host CPU (${process.arch}), float64 reference`,
      supports,
      memory: new HostMemory(),
      async compile(plan: ExecutionPlan) {
        return new ReferenceExecutable(plan);
      },
      async close() {},
    };
  },
};

export default plugin;

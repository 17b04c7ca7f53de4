/** What the CUDA backend claims, node by node, with a reason for every refusal. */
import { SUPPORTED, unsupported, type Capability, type NodeView } from '../../core/runtime/plugin-api.js';
import { MAX_RANK } from './launch-codes.js';
import { LOWERINGS } from './lowerings/index.js';

/** Largest head dim of the fused attention kernel (8 elements per lane of a warp). */
export const MAX_HEAD_DIM = 256;

/** Ops refused on request (GLM_CUDA_REFUSE=attention,linear): to compare against the decompositions. */
function refusedByEnvironment(): ReadonlySet<string> {
  const raw = process.env['GLM_CUDA_REFUSE'] ?? '';
  return new Set(raw.split(',').map((s) => s.trim()).filter(Boolean));
}

export function supports(view: NodeView): Capability {
  const { node } = view;
  if (!LOWERINGS[node.op]) return unsupported(`cuda has no kernel for op "${node.op}"`);
  if (refusedByEnvironment().has(node.op)) return unsupported(`"${node.op}" refused by GLM_CUDA_REFUSE`);
  for (const t of [...view.inputTypes, ...view.outputTypes]) {
    if (t && t.shape.length > MAX_RANK) return unsupported(`tensors of rank ${t.shape.length} exceed the kernels' ${MAX_RANK} dims`);
  }
  switch (node.op) {
    case 'all-reduce': {
      const worldSize = (node.attrs['worldSize'] as number | undefined) ?? 1;
      return worldSize === 1 ? SUPPORTED : unsupported('all-reduce over several ranks needs NCCL tensor parallelism, not implemented in the cuda backend yet');
    }
    case 'attention': {
      const d = view.inputTypes[0]?.shape[3];
      if (typeof d !== 'number') return unsupported('attention needs a static head dim');
      if (d > MAX_HEAD_DIM) return unsupported(`head dim ${d} exceeds the fused kernel's ${MAX_HEAD_DIM}; decomposed into matmul + softmax`);
      return SUPPORTED;
    }
    default:
      return SUPPORTED;
  }
}

/** What a GPU backend of this provider claims, node by node, with a reason for every refusal. */
import { SUPPORTED, unsupported, type Capability, type NodeView } from '../../core/backend-api/plugin-api.js';
import { MAX_RANK, MAX_TOP_K } from '../simt/launch-codes.js';
import { LOWERINGS } from './lowerings/index.js';

/** Largest head dim of the fused attention kernels (at most 8 elements per lane of a 32-wide warp). */
export const MAX_HEAD_DIM = 256;

/**
 * supports() for `backend`; `refuseVariable` names the environment variable that refuses ops on
 * request (e.g. GLM_DCU_REFUSE=attention,linear), to compare against the decompositions.
 */
export function makeSupports(backend: string, refuseVariable: string): (view: NodeView) => Capability {
  return (view) => {
    const { node } = view;
    if (!LOWERINGS[node.op]) return unsupported(`${backend} has no kernel for op "${node.op}"`);
    const refused = new Set((process.env[refuseVariable] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
    if (refused.has(node.op)) return unsupported(`"${node.op}" refused by ${refuseVariable}`);
    for (const t of [...view.inputTypes, ...view.outputTypes]) {
      if (t && t.shape.length > MAX_RANK) return unsupported(`tensors of rank ${t.shape.length} exceed the kernels' ${MAX_RANK} dims`);
    }
    switch (node.op) {
      case 'all-reduce': {
        const worldSize = (node.attrs['worldSize'] as number | undefined) ?? 1;
        return worldSize === 1 ? SUPPORTED : unsupported(`all-reduce over several ranks needs a collective library (NCCL/RCCL) for tensor parallelism, not implemented in ${backend} yet`);
      }
      case 'attention': {
        const d = view.inputTypes[0]?.shape[3];
        if (typeof d !== 'number') return unsupported('attention needs a static head dim');
        if (d > MAX_HEAD_DIM) return unsupported(`head dim ${d} exceeds the fused kernel's ${MAX_HEAD_DIM}; decomposed into matmul + softmax`);
        return SUPPORTED;
      }
      case 'top-k': {
        const k = node.attrs['k'] as number;
        // k rounds of a block-wide maximum per stage: meant for sampling's k, not for sorting whole rows.
        if (k > MAX_TOP_K) return unsupported(`top-k with k = ${k} exceeds the selection kernels' ${MAX_TOP_K}`);
        const n = view.inputTypes[0]?.shape.at(-1);
        if (typeof n === 'number' && n > 2 ** 31 - 1) return unsupported(`top-k over rows of ${n} elements: indices are i32`);
        return SUPPORTED;
      }
      default:
        return SUPPORTED;
    }
  };
}

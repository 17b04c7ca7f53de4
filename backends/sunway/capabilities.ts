/** What the Sunway family claims, node by node, with a reason for every refusal. */
import { SUPPORTED, unsupported, type Capability, type DType, type NodeView, type OpName } from '../../core/backend-api/plugin-api.js';
import { CHIP_FACTS, type ChipName } from './chip.js';
import { MAX_HEAD_DIM, MAX_RANK, MAX_TOP_K } from './launch-codes.js';
import { SUNWAY_LOWERINGS } from './lowerings/index.js';

/** Ops that only move bytes (the copy kernel, DMA only): any dtype on either chip. */
const MOVES_BYTES: ReadonlySet<OpName> = new Set<OpName>(['reshape', 'transpose', 'split', 'concat', 'slice', 'gather', 'cache-write']);

const HALF: ReadonlySet<DType> = new Set<DType>(['f16', 'bf16']);

function claimsAttention(view: NodeView): Capability {
  const d = view.inputTypes[0]?.shape[3];
  if (typeof d !== 'number') return unsupported('attention needs a static head dim');
  if (d > MAX_HEAD_DIM) return unsupported(`head dim ${d} exceeds the attention kernel's ${MAX_HEAD_DIM} (a query row and its output row stay in LDM); decomposed into matmul + softmax`);
  return SUPPORTED;
}

function claimsInterleavedRope(view: NodeView): Capability {
  const d = view.inputTypes[0]?.shape[3];
  if (typeof d !== 'number') return unsupported('interleaved-rope needs a static head dim');
  if (d > MAX_HEAD_DIM) return unsupported(`head dim ${d} exceeds the interleaved-rope kernel's ${MAX_HEAD_DIM} (a head row stays in LDM); decomposed`);
  return SUPPORTED;
}

function claimsTopK(view: NodeView): Capability {
  const k = view.node.attrs['k'] as number;
  // Each CPE keeps k candidates in LDM and the merge holds 64·k: meant for sampling's k.
  if (k > MAX_TOP_K) return unsupported(`top-k with k = ${k} exceeds the kernel's ${MAX_TOP_K} (candidates kept in LDM)`);
  const n = view.inputTypes[0]?.shape.at(-1);
  if (typeof n === 'number' && n > 2 ** 31 - 1) return unsupported(`top-k over rows of ${n} elements: indices are i32`);
  return SUPPORTED;
}

function claimsAllReduce(view: NodeView): Capability {
  const worldSize = (view.node.attrs['worldSize'] as number | undefined) ?? 1;
  return worldSize === 1 ? SUPPORTED : unsupported('all-reduce over several ranks needs MPI between Sunway nodes, not implemented');
}

function claimsLinear(view: NodeView): Capability {
  const w = view.inputTypes[1]?.dtype;
  // The GEMM reads float operands; dequantize (its own kernel) then the product is the decomposition.
  return w === 'i8' || w === 'i4' ? unsupported(`linear with ${w} weights runs as its decomposition (dequantize, then the float GEMM)`) : SUPPORTED;
}

/** The ops whose kernels have limits of their own, and the check of each. */
const OP_LIMITS: Readonly<Partial<Record<OpName, (view: NodeView) => Capability>>> = {
  'linear': claimsLinear,
  'attention': claimsAttention,
  'grouped-query-attention': claimsAttention,
  'interleaved-rope': claimsInterleavedRope,
  'top-k': claimsTopK,
  'all-reduce': claimsAllReduce,
};

/** Half-precision data a chip cannot compute on: SW26010's CPEs have no fp16/bf16 arithmetic or conversion. */
function claimsDtypes(view: NodeView, chip: ChipName): Capability {
  if (CHIP_FACTS[chip].halfPrecision || MOVES_BYTES.has(view.node.op)) return SUPPORTED;
  const half = [...view.inputTypes, ...view.outputTypes].find((t) => t && HALF.has(t.dtype));
  return half ? unsupported(`${chip} CPEs have no half-precision arithmetic: ${half.dtype} "${view.node.op}" needs SW26010-Pro (data movement of ${half.dtype} runs)`) : SUPPORTED;
}

/** The Sunway family's claims on `chip`: a kernel for the op, ranks within the records' limit, dtypes the chip computes in, and each op's own limits. */
export function sunwayClaims(view: NodeView, backend: string, chip: ChipName): Capability {
  const { op } = view.node;
  if (!SUNWAY_LOWERINGS[op]) return unsupported(`${backend} has no kernel for op "${op}"`);
  for (const t of [...view.inputTypes, ...view.outputTypes]) {
    if (t && t.shape.length > MAX_RANK) return unsupported(`tensors of rank ${t.shape.length} exceed the kernels' ${MAX_RANK} dims`);
  }
  const dtypes = claimsDtypes(view, chip);
  if (!dtypes.supported) return dtypes;
  return OP_LIMITS[op]?.(view) ?? SUPPORTED;
}

/**
 * What bench/ascend/perf-model.ts reads from the ascend backend's own lowering: the GLM block graphs
 * it models (two GLM-130B-shaped blocks in a row, so that the second one's calls are those of a layer
 * in the middle of a model, not of the first), the launch program the backend plans for them — planned
 * here without a device, at any width — and each launch record's bytes and Cube flops.
 *
 * Bytes of a record: every tensor argument's distinct elements × its dtype's size (a broadcast bias is
 * read once; a weight read through its transposed view counts K·N), read-modify-write arguments
 * (`selfRef`) twice; GatherV2 reads only the rows it gathers; the GLM mask host step moves its bytes
 * host → device (counted apart: `h2dBytes`). Flops: 2·M·N·K for every product (Matmul, BatchMatMul,
 * Addmm, Baddbmm, WeightQuantBatchMatmulV2), 4·B·N·Sq·Skv·D for the fused attention ops (over all the
 * keys they are given — the whole cache capacity on decode); vector-unit arithmetic is not counted
 * (it is not Cube work; perf-model.ts says why that is a small error).
 */
import { GLM_INPUTS, GLM_OUTPUTS } from '../../core/models/glm/graphs.js';
import { glmBlock, type CacheInputs } from '../../core/models/glm/block.js';
import { headDim, type GlmConfig } from '../../core/models/glm/config.js';
import type { WeightQuantization } from '../../core/models/glm/weights-layout.js';
import { GraphBuilder } from '../../core/ir/builder.js';
import type { Graph } from '../../core/ir/graph.js';
import { bindGraphShapes } from '../../core/backend-api/graph-shapes.js';
import type { ExecutionPlan } from '../../core/backend-api/plugin-api.js';
import type { Storage } from '../../backends/program/locations.js';
import { planGraph } from '../../backends/program/planner/plan-graph.js';
import { ProgramBuilder } from '../../backends/program/program-builder.js';
import { ascendTarget } from '../../backends/ascend/ascend-target.js';
import type { AscendPlanOptions } from '../../backends/ascend/plan-options.js';
import { opParams } from '../../backends/ascend/acl/op-params.js';
import { ACL_ELEMENT_BYTES, HOST_STEP_PARAMS, type HostStep } from '../../backends/ascend/launch-codes.js';
import type { DecodedRecord, TensorArg } from '../../backends/ascend/launchers/decoded-record.js';
import { decodeProgram } from '../../backends/ascend/launchers/record-reader.js';

/** One modelled workload, bound as the session binds it (the KV cache written in place). */
export interface Workload {
  readonly name: string;
  readonly batch: number;
  readonly seq: number;
  /** Tokens already in the cache. */
  readonly past: number;
  /** GLM's bidirectional prefix (contextLengths). */
  readonly context: number;
}

export const WORKLOADS: readonly Workload[] = [
  { name: 'prefill 2048', batch: 1, seq: 2048, past: 0, context: 1024 },
  { name: 'decode b1, cache 2048', batch: 1, seq: 1, past: 2048, context: 1024 },
  { name: 'decode b16, cache 2048', batch: 16, seq: 1, past: 2048, context: 1024 },
];

/** The layer whose calls the model takes: the second of the two blocks. */
export const MODELLED_LAYER = 1;
export const BLOCKS = 2;

export function cacheForm(w: Workload): 'in-place-start' | 'in-place-extend' {
  return w.past === 0 ? 'in-place-start' : 'in-place-extend';
}

/** Positions the cache holds: exactly the workload's tokens (bench/gpu-layer.ts does the same). */
export function capacity(w: Workload): number {
  return w.past + w.seq;
}

/**
 * `BLOCKS` GLM blocks in a row, each with its own weights and KV cache, as buildGlmModelGraph chains
 * them (without the embedding and the logits): hidden in, hidden and every layer's cache out.
 */
export function buildBlocksGraph(c: GlmConfig, quantization: WeightQuantization, form: 'in-place-start' | 'in-place-extend'): Graph {
  const b = new GraphBuilder(`${c.name}-blocks`);
  let hidden = b.input(GLM_OUTPUTS.hidden, 'f16', ['batch', 'seq', c.hiddenSize]);
  const positions = b.input(GLM_INPUTS.positions, 'i32', ['batch', 'seq']);
  const contextLengths = b.input(GLM_INPUTS.contextLengths, 'i32', ['batch']);
  const cacheOffset = b.input(GLM_INPUTS.cacheOffset, 'i32', [1]);
  const kvLength = form === 'in-place-extend' ? b.input(GLM_INPUTS.kvLength, 'i32', [1]) : null;
  const shape = ['batch', c.numHeads, 'capacity', headDim(c)];
  for (let layer = 0; layer < BLOCKS; layer++) {
    const pastKey = b.input(GLM_INPUTS.pastKey(layer), 'f16', shape);
    const pastValue = b.input(GLM_INPUTS.pastValue(layer), 'f16', shape);
    const cache: CacheInputs = kvLength
      ? { form: 'in-place-extend', cacheOffset, kvLength, pastKey, pastValue }
      : { form: 'in-place-start', cacheOffset, pastKey, pastValue };
    const out = glmBlock(b, c, layer, { hidden, positions, blockPositions: null, contextLengths, cache }, { dtype: 'f16', quantization });
    b.output(GLM_OUTPUTS.presentKey(layer), out.presentKey);
    b.output(GLM_OUTPUTS.presentValue(layer), out.presentValue);
    hidden = out.hidden;
  }
  b.output(GLM_OUTPUTS.hidden, hidden);
  return b.build();
}

/** Shapes of the graph inputs for a workload (weights take their declared shapes). */
export function inputShapes(c: GlmConfig, w: Workload): Record<string, number[]> {
  const shapes: Record<string, number[]> = {
    [GLM_OUTPUTS.hidden]: [w.batch, w.seq, c.hiddenSize],
    [GLM_INPUTS.positions]: [w.batch, w.seq],
    [GLM_INPUTS.contextLengths]: [w.batch],
    [GLM_INPUTS.cacheOffset]: [1],
  };
  if (cacheForm(w) === 'in-place-extend') shapes[GLM_INPUTS.kvLength] = [1];
  for (let layer = 0; layer < BLOCKS; layer++) {
    shapes[GLM_INPUTS.pastKey(layer)] = [w.batch, c.numHeads, capacity(w), headDim(c)];
    shapes[GLM_INPUTS.pastValue(layer)] = [w.batch, c.numHeads, capacity(w), headDim(c)];
  }
  return shapes;
}

/** The caches are donated: present = past, written in place (as the session binds them). */
export function donations(): Map<string, string> {
  const d = new Map<string, string>();
  for (let layer = 0; layer < BLOCKS; layer++) {
    d.set(GLM_OUTPUTS.presentKey(layer), GLM_INPUTS.pastKey(layer));
    d.set(GLM_OUTPUTS.presentValue(layer), GLM_INPUTS.pastValue(layer));
  }
  return d;
}

export interface PlannedProgram {
  readonly records: readonly DecodedRecord[];
  /** The program's structure (record-reader.ts): equal for two programs of the same plan. */
  readonly signature: string;
  readonly arenaBytes: number;
}

/**
 * The launch program the ascend backend plans for `plan` (an ExecutionPlan its supports() lowered),
 * without a device: bound tensors get made-up addresses 256-aligned and far apart, the arena another.
 */
export function planProgram(plan: ExecutionPlan, shapes: Record<string, number[]>, options: AscendPlanOptions): PlannedProgram {
  const graph = plan.graph;
  const all: Record<string, readonly number[]> = { ...shapes };
  for (const id of graph.params) {
    const v = graph.values[id]!;
    all[v.name] = v.type.shape as number[];
  }
  const dims = bindGraphShapes(graph, all);
  const planned = planGraph(graph, dims, () => 256, ascendTarget(options), options, donations());
  const addresses = new Map<string, number>();
  const boundAddress = (s: Storage) => {
    const key = `${s.binding!.role}:${s.binding!.name}`;
    if (!addresses.has(key)) addresses.set(key, (addresses.size + 1) * 2 ** 40);
    return addresses.get(key)!;
  };
  const program = ProgramBuilder.resolve(planned.records, boundAddress, 2 ** 52);
  const decoded = decodeProgram(program);
  return { records: decoded.records, signature: decoded.signature, arenaBytes: planned.arenaBytes };
}

function isTensor(a: unknown): a is TensorArg {
  return typeof a === 'object' && a !== null && 'strides' in a && 'dtype' in a;
}

/** Bytes of a view's distinct elements (dims with stride 0 are broadcast: read once). */
export function viewBytes(t: TensorArg): number {
  let n = 1;
  t.shape.forEach((d, i) => {
    if (t.strides[i] !== 0) n *= d;
  });
  const size = ACL_ELEMENT_BYTES[t.dtype];
  if (size === undefined) throw new Error(`perf model: no element size for aclDataType ${t.dtype}`);
  return n * size;
}

function elements(t: TensorArg): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

export interface RecordCost {
  /** HBM bytes the device moves. */
  readonly bytes: number;
  /** Cube flops (products and fused attention). */
  readonly flops: number;
  /** Bytes copied host → device by a host step (the GLM mask). */
  readonly h2dBytes: number;
  /** The aclDataType of the Cube work's activations, when there is Cube work. */
  readonly cubeDtype?: number;
}

/** An aclnn call's bytes and Cube flops from its arguments, named by the ABI table's parameters. */
function opCost(op: string, args: readonly unknown[]): RecordCost {
  const params = opParams(op);
  const named = new Map<string, unknown>(params.map((p, i) => [p.name, args[i]]));
  const t = (name: string) => {
    const a = named.get(name);
    if (!isTensor(a)) throw new Error(`perf model: ${op}.${name} is not a tensor`);
    return a;
  };
  let bytes = 0;
  params.forEach((p, i) => {
    const a = args[i];
    if (p.kind === 'tensor' && isTensor(a)) {
      if ((op === 'GatherV2' || op === 'Embedding') && (p.name === 'self' || p.name === 'weight')) return; // counted as the rows out
      bytes += viewBytes(a) * (p.name.endsWith('Ref') ? 2 : 1);
    } else if (p.kind === 'tensorList' && Array.isArray(a)) {
      for (const m of a as TensorArg[]) bytes += viewBytes(m);
    }
  });
  if (op === 'GatherV2' || op === 'Embedding') bytes += viewBytes(t('out'));
  let flops = 0;
  let cubeDtype: number | undefined;
  const product = (a: TensorArg, out: TensorArg) => {
    flops = 2 * elements(out) * a.shape[a.shape.length - 1]!;
    cubeDtype = a.dtype;
  };
  switch (op) {
    case 'Matmul':
    case 'BatchMatMul':
      product(t('self'), t('out'));
      break;
    case 'Addmm':
      product(t('mat1'), t('out'));
      break;
    case 'Baddbmm':
      product(t('batch1'), t('out'));
      break;
    case 'WeightQuantBatchMatmulV2':
      product(t('x'), t('y'));
      break;
    case 'FlashAttentionScore': {
      const q = t('query');
      const k = t('key');
      flops = 4 * elements(q) * k.shape[2]!; // BNSD: B·N·Sq·D × Skv
      cubeDtype = q.dtype;
      if (named.get('inputLayout') !== 'BNSD') throw new Error('perf model: FlashAttentionScore layout is not BNSD');
      break;
    }
    case 'FusedInferAttentionScoreV2': {
      const q = t('query');
      const k = (named.get('key') as TensorArg[])[0]!;
      flops = 4 * elements(q) * k.shape[2]!;
      cubeDtype = q.dtype;
      if (named.get('inputLayout') !== 'BNSD') throw new Error('perf model: FusedInferAttentionScoreV2 layout is not BNSD');
      break;
    }
  }
  return cubeDtype === undefined ? { bytes, flops, h2dBytes: 0 } : { bytes, flops, h2dBytes: 0, cubeDtype };
}

/** A launch record's cost: an aclnn call, or a host step and the op it wraps. */
export function recordCost(r: DecodedRecord): RecordCost {
  const step = r.name as HostStep;
  if (!(step in HOST_STEP_PARAMS)) return opCost(r.name, r.args);
  switch (step) {
    case 'glmMask': {
      const mask = r.args[4] as TensorArg;
      return { bytes: 0, flops: 0, h2dBytes: viewBytes(mask) };
    }
    case 'rotaryTable': {
      // Two GatherV2 of [count, dim] fp32 rows from the host-made tables, by the positions.
      const [positions, cos, sin] = r.args as [TensorArg, TensorArg, TensorArg];
      return { bytes: viewBytes(positions) * 2 + 2 * (viewBytes(cos) + viewBytes(sin)), flops: 0, h2dBytes: 0 };
    }
    case 'allReduce': {
      // One rank's part: its tensor read and the sum written (the collective's transfers are not modelled).
      const [send, recv] = r.args as [TensorArg, TensorArg];
      return { bytes: viewBytes(send) + viewBytes(recv), flops: 0, h2dBytes: 0 };
    }
    case 'cacheWriteAt':
    case 'flashAttentionGlm':
      return opCost(HOST_STEP_PARAMS[step].wraps!, r.wrapped);
  }
}

/** aclnn launches a record makes in a steady run (rotaryTable: two GatherV2; glmMask: none). */
export function launchesOf(r: DecodedRecord): number {
  if (r.name === 'rotaryTable') return 2;
  if (r.name === 'glmMask') return 0;
  return 1;
}

/** The node name without its layer scope: `layers.1.qkv` → `qkv`. */
export function opName(nodeName: string): string {
  return nodeName.replace(/^layers\.\d+\./, '');
}

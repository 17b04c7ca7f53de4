/**
 * Tensor-parallel cases at block and model level: the GLM graph sharded for N = 2, 4, 8 ranks on the
 * backend's ranks against the unsharded graph on cpu-ref (sharded-check.ts). They are run-to-outcome
 * cases (kind 'generation' in case.ts) because they need the backend's N ranks, not one instance; a
 * backend without multi-rank support reports them unsupported with its reason.
 */
import type { DType } from '../../../core/tensor/dtype.js';
import { hostTensor, type HostTensor } from '../../../core/tensor/host-tensor.js';
import { headDim, type GlmConfig } from '../../../core/models/glm/config.js';
import { buildGlmBlockGraph, buildGlmModelGraph, GLM_INPUTS, GLM_OUTPUTS } from '../../../core/models/glm/graphs.js';
import type { KvCacheForm } from '../../../core/models/glm/block.js';
import { prepareWeights, quantizeWeights, randomWeights } from '../../../core/models/glm/weights.js';
import type { WeightQuantization } from '../../../core/models/glm/weights-layout.js';
import type { Backend } from '../../../core/backend-api/plugin-contract.js';
import type { ShardRule } from '../../../core/passes/shard-layout.js';
import type { GenerationCase } from '../../case.js';
import { CaseData, seedOf } from '../../seeded.js';
import { toleranceFor } from '../../tolerance.js';
import { checkSharded, type ShardedCheck } from './sharded-check.js';
import { TP_CONFIGS, TP_GLM, TP_SIZES } from './configs.js';

function i32(shape: number[], values: number[]): HostTensor {
  return hostTensor('i32', shape, Int32Array.from(values));
}

export function tpWeights(c: GlmConfig, dtype: DType, quantization: WeightQuantization, id: string): Map<string, HostTensor> {
  const w = prepareWeights(c, randomWeights(c, 'f32', seedOf(id)), dtype, 'none', id);
  return quantization === 'none' ? w : quantizeWeights(c, w, quantization, dtype);
}

export interface BlockSetup {
  readonly label: string;
  readonly form: KvCacheForm;
  readonly batch: number;
  readonly seq: number;
  /** Cached positions before this call (functional: the past length; in place: the write offset). */
  readonly past: number;
  readonly ctx: number;
}

/** One layer's graph and seeded inputs (weights included, bound by name). */
export function blockCheck(c: GlmConfig, worldSize: number, dtype: DType, quantization: WeightQuantization, s: BlockSetup, id: string, rule?: ShardRule): ShardedCheck {
  const layer = 1;
  const graph = buildGlmBlockGraph(c, layer, { dtype, quantization, cache: s.form });
  const data = new CaseData(id);
  const inputs: Record<string, HostTensor> = Object.fromEntries(tpWeights(c, dtype, quantization, id));
  inputs[GLM_OUTPUTS.hidden] = data.tensor(dtype, [s.batch, s.seq, c.hiddenSize], { kind: 'normal', std: 1 });
  const positions = Array.from({ length: s.batch * s.seq }, (_, i) => s.past + (i % s.seq));
  inputs[GLM_INPUTS.positions] = i32([s.batch, s.seq], positions);
  if (c.rotary === '2d') inputs[GLM_INPUTS.blockPositions] = i32([s.batch, s.seq], positions.map((p) => Math.max(0, p - s.ctx)));
  inputs[GLM_INPUTS.contextLengths] = i32([s.batch], new Array<number>(s.batch).fill(s.ctx));
  const capacity = s.form === 'functional' ? s.past : s.past + s.seq + 2;
  if (s.form === 'functional') inputs[GLM_INPUTS.cacheIndex] = i32([s.batch], Array.from({ length: s.batch }, (_, i) => s.batch - 1 - i));
  else inputs[GLM_INPUTS.cacheOffset] = i32([1], [s.past]);
  if (s.form === 'in-place-extend') inputs[GLM_INPUTS.kvLength] = i32([1], [s.past + s.seq]);
  const cacheShape = [s.batch, c.numHeads, capacity, headDim(c)];
  inputs[GLM_INPUTS.pastKey(layer)] = data.tensor(dtype, cacheShape, { kind: 'normal', std: 1 });
  inputs[GLM_INPUTS.pastValue(layer)] = data.tensor(dtype, cacheShape, { kind: 'normal', std: 1 });
  return { config: c, worldSize, dtype, graph, inputs, tolerance: toleranceFor('chain', dtype), ...(rule ? { rule } : {}) };
}

/** The whole model over a prompt (every position's logits, an empty functional cache). */
export function modelCheck(c: GlmConfig, worldSize: number, dtype: DType, quantization: WeightQuantization, id: string, rule?: ShardRule): ShardedCheck {
  const graph = buildGlmModelGraph(c, { dtype, quantization, logits: 'all' });
  const data = new CaseData(id);
  const length = 11;
  // Ids from the whole padded vocabulary, so every rank's part of the embedding is looked up.
  const tokens = Array.from(data.values(length, { kind: 'integers', low: 0, high: c.paddedVocabSize - 1 }));
  const ctx = 7;
  const inputs: Record<string, HostTensor> = Object.fromEntries(tpWeights(c, dtype, quantization, id));
  inputs[GLM_INPUTS.inputIds] = i32([1, length], tokens);
  inputs[GLM_INPUTS.positions] = i32([1, length], tokens.map((_, i) => (i >= ctx ? ctx - 1 : i)));
  if (c.rotary === '2d') inputs[GLM_INPUTS.blockPositions] = i32([1, length], tokens.map((_, i) => (i >= ctx ? i - ctx + 1 : 0)));
  inputs[GLM_INPUTS.contextLengths] = i32([1], [ctx]);
  inputs[GLM_INPUTS.cacheIndex] = i32([1], [0]);
  for (let l = 0; l < c.numLayers; l++) {
    inputs[GLM_INPUTS.pastKey(l)] = hostTensor(dtype, [1, c.numHeads, 0, headDim(c)]);
    inputs[GLM_INPUTS.pastValue(l)] = hostTensor(dtype, [1, c.numHeads, 0, headDim(c)]);
  }
  return { config: c, worldSize, dtype, graph, inputs, tolerance: toleranceFor('chain', dtype), ...(rule ? { rule } : {}) };
}

function tpCase(id: string, level: 'block' | 'model', dtype: DType, make: () => ShardedCheck): GenerationCase {
  return {
    kind: 'generation', id, level, subject: 'tensor-parallel', dtype, composites: 'as-built',
    run: (backend: Backend) => checkSharded(backend, make()),
  };
}

export const BLOCK_SETUPS: readonly BlockSetup[] = [
  { label: 'prefill-7', form: 'functional', batch: 1, seq: 7, past: 0, ctx: 4 },
  { label: 'decode-cache5', form: 'functional', batch: 2, seq: 1, past: 5, ctx: 3 },
  { label: 'in-place-extend-cache6', form: 'in-place-extend', batch: 2, seq: 1, past: 6, ctx: 2 },
];

export function tensorParallelGraphCases(): GenerationCase[] {
  const cases: GenerationCase[] = [];
  for (const n of TP_SIZES) {
    for (const dtype of ['f32', 'f16'] as const) {
      for (const c of TP_CONFIGS) {
        for (const s of BLOCK_SETUPS) {
          const id = `tensor-parallel/block/${c.name}/tp${n}/${dtype}/none/${s.label}`;
          cases.push(tpCase(id, 'block', dtype, () => blockCheck(c, n, dtype, 'none', s, id)));
        }
        const id = `tensor-parallel/model/${c.name}/tp${n}/${dtype}/none/logits-prompt`;
        cases.push(tpCase(id, 'model', dtype, () => modelCheck(c, n, dtype, 'none', id)));
      }
    }
    for (const q of ['int8', 'int4'] as const) {
      const blockId = `tensor-parallel/block/${TP_GLM.name}/tp${n}/f16/${q}/${BLOCK_SETUPS[0]!.label}`;
      cases.push(tpCase(blockId, 'block', 'f16', () => blockCheck(TP_GLM, n, 'f16', q, BLOCK_SETUPS[0]!, blockId)));
      const modelId = `tensor-parallel/model/${TP_GLM.name}/tp${n}/f16/${q}/logits-prompt`;
      cases.push(tpCase(modelId, 'model', 'f16', () => modelCheck(TP_GLM, n, 'f16', q, modelId)));
    }
  }
  return cases;
}

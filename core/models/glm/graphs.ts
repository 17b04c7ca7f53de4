/**
 * The GLM graphs. `seq` new tokens extend a KV cache in one of three forms (KvCacheForm in block.ts):
 * functional (symbolic dims batch, seq, past, cache_batch) or in place in a cache of `capacity`
 * positions (dims batch, seq, capacity).
 */
import type { DType } from '../../tensor/dtype.js';
import { GraphBuilder, type Value } from '../../ir/builder.js';
import type { Graph } from '../../ir/graph.js';
import { headDim, kvHeads, residualKind, type GlmConfig } from './config.js';
import { glmBlock, type BlockInputs, type BlockOptions, type BlockOutputs, type CacheInputs, type KvCacheForm } from './block.js';
import { prenormBlock } from './prenorm-block.js';
import { PRENORM_NAMES } from './prenorm-weights.js';
import type { WeightQuantization } from './weights-layout.js';

export interface GlmGraphOptions {
  readonly dtype: DType;
  readonly quantization?: WeightQuantization;
  /** 'last': logits of the last position only (generation); 'all': every position (evaluation, goldens). */
  readonly logits?: 'last' | 'all';
  /** How the KV cache is carried; 'functional' when absent. */
  readonly cache?: KvCacheForm;
  /**
   * Also select on the device: the `k` largest logits of the real vocabulary (`top_values`,
   * `top_indices`) and its log-sum-exp, so generation need not read every logit back.
   */
  readonly topK?: number;
  /**
   * With topK, a temperature T ≠ 1: also the log-sum-exp of the real-vocabulary logits times 1/T
   * (`log_sum_exp_scaled`; the logits taken to f32 first, each product rounded once), for sampling at T
   * from the candidates.
   */
  readonly topTemperature?: number;
}

/** Graph input names, shared by every caller that binds them. */
export const GLM_INPUTS = {
  inputIds: 'input_ids',
  positions: 'position_ids',
  blockPositions: 'block_position_ids',
  contextLengths: 'context_lengths',
  cacheIndex: 'cache_index',
  cacheOffset: 'cache_offset',
  kvLength: 'kv_length',
  pastKey: (layer: number) => `past_key.${layer}`,
  pastValue: (layer: number) => `past_value.${layer}`,
} as const;

export const GLM_OUTPUTS = {
  logits: 'logits',
  hidden: 'hidden',
  topValues: 'top_values',
  topIndices: 'top_indices',
  logSumExp: 'log_sum_exp',
  logSumExpScaled: 'log_sum_exp_scaled',
  presentKey: (layer: number) => `present_key.${layer}`,
  presentValue: (layer: number) => `present_value.${layer}`,
} as const;

function commonInputs(b: GraphBuilder, c: GlmConfig) {
  const positions = b.input(GLM_INPUTS.positions, 'i32', ['batch', 'seq']);
  const blockPositions = c.rotary === '2d' ? b.input(GLM_INPUTS.blockPositions, 'i32', ['batch', 'seq']) : null;
  const contextLengths = b.input(GLM_INPUTS.contextLengths, 'i32', ['batch']);
  return { positions, blockPositions, contextLengths };
}

/** The graph-wide inputs of a cache form; per-layer tensors are added by `layerCache`. */
function cacheScalars(b: GraphBuilder, form: KvCacheForm) {
  if (form === 'functional') return { form, cacheIndex: b.input(GLM_INPUTS.cacheIndex, 'i32', ['batch']) } as const;
  const cacheOffset = b.input(GLM_INPUTS.cacheOffset, 'i32', [1]);
  if (form === 'in-place-start') return { form, cacheOffset } as const;
  return { form, cacheOffset, kvLength: b.input(GLM_INPUTS.kvLength, 'i32', [1]) } as const;
}

function layerCache(b: GraphBuilder, c: GlmConfig, layer: number, dtype: DType, scalars: ReturnType<typeof cacheScalars>): CacheInputs {
  // Grouped-query attention caches only the KV heads.
  const shape = scalars.form === 'functional' ? ['cache_batch', kvHeads(c), 'past', headDim(c)] : ['batch', kvHeads(c), 'capacity', headDim(c)];
  const pastKey = b.input(GLM_INPUTS.pastKey(layer), dtype, shape);
  const pastValue = b.input(GLM_INPUTS.pastValue(layer), dtype, shape);
  return { ...scalars, pastKey, pastValue };
}

/** The block of the config's family: DeepNorm (GLM-130B, ChatGLM-6B) or pre-norm (ChatGLM2/3, GLM-4). */
function block(b: GraphBuilder, c: GlmConfig, layer: number, input: BlockInputs, o: BlockOptions): BlockOutputs {
  return residualKind(c) === 'pre-norm' ? prenormBlock(b, c, layer, input, o) : glmBlock(b, c, layer, input, o);
}

/** The final norm and the output head: LayerNorm and the tied embedding or lm_head; RMSNorm and output_layer (pre-norm). */
function finalNormAndHead(b: GraphBuilder, c: GlmConfig, hidden: Value, embedding: Value, dtype: DType): Value {
  if (residualKind(c) === 'pre-norm') {
    const weight = b.param(PRENORM_NAMES.finalNorm, dtype, [c.hiddenSize]);
    const normed = b.op1('rms-norm', [hidden, weight], { eps: c.layerNormEps }, 'final_layernorm');
    return b.op1('matmul', [normed, b.param(PRENORM_NAMES.output, dtype, [c.paddedVocabSize, c.hiddenSize])], { transposeB: true }, 'logits');
  }
  const finalWeight = b.param('transformer.final_layernorm.weight', dtype, [c.hiddenSize]);
  const finalBias = b.param('transformer.final_layernorm.bias', dtype, [c.hiddenSize]);
  const normed = b.op1('layer-norm', [hidden, finalWeight, finalBias], { eps: c.layerNormEps }, 'final_layernorm');
  const head = c.tiedOutput ? embedding : b.param('lm_head.weight', dtype, [c.paddedVocabSize, c.hiddenSize]);
  return b.op1('matmul', [normed, head], { transposeB: true }, 'logits');
}

/** The whole model: embedding → N blocks → final LayerNorm → logits (tied to the embedding, or lm_head). */
export function buildGlmModelGraph(c: GlmConfig, options: GlmGraphOptions): Graph {
  const { dtype } = options;
  const blockOptions: BlockOptions = { dtype, quantization: options.quantization ?? 'none' };
  const b = new GraphBuilder(`${c.name}-model`);
  const ids = b.input(GLM_INPUTS.inputIds, 'i32', ['batch', 'seq']);
  const common = commonInputs(b, c);
  const scalars = cacheScalars(b, options.cache ?? 'functional');
  const embeddingName = residualKind(c) === 'pre-norm' ? PRENORM_NAMES.embedding : 'transformer.word_embeddings.weight';
  const embedding = b.param(embeddingName, dtype, [c.paddedVocabSize, c.hiddenSize]);
  let hidden: Value = b.op1('gather', [embedding, ids], { axis: 0 }, 'embedding');
  for (let layer = 0; layer < c.numLayers; layer++) {
    const out = block(b, c, layer, { hidden, ...common, cache: layerCache(b, c, layer, dtype, scalars) }, blockOptions);
    b.output(GLM_OUTPUTS.presentKey(layer), out.presentKey);
    b.output(GLM_OUTPUTS.presentValue(layer), out.presentValue);
    hidden = out.hidden;
  }
  if (options.logits === 'last') hidden = b.op1('slice', [hidden], { axis: 1, start: -1 }, 'last_position');
  const logits = finalNormAndHead(b, c, hidden, embedding, dtype);
  b.output(GLM_OUTPUTS.logits, logits);
  if (options.topK !== undefined) {
    // Padded vocabulary rows are never candidates.
    const real = c.paddedVocabSize === c.vocabSize ? logits : b.op1('slice', [logits], { axis: 2, start: 0, end: c.vocabSize }, 'real_vocabulary');
    const [values, indices] = b.op('top-k', [real], { k: options.topK }, 'top_k');
    b.output(GLM_OUTPUTS.topValues, values!);
    b.output(GLM_OUTPUTS.topIndices, indices!);
    b.output(GLM_OUTPUTS.logSumExp, b.op1('log-sum-exp', [real], {}, 'log_sum_exp'));
    const temperature = options.topTemperature ?? 1;
    if (temperature !== 1) {
      const wide = dtype === 'f32' ? real : b.op1('cast', [real], { to: 'f32' }, 'logits_f32');
      const scaled = b.op1('scale', [wide], { factor: 1 / temperature }, 'logits_over_temperature');
      b.output(GLM_OUTPUTS.logSumExpScaled, b.op1('log-sum-exp', [scaled], {}, 'log_sum_exp_scaled'));
    }
  }
  return b.build();
}

/** One block on its own (block-level conformance, benchmarks): hidden in, hidden and cache out. */
export function buildGlmBlockGraph(c: GlmConfig, layer: number, options: GlmGraphOptions): Graph {
  const b = new GraphBuilder(`${c.name}-block-${layer}`);
  const hidden = b.input(GLM_OUTPUTS.hidden, options.dtype, ['batch', 'seq', c.hiddenSize]);
  const cache = layerCache(b, c, layer, options.dtype, cacheScalars(b, options.cache ?? 'functional'));
  const out = block(b, c, layer, { hidden, ...commonInputs(b, c), cache }, {
    dtype: options.dtype,
    quantization: options.quantization ?? 'none',
  });
  b.output(GLM_OUTPUTS.hidden, out.hidden);
  b.output(GLM_OUTPUTS.presentKey(layer), out.presentKey);
  b.output(GLM_OUTPUTS.presentValue(layer), out.presentValue);
  return b.build();
}

/** The cache-reorder graph's tensors: one layer's keys and values, before and after. */
export const CACHE_REORDER = { key: 'key', value: 'value', reorderedKey: 'reordered_key', reorderedValue: 'reordered_value' } as const;

/**
 * Beam reordering of one layer of an in-place cache: row r of reordered_key / reordered_value is row
 * `cache_index[r]` of key / value. The session runs it layer by layer, so that a reorder holds one
 * layer's copy beside the cache rather than a second cache.
 */
export function buildCacheReorderGraph(c: GlmConfig, dtype: DType): Graph {
  const b = new GraphBuilder(`${c.name}-cache-reorder`);
  const index = b.input(GLM_INPUTS.cacheIndex, 'i32', ['batch']);
  const shape = ['cache_batch', kvHeads(c), 'capacity', headDim(c)];
  const key = b.input(CACHE_REORDER.key, dtype, shape);
  const value = b.input(CACHE_REORDER.value, dtype, shape);
  b.output(CACHE_REORDER.reorderedKey, b.op1('gather', [key, index], { axis: 0 }, 'reorder_key'));
  b.output(CACHE_REORDER.reorderedValue, b.op1('gather', [value, index], { axis: 0 }, 'reorder_value'));
  return b.build();
}

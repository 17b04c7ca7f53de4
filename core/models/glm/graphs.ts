/**
 * The GLM graphs. One model graph serves prefill and decode: `seq` new tokens are appended to a
 * cache of `past` tokens (past = 0 for a prefill). Symbolic dims: batch, seq, past, cache_batch.
 */
import type { DType } from '../../tensor/dtype.js';
import { GraphBuilder, type Value } from '../../ir/builder.js';
import type { Graph } from '../../ir/graph.js';
import { headDim, type GlmConfig } from './config.js';
import { glmBlock, type BlockInputs, type BlockOptions } from './block.js';
import type { WeightQuantization } from './weights-layout.js';

export interface GlmGraphOptions {
  readonly dtype: DType;
  readonly quantization?: WeightQuantization;
  /** 'last': logits of the last position only (generation); 'all': every position (evaluation, goldens). */
  readonly logits?: 'last' | 'all';
}

/** Graph input names, shared by every caller that binds them. */
export const GLM_INPUTS = {
  inputIds: 'input_ids',
  positions: 'position_ids',
  blockPositions: 'block_position_ids',
  contextLengths: 'context_lengths',
  cacheIndex: 'cache_index',
  pastKey: (layer: number) => `past_key.${layer}`,
  pastValue: (layer: number) => `past_value.${layer}`,
} as const;

export const GLM_OUTPUTS = {
  logits: 'logits',
  hidden: 'hidden',
  presentKey: (layer: number) => `present_key.${layer}`,
  presentValue: (layer: number) => `present_value.${layer}`,
} as const;

function commonInputs(b: GraphBuilder, c: GlmConfig) {
  const positions = b.input(GLM_INPUTS.positions, 'i32', ['batch', 'seq']);
  const blockPositions = c.rotary === '2d' ? b.input(GLM_INPUTS.blockPositions, 'i32', ['batch', 'seq']) : null;
  const contextLengths = b.input(GLM_INPUTS.contextLengths, 'i32', ['batch']);
  const cacheIndex = b.input(GLM_INPUTS.cacheIndex, 'i32', ['batch']);
  return { positions, blockPositions, contextLengths, cacheIndex };
}

function cacheInputs(b: GraphBuilder, c: GlmConfig, layer: number, dtype: DType): Pick<BlockInputs, 'pastKey' | 'pastValue'> {
  const shape = ['cache_batch', c.numHeads, 'past', headDim(c)];
  return {
    pastKey: b.input(GLM_INPUTS.pastKey(layer), dtype, shape),
    pastValue: b.input(GLM_INPUTS.pastValue(layer), dtype, shape),
  };
}

/** The whole model: embedding → N blocks → final LayerNorm → logits (tied to the embedding, or lm_head). */
export function buildGlmModelGraph(c: GlmConfig, options: GlmGraphOptions): Graph {
  const { dtype } = options;
  const blockOptions: BlockOptions = { dtype, quantization: options.quantization ?? 'none' };
  const b = new GraphBuilder(`${c.name}-model`);
  const ids = b.input(GLM_INPUTS.inputIds, 'i32', ['batch', 'seq']);
  const common = commonInputs(b, c);
  const embedding = b.param('transformer.word_embeddings.weight', dtype, [c.paddedVocabSize, c.hiddenSize]);
  let hidden: Value = b.op1('gather', [embedding, ids], { axis: 0 }, 'embedding');
  for (let layer = 0; layer < c.numLayers; layer++) {
    const out = glmBlock(b, c, layer, { hidden, ...common, ...cacheInputs(b, c, layer, dtype) }, blockOptions);
    b.output(GLM_OUTPUTS.presentKey(layer), out.presentKey);
    b.output(GLM_OUTPUTS.presentValue(layer), out.presentValue);
    hidden = out.hidden;
  }
  if (options.logits === 'last') hidden = b.op1('slice', [hidden], { axis: 1, start: -1 }, 'last_position');
  const finalWeight = b.param('transformer.final_layernorm.weight', dtype, [c.hiddenSize]);
  const finalBias = b.param('transformer.final_layernorm.bias', dtype, [c.hiddenSize]);
  const normed = b.op1('layer-norm', [hidden, finalWeight, finalBias], { eps: c.layerNormEps }, 'final_layernorm');
  const head = c.tiedOutput ? embedding : b.param('lm_head.weight', dtype, [c.paddedVocabSize, c.hiddenSize]);
  b.output(GLM_OUTPUTS.logits, b.op1('matmul', [normed, head], { transposeB: true }, 'logits'));
  return b.build();
}

/** One block on its own (block-level conformance, benchmarks): hidden in, hidden and cache out. */
export function buildGlmBlockGraph(c: GlmConfig, layer: number, options: GlmGraphOptions): Graph {
  const b = new GraphBuilder(`${c.name}-block-${layer}`);
  const hidden = b.input(GLM_OUTPUTS.hidden, options.dtype, ['batch', 'seq', c.hiddenSize]);
  const out = glmBlock(b, c, layer, { hidden, ...commonInputs(b, c), ...cacheInputs(b, c, layer, options.dtype) }, {
    dtype: options.dtype,
    quantization: options.quantization ?? 'none',
  });
  b.output(GLM_OUTPUTS.hidden, out.hidden);
  b.output(GLM_OUTPUTS.presentKey(layer), out.presentKey);
  b.output(GLM_OUTPUTS.presentValue(layer), out.presentValue);
  return b.build();
}

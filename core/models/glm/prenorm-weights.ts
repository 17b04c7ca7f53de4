/**
 * Names and shapes of the pre-norm (ChatGLM2/3, GLM-4) model's weights: THUDM's own names, as in the
 * chatglm2-6b, chatglm3-6b and glm-4-9b(-chat) checkpoints, so those map one to one
 * (docs/weights.md). The fused QKV rows are [q (heads·d) | k (kvHeads·d) | v (kvHeads·d)].
 * GLM-4-0414's sandwich norms (config `sandwichNorm`) take transformers' Glm4DecoderLayer names under the
 * same layer prefix: `post_self_attn_layernorm.weight` and `post_mlp_layernorm.weight`.
 */
import type { DType } from '../../tensor/dtype.js';
import { hasSandwichNorm, headDim, kvHeads, type GlmConfig } from './config.js';
import type { WeightQuantization, WeightSpec } from './weight-spec.js';

export const PRENORM_LINEARS = ['self_attention.query_key_value', 'self_attention.dense', 'mlp.dense_h_to_4h', 'mlp.dense_4h_to_h'] as const;
export type PrenormLinear = (typeof PRENORM_LINEARS)[number];

export const PRENORM_NAMES = {
  embedding: 'transformer.embedding.word_embeddings.weight',
  finalNorm: 'transformer.encoder.final_layernorm.weight',
  output: 'transformer.output_layer.weight',
} as const;

export function prenormLayerPrefix(layer: number): string {
  return `transformer.encoder.layers.${layer}`;
}

/** [out, in] of each of a block's four Linear layers. */
export function prenormLinearShapes(c: GlmConfig): Record<PrenormLinear, [number, number]> {
  const h = c.hiddenSize;
  const d = headDim(c);
  return {
    'self_attention.query_key_value': [(c.numHeads + 2 * kvHeads(c)) * d, h],
    'self_attention.dense': [h, c.numHeads * d],
    'mlp.dense_h_to_4h': [2 * c.ffnHiddenSize, h],
    'mlp.dense_4h_to_h': [h, c.ffnHiddenSize],
  };
}

export function prenormWeightSpecs(c: GlmConfig, dtype: DType, quantization: WeightQuantization): WeightSpec[] {
  const h = c.hiddenSize;
  const specs: WeightSpec[] = [{ name: PRENORM_NAMES.embedding, dtype, shape: [c.paddedVocabSize, h], init: 'normal' }];
  const weightDtype: DType = quantization === 'int8' ? 'i8' : quantization === 'int4' ? 'i4' : dtype;
  for (let layer = 0; layer < c.numLayers; layer++) {
    const p = prenormLayerPrefix(layer);
    specs.push({ name: `${p}.input_layernorm.weight`, dtype, shape: [h], init: 'ones' });
    for (const linear of PRENORM_LINEARS) {
      if (linear === 'mlp.dense_h_to_4h') specs.push({ name: `${p}.post_attention_layernorm.weight`, dtype, shape: [h], init: 'ones' });
      const [out, inner] = prenormLinearShapes(c)[linear];
      specs.push({ name: `${p}.${linear}.weight`, dtype: weightDtype, shape: [out, inner], init: 'normal' });
      if (quantization !== 'none') specs.push({ name: `${p}.${linear}.weight_scale`, dtype, shape: [out], init: 'ones' });
      if (linear === 'self_attention.query_key_value') specs.push({ name: `${p}.${linear}.bias`, dtype, shape: [out], init: 'zeros' });
    }
    if (hasSandwichNorm(c)) {
      specs.push({ name: `${p}.post_self_attn_layernorm.weight`, dtype, shape: [h], init: 'ones' });
      specs.push({ name: `${p}.post_mlp_layernorm.weight`, dtype, shape: [h], init: 'ones' });
    }
  }
  specs.push({ name: PRENORM_NAMES.finalNorm, dtype, shape: [h], init: 'ones' });
  specs.push({ name: PRENORM_NAMES.output, dtype, shape: [c.paddedVocabSize, h], init: 'normal' });
  return specs;
}

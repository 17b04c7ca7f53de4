/**
 * Names and shapes of every weight, following the release's SwissArmyTransformer names so that a
 * converted checkpoint maps one to one. docs/weights.md explains the layouts.
 */
import type { DType } from '../../tensor/dtype.js';
import { residualKind, upProjectionSize, type GlmConfig } from './config.js';
import { prenormWeightSpecs } from './prenorm-weights.js';
import type { WeightQuantization, WeightSpec } from './weight-spec.js';

export type { WeightQuantization, WeightSpec } from './weight-spec.js';

export const LINEARS = ['attention.query_key_value', 'attention.dense', 'mlp.dense_h_to_4h', 'mlp.dense_4h_to_h'] as const;

export function layerPrefix(layer: number): string {
  return `transformer.layers.${layer}`;
}

/** [out, in] of each of a block's four Linear layers. */
export function linearShapes(c: GlmConfig): Record<(typeof LINEARS)[number], [number, number]> {
  const h = c.hiddenSize;
  return {
    'attention.query_key_value': [3 * h, h],
    'attention.dense': [h, h],
    'mlp.dense_h_to_4h': [upProjectionSize(c), h],
    'mlp.dense_4h_to_h': [h, c.ffnHiddenSize],
  };
}

export function weightSpecs(c: GlmConfig, dtype: DType, quantization: WeightQuantization = 'none'): WeightSpec[] {
  if (residualKind(c) === 'pre-norm') return prenormWeightSpecs(c, dtype, quantization);
  const h = c.hiddenSize;
  const specs: WeightSpec[] = [{ name: 'transformer.word_embeddings.weight', dtype, shape: [c.paddedVocabSize, h], init: 'normal' }];
  const norm = (name: string) => {
    specs.push({ name: `${name}.weight`, dtype, shape: [h], init: 'ones' });
    specs.push({ name: `${name}.bias`, dtype, shape: [h], init: 'zeros' });
  };
  for (let layer = 0; layer < c.numLayers; layer++) {
    const p = layerPrefix(layer);
    const shapes = linearShapes(c);
    norm(`${p}.input_layernorm`);
    for (const linear of LINEARS) {
      if (linear === 'mlp.dense_h_to_4h') norm(`${p}.post_attention_layernorm`);
      const [out, inner] = shapes[linear];
      const weightDtype: DType = quantization === 'int8' ? 'i8' : quantization === 'int4' ? 'i4' : dtype;
      specs.push({ name: `${p}.${linear}.weight`, dtype: weightDtype, shape: [out, inner], init: 'normal' });
      if (quantization !== 'none') specs.push({ name: `${p}.${linear}.weight_scale`, dtype, shape: [out], init: 'ones' });
      specs.push({ name: `${p}.${linear}.bias`, dtype, shape: [out], init: 'zeros' });
    }
  }
  norm('transformer.final_layernorm');
  if (!c.tiedOutput) specs.push({ name: 'lm_head.weight', dtype, shape: [c.paddedVocabSize, h], init: 'normal' });
  return specs;
}

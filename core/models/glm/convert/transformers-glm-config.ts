/**
 * transformers' GlmForCausalLM (`model_type: glm`, e.g. THUDM/glm-4-9b-chat-hf) and Glm4ForCausalLM
 * (`glm4`, GLM-4-0414) config.json → the SDK's pre-norm GlmConfig (sandwichNorm for glm4), plus
 * whether the head is tied. Read from configuration_glm.py / configuration_glm4.py and their modeling
 * files: RMSNorm of rms_norm_eps, num_key_value_heads KV heads of head_dim, SwiGLU of
 * intermediate_size (hidden_act silu), q/k/v biases when attention_bias (else zeros), no o_proj bias, default rotary
 * of base rope_theta on partial_rotary_factor·head_dim dims (top-level keys, or inside
 * `rope_parameters` / `rope_scaling` as transformers 5 writes them). The SDK rotates half of each
 * head (partial_rotary_factor 0.5), head_dim = hidden_size / num_attention_heads and unscaled rotary
 * only: anything else is refused by name.
 */
import { GlmError } from '../../../errors.js';
import { checkConfig, CHATGLM2_6B, type GlmConfig } from '../config.js';
import type { HfConfigFields } from './hf-config-fields.js';

export interface TransformersGlmModel {
  readonly config: GlmConfig;
  readonly tiedOutput: boolean;
  /** attention_bias: the q/k/v biases are stored (else the SDK's QKV bias is zeros). */
  readonly attentionBias: boolean;
}

const ARCHITECTURES: Record<string, string> = { glm: 'GlmForCausalLM', glm4: 'Glm4ForCausalLM' };

export function transformersGlmConfig(f: HfConfigFields, modelType: 'glm' | 'glm4'): TransformersGlmModel {
  const architectures = f.raw['architectures'];
  if (Array.isArray(architectures) && !architectures.includes(ARCHITECTURES[modelType])) {
    throw new GlmError('unsupported', `${f.path}: architectures ${JSON.stringify(architectures)}: only ${ARCHITECTURES[modelType]} (with lm_head and the model. prefix) is read for model_type "${modelType}"`);
  }
  const act = f.raw['hidden_act'] ?? 'silu';
  if (act !== 'silu') throw new GlmError('unsupported', `${f.path}: "hidden_act" ${JSON.stringify(act)}: the block's SwiGLU uses silu`);
  const hidden = f.int('hidden_size');
  const heads = f.int('num_attention_heads');
  const headDim = f.int('head_dim', hidden / heads);
  if (headDim * heads !== hidden) throw new GlmError('unsupported', `${f.path}: "head_dim" ${headDim} × ${heads} heads ≠ hidden_size ${hidden}: a projected head size is not supported`);
  const rope = ropeFields(f);
  const vocab = f.int('vocab_size');
  const config: GlmConfig = {
    ...CHATGLM2_6B,
    name: f.name(modelType),
    numLayers: f.int('num_hidden_layers'),
    hiddenSize: hidden,
    numHeads: heads,
    numKvHeads: f.int('num_key_value_heads', heads),
    ffnHiddenSize: f.int('intermediate_size'),
    vocabSize: vocab,
    paddedVocabSize: vocab,
    maxSequenceLength: f.int('max_position_embeddings'),
    layerNormEps: f.positive('rms_norm_eps', 1.5625e-7),
    rotaryBase: rope.theta,
    ...(modelType === 'glm4' ? { sandwichNorm: true } : {}),
  };
  checkConfig(config, f.path);
  return { config, tiedOutput: f.bool('tie_word_embeddings', false), attentionBias: f.bool('attention_bias', true) };
}

/** rope_theta and partial_rotary_factor, top-level or in rope_parameters / rope_scaling; the rope type must be the default one. */
function ropeFields(f: HfConfigFields): { theta: number } {
  const nested = [f.raw['rope_parameters'], f.raw['rope_scaling']].filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v));
  const pick = (key: string): unknown => f.raw[key] ?? nested.map((n) => n[key]).find((v) => v !== undefined && v !== null);
  const type = pick('rope_type') ?? pick('type') ?? 'default';
  if (type !== 'default') throw new GlmError('unsupported', `${f.path}: rope type ${JSON.stringify(type)}: only the default (unscaled) rotary is supported`);
  const factor = f.positive('partial_rotary_factor', 0.5, pick('partial_rotary_factor'));
  if (factor !== 0.5) throw new GlmError('unsupported', `${f.path}: "partial_rotary_factor" ${factor}: the SDK's interleaved rotary covers half of each head (0.5)`);
  return { theta: f.positive('rope_theta', 10000, pick('rope_theta')) };
}

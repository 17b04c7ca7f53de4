/**
 * Which Hugging Face layout a folder holds, from its config.json, and the SDK config and name table
 * for it (docs/weights.md):
 * - `model_type: chatglm` with ChatGLM-6B's fields (position_encoding_2d, inner_hidden_size, …): the
 *   DeepNorm ChatGLM-6B, 2-D rotary, tanh-GeLU MLP, untied head, α = √56 whatever the layer count
 *   (THUDM's GLMBlock keeps its default num_layers=28; core/models/glm/config.ts);
 * - `model_type: chatglm` with ChatGLM2's fields (multi_query_attention, kv_channels, rmsnorm,
 *   padded_vocab_size, ffn_hidden_size): ChatGLM2-6B, ChatGLM3-6B, glm-4-9b (chatglm2-config.ts);
 * - `model_type: glm` / `glm4`: transformers' GlmForCausalLM / Glm4ForCausalLM (transformers-glm-config.ts).
 * A config with fields of both ChatGLM generations, or another model_type, is refused with one line.
 */
import { GlmError } from '../../../errors.js';
import { CHATGLM_6B, checkConfig, type GlmConfig } from '../config.js';
import { chatGlm2Config } from './chatglm2-config.js';
import { chatGlm2RotaryBase, type RopeRatioMeaning } from './rope-ratio-rule.js';
import { HfConfigFields } from './hf-config-fields.js';
import { CHATGLM_TABLE, type LayoutRow } from './layouts.js';
import { chatGlm2Table, transformersGlmTable } from './prenorm-layouts.js';
import { transformersGlmConfig } from './transformers-glm-config.js';

export interface HuggingFaceLayout {
  readonly config: GlmConfig;
  readonly table: readonly LayoutRow[];
  /** Names the layout in messages and in the converted config's "convertedFrom". */
  readonly layoutName: string;
}

const CHATGLM2_FIELDS = ['multi_query_attention', 'multi_query_group_num', 'kv_channels', 'rmsnorm', 'padded_vocab_size', 'ffn_hidden_size'];
const CHATGLM_6B_FIELDS = ['position_encoding_2d', 'inner_hidden_size', 'max_sequence_length'];

export interface HuggingFaceDeclarations {
  /** What a ChatGLM2-family rope_ratio means when the folder's modeling_chatglm.py does not say (rope-ratio-rule.ts). */
  readonly ropeRatioAppliesTo?: RopeRatioMeaning;
}

export async function huggingFaceLayout(folder: string, declared: HuggingFaceDeclarations = {}): Promise<HuggingFaceLayout> {
  const f = await HfConfigFields.read(folder);
  const modelType = f.raw['model_type'];
  if (modelType === 'glm' || modelType === 'glm4') {
    const { config, tiedOutput, attentionBias } = transformersGlmConfig(f, modelType);
    const sandwichNorm = modelType === 'glm4';
    return { config, table: transformersGlmTable({ sandwichNorm, tiedOutput, attentionBias }), layoutName: `Hugging Face transformers ${sandwichNorm ? 'Glm4ForCausalLM' : 'GlmForCausalLM'}` };
  }
  if (modelType !== 'chatglm') throw new GlmError('unsupported', `${f.path}: model_type ${JSON.stringify(modelType)} is not one of chatglm (ChatGLM-6B, ChatGLM2/3-6B, glm-4-9b), glm, glm4`);
  const v2 = CHATGLM2_FIELDS.filter((k) => f.has(k));
  const v1 = CHATGLM_6B_FIELDS.filter((k) => f.has(k));
  if (v2.length > 0 && v1.length > 0) {
    throw new GlmError('input', `${f.path}: mixes ChatGLM-6B fields (${v1.join(', ')}) with ChatGLM2/3 fields (${v2.join(', ')}): not a config either generation writes`);
  }
  if (v2.length > 0) {
    const rotaryBase = await chatGlm2RotaryBase(folder, f.path, f.positive('rope_ratio', 1), declared.ropeRatioAppliesTo);
    const { config, qkvBias } = chatGlm2Config(f, rotaryBase);
    return { config, table: chatGlm2Table(qkvBias), layoutName: 'Hugging Face ChatGLM2/3, GLM-4 (THUDM)' };
  }
  return { config: chatGlm6bConfig(f), table: CHATGLM_TABLE, layoutName: 'Hugging Face ChatGLM' };
}

/** THUDM/chatglm-6b's config.json → the SDK's ChatGLM-6B-style config. */
export function chatGlm6bConfig(f: HfConfigFields): GlmConfig {
  if (f.raw['position_encoding_2d'] === false) throw new GlmError('unsupported', `${f.path}: position_encoding_2d false is not a ChatGLM-6B model`);
  const hidden = f.int('hidden_size');
  const eps = f.raw['layernorm_epsilon'];
  const config: GlmConfig = {
    ...CHATGLM_6B,
    name: f.name('chatglm'),
    numLayers: f.int('num_layers'),
    hiddenSize: hidden,
    numHeads: f.int('num_attention_heads'),
    ffnHiddenSize: f.int('inner_hidden_size', 4 * hidden),
    vocabSize: f.int('vocab_size'),
    paddedVocabSize: f.int('vocab_size'),
    maxSequenceLength: f.int('max_sequence_length', CHATGLM_6B.maxSequenceLength),
    layerNormEps: typeof eps === 'number' && eps > 0 ? eps : CHATGLM_6B.layerNormEps,
  };
  checkConfig(config, f.path);
  return config;
}

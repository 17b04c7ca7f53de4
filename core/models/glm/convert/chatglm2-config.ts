/**
 * THUDM's ChatGLM2-6B / ChatGLM3-6B / glm-4-9b(-chat) config.json (`model_type: chatglm`,
 * ChatGLMForConditionalGeneration, remote code modeling_chatglm.py) → the SDK's pre-norm GlmConfig.
 * The block those files build: RMSNorm (`rmsnorm`), a bias on QKV only (`add_qkv_bias`, else none:
 * written as zeros; never `add_bias_linear`), multi_query_group_num KV groups when multi_query_attention, SwiGLU of
 * ffn_hidden_size, residual from the block input (apply_residual_connection_post_layernorm false), a
 * final RMSNorm (post_layer_norm), rotary on kv_channels/2 dims with base 10000·rope_ratio where
 * rope_ratio scales the base (rope-ratio-rule.ts: ChatGLM2-6B-32K's ratio divides positions
 * instead, and is refused). Any other switch value is a block
 * the SDK does not build: refused. `original_rope` is read by nothing in THUDM's forward pass: ignored.
 */
import { GlmError } from '../../../errors.js';
import { checkConfig, CHATGLM2_6B, type GlmConfig } from '../config.js';
import type { HfConfigFields } from './hf-config-fields.js';

/** The SDK config and whether the checkpoint stores the QKV bias (add_qkv_bias; without it the SDK's bias is zeros). */
export function chatGlm2Config(f: HfConfigFields, rotaryBase: number): { config: GlmConfig; qkvBias: boolean } {
  f.requireBool('rmsnorm', true, true, 'the pre-norm block uses RMSNorm');
  f.requireBool('add_bias_linear', false, false, 'only the QKV projection may have a bias');
  f.requireBool('apply_residual_connection_post_layernorm', false, false, 'the residual is the block input');
  f.requireBool('post_layer_norm', true, true, 'the model ends with the final RMSNorm');
  if (f.has('pre_seq_len')) throw new GlmError('unsupported', `${f.path}: "pre_seq_len": P-tuning v2 prefix encoders are not supported`);
  if (f.has('quantization_bit') && f.raw['quantization_bit'] !== 0) {
    throw new GlmError('unsupported', `${f.path}: "quantization_bit": THUDM's quantized checkpoints are not read; convert the float checkpoint and use --quantize or --quantization-bit-width`);
  }
  const hidden = f.int('hidden_size');
  const heads = f.int('num_attention_heads');
  const kvChannels = f.int('kv_channels', 128); // ChatGLMConfig's default
  if (kvChannels * heads !== hidden) throw new GlmError('unsupported', `${f.path}: "kv_channels" ${kvChannels} × ${heads} heads ≠ hidden_size ${hidden}: a projected head size is not supported`);
  const padded = f.int('padded_vocab_size');
  const config: GlmConfig = {
    ...CHATGLM2_6B,
    name: f.name('chatglm2'),
    numLayers: f.int('num_layers'),
    hiddenSize: hidden,
    numHeads: heads,
    numKvHeads: f.bool('multi_query_attention', false) ? f.int('multi_query_group_num') : heads,
    ffnHiddenSize: f.int('ffn_hidden_size'),
    vocabSize: padded,
    paddedVocabSize: padded,
    maxSequenceLength: f.int('seq_length', 2048), // ChatGLMConfig's default
    layerNormEps: f.positive('layernorm_epsilon', 1e-5),
    rotaryBase,
  };
  checkConfig(config, f.path);
  return { config, qkvBias: f.bool('add_qkv_bias', false) };
}

/**
 * The name tables of the pre-norm family's Hugging Face layouts (docs/weights.md lists the same):
 *
 * THUDM's ChatGLM2-6B, ChatGLM3-6B and glm-4-9b(-chat) (`ChatGLMForConditionalGeneration`, remote
 * code modeling_chatglm.py): the SDK's pre-norm names are THUDM's (core/models/glm/prenorm-weights.ts),
 * so every row maps a name to itself; `transformer.rotary_pos_emb.inv_freq` is dropped (the SDK
 * recomputes it from the config's base, 10000·rope_ratio).
 *
 * transformers' GlmForCausalLM (`model_type: glm`, e.g. THUDM/glm-4-9b-chat-hf) and Glm4ForCausalLM
 * (`glm4`, GLM-4-0414): separate q_proj, k_proj, v_proj (weights and biases) concatenated on the
 * output axis, in that order, into the SDK's query_key_value [q | k | v] — what transformers'
 * convert_glm_weights_to_hf.py split them from, with no permutation: its rotary (modeling_glm.py,
 * `rotate_half` over x[..., 0::2], x[..., 1::2] on the first partial_rotary_factor·head_dim dims with
 * repeat_interleave'd cos/sin) pairs the same neighbours (2i, 2i+1) as THUDM's and the SDK's
 * interleaved-rope. gate_up_proj is [gate | up] like dense_h_to_4h. Glm4 adds post_self_attn_layernorm
 * and post_mlp_layernorm (config sandwichNorm). A tied head (tie_word_embeddings) has no lm_head in
 * the checkpoint, or one that transformers ignores: the embedding becomes the output layer too. A
 * config without the QKV bias (add_qkv_bias / attention_bias false) stores none: the SDK's bias is
 * written as zeros (layouts.ts, merge rule 'zeros').
 */
import { PRENORM_NAMES } from '../prenorm-weights.js';
import type { LayoutRow } from './layouts.js';

const SDK_LAYER = 'transformer.encoder.layers.{i}';
const HF_LAYER = 'model.layers.{i}';

function same(name: string): LayoutRow {
  return { source: name, target: name, merge: 'replicated' };
}

/** The QKV bias when the config switches it off (add_qkv_bias / attention_bias false): zeros, the same computation. */
const ZERO_QKV_BIAS: LayoutRow = { source: '', target: `${SDK_LAYER}.self_attention.query_key_value.bias`, merge: 'zeros' };

/** THUDM's layout; `qkvBias`: add_qkv_bias (ChatGLM2/3, GLM-4 true). */
export function chatGlm2Table(qkvBias: boolean): LayoutRow[] {
  return [
    same(PRENORM_NAMES.embedding),
    ...['input_layernorm.weight', 'self_attention.query_key_value.weight', 'self_attention.dense.weight', 'post_attention_layernorm.weight', 'mlp.dense_h_to_4h.weight', 'mlp.dense_4h_to_h.weight'].map((n) => same(`${SDK_LAYER}.${n}`)),
    qkvBias ? same(`${SDK_LAYER}.self_attention.query_key_value.bias`) : ZERO_QKV_BIAS,
    same(PRENORM_NAMES.finalNorm),
    same(PRENORM_NAMES.output),
    { source: 'transformer.rotary_pos_emb.inv_freq', target: '', merge: 'drop' },
  ];
}

export interface TransformersGlmLayout {
  /** Glm4ForCausalLM: the two extra norms per layer. */
  readonly sandwichNorm: boolean;
  /** tie_word_embeddings: the output layer is the embedding. */
  readonly tiedOutput: boolean;
  /** attention_bias: q/k/v biases stored (else the SDK's QKV bias is zeros). */
  readonly attentionBias: boolean;
}

export function transformersGlmTable(layout: TransformersGlmLayout): LayoutRow[] {
  const layer = (source: string, target: string, part?: number): LayoutRow => ({ source: `${HF_LAYER}.${source}`, target: `${SDK_LAYER}.${target}`, merge: 'replicated', ...(part === undefined ? {} : { part }) });
  const rows: LayoutRow[] = [
    { source: 'model.embed_tokens.weight', target: PRENORM_NAMES.embedding, merge: 'replicated' },
    layer('input_layernorm.weight', 'input_layernorm.weight'),
    ...['q_proj', 'k_proj', 'v_proj'].flatMap((p, part) => (layout.attentionBias ? ['weight', 'bias'] : ['weight']).map((w) => layer(`self_attn.${p}.${w}`, `self_attention.query_key_value.${w}`, part))),
    ...(layout.attentionBias ? [] : [ZERO_QKV_BIAS]),
    layer('self_attn.o_proj.weight', 'self_attention.dense.weight'),
    layer('post_attention_layernorm.weight', 'post_attention_layernorm.weight'),
    layer('mlp.gate_up_proj.weight', 'mlp.dense_h_to_4h.weight'),
    layer('mlp.down_proj.weight', 'mlp.dense_4h_to_h.weight'),
    { source: `${HF_LAYER}.self_attn.rotary_emb.inv_freq`, target: '', merge: 'drop' },
    { source: 'model.norm.weight', target: PRENORM_NAMES.finalNorm, merge: 'replicated' },
  ];
  if (layout.sandwichNorm) rows.push(layer('post_self_attn_layernorm.weight', 'post_self_attn_layernorm.weight'), layer('post_mlp_layernorm.weight', 'post_mlp_layernorm.weight'));
  if (layout.tiedOutput) rows.push({ source: 'model.embed_tokens.weight', target: PRENORM_NAMES.output, merge: 'replicated' }, { source: 'lm_head.weight', target: '', merge: 'drop' });
  else rows.push({ source: 'lm_head.weight', target: PRENORM_NAMES.output, merge: 'replicated' });
  return rows;
}

/**
 * Test helper: Hugging Face checkpoints of the pre-norm family written from SDK weights, with names and
 * config fields written out here by hand from the published files — not from the converter's tables —
 * so a wrong table row cannot cancel against its own inverse:
 * - THUDM ChatGLM2/3, glm-4-9b (configuration_chatglm.py / modeling_chatglm.py): the same tensor names,
 *   plus the rotary buffer `transformer.rotary_pos_emb.inv_freq`;
 * - transformers GlmForCausalLM / Glm4ForCausalLM: renamed as convert_glm_weights_to_hf.py's
 *   STATE_DICT_MAPPING does, the fused QKV rows split into q_proj, k_proj, v_proj.
 * And the cpu-ref logits of SDK weights for the numpy fixtures' prefill inputs.
 */
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import plugin from '../../backends/cpu-ref/index.js';
import { runGraph } from '../../core/execute/run-graph.js';
import { readSafetensors } from '../../core/io/safetensors.js';
import { headDim, kvHeads, parseGlmConfig, type GlmConfig } from '../../core/models/glm/config.js';
import { buildGlmModelGraph, GLM_INPUTS, GLM_OUTPUTS } from '../../core/models/glm/graphs.js';
import type { WeightQuantization } from '../../core/models/glm/weight-spec.js';
import { prepareWeights } from '../../core/models/glm/weights.js';
import { fromFloat64, hostTensor, toFloat64, type HostTensor } from '../../core/tensor/host-tensor.js';
import { writeShards } from './checkpoint-folder.js';

const MODEL_FIXTURES = join(import.meta.dirname, '..', 'models', 'fixtures');

export interface PrenormFixture {
  readonly config: GlmConfig;
  /** As stored (F16 values), THUDM names. */
  readonly stored: Map<string, HostTensor>;
  readonly inputs: { input_ids: number[][]; position_ids: number[][]; context_lengths: number[] };
}

/** A numpy fixture of tests/models/fixtures (tools/numpy-glm/make_chatglm2_fixtures.py). */
export async function prenormFixture(name: string): Promise<PrenormFixture> {
  const json = JSON.parse(await readFile(join(MODEL_FIXTURES, `${name}.json`), 'utf8')) as { config: Record<string, unknown>; weights: string; prefill: { inputs: PrenormFixture['inputs'] } };
  const { tensors } = await readSafetensors(join(MODEL_FIXTURES, json.weights));
  return { config: parseGlmConfig(json.config, name), stored: new Map(tensors), inputs: json.prefill.inputs };
}

/** THUDM's config.json for an SDK pre-norm config (the keys ChatGLMConfig reads). */
export function thudmConfigJson(c: GlmConfig): Record<string, unknown> {
  return {
    architectures: ['ChatGLMModel'],
    model_type: 'chatglm',
    num_layers: c.numLayers,
    hidden_size: c.hiddenSize,
    num_attention_heads: c.numHeads,
    kv_channels: headDim(c),
    multi_query_attention: true,
    multi_query_group_num: kvHeads(c),
    ffn_hidden_size: c.ffnHiddenSize,
    padded_vocab_size: c.paddedVocabSize,
    seq_length: c.maxSequenceLength,
    layernorm_epsilon: c.layerNormEps,
    rmsnorm: true,
    add_qkv_bias: true,
    add_bias_linear: false,
    apply_residual_connection_post_layernorm: false,
    post_layer_norm: true,
    rope_ratio: c.rotaryBase / 10000,
    original_rope: true,
    torch_dtype: 'float16',
  };
}

/** transformers' config.json (GlmConfig / Glm4Config keys); `nestedRope`: rope_theta in rope_parameters as transformers 5 writes it. */
export function transformersConfigJson(c: GlmConfig, modelType: 'glm' | 'glm4', options: { tied?: boolean; nestedRope?: boolean } = {}): Record<string, unknown> {
  const rope = { rope_theta: c.rotaryBase, partial_rotary_factor: 0.5 };
  return {
    architectures: [modelType === 'glm' ? 'GlmForCausalLM' : 'Glm4ForCausalLM'],
    model_type: modelType,
    num_hidden_layers: c.numLayers,
    hidden_size: c.hiddenSize,
    num_attention_heads: c.numHeads,
    num_key_value_heads: kvHeads(c),
    head_dim: headDim(c),
    intermediate_size: c.ffnHiddenSize,
    vocab_size: c.paddedVocabSize,
    max_position_embeddings: c.maxSequenceLength,
    rms_norm_eps: c.layerNormEps,
    hidden_act: 'silu',
    attention_bias: true,
    tie_word_embeddings: options.tied === true,
    ...(options.nestedRope ? { rope_parameters: { rope_type: 'default', ...rope } } : rope),
    torch_dtype: 'float16',
  };
}

function rows(t: HostTensor, from: number, to: number): HostTensor {
  const width = t.shape.length === 2 ? t.shape[1]! : 1;
  const values = toFloat64(t).subarray(from * width, to * width);
  return fromFloat64(t.dtype, t.shape.length === 2 ? [to - from, width] : [to - from], values);
}

const LAYER_RENAMES: [string, string][] = [
  ['self_attention.dense.', 'self_attn.o_proj.'],
  ['mlp.dense_h_to_4h.', 'mlp.gate_up_proj.'],
  ['mlp.dense_4h_to_h.', 'mlp.down_proj.'],
];

/** SDK (THUDM) names → transformers' GlmForCausalLM names, QKV split into q, k, v; a tied head leaves lm_head out. */
export function toTransformersTensors(c: GlmConfig, sdk: ReadonlyMap<string, HostTensor>, tied = false): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  const d = headDim(c);
  for (const [name, t] of sdk) {
    if (name === 'transformer.embedding.word_embeddings.weight') out.set('model.embed_tokens.weight', t);
    else if (name === 'transformer.encoder.final_layernorm.weight') out.set('model.norm.weight', t);
    else if (name === 'transformer.output_layer.weight') {
      if (!tied) out.set('lm_head.weight', t);
    } else {
      const m = /^transformer\.encoder\.layers\.(\d+)\.(.+)$/.exec(name);
      if (!m) throw new Error(`unexpected SDK tensor ${name}`);
      const prefix = `model.layers.${m[1]}.`;
      const qkv = /^self_attention\.query_key_value\.(weight|bias)$/.exec(m[2]!);
      if (qkv) {
        const [q, k] = [c.numHeads * d, kvHeads(c) * d];
        out.set(`${prefix}self_attn.q_proj.${qkv[1]}`, rows(t, 0, q));
        out.set(`${prefix}self_attn.k_proj.${qkv[1]}`, rows(t, q, q + k));
        out.set(`${prefix}self_attn.v_proj.${qkv[1]}`, rows(t, q + k, q + 2 * k));
      } else {
        out.set(prefix + LAYER_RENAMES.reduce((n, [a, b]) => n.replace(a, b), m[2]!), t);
      }
    }
  }
  return out;
}

/** A Hugging Face folder: config.json and the tensors dealt round-robin into `shards` safetensors files with an index (0: one model.safetensors). */
export async function writeHfFolder(folder: string, config: Record<string, unknown>, tensors: ReadonlyMap<string, HostTensor>, shards: number): Promise<void> {
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'config.json'), JSON.stringify(config, null, 2));
  await writeShards(folder, tensors, shards);
}

const i32 = (r: number[][]) => hostTensor('i32', [r.length, r[0]!.length], Int32Array.from(r.flat()));

/** cpu-ref logits of a pre-norm model (f32 graph; weights already in the run dtype or quantized). */
export async function prenormLogits(c: GlmConfig, weights: ReadonlyMap<string, HostTensor>, inputs: PrenormFixture['inputs'], quantization: WeightQuantization = 'none'): Promise<Float64Array> {
  const batch = inputs.input_ids.length;
  const empty = hostTensor('f32', [batch, kvHeads(c), 0, headDim(c)]);
  const host: Record<string, HostTensor> = {
    ...Object.fromEntries(weights),
    [GLM_INPUTS.inputIds]: i32(inputs.input_ids),
    [GLM_INPUTS.positions]: i32(inputs.position_ids),
    [GLM_INPUTS.contextLengths]: hostTensor('i32', [batch], Int32Array.from(inputs.context_lengths)),
    [GLM_INPUTS.cacheIndex]: hostTensor('i32', [batch], Int32Array.from({ length: batch }, (_, i) => i)),
  };
  for (let l = 0; l < c.numLayers; l++) host[GLM_INPUTS.pastKey(l)] = host[GLM_INPUTS.pastValue(l)] = empty;
  const backend = await plugin.open();
  try {
    const graph = buildGlmModelGraph(c, { dtype: 'f32', logits: 'all', ...(quantization === 'none' ? {} : { quantization }) });
    return toFloat64((await runGraph(backend, graph, host))[GLM_OUTPUTS.logits]!);
  } finally {
    await backend.close();
  }
}

/** The fixture's weights in f32, as the SDK runs them unconverted. */
export function sdkWeights(f: PrenormFixture, stored: ReadonlyMap<string, HostTensor> = f.stored): Map<string, HostTensor> {
  return prepareWeights(f.config, stored, 'f32', 'none', 'fixture');
}

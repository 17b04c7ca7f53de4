/**
 * A Hugging Face ChatGLM config.json (THUDM/chatglm-6b) → the SDK's GlmConfig. ChatGLM-6B is a
 * GLM with 2-D rotary, a non-gated tanh-GeLU MLP and an untied head; DeepNorm's α is √56 whatever
 * the layer count, because THUDM's GLMBlock keeps its default num_layers=28 (core/models/glm/config.ts).
 * Later ChatGLM generations (multi-query attention, RMSNorm, SwiGLU) are a different model: refused.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GlmError } from '../../../errors.js';
import { CHATGLM_6B, checkConfig, type GlmConfig } from '../config.js';

export async function chatGlmConfig(folder: string): Promise<GlmConfig> {
  const path = join(folder, 'config.json');
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new GlmError('input', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'not valid JSON'}`);
  }
  if (r['model_type'] !== 'chatglm') throw new GlmError('unsupported', `${path}: model_type ${JSON.stringify(r['model_type'])} is not "chatglm"`);
  if (r['multi_query_attention'] !== undefined || r['kv_channels'] !== undefined || r['rmsnorm'] !== undefined) {
    throw new GlmError('unsupported', `${path}: a ChatGLM2/3-style config (multi-query attention, RMSNorm): only the ChatGLM-6B architecture is supported`);
  }
  if (r['position_encoding_2d'] === false) throw new GlmError('unsupported', `${path}: position_encoding_2d false is not a ChatGLM-6B model`);
  const int = (key: string): number => {
    const v = r[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new GlmError('input', `${path}: "${key}" must be a positive integer`);
    return v;
  };
  const hidden = int('hidden_size');
  const eps = r['layernorm_epsilon'];
  const config: GlmConfig = {
    ...CHATGLM_6B,
    name: typeof r['_name_or_path'] === 'string' ? String(r['_name_or_path']) : 'chatglm',
    numLayers: int('num_layers'),
    hiddenSize: hidden,
    numHeads: int('num_attention_heads'),
    ffnHiddenSize: r['inner_hidden_size'] === undefined ? 4 * hidden : int('inner_hidden_size'),
    vocabSize: int('vocab_size'),
    paddedVocabSize: int('vocab_size'),
    maxSequenceLength: r['max_sequence_length'] === undefined ? CHATGLM_6B.maxSequenceLength : int('max_sequence_length'),
    layerNormEps: typeof eps === 'number' && eps > 0 ? eps : CHATGLM_6B.layerNormEps,
  };
  checkConfig(config, path);
  return config;
}

/**
 * A tiny GLM-4-style model folder for chat tests: the pre-norm block (RMSNorm, 4 query heads over 2 KV
 * heads, half-interleaved rotary, SwiGLU, untied output), seeded random weights, and the GLM-4 BPE
 * tokenizer trained here (fixtures/glm4-tiny-tokenizer.model: 956 ranks + 14 special tokens = 970 ids).
 */
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSafetensors } from '../../core/io/safetensors.js';
import { parseGlmConfig } from '../../core/models/glm/config.js';
import { randomWeights } from '../../core/models/glm/weights.js';

export const TINY_GLM4_TOKENIZER = fileURLToPath(new URL('./fixtures/glm4-tiny-tokenizer.model', import.meta.url));

export const TINY_GLM4_CONFIG = {
  name: 'tiny-glm4-chat',
  numLayers: 2,
  hiddenSize: 64,
  numHeads: 4,
  numKvHeads: 2,
  ffnHiddenSize: 96,
  layerNormEps: 1.5625e-7,
  rotaryBase: 10000,
  vocabSize: 970,
  paddedVocabSize: 976,
  maxSequenceLength: 512,
  rotary: '1d',
  mlp: 'swiglu',
  tiedOutput: false,
  residual: 'pre-norm',
  rotaryPairing: 'half-interleaved',
  tokenizer: 'glm4-bpe',
};

/** Writes the folder (sizes: e.g. a wider model whose replies take long enough to interrupt) (config.json, model.safetensors, tokenizer.model) and returns its path. */
export async function writeTinyGlm4Model(seed = 7, sizes: Partial<typeof TINY_GLM4_CONFIG> = {}): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'glm-chat-tiny-'));
  const raw = { ...TINY_GLM4_CONFIG, ...sizes };
  const config = parseGlmConfig(raw, 'tiny GLM-4 config');
  await writeFile(join(folder, 'config.json'), JSON.stringify(raw, null, 2));
  await writeSafetensors(join(folder, 'model.safetensors'), randomWeights(config, 'f32', seed));
  await copyFile(TINY_GLM4_TOKENIZER, join(folder, 'tokenizer.model'));
  return folder;
}

/**
 * Where a model comes from: the built-in default, or a folder holding `config.json` and
 * `model.safetensors`. Both give a checked config, weights in the run dtype and a tokenizer.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../package-root.js';
import { GlmError } from '../../errors.js';
import type { DType } from '../../tensor/dtype.js';
import type { HostTensor } from '../../tensor/host-tensor.js';
import { ByteTokenizer } from '../../io/byte-tokenizer.js';
import { SentencePieceTokenizer } from '../../io/sentencepiece/index.js';
import { Glm4Tokenizer } from '../../io/bpe/glm4-tokenizer.js';
import { ChatGlm6bTokenizer } from '../../io/chatglm/chatglm6b-tokenizer.js';
import { ChatGlm2Tokenizer } from '../../io/chatglm/chatglm2-tokenizer.js';
import type { Tokenizer } from '../../io/tokenizer.js';
import { parseGlmConfig, TINY, type GlmConfig } from './config.js';
import { prepareWeights, quantizeWeights, randomWeights } from './weights.js';
import { loadWeightFiles, type LoadProgress } from './weights-files.js';
import type { WeightQuantization } from './weights-layout.js';

export interface LoadedModel {
  readonly config: GlmConfig;
  readonly weights: ReadonlyMap<string, HostTensor>;
  readonly tokenizer: Tokenizer;
  readonly quantization: WeightQuantization;
  /** One line for humans: what this model is and where it came from. */
  readonly description: string;
}

/** The seed of the `tiny-random` model's weights. */
export const DEFAULT_MODEL_SEED = 1234;

/**
 * The default model: glm-tiny, trained with GLM's blank-infilling objective on Debian's English and
 * Chinese fortunes (docs/tiny-model.md), shipped in the package's models/ folder.
 */
export const DEFAULT_MODEL_FOLDER = join(packageRoot(), 'models', 'glm-tiny');

/** How weights are loaded: the release's quantization flags and a progress callback. */
export interface ModelLoadOptions {
  /** `--quantization-bit-width`: quantize the block Linears at load (or, with a quantized checkpoint, the width it must have). */
  readonly quantizationBitWidth?: 8 | 4;
  /** `--from-quantized-checkpoint`: the folder holds pre-quantized weights (glm convert --quantize). */
  readonly fromQuantizedCheckpoint?: boolean;
  readonly onProgress?: (p: LoadProgress) => void;
}

export function defaultModel(dtype: DType, options: ModelLoadOptions = {}): Promise<LoadedModel> {
  return loadModelFolder(DEFAULT_MODEL_FOLDER, dtype, options);
}

/** What the checkpoint stores and what to quantize at load, from its config and the flags. */
export function resolveQuantization(stored: WeightQuantization, options: ModelLoadOptions, source: string): { quantizeAtLoad?: 'int8' | 'int4'; result: WeightQuantization } {
  const requested = options.quantizationBitWidth === undefined ? undefined : (`int${options.quantizationBitWidth}` as const);
  if (options.fromQuantizedCheckpoint) {
    if (stored === 'none') throw new GlmError('usage', `--from-quantized-checkpoint: ${source} holds unquantized weights (its "quantization" is none)`);
    if (requested && requested !== stored) throw new GlmError('usage', `--quantization-bit-width ${options.quantizationBitWidth} does not match ${source}, which is ${stored}`);
    return { result: stored };
  }
  if (!requested) return { result: stored };
  if (stored !== 'none') throw new GlmError('usage', `${source} is already ${stored}: pass --from-quantized-checkpoint to load it`);
  return { quantizeAtLoad: requested, result: requested };
}

/** The `tiny` config with seeded random weights and the byte tokenizer: instant, for tests and plumbing. */
export function tinyRandomModel(dtype: DType, options: ModelLoadOptions = {}): LoadedModel {
  const { quantizeAtLoad, result } = resolveQuantization('none', options, 'the tiny-random model');
  const weights = prepareWeights(TINY, randomWeights(TINY, 'f32', DEFAULT_MODEL_SEED), dtype, 'none', 'built-in tiny model');
  return {
    config: TINY,
    weights: quantizeAtLoad ? quantizeWeights(TINY, weights, quantizeAtLoad, dtype) : weights,
    tokenizer: new ByteTokenizer(),
    quantization: result,
    description: `"tiny-random" GLM (${TINY.numLayers} layers, hidden ${TINY.hiddenSize}), seeded random weights (seed ${DEFAULT_MODEL_SEED}), byte tokenizer`,
  };
}

/**
 * The tokenizer a model folder names: "bytes" (UTF-8 bytes), "sentencepiece" (the folder's
 * tokenizer.model, control tokens as its own pieces) or "icetk" (the folder's ice_text.model, in
 * GLM-130B's layout: text id = piece id + 20000), "glm4-bpe" (the folder's tokenizer.model as GLM-4's
 * base64 ranks, core/io/bpe/), "chatglm-6b" (ice_text.model, ChatGLM-6B's layout) or "chatglm2" /
 * "chatglm3" (tokenizer.model with THUDM's special tokens after its pieces; core/io/chatglm/).
 */
async function tokenizerFor(name: unknown, folder: string, source: string): Promise<Tokenizer> {
  if (name === undefined || name === 'bytes') return new ByteTokenizer();
  if (name === 'sentencepiece') return SentencePieceTokenizer.load(join(folder, 'tokenizer.model'));
  if (name === 'icetk') return SentencePieceTokenizer.load(join(folder, 'ice_text.model'), { layout: { kind: 'icetk' } });
  if (name === 'glm4-bpe') return Glm4Tokenizer.load(join(folder, 'tokenizer.model'));
  if (name === 'chatglm-6b') return ChatGlm6bTokenizer.load(join(folder, 'ice_text.model'));
  if (name === 'chatglm2' || name === 'chatglm3') return ChatGlm2Tokenizer.load(join(folder, 'tokenizer.model'), name);
  throw new GlmError('input', `${source}: tokenizer ${JSON.stringify(name)} is not supported (supported: "bytes", "sentencepiece", "icetk", "glm4-bpe", "chatglm-6b", "chatglm2", "chatglm3")`);
}

/** A folder with config.json and model.safetensors, or shards listed by model.safetensors.index.json. */
export async function loadModelFolder(folder: string, dtype: DType, options: ModelLoadOptions = {}): Promise<LoadedModel> {
  const configPath = join(folder, 'config.json');
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (e) {
    throw new GlmError('input', `cannot read model config ${configPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new GlmError('input', `${configPath}: not valid JSON (${(e as Error).message})`);
  }
  const config = parseGlmConfig(raw, configPath);
  const extra = raw as Record<string, unknown>;
  const stored = (extra['quantization'] ?? 'none') as WeightQuantization;
  if (!['none', 'int8', 'int4'].includes(stored)) throw new GlmError('input', `${configPath}: "quantization" must be none, int8 or int4`);
  const { quantizeAtLoad, result: quantization } = resolveQuantization(stored, options, folder);
  const tokenizer = await tokenizerFor(extra['tokenizer'], folder, configPath);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new GlmError('input', `${configPath}: tokenizer has ${tokenizer.vocabSize} ids, the model's vocabulary only ${config.vocabSize}`);
  }
  const weights = await loadWeightFiles(folder, config, {
    dtype,
    stored,
    ...(quantizeAtLoad ? { quantizeAtLoad } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return {
    config,
    weights,
    tokenizer,
    quantization,
    description: `${config.name} from ${folder}${quantizeAtLoad ? ` (${quantizeAtLoad} weight-only, quantized at load)` : ''}`,
  };
}

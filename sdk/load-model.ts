/**
 * Loading a model by the name the CLI's --model takes: "default" (or nothing: the shipped glm-tiny),
 * "tiny-random" (seeded random weights, byte tokenizer) or a folder with config.json and
 * model.safetensors (or a sharded index). The result remembers its storage dtype, so a session opened
 * on it agrees. `glm run` and `glm evaluate` load through it.
 */
import { defaultModel, loadModelFolder, tinyRandomModel, type LoadedModel, type ModelLoadOptions } from '../core/models/glm/load-model.js';
import { GlmError } from '../core/errors.js';
import type { DType } from '../core/tensor/dtype.js';

export interface Model extends LoadedModel {
  /** Storage dtype of weights and activations. */
  readonly dtype: DType;
}

export interface LoadModelOptions extends ModelLoadOptions {
  /** f32 (default), f16 or bf16. */
  readonly dtype?: DType;
}

const MODEL_DTYPES: readonly DType[] = ['f32', 'f16', 'bf16'];

export async function loadModel(spec: string = 'default', options: LoadModelOptions = {}): Promise<Model> {
  const { dtype = 'f32', ...load } = options;
  if (!MODEL_DTYPES.includes(dtype)) throw new GlmError('usage', `model dtype must be one of ${MODEL_DTYPES.join(', ')}, got ${JSON.stringify(dtype)}`);
  if (typeof spec !== 'string' || spec === '') throw new GlmError('usage', 'loadModel: the model is "default", "tiny-random" or a folder path');
  const loaded =
    spec === 'default' ? await defaultModel(dtype, load) : spec === 'tiny-random' ? tinyRandomModel(dtype, load) : await loadModelFolder(spec, dtype, load);
  return { ...loaded, dtype };
}

/** The --model option shared by run and evaluate: "default" (or absent), "tiny-random", or a model folder. */
import { defaultModel, loadModelFolder, tinyRandomModel, type LoadedModel } from '../core/models/glm/load-model.js';
import type { DType } from '../core/tensor/dtype.js';

export async function loadModel(spec: string | undefined, dtype: DType): Promise<LoadedModel> {
  if (spec === undefined || spec === 'default') return defaultModel(dtype);
  if (spec === 'tiny-random') return tinyRandomModel(dtype);
  return loadModelFolder(spec, dtype);
}

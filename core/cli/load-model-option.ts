/** The --model option shared by run and evaluate: "default" (or absent) or a model folder. */
import { builtinDefaultModel, loadModelFolder, type LoadedModel } from '../models/glm/load-model.js';
import type { DType } from '../tensor/dtype.js';

export async function loadModel(spec: string | undefined, dtype: DType): Promise<LoadedModel> {
  return spec === undefined || spec === 'default' ? builtinDefaultModel(dtype) : loadModelFolder(spec, dtype);
}

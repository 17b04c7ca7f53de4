/**
 * The model options shared by run and evaluate: --model "default" (or absent), "tiny-random", or a
 * model folder; the release's --quantization-bit-width 8|4 and --from-quantized-checkpoint; --progress.
 */
import type { LoadedModel, ModelLoadOptions } from '../core/models/glm/load-model.js';
import { loadModel as loadSdkModel } from '../sdk/load-model.js';
import type { DType } from '../core/tensor/dtype.js';
import { GlmError } from '../core/errors.js';
import { loadProgressBar } from './load-progress.js';

/** parseArgs declarations of the loading flags (spread into a command's OPTIONS). */
export const MODEL_LOAD_OPTIONS = {
  'quantization-bit-width': { type: 'string' },
  'from-quantized-checkpoint': { type: 'boolean' },
  progress: { type: 'boolean' },
} as const;

export const MODEL_LOAD_HELP = `  --quantization-bit-width 8|4   quantize the block Linears to weight-only INT8/INT4 at load
                             (the release's per-row scheme); with a pre-quantized folder, its width
  --from-quantized-checkpoint the folder holds weights quantized by glm convert --quantize
  --progress                 draw the loading progress bar even when stderr is not a terminal`;

export interface ModelLoadFlags {
  'quantization-bit-width'?: string;
  'from-quantized-checkpoint'?: boolean;
  progress?: boolean;
}

/** Checked before anything is loaded: a bad width is a usage error. */
export function quantizationBitWidth(raw: string | undefined): 8 | 4 | undefined {
  if (raw === undefined) return undefined;
  if (raw !== '8' && raw !== '4') throw new GlmError('usage', `--quantization-bit-width must be 8 or 4, got "${raw}"`);
  return raw === '8' ? 8 : 4;
}

export async function loadModel(spec: string | undefined, dtype: DType, flags: ModelLoadFlags = {}): Promise<LoadedModel> {
  const width = quantizationBitWidth(flags['quantization-bit-width']);
  const base: ModelLoadOptions = {
    ...(width ? { quantizationBitWidth: width } : {}),
    ...(flags['from-quantized-checkpoint'] ? { fromQuantizedCheckpoint: true } : {}),
  };
  if (spec === 'tiny-random') return loadSdkModel(spec, { dtype, ...base });
  const bar = loadProgressBar(`loading ${spec ?? 'the default model'}`, flags.progress === true);
  try {
    const options = bar ? { ...base, onProgress: bar.onProgress } : base;
    return await loadSdkModel(spec ?? 'default', { dtype, ...options });
  } finally {
    bar?.stop();
  }
}

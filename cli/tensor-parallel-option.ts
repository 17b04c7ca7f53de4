/**
 * `--tensor-parallel N` (the release's `--model-parallel-size N`): split the model over N ranks of the
 * backend (core/session/open-session.ts). Checked against the model before any backend is opened; the
 * session is opened like any other (cli/open-session.ts through sdk/session.ts's `tensorParallel`).
 */
import { GlmError } from '../core/errors.js';
import type { LoadedModel } from '../core/models/glm/load-model.js';
import { checkTensorParallel } from '../core/passes/shard-layout.js';
import { intOption } from './options.js';

export const TENSOR_PARALLEL_OPTIONS = {
  'tensor-parallel': { type: 'string' },
  'model-parallel-size': { type: 'string' },
} as const;

export const TENSOR_PARALLEL_HELP = `  --tensor-parallel N        split the model over N ranks of the backend (Megatron-style;
                             N must divide the heads, FFN width and padded vocabulary) (1)
  --model-parallel-size N    the release's name for --tensor-parallel`;

/** The ranks asked for by either spelling (1 when neither); both given must agree. */
export function tensorParallelSize(values: { 'tensor-parallel'?: string | undefined; 'model-parallel-size'?: string | undefined }): number {
  const a = intOption('tensor-parallel', values['tensor-parallel'], 1, 1);
  const b = intOption('model-parallel-size', values['model-parallel-size'], 1, 1);
  if (values['tensor-parallel'] !== undefined && values['model-parallel-size'] !== undefined && a !== b) {
    throw new GlmError('usage', `--tensor-parallel ${a} and --model-parallel-size ${b} disagree (they are the same option)`);
  }
  return values['tensor-parallel'] !== undefined ? a : b;
}

/** Check N against the model (cheap, before the backend is opened). */
export function checkTensorParallelOption(model: LoadedModel, worldSize: number, allowCpuFallback: boolean): void {
  checkTensorParallel(model.config, worldSize);
  if (worldSize > 1 && allowCpuFallback) throw new GlmError('usage', '--allow-cpu-fallback cannot be combined with --tensor-parallel');
}

/**
 * `--tensor-parallel N` (the release's `--model-parallel-size N`): split the model over N ranks of the
 * backend (core/session/open-session.ts). Checked against the model before any backend is opened; the
 * session is opened here (not through sdk/session.ts, whose Session holds one rank) and says on stderr
 * where its results come from, as a single-rank session does.
 */
import { GlmError } from '../core/errors.js';
import type { LoadedModel } from '../core/models/glm/load-model.js';
import type { DType } from '../core/tensor/dtype.js';
import { checkTensorParallel } from '../core/passes/shard-layout.js';
import { openGlmSession, type GlmSession } from '../core/session/open-session.js';
import { openBackend } from '../backends/registry.js';
import { intOption } from './options.js';

export const TENSOR_PARALLEL_OPTIONS = {
  'tensor-parallel': { type: 'string' },
  'model-parallel-size': { type: 'string' },
} as const;

export const TENSOR_PARALLEL_HELP = `  --tensor-parallel N        split the model over N ranks of the backend (Megatron-style;
                             N must divide the heads, FFN width and padded vocabulary) (1)
  --model-parallel-size N    the release's name for --tensor-parallel`;

const EXECUTION_WORDS = { hardware: 'real hardware', emulator: 'an EMULATOR (not real hardware)', reference: 'the CPU reference' } as const;

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

export async function openTensorParallelSession(model: LoadedModel, backendSpec: string, dtype: DType, worldSize: number, cacheCapacity: number): Promise<{ session: GlmSession; close(): Promise<void> }> {
  const { backend, probe } = await openBackend(backendSpec);
  let session: GlmSession;
  try {
    session = await openGlmSession(backend, model.config, model.weights, { dtype, quantization: model.quantization, cacheCapacity, tensorParallel: worldSize });
  } catch (e) {
    await backend.close();
    throw e;
  }
  console.error(`glm: model ${model.description}; dtype ${dtype}`);
  console.error(`glm: backend ${backend.name} on ${backend.device}, ${worldSize} tensor-parallel ranks — results from ${EXECUTION_WORDS[probe.execution]}`);
  for (const note of session.plan.decomposed) console.error(`glm: ${note.node} (${note.op}) runs as its decomposition: ${note.reason}`);
  return {
    session,
    async close() {
      await session.close();
      await backend.close();
    },
  };
}

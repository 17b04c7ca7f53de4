/**
 * What `glm run` and `glm evaluate` share: open the backend (strict, or with the explicit CPU
 * fallback), compile the model once, and say on stderr where results come from and what runs where.
 */
import type { LoadedModel } from '../core/models/glm/load-model.js';
import type { Backend } from '../core/backend-api/plugin-contract.js';
import type { GlmSession } from '../core/session/open-session.js';
import type { DType } from '../core/tensor/dtype.js';
import { Session } from '../sdk/session.js';

export interface OpenedSession {
  readonly session: GlmSession;
  readonly backend: Backend;
  /** The library's session around it (what sdk's chat and generate take). */
  readonly library: Session;
  close(): Promise<void>;
}

const EXECUTION_WORDS = { hardware: 'real hardware', emulator: 'an EMULATOR (not real hardware)', reference: 'the CPU reference' } as const;

const MIB = 2 ** 20;

/**
 * `cacheCapacity`: tokens per row the KV cache must hold (the model's maximum when absent);
 * `tensorParallel`: ranks the model is split over (--tensor-parallel; 1 when absent).
 */
export async function openModelSession(
  model: LoadedModel,
  backendSpec: string,
  dtype: DType,
  allowCpuFallback: boolean,
  cacheCapacity?: number,
  tensorParallel = 1,
): Promise<OpenedSession> {
  const opened = await Session.open({ ...model, dtype }, { backend: backendSpec, allowCpuFallback, tensorParallel, ...(cacheCapacity === undefined ? {} : { cacheCapacity }) });
  const session = opened.modelSession;
  const backend = opened.backend;
  const ranks = tensorParallel > 1 ? `, ${tensorParallel} tensor-parallel ranks` : '';
  console.error(`glm: model ${model.description}; dtype ${dtype}`);
  console.error(`glm: backend ${backend.name} on ${backend.device}${ranks} — results from ${EXECUTION_WORDS[backend.execution]}`);
  for (const note of session.plan.decomposed) console.error(`glm: ${note.node} (${note.op}) runs as its decomposition: ${note.reason}`);
  const split = session.split;
  if (split) {
    const ops = [...new Set(split.fallbackNodes.map((n) => n.op))].join(', ');
    console.error(`glm: CPU FALLBACK (--allow-cpu-fallback): ${split.fallbackNodes.length} node(s) run on ${split.fallback}, ${split.backendNodeCount} on ${split.backend}, in ${split.segments} segments; ops on ${split.fallback}: ${ops}`);
    for (const n of split.fallbackNodes) console.error(`glm:   ${n.node} (${n.op}) on ${split.fallback}: ${n.reason}`);
  }
  return {
    session,
    backend,
    library: opened,
    async close() {
      const line = deviceMemoryLine(backend.name, session);
      if (line) console.error(line);
      await opened.close();
    },
  };
}

/**
 * The device memory the session's backends reached at their peak, beside what its weights and cache
 * need: one backend's, or with tensor parallelism each rank's (its own device), summed and per rank.
 */
function deviceMemoryLine(name: string, session: GlmSession): string | undefined {
  const peaks: number[] = [];
  for (const b of session.deviceBackends) {
    const usage = b.memory.usage?.();
    if (!usage) return undefined;
    peaks.push(usage.peakBytes);
  }
  const mib = (n: number) => (n / MIB).toFixed(1);
  const total = peaks.reduce((a, b) => a + b, 0);
  const ranks = peaks.length > 1 ? `, ${peaks.map(mib).join(' + ')} MiB over ${peaks.length} ranks` : '';
  return `glm: ${name} device memory: peak ${mib(total)} MiB${ranks} (weights ${mib(session.weightBytes)} MiB, KV cache ${mib(session.cacheBytes)} MiB)`;
}

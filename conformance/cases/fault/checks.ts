/**
 * What a fault case checks after provoking a failure, each a sentence for the report or null:
 * - the error: a GlmError (by brand, any SDK copy) of the expected kind, one line, naming the failed
 *   operation (the graph node and its op for a launch, the runtime call for an allocation or a
 *   synchronisation, the transfer for a DMA);
 * - device memory: the device's live allocations back to what they were (a leaked buffer, arena,
 *   workspace or constant fails);
 * - the session: the calls after the failure give the clean run's logits bit for bit (a KV cache
 *   half-updated by the failed call, or state left behind, shows as a difference).
 */
import { isGlmError, type ErrorKind } from '../../../core/errors.js';
import type { AllocationStats, FaultKind } from '../../../core/backend-api/fault-injection.js';
import { OP_NAMES } from '../../../core/ir/ops/op-names.js';
import { firstDifference } from './greedy-run.js';

/** How a message names the failed operation, per fault kind. */
const NAMES_THE_OPERATION: Readonly<Record<FaultKind, { readonly test: (message: string) => boolean; readonly what: string }>> = {
  alloc: { test: (m) => /alloc|out of (device )?memory/i.test(m) && /\d/.test(m), what: 'the allocation call and its size' },
  launch: { test: (m) => OP_NAMES.some((op) => new RegExp(`(^|[^\\w-])${op.replace(/-/g, '\\-')}([^\\w-]|$)`).test(m)), what: 'the graph op whose launch failed' },
  // cudaStreamSynchronize, aclrtSynchronizeStream, athread_join (Sunway waits for its core groups).
  sync: { test: (m) => /synchroni[sz]|\bathread_join/i.test(m), what: 'the synchronisation call' },
  dma: { test: (m) => /dma/i.test(m), what: 'the DMA transfer' },
};

/** Null when `error` is what users rely on: a GlmError of kind `kind`, one line, naming the operation. */
export function errorProblem(error: unknown, kinds: readonly ErrorKind[], fault: FaultKind): string | null {
  if (error === undefined) return `no error: the armed ${fault} fault did not surface`;
  if (!isGlmError(error)) return `not a GlmError: ${String((error as Error)?.message ?? error).split('\n')[0]}`;
  if (!kinds.includes(error.code)) return `a GlmError of kind "${error.code}", expected ${kinds.map((k) => `"${k}"`).join(' or ')}: ${error.message}`;
  if (error.message.includes('\n')) return `the message is not one line: ${JSON.stringify(error.message.slice(0, 200))}`;
  const names = NAMES_THE_OPERATION[fault];
  if (!names.test(error.message)) return `the message does not name ${names.what}: ${error.message}`;
  return null;
}

/** Null when the device holds what it held before. */
export function leakProblem(before: AllocationStats, after: AllocationStats, when: string): string | null {
  if (after.liveAllocations === before.liveAllocations && after.liveBytes === before.liveBytes) return null;
  const bytes = after.liveBytes - before.liveBytes;
  const count = after.liveAllocations - before.liveAllocations;
  return `device memory ${when}: ${count >= 0 ? '+' : ''}${count} allocation(s), ${bytes >= 0 ? '+' : ''}${bytes} bytes against before the case (a leak)`;
}

/** Null when call `k` gave the clean run's logits exactly. */
export function logitsProblem(k: number, got: Float32Array, clean: Float32Array, after: string): string | null {
  const at = firstDifference(got, clean);
  if (at < 0) return null;
  const call = k === 0 ? 'the prefill' : `decode step ${k}`;
  return `${call} ${after} differs from the clean run at logit ${at} (${got[at]} vs ${clean[at]}): the session or its KV cache kept state from the failure`;
}

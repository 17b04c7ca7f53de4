/**
 * Deliberately broken versions of a fault-injecting backend, for the fault cases' mutation tests: each
 * breaks one thing users rely on after a device failure, and the fault case that checks it must fail.
 *   leak        the first free after a fault is armed never reaches the device (an error path that
 *               forgets a buffer);
 *   plain-error a failed run or allocation surfaces as a plain Error, not a GlmError;
 *   corrupt-cache a failed run scribbles over the first layer's KV cache before it throws (a cache left
 *               half-updated);
 *   deaf-switch arming a fault does nothing (a switch that is not wired to the device);
 *   wrong-kind  a failed run is reported as a GlmError of kind 'input' (a user would blame their data);
 *   two-lines   the error carries a second line (a stack or a dump) in its message;
 *   anonymous   the error says only that the device failed, not which operation.
 */
import type { Backend, BackendMemory, Executable } from '../../core/backend-api/plugin-contract.js';
import { allocationsOf, faultsOf, type FaultInjection } from '../../core/backend-api/fault-injection.js';
import { GlmError } from '../../core/errors.js';
import { GLM_INPUTS } from '../../core/models/glm/graphs.js';

export type Mutation = 'leak' | 'plain-error' | 'corrupt-cache' | 'deaf-switch' | 'wrong-kind' | 'two-lines' | 'anonymous';

function plain<T>(work: () => T): T {
  try {
    return work();
  } catch (e) {
    throw new Error((e as Error).message);
  }
}

export function mutant(backend: Backend, mutation: Mutation): Backend {
  const faults = faultsOf(backend)!;
  const allocations = allocationsOf(backend.memory)!;
  let armed = false;
  let leaked = false;
  const memory: BackendMemory & { allocations: typeof allocations } = {
    allocate: (n) => (mutation === 'plain-error' ? plain(() => backend.memory.allocate(n)) : backend.memory.allocate(n)),
    free: (b) => {
      if (mutation === 'leak' && armed && !leaked) {
        leaked = true;
        return;
      }
      backend.memory.free(b);
    },
    write: (b, o, bytes) => backend.memory.write(b, o, bytes),
    read: (b, o, n) => backend.memory.read(b, o, n),
    allocations,
  };
  const switched: FaultInjection = {
    kinds: faults.kinds,
    absent: faults.absent,
    arm: (kind, n) => {
      if (n > 0) armed = true;
      faults.arm(kind, mutation === 'deaf-switch' ? 0 : n);
    },
    counts: () => faults.counts(),
  };
  const wrapExecutable = (inner: Executable): Executable => {
    const onFailure = async (e: unknown, inputs: Record<string, unknown>): Promise<never> => {
      const cache = inputs[GLM_INPUTS.pastKey(0)] as { buffer: Parameters<BackendMemory['write']>[0] } | undefined;
      if (mutation === 'corrupt-cache' && cache) await backend.memory.write(cache.buffer, 0, new Uint8Array(64).fill(0x3f));
      const message = (e as Error).message;
      if (mutation === 'plain-error') throw new Error(message);
      if (mutation === 'wrong-kind') throw new GlmError('input', message);
      if (mutation === 'two-lines') throw new GlmError('backend', `${message}\n    at the device`);
      if (mutation === 'anonymous') throw new GlmError('backend', 'the device failed');
      throw e;
    };
    return {
      run: (bindings) => inner.run(bindings).catch((e) => onFailure(e, bindings.inputs)),
      ...(inner.runStep ? { runStep: (bindings, transfers) => inner.runStep!(bindings, transfers).catch((e) => onFailure(e, bindings.inputs)) } : {}),
      dispose: () => inner.dispose(),
    };
  };
  return {
    ...backend,
    memory,
    compile: async (plan) => wrapExecutable(await backend.compile(plan)),
    faults: switched,
  } as Backend;
}

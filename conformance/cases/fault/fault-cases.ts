/**
 * The `fault/` group: a device failure in the middle of a generation, provoked through the emulator's
 * injection switch (backend.faults, GLM_FAULT), and what users rely on afterwards — a GlmError of the
 * right kind in one line naming the failed operation, device memory back where it was, and the session
 * usable: the calls after the failure reproduce the clean run bit for bit (the KV cache was not left
 * half-updated). `fault/alloc/beyond-device-memory` needs no switch (an allocation larger than any
 * device) and runs on real hardware too. A backend without the switch reports the others unsupported.
 */
import type { Backend } from '../../../core/backend-api/plugin-contract.js';
import { allocationsOf, faultsOf, type AllocationStats, type FaultInjection, type FaultKind } from '../../../core/backend-api/fault-injection.js';
import type { ErrorKind } from '../../../core/errors.js';
import type { FaultCase, FaultOutcome } from '../../case.js';
import { errorProblem, leakProblem, logitsProblem } from './checks.js';
import { cleanRun, DECODE_STEPS, FAULTED_STEP, GreedyRun, type CleanRun } from './greedy-run.js';

/** Where in the generation the fault lands: opening the session, the prefill, or a decode step. */
type Phase = 'open' | 'prefill' | 'decode';

interface FaultScenario {
  readonly kind: FaultKind;
  readonly phase: Phase;
  /** The error kinds a user may see: an allocation is 'resource', the rest 'backend'. */
  readonly errors: readonly ErrorKind[];
}

const SCENARIOS: readonly FaultScenario[] = [
  { kind: 'alloc', phase: 'open', errors: ['resource'] },
  { kind: 'alloc', phase: 'prefill', errors: ['resource'] },
  { kind: 'launch', phase: 'prefill', errors: ['backend'] },
  { kind: 'launch', phase: 'decode', errors: ['backend'] },
  { kind: 'sync', phase: 'decode', errors: ['backend'] },
  { kind: 'dma', phase: 'decode', errors: ['backend'] },
];

/** The clean run is deterministic: one per backend object serves every case. */
const cleanRuns = new WeakMap<Backend, Promise<CleanRun>>();

function cleanRunOf(backend: Backend, faults: FaultInjection | undefined): Promise<CleanRun> {
  let run = cleanRuns.get(backend);
  if (!run) {
    run = cleanRun(backend, faults);
    cleanRuns.set(backend, run);
    run.catch(() => cleanRuns.delete(backend));
  }
  return run;
}

/**
 * The nth event to fail: the middle one of the phase's events in the clean run (at least the first).
 * An allocation in a call is aimed at the first: the clean run's first call also grew the backend's
 * caches (the arena), which a later call finds grown, so only the call's own first allocation (its
 * staging tensors) is sure to happen again.
 */
function aimAt(clean: CleanRun, s: FaultScenario): number {
  const events = s.phase === 'open' ? clean.openEvents : clean.calls[s.phase === 'prefill' ? 0 : FAULTED_STEP]!.events;
  const count = events?.[s.kind] ?? 0;
  if (count === 0) return 0;
  return s.kind === 'alloc' && s.phase !== 'open' ? 1 : Math.max(1, Math.ceil(count / 2));
}

async function attempt(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
    return undefined;
  } catch (e) {
    return e;
  }
}

/** Runs the generation with the fault armed in `s.phase`; the first problem found, or null. */
async function faultedGeneration(backend: Backend, faults: FaultInjection, clean: CleanRun, s: FaultScenario, allocations: () => AllocationStats): Promise<string | null> {
  const n = aimAt(clean, s);
  if (n === 0) return `the clean run has no ${s.kind} event during the ${s.phase}: nothing to fail there`;
  return s.phase === 'open' ? failOpen(backend, faults, clean, s, n, allocations) : failInSession(backend, faults, clean, s, n, allocations);
}

/** Opening fails: nothing may stay allocated, and the next session must be as good as the clean one. */
async function failOpen(backend: Backend, faults: FaultInjection, clean: CleanRun, s: FaultScenario, n: number, allocations: () => AllocationStats): Promise<string | null> {
  const start = allocations();
  faults.arm(s.kind, n);
  const error = await attempt(() => GreedyRun.open(backend).then((r) => r.close()));
  faults.arm(s.kind, 0);
  const problem = errorProblem(error, s.errors, s.kind) ?? leakProblem(start, allocations(), 'after the failed open');
  return problem ?? continueClean(backend, clean, start, allocations);
}

/** A call fails in a live session: retried, it and every later call must give the clean run's logits. */
async function failInSession(backend: Backend, faults: FaultInjection, clean: CleanRun, s: FaultScenario, n: number, allocations: () => AllocationStats): Promise<string | null> {
  const start = allocations();
  const failedCall = s.phase === 'prefill' ? 0 : FAULTED_STEP;
  const run = await GreedyRun.open(backend);
  try {
    for (let k = 0; k < failedCall; k++) {
      const problem = logitsProblem(k, await run.call(k), clean.calls[k]!.logits, 'before the fault');
      if (problem) return problem;
    }
    faults.arm(s.kind, n);
    const error = await attempt(() => run.call(failedCall));
    faults.arm(s.kind, 0);
    const problem = errorProblem(error, s.errors, s.kind);
    if (problem) return problem;
    for (let k = failedCall; k <= DECODE_STEPS; k++) {
      const mismatch = logitsProblem(k, await run.call(k), clean.calls[k]!.logits, `after the ${s.kind} fault`);
      if (mismatch) return mismatch;
    }
  } finally {
    await run.close();
  }
  return leakProblem(start, allocations(), 'after closing the session');
}

/** A whole generation after the failure, as a new user would start it: identical to the clean run, nothing left held. */
async function continueClean(backend: Backend, clean: CleanRun, start: AllocationStats, allocations: () => AllocationStats): Promise<string | null> {
  const run = await GreedyRun.open(backend);
  try {
    for (let k = 0; k <= DECODE_STEPS; k++) {
      const problem = logitsProblem(k, await run.call(k), clean.calls[k]!.logits, 'in a new session after the fault');
      if (problem) return problem;
    }
  } finally {
    await run.close();
  }
  return leakProblem(start, allocations(), 'after the next session closed');
}

function noInjection(backend: Backend): FaultOutcome {
  return { status: 'unsupported', detail: `no fault injection: ${backend.name} (${backend.execution}) has no GLM_FAULT switch` };
}

function scenarioCase(s: FaultScenario): FaultCase {
  return {
    kind: 'fault', id: `fault/${s.kind}/${s.phase}`, level: 'fault', subject: s.kind, dtype: 'f32', composites: 'as-built',
    async run(backend) {
      const faults = faultsOf(backend);
      if (!faults) return noInjection(backend);
      if (!faults.kinds.includes(s.kind)) return { status: 'unsupported', detail: `no ${s.kind} events on ${backend.name}: ${faults.absent[s.kind] ?? 'not modelled'}` };
      const allocations = allocationsOf(backend.memory);
      if (!allocations) return { status: 'fail', detail: `${backend.name} injects faults but counts no allocations (memory.allocations): a leak would go unseen` };
      // The baseline is the device after a clean generation: the backend's own caches (the arena of
      // intermediates, grown by the first run) are its, and stay until it closes.
      const clean = await cleanRunOf(backend, faults);
      const problem = await faultedGeneration(backend, faults, clean, s, allocations);
      return problem ? { status: 'fail', detail: problem } : { status: 'pass' };
    },
  };
}

/** Bigger than any device's memory (1 PiB): the allocator must refuse it, without injection. */
const BEYOND_ANY_DEVICE = 2 ** 50;

function beyondDeviceMemoryCase(): FaultCase {
  return {
    kind: 'fault', id: 'fault/alloc/beyond-device-memory', level: 'fault', subject: 'alloc', dtype: 'f32', composites: 'as-built',
    async run(backend) {
      const allocations = allocationsOf(backend.memory);
      if (!allocations) return { status: 'unsupported', detail: `no allocation counter: ${backend.name}'s memory has no allocations(), so a leak could not be seen` };
      const clean = await cleanRunOf(backend, faultsOf(backend));
      const start = allocations();
      const held = backend.memory.allocate(1 << 20);
      const error = await attempt(async () => backend.memory.free(backend.memory.allocate(BEYOND_ANY_DEVICE)));
      backend.memory.free(held);
      const problem = errorProblem(error, ['resource'], 'alloc') ?? leakProblem(start, allocations(), 'after the refused allocation');
      if (problem) return { status: 'fail', detail: problem };
      // The device still works after the refusal: a whole generation as before it, then nothing held.
      const after = await continueClean(backend, clean, start, allocations);
      return after ? { status: 'fail', detail: after } : { status: 'pass' };
    },
  };
}

export function faultCases(): FaultCase[] {
  return [beyondDeviceMemoryCase(), ...SCENARIOS.map(scenarioCase)];
}

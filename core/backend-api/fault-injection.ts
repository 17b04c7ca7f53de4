/**
 * Two optional parts of a backend, for the conformance suite's fault cases (conformance/cases/fault.ts):
 *
 * - `memory.allocations()`: the device allocations live now (count and bytes), counted where the
 *   device hands memory out (the emulator's allocator, the runtime's malloc/free), so a buffer, arena,
 *   workspace or constant that an error path forgets to free shows as a leak;
 * - `backend.faults`: an emulated device's injection switch. `arm('alloc', 3)` fails the 3rd device
 *   allocation from now, once, through the device's own error path (its vendor status), as the
 *   environment variable `GLM_FAULT=alloc:3` does from the process start. Real hardware has no switch:
 *   `faults` is absent there.
 *
 * Neither is in the Backend interface itself: they are probed for (`faultsOf`, `allocationsOf`), so
 * a plugin without them keeps working and its fault cases say why they cannot run.
 */
import type { Backend, BackendMemory } from './plugin-contract.js';

/** What a fault fails: a device allocation, a kernel launch, a stream synchronisation, a DMA transfer. */
export type FaultKind = 'alloc' | 'launch' | 'sync' | 'dma';

export const FAULT_KINDS: readonly FaultKind[] = ['alloc', 'launch', 'sync', 'dma'];

export interface FaultInjection {
  /** The kinds this device has events of. */
  readonly kinds: readonly FaultKind[];
  /** The kinds it has none of, each with why ("no DMA engine in the SIMT model"). */
  readonly absent: Readonly<Partial<Record<FaultKind, string>>>;
  /** The `n`th (1-based) `kind` event from now fails, once; 0 disarms. Restarts the kind's count. */
  arm(kind: FaultKind, n: number): void;
  /** Events of each kind since its count restarted (to aim a fault at the middle of a step). */
  counts(): Record<FaultKind, number>;
}

export interface AllocationStats {
  readonly liveBytes: number;
  readonly liveAllocations: number;
}

/** A backend memory that counts its device allocations. */
export interface CountedMemory extends BackendMemory {
  allocations(): AllocationStats;
}

/** A backend with an injection switch. */
export interface FaultInjectingBackend extends Backend {
  readonly faults: FaultInjection;
}

export function faultsOf(backend: Backend): FaultInjection | undefined {
  const faults = (backend as Partial<FaultInjectingBackend>).faults;
  return faults && typeof faults.arm === 'function' ? faults : undefined;
}

export function allocationsOf(memory: BackendMemory): (() => AllocationStats) | undefined {
  const m = memory as Partial<CountedMemory>;
  return typeof m.allocations === 'function' ? () => m.allocations!() : undefined;
}

/**
 * The versioned contract between the SDK and a backend plugin. A plugin module's default export
 * (or its `plugin` export) is a BackendPlugin. Bump PLUGIN_API_VERSION on any breaking change.
 */
import type { DType } from '../tensor/dtype.js';
import type { Graph } from '../ir/graph.js';
import type { Capability, LoweringNote, NodeView } from './capability.js';

export const PLUGIN_API_VERSION = 1;

/** Where a backend's results come from; every report and CLI line says it. */
export type ExecutionKind = 'hardware' | 'emulator' | 'reference';

export interface ProbeResult {
  readonly available: boolean;
  /** Why not, naming the library, driver or condition ("libascendcl.so not found in LD_LIBRARY_PATH, /usr/local/Ascend"). */
  readonly reason?: string;
  /** What would run, when known ("NVIDIA H100 80GB HBM3, driver 580"). */
  readonly device?: string;
  readonly execution: ExecutionKind;
}

export interface OpenOptions {
  /** Device ordinal on multi-device hosts. */
  readonly deviceIndex?: number;
}

/** An allocation in the backend's memory; opaque to the SDK. */
export interface DeviceBuffer {
  readonly byteLength: number;
}

/** A typed view of part of a buffer: what graphs read and write. */
export interface DeviceTensor {
  readonly buffer: DeviceBuffer;
  readonly byteOffset: number;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

export interface BackendMemory {
  /** Throws GlmError('resource') naming the size asked and what was free when it cannot. */
  allocate(byteLength: number): DeviceBuffer;
  free(buffer: DeviceBuffer): void;
  write(buffer: DeviceBuffer, byteOffset: number, bytes: Uint8Array): Promise<void>;
  read(buffer: DeviceBuffer, byteOffset: number, byteLength: number): Promise<Uint8Array>;
  /** Optional: device bytes held now and the most held so far by this backend (buffers and scratch). */
  usage?(): { liveBytes: number; peakBytes: number };
}

/** A graph lowered for one backend: every node is one the backend said it supports. */
export interface ExecutionPlan {
  readonly graph: Graph;
  readonly decomposed: readonly LoweringNote[];
}

export interface RunBindings {
  /** Graph inputs and params, by name. */
  readonly inputs: Readonly<Record<string, DeviceTensor>>;
  /** Graph outputs by name, allocated by the caller with their concrete shapes; the executable writes them. */
  readonly outputs: Readonly<Record<string, DeviceTensor>>;
}

/** Host bytes that travel with one run (see Executable.runStep). */
export interface StepTransfers {
  /** Written into these bound inputs (their whole extent) before the run. */
  readonly write: Readonly<Record<string, Uint8Array>>;
  /** Bound outputs read back after the run. */
  readonly read: readonly string[];
  /**
   * The same bindings will run again and again (a decode loop): the backend may record the launches
   * once and replay them while the bindings and shapes stay the same.
   */
  readonly repeated?: boolean;
}

export interface Executable {
  /**
   * A caller may bind an output to the same tensor as an input when the output's producer computes in
   * place from it (OpDefinition.inPlace, e.g. cache-write): the input is then donated.
   */
  run(bindings: RunBindings): Promise<void>;
  /**
   * Optional: write small inputs, run and read small outputs back with a single wait for the device
   * (one host synchronisation per generated token). Without it the runtime writes, runs and reads
   * through BackendMemory (runStep in core/backend-api/run-step.ts).
   */
  runStep?(bindings: RunBindings, transfers: StepTransfers): Promise<Record<string, Uint8Array>>;
  dispose(): void;
}

export interface Backend {
  readonly name: string;
  readonly execution: ExecutionKind;
  /** Human description of the device in use. */
  readonly device: string;
  /** Optional: the backend's own version (driver, toolkit, plugin build), recorded in conformance reports. */
  readonly version?: string;
  /** Per node: can it run here? A "no" always carries a reason. */
  supports(view: NodeView): Capability;
  readonly memory: BackendMemory;
  /** Peak rates of the device, when known: perf reports give achieved rates as a fraction of them. */
  readonly roofline?: { readonly bytesPerSecond: number; readonly flopsPerSecond: number };
  compile(plan: ExecutionPlan): Promise<Executable>;
  close(): Promise<void>;
  /**
   * Tensor parallelism: `worldSize` new instances of this backend (rank r at index r) joined by the
   * backend's collective library, so that an `all-reduce` over worldSize ranks runs on them. Absent on
   * a backend without multi-rank support; callers then refuse tensor parallelism with that reason.
   */
  openRanks?(worldSize: number): Promise<Backend[]>;
}

export interface BackendPlugin {
  readonly name: string;
  readonly apiVersion: number;
  readonly description: string;
  probe(): Promise<ProbeResult>;
  open(options?: OpenOptions): Promise<Backend>;
}

/**
 * The one Backend of every family built on the program runtime: its supports() asks the family's
 * PlanTarget, compile() gives an executable that plans with it, and memory, arena and launches go
 * through the family's addon. A family opens its device, then instantiates this with its target and
 * its planner options.
 */
import {
  unsupported,
  type Backend,
  type Capability,
  type ExecutionKind,
  type ExecutionPlan,
  type Executable,
  type FaultInjection,
  type NodeView,
} from '../../core/backend-api/plugin-api.js';
import { DeviceContext } from './device-context.js';
import { DeviceMemory } from './device-memory.js';
import { faultSwitchOf } from './fault-switch.js';
import { ProgramExecutable } from './executable.js';
import type { ProgramAddon } from './native-addon.js';
import type { PlanTarget } from './plan-target.js';
import type { PlanOptions } from './lowering-context.js';

/** Ops named in the environment variable `variable` (comma-separated), read at every call. */
function refusedOps(variable: string): Set<string> {
  return new Set((process.env[variable] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
}

/**
 * supports() of backend `name`: the target's claims, except for ops refused on request through
 * `refuseVariable` (a comma-separated list of op names), to compare against the decompositions.
 */
export function programSupports<O extends PlanOptions>(name: string, target: PlanTarget<O>, refuseVariable: string): (view: NodeView) => Capability {
  return (view) => {
    const { op } = view.node;
    if (target.lowerings[op] !== undefined && refusedOps(refuseVariable).has(op)) return unsupported(`"${op}" refused by ${refuseVariable}`);
    return target.claims(view, name);
  };
}

export interface ProgramBackendSpec<O extends PlanOptions, A extends ProgramAddon> {
  readonly name: string;
  readonly execution: ExecutionKind;
  /** The device in words. */
  readonly device: string;
  readonly native: A;
  readonly target: PlanTarget<O>;
  /** The planner's choices for this device. */
  readonly options: O;
  /** The environment variable that refuses ops on request. */
  readonly refuseVariable: string;
  readonly roofline?: Backend['roofline'];
}

export class ProgramBackend<O extends PlanOptions = PlanOptions, A extends ProgramAddon = ProgramAddon> implements Backend {
  readonly name: string;
  readonly execution: ExecutionKind;
  readonly device: string;
  readonly roofline?: Backend['roofline'];
  readonly native: A;
  readonly memory: DeviceMemory;
  /** The arena and the planner's options (benchmarks swap them, then compile). */
  readonly context: DeviceContext<O>;
  // Bound fields rather than methods: callers hand `backend.supports` around and wrap a backend by
  // spreading it, which keeps own properties only.
  readonly supports: (view: NodeView) => Capability;
  readonly compile: (plan: ExecutionPlan) => Promise<Executable>;
  readonly close: () => Promise<void>;
  /** The emulator's fault-injection switch (GLM_FAULT); absent on hardware builds. */
  readonly faults?: FaultInjection;

  constructor(spec: ProgramBackendSpec<O, A>) {
    this.name = spec.name;
    this.execution = spec.execution;
    this.device = spec.device;
    if (spec.roofline) this.roofline = spec.roofline;
    this.native = spec.native;
    this.memory = new DeviceMemory(spec.native, spec.name);
    this.context = new DeviceContext(spec.native, spec.options, this.memory);
    this.supports = programSupports(spec.name, spec.target, spec.refuseVariable);
    this.compile = async (plan) => new ProgramExecutable(plan, this.context, this.memory, spec.target);
    this.close = async () => this.context.releaseArena();
    const faults = faultSwitchOf(spec.native, spec.name);
    if (faults) this.faults = faults;
  }
}

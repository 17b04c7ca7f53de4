/**
 * A plan compiled for a program backend. Each run binds shapes, takes (or builds and caches) the
 * launch plan for those shapes, resolves its addresses and launches the whole program in one
 * native call, with one synchronisation at the end.
 */
import {
  GlmError,
  bindGraphShapes,
  byteLengthOf,
  resolveShape,
  runStepThroughMemory,
  type DeviceTensor,
  type Executable,
  type ExecutionPlan,
  type RunBindings,
  type StepTransfers,
} from '../../core/backend-api/plugin-api.js';
import { donationCheck, type DonationCheck } from './donation.js';
import type { DeviceContext } from './device-context.js';
import type { DeviceMemory } from './device-memory.js';
import { countOf, type Storage } from './locations.js';
import { flagReasonOf, type PlanTarget } from './plan-target.js';
import { planGraph, type Plan } from './planner/plan-graph.js';
import type { PlanOptions } from './lowering-context.js';
import { ProgramBuilder } from './program-builder.js';

const PLAN_CACHE_LIMIT = 64;

function alignmentOfAddress(address: number): number {
  let a = 256;
  while (a > 1 && address % a !== 0) a /= 2;
  return a;
}

interface Prepared {
  readonly program: Float64Array;
  readonly plan: Plan;
  readonly describe: (tag: number) => string;
  readonly reason: (tag: number) => string;
}

export class ProgramExecutable<O extends PlanOptions = PlanOptions> implements Executable {
  private readonly plans = new Map<string, Plan>();
  private disposed = false;
  /**
   * The last run's bound tensors (graph inputs, params, outputs in graph order), arena and program: a
   * decode loop binds the very same tensors every step, and a 70-layer graph's full preparation (shape
   * binding, ~1,200 addresses, the plan key, resolving ~30,000 launch words) costs milliseconds of host
   * time per token.
   */
  private last: { readonly tensors: readonly DeviceTensor[]; readonly arenaBase: number; readonly prepared: Prepared } | null = null;

  private readonly donations: DonationCheck;

  constructor(
    private readonly plan: ExecutionPlan,
    private readonly device: DeviceContext<O>,
    private readonly memory: DeviceMemory,
    private readonly target: PlanTarget<O>,
  ) {
    this.donations = donationCheck(plan.graph, device.backend);
  }

  async run(bindings: RunBindings): Promise<void> {
    const { program, plan, describe, reason } = this.prepare(bindings);
    await this.device.execute(program, plan.checksIndices, describe, reason);
  }

  async runStep(bindings: RunBindings, transfers: StepTransfers): Promise<Record<string, Uint8Array>> {
    if (!this.device.runsSteps) return runStepThroughMemory(this.memory, this, bindings, transfers);
    const { program, plan, describe, reason } = this.prepare(bindings);
    const uploads = Object.entries(transfers.write).map(([name, bytes]) => [this.addressOf(bindings.inputs[name]!, `input "${name}"`), bytes] as const);
    const results: Record<string, Uint8Array> = {};
    const downloads = transfers.read.map((name) => {
      const t = bindings.outputs[name]!;
      results[name] = new Uint8Array(byteLengthOf(t.dtype, countOf(t.shape)));
      return [this.addressOf(t, `output "${name}"`), results[name]] as const;
    });
    this.device.executeStep(program, uploads, downloads, transfers.repeated ?? false, plan.checksIndices, describe, reason);
    return results;
  }

  /**
   * The program for these bindings: the last one again when the same (live) tensors are bound and the
   * arena has not moved, else prepared anew.
   */
  private prepare(bindings: RunBindings): Prepared {
    if (this.disposed) throw new GlmError('usage', `${this.device.backend}: run() after dispose()`);
    const { graph } = this.plan;
    const tensors = [
      ...[...graph.inputs, ...graph.params].map((id) => bindings.inputs[graph.values[id]!.name]),
      ...graph.outputs.map((out) => bindings.outputs[out.name]),
    ];
    const last = this.last;
    if (last && tensors.every((t, i) => t !== undefined && t === last.tensors[i] && this.memory.own(t.buffer))) {
      if (this.device.arena(last.prepared.plan.arenaBytes) === last.arenaBase) return last.prepared;
    }
    this.last = null;
    const { prepared, arenaBase } = this.prepareAnew(bindings);
    this.last = { tensors: tensors as DeviceTensor[], arenaBase, prepared };
    return prepared;
  }

  /** Binds shapes, takes (or builds) the plan and resolves its program for these bindings. */
  private prepareAnew(bindings: RunBindings): { prepared: Prepared; arenaBase: number } {
    const { graph } = this.plan;
    const shapes: Record<string, readonly number[]> = {};
    for (const [name, t] of Object.entries(bindings.inputs)) shapes[name] = t.shape;
    const dims = bindGraphShapes(graph, shapes);

    const addresses = new Map<string, number>();
    const key: (string | number)[] = [JSON.stringify(dims)];
    for (const id of [...graph.inputs, ...graph.params]) {
      const info = graph.values[id]!;
      const t = bindings.inputs[info.name]!;
      if (t.dtype !== info.type.dtype) throw new GlmError('shape', `"${info.name}" is bound to a ${t.dtype} tensor, the graph declares ${info.type.dtype}`);
      const address = this.addressOf(t, `input "${info.name}"`);
      addresses.set(`input:${info.name}`, address);
      key.push(alignmentOfAddress(address));
    }
    for (const out of graph.outputs) {
      const t = bindings.outputs[out.name];
      if (!t) throw new GlmError('shape', `no output tensor bound for "${out.name}"`);
      const info = graph.values[out.value]!;
      const expected = resolveShape(info.type.shape, dims);
      const same = expected.length === t.shape.length && expected.every((d, i) => d === t.shape[i]);
      if (t.dtype !== info.type.dtype || !same) {
        throw new GlmError('shape', `output "${out.name}" is ${info.type.dtype}[${expected}], bound tensor is ${t.dtype}[${t.shape}]`);
      }
      const address = this.addressOf(t, `output "${out.name}"`);
      addresses.set(`output:${out.name}`, address);
      key.push(alignmentOfAddress(address));
    }

    const donations = this.donations(bindings);
    for (const [output, input] of donations) key.push(`${output}=${input}`);
    const cacheKey = key.join('|');
    let plan = this.plans.get(cacheKey);
    if (!plan) {
      const align = (role: 'input' | 'output', name: string) => alignmentOfAddress(addresses.get(`${role}:${name}`)!);
      plan = planGraph(graph, dims, align, this.target, this.device.options, donations);
      if (this.plans.size >= PLAN_CACHE_LIMIT) this.plans.clear();
      this.plans.set(cacheKey, plan);
    }
    const arenaBase = this.device.arena(plan.arenaBytes);
    const boundAddress = (s: Storage) => addresses.get(`${s.binding!.role}:${s.binding!.name}`)!;
    const program = ProgramBuilder.resolve(plan.records, boundAddress, arenaBase);
    const describe = (tag: number) => {
      const node = graph.nodes[tag];
      return node ? `node "${node.name}" (${node.op})` : 'the graph outputs';
    };
    const reason = (tag: number) => flagReasonOf(this.target, graph.nodes[tag]?.op);
    return { prepared: { program, plan, describe, reason }, arenaBase };
  }

  private addressOf(t: DeviceTensor, what: string): number {
    const b = this.memory.own(t.buffer);
    const bytes = byteLengthOf(t.dtype, countOf(t.shape));
    if (t.byteOffset < 0 || t.byteOffset + bytes > b.byteLength) throw new GlmError('backend', `${this.device.backend}: ${what} lies outside its buffer`);
    return b.address + t.byteOffset;
  }

  dispose(): void {
    this.disposed = true;
    this.plans.clear();
    this.last = null;
  }
}

/**
 * One opened device as the executables use it: the addon, the arena for intermediates (grown on
 * demand, shared by every executable of the backend since runs never overlap), the planner's
 * options, and the launch of a resolved program with its errors mapped to graph nodes.
 */
import { GlmError } from '../../core/runtime/plugin-api.js';
import type { GpuAddon } from './native-addon.js';
import type { PlanOptions } from './planner.js';

/** Bench hooks: record these events around the next runs' launches. */
export interface TimingEvents {
  readonly start: number;
  readonly end: number;
}

export class DeviceContext {
  private arenaAddress = 0;
  private arenaBytes = 0;
  timing: TimingEvents | null = null;

  constructor(
    readonly native: GpuAddon,
    /** The planner's choices; benchmarks swap them to compare variants (compile after changing). */
    public options: PlanOptions,
  ) {}

  get backend(): string {
    return this.options.backend;
  }

  /** The arena's base address, grown to at least `bytes`. */
  arena(bytes: number): number {
    if (bytes <= this.arenaBytes) return this.arenaAddress;
    this.releaseArena();
    const size = Math.ceil((bytes * 1.25) / 2 ** 21) * 2 ** 21;
    try {
      this.arenaAddress = this.native.allocate(size);
    } catch (e) {
      throw new GlmError('resource', `${this.backend}: the intermediates of this graph need ${bytes} bytes of device memory: ${(e as Error).message}`);
    }
    this.arenaBytes = size;
    return this.arenaAddress;
  }

  get arenaSize(): number {
    return this.arenaBytes;
  }

  releaseArena(): void {
    if (this.arenaBytes > 0) this.native.free(this.arenaAddress);
    this.arenaAddress = 0;
    this.arenaBytes = 0;
  }

  /** Launch a resolved program and wait for it; errors name the node of the failing record. */
  execute(program: Float64Array, readFlag: boolean, describe: (tag: number) => string): void {
    try {
      if (this.timing) this.native.run(program, this.timing.start, this.timing.end);
      else this.native.run(program);
    } catch (e) {
      const tag = (e as { launchTag?: number }).launchTag;
      const where = tag === undefined ? '' : `${describe(tag)}: `;
      throw new GlmError('backend', `${this.backend}: ${where}${(e as Error).message}`);
    }
    let flag: number;
    try {
      flag = this.native.finish(readFlag);
    } catch (e) {
      throw new GlmError('backend', `${this.backend}: ${(e as Error).message}`);
    }
    if (flag !== 0) throw new GlmError('input', `${this.backend}: ${describe(flag - 1)}: an index is outside its table`);
  }
}

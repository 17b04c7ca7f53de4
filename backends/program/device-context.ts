/**
 * One opened device as the executables use it: the addon, the arena for intermediates (grown on
 * demand, shared by every executable of the backend since runs never overlap), the planner's
 * options, and the launch of a resolved program with its errors mapped to graph nodes.
 */
import { GlmError } from '../../core/backend-api/plugin-api.js';
import type { DeviceMemory } from './device-memory.js';
import type { ProgramAddon } from './native-addon.js';
import type { PlanOptions } from './planner/step-context.js';

/** Bench hooks: record these events around the next runs' launches. */
export interface TimingEvents {
  readonly start: number;
  readonly end: number;
}

/** Device bytes the arena takes when it must hold `bytes`: room to grow, whole 2 MiB pages. */
export function arenaAllocationFor(bytes: number): number {
  return Math.ceil((bytes * 1.25) / 2 ** 21) * 2 ** 21;
}

export class DeviceContext<O extends PlanOptions = PlanOptions> {
  private arenaAddress = 0;
  private arenaBytes = 0;
  timing: TimingEvents | null = null;

  constructor(
    readonly native: ProgramAddon,
    /** The planner's choices; benchmarks swap them to compare variants (compile after changing). */
    public options: O,
    /** Counts the arena into the backend's memory usage. */
    private readonly memory?: DeviceMemory,
  ) {}

  get backend(): string {
    return this.options.backend;
  }

  /** The arena's base address, grown to at least `bytes`. */
  arena(bytes: number): number {
    if (bytes <= this.arenaBytes) return this.arenaAddress;
    this.releaseArena();
    const size = arenaAllocationFor(bytes);
    try {
      this.arenaAddress = this.native.allocate(size);
    } catch (e) {
      throw new GlmError('resource', `${this.backend}: the intermediates of this graph need ${bytes} bytes of device memory: ${(e as Error).message}`);
    }
    this.arenaBytes = size;
    this.memory?.track(size);
    return this.arenaAddress;
  }

  get arenaSize(): number {
    return this.arenaBytes;
  }

  releaseArena(): void {
    if (this.arenaBytes > 0) {
      this.native.free(this.arenaAddress);
      this.memory?.track(-this.arenaBytes);
    }
    this.arenaAddress = 0;
    this.arenaBytes = 0;
  }

  /** Launch a resolved program and wait for it; errors name the node of the failing record. */
  execute(program: Float64Array, readFlag: boolean, describe: (tag: number) => string, reason?: (tag: number) => string): void {
    this.launching(describe, () => {
      if (this.timing) this.native.run(program, this.timing.start, this.timing.end);
      else this.native.run(program);
    });
    let flag = 0;
    try {
      flag = this.native.finish(readFlag);
    } catch (e) {
      throw new GlmError('backend', `${this.backend}: ${(e as Error).message}`);
    }
    this.checkFlag(flag, describe, reason);
  }

  /** The addon can run a step with its transfers and one wait (see ProgramAddon.runStep). */
  get runsSteps(): boolean {
    return this.native.runStep !== undefined;
  }

  /** execute() with host transfers around it and a single wait; downloads fill the given arrays. */
  executeStep(
    program: Float64Array,
    uploads: readonly (readonly [number, Uint8Array])[],
    downloads: readonly (readonly [number, Uint8Array])[],
    repeated: boolean,
    readFlag: boolean,
    describe: (tag: number) => string,
    reason?: (tag: number) => string,
  ): void {
    const t = this.timing;
    const flag = this.launching(describe, () =>
      t ? this.native.runStep!(program, uploads, downloads, repeated, readFlag, t.start, t.end) : this.native.runStep!(program, uploads, downloads, repeated, readFlag),
    );
    this.checkFlag(flag, describe, reason);
  }

  private launching<T>(describe: (tag: number) => string, launch: () => T): T {
    try {
      return launch();
    } catch (e) {
      const tag = (e as { launchTag?: number }).launchTag;
      const where = tag === undefined ? '' : `${describe(tag)}: `;
      throw new GlmError('backend', `${this.backend}: ${where}${(e as Error).message}`);
    }
  }

  /** `reason`: what the flagged record checks (the target's flagReasons); the flag holds only its tag. */
  private checkFlag(flag: number, describe: (tag: number) => string, reason?: (tag: number) => string): void {
    if (flag !== 0) {
      throw new GlmError('input', `${this.backend}: ${describe(flag - 1)}: ${reason ? reason(flag - 1) : 'an index or cache offset is out of range'}`);
    }
  }
}

/**
 * One opened device as the executables use it: the addon, the arena for intermediates (grown on
 * demand, shared by every executable of the backend since runs never overlap), the planner's
 * options, and the launch of a resolved program with its errors mapped to graph nodes.
 */
import { GlmError } from '../../core/backend-api/plugin-api.js';
import type { DeviceMemory } from './device-memory.js';
import type { ProgramAddon } from './native-addon.js';
import type { PlanOptions } from './lowering-context.js';

/** Bench hooks: record these events around the next runs' launches. */
export interface TimingEvents {
  readonly start: number;
  readonly end: number;
}

/** Device bytes the arena takes when it must hold `bytes`: room to grow, whole 2 MiB pages. */
export function arenaAllocationFor(bytes: number): number {
  return Math.ceil((bytes * 1.25) / 2 ** 21) * 2 ** 21;
}

/** How long a record may wait for the other programs of its group before the run fails. */
const PEER_WAIT_MS = 120_000;

export class DeviceContext<O extends PlanOptions = PlanOptions> {
  private arenaAddress = 0;
  private arenaBytes = 0;
  timing: TimingEvents | null = null;
  /**
   * Set on a rank of a multi-rank group: told why a run of this rank failed, so that its peers stop
   * waiting for it in a collective (the group is then aborted).
   */
  onRunFailure: ((why: string) => void) | null = null;

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

  /**
   * Launch a resolved program and wait for it; errors name the node of the failing record. A record
   * that waits for other programs of this process (runFrom stopped there) is run again after the
   * event loop has given them their turn.
   */
  async execute(program: Float64Array, readFlag: boolean, describe: (tag: number) => string, reason?: (tag: number) => string): Promise<void> {
    try {
      if (this.timing || !this.native.runFrom) {
        const t = this.timing;
        this.launching(describe, () => (t ? this.native.run(program, t.start, t.end) : this.native.run(program)));
      } else {
        await this.runInTurns(program, describe);
      }
      let flag = 0;
      try {
        flag = this.native.finish(readFlag);
      } catch (e) {
        throw new GlmError('backend', `${this.backend}: ${(e as Error).message}`);
      }
      this.checkFlag(flag, describe, reason);
    } catch (e) {
      this.onRunFailure?.((e as Error).message);
      throw e;
    }
  }

  private async runInTurns(program: Float64Array, describe: (tag: number) => string): Promise<void> {
    let at = this.launching(describe, () => this.native.runFrom!(program, 0));
    let waitingSince = 0;
    while (at < program.length) {
      const tag = program[at + 1]!;
      waitingSince ||= Date.now();
      if (Date.now() - waitingSince > PEER_WAIT_MS) throw new GlmError('backend', `${this.backend}: ${describe(tag)} waited ${PEER_WAIT_MS / 1000} s for the other ranks of its group`);
      await new Promise((resolve) => setImmediate(resolve));
      const next = this.launching(describe, () => this.native.runFrom!(program, at));
      if (next !== at) waitingSince = 0;
      at = next;
    }
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

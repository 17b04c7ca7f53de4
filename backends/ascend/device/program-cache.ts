/**
 * Executors cached per (program, record). A program is known by its structure — its words without
 * the addresses — so a plan run again with other tensors bound reuses the executors and only rebinds
 * addresses; the very same program array (a decode loop binding the same tensors) is not even decoded
 * again. The least recently run programs' executors are destroyed beyond a limit.
 */
import { RecordState } from '../launchers/launcher.js';
import { decodeProgram, type DecodedProgram } from '../launchers/record-reader.js';
import type { DeviceCalls } from './device-calls.js';

/** Plans whose executors are kept: a session's prefill and decode graphs, with room for a few more. */
const PROGRAMS_KEPT = 16;

export interface CachedProgram {
  readonly decoded: DecodedProgram;
  readonly states: readonly RecordState[];
}

export class ProgramCache {
  private readonly decodedByArray = new WeakMap<Float64Array, DecodedProgram>();
  /** Insertion order is recency: a run moves its program to the end. */
  private readonly statesBySignature = new Map<string, RecordState[]>();

  constructor(private readonly device: DeviceCalls) {}

  get(program: Float64Array): CachedProgram {
    let decoded = this.decodedByArray.get(program);
    if (!decoded) {
      decoded = decodeProgram(program);
      this.decodedByArray.set(program, decoded);
    }
    let states = this.statesBySignature.get(decoded.signature);
    if (states) this.statesBySignature.delete(decoded.signature);
    else states = decoded.records.map(() => new RecordState());
    this.statesBySignature.set(decoded.signature, states);
    this.evict();
    return { decoded, states };
  }

  private evict(): void {
    while (this.statesBySignature.size > PROGRAMS_KEPT) {
      const [oldest, states] = this.statesBySignature.entries().next().value as [string, RecordState[]];
      for (const s of states) s.release(this.device);
      this.statesBySignature.delete(oldest);
    }
  }

  /** Executors kept now (for the docs' counts and tests). */
  get programs(): number {
    return this.statesBySignature.size;
  }

  release(): void {
    for (const states of this.statesBySignature.values()) for (const s of states) s.release(this.device);
    this.statesBySignature.clear();
  }
}

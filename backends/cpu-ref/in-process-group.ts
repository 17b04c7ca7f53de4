/**
 * The reference's collective: N ranks of cpu-ref in one process. An all-reduce waits until every rank
 * has given its tensor, then sums them in float64 in rank order 0, 1, …, N−1 (deterministic, and exact
 * before the one rounding to the dtype that the caller does), and every rank receives the same sum.
 * Calls are matched by their sequence number, as NCCL matches collectives by issue order.
 */
import { GlmError } from '../../core/backend-api/plugin-api.js';

interface Pending {
  readonly parts: (Float64Array | undefined)[];
  arrived: number;
  readonly waiters: { resolve(sum: Float64Array): void; reject(e: unknown): void }[];
}

export class InProcessGroup {
  private readonly pending = new Map<number, Pending>();
  private readonly issued: number[];
  private failure: unknown;

  constructor(readonly worldSize: number) {
    this.issued = new Array<number>(worldSize).fill(0);
  }

  /** Rank `rank`'s part of the next all-reduce; resolves with the sum over all ranks. */
  allReduceSum(rank: number, values: Float64Array): Promise<Float64Array> {
    if (this.failure !== undefined) return Promise.reject(this.abortedError());
    const seq = this.issued[rank]!++;
    let p = this.pending.get(seq);
    if (!p) this.pending.set(seq, (p = { parts: new Array(this.worldSize).fill(undefined), arrived: 0, waiters: [] }));
    const first = p.parts.find((x) => x !== undefined);
    if (first && first.length !== values.length) {
      const e = new GlmError('shape', `all-reduce #${seq}: rank ${rank} gave ${values.length} elements, another rank ${first.length}`);
      this.abort(e);
      return Promise.reject(e);
    }
    p.parts[rank] = values;
    p.arrived++;
    const result = new Promise<Float64Array>((resolve, reject) => p.waiters.push({ resolve, reject }));
    if (p.arrived === this.worldSize) {
      this.pending.delete(seq);
      const sum = new Float64Array(values.length);
      for (const part of p.parts) for (let i = 0; i < sum.length; i++) sum[i]! += part![i]!;
      for (const w of p.waiters) w.resolve(sum);
    }
    return result;
  }

  /** A rank failed: every rank waiting in (or later entering) a collective gets an error instead of hanging. */
  abort(cause: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = cause;
    for (const p of this.pending.values()) for (const w of p.waiters) w.reject(this.abortedError());
    this.pending.clear();
  }

  private abortedError(): GlmError {
    const why = this.failure instanceof Error ? this.failure.message : String(this.failure);
    return new GlmError('backend', `the tensor-parallel group was aborted because a rank failed: ${why}`);
  }
}

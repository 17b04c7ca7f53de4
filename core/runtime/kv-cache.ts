/**
 * The session's KV cache: per layer one key and one value tensor [rows, heads, capacity, headDim],
 * written in place by the model graph (cache-write) and never copied between decode steps. Rows are
 * reordered (beam search) into a fresh set of tensors only when a step's parents ask for it.
 */
import type { BackendMemory, DeviceTensor } from './plugin-contract.js';
import type { DType } from '../tensor/dtype.js';
import { allocateTensor, freeTensor } from './device-tensors.js';

export interface CacheGeometry {
  readonly layers: number;
  readonly heads: number;
  readonly headDim: number;
  readonly capacity: number;
  readonly dtype: DType;
}

export class KvCache {
  private keys: DeviceTensor[] = [];
  private values: DeviceTensor[] = [];
  /** Rows held (the batch of the calls that write it). */
  rows = 0;
  /** Tokens cached per row. */
  length = 0;

  constructor(
    private readonly memory: BackendMemory,
    readonly geometry: CacheGeometry,
  ) {}

  key(layer: number): DeviceTensor {
    return this.keys[layer]!;
  }
  value(layer: number): DeviceTensor {
    return this.values[layer]!;
  }

  /** Bytes the cache holds on the device. */
  get byteLength(): number {
    let n = 0;
    for (const t of [...this.keys, ...this.values]) n += t.buffer.byteLength;
    return n;
  }

  /** An empty cache of `rows` rows: reuses the tensors when the row count is unchanged. */
  reset(rows: number): void {
    if (rows !== this.rows) {
      this.clear(); // before allocating: never hold two caches for a reset
      const [keys, values] = this.allocate(rows);
      this.adopt(keys, values, rows);
    }
    this.length = 0;
  }

  /** A fresh, unfilled set of tensors for `rows` rows (the target of a reorder). */
  allocate(rows: number): [DeviceTensor[], DeviceTensor[]] {
    const g = this.geometry;
    const shape = [rows, g.heads, g.capacity, g.headDim];
    const keys: DeviceTensor[] = [];
    const values: DeviceTensor[] = [];
    try {
      for (let l = 0; l < g.layers; l++) {
        keys.push(allocateTensor(this.memory, g.dtype, shape));
        values.push(allocateTensor(this.memory, g.dtype, shape));
      }
    } catch (e) {
      for (const t of [...keys, ...values]) freeTensor(this.memory, t);
      throw e;
    }
    return [keys, values];
  }

  /** Take over `keys`/`values` (from allocate), freeing the tensors held so far; the length is kept. */
  adopt(keys: DeviceTensor[], values: DeviceTensor[], rows: number): void {
    this.release();
    this.keys = keys;
    this.values = values;
    this.rows = rows;
  }

  clear(): void {
    this.release();
    this.rows = 0;
    this.length = 0;
  }

  private release(): void {
    for (const t of [...this.keys, ...this.values]) freeTensor(this.memory, t);
    this.keys = [];
    this.values = [];
  }
}

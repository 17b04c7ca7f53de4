/**
 * The session's KV cache: per layer one key and one value tensor [rows, heads, capacity, headDim],
 * written in place by the model graph (cache-write) and never copied between decode steps. Rows are
 * reordered (beam search) only when a step's parents ask for it, one layer at a time into fresh
 * tensors, so that a reorder holds one layer's copy beside the cache.
 */
import type { BackendMemory, DeviceTensor } from '../backend-api/plugin-contract.js';
import type { DType } from '../tensor/dtype.js';
import { allocateTensor, freeTensor } from '../backend-api/device-tensors.js';

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
      try {
        for (let l = 0; l < this.geometry.layers; l++) {
          const [key, value] = this.allocateLayer(rows);
          this.keys.push(key);
          this.values.push(value);
        }
      } catch (e) {
        this.clear();
        throw e;
      }
      this.rows = rows;
    }
    this.length = 0;
  }

  /**
   * The cache's rows become `rows` new ones, made layer by layer by `copyLayer` from this cache's
   * layer into fresh tensors (beam search's reorder): one layer's copy sits beside the cache, never a
   * second cache. If the first layer fails the cache is as it was and the error is rethrown; a later
   * failure leaves layers that disagree, so the cache is cleared and a CacheDroppedError thrown.
   */
  async replaceRows(rows: number, copyLayer: (layer: number, key: DeviceTensor, value: DeviceTensor) => Promise<void>): Promise<void> {
    let layer = 0;
    try {
      for (; layer < this.geometry.layers; layer++) {
        const [key, value] = this.allocateLayer(rows);
        try {
          await copyLayer(layer, key, value);
        } catch (e) {
          freeTensor(this.memory, key);
          freeTensor(this.memory, value);
          throw e;
        }
        freeTensor(this.memory, this.keys[layer]!);
        freeTensor(this.memory, this.values[layer]!);
        this.keys[layer] = key;
        this.values[layer] = value;
      }
    } catch (e) {
      if (layer === 0) throw e;
      this.clear();
      throw new CacheDroppedError(layer, e);
    }
    this.rows = rows;
  }

  clear(): void {
    for (const t of [...this.keys, ...this.values]) freeTensor(this.memory, t);
    this.keys = [];
    this.values = [];
    this.rows = 0;
    this.length = 0;
  }

  /** Fresh, unfilled key and value tensors of one layer for `rows` rows. */
  private allocateLayer(rows: number): [DeviceTensor, DeviceTensor] {
    const g = this.geometry;
    const shape = [rows, g.heads, g.capacity, g.headDim];
    const key = allocateTensor(this.memory, g.dtype, shape);
    try {
      return [key, allocateTensor(this.memory, g.dtype, shape)];
    } catch (e) {
      freeTensor(this.memory, key);
      throw e;
    }
  }
}

/** A row replacement failed at `layer` ≥ 1, after earlier layers were replaced: the cache was cleared. */
export class CacheDroppedError extends Error {
  constructor(
    readonly layer: number,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** The per-layer key/value tensors a session carries from one call to the next. */
import type { BackendMemory, DeviceTensor } from './plugin-contract.js';
import { freeTensor } from './device-tensors.js';

export class KvCache {
  private keys: DeviceTensor[] = [];
  private values: DeviceTensor[] = [];
  /** Rows in the cache (the batch of the call that produced it). */
  batch = 0;
  /** Tokens cached per row. */
  length = 0;

  constructor(private readonly memory: BackendMemory) {}

  key(layer: number): DeviceTensor {
    return this.keys[layer]!;
  }
  value(layer: number): DeviceTensor {
    return this.values[layer]!;
  }

  /** Take over the tensors a call produced, freeing the previous ones. */
  replace(keys: DeviceTensor[], values: DeviceTensor[], batch: number, length: number): void {
    this.clear();
    this.keys = keys;
    this.values = values;
    this.batch = batch;
    this.length = length;
  }

  clear(): void {
    for (const t of [...this.keys, ...this.values]) freeTensor(this.memory, t);
    this.keys = [];
    this.values = [];
    this.batch = 0;
    this.length = 0;
  }
}

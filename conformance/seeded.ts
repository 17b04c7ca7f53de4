/** Seeded input data: every case draws fresh values from a seed derived from its id. */
import { Rng } from '../core/random/rng.js';
import type { DType } from '../core/tensor/dtype.js';
import { fromFloat64, type HostTensor } from '../core/tensor/host-tensor.js';

/** FNV-1a of the id: stable across runs and platforms, different for every case. */
export function seedOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export type Distribution =
  | { kind: 'normal'; std: number; mean?: number }
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'integers'; low: number; high: number } // inclusive
  | { kind: 'large'; magnitude: number }; // ±(magnitude · U[0.5, 1]), near a dtype's overflow

export class CaseData {
  private readonly rng: Rng;
  constructor(id: string) {
    this.rng = new Rng(seedOf(id));
  }

  values(count: number, d: Distribution): Float64Array {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      switch (d.kind) {
        case 'normal':
          out[i] = (d.mean ?? 0) + d.std * this.rng.normal();
          break;
        case 'uniform':
          out[i] = d.low + (d.high - d.low) * this.rng.nextFloat();
          break;
        case 'integers':
          out[i] = d.low + Math.floor(this.rng.nextFloat() * (d.high - d.low + 1));
          break;
        case 'large':
          out[i] = (this.rng.nextFloat() < 0.5 ? -1 : 1) * d.magnitude * (0.5 + 0.5 * this.rng.nextFloat());
          break;
      }
    }
    return out;
  }

  tensor(dtype: DType, shape: readonly number[], d: Distribution): HostTensor {
    return fromFloat64(dtype, shape, this.values(shape.reduce((p, x) => p * x, 1), d));
  }

  int(low: number, high: number): number {
    return low + Math.floor(this.rng.nextFloat() * (high - low + 1));
  }
}

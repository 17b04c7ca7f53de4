import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';
import { erfc } from '../erf.js';

/** Exact GeLU, x·Φ(x) = x · ½ · erfc(−x/√2) (erfc keeps accuracy for large negative x). */
export function geluErf(x: number): number {
  return 0.5 * x * erfc(-x / Math.SQRT2);
}

export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

export const gelu: RefKernel = ([x], attrs) => {
  const f = attrs['approximate'] === 'tanh' ? geluTanh : geluErf;
  return [rounded(x!.dtype, x!.shape, x!.values.map(f))];
};

import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';

/** silu(a) = a · sigmoid(a) = a / (1 + e^−a). */
export function silu(a: number): number {
  return a / (1 + Math.exp(-a));
}

/** silu(x₁) · x₂ per row, x₁ the first half of the last dim, in float64, rounded once. */
export const swiglu: RefKernel = ([x]) => {
  const width = x!.shape[x!.shape.length - 1]!;
  const half = width / 2;
  const rows = x!.values.length / width;
  const xv = x!.values;
  const out = new Float64Array(rows * half);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < half; i++) out[r * half + i] = silu(xv[r * width + i]!) * xv[r * width + half + i]!;
  }
  return [rounded(x!.dtype, [...x!.shape.slice(0, -1), half], out)];
};

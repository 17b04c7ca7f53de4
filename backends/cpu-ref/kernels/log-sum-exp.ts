import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';

/** log Σ exp over `n` values from `base`, in float64, with the maximum subtracted (no overflow). */
export function logSumExpLine(src: Float64Array, base: number, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = src[base + i]!;
    if (Number.isNaN(v)) return NaN;
    if (v > max) max = v;
  }
  // ±inf maxima: x − max would be NaN (inf − inf); the limits are the maximum itself (an empty row too).
  if (!Number.isFinite(max)) return max;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(src[base + i]! - max);
  return max + Math.log(sum);
}

export const logSumExp: RefKernel = ([x]) => {
  const shape = x!.shape;
  const n = shape[shape.length - 1]!;
  const outShape = shape.slice(0, -1);
  let rows = 1;
  for (const d of outShape) rows *= d;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = logSumExpLine(x!.values, r * n, n);
  return [rounded('f32', outShape, out)];
};

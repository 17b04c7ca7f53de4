import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';

/** out = x / sqrt(mean(x²) + eps) · weight per row of the last dim, in float64, rounded once. */
export const rmsNorm: RefKernel = ([x, weight], attrs) => {
  const eps = attrs['eps'] as number;
  const h = x!.shape[x!.shape.length - 1]!;
  const rows = x!.values.length / h;
  const xv = x!.values;
  const out = new Float64Array(xv.length);
  for (let r = 0; r < rows; r++) {
    const base = r * h;
    let squares = 0;
    for (let i = 0; i < h; i++) squares += xv[base + i]! * xv[base + i]!;
    const inv = 1 / Math.sqrt(squares / h + eps);
    for (let i = 0; i < h; i++) out[base + i] = xv[base + i]! * inv * weight!.values[i]!;
  }
  return [rounded(x!.dtype, x!.shape, out)];
};

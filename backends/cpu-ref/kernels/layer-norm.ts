import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';

export const layerNorm: RefKernel = ([x, weight, bias], attrs) => {
  const eps = attrs['eps'] as number;
  const h = x!.shape[x!.shape.length - 1]!;
  const rows = x!.values.length / h;
  const xv = x!.values;
  const out = new Float64Array(xv.length);
  for (let r = 0; r < rows; r++) {
    const base = r * h;
    let mean = 0;
    for (let i = 0; i < h; i++) mean += xv[base + i]!;
    mean /= h;
    let variance = 0;
    for (let i = 0; i < h; i++) variance += (xv[base + i]! - mean) ** 2;
    variance /= h;
    const inv = 1 / Math.sqrt(variance + eps);
    for (let i = 0; i < h; i++) out[base + i] = (xv[base + i]! - mean) * inv * weight!.values[i]! + bias!.values[i]!;
  }
  return [rounded(x!.dtype, x!.shape, out)];
};

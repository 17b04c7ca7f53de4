import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';
import type { DType } from '../../../core/backend-api/plugin-api.js';

/** q · scale[row] in float64 (exact for i8/i4 times an f16 scale), not yet rounded. */
export function dequantizeExact(q: Float64Array, scale: Float64Array, columns: number): Float64Array {
  const out = new Float64Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = q[i]! * scale[Math.floor(i / columns)]!;
  return out;
}

export const dequantize: RefKernel = ([q, scale], attrs) => {
  const columns = q!.shape[1]!;
  return [rounded(attrs['to'] as DType, q!.shape, dequantizeExact(q!.values, scale!.values, columns))];
};

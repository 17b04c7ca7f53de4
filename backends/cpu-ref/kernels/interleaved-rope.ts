import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';

/** Rotate the pairs (2i, 2i+1), i < r/2, of one head row at `offset` by θᵢ = position · base^(−2i/r). */
function rotatePairs(x: Float64Array, out: Float64Array, offset: number, r: number, position: number, base: number): void {
  for (let i = 0; i < r / 2; i++) {
    const theta = position * base ** ((-2 * i) / r);
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const even = x[offset + 2 * i]!;
    const odd = x[offset + 2 * i + 1]!;
    out[offset + 2 * i] = even * cos - odd * sin;
    out[offset + 2 * i + 1] = odd * cos + even * sin;
  }
}

export const interleavedRope: RefKernel = ([x, positions], attrs) => {
  const r = attrs['rotaryDim'] as number;
  const base = attrs['base'] as number;
  const [batch, heads, seq, d] = x!.shape as [number, number, number, number];
  // The values past r pass unchanged: start from a copy.
  const out = Float64Array.from(x!.values);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let s = 0; s < seq; s++) {
        rotatePairs(x!.values, out, ((b * heads + h) * seq + s) * d, r, positions!.values[b * seq + s]!, base);
      }
    }
  }
  return [rounded(x!.dtype, x!.shape, out)];
};

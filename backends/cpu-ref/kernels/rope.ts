import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';
import { rotaryAngles } from './rotary-table.js';

/** Rotate `width` values of x starting at `offset` (rotate-half pairing i ↔ i + width/2). */
function rotateInto(x: Float64Array, out: Float64Array, offset: number, width: number, position: number, base: number): void {
  const emb = rotaryAngles(position, width, base);
  const half = width / 2;
  for (let i = 0; i < width; i++) {
    const rotated = i < half ? -x[offset + i + half]! : x[offset + i - half]!;
    out[offset + i] = x[offset + i]! * Math.cos(emb[i]!) + rotated * Math.sin(emb[i]!);
  }
}

/**
 * Rotate one head row of d values at `offset`: 1-D over the whole row with `position`; 2-D (a block
 * position given) the first half with `position`, the second with `blockPosition`.
 */
export function rotateHeadRow(x: Float64Array, out: Float64Array, offset: number, d: number, position: number, blockPosition: number | null, base: number): void {
  if (blockPosition === null) {
    rotateInto(x, out, offset, d, position, base);
  } else {
    rotateInto(x, out, offset, d / 2, position, base);
    rotateInto(x, out, offset + d / 2, d / 2, blockPosition, base);
  }
}

export const rope: RefKernel = ([x, positions, blockPositions], attrs) => {
  const base = attrs['base'] as number;
  const [batch, heads, seq, d] = x!.shape as [number, number, number, number];
  const out = new Float64Array(x!.values.length);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let s = 0; s < seq; s++) {
        const token = b * seq + s;
        const blockPosition = blockPositions ? blockPositions.values[token]! : null;
        rotateHeadRow(x!.values, out, ((b * heads + h) * seq + s) * d, d, positions!.values[token]!, blockPosition, base);
      }
    }
  }
  return [rounded(x!.dtype, x!.shape, out)];
};

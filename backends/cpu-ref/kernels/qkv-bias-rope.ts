import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';
import { rotateHeadRow } from './rope.js';

export const qkvBiasRope: RefKernel = ([qkv, bias, positions, blockPositions], attrs) => {
  const heads = attrs['heads'] as number;
  const base = attrs['base'] as number;
  const [batch, seq, width] = qkv!.shape as [number, number, number];
  const d = width / (3 * heads);
  const parts = Array.from({ length: 3 }, () => new Float64Array(batch * heads * seq * d)); // q, k, v
  const row = new Float64Array(d);
  const rotatedRow = new Float64Array(d);
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < seq; s++) {
      const token = b * seq + s;
      const blockPosition = blockPositions ? blockPositions.values[token]! : null;
      for (let h = 0; h < heads; h++) {
        const target = ((b * heads + h) * seq + s) * d;
        parts.forEach((out, part) => {
          const source = h * 3 * d + part * d;
          const at = token * width + source;
          // Without a bias the values pass as they are (adding 0 would turn −0 into +0).
          for (let i = 0; i < d; i++) row[i] = bias ? qkv!.values[at + i]! + bias.values[source + i]! : qkv!.values[at + i]!;
          if (part < 2) rotateHeadRow(row, rotatedRow, 0, d, positions!.values[token]!, blockPosition, base);
          out.set(part < 2 ? rotatedRow : row, target);
        });
      }
    }
  }
  const shape = [batch, heads, seq, d];
  return parts.map((values) => rounded(qkv!.dtype, shape, values));
};

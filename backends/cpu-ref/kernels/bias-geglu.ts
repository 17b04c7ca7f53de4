import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';
import { geluErf } from './gelu.js';

export const biasGeglu: RefKernel = ([x, bias]) => {
  const width = x!.shape[x!.shape.length - 1]!;
  const half = width / 2;
  const rows = x!.values.length / width;
  const out = new Float64Array(rows * half);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < half; i++) {
      const gate = x!.values[r * width + i]! + bias!.values[i]!;
      const act = x!.values[r * width + half + i]! + bias!.values[half + i]!;
      out[r * half + i] = gate * geluErf(act);
    }
  }
  return [rounded(x!.dtype, [...x!.shape.slice(0, -1), half], out)];
};

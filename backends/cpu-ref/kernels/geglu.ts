import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';
import { geluErf } from './gelu.js';

export const geglu: RefKernel = ([x]) => {
  const width = x!.shape[x!.shape.length - 1]!;
  const half = width / 2;
  const rows = x!.values.length / width;
  const out = new Float64Array(rows * half);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < half; i++) {
      out[r * half + i] = x!.values[r * width + i]! * geluErf(x!.values[r * width + half + i]!);
    }
  }
  return [rounded(x!.dtype, [...x!.shape.slice(0, -1), half], out)];
};

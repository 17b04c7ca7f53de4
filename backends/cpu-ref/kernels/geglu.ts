import type { RefKernel } from './kernel.js';
import { rounded, type RefTensor } from '../ref-tensor.js';
import { geluErf } from './gelu.js';

/** y = x (+ bias) in float64, then y₁ · gelu_erf(y₂) per row, rounded once (geglu and bias-geglu). */
export function gegluRows(x: RefTensor, bias: RefTensor | null): RefTensor {
  const width = x.shape[x.shape.length - 1]!;
  const half = width / 2;
  const rows = x.values.length / width;
  // Without a bias the values pass as they are (adding 0 would turn −0 into +0).
  const at = (r: number, i: number) => (bias ? x.values[r * width + i]! + bias.values[i]! : x.values[r * width + i]!);
  const out = new Float64Array(rows * half);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < half; i++) out[r * half + i] = at(r, i) * geluErf(at(r, half + i));
  }
  return rounded(x.dtype, [...x.shape.slice(0, -1), half], out);
}

export const geglu: RefKernel = ([x]) => [gegluRows(x!, null)];

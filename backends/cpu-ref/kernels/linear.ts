import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';
import { dequantizeExact } from './dequantize.js';

export const linear: RefKernel = ([x, weight, bias, scale]) => {
  const [outFeatures, inFeatures] = weight!.shape as [number, number];
  const w = scale ? dequantizeExact(weight!.values, scale.values, inFeatures) : weight!.values;
  const rows = x!.values.length / inFeatures;
  const xv = x!.values;
  const out = new Float64Array(rows * outFeatures);
  for (let r = 0; r < rows; r++) {
    const xRow = r * inFeatures;
    for (let o = 0; o < outFeatures; o++) {
      const wRow = o * inFeatures;
      let sum = bias ? bias.values[o]! : 0;
      for (let i = 0; i < inFeatures; i++) sum += xv[xRow + i]! * w[wRow + i]!;
      out[r * outFeatures + o] = sum;
    }
  }
  return [rounded(x!.dtype, [...x!.shape.slice(0, -1), outFeatures], out)];
};

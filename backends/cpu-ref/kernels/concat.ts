import type { RefKernel } from './kernel.js';
import { normalizeAxis, refTensor } from '../ref-tensor.js';
import { axisGeometry, copyAxisRange } from './slicing.js';

export const concat: RefKernel = (parts, attrs) => {
  const first = parts[0]!;
  const axis = normalizeAxis(attrs['axis'] as number, first.shape.length);
  const total = parts.reduce((s, p) => s + p!.shape[axis]!, 0);
  const shape = first.shape.map((d, i) => (i === axis ? total : d));
  const { outer, inner } = axisGeometry(shape, axis);
  const values = new Float64Array(outer * total * inner);
  let start = 0;
  for (const p of parts) {
    const length = p!.shape[axis]!;
    copyAxisRange(p!.values, length, 0, values, total, start, outer, inner, length);
    start += length;
  }
  return [refTensor(first.dtype, shape, values)];
};

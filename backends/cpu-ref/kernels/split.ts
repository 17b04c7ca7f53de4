import type { RefKernel } from './kernel.js';
import { normalizeAxis, refTensor } from '../ref-tensor.js';
import { axisGeometry, copyAxisRange } from './slicing.js';

export const split: RefKernel = ([x], attrs) => {
  const axis = normalizeAxis(attrs['axis'] as number, x!.shape.length);
  const sizes = attrs['sizes'] as readonly number[];
  const { outer, length, inner } = axisGeometry(x!.shape, axis);
  let start = 0;
  return sizes.map((size) => {
    const values = new Float64Array(outer * size * inner);
    copyAxisRange(x!.values, length, start, values, size, 0, outer, inner, size);
    start += size;
    return refTensor(x!.dtype, x!.shape.map((d, i) => (i === axis ? size : d)), values);
  });
};

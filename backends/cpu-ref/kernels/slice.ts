import type { RefKernel } from './kernel.js';
import { normalizeAxis, refTensor } from '../ref-tensor.js';
import { axisGeometry, copyAxisRange } from './slicing.js';

export const slice: RefKernel = ([x], attrs) => {
  const axis = normalizeAxis(attrs['axis'] as number, x!.shape.length);
  const { outer, length, inner } = axisGeometry(x!.shape, axis);
  const clamp = (i: number) => Math.min(length, Math.max(0, i < 0 ? i + length : i));
  const start = clamp(attrs['start'] as number);
  const end = clamp(attrs['end'] as number);
  const count = Math.max(0, end - start);
  const values = new Float64Array(outer * count * inner);
  copyAxisRange(x!.values, length, start, values, count, 0, outer, inner, count);
  return [refTensor(x!.dtype, x!.shape.map((d, i) => (i === axis ? count : d)), values)];
};

import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';
import { roundHalfEven, type DType } from '../../../core/backend-api/plugin-api.js';

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

export const cast: RefKernel = ([x], attrs) => {
  const to = attrs['to'] as DType;
  if (to !== 'i32') return [rounded(to, x!.shape, Float64Array.from(x!.values))];
  const values = x!.values.map((v) => {
    if (Number.isNaN(v)) return 0;
    const r = Math.sign(v) * roundHalfEven(Math.abs(v));
    return Math.min(I32_MAX, Math.max(I32_MIN, r));
  });
  return [rounded('i32', x!.shape, values)];
};

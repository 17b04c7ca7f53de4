import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';

export const scale: RefKernel = ([x], attrs) => {
  const factor = attrs['factor'] as number;
  return [rounded(x!.dtype, x!.shape, x!.values.map((v) => v * factor))];
};

import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';

export const deepnormResidual: RefKernel = ([residual, branch], attrs) => {
  const alpha = attrs['alpha'] as number;
  const out = residual!.values.map((r, i) => r * alpha + branch!.values[i]!);
  return [rounded(residual!.dtype, residual!.shape, out)];
};

import type { RefKernel } from './kernel.js';
import { refTensor, sizeOf } from '../ref-tensor.js';
import { GlmError } from '../../../core/backend-api/plugin-api.js';

export const reshape: RefKernel = ([x], attrs, context) => {
  const shape = context.resolveShape(attrs['shape'] as readonly (number | string)[]);
  if (sizeOf(shape) !== x!.values.length) throw new GlmError('shape', `cannot reshape [${x!.shape}] to [${shape}]`);
  return [refTensor(x!.dtype, shape, x!.values)];
};

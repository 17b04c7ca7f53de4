import type { RefKernel } from './kernel.js';
import { forEachBroadcast, refTensor, stridesOf } from '../ref-tensor.js';

export const transpose: RefKernel = ([x], attrs) => {
  const perm = attrs['perm'] as readonly number[];
  const inStrides = stridesOf(x!.shape);
  const shape = perm.map((p) => x!.shape[p]!);
  const out = new Float64Array(x!.values.length);
  const src = x!.values;
  // Walk the output in order; the input offset advances by the permuted strides.
  forEachBroadcast(shape, perm.map((p) => inStrides[p]!), perm.map(() => 0), (o, i) => {
    out[o] = src[i]!;
  });
  return [refTensor(x!.dtype, shape, out)];
};

import type { RefKernel } from './kernel.js';
import { broadcastStrides, forEachBroadcast, rounded } from '../ref-tensor.js';

export const maskedFill: RefKernel = ([x, mask], attrs) => {
  const value = attrs['value'] as number;
  const out = new Float64Array(x!.values.length);
  forEachBroadcast(x!.shape, broadcastStrides(x!.shape, x!.shape), broadcastStrides(mask!.shape, x!.shape), (o, i, m) => {
    out[o] = mask!.values[m] !== 0 ? x!.values[i]! : value;
  });
  return [rounded(x!.dtype, x!.shape, out)];
};

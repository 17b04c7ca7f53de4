import type { RefKernel } from './kernel.js';
import { broadcastShape, broadcastStrides, forEachBroadcast, rounded, sizeOf } from '../ref-tensor.js';

function binary(f: (x: number, y: number) => number): RefKernel {
  return ([a, b]) => {
    const shape = broadcastShape(a!.shape, b!.shape);
    const out = new Float64Array(sizeOf(shape));
    const av = a!.values;
    const bv = b!.values;
    if (a!.values.length === out.length && b!.values.length === out.length) {
      for (let i = 0; i < out.length; i++) out[i] = f(av[i]!, bv[i]!);
    } else {
      forEachBroadcast(shape, broadcastStrides(a!.shape, shape), broadcastStrides(b!.shape, shape), (o, i, j) => {
        out[o] = f(av[i]!, bv[j]!);
      });
    }
    return [rounded(a!.dtype, shape, out)];
  };
}

export const add = binary((x, y) => x + y);
export const mul = binary((x, y) => x * y);

import type { RefKernel } from './kernel.js';
import { normalizeAxis, rounded } from '../ref-tensor.js';

/** Softmax over `length` elements spaced `stride` apart, starting at `base`, in float64. */
export function softmaxLine(src: Float64Array, dst: Float64Array, base: number, length: number, stride: number): void {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, src[base + i * stride]!);
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const e = Math.exp(src[base + i * stride]! - max);
    dst[base + i * stride] = e;
    sum += e;
  }
  for (let i = 0; i < length; i++) dst[base + i * stride]! /= sum;
}

export const softmax: RefKernel = ([x], attrs) => {
  const shape = x!.shape;
  const axis = normalizeAxis(attrs['axis'] as number, shape.length);
  const length = shape[axis]!;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  const outer = x!.values.length / (length * inner || 1);
  const out = new Float64Array(x!.values.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) softmaxLine(x!.values, out, o * length * inner + i, length, inner);
  }
  return [rounded(x!.dtype, shape, out)];
};

/**
 * The fixed-capacity KV cache: cache-write (S = 1 and S > 1, at the start and at the end, GLM-130B's
 * head dim 128), and attention / glm-mask-fill over a capacity-C cache holding `length` valid keys
 * (decode over 2048 with length 1, 17 and 2048; prefill with Q = length; a chunk in the middle).
 */
import type { DType } from '../../core/tensor/dtype.js';
import { hostTensor } from '../../core/tensor/host-tensor.js';
import type { GraphCase } from '../case.js';
import { dims, FLOAT_TYPES, opCases } from './op-case.js';

const scalar = (value: number) => () => hostTensor('i32', [1], Int32Array.from([value]));

interface WriteShape {
  cache: [number, number, number, number];
  steps: number;
  offset: number;
}

const WRITES: WriteShape[] = [
  { cache: [1, 2, 64, 128], steps: 1, offset: 0 },
  { cache: [1, 2, 64, 128], steps: 1, offset: 63 },
  { cache: [2, 3, 64, 128], steps: 7, offset: 0 },
  { cache: [2, 3, 64, 128], steps: 7, offset: 57 },
  { cache: [2, 2, 2048, 128], steps: 1, offset: 2047 },
  { cache: [1, 2, 2048, 128], steps: 16, offset: 1000 },
  { cache: [1, 2, 256, 128], steps: 256, offset: 0 },
  { cache: [3, 1, 9, 5], steps: 2, offset: 7 }, // odd sizes: no vector widening
];

function cacheWrites(dtype: DType): GraphCase[] {
  return WRITES.flatMap(({ cache, steps, offset }) => {
    const [b, h, , d] = cache;
    const spec = {
      op: 'cache-write' as const, dtype, label: `${dims(cache)}-write${steps}-at${offset}`,
      inputs: [{ dtype, shape: cache }, { dtype, shape: [b, h, steps, d] }, { dtype: 'i32' as const, shape: [1], data: scalar(offset) }],
      errorClass: 'exact' as const,
    };
    // Out of place (a backend must not modify its inputs), and with the output bound to the cache itself.
    return [...opCases(spec), ...opCases({ ...spec, inPlace: true })];
  });
}

interface LengthShape {
  label: string;
  b: number;
  h: number;
  q: number;
  /** Capacity: the keys the cache has room for. */
  k: number;
  length: number;
  d: number;
  ctx: number[];
}

const LENGTH_SHAPES: LengthShape[] = [
  { label: 'decode-1-of-2048', b: 1, h: 2, q: 1, k: 2048, length: 1, d: 128, ctx: [1] },
  { label: 'decode-17-of-2048', b: 1, h: 2, q: 1, k: 2048, length: 17, d: 128, ctx: [5] },
  { label: 'decode-2048-of-2048', b: 1, h: 2, q: 1, k: 2048, length: 2048, d: 128, ctx: [700] },
  { label: 'decode-b16-1-of-2048', b: 16, h: 1, q: 1, k: 2048, length: 1, d: 128, ctx: Array(16).fill(0) },
  { label: 'decode-b16-17-of-2048', b: 16, h: 1, q: 1, k: 2048, length: 17, d: 128, ctx: Array.from({ length: 16 }, (_, i) => i) },
  { label: 'decode-b16-2048-of-2048', b: 16, h: 1, q: 1, k: 2048, length: 2048, d: 128, ctx: Array(16).fill(1500) },
  { label: 'prefill-7-of-64', b: 2, h: 2, q: 7, k: 64, length: 7, d: 64, ctx: [3, 7] },
  { label: 'prefill-65-of-128', b: 1, h: 2, q: 65, k: 128, length: 65, d: 128, ctx: [30] },
  { label: 'chunk-16-to-1040-of-2048', b: 1, h: 2, q: 16, k: 2048, length: 1040, d: 128, ctx: [1000] },
];

function lengthCases(dtype: DType): GraphCase[] {
  return LENGTH_SHAPES.flatMap((s) => {
    const ctx = { dtype: 'i32' as const, shape: [s.b], data: () => hostTensor('i32', [s.b], Int32Array.from(s.ctx)) };
    const length = { dtype: 'i32' as const, shape: [1], data: scalar(s.length) };
    return [
      ...opCases({
        op: 'attention', dtype, label: `glm-length-${s.label}`,
        inputs: [{ dtype, shape: [s.b, s.h, s.q, s.d] }, { dtype, shape: [s.b, s.h, s.k, s.d] }, { dtype, shape: [s.b, s.h, s.k, s.d] }, ctx, length],
        attrs: { mask: 'glm', layerIndex: s.length % 5 },
        errorClass: 'attention', reductionLength: Math.max(s.length, s.d), flops: 4 * s.b * s.h * s.q * s.length * s.d,
      }),
      ...(s.k <= 128 || s.b === 1 ? opCases({
        op: 'glm-mask-fill', dtype, label: `length-${s.label}`,
        inputs: [{ dtype, shape: [s.b, s.h, s.q, s.k] }, ctx, length],
        errorClass: 'exact',
      }) : []),
    ];
  });
}

export function kvCacheCases(): GraphCase[] {
  return FLOAT_TYPES.flatMap((dtype) => [...cacheWrites(dtype), ...lengthCases(dtype)]);
}

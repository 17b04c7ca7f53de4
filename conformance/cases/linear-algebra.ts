/** matmul, linear, layer-norm, softmax: the reductions, at sizes chosen to break tiled kernels. */
import type { DType } from '../../core/tensor/dtype.js';
import { fromFloat64, toFloat64, type HostTensor } from '../../core/tensor/host-tensor.js';
import { DTYPE_INFO } from '../../core/tensor/dtype.js';
import { quantizeRows } from '../../core/passes/quantize-weights.js';
import type { GraphCase } from '../case.js';
import { dims, FLOAT_TYPES, opCases } from './op-case.js';

// Sizes just off the multiples of 8/16/32/64/128 tiles, and 1.
const M = [1, 7, 17, 65];
const K = [1, 16, 33, 127, 256];
const N = [1, 9, 64, 129];
const LONG_K = [4095, 8193, 32768];

function matmulCases(dtype: DType): GraphCase[] {
  const cases: GraphCase[] = [];
  for (const m of M) for (const k of K) for (const n of N) for (const transposeB of [false, true]) {
    cases.push(...opCases({
      op: 'matmul', dtype, label: `${m}x${k}x${n}${transposeB ? '-tb' : ''}`,
      inputs: [{ dtype, shape: [m, k] }, { dtype, shape: transposeB ? [n, k] : [k, n] }],
      attrs: { transposeB }, errorClass: 'reduction', reductionLength: k, flops: 2 * m * n * k,
    }));
  }
  for (const k of LONG_K) {
    cases.push(...opCases({
      op: 'matmul', dtype, label: `long-k-2x${k}x3-tb`,
      inputs: [{ dtype, shape: [2, k] }, { dtype, shape: [3, k] }], attrs: { transposeB: true },
      errorClass: 'reduction', reductionLength: k, flops: 12 * k,
    }));
  }
  // Batch dims: equal, broadcast one side, broadcast both.
  const batched: [number[], number[]][] = [[[3, 5, 17], [3, 17, 9]], [[2, 4, 7, 33], [33, 5]], [[4, 1, 6, 16], [3, 16, 8]], [[1, 9, 64], [5, 64, 3]]];
  for (const [a, b] of batched) {
    const k = a[a.length - 1]!;
    cases.push(...opCases({
      op: 'matmul', dtype, label: `batch-${dims(a)}-by-${dims(b)}`,
      inputs: [{ dtype, shape: a }, { dtype, shape: b }], errorClass: 'reduction', reductionLength: k,
      flops: 2 * k * matmulOutputCount(a, b),
    }));
  }
  return cases;
}

/** Elements of a broadcast batched product's output. */
function matmulOutputCount(a: number[], b: number[]): number {
  const batchA = a.slice(0, -2);
  const batchB = b.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  let count = a[a.length - 2]! * b[b.length - 1]!;
  for (let i = 0; i < rank; i++) count *= Math.max(batchA[batchA.length - rank + i] ?? 1, batchB[batchB.length - rank + i] ?? 1);
  return count;
}

function linearCases(dtype: DType): GraphCase[] {
  const cases: GraphCase[] = [];
  const shapes: [number, number, number][] = [[1, 2, 1], [3, 16, 5], [7, 34, 9], [2, 128, 65], [1, 4096, 3], [2, 12288, 2]];
  // Quantized decode products over several blocks of features and a K that ends inside a tile of
  // the GPU GEMVs (5 and 8 rows: every activation row of an m16n8k16 product's 8 columns).
  const quantizedShapes: [number, number, number][] = [[8, 384, 200], [5, 1152, 100]];
  const variants = [
    ...shapes.flatMap((shape) => (['float', 'i8', 'i4'] as const).flatMap((weight) => [true, false].map((bias) => ({ shape, weight, bias })))),
    ...quantizedShapes.flatMap((shape) => (['i8', 'i4'] as const).map((weight) => ({ shape, weight, bias: true }))),
  ];
  for (const { shape: [rows, inner, out], weight, bias } of variants) {
    const w = weight === 'float'
      ? { dtype, shape: [out, inner] }
      : {
          dtype: weight as DType,
          shape: [out, inner],
          data: (d: import('../seeded.js').CaseData) => quantizeRows(d.tensor('f32', [out, inner], { kind: 'normal', std: 0.05 }), weight === 'i8' ? 8 : 4, dtype).q,
        };
    const scale = weight === 'float'
      ? null
      : { dtype, shape: [out], data: (d: import('../seeded.js').CaseData) => fromFloat64(dtype, [out], d.values(out, { kind: 'uniform', low: 0.001, high: 0.02 })) };
    cases.push(...opCases({
      op: 'linear', dtype, label: `${rows}x${inner}x${out}-${weight}${bias ? '-bias' : ''}`,
      inputs: [{ dtype, shape: [rows, inner] }, w, bias ? { dtype, shape: [out] } : null, scale],
      errorClass: 'reduction', reductionLength: inner, flops: 2 * rows * inner * out,
    }));
  }
  // Activations with batch and sequence dims, as in a GLM block.
  cases.push(...opCases({
    op: 'linear', dtype, label: '2x5x64x96-bias',
    inputs: [{ dtype, shape: [2, 5, 64] }, { dtype, shape: [96, 64] }, { dtype, shape: [96] }, null],
    errorClass: 'reduction', reductionLength: 64, flops: 2 * 10 * 64 * 96,
  }));
  return cases;
}

/**
 * Layer-norm subtracts the row mean: rounding μ to fp32 errs by |μ|·2⁻²⁴, which relative to the
 * row's spread σ is |μ|/σ·2⁻²⁴ — large for rows of nearly equal values far from zero. In output ε,
 * with 8× margin, from the worst row of the drawn data.
 */
function layerNormConditioning(x: HostTensor, dtype: DType): number {
  const values = toFloat64(x);
  const h = x.shape[x.shape.length - 1]!;
  let worst = 0;
  for (let r = 0; r < values.length / h; r++) {
    const row = values.subarray(r * h, (r + 1) * h);
    const mean = row.reduce((s, v) => s + v, 0) / h;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / h;
    worst = Math.max(worst, Math.abs(mean) / Math.sqrt(variance + 1e-5));
  }
  return (8 * worst * 2 ** -24) / DTYPE_INFO[dtype].epsilon;
}

function layerNormCases(dtype: DType): GraphCase[] {
  const cases: GraphCase[] = [];
  for (const h of [1, 2, 7, 63, 64, 65, 127, 128, 129, 1023, 4096, 12288]) {
    for (const rows of [1, 3]) {
      // An offset mean makes naive one-pass variance lose its digits.
      for (const mean of [0, 8]) {
        cases.push(...opCases({
          op: 'layer-norm', dtype, label: `${rows}x${h}-mean${mean}`,
          inputs: [{ dtype, shape: [rows, h], data: { kind: 'normal', std: 1, mean } }, { dtype, shape: [h], data: { kind: 'normal', std: 0.2, mean: 1 } }, { dtype, shape: [h], data: { kind: 'normal', std: 0.2 } }],
          errorClass: 'reduction', reductionLength: h, flops: 8 * rows * h,
          extraEpsFromInputs: (inputs) => layerNormConditioning(inputs['in0']!, dtype), extraReason: 'an fp32 mean far from zero (|μ|/σ)',
        }));
      }
    }
  }
  return cases;
}

function softmaxCases(dtype: DType): GraphCase[] {
  const cases: GraphCase[] = [];
  for (const length of [1, 2, 17, 64, 255, 2048, 32768]) {
    for (const rows of [1, 3]) {
      for (const std of [1, 30]) {
        cases.push(...opCases({
          op: 'softmax', dtype, label: `${rows}x${length}-std${std}`,
          inputs: [{ dtype, shape: [rows, length], data: { kind: 'normal', std } }],
          errorClass: 'reduction', reductionLength: length, flops: 5 * rows * length,
        }));
      }
    }
  }
  for (const [shape, axis] of [[[7, 5], 0], [[2, 9, 4], 1], [[3, 4, 33], -1]] as const) {
    cases.push(...opCases({
      op: 'softmax', dtype, label: `${dims(shape)}-axis${axis}`,
      inputs: [{ dtype, shape }], attrs: { axis }, errorClass: 'reduction', reductionLength: shape[axis < 0 ? shape.length + axis : axis]!,
    }));
  }
  return cases;
}

export function linearAlgebraCases(): GraphCase[] {
  return FLOAT_TYPES.flatMap((dtype) => [...matmulCases(dtype), ...linearCases(dtype), ...layerNormCases(dtype), ...softmaxCases(dtype)]);
}

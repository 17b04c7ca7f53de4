/** Element-wise ops: add, mul, scale, gelu, cast, masked-fill, dequantize, geglu, bias-geglu, deepnorm-residual. */
import type { DType } from '../../core/tensor/dtype.js';
import { fromFloat64 } from '../../core/tensor/host-tensor.js';
import type { GraphCase } from '../case.js';
import type { CaseData } from '../seeded.js';
import { dims, FLOAT_TYPES, nearOverflow, opCases, product } from './op-case.js';

const SIZES = [1, 17, 64, 1000];
const BROADCASTS: [number[], number[]][] = [
  [[1], [1]], [[17], [17]], [[3, 5], [3, 5]], [[3, 5], [5]], [[3, 5], [1]], [[4, 1, 6], [5, 1]], [[2, 3, 4], [2, 1, 4]], [[65], [65]], [[2, 33, 7], [7]], [[1, 1], [9, 1]],
];

function binaryCases(): GraphCase[] {
  const cases: GraphCase[] = [];
  for (const op of ['add', 'mul'] as const) {
    for (const dtype of [...FLOAT_TYPES, 'i32'] as DType[]) {
      const data = dtype === 'i32' ? ({ kind: 'integers', low: -1000, high: 1000 } as const) : undefined;
      for (const [a, b] of BROADCASTS) {
        cases.push(...opCases({ op, dtype, label: `${dims(a)}-${dims(b)}`, inputs: [{ dtype, shape: a, data }, { dtype, shape: b, data }], errorClass: dtype === 'i32' ? 'exact' : 'rounded' }));
      }
      // Lengths on both sides of vector widths and block sizes, where tail handling breaks.
      for (const n of [2, 3, 5, 8, 9, 31, 32, 33, 127, 128, 129, 4097]) {
        cases.push(...opCases({ op, dtype, label: `tail-${n}`, inputs: [{ dtype, shape: [n], data }, { dtype, shape: [n], data }], errorClass: dtype === 'i32' ? 'exact' : 'rounded' }));
      }
      if (dtype !== 'i32') {
        // Magnitudes near the dtype's overflow: sums and products that must round to ±Inf exactly as the reference does.
        const large = { kind: 'large', magnitude: op === 'add' ? nearOverflow(dtype) : Math.sqrt(nearOverflow(dtype)) * 1.5 } as const;
        cases.push(...opCases({ op, dtype, label: '257-near-overflow', inputs: [{ dtype, shape: [257], data: large }, { dtype, shape: [257], data: large }], errorClass: 'rounded' }));
      }
    }
  }
  return cases;
}

function scaleCases(): GraphCase[] {
  return FLOAT_TYPES.flatMap((dtype) => [
    ...SIZES.flatMap((n) => [-1, 0.125, 3.3, 1e-3].flatMap((factor) =>
      opCases({ op: 'scale', dtype, label: `${n}-by-${factor}`, inputs: [{ dtype, shape: [n] }], attrs: { factor }, errorClass: 'rounded' }))),
    ...opCases({ op: 'scale', dtype, label: '129-near-overflow-by-2.5', inputs: [{ dtype, shape: [129], data: { kind: 'large', magnitude: nearOverflow(dtype) } }], attrs: { factor: 2.5 }, errorClass: 'rounded' }),
  ]);
}

function geluCases(): GraphCase[] {
  return FLOAT_TYPES.flatMap((dtype) => ['none', 'tanh'].flatMap((approximate) => [
    ...SIZES.flatMap((n) => opCases({ op: 'gelu', dtype, label: `${n}-${approximate}`, inputs: [{ dtype, shape: [n], data: { kind: 'normal', std: 3 } }], attrs: { approximate }, errorClass: 'few-roundings' })),
    ...opCases({ op: 'gelu', dtype, label: `65-wide-range-${approximate}`, inputs: [{ dtype, shape: [65], data: { kind: 'uniform', low: -12, high: 12 } }], attrs: { approximate }, errorClass: 'few-roundings' }),
  ]));
}

/** Values that sit exactly on rounding ties of the target dtype, and values around its overflow. */
function castData(from: DType, to: DType, kind: 'normal' | 'edges') {
  return (d: CaseData) => {
    const n = 33;
    if (kind === 'normal') return d.tensor(from, [n], from === 'i32' ? { kind: 'integers', low: -70000, high: 70000 } : { kind: 'normal', std: 100 });
    const edges = to === 'f16' ? [65504, 65519, 65520, -65520, 6e-8, 3e-8, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2049, 2051, 0.1]
      : to === 'bf16' ? [1 + 2 ** -8, 1 + 3 * 2 ** -8, 257, 259, 3.4e38, 1e-40, 0.1, -0.5]
      : to === 'i32' ? [0.5, 1.5, 2.5, -0.5, -1.5, 3e9, -3e9, 65504, 7.49]
      : [16777217, 16777219, 0.1, -(2 ** 31), 2 ** 31 - 1];
    const values = Array.from({ length: n }, (_, i) => edges[i % edges.length]!);
    return fromFloat64(from, [n], values);
  };
}

function castCases(): GraphCase[] {
  const types: DType[] = ['f32', 'f16', 'bf16', 'i32'];
  const cases: GraphCase[] = [];
  for (const from of types) for (const to of types) {
    if (from === to) continue;
    for (const kind of ['normal', 'edges'] as const) {
      const exact = to === 'i32' || (to === 'f32' && from !== 'i32');
      cases.push(...opCases({ op: 'cast', dtype: to, label: `from-${from}-${kind}`, inputs: [{ dtype: from, shape: [33], data: castData(from, to, kind) }], attrs: { to }, errorClass: exact ? 'exact' : 'rounded' }));
    }
  }
  return cases;
}

function maskedFillCases(): GraphCase[] {
  const cases: GraphCase[] = [];
  for (const dtype of FLOAT_TYPES) {
    for (const [x, m] of [[[2, 3, 5], [2, 3, 5]], [[2, 3, 5], [2, 1, 5]], [[4, 9], [9]], [[1, 2, 7, 7], [1, 1, 7, 7]]] as [number[], number[]][]) {
      for (const density of [0, 0.5, 1]) {
        const mask = (d: CaseData) => fromFloat64('i8', m, d.values(product(m), { kind: 'uniform', low: 0, high: 1 }).map((u) => (u < density ? 0 : 1)));
        cases.push(...opCases({ op: 'masked-fill', dtype, label: `${dims(x)}-mask-${dims(m)}-masked${density}`, inputs: [{ dtype, shape: x }, { dtype: 'i8', shape: m, data: mask }], attrs: { value: -10000 }, errorClass: 'exact' }));
      }
    }
  }
  return cases;
}

function dequantizeCases(): GraphCase[] {
  const cases: GraphCase[] = [];
  for (const q of ['i8', 'i4'] as DType[]) for (const to of FLOAT_TYPES) for (const [r, c] of [[1, 2], [7, 16], [33, 64], [4, 130]]) {
    const range = q === 'i8' ? 127 : 7;
    cases.push(...opCases({
      op: 'dequantize', dtype: to, label: `${q}-${r}x${c}`,
      inputs: [{ dtype: q, shape: [r!, c!], data: { kind: 'integers', low: -range, high: range } }, { dtype: to, shape: [r!], data: { kind: 'uniform', low: 1e-3, high: 0.05 } }],
      attrs: { to }, errorClass: 'rounded',
    }));
  }
  return cases;
}

function gegluAndResidualCases(): GraphCase[] {
  const cases: GraphCase[] = [];
  for (const dtype of FLOAT_TYPES) {
    for (const shape of [[2], [1, 34], [3, 130], [2, 5, 256], [1, 1, 8192], [7, 66]]) {
      cases.push(...opCases({ op: 'geglu', dtype, label: dims(shape), inputs: [{ dtype, shape, data: { kind: 'normal', std: 2 } }], errorClass: 'few-roundings' }));
    }
    // bias-geglu: the up-projection's product without its bias, [..., 2F], and the bias [2F]
    for (const shape of [[2], [3, 130], [7, 66], [1, 1, 8192]]) {
      const bias = [shape[shape.length - 1]!];
      cases.push(...opCases({
        op: 'bias-geglu', dtype, label: dims(shape),
        inputs: [{ dtype, shape, data: { kind: 'normal', std: 2 } }, { dtype, shape: bias, data: { kind: 'normal', std: 0.5 } }], errorClass: 'few-roundings',
      }));
    }
    for (const shape of [[1], [17], [3, 64], [2, 5, 129], [1, 12288], [4, 33]]) {
      for (const alpha of [Math.sqrt(140), 2]) {
        cases.push(...opCases({ op: 'deepnorm-residual', dtype, label: `${dims(shape)}-alpha${alpha.toFixed(3)}`, inputs: [{ dtype, shape }, { dtype, shape, data: { kind: 'normal', std: 4 } }], attrs: { alpha }, errorClass: 'few-roundings' }));
      }
    }
  }
  return cases;
}

export function elementwiseCases(): GraphCase[] {
  return [...binaryCases(), ...scaleCases(), ...geluCases(), ...castCases(), ...maskedFillCases(), ...dequantizeCases(), ...gegluAndResidualCases()];
}

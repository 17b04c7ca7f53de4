/**
 * On-device sampling: top-k and log-sum-exp over logits rows, up to the vocabulary's width.
 *
 * How they are judged.
 *  - top-k computes nothing: both outputs are a selection of the input's bits, and the op's order is
 *    total (value, NaN above +inf, then the lower index). A one-op case hands the backend exactly the
 *    reference's input bits, so there is no rounding to tie "within": values and indices must match
 *    exactly ('exact'). Ties are exercised on purpose (integer levels spread over every chunk of a row).
 *    Where top-k follows computed logits in a bigger graph, an index may legitimately differ when two
 *    logits are within rounding of each other; no case here does that.
 *  - log-sum-exp: out = m + log S with S = Σ exp(x − m) accumulated in fp32. The relative error of S
 *    becomes an absolute error of out, bounded by the 'reduction' class over K = N as long as the scale
 *    the comparison divides by, max(|out|, rms of the outputs), is about 1 or more: it is in every case
 *    here (the smallest, 0.92, in f32 [4, 2]; a row with one survivor gives m itself, exactly). Rows whose
 *    results all cancel to ~0 would need an absolute bound instead. On top of it: the fp32 exp of a rounded x − m, whose error weighted by
 *    the terms is ≤ u·ln N, and logf's ulp — a few ε, allowed as extraWorstEps. The output is f32
 *    whatever x's dtype, so the tolerance is in f32's ε.
 */
import type { DType } from '../../core/tensor/dtype.js';
import { fromFloat64 } from '../../core/tensor/host-tensor.js';
import type { GraphCase } from '../case.js';
import type { CaseData } from '../seeded.js';
import { dims, FLOAT_TYPES, nearOverflow, opCases, product, type InputSpec } from './op-case.js';

type InputData = InputSpec['data'];

/** GLM-130B's padded vocabulary, and an odd width near it. */
const VOCAB = 150528;
const ODD_VOCAB = 150001;

/** Logit-like rows: normal, std 3. */
const LOGITS = { kind: 'normal', std: 3 } as const;

/**
 * Rows of levels (integers over 16, `perRow` of them, shifted by the row index): in a vocabulary-wide
 * row each level has ~37 copies spread over every chunk, so the k largest tie across chunks; the half
 * types' rounding merges neighbouring levels (more ties); and the rows differ from each other.
 */
function levels(dtype: DType, shape: readonly number[], perRow: number) {
  return (d: CaseData) => {
    const n = shape[shape.length - 1]!;
    const u = d.values(product(shape), { kind: 'integers', low: 0, high: perRow - 1 });
    return fromFloat64(dtype, shape, u.map((v, i) => Math.floor(i / n) + v / 16));
  };
}

/** Each row constant (a different constant per row): every element ties. */
function constantRows(dtype: DType, shape: readonly number[]) {
  return () => {
    const n = shape[shape.length - 1]!;
    return fromFloat64(dtype, shape, Array.from({ length: product(shape) }, (_, i) => 0.25 * Math.floor(i / n) - 1));
  };
}

/** Normal rows with NaN, ±inf, −0 and +0 planted at fixed places, twice each (ties among them). */
function specialValues(dtype: DType, shape: readonly number[]) {
  return (d: CaseData) => {
    const values = d.values(product(shape), { kind: 'normal', std: 1 });
    const n = shape[shape.length - 1]!;
    const planted = [NaN, Infinity, -Infinity, -0, 0, NaN, Infinity, -Infinity, 0, -0];
    for (let r = 0; r < values.length / n; r++) planted.forEach((v, j) => (values[r * n + ((7 * j + 3 * r) % n)] = v));
    return fromFloat64(dtype, shape, values);
  };
}

function topKCases(): GraphCase[] {
  const cases: GraphCase[] = [];
  for (const dtype of FLOAT_TYPES) {
    const add = (label: string, shape: number[], k: number, data?: InputData) =>
      cases.push(...opCases({ op: 'top-k', dtype, label: `${label}-k${k}`, inputs: [{ dtype, shape, data: data ?? LOGITS }], attrs: { k }, errorClass: 'exact' }));
    // Vocabulary-wide rows: greedy (k = 1), the usual sampling k, a batch of 16, an odd width.
    add(dims([1, VOCAB]), [1, VOCAB], 1);
    add(dims([4, VOCAB]), [4, VOCAB], 64);
    add(dims([16, VOCAB]), [16, VOCAB], 40);
    add(dims([2, ODD_VOCAB]), [2, ODD_VOCAB], 50);
    add(dims([2, VOCAB]), [2, VOCAB], 256); // the most passes over the GPU's key buffers
    add(`${dims([4, VOCAB])}-ties`, [4, VOCAB], 64, levels(dtype, [4, VOCAB], 4000));
    // Widths around the GPU kernels' chunk (4096): a last chunk with fewer than k elements, exactly one chunk,
    // and 65 chunks whose 4,160 keys need a third pass.
    add(dims([2, 4097]), [2, 4097], 64);
    add(dims([3, 4096]), [3, 4096], 64);
    add(dims([1, 65 * 4096]), [1, 65 * 4096], 64);
    add(`${dims([2, 6143])}-ties`, [2, 6143], 33, levels(dtype, [2, 6143], 40));
    // k = N, k = 1, a large k, other ranks. (N = 1 is in the numpy fixtures: its indices are all 0,
    // a constant output conformance would mistrust.)
    add(dims([3, 17]), [3, 17], 17);
    add(dims([2, 64]), [2, 64], 64);
    add(dims([7, 1000]), [7, 1000], 1);
    add(dims([2, 1000]), [2, 1000], 256);
    add(dims([1000]), [1000], 8);
    add(dims([2, 3, 50]), [2, 3, 50], 5);
    // Ties everywhere, and the total order's special values.
    add(`${dims([3, 1000])}-constant-rows`, [3, 1000], 10, constantRows(dtype, [3, 1000]));
    add(`${dims([3, 37])}-nan-inf-zeros`, [3, 37], 37, specialValues(dtype, [3, 37]));
    add(`${dims([2, 4097])}-nan-inf-zeros`, [2, 4097], 12, specialValues(dtype, [2, 4097]));
  }
  return cases;
}

/** Rows with −inf (masked) entries: a fraction masked, or all but one. */
function masked(dtype: DType, shape: readonly number[], keep: 'tenth' | 'one') {
  return (d: CaseData) => {
    const n = shape[shape.length - 1]!;
    const values = d.values(product(shape), LOGITS);
    const u = d.values(product(shape), { kind: 'uniform', low: 0, high: 1 });
    for (let i = 0; i < values.length; i++) {
      const survivor = keep === 'one' ? i % n === (Math.floor(i / n) * 997) % n : u[i]! < 0.1;
      if (!survivor) values[i] = -Infinity;
    }
    return fromFloat64(dtype, shape, values);
  };
}

/** Row 0 all −inf, row 1 normal, row 2 with a +inf, row 3 with a NaN, row 4 with −inf and +inf. */
function specialRows(dtype: DType, n: number) {
  return (d: CaseData) => {
    const values = d.values(5 * n, LOGITS);
    for (let i = 0; i < n; i++) values[i] = -Infinity;
    values[2 * n + (n >> 1)] = Infinity;
    values[3 * n + n - 1] = NaN;
    values[4 * n] = -Infinity;
    values[4 * n + 1] = Infinity;
    return fromFloat64(dtype, [5, n], values);
  };
}

function logSumExpCases(): GraphCase[] {
  const cases: GraphCase[] = [];
  for (const dtype of FLOAT_TYPES) {
    const add = (label: string, shape: number[], data?: InputData) =>
      cases.push(...opCases({
        op: 'log-sum-exp', dtype, label, inputs: [{ dtype, shape, data: data ?? LOGITS }],
        errorClass: 'reduction', toleranceDtype: 'f32', reductionLength: shape[shape.length - 1]!,
        extraWorstEps: 8, extraReason: 'the fp32 exp of a rounded x − max (≤ u·ln N, weighted) and logf',
      }));
    add(dims([1, VOCAB]), [1, VOCAB]);
    add(dims([16, VOCAB]), [16, VOCAB]);
    add(dims([3, ODD_VOCAB]), [3, ODD_VOCAB]);
    add(dims([1000]), [1000]);
    add(dims([5, 17]), [5, 17]);
    add(dims([4, 2]), [4, 2]);
    add(dims([3, 1]), [3, 1]);
    add(dims([2, 3, 64]), [2, 3, 64]);
    add(`${dims([7, 33])}-std30`, [7, 33], { kind: 'normal', std: 30 });
    add(`${dims([3, 2049])}-near-overflow`, [3, 2049], { kind: 'large', magnitude: nearOverflow(dtype) });
    add(`${dims([4, 4097])}-masked-most`, [4, 4097], masked(dtype, [4, 4097], 'tenth'));
    add(`${dims([3, VOCAB])}-one-survivor`, [3, VOCAB], masked(dtype, [3, VOCAB], 'one'));
    add(`${dims([5, 3000])}-inf-nan-rows`, [5, 3000], specialRows(dtype, 3000));
  }
  return cases;
}

export function samplingCases(): GraphCase[] {
  return [...topKCases(), ...logSumExpCases()];
}

import type { RefKernel } from './kernel.js';
import { GlmError } from '../../../core/backend-api/plugin-api.js';
import { refTensor } from '../ref-tensor.js';

/**
 * The op's total order, as a comparator that sorts the first-ranked element first: larger values
 * first, NaN above everything (all NaNs equal), −0 equal to +0 (=== already says so), then the
 * lower index. The values are exact f32/f16/bf16 values in float64, so comparing them compares x.
 */
function ranksBefore(a: number, ia: number, b: number, ib: number): number {
  const nanA = Number.isNaN(a);
  const nanB = Number.isNaN(b);
  if (nanA !== nanB) return nanA ? -1 : 1;
  if (!nanA && a !== b) return a > b ? -1 : 1;
  return ia - ib;
}

/**
 * Every index that can be among the row's k first: those ranked at least as high as the k-th largest
 * value (found by a native numeric sort, which puts NaNs last, i.e. at the top). Ties make it more than
 * k; the comparator sort then orders these few instead of the whole vocabulary-wide row.
 */
function candidates(row: Float64Array, k: number): number[] {
  const kth = Float64Array.from(row).sort()[row.length - k]!;
  const out: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (Number.isNaN(v) || (!Number.isNaN(kth) && v >= kth)) out.push(i);
  }
  return out;
}

export const topK: RefKernel = ([x], attrs) => {
  const k = attrs['k'] as number;
  const shape = x!.shape;
  const n = shape[shape.length - 1]!;
  if (k < 1 || k > n) throw new GlmError('shape', `top-k k = ${k} is outside 1..${n} (the row length)`);
  const rows = n === 0 ? 0 : x!.values.length / n;
  const values = new Float64Array(rows * k);
  const indices = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    const row = x!.values.subarray(r * n, (r + 1) * n);
    const order = candidates(row, k);
    order.sort((i, j) => ranksBefore(row[i]!, i, row[j]!, j));
    for (let j = 0; j < k; j++) {
      values[r * k + j] = row[order[j]!]!; // f32/f16/bf16 values are f32 values: no rounding
      indices[r * k + j] = order[j]!;
    }
  }
  const outShape = [...shape.slice(0, -1), k];
  return [refTensor('f32', outShape, values), refTensor('i32', outShape, indices)];
};

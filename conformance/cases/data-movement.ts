/** Data movement (exact): reshape, transpose, split, concat, slice, gather, all-reduce over one rank. */
import type { DType } from '../../core/tensor/dtype.js';
import type { GraphCase } from '../case.js';
import { COPYABLE_TYPES, dims, FLOAT_TYPES, opCases } from './op-case.js';

function data(dtype: DType) {
  return dtype === 'i32' ? ({ kind: 'integers', low: -100000, high: 100000 } as const) : dtype === 'i8' ? ({ kind: 'integers', low: -128, high: 127 } as const) : undefined;
}

function cases(dtype: DType): GraphCase[] {
  const out: GraphCase[] = [];
  const d = data(dtype);
  const reshapes: [number[], number[]][] = [[[1], [1, 1]], [[6], [2, 3]], [[2, 3, 4], [4, 6]], [[17, 3], [51]], [[2, 5, 96], [2, 5, 4, 24]], [[1, 1, 65], [65, 1]]];
  for (const [from, to] of reshapes) out.push(...opCases({ op: 'reshape', dtype, label: `${dims(from)}-to-${dims(to)}`, inputs: [{ dtype, shape: from, data: d }], attrs: { shape: to }, errorClass: 'exact' }));
  const transposes: [number[], number[]][] = [[[1, 1], [1, 0]], [[3, 7], [1, 0]], [[2, 5, 4, 24], [0, 2, 1, 3]], [[2, 3, 4], [2, 0, 1]], [[17, 1, 9], [1, 2, 0]], [[65, 33], [1, 0]]];
  for (const [shape, perm] of transposes) out.push(...opCases({ op: 'transpose', dtype, label: `${dims(shape)}-perm${perm.join('')}`, inputs: [{ dtype, shape, data: d }], attrs: { perm }, errorClass: 'exact' }));
  const splits: [number[], number, number[]][] = [[[6], 0, [2, 4]], [[3, 9], 1, [3, 3, 3]], [[2, 5, 4, 72], 3, [24, 24, 24]], [[7, 2], 0, [1, 0, 6]], [[1, 130], -1, [65, 65]], [[4, 3, 5], 1, [1, 2]]];
  for (const [shape, axis, sizes] of splits) out.push(...opCases({ op: 'split', dtype, label: `${dims(shape)}-axis${axis}-${sizes.join('.')}`, inputs: [{ dtype, shape, data: d }], attrs: { axis, sizes }, errorClass: 'exact' }));
  const concats: [number[][], number][] = [[[[1], [1]], 0], [[[2, 3], [2, 5]], 1], [[[1, 4, 0, 8], [1, 4, 1, 8]], 2], [[[1, 4, 17, 8], [1, 4, 1, 8]], 2], [[[3, 2], [1, 2], [4, 2]], 0], [[[2, 0], [2, 0]], 1]];
  for (const [shapes, axis] of concats) out.push(...opCases({ op: 'concat', dtype, label: `${shapes.map(dims).join('+')}-axis${axis}`, inputs: shapes.map((shape) => ({ dtype, shape, data: d })), attrs: { axis }, errorClass: 'exact' }));
  const slices: [number[], number, number, number | undefined][] = [[[5], 0, 1, 4], [[3, 9], 1, -1, undefined], [[2, 7, 4], 1, 0, 7], [[2, 7, 4], 1, 3, 3], [[17, 3], 0, -17, undefined], [[4, 129], 1, 64, 128]];
  for (const [shape, axis, start, end] of slices) out.push(...opCases({ op: 'slice', dtype, label: `${dims(shape)}-axis${axis}-${start}-${end ?? 'end'}`, inputs: [{ dtype, shape, data: d }], attrs: end === undefined ? { axis, start } : { axis, start, end }, errorClass: 'exact' }));
  const gathers: [number[], number[], number][] = [[[1, 1], [1], 0], [[7, 17], [3, 2], 0], [[300, 64], [2, 9], 0], [[5, 3, 4, 2], [5], 0], [[5, 3, 4, 2], [3, 1, 2], 0], [[2, 6, 3], [4], 1], [[3, 4, 33], [2, 2], 2], [[272, 16], [1, 1], 0]];
  for (const [table, indices, axis] of gathers) {
    const length = table[axis]!;
    out.push(...opCases({ op: 'gather', dtype, label: `${dims(table)}-by-${dims(indices)}-axis${axis}`, inputs: [{ dtype, shape: table, data: d }, { dtype: 'i32', shape: indices, data: { kind: 'integers', low: 0, high: length - 1 } }], attrs: { axis }, errorClass: 'exact' }));
  }
  return out;
}

export function dataMovementCases(): GraphCase[] {
  return [
    ...COPYABLE_TYPES.flatMap(cases),
    ...FLOAT_TYPES.flatMap((dtype) => [[1], [33], [2, 5, 64]].flatMap((shape) => opCases({ op: 'all-reduce', dtype, label: `${dims(shape)}-world1`, inputs: [{ dtype, shape }], errorClass: 'exact' }))),
  ];
}

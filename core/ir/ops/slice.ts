import { ALL_DTYPES, intAttr, typeFail, type OpDefinition } from '../op-definition.js';
import { formatShape, type Dim } from '../dim.js';
import { normalizeAxis } from './shape-rules.js';

/** The end attribute's "to the end of the axis". */
export const SLICE_TO_END = 2 ** 31 - 1;

/** Length of x[start:end] on a dim, python-style negative indices; null when only known at run time. */
export function sliceLength(dim: Dim, start: number, end: number): Dim | null {
  if (typeof dim === 'number') {
    const s = Math.min(dim, Math.max(0, start < 0 ? start + dim : start));
    const e = Math.min(dim, Math.max(0, end < 0 ? end + dim : end));
    return Math.max(0, e - s);
  }
  if (start < 0 && end === SLICE_TO_END) return -start; // the last |start| elements (dim must be long enough)
  if (start >= 0 && end >= start && end !== SLICE_TO_END) return end - start;
  if (start === 0 && end === SLICE_TO_END) return dim;
  return null;
}

export const slice: OpDefinition = {
  name: 'slice',
  kind: 'primitive',
  semantics: 'x[start:end] along axis with python-style negative indices (end defaults to the end of the axis).',
  inputs: [{ name: 'x', dtypes: ALL_DTYPES.filter((d) => d !== 'i4'), doc: 'any shape' }],
  outputs: ['out'],
  attrs: {
    axis: { type: 'int', doc: 'the sliced axis' },
    start: { type: 'int', doc: 'first index (negative counts from the end)' },
    end: { type: 'int', default: SLICE_TO_END, doc: 'one past the last index (negative counts from the end)' },
  },
  inferTypes([x], attrs) {
    const axis = normalizeAxis(intAttr(attrs, 'axis'), x!.shape.length);
    const length = sliceLength(x!.shape[axis]!, intAttr(attrs, 'start'), intAttr(attrs, 'end'));
    if (length === null) typeFail(`slice of symbolic axis ${axis} of ${formatShape(x!.shape)} has no static length`);
    return [{ dtype: x!.dtype, shape: x!.shape.map((d, i) => (i === axis ? length : d)) }];
  },
};

import type { RefKernel } from './kernel.js';
import { normalizeAxis, refTensor } from '../ref-tensor.js';
import { GlmError } from '../../../core/backend-api/plugin-api.js';
import { axisGeometry } from './slicing.js';

export const gather: RefKernel = ([table, indices], attrs) => {
  const axis = normalizeAxis(attrs['axis'] as number, table!.shape.length);
  const { outer, length, inner } = axisGeometry(table!.shape, axis);
  const ids = indices!.values;
  const out = new Float64Array(outer * ids.length * inner);
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < ids.length; t++) {
      const id = ids[t]!;
      if (id < 0 || id >= length) throw new GlmError('input', `gather index ${id} is outside [0, ${length})`);
      const from = (o * length + id) * inner;
      out.set(table!.values.subarray(from, from + inner), (o * ids.length + t) * inner);
    }
  }
  const s = table!.shape;
  return [refTensor(table!.dtype, [...s.slice(0, axis), ...indices!.shape, ...s.slice(axis + 1)], out)];
};

/** add and mul: the two binary element-wise primitives (same rules, different arithmetic). */
import type { OpDefinition } from '../op-definition.js';
import { broadcastShapes, sameDtype } from './shape-rules.js';
import type { TensorType } from '../graph.js';

function binary(name: 'add' | 'mul', symbol: string): OpDefinition {
  return {
    name,
    kind: 'primitive',
    semantics: `out = a ${symbol} b with numpy broadcasting, computed in float64 and rounded once to the dtype (i32 wraps are an error in the reference).`,
    inputs: [
      { name: 'a', dtypes: ['f32', 'f16', 'bf16', 'i32'], doc: 'any shape' },
      { name: 'b', dtypes: ['f32', 'f16', 'bf16', 'i32'], doc: 'broadcastable to a' },
    ],
    outputs: ['out'],
    attrs: {},
    inferTypes([a, b]) {
      sameDtype(a!, b!, name);
      return [{ dtype: a!.dtype, shape: broadcastShapes(a!.shape, b!.shape) } satisfies TensorType];
    },
  };
}

export const add = binary('add', '+');
export const mul = binary('mul', '·');

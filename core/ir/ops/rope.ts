import { floatAttr, stringAttr, typeFail, type OpDefinition } from '../op-definition.js';
import type { DecompositionBuilder, Value } from '../decomposition-builder.js';
import { requireDim, requireRank } from './shape-rules.js';

/** x·cos + rotate_half(x)·sin over the whole last dim of x, with rotate_half(x) = concat(−x₂, x₁). */
function rotate(b: DecompositionBuilder, x: Value, positions: Value, base: number, name: string): Value {
  return b.scope(name, () => {
    const dim = x.type.shape[x.type.shape.length - 1] as number;
    const [cos, sin] = b.op('rotary-table', [positions], { dim, base }, 'table');
    const dtype = x.type.dtype;
    const cosX = dtype === 'f32' ? cos! : b.op1('cast', [cos!], { to: dtype }, 'cos');
    const sinX = dtype === 'f32' ? sin! : b.op1('cast', [sin!], { to: dtype }, 'sin');
    const [first, second] = b.op('split', [x], { axis: -1, sizes: [dim / 2, dim / 2] }, 'halves');
    const rotated = b.op1('concat', [b.op1('scale', [second!], { factor: -1 }, 'negate'), first!], { axis: -1 }, 'rotate_half');
    return b.op1('add', [b.op1('mul', [x, cosX], {}, 'x_cos'), b.op1('mul', [rotated, sinX], {}, 'rot_sin')], {}, 'sum');
  });
}

export const rope: OpDefinition = {
  name: 'rope',
  kind: 'composite',
  semantics:
    'Rotary position embedding, rotate-half ("NeoX") pairing: dimension i pairs with i + d/2. mode "1d" (GLM-130B): ' +
    'out = x·cos(emb) + rotate_half(x)·sin(emb) over the whole head dim d, emb from positions (see rotary-table). ' +
    'mode "2d" (ChatGLM-6B): the first half of the head dim is rotated with positions, the second with blockPositions, ' +
    'each with its own d/2-wide table. Reference tables in float64.',
  inputs: [
    { name: 'x', dtypes: ['f32', 'f16', 'bf16'], doc: '[B, heads, S, d]' },
    { name: 'positions', dtypes: ['i32'], doc: '[B, S]' },
    { name: 'blockPositions', dtypes: ['i32'], optional: true, doc: '[B, S]; 2-D mode only' },
  ],
  outputs: ['out'],
  attrs: {
    mode: { type: 'string', default: '1d', oneOf: ['1d', '2d'], doc: '1-D (GLM-130B) or 2-D (ChatGLM-6B)' },
    base: { type: 'float', default: 10000, doc: 'frequency base' },
  },
  inferTypes([x, pos, block], attrs) {
    requireRank(x!, 4, 'rope x');
    requireRank(pos!, 2, 'rope positions');
    requireDim(pos!.shape[0]!, x!.shape[0]!, 'rope positions batch');
    requireDim(pos!.shape[1]!, x!.shape[2]!, 'rope positions length');
    const d = x!.shape[3]!;
    if (typeof d !== 'number') typeFail('rope head dim must be static');
    const twoD = stringAttr(attrs, 'mode') === '2d';
    if (twoD !== (block !== null)) typeFail(twoD ? '2-D rope needs blockPositions' : '1-D rope takes no blockPositions');
    if (d % (twoD ? 4 : 2) !== 0) typeFail(`rope head dim ${d} must be divisible by ${twoD ? 4 : 2}`);
    if (block) requireDim(block.shape[1]!, x!.shape[2]!, 'rope blockPositions length');
    return [x!];
  },
  decompose(b, [x, positions, blockPositions], attrs) {
    const base = floatAttr(attrs, 'base');
    if (!blockPositions) return [rotate(b, x!, positions!, base, 'rotary')];
    const d = x!.type.shape[3] as number;
    const [first, second] = b.op('split', [x!], { axis: -1, sizes: [d / 2, d / 2] }, 'halves');
    const a = rotate(b, first!, positions!, base, 'position');
    const c = rotate(b, second!, blockPositions, base, 'block_position');
    return [b.op1('concat', [a, c], { axis: -1 }, 'join')];
  },
};

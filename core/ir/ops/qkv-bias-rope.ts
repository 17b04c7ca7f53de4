import { FLOATS, intAttr, stringAttr, typeFail, type OpDefinition } from '../op-definition.js';
import { formatShape } from '../dim.js';
import type { Value } from '../decomposition-builder.js';
import { requireDim, requireRank, sameDtype } from './shape-rules.js';

/**
 * The attention's inputs from the fused QKV projection in one op, so that a backend can add the bias,
 * split the heads and rotate q and k in a single pass over the projection's output (GLM-130B's QKV
 * output is 3·hidden wide per token: the widest activation of the attention half of a layer).
 */
export const qkvBiasRope: OpDefinition = {
  name: 'qkv-bias-rope',
  kind: 'composite',
  semantics:
    'From the QKV projection without its bias: x = qkv + bias, per token laid out head by head as [q_h | k_h | v_h] ' +
    '(d values each, d = last dim / (3·heads)); q and k are rotated as by rope (mode and base as there, with positions and ' +
    'blockPositions), v is x as is. Outputs [B, heads, S, d]. Reference in float64 (bias sum and rotation), one rounding.',
  inputs: [
    { name: 'qkv', dtypes: FLOATS, doc: '[B, S, heads·3·d]: the product x·Wᵀ of the QKV projection' },
    { name: 'bias', dtypes: FLOATS, optional: true, doc: '[heads·3·d]: the projection bias' },
    { name: 'positions', dtypes: ['i32'], doc: '[B, S]' },
    { name: 'blockPositions', dtypes: ['i32'], optional: true, doc: '[B, S]; 2-D mode only' },
  ],
  outputs: ['q', 'k', 'v'],
  attrs: {
    heads: { type: 'int', doc: 'attention heads; the last dim of qkv is heads·3·d' },
    mode: { type: 'string', default: '1d', oneOf: ['1d', '2d'], doc: '1-D (GLM-130B) or 2-D (ChatGLM-6B) rotary' },
    base: { type: 'float', default: 10000, doc: 'rotary frequency base' },
  },
  inferTypes([qkv, bias, pos, block], attrs) {
    requireRank(qkv!, 3, 'qkv-bias-rope qkv');
    const heads = intAttr(attrs, 'heads');
    const width = qkv!.shape[2]!;
    if (!Number.isInteger(heads) || heads < 1) typeFail(`qkv-bias-rope heads must be a positive integer, got ${heads}`);
    if (typeof width !== 'number' || width % (3 * heads) !== 0) typeFail(`qkv-bias-rope: last dim ${width} of qkv ${formatShape(qkv!.shape)} is not a static multiple of 3·heads = ${3 * heads}`);
    const d = width / (3 * heads);
    const twoD = stringAttr(attrs, 'mode') === '2d';
    if (twoD !== (block !== null)) typeFail(twoD ? '2-D rope needs blockPositions' : '1-D rope takes no blockPositions');
    if (d % (twoD ? 4 : 2) !== 0) typeFail(`qkv-bias-rope head dim ${d} must be divisible by ${twoD ? 4 : 2}`);
    if (bias) {
      sameDtype(bias, qkv!, 'qkv-bias-rope bias');
      requireRank(bias, 1, 'qkv-bias-rope bias');
      requireDim(bias.shape[0]!, width, 'qkv-bias-rope bias length');
    }
    for (const [t, what] of [[pos, 'positions'], [block, 'blockPositions']] as const) {
      if (!t) continue;
      requireRank(t, 2, `qkv-bias-rope ${what}`);
      requireDim(t.shape[0]!, qkv!.shape[0]!, `qkv-bias-rope ${what} batch`);
      requireDim(t.shape[1]!, qkv!.shape[1]!, `qkv-bias-rope ${what} length`);
    }
    const out = { dtype: qkv!.dtype, shape: [qkv!.shape[0]!, heads, qkv!.shape[1]!, d] };
    return [out, out, out];
  },
  decompose(b, [qkv, bias, positions, blockPositions], attrs) {
    const heads = intAttr(attrs, 'heads');
    const [batch, seq, width] = qkv!.type.shape;
    const d = (width as number) / (3 * heads);
    const biased = bias ? b.op1('add', [qkv!, bias], {}, 'bias') : qkv!;
    const perHead = b.op1('reshape', [biased], { shape: [batch!, seq!, heads, 3 * d] }, 'heads');
    const parts = b.op('split', [perHead], { axis: 3, sizes: [d, d, d] }, 'split');
    const [q, k, v] = ['q', 'k', 'v'].map((name, i) => b.op1('transpose', [parts[i]!], { perm: [0, 2, 1, 3] }, `${name}_heads`));
    const rope = (x: Value, name: string) =>
      b.op1('rope', [x, positions!, blockPositions], { mode: attrs['mode']!, base: attrs['base']! }, name);
    return [rope(q!, 'rope_q'), rope(k!, 'rope_k'), v!];
  },
};

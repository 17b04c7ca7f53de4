/**
 * Attention and rotary: GLM masks of every shape (prefix, causal, all/no-masked rows), KV cache lengths 1 and full;
 * rope, qkv-bias-rope (the QKV bias, head split and rope in one op) and the rotary tables.
 */
import type { DType } from '../../core/tensor/dtype.js';
import { fromFloat64, hostTensor } from '../../core/tensor/host-tensor.js';
import type { GraphCase } from '../case.js';
import type { CaseData } from '../seeded.js';
import { FLOAT_TYPES, opCases, product } from './op-case.js';
import { DTYPE_INFO } from '../../core/tensor/dtype.js';

/**
 * A backend forms rotary angles θ = position · inv_freq in fp32: an absolute error up to |θ|·2⁻²⁴,
 * which moves cos/sin by as much. In output ε, with 4× margin.
 */
function angleEps(maxPosition: number, dtype: DType): number {
  return (4 * maxPosition * 2 ** -24) / DTYPE_INFO[dtype].epsilon;
}

interface GlmShape {
  label: string;
  b: number;
  h: number;
  q: number;
  k: number;
  d: number;
  /** Context length per row; -1 means "draw one in [0, k]". */
  ctx: number[];
}

const GLM_SHAPES: GlmShape[] = [
  { label: 'prefill-1', b: 1, h: 1, q: 1, k: 1, d: 8, ctx: [1] },
  { label: 'prefill-7-ctx0-causal', b: 1, h: 2, q: 7, k: 7, d: 16, ctx: [0] },
  { label: 'prefill-7-ctx1', b: 1, h: 2, q: 7, k: 7, d: 16, ctx: [1] },
  { label: 'prefill-33-ctx-half', b: 2, h: 3, q: 33, k: 33, d: 32, ctx: [16, 20] },
  { label: 'prefill-33-ctx-full-bidirectional', b: 1, h: 2, q: 33, k: 33, d: 64, ctx: [33] },
  { label: 'prefill-65-d128', b: 1, h: 2, q: 65, k: 65, d: 128, ctx: [30] },
  { label: 'decode-cache1', b: 2, h: 2, q: 1, k: 1, d: 16, ctx: [1, 0] },
  { label: 'decode-cache17', b: 2, h: 4, q: 1, k: 17, d: 32, ctx: [5, 17] },
  { label: 'decode-cache128', b: 1, h: 2, q: 1, k: 128, d: 128, ctx: [100] },
  { label: 'decode-cache1025', b: 1, h: 1, q: 1, k: 1025, d: 64, ctx: [512] },
  { label: 'decode-beams4-cache64', b: 4, h: 2, q: 1, k: 64, d: 16, ctx: [10, 10, 10, 10] },
  { label: 'chunk-3-of-10', b: 1, h: 2, q: 3, k: 10, d: 16, ctx: [4] },
  { label: 'chunk-16-of-2048', b: 1, h: 1, q: 16, k: 2048, d: 64, ctx: [1000] },
];

function attentionFlops(s: { b: number; h: number; q: number; k: number; d: number }): number {
  return 4 * s.b * s.h * s.q * s.k * s.d;
}

function glmAttention(dtype: DType): GraphCase[] {
  return GLM_SHAPES.flatMap((s) => [
    ...opCases({
      op: 'attention', dtype, label: `glm-${s.label}`,
      inputs: [
        { dtype, shape: [s.b, s.h, s.q, s.d] },
        { dtype, shape: [s.b, s.h, s.k, s.d] },
        { dtype, shape: [s.b, s.h, s.k, s.d] },
        { dtype: 'i32', shape: [s.b], data: () => hostTensor('i32', [s.b], Int32Array.from(s.ctx)) },
      ],
      attrs: { mask: 'glm', layerIndex: s.k % 5 }, // c = layerIndex+1 exercises the release's per-layer scaling
      errorClass: 'attention', reductionLength: Math.max(s.k, s.d), flops: attentionFlops(s),
    }),
    ...opCases({
      op: 'glm-mask-fill', dtype, label: s.label,
      inputs: [{ dtype, shape: [s.b, s.h, s.q, s.k] }, { dtype: 'i32', shape: [s.b], data: () => hostTensor('i32', [s.b], Int32Array.from(s.ctx)) }],
      errorClass: 'exact',
    }),
  ]);
}

function explicitMask(kind: 'none-masked' | 'random' | 'row-all-masked', shape: number[]) {
  return (d: CaseData) => {
    const n = product(shape);
    const keys = shape[3]!;
    const values = kind === 'none-masked' ? new Array<number>(n).fill(1)
      : d.values(n, { kind: 'uniform', low: 0, high: 1 }).map((u) => (u < 0.5 ? 0 : 1));
    if (kind === 'row-all-masked') for (let j = 0; j < keys; j++) values[j] = 0; // first query row sees nothing: uniform weights
    return fromFloat64('i8', shape, values);
  };
}

function explicitAttention(dtype: DType): GraphCase[] {
  const cases: GraphCase[] = [];
  const shapes = [
    { b: 2, h: 2, q: 5, k: 5, d: 16, maskShape: [2, 1, 5, 5] },
    { b: 1, h: 3, q: 4, k: 9, d: 8, maskShape: [1, 3, 4, 9] },
    { b: 2, h: 2, q: 3, k: 7, d: 32, maskShape: [1, 1, 3, 7] },
  ];
  for (const s of shapes) for (const kind of ['none-masked', 'random', 'row-all-masked'] as const) {
    cases.push(...opCases({
      op: 'attention', dtype, label: `explicit-${kind}-${s.b}x${s.h}x${s.q}x${s.k}x${s.d}-mask${s.maskShape.join('x')}`,
      inputs: [{ dtype, shape: [s.b, s.h, s.q, s.d] }, { dtype, shape: [s.b, s.h, s.k, s.d] }, { dtype, shape: [s.b, s.h, s.k, s.d] }, { dtype: 'i8', shape: s.maskShape, data: explicitMask(kind, s.maskShape) }],
      attrs: { mask: 'explicit' }, errorClass: 'attention', reductionLength: Math.max(s.k, s.d), flops: attentionFlops(s),
    }));
  }
  return cases;
}

function positionsData(kind: 'arange' | 'frozen-mask' | 'long', b: number, s: number) {
  return (d: CaseData) => {
    const values: number[] = [];
    for (let r = 0; r < b; r++) {
      const maskAt = d.int(0, Math.max(0, s - 1));
      for (let i = 0; i < s; i++) values.push(kind === 'arange' ? i : kind === 'frozen-mask' ? Math.min(i, maskAt) : 2047 - i);
    }
    return hostTensor('i32', [b, s], Int32Array.from(values));
  };
}

function ropeCases(dtype: DType): GraphCase[] {
  const cases: GraphCase[] = [];
  const shapes = [[1, 1, 1, 4], [2, 3, 5, 8], [1, 2, 7, 16], [1, 1, 33, 64], [1, 2, 3, 128]];
  for (const [b, h, s, d] of shapes) for (const mode of ['1d', '2d']) for (const positions of ['arange', 'frozen-mask', 'long'] as const) {
    const pos = { dtype: 'i32' as const, shape: [b!, s!], data: positionsData(positions, b!, s!) };
    const block = mode === '2d' ? { dtype: 'i32' as const, shape: [b!, s!], data: { kind: 'integers', low: 0, high: 9 } as const } : null;
    cases.push(...opCases({
      op: 'rope', dtype, label: `${mode}-${b}x${h}x${s}x${d}-${positions}`,
      inputs: [{ dtype, shape: [b!, h!, s!, d!] }, pos, block], attrs: { mode }, errorClass: 'few-roundings',
      extraWorstEps: angleEps(positions === 'long' ? 2047 : s!, dtype), extraReason: 'fp32 rotary angles',
    }));
  }
  return cases;
}

/**
 * qkv-bias-rope: the QKV projection's product [B, S, heads·3·d] (per head [q_h | k_h | v_h]), its bias
 * (optional), and the rotation of q and k; 1-D and 2-D, with and without the bias, down to GLM-130B's
 * head dim 128 in a decode step (S = 1 at position 2047).
 */
function qkvBiasRopeCases(dtype: DType): GraphCase[] {
  const shapes: { b: number; h: number; s: number; d: number; mode: '1d' | '2d'; bias: boolean; positions: 'arange' | 'frozen-mask' | 'long' }[] = [
    { b: 1, h: 1, s: 1, d: 4, mode: '1d', bias: true, positions: 'arange' },
    { b: 2, h: 3, s: 5, d: 8, mode: '1d', bias: true, positions: 'frozen-mask' },
    { b: 1, h: 2, s: 3, d: 16, mode: '1d', bias: false, positions: 'long' },
    { b: 1, h: 4, s: 1, d: 128, mode: '1d', bias: true, positions: 'long' }, // GLM-130B's head dim, decode
    { b: 2, h: 3, s: 5, d: 8, mode: '2d', bias: true, positions: 'frozen-mask' },
    { b: 1, h: 2, s: 7, d: 16, mode: '2d', bias: false, positions: 'long' },
    { b: 1, h: 2, s: 3, d: 128, mode: '2d', bias: true, positions: 'arange' }, // ChatGLM-6B's head dim
  ];
  return shapes.flatMap(({ b, h, s, d, mode, bias, positions }) => {
    const width = h * 3 * d;
    const pos = { dtype: 'i32' as const, shape: [b, s], data: positionsData(positions, b, s) };
    const block = mode === '2d' ? { dtype: 'i32' as const, shape: [b, s], data: { kind: 'integers', low: 0, high: 9 } as const } : null;
    return opCases({
      op: 'qkv-bias-rope', dtype, label: `${mode}-${b}x${s}x${h}x3x${d}-${bias ? 'bias' : 'no-bias'}-${positions}`,
      inputs: [{ dtype, shape: [b, s, width] }, bias ? { dtype, shape: [width], data: { kind: 'normal', std: 0.5 } } : null, pos, block],
      attrs: { heads: h, mode }, errorClass: 'few-roundings',
      extraWorstEps: angleEps(positions === 'long' ? 2047 : s, dtype), extraReason: 'fp32 rotary angles',
    });
  });
}

function rotaryTableCases(): GraphCase[] {
  return [2, 8, 64, 128].flatMap((dim) => [1, 7, 33].flatMap((s) =>
    opCases({ op: 'rotary-table', dtype: 'f32', label: `dim${dim}-2x${s}`, inputs: [{ dtype: 'i32', shape: [2, s], data: { kind: 'integers', low: 0, high: 2047 } }], attrs: { dim }, errorClass: 'few-roundings', extraWorstEps: angleEps(2047, 'f32'), extraReason: 'fp32 rotary angles' })));
}

export function attentionCases(): GraphCase[] {
  return [...FLOAT_TYPES.flatMap((dtype) => [...glmAttention(dtype), ...explicitAttention(dtype), ...ropeCases(dtype), ...qkvBiasRopeCases(dtype)]), ...rotaryTableCases()];
}

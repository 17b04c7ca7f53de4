/**
 * Every composite op against its own decomposition: a one-node graph is lowered with
 * lowerForBackend(graph, () => unsupported('test')) so that the composite is replaced by primitives, and
 * the composite's reference kernel and the primitives' reference kernels must agree.
 *
 * They are not expected to agree bit for bit: the composite kernel rounds once from float64, while the
 * decomposition rounds every intermediate to its dtype (and, for attention, reproduces the release's fp16
 * score path; for quantized linear, dequantizes W to the activation dtype first). The check is the
 * normalised squared error Σ(dec − ref)² / Σ ref² (per output; of several, as qkv-bias-rope's q, k, v, the
 * largest) against a bound well above what those intermediate roundings give and far below what a wrong
 * decomposition gives (a swapped half, a missing scale, a missing bias, the wrong q/k/v layout):
 *   f32 1e-10 (unit roundoff 2^-24: a few roundings give ~1e-14), f16 1e-5 (2^-11: ~1e-7),
 *   bf16 6.4e-4 (2^-8: the f16 bound scaled by (2^-8 / 2^-11)² = 64).
 */
import { describe, expect, it } from 'vitest';
import { REFERENCE_KERNELS } from '../../backends/cpu-ref/kernels/index.js';
import type { KernelContext } from '../../backends/cpu-ref/kernels/kernel.js';
import { roundToDtype, type RefTensor } from '../../backends/cpu-ref/ref-tensor.js';
import { GraphBuilder, type Value } from '../../core/ir/builder.js';
import type { AttrValue, Graph } from '../../core/ir/graph.js';
import { getOp } from '../../core/ir/ops/catalogue.js';
import type { OpName } from '../../core/ir/ops/op-names.js';
import { lowerForBackend } from '../../core/passes/decompose.js';
import { unsupported } from '../../core/backend-api/capability.js';
import type { DType } from '../../core/tensor/dtype.js';

const TOLERANCE: Record<'f32' | 'f16' | 'bf16', number> = { f32: 1e-10, f16: 1e-5, bf16: 6.4e-4 };

// -------------------------------------------------------------------------------------------------
// Seeded inputs (mulberry32 + Box–Muller), rounded to their dtype.

function generator(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function randomTensor(normal: () => number, dtype: DType, shape: number[], scale = 1): RefTensor {
  const values = Float64Array.from({ length: size(shape) }, () => normal() * scale);
  return { dtype, shape, values: roundToDtype(dtype, values) };
}

function intTensor(dtype: DType, shape: number[], values: number[]): RefTensor {
  return { dtype, shape, values: Float64Array.from(values) };
}

function randomInts(normal: () => number, dtype: 'i8' | 'i4' | 'i32', shape: number[], lo: number, hi: number): RefTensor {
  const values = Array.from({ length: size(shape) }, () => Math.min(hi, Math.max(lo, Math.round(normal() * (hi - lo) / 4))));
  return intTensor(dtype, shape, values);
}

// -------------------------------------------------------------------------------------------------
// A tiny interpreter: graph inputs/params bound by name, nodes run in order through REFERENCE_KERNELS.
// Every value a kernel produces must have the dtype and shape the graph declares for it.

const context: KernelContext = { resolveShape: (shape) => shape.map((d) => d as number) };

function run(graph: Graph, bindings: Record<string, RefTensor>): RefTensor[] {
  const values = new Map<number, RefTensor>();
  for (const id of [...graph.inputs, ...graph.params]) {
    const info = graph.values[id]!;
    const t = bindings[info.name];
    if (!t) throw new Error(`no binding for ${info.name}`);
    values.set(id, t);
  }
  for (const node of graph.nodes) {
    const kernel = REFERENCE_KERNELS[node.op]!;
    const outs = kernel(node.inputs.map((i) => (i === null ? null : values.get(i)!)), node.attrs, context);
    node.outputs.forEach((o, k) => {
      const declared = graph.values[o]!.type;
      const t = outs[k]!;
      expect({ node: node.name, dtype: t.dtype, shape: [...t.shape] }).toEqual({
        node: node.name,
        dtype: declared.dtype,
        shape: [...declared.shape],
      });
      values.set(o, t);
    });
  }
  return graph.outputs.map((o) => values.get(o.value)!);
}

function normalisedSquaredError(got: Float64Array, ref: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num += (got[i]! - ref[i]!) ** 2;
    den += ref[i]! ** 2;
  }
  return num / den;
}

interface Composite {
  name: string;
  op: OpName;
  attrs: Record<string, AttrValue>;
  /** Graph inputs in signature order; null for an absent optional input. */
  inputs: ({ name: string; tensor: RefTensor; param?: boolean } | null)[];
}

/**
 * nse is the largest over the op's outputs (qkv-bias-rope has three), each output judged on its own;
 * outputs carries the composite kernel's and the decomposition's values for further checks.
 */
function check(c: Composite): { nse: number; decomposedOps: string[]; outputs: { reference: RefTensor; decomposed: RefTensor }[] } {
  const b = new GraphBuilder(c.name);
  const values: (Value | null)[] = c.inputs.map((i) =>
    i === null ? null : (i.param ? b.param : b.input).call(b, i.name, i.tensor.dtype, i.tensor.shape),
  );
  const outs = b.op(c.op, values, c.attrs, c.op);
  expect(outs.length).toBe(getOp(c.op).outputs.length);
  outs.forEach((o, k) => b.output(`out${k}`, o));
  const graph = b.build();
  const lowered = lowerForBackend(graph, () => unsupported('test'));

  // The composite was replaced, and nothing composite is left.
  expect(lowered.decomposed.map((d) => d.op)).toContain(c.op);
  const composites = lowered.graph.nodes.filter((n) => getOp(n.op).kind === 'composite').map((n) => `${n.name} (${n.op})`);
  expect(composites).toEqual([]);
  expect(lowered.graph.nodes.some((n) => n.op === c.op)).toBe(false);

  const bindings: Record<string, RefTensor> = {};
  for (const i of c.inputs) if (i) bindings[i.name] = i.tensor;
  const references = run(graph, bindings);
  const decomposeds = run(lowered.graph, bindings);
  const outputs = references.map((reference, k) => ({ reference, decomposed: decomposeds[k]! }));
  for (const { reference, decomposed } of outputs) {
    expect(decomposed.dtype).toBe(reference.dtype);
    expect(decomposed.shape).toEqual(reference.shape);
    expect(reference.values.every(Number.isFinite)).toBe(true);
  }
  const nse = Math.max(...outputs.map(({ reference, decomposed }) => normalisedSquaredError(decomposed.values, reference.values)));
  return { nse, decomposedOps: lowered.graph.nodes.map((n) => n.op), outputs };
}

function expectAgreement(c: Composite, dtype: 'f32' | 'f16' | 'bf16'): string[] {
  const { nse, decomposedOps } = check(c);
  expect(nse).toBeLessThanOrEqual(TOLERANCE[dtype]);
  return decomposedOps;
}

// -------------------------------------------------------------------------------------------------

const FLOATS = ['f32', 'f16', 'bf16'] as const;

describe('linear = [dequantize] + matmul(transposeB) + [add bias]', () => {
  for (const dtype of FLOATS) {
    it(`${dtype}, float weight, with bias`, () => {
      const n = generator(11);
      const ops = expectAgreement(
        {
          name: 'linear',
          op: 'linear',
          attrs: {},
          inputs: [
            { name: 'x', tensor: randomTensor(n, dtype, [2, 3, 17]) },
            { name: 'w', tensor: randomTensor(n, dtype, [5, 17], 0.3), param: true },
            { name: 'bias', tensor: randomTensor(n, dtype, [5]), param: true },
            null,
          ],
        },
        dtype,
      );
      expect(ops).toEqual(['matmul', 'add']);
    });
  }

  it('f32, float weight, no bias', () => {
    const n = generator(12);
    const ops = expectAgreement(
      {
        name: 'linear',
        op: 'linear',
        attrs: {},
        inputs: [
          { name: 'x', tensor: randomTensor(n, 'f32', [4, 33]) },
          { name: 'w', tensor: randomTensor(n, 'f32', [1, 33]), param: true },
          null,
          null,
        ],
      },
      'f32',
    );
    expect(ops).toEqual(['matmul']);
  });

  for (const [dtype, wdtype, scaleDtype, bias] of [
    ['f16', 'i8', 'f16', true],
    ['f16', 'i4', 'f16', false],
    ['f32', 'i8', 'f32', true],
    ['bf16', 'i4', 'bf16', true],
  ] as const) {
    it(`${dtype} activations, ${wdtype} weight, ${scaleDtype} scale, ${bias ? 'with' : 'no'} bias`, () => {
      const n = generator(13);
      const top = wdtype === 'i8' ? 127 : 7;
      const ops = expectAgreement(
        {
          name: 'linear',
          op: 'linear',
          attrs: {},
          inputs: [
            { name: 'x', tensor: randomTensor(n, dtype, [3, 18]) },
            { name: 'w', tensor: randomInts(n, wdtype, [5, 18], -top - 1, top), param: true },
            bias ? { name: 'bias', tensor: randomTensor(n, dtype, [5]), param: true } : null,
            { name: 'scale', tensor: randomTensor(n, scaleDtype, [5], 0.02), param: true },
          ],
        },
        dtype,
      );
      expect(ops).toEqual(bias ? ['dequantize', 'matmul', 'add'] : ['dequantize', 'matmul']);
    });
  }
});

describe('rope = rotary-table + split/negate/concat + x·cos + rotate_half(x)·sin', () => {
  for (const dtype of FLOATS) {
    it(`1-D, ${dtype}`, () => {
      const n = generator(21);
      expectAgreement(
        {
          name: 'rope',
          op: 'rope',
          attrs: {},
          inputs: [
            { name: 'x', tensor: randomTensor(n, dtype, [2, 3, 5, 16]) },
            { name: 'positions', tensor: intTensor('i32', [2, 5], [0, 1, 2, 3, 4, 7, 100, 2047, 5, 6]) },
            null,
          ],
        },
        dtype,
      );
    });
  }
  for (const dtype of ['f32', 'f16'] as const) {
    it(`2-D (ChatGLM), ${dtype}, base 500`, () => {
      const n = generator(22);
      const ops = expectAgreement(
        {
          name: 'rope',
          op: 'rope',
          attrs: { mode: '2d', base: 500 },
          inputs: [
            { name: 'x', tensor: randomTensor(n, dtype, [1, 2, 4, 12]) },
            { name: 'positions', tensor: intTensor('i32', [1, 4], [0, 1, 2, 2]) },
            { name: 'block_positions', tensor: intTensor('i32', [1, 4], [0, 0, 1, 2]) },
          ],
        },
        dtype,
      );
      expect(ops.filter((o) => o === 'rotary-table').length).toBe(2);
    });
  }
});

describe('qkv-bias-rope = [add bias] + reshape + split + transpose ×3 + rope(q) + rope(k)', () => {
  /** qkv [B, S, heads·3·d], positions (and block positions in 2-D) [B, S]. */
  const qkvCase = (dtype: DType, B: number, S: number, heads: number, d: number, positions: number[], opts: { bias: boolean; mode?: '1d' | '2d'; base?: number; seed: number }): Composite => {
    const n = generator(opts.seed);
    const width = heads * 3 * d;
    const block = Array.from({ length: B * S }, (_, t) => Math.max(0, (t % S) - 1));
    return {
      name: 'qkv-bias-rope',
      op: 'qkv-bias-rope',
      attrs: { heads, ...(opts.mode ? { mode: opts.mode } : {}), ...(opts.base ? { base: opts.base } : {}) },
      inputs: [
        { name: 'qkv', tensor: randomTensor(n, dtype, [B, S, width], 1.5) },
        opts.bias ? { name: 'bias', tensor: randomTensor(n, dtype, [width], 0.5), param: true } : null,
        { name: 'positions', tensor: intTensor('i32', [B, S], positions) },
        opts.mode === '2d' ? { name: 'block_positions', tensor: intTensor('i32', [B, S], block) } : null,
      ],
    };
  };
  // v is the bias sum alone: one float64 addition rounded once in the kernel, one add node in the decomposition.
  const expectSameV = (r: ReturnType<typeof check>) => expect(Array.from(r.outputs[2]!.decomposed.values)).toEqual(Array.from(r.outputs[2]!.reference.values));

  for (const dtype of FLOATS) {
    it(`1-D with bias, ${dtype}, positions up to 100000`, () => {
      const r = check(qkvCase(dtype, 2, 5, 3, 16, [0, 1, 2, 3, 4, 7, 100, 2047, 65535, 100000], { bias: true, seed: 61 }));
      expect(r.nse).toBeLessThanOrEqual(TOLERANCE[dtype]);
      expect(r.decomposedOps.slice(0, 3)).toEqual(['add', 'reshape', 'split']);
      expect(r.decomposedOps.filter((o) => o === 'transpose').length).toBe(3);
      expect(r.decomposedOps.filter((o) => o === 'rotary-table').length).toBe(2); // one rope each for q and k
      expectSameV(r);
    });
  }
  it('1-D without bias, f32, decode (S = 1) with GLM-130B\'s head dim 128', () => {
    const r = check(qkvCase('f32', 2, 1, 2, 128, [2047, 5], { bias: false, seed: 62 }));
    expect(r.nse).toBeLessThanOrEqual(TOLERANCE.f32);
    expect(r.decomposedOps.slice(0, 2)).toEqual(['reshape', 'split']);
    expectSameV(r);
  });
  it('2-D (ChatGLM) with bias, f16, base 500', () => {
    const r = check(qkvCase('f16', 1, 4, 2, 8, [0, 1, 2, 2], { bias: true, mode: '2d', base: 500, seed: 63 }));
    expect(r.nse).toBeLessThanOrEqual(TOLERANCE.f16);
    expect(r.decomposedOps.filter((o) => o === 'rotary-table').length).toBe(4); // two halves of q and of k
    expectSameV(r);
  });
  it('2-D without bias, bf16', () => {
    const r = check(qkvCase('bf16', 2, 3, 1, 16, [0, 1, 1, 4, 5, 6], { bias: false, mode: '2d', seed: 64 }));
    expect(r.nse).toBeLessThanOrEqual(TOLERANCE.bf16);
    expectSameV(r);
  });
  it('a decomposition that read q, k, v as three blocks [Q | K | V] (not per head) would fail the bound', () => {
    const c = qkvCase('f32', 1, 3, 2, 8, [0, 5, 9], { bias: true, seed: 65 });
    const [qkv, bias, positions] = [c.inputs[0]!.tensor, c.inputs[1]!.tensor, c.inputs[2]!.tensor];
    const heads = 2;
    const d = 8;
    // Column j of the blocked layout (part p, head h) is column h·3d + p·d of the per-head one.
    const toBlocked = (values: Float64Array, rows: number) => {
      const out = new Float64Array(values.length);
      for (let r = 0; r < rows; r++) for (let p = 0; p < 3; p++) for (let h = 0; h < heads; h++) for (let i = 0; i < d; i++) {
        out[r * 3 * heads * d + (p * heads + h) * d + i] = values[r * 3 * heads * d + h * 3 * d + p * d + i]!;
      }
      return out;
    };
    const kernel = REFERENCE_KERNELS['qkv-bias-rope']!;
    const attrs = { heads, mode: '1d', base: 10000 };
    const reference = kernel([qkv, bias, positions, null], attrs, context);
    const wrong = kernel([{ ...qkv, values: toBlocked(qkv.values, 3) }, { ...bias, values: toBlocked(bias.values, 1) }, positions, null], attrs, context);
    for (let k = 0; k < 3; k++) expect(normalisedSquaredError(wrong[k]!.values, reference[k]!.values)).toBeGreaterThan(1e-2);
  });
});

describe('bias-geglu = add(bias) + geglu (split + gelu(erf) of the second half + mul)', () => {
  const biasGeglu = (dtype: DType, shape: number[], seed: number): Composite => {
    const n = generator(seed);
    return {
      name: 'bias-geglu',
      op: 'bias-geglu',
      attrs: {},
      inputs: [
        { name: 'x', tensor: randomTensor(n, dtype, shape, 2) },
        { name: 'bias', tensor: randomTensor(n, dtype, [shape[shape.length - 1]!]), param: true },
      ],
    };
  };
  for (const dtype of FLOATS) {
    it(dtype, () => {
      const ops = expectAgreement(biasGeglu(dtype, [2, 3, 34], 71), dtype);
      expect(ops).toEqual(['add', 'split', 'gelu', 'mul']);
    });
  }
  it('f16, one row of width 2 (F = 1)', () => {
    expectAgreement(biasGeglu('f16', [1, 2], 72), 'f16');
  });
  it('a decomposition that dropped the bias would fail the bound', () => {
    const c = biasGeglu('f32', [3, 20], 73);
    const [x, bias] = [c.inputs[0]!.tensor, c.inputs[1]!.tensor];
    const reference = REFERENCE_KERNELS['bias-geglu']!([x, bias], {}, context)[0]!;
    const withoutBias = REFERENCE_KERNELS['geglu']!([x], {}, context)[0]!;
    expect(normalisedSquaredError(withoutBias.values, reference.values)).toBeGreaterThan(1e-2);
  });
});

describe('attention = scale(q) + matmul(qkᵀ) + mask + [cast] + [scale c] + softmax + [cast] + matmul(P v)', () => {
  const glm = (dtype: DType, B: number, H: number, Q: number, K: number, d: number, ctx: number[], layerIndex: number, seed: number): Composite => {
    const n = generator(seed);
    return {
      name: 'attention',
      op: 'attention',
      attrs: { mask: 'glm', layerIndex },
      inputs: [
        { name: 'q', tensor: randomTensor(n, dtype, [B, H, Q, d]) },
        { name: 'k', tensor: randomTensor(n, dtype, [B, H, K, d]) },
        { name: 'v', tensor: randomTensor(n, dtype, [B, H, K, d]) },
        { name: 'context_lengths', tensor: intTensor('i32', [B], ctx) },
      ],
    };
  };
  it('glm mask, f32 prefill (Q = K), ctx 2 and ctx = K, layer 0', () => {
    const ops = expectAgreement(glm('f32', 2, 2, 5, 5, 8, [2, 5], 0, 31), 'f32');
    expect(ops).toEqual(['scale', 'matmul', 'glm-mask-fill', 'softmax', 'matmul']);
  });
  it('glm mask, f16 decode (Q = 1 < K), layer 3 (scores ×4 in fp32)', () => {
    const ops = expectAgreement(glm('f16', 2, 3, 1, 9, 16, [4, 0], 3, 32), 'f16');
    expect(ops).toEqual(['scale', 'matmul', 'glm-mask-fill', 'cast', 'scale', 'softmax', 'cast', 'matmul']);
  });
  it('glm mask, f16 prefill with a long head dim, layer 69', () => {
    expectAgreement(glm('f16', 1, 2, 7, 7, 64, [3], 69, 33), 'f16');
  });
  it('glm mask, bf16, Q = 3 < K = 7, ctx 4', () => {
    expectAgreement(glm('bf16', 1, 2, 3, 7, 8, [4], 1, 34), 'bf16');
  });

  // A fixed-capacity cache: only the first `length` keys are valid; the decomposition passes length to glm-mask-fill.
  const withLength = (c: Composite, length: number): Composite => ({
    ...c,
    inputs: [...c.inputs, { name: 'length', tensor: intTensor('i32', [1], [length]) }],
  });
  it('glm mask with length, f16 decode (Q = 1) over a capacity-16 cache holding 5, layer 2', () => {
    const ops = expectAgreement(withLength(glm('f16', 2, 3, 1, 16, 16, [2, 5], 2, 37), 5), 'f16');
    expect(ops).toEqual(['scale', 'matmul', 'glm-mask-fill', 'cast', 'scale', 'softmax', 'cast', 'matmul']);
  });
  it('glm mask with length, f32 prefill (Q = length = 6) over capacity 9, ctx 3', () => {
    expectAgreement(withLength(glm('f32', 1, 2, 6, 9, 8, [3], 0, 38), 6), 'f32');
  });
  it('glm mask with length, bf16, Q = 2 over capacity 12 holding 7', () => {
    expectAgreement(withLength(glm('bf16', 1, 2, 2, 12, 8, [4], 1, 39), 7), 'bf16');
  });
  it('glm mask with length = K agrees with no length', () => {
    const c = glm('f32', 1, 2, 3, 7, 8, [2], 0, 40);
    const plain = check(c);
    const full = check(withLength(c, 7));
    expect(full.nse).toBe(plain.nse);
  });

  const explicit = (dtype: DType, B: number, H: number, Q: number, K: number, d: number, maskHeads: number, seed: number): Composite => {
    const n = generator(seed);
    const mask = randomInts(n, 'i8', [B, maskHeads, Q, K], 0, 1);
    for (let j = 0; j < K; j++) {
      mask.values[K + j] = 0; // row 1 of batch 0, head 0: all masked -> uniform weights
      mask.values[j] = 1;
    }
    return {
      name: 'attention',
      op: 'attention',
      attrs: { mask: 'explicit' },
      inputs: [
        { name: 'q', tensor: randomTensor(n, dtype, [B, H, Q, d]) },
        { name: 'k', tensor: randomTensor(n, dtype, [B, H, K, d]) },
        { name: 'v', tensor: randomTensor(n, dtype, [B, H, K, d]) },
        { name: 'mask', tensor: mask },
      ],
    };
  };
  it('explicit mask shared by the heads, f32, with an all-masked row', () => {
    const ops = expectAgreement(explicit('f32', 2, 2, 4, 6, 8, 1, 35), 'f32');
    expect(ops).toContain('masked-fill');
  });
  it('explicit per-head mask, f16, with an all-masked row', () => {
    expectAgreement(explicit('f16', 1, 2, 3, 5, 16, 2, 36), 'f16');
  });
});

describe('geglu = split + gelu(erf) of the second half + mul', () => {
  for (const dtype of FLOATS) {
    it(dtype, () => {
      const n = generator(41);
      const ops = expectAgreement(
        { name: 'geglu', op: 'geglu', attrs: {}, inputs: [{ name: 'x', tensor: randomTensor(n, dtype, [2, 3, 34], 2) }] },
        dtype,
      );
      expect(ops).toEqual(['split', 'gelu', 'mul']);
    });
  }
  it('a decomposition that gated the wrong half would fail the bound', () => {
    // The same check, with the halves of x swapped before the decomposed graph sees them: the error is large.
    const n = generator(42);
    const x = randomTensor(n, 'f32', [3, 20], 2);
    const swapped = Float64Array.from(x.values);
    for (let r = 0; r < 3; r++) {
      for (let i = 0; i < 10; i++) {
        swapped[r * 20 + i] = x.values[r * 20 + 10 + i]!;
        swapped[r * 20 + 10 + i] = x.values[r * 20 + i]!;
      }
    }
    const reference = REFERENCE_KERNELS['geglu']!([x], {}, context)[0]!;
    const wrong = REFERENCE_KERNELS['geglu']!([{ ...x, values: swapped }], {}, context)[0]!;
    expect(normalisedSquaredError(wrong.values, reference.values)).toBeGreaterThan(1e-2);
  });
});

describe('deepnorm-residual = scale(residual, alpha) + add(branch)', () => {
  for (const dtype of FLOATS) {
    it(dtype, () => {
      const n = generator(51);
      const ops = expectAgreement(
        {
          name: 'deepnorm',
          op: 'deepnorm-residual',
          attrs: { alpha: Math.sqrt(140) },
          inputs: [
            { name: 'residual', tensor: randomTensor(n, dtype, [3, 17]) },
            { name: 'branch', tensor: randomTensor(n, dtype, [3, 17], 4) },
          ],
        },
        dtype,
      );
      expect(ops).toEqual(['scale', 'add']);
    });
  }
});

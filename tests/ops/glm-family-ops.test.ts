/**
 * The ops of the ChatGLM2/3 and GLM-4 block (rms-norm, swiglu, grouped-query-attention, interleaved-rope),
 * each checked two ways, and each check shown to catch the mistakes one makes with these models:
 *  1. the cpu-ref kernel against tests/ops/fixtures/op-cases.json, whose values tools/fixtures/make_op_fixtures.py
 *     computes with numpy from the published equations (THUDM chatglm2-6b, HF transformers modeling_glm.py);
 *     a mutant kernel (rotate-half pairing for interleaved, silu on the second half, KV head h mod KV instead
 *     of ⌊h/g⌋, a centred RMSNorm, the rotary over the whole head) must fail the same comparison;
 *  2. the decomposition (every composite replaced, run through cpu-ref's primitive kernels) against the
 *     composite's kernel under the conformance tolerance policy; a decomposition with the same mistakes
 *     built in (the regroup left out, the halves swapped, the heads mapped h mod KV, the mirror left out)
 *     must fail it.
 * The comparison is conformance/compare.ts with the tolerance the conformance cases use.
 */
import { describe, expect, it } from 'vitest';
import { REFERENCE_KERNELS } from '../../backends/cpu-ref/kernels/index.js';
import type { KernelContext, RefKernel } from '../../backends/cpu-ref/kernels/kernel.js';
import { attention } from '../../backends/cpu-ref/kernels/attention.js';
import { layerNorm } from '../../backends/cpu-ref/kernels/layer-norm.js';
import { rotateHeadRow } from '../../backends/cpu-ref/kernels/rope.js';
import { silu } from '../../backends/cpu-ref/kernels/swiglu.js';
import { rounded, type RefTensor } from '../../backends/cpu-ref/ref-tensor.js';
import { compareOutput } from '../../conformance/compare.js';
import { toleranceFor, type ErrorClass } from '../../conformance/tolerance.js';
import { unsupported } from '../../core/backend-api/capability.js';
import { completeAttrs } from '../../core/ir/attrs.js';
import { GraphBuilder, type Value } from '../../core/ir/builder.js';
import type { AttrValue, Graph } from '../../core/ir/graph.js';
import { getOp } from '../../core/ir/ops/catalogue.js';
import type { OpName } from '../../core/ir/ops/op-names.js';
import { lowerForBackend } from '../../core/passes/decompose.js';
import type { DType } from '../../core/tensor/dtype.js';
import { OP_FIXTURES, toRef } from './op-fixtures.js';
import { toFloat64 } from '../../core/tensor/host-tensor.js';
import { CaseData, type Distribution } from '../../conformance/seeded.js';

const context: KernelContext = { resolveShape: (shape) => shape.map((d) => d as number) };

// -------------------------------------------------------------------------------------------------
// 1. Kernels against the numpy fixtures

const fixture = OP_FIXTURES;

/** The fixture cases of an op, and whether `kernel` reproduces each within one rounding (≤ 1 ε of the dtype). */
function judgeKernel(op: OpName, kernel: RefKernel): { name: string; failure?: string }[] {
  const cases = fixture.cases.filter((c) => c.op === op);
  expect(cases.length, `fixture cases of ${op}`).toBeGreaterThanOrEqual(5);
  return cases.map((c) => {
    const attrs = completeAttrs(getOp(op), c.attrs);
    const [got] = kernel(c.inputs.map((t) => (t ? toRef(t) : null)), attrs, context);
    const expected = toRef(c.outputs[0]!);
    const verdict = compareOutput(c.name, expected.dtype, got!.values, expected.values, toleranceFor('rounded', expected.dtype));
    return { name: c.name, ...(verdict.failure ? { failure: verdict.failure } : {}) };
  });
}

// The mutants: each the mistake a port of these models makes most easily.

/** Rotate-half pairing (i, i + r/2) on the first r dims, as GLM-130B's rope, instead of ChatGLM2's (2i, 2i+1). */
const ropeRotateHalf: RefKernel = ([x, positions], attrs) => {
  const [batch, heads, seq, d] = x!.shape as [number, number, number, number];
  const out = Float64Array.from(x!.values);
  for (let t = 0; t < batch * heads * seq; t++) {
    const b = Math.floor(t / (heads * seq));
    const s = t % seq;
    rotateHeadRow(x!.values, out, t * d, attrs['rotaryDim'] as number, positions!.values[b * seq + s]!, null, attrs['base'] as number);
  }
  return [rounded(x!.dtype, x!.shape, out)];
};

/** Interleaved pairs over the whole head: the "other half untouched" forgotten. */
const ropeWholeHead: RefKernel = ([x, positions], attrs) =>
  REFERENCE_KERNELS['interleaved-rope']([x, positions], { ...attrs, rotaryDim: x!.shape[3]! }, context);

/** silu on the second half (geglu's order) instead of the first. */
const swigluWrongHalf: RefKernel = ([x]) => {
  const width = x!.shape.at(-1)!;
  const half = width / 2;
  const out = new Float64Array(x!.values.length / 2);
  for (let r = 0; r < out.length / half; r++) {
    for (let i = 0; i < half; i++) out[r * half + i] = x!.values[r * width + i]! * silu(x!.values[r * width + half + i]!);
  }
  return [rounded(x!.dtype, [...x!.shape.slice(0, -1), half], out)];
};

/** Query head h reading KV head h mod KV (torch.repeat instead of repeat_interleave). */
const gqaHeadsModulo: RefKernel = ([q, k, v, mask, length], attrs) => {
  const heads = q!.shape[1]!;
  const tile = (t: RefTensor): RefTensor => {
    const [b, kv, keys, d] = t.shape as [number, number, number, number];
    const values = new Float64Array(b * heads * keys * d);
    for (let i = 0; i < b; i++) {
      for (let h = 0; h < heads; h++) values.set(t.values.subarray((i * kv + (h % kv)) * keys * d, (i * kv + (h % kv) + 1) * keys * d), (i * heads + h) * keys * d);
    }
    return { dtype: t.dtype, shape: [b, heads, keys, d], values };
  };
  return attention([q, tile(k!), tile(v!), mask ?? null, length ?? null], attrs, context);
};

/** The mean subtracted (layer-norm with a zero bias) instead of RMSNorm. */
const rmsNormCentred: RefKernel = ([x, weight], attrs) =>
  layerNorm([x, weight, { dtype: weight!.dtype, shape: weight!.shape, values: new Float64Array(weight!.values.length) }], attrs, context);

describe('glm-family kernels against the numpy fixtures (ChatGLM2 / HF GLM equations)', () => {
  for (const op of ['rms-norm', 'swiglu', 'grouped-query-attention', 'interleaved-rope'] as const) {
    it(`${op}: the cpu-ref kernel matches every fixture case`, () => {
      expect(judgeKernel(op, REFERENCE_KERNELS[op]).filter((v) => v.failure)).toEqual([]);
    });
  }

  const mutants: [string, OpName, RefKernel, number][] = [
    // [what, op, mutant kernel, how many fixture cases it must fail at least]
    ['interleaved pairs replaced by rotate-half pairs', 'interleaved-rope', ropeRotateHalf, 5],
    ['the rotary applied to the whole head', 'interleaved-rope', ropeWholeHead, 4], // one case rotates the whole head
    ['silu on the second half', 'swiglu', swigluWrongHalf, 6],
    // ⌊h/g⌋ = h mod KV when KV = 1 or KV = H: only the fixture cases with 1 < KV < H tell them apart.
    ['KV head h mod KV instead of ⌊h/g⌋', 'grouped-query-attention', gqaHeadsModulo, 3],
    ['the mean subtracted', 'rms-norm', rmsNormCentred, 4],
  ];
  for (const [what, op, kernel, atLeast] of mutants) {
    it(`mutation: ${op} with ${what} fails the fixtures`, () => {
      const failed = judgeKernel(op, kernel).filter((v) => v.failure);
      expect(failed.length, failed.map((f) => f.name).join('; ')).toBeGreaterThanOrEqual(atLeast);
    });
  }
});

// -------------------------------------------------------------------------------------------------
// 2. Decompositions against the composite kernels

interface Input {
  name: string;
  dtype: DType;
  shape: number[];
  data?: Distribution | Float64Array;
}

function draw(id: string, inputs: readonly (Input | null)[]): Record<string, RefTensor> {
  const data = new CaseData(id);
  const out: Record<string, RefTensor> = {};
  for (const i of inputs) {
    if (!i) continue;
    const values = i.data instanceof Float64Array ? i.data : toFloat64(data.tensor(i.dtype, i.shape, i.data ?? { kind: 'normal', std: 1 }));
    out[i.name] = { dtype: i.dtype, shape: i.shape, values };
  }
  return out;
}

/** Runs a graph node by node with cpu-ref's kernels (every value checked against its declared type). */
function run(graph: Graph, bindings: Record<string, RefTensor>): RefTensor {
  const values = new Map<number, RefTensor>();
  for (const id of graph.inputs) values.set(id, bindings[graph.values[id]!.name]!);
  for (const node of graph.nodes) {
    const outs = REFERENCE_KERNELS[node.op](node.inputs.map((i) => (i === null ? null : values.get(i)!)), node.attrs, context);
    node.outputs.forEach((o, k) => {
      expect([...outs[k]!.shape], node.name).toEqual([...graph.values[o]!.type.shape]);
      values.set(o, outs[k]!);
    });
  }
  return values.get(graph.outputs[0]!.value)!;
}

/** A one-output graph of the given inputs; `body` adds the nodes. */
function graphOf(name: string, inputs: readonly (Input | null)[], body: (b: GraphBuilder, xs: (Value | null)[]) => Value): Graph {
  const b = new GraphBuilder(name);
  const xs = inputs.map((i) => (i ? b.input(i.name, i.dtype, i.shape) : null));
  b.output('out', body(b, xs));
  return b.build();
}

/** Every composite replaced by its decomposition, until none is left. */
function decomposed(graph: Graph): Graph {
  const lowered = lowerForBackend(graph, () => unsupported('the test runs decompositions'));
  expect(lowered.graph.nodes.filter((n) => getOp(n.op).kind === 'composite').map((n) => n.op)).toEqual([]);
  return lowered.graph;
}

interface Check {
  op: OpName;
  dtype: DType;
  inputs: (Input | null)[];
  attrs: Record<string, AttrValue>;
  errorClass: ErrorClass;
  reduction: number;
  /** The same op's decomposition with one mistake built in (built from the same inputs). */
  mutant: (b: GraphBuilder, xs: (Value | null)[]) => Value;
}

/** The decomposition's and the mutant's verdicts against the composite kernel. */
function judgeDecomposition(c: Check): { decomposition?: string; mutant?: string; ops: string[] } {
  const id = `glm-family-test/${c.op}/${c.dtype}`;
  const bindings = draw(id, c.inputs);
  const composite = graphOf(id, c.inputs, (b, xs) => b.op1(c.op, xs, c.attrs, c.op));
  const reference = run(composite, bindings);
  const lowered = decomposed(composite);
  const tolerance = toleranceFor(c.errorClass, c.dtype, c.reduction);
  const judge = (g: Graph) => compareOutput('out', c.dtype, run(g, bindings).values, reference.values, tolerance).failure;
  return { decomposition: judge(lowered), mutant: judge(decomposed(graphOf(`${id}/mutant`, c.inputs, c.mutant))), ops: lowered.nodes.map((n) => n.op) };
}

const x4 = (dtype: DType, shape: number[], data?: Distribution): Input => ({ name: 'x', dtype, shape, ...(data ? { data } : {}) });

function ropeCheck(dtype: DType): Check {
  const [b, h, s, d, r] = [1, 3, 5, 16, 8];
  const positions: Input = { name: 'positions', dtype: 'i32', shape: [b, s], data: Float64Array.from({ length: b * s }, (_, i) => 2047 - i) };
  return {
    op: 'interleaved-rope', dtype, inputs: [x4(dtype, [b, h, s, d]), positions], attrs: { rotaryDim: r }, errorClass: 'few-roundings', reduction: 1,
    // The regroup left out: the 1-D rope on the first r dims pairs (i, i + r/2).
    mutant: (g, [x, pos]) => {
      const [rot, pass] = g.op('split', [x!], { axis: -1, sizes: [r, d - r] });
      return g.op1('concat', [g.op1('rope', [rot!, pos!, null], { mode: '1d' }), pass!], { axis: -1 });
    },
  };
}

function gqaCheck(dtype: DType): Check {
  const [b, h, kv, q, k, d] = [1, 6, 3, 3, 7, 16];
  return {
    op: 'grouped-query-attention', dtype,
    inputs: [x4(dtype, [b, h, q, d]), { name: 'k', dtype, shape: [b, kv, k, d] }, { name: 'v', dtype, shape: [b, kv, k, d] }, { name: 'ctx', dtype: 'i32', shape: [b], data: Float64Array.from([2]) }],
    attrs: {}, errorClass: 'attention', reduction: Math.max(k, d),
    // The heads tiled (h mod KV) instead of interleaved (⌊h/g⌋).
    mutant: (g, [qv, kv4, vv, ctx]) => {
      const tile = (t: Value) => {
        const parts = g.op('split', [t], { axis: 1, sizes: Array<number>(kv).fill(1) });
        return g.op1('concat', Array.from({ length: h }, (_, i) => parts[i % kv]!), { axis: 1 });
      };
      return g.op1('attention', [qv!, tile(kv4!), tile(vv!), ctx!]);
    },
  };
}

function swigluCheck(dtype: DType): Check {
  return {
    op: 'swiglu', dtype, inputs: [x4(dtype, [3, 2 * 37], { kind: 'normal', std: 3 })], attrs: {}, errorClass: 'few-roundings', reduction: 1,
    // silu on the second half: the same decomposition fed the halves swapped.
    mutant: (g, [x]) => {
      const [first, second] = g.op('split', [x!], { axis: -1, sizes: [37, 37] });
      return g.op1('swiglu', [g.op1('concat', [second!, first!], { axis: -1 })]);
    },
  };
}

function rmsNormCheck(dtype: DType): Check {
  const h = 96;
  return {
    op: 'rms-norm', dtype, inputs: [x4(dtype, [4, h], { kind: 'normal', std: 1, mean: 2 }), { name: 'w', dtype, shape: [h], data: { kind: 'normal', std: 0.2, mean: 1 } }],
    attrs: { eps: 1e-5 }, errorClass: 'reduction', reduction: 2 * h,
    // The mirror [x, −x] left out: layer-norm of x itself subtracts the mean.
    mutant: (g, [x, w]) => g.op1('layer-norm', [x!, w!, g.op1('scale', [w!], { factor: 0 })]),
  };
}

describe('glm-family decompositions against their composite kernels', () => {
  const expectedOps: Record<string, (dtype: DType) => string[]> = {
    'rms-norm': () => ['scale', 'concat', 'concat', 'scale', 'layer-norm', 'slice'],
    'swiglu': (dtype) => [...(dtype === 'f32' ? [] : ['cast']), 'split', 'scale', 'reshape', 'scale', 'reshape', 'concat', 'softmax', 'slice', 'reshape', 'mul', 'mul', ...(dtype === 'f32' ? [] : ['cast'])],
  };
  for (const dtype of ['f32', 'f16', 'bf16'] as const) {
    for (const make of [ropeCheck, gqaCheck, swigluCheck, rmsNormCheck]) {
      const c = make(dtype);
      it(`${c.op} ${dtype}: the decomposition agrees; the mutated one does not`, () => {
        const verdict = judgeDecomposition(c);
        expect(verdict.decomposition).toBeUndefined();
        expect(verdict.mutant, 'the mutated decomposition passed').toBeDefined();
        if (expectedOps[c.op]) expect(verdict.ops).toEqual(expectedOps[c.op]!(dtype));
      });
    }
  }

  it('grouped-query-attention: the repeated KV heads feed the attention op (which a backend may run natively)', () => {
    const c = gqaCheck('f16');
    const composite = graphOf('gqa-one-step', c.inputs, (b, xs) => b.op1(c.op, xs, c.attrs));
    const once = lowerForBackend(composite, (view) => (view.node.op === 'grouped-query-attention' ? unsupported('not claimed') : { supported: true }));
    expect(once.graph.nodes.map((n) => n.op)).toEqual(['split', 'concat', 'split', 'concat', 'attention']);
    // KV head ⌊h/g⌋ with g = 2: the concat of k takes parts 0,0,1,1,2,2 of its split.
    const [splitK, concatK] = once.graph.nodes;
    expect(concatK!.inputs.map((v) => splitK!.outputs.indexOf(v!))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('interleaved-rope: the regroup is a permutation (pairs (2i, 2i+1) become (i, i + r/2)) and back', () => {
    const r = 8;
    const x: Input = { name: 'x', dtype: 'f32', shape: [1, 1, 1, r], data: Float64Array.from({ length: r }, (_, i) => i) };
    const positions: Input = { name: 'positions', dtype: 'i32', shape: [1, 1], data: Float64Array.from([0]) };
    const lowered = decomposed(graphOf('regroup', [x, positions], (b, xs) => b.op1('interleaved-rope', xs, { rotaryDim: r })));
    // At position 0 the rotation is the identity: the output is x, through the permutation and its inverse.
    const bindings = draw('regroup', [x, positions]);
    expect([...run(lowered, bindings).values]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const planar = lowered.nodes.find((n) => n.name.endsWith('to_rotate_half'))!;
    const partial: Graph = { ...lowered, outputs: [{ name: 'planar', value: planar.outputs[0]! }] };
    expect([...run(partial, bindings).values]).toEqual([0, 2, 4, 6, 1, 3, 5, 7]);
  });
});

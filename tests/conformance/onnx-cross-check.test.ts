/**
 * The oracle cross-checked against onnxruntime (docs/conformance-onnx.md): a representative subset of
 * the conformance catalogue (conformance/onnx/subset.ts) is widened to f32, run on cpu-ref and, exported
 * to ONNX, on onnxruntime-node's CPU provider; every output must agree within the case's fp32 tolerance.
 * The ops the subset exports to ORT must be the catalogue's primitives minus an explicit skip list, so a
 * new op forces a decision: an ONNX mapping in conformance/onnx/export.ts, or a skip entry with its reason.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { plugin as cpuRef } from '../../backends/cpu-ref/index.js';
import { GraphBuilder } from '../../core/ir/builder.js';
import type { AttrValue, Graph } from '../../core/ir/graph.js';
import { OP_CATALOGUE } from '../../core/ir/ops/catalogue.js';
import type { OpName } from '../../core/ir/ops/op-names.js';
import { runGraph } from '../../core/execute/run-graph.js';
import { hostTensor, toFloat64, type HostTensor } from '../../core/tensor/host-tensor.js';
import type { GraphCase } from '../../conformance/case.js';
import { allCases } from '../../conformance/catalogue.js';
import { compareOutput } from '../../conformance/compare.js';
import { toleranceFor } from '../../conformance/tolerance.js';
import {
  compositesCovered,
  crossCheck,
  exportedOpsCovered,
  formatSummary,
  runOnOrt,
  type CrossCheckResult,
} from '../../conformance/onnx/cross-check.js';
import { exportGraph, EXPORTABLE_OPS } from '../../conformance/onnx/export.js';
import { IR_VERSION, OPSET } from '../../conformance/onnx/onnx-proto.js';
import { crossCheckSubset } from '../../conformance/onnx/subset.js';

/**
 * Primitives (and collectives) that cannot be expressed for ORT's CPU provider, each with its reason.
 * Empty today: every one has an ONNX mapping — i4 included, unpacked from its bytes with
 * BitShift/BitwiseAnd, and all-reduce as Identity (one rank). Add an entry only with the reason.
 */
const NOT_EXPRESSIBLE_IN_ONNX: Readonly<Record<string, string>> = {};

const PRIMITIVES = [...OP_CATALOGUE.values()].filter((op) => op.kind !== 'composite').map((op) => op.name).sort();
const COMPOSITES = [...OP_CATALOGUE.values()].filter((op) => op.kind === 'composite').map((op) => op.name).sort();

const TIMEOUT_MS = 120_000;

describe('cpu-ref against onnxruntime-node (CPU), fp32', () => {
  let results: CrossCheckResult[] = [];

  beforeAll(async () => {
    const catalogue = allCases();
    results = await crossCheck(crossCheckSubset(catalogue), { catalogue });
  }, TIMEOUT_MS);

  it('agrees on every case of the subset', () => {
    const bad = results.filter((r) => r.status !== 'agree');
    expect(bad.map((r) => `${r.status} ${r.id}: ${r.reason}`), formatSummary(results)).toEqual([]);
    expect(results.length).toBeGreaterThan(150);
  });

  it('exports every primitive of the catalogue but the explicit skip list, each tested as the subject of a case', () => {
    const expected = PRIMITIVES.filter((op) => !Object.hasOwn(NOT_EXPRESSIBLE_IN_ONNX, op));
    expect([...exportedOpsCovered(results)].sort()).toEqual(expected);
    expect([...EXPORTABLE_OPS].sort()).toEqual(expected);
    const subjects = new Set(results.map((r) => r.subject));
    for (const op of [...expected, ...COMPOSITES]) expect(subjects.has(op), `no case has ${op} as its subject`).toBe(true);
    for (const op of Object.keys(NOT_EXPRESSIBLE_IN_ONNX)) expect(OP_CATALOGUE.has(op), `skip entry for unknown op ${op}`).toBe(true);
  });

  it('checks every composite (its cpu-ref kernel and its decomposition) against ORT running the decomposition', () => {
    expect([...compositesCovered(results)].sort()).toEqual(COMPOSITES);
    for (const op of COMPOSITES) {
      const modes = new Set(results.filter((r) => r.subject === op).map((r) => r.composites));
      expect([...modes].sort(), op).toEqual(['as-built', 'decomposed']);
    }
  });

  it('covers f32, f16 and bf16 cases of the float ops, and GLM blocks of both model families', () => {
    for (const op of ['matmul', 'layer-norm', 'softmax', 'gelu', 'attention', 'rope', 'linear']) {
      const dtypes = new Set(results.filter((r) => r.subject === op).map((r) => r.dtype));
      expect([...dtypes].sort(), op).toEqual(['bf16', 'f16', 'f32']);
    }
    const blocks = results.filter((r) => r.level === 'block').map((r) => r.id);
    expect(blocks.some((id) => id.startsWith('block/tiny/'))).toBe(true);
    expect(blocks.some((id) => id.startsWith('block/small-chatglm/'))).toBe(true);
    expect(blocks.some((id) => id.includes('/int4/'))).toBe(true);
  });
});

describe('the ONNX export', () => {
  function single(op: OpName, inputs: Record<string, HostTensor>, attrs: Record<string, AttrValue>): Graph {
    const b = new GraphBuilder(`onnx-${op}`);
    const values = Object.entries(inputs).map(([name, t]) => b.input(name, t.dtype, t.shape));
    b.output('out', b.op1(op, values, attrs));
    return b.build();
  }
  const shapesOf = (inputs: Record<string, HostTensor>) => Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, t.shape]));

  it('writes an opset-18 model that ORT loads; symbolic dims are resolved from the input shapes', async () => {
    expect([IR_VERSION, OPSET]).toEqual([8, 18]);
    const b = new GraphBuilder('symbolic');
    const x = b.input('x', 'f32', ['batch', 'seq', 6]);
    b.output('y', b.op1('reshape', [x], { shape: ['batch', 'seq', 2, 3] }));
    const inputs = { x: hostTensor('f32', [2, 1, 6], Float32Array.from({ length: 12 }, (_, i) => i)) };
    const exported = exportGraph(b.build(), shapesOf(inputs));
    const got = await runOnOrt(exported, inputs);
    expect([...got['y']!]).toEqual([...Array(12).keys()]);
  }, TIMEOUT_MS);

  it('casts float → i32 as the IR does: ties to even, saturation, NaN → 0 (not ONNX Cast\'s truncation)', async () => {
    const values = [NaN, Infinity, -Infinity, 2.5, -2.5, 0.5, -1.5, 3e9, -3e9, 2147483520, -7.49];
    const edgeCase: GraphCase = {
      kind: 'graph', id: 'onnx-test/cast/i32/nan-inf', level: 'op', subject: 'cast', dtype: 'i32', composites: 'as-built',
      build() {
        const inputs = { x: hostTensor('f32', [values.length], Float32Array.from(values)) };
        return { graph: single('cast', inputs, { to: 'i32' }), inputs, tolerance: toleranceFor('exact', 'i32'), flops: 0 };
      },
    };
    const [r] = await crossCheck([edgeCase], { catalogue: [] });
    expect(r!.status, r!.reason).toBe('agree');
  }, TIMEOUT_MS);

  it('has teeth: the fp32 comparison tells erf GeLU from tanh GeLU and a causal mask shifted by one', async () => {
    const ref = await cpuRef.open();
    try {
      const n = 64;
      const x = { x: hostTensor('f32', [n], Float32Array.from({ length: n }, (_, i) => -4 + (8 * i) / (n - 1))) };
      const ort = await runOnOrt(exportGraph(single('gelu', x, { approximate: 'none' }), shapesOf(x)), x);
      const tanh = toFloat64((await runGraph(ref, single('gelu', x, { approximate: 'tanh' }), x))['out']!);
      const erf = toFloat64((await runGraph(ref, single('gelu', x, { approximate: 'none' }), x))['out']!);
      const tolerance = toleranceFor('few-roundings', 'f32');
      expect(compareOutput('out', 'f32', ort['out']!, erf, tolerance).failure).toBeUndefined();
      expect(compareOutput('out', 'f32', ort['out']!, tanh, tolerance).failure).toBeDefined();

      // Scores [1, 1, 4, 6]: queries are the last 4 of 6 positions; contextLengths 3 and 4 differ for the first queries.
      const scores = hostTensor('f32', [1, 1, 4, 6], Float32Array.from({ length: 24 }, (_, i) => i + 1));
      const at = (ctx: number) => ({ scores, ctx: hostTensor('i32', [1], Int32Array.from([ctx])) });
      const ortMasked = (await runOnOrt(exportGraph(single('glm-mask-fill', at(3), {}), shapesOf(at(3))), at(3)))['out']!;
      const same = toFloat64((await runGraph(ref, single('glm-mask-fill', at(3), {}), at(3)))['out']!);
      const shifted = toFloat64((await runGraph(ref, single('glm-mask-fill', at(4), {}), at(4)))['out']!);
      const exact = toleranceFor('exact', 'f32');
      expect(compareOutput('out', 'f32', ortMasked, same, exact).failure).toBeUndefined();
      expect(compareOutput('out', 'f32', ortMasked, shifted, exact).failure).toBeDefined();
    } finally {
      await ref.close();
    }
  }, TIMEOUT_MS);
});

/**
 * How every backend runs the ChatGLM2/3 and GLM-4 ops: each op at the real models' shapes (ChatGLM2-6B /
 * GLM-4-9B: hidden 4096, 32 query heads, 2 KV heads of 128, rotary on 64, FFN 13696; a decode step of
 * the KV cache for attention) lowered with each backend family's own claims (the functions its
 * PlanTarget plans with: the SIMT family for cuda and rocm-dcu, Ascend per SoC generation, Sunway per
 * chip). The test holds that every backend runs every op — natively (one node, the op's own kernel)
 * where NATIVE_OPS says it has one, else every node left after the decomposition is one the backend
 * claims — except the dtypes a chip cannot compute in, and that the table of
 * docs/glm-family-ops.md ("How each backend runs them") is what the claims say today.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ascendClaims } from '../../backends/ascend/capabilities.js';
import { loweringsFor } from '../../backends/ascend/lowerings/index.js';
import { generationOf } from '../../backends/ascend/soc.js';
import { simtClaims } from '../../backends/simt/capabilities.js';
import { sunwayClaims } from '../../backends/sunway/capabilities.js';
import type { Capability, NodeView } from '../../core/backend-api/plugin-api.js';
import { GraphBuilder } from '../../core/ir/builder.js';
import type { AttrValue, Graph } from '../../core/ir/graph.js';
import type { OpName } from '../../core/ir/ops/op-names.js';
import { lowerForBackend } from '../../core/passes/decompose.js';
import type { DType } from '../../core/tensor/dtype.js';

const BACKENDS: readonly [string, (view: NodeView) => Capability][] = [
  ['cuda, rocm-dcu', (view) => simtClaims(view, 'cuda')],
  ['ascend A2 (910B1)', (view) => ascendClaims(generationOf('Ascend910B1'), 'Ascend910B1', loweringsFor(generationOf('Ascend910B1')))(view, 'ascend')],
  ['ascend 910 (910A)', (view) => ascendClaims(generationOf('Ascend910A'), 'Ascend910A', loweringsFor(generationOf('Ascend910A')))(view, 'ascend')],
  ['sunway SW26010-Pro', (view) => sunwayClaims(view, 'sunway', 'SW26010-Pro')],
  ['sunway SW26010', (view) => sunwayClaims(view, 'sunway', 'SW26010')],
];

/**
 * The ops each backend runs with a kernel of its own (or its vendor's op library): docs/glm-family-ops.md.
 * An entry "op dtype" holds for that dtype only.
 */
const NATIVE_OPS: Readonly<Record<string, readonly string[]>> = {
  'cuda, rocm-dcu': ['rms-norm', 'swiglu', 'grouped-query-attention', 'interleaved-rope'],
  // FusedInferAttentionScoreV2 (the decode step's kernel) takes fp16 and bf16 only.
  'ascend A2 (910B1)': ['rms-norm', 'swiglu', 'grouped-query-attention f16', 'grouped-query-attention bf16', 'interleaved-rope'],
  'sunway SW26010-Pro': ['rms-norm', 'swiglu', 'grouped-query-attention', 'interleaved-rope'],
  'sunway SW26010': ['rms-norm', 'swiglu', 'grouped-query-attention', 'interleaved-rope'],
};

interface OpAtModelShape {
  op: OpName;
  shape: string;
  build(b: GraphBuilder, dtype: DType): void;
}

function single(op: OpName, inputs: [string, DType, (number | string)[]][], attrs: Record<string, AttrValue>) {
  return (b: GraphBuilder) => b.output('out', b.op1(op, inputs.map(([name, dtype, shape]) => b.input(name, dtype, shape)), attrs));
}

const OPS: OpAtModelShape[] = [
  { op: 'rms-norm', shape: '[batch, seq, 4096]', build: (b, t) => single('rms-norm', [['x', t, ['batch', 'seq', 4096]], ['w', t, [4096]]], {})(b) },
  { op: 'swiglu', shape: '[batch, seq, 2·13696]', build: (b, t) => single('swiglu', [['x', t, ['batch', 'seq', 2 * 13696]]], {})(b) },
  {
    op: 'grouped-query-attention', shape: 'q [batch, 32, 1, 128], k/v [batch, 2, capacity, 128], length',
    build: (b, t) => single('grouped-query-attention', [['q', t, ['batch', 32, 1, 128]], ['k', t, ['batch', 2, 'capacity', 128]], ['v', t, ['batch', 2, 'capacity', 128]], ['ctx', 'i32', ['batch']], ['length', 'i32', [1]]], {})(b),
  },
  { op: 'interleaved-rope', shape: '[batch, 32, seq, 128], rotaryDim 64', build: (b, t) => single('interleaved-rope', [['x', t, ['batch', 32, 'seq', 128]], ['positions', 'i32', ['batch', 'seq']]], { rotaryDim: 64 })(b) },
];

/** One cell: the primitives (and composites claimed whole) the backend runs, or why it cannot. */
function cell(graph: Graph, claims: (view: NodeView) => Capability): string {
  const lowered = lowerForBackend(graph, claims);
  if (lowered.unrunnable.length > 0) return `unsupported (${lowered.unrunnable[0]!.reason.split(':')[0]})`;
  const ops = [...new Set(lowered.graph.nodes.map((n) => n.op))].sort();
  return `${lowered.decomposed.some((d) => d.op === graph.nodes[0]!.op) ? 'decomposed' : 'native'}: ${ops.join(', ')}`;
}

interface Cell {
  op: OpName;
  dtype: DType;
  backend: string;
  text: string;
}

function cells(): Cell[] {
  return OPS.flatMap(({ op, build }) => (['f32', 'f16', 'bf16'] as const).flatMap((dtype) => {
    const b = new GraphBuilder(`${op}-${dtype}`);
    build(b, dtype);
    const graph = b.build();
    return BACKENDS.map(([backend, claims]) => ({ op, dtype, backend, text: cell(graph, claims) }));
  }));
}

function table(all: readonly Cell[]): string {
  const header = `| op | dtype | ${BACKENDS.map(([name]) => name).join(' | ')} |`;
  const rule = `|---|---|${BACKENDS.map(() => '---').join('|')}|`;
  const rows = OPS.flatMap(({ op }) => (['f32', 'f16', 'bf16'] as const).map((dtype) =>
    `| ${op} | ${dtype} | ${all.filter((c) => c.op === op && c.dtype === dtype).map((c) => c.text).join(' | ')} |`));
  return [header, rule, ...rows].join('\n');
}

const BEGIN = '<!-- lowering table: tests/conformance/glm-family-lowering.test.ts -->';
const END = '<!-- end of lowering table -->';

describe('the ChatGLM2/GLM-4 ops on every backend', () => {
  const all = cells();
  const runnable = all.filter((c) => !c.text.startsWith('unsupported'));

  it('run on every backend with the kernels it has: unsupported only where a chip has no such dtype', () => {
    const noDtype = (c: Cell) => (c.backend === 'ascend 910 (910A)' && c.dtype === 'bf16') || (c.backend === 'sunway SW26010' && c.dtype !== 'f32');
    expect(all.filter((c) => c.text.startsWith('unsupported') && !noDtype(c))).toEqual([]);
    expect(runnable.length).toBe(all.filter((c) => !noDtype(c)).length);
  });

  it('runs natively exactly the ops each backend has a kernel (or vendor op) for, one node; the rest through the decomposition', () => {
    const native = runnable.filter((c) => c.text.startsWith('native')).map((c) => `${c.op} ${c.dtype} on ${c.backend}`);
    const listed = (c: Cell) => NATIVE_OPS[c.backend]?.some((entry) => entry === c.op || entry === `${c.op} ${c.dtype}`);
    const expected = all.filter((c) => listed(c) && !c.text.startsWith('unsupported')).map((c) => `${c.op} ${c.dtype} on ${c.backend}`);
    expect(native).toEqual(expected);
    for (const c of runnable.filter((x) => x.text.startsWith('native'))) expect(c.text).toBe(`native: ${c.op}`);
  });

  it('grouped-query-attention runs on the backend\'s attention kernel where it has one, natively or after the repeat', () => {
    const gqa = (backend: string) => all.find((c) => c.op === 'grouped-query-attention' && c.dtype === 'f16' && c.backend === backend)!.text.split(/: |, /);
    // cuda/rocm-dcu (head dim 128 ≤ 256), Ascend A2 (FusedInferAttentionScoreV2's numKeyValueHeads) and
    // Sunway (head dim ≤ 256) index the KV heads in their attention kernels, no repeat.
    for (const backend of ['cuda, rocm-dcu', 'ascend A2 (910B1)', 'sunway SW26010-Pro']) expect(gqa(backend), backend).toEqual(['native', 'grouped-query-attention']);
    // The original 910 has no fused attention: matmul + softmax instead.
    expect(gqa('ascend 910 (910A)')).not.toContain('attention');
    expect(gqa('ascend 910 (910A)')).toContain('softmax');
  });

  it('docs/glm-family-ops.md holds this table', () => {
    const doc = readFileSync(new URL('../../docs/glm-family-ops.md', import.meta.url), 'utf8');
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(start >= 0 && end > start, `markers ${BEGIN} … ${END} in docs/glm-family-ops.md`).toBe(true);
    expect(doc.slice(start + BEGIN.length, end).trim()).toBe(table(all));
  });
});

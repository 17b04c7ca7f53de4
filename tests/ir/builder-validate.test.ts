import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../core/ir/builder.js';
import { addDims, bindShape, elementCountKey, resolveDim } from '../../core/ir/dim.js';
import type { Graph } from '../../core/ir/graph.js';
import { findGraphProblems, validateGraph } from '../../core/passes/validate.js';
import { CHATGLM_6B, TINY, GLM_130B } from '../../core/models/glm/config.js';
import { buildGlmBlockGraph, buildGlmModelGraph } from '../../core/models/glm/graphs.js';
import { lowerForBackend } from '../../core/passes/decompose.js';
import { SUPPORTED, unsupported } from '../../core/backend-api/capability.js';
import { OP_CATALOGUE } from '../../core/ir/ops/catalogue.js';
import type { OpName } from '../../core/ir/ops/op-names.js';

describe('symbolic dims', () => {
  it('adds, normalises, binds and resolves', () => {
    expect(addDims('seq', 'past')).toBe('past+seq');
    expect(addDims(0, 'seq')).toBe('seq');
    expect(addDims('past+1', 2)).toBe('past+3');
    expect(resolveDim('past+seq+1', { past: 4, seq: 3 })).toBe(8);
    const b: Record<string, number> = {};
    bindShape(['batch', 'seq', 8], [2, 5, 8], b, 'x');
    expect(b).toEqual({ batch: 2, seq: 5 });
    expect(() => bindShape(['batch', 'batch'], [2, 3], {}, 'x')).toThrow('dimension 1 is "batch" = 2 elsewhere, got 3');
    expect(() => bindShape(['batch', 4], [2, 3], {}, 'x')).toThrow('dimension 1 should be 4 = 4, got 3');
    expect(elementCountKey(['b', 's', 12])).toBe(elementCountKey(['s', 'b', 3, 4]));
  });
});

describe('builder', () => {
  it('type-checks each node as it is added and names the node in errors', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', 'f16', ['batch', 17]);
    const w = b.param('w', 'f16', [9, 16]);
    expect(() => b.scope('layer', () => b.op1('linear', [x, w, null, null], {}, 'proj'))).toThrow(
      'node "layer.proj" (linear): linear input features of x [batch, 17] and weight [9, 16]: expected 17, got 16',
    );
    expect(() => b.op1('matmul', [x, b.input('i', 'i32', [17, 2])])).toThrow('input 1 "b" has dtype i32, expected one of f32, f16, bf16');
    expect(() => b.op1('softmax', [x], { axis: 2 })).toThrow('axis 2 is out of range for rank 2');
    expect(() => b.op1('gelu', [x], { approximate: 'fast' })).toThrow('attribute "approximate" must be one of none, tanh, got "fast"');
    expect(() => b.op1('scale', [x], { factorr: 2 })).toThrow('unknown attribute "factorr" for scale');
    expect(() => b.op1('nope' as OpName, [x])).toThrow('unknown op "nope"');
  });
});

describe('validator', () => {
  it('accepts the GLM graphs: tiny model, and a GLM-130B-shaped block', () => {
    validateGraph(buildGlmModelGraph(TINY, { dtype: 'f16' }));
    validateGraph(buildGlmModelGraph(TINY, { dtype: 'f16', quantization: 'int4', logits: 'last' }));
    const block = buildGlmBlockGraph(GLM_130B, 3, { dtype: 'f16' });
    validateGraph(block);
    const qkv = block.values.find((v) => v.name === 'transformer.layers.3.attention.query_key_value.weight')!;
    expect(qkv.type.shape).toEqual([3 * 12288, 12288]);
    const up = block.values.find((v) => v.name === 'transformer.layers.3.mlp.dense_h_to_4h.weight')!;
    expect(up.type.shape).toEqual([2 * 32768, 12288]);
  });

  it('reports every problem of a hand-written graph, naming the node', () => {
    const bad: Graph = {
      name: 'bad',
      values: [
        { id: 0, name: 'x', type: { dtype: 'f32', shape: [2, 3] }, role: 'input' },
        { id: 1, name: 'y', type: { dtype: 'f32', shape: [2, 4] }, role: 'intermediate' },
        { id: 2, name: 'z', type: { dtype: 'f32', shape: [2, 3] }, role: 'intermediate' },
      ],
      inputs: [0],
      params: [],
      nodes: [
        { id: 0, name: 'act', op: 'gelu', inputs: [0], outputs: [1], attrs: {} },
        { id: 1, name: 'use-before', op: 'add', inputs: [2, 0], outputs: [2], attrs: {} },
        { id: 2, name: 'mystery', op: 'frobnicate' as OpName, inputs: [0], outputs: [], attrs: {} },
      ],
      outputs: [{ name: 'out', value: 1 }],
    };
    const problems = findGraphProblems(bad);
    expect(problems).toEqual([
      'node "act" (gelu): output 0 is declared f32[2, 4], the op gives f32[2, 3]',
      'node "use-before" (add): uses "z" before it is computed',
      'node "mystery" (frobnicate): unknown op "frobnicate"',
    ]);
    expect(() => validateGraph(bad)).toThrow('graph "bad" is invalid: node "act" (gelu)');
  });
});

describe('decomposition', () => {
  it('lowers every composite to primitives when refused, and keeps claimed ones', () => {
    const graph = buildGlmModelGraph(TINY, { dtype: 'f16' });
    const composites = [...OP_CATALOGUE.values()].filter((o) => o.kind === 'composite').map((o) => o.name);
    const lowered = lowerForBackend(graph, (view) => (composites.includes(view.node.op) ? unsupported('primitives only') : SUPPORTED));
    validateGraph(lowered.graph);
    expect(lowered.graph.nodes.filter((n) => composites.includes(n.op))).toEqual([]);
    // The block emits the fused qkv-bias-rope and bias-geglu (the Linear layers before them without their bias);
    // rope and geglu appear only inside their decompositions, one level down.
    expect(new Set(graph.nodes.filter((n) => composites.includes(n.op)).map((n) => n.op))).toEqual(
      new Set(['linear', 'qkv-bias-rope', 'attention', 'bias-geglu', 'deepnorm-residual']),
    );
    expect(new Set(lowered.decomposed.map((d) => d.op))).toEqual(
      new Set(['linear', 'qkv-bias-rope', 'rope', 'attention', 'bias-geglu', 'geglu', 'deepnorm-residual']),
    );
    const fused = lowered.decomposed.filter((d) => d.op === 'qkv-bias-rope' || d.op === 'bias-geglu').map((d) => d.node);
    const nested = lowered.decomposed.filter((d) => d.op === 'rope' || d.op === 'geglu');
    expect(nested.length).toBe(3 * TINY.numLayers); // rope of q and k, geglu, per layer
    for (const d of nested) {
      const parent = d.node.slice(0, d.node.lastIndexOf('.'));
      expect(fused, `${d.node} (${d.op})`).toContain(parent);
      expect(lowered.decomposed.find((p) => p.node === parent)!.op).toBe(d.op === 'rope' ? 'qkv-bias-rope' : 'bias-geglu');
    }
    const kept = lowerForBackend(graph, () => SUPPORTED);
    expect(kept.graph.nodes.length).toBe(graph.nodes.length);
    expect(kept.decomposed).toEqual([]);
  });

  it('the GeLU MLP (ChatGLM-6B) keeps its Linear bias and plain gelu; its 2-D rope is fused into qkv-bias-rope', () => {
    const block = buildGlmBlockGraph(CHATGLM_6B, 0, { dtype: 'f16' });
    validateGraph(block);
    const ops = block.nodes.map((n) => n.op);
    expect(ops).not.toContain('bias-geglu');
    expect(ops).not.toContain('rope');
    expect(ops).toContain('gelu');
    const fused = block.nodes.filter((n) => n.op === 'qkv-bias-rope');
    expect(fused.map((n) => [n.attrs['mode'], n.attrs['heads'], n.inputs.every((i) => i !== null)])).toEqual([['2d', CHATGLM_6B.numHeads, true]]);
    const up = block.nodes.find((n) => n.op === 'linear' && n.name.endsWith('.up'))!;
    expect(up.inputs[2]).not.toBeNull(); // its bias, not folded into a following op
  });
});

describe('regressions', () => {
  it('trailing optional inputs may be left out (recorded as absent)', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', 'f32', [2, 8]);
    const w = b.param('w', 'f32', [3, 8]);
    expect(b.op1('linear', [x, w]).type.shape).toEqual([2, 3]);
    const q = b.input('q', 'f32', [1, 2, 5, 8]);
    expect(b.op1('rope', [q, b.input('p', 'i32', [1, 5])]).type.shape).toEqual([1, 2, 5, 8]);
    const graph = b.build();
    expect(graph.nodes[0]!.inputs).toEqual([0, 1, null, null]);
    validateGraph(graph);
  });

  it('an explicit attention mask broadcasts over batch and heads, and a wrong batch is refused', async () => {
    const { REFERENCE_KERNELS } = await import('../../backends/cpu-ref/kernels/index.js');
    const t = (shape: number[], values: number[], dtype: 'f32' | 'i8' = 'f32') => ({ dtype, shape, values: Float64Array.from(values) });
    const q = t([2, 1, 2, 2], [1, 0, 0, 1, 2, -1, 0.5, 0.5]);
    const k = t([2, 1, 3, 2], [1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6]);
    const mask = [1, 0, 0, 1, 1, 0];
    const ctx = { resolveShape: (s: readonly (number | string)[]) => s as number[] };
    const attrs = { mask: 'explicit', layerIndex: 0 };
    const [broadcast] = REFERENCE_KERNELS['attention']!([q, k, k, t([1, 1, 2, 3], mask, 'i8')], attrs, ctx);
    const [repeated] = REFERENCE_KERNELS['attention']!([q, k, k, t([2, 1, 2, 3], [...mask, ...mask], 'i8')], attrs, ctx);
    expect(Array.from(broadcast!.values)).toEqual(Array.from(repeated!.values));
    const b = new GraphBuilder('g');
    const qv = b.input('q', 'f32', [2, 1, 2, 2]);
    const kv = b.input('k', 'f32', [2, 1, 3, 2]);
    expect(() => b.op1('attention', [qv, kv, kv, b.input('m', 'i8', [3, 1, 2, 3])], { mask: 'explicit' })).toThrow('attention mask batch (1 or B)');
  });
});

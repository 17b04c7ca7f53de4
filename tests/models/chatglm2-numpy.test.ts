/**
 * The pre-norm GLM block (ChatGLM2/3, GLM-4: RMSNorm, grouped-query attention, rotary on half of each
 * head with interleaved pairs, SwiGLU, QKV-only bias, untied output layer) on cpu-ref against an
 * INDEPENDENT float64 numpy forward pass written from THUDM's chatglm2-6b equations
 * (tools/numpy-glm/chatglm2_numpy.py; fixtures by tools/numpy-glm/make_chatglm2_fixtures.py, read here).
 * Three tiny models: 4 query heads over 2 KV groups (2 layers), multi-query (1 KV head, head dim 12,
 * base 500, eps 1.5625e-7), and GLM-4-0414's sandwich norms (RMSNorm of the attention and MLP outputs
 * before each residual add, transformers' Glm4DecoderLayer; 2 layers). Checked: prefill logits, the KV cache (KV heads only, keys rotated), a decode
 * step over that cache, and that the GLM mask with the [sop] index is ChatGLM2's causal mask.
 * Mutations (each must move the logits far past the bound): the rotary over the whole head, the SwiGLU
 * halves swapped, the KV groups read in the wrong order, context length 2 (not causal any more), and
 * for GLM-4-0414 the model without its sandwich norms (either one dropped).
 *
 * Bound: as tests/models/numpy-reference.test.ts (weights on the f16 grid, cpu-ref rounds each op to
 * f32, numpy float64): ‖ours − numpy‖ / ‖numpy‖ < 1e-5.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import plugin from '../../backends/cpu-ref/index.js';
import type { Backend } from '../../core/backend-api/plugin-contract.js';
import { runGraph } from '../../core/execute/run-graph.js';
import { readSafetensors } from '../../core/io/safetensors.js';
import type { Graph } from '../../core/ir/graph.js';
import { headDim, kvHeads, parseGlmConfig, type GlmConfig } from '../../core/models/glm/config.js';
import { buildGlmModelGraph, GLM_INPUTS, GLM_OUTPUTS } from '../../core/models/glm/graphs.js';
import { prepareWeights } from '../../core/models/glm/weights.js';
import { hostTensor, toFloat64, type HostTensor } from '../../core/tensor/host-tensor.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const REL_TOL = 1e-5;
/** What every mutation must exceed: far above the bound, far below what the measured mutations give. */
const MUTATION_FLOOR = 1e-3;

type Nested = number | Nested[];
interface Inputs {
  input_ids: number[][];
  position_ids: number[][];
  context_lengths: number[];
}
interface Fixture {
  config: Record<string, unknown>;
  weights: string;
  prefill: { inputs: Inputs; logits: Nested };
  decode: { inputs: Inputs; logits: Nested };
  cache: { keys: Nested[]; values: Nested[] };
}

const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);
const shapeOf = (x: Nested): number[] => (Array.isArray(x) ? [x.length, ...shapeOf(x[0]!)] : []);
const i32 = (rows: number[][]) => hostTensor('i32', [rows.length, rows[0]!.length], Int32Array.from(rows.flat()));

function relativeError(ours: HostTensor, expected: Nested): number {
  expect(ours.shape).toEqual(shapeOf(expected));
  const got = toFloat64(ours);
  const want = flat(expected);
  let diff = 0;
  let norm = 0;
  want.forEach((w, i) => {
    diff += (got[i]! - w) ** 2;
    norm += w * w;
  });
  return Math.sqrt(diff / norm);
}

class Model {
  constructor(
    readonly fixture: Fixture,
    readonly config: GlmConfig,
    readonly weights: Map<string, HostTensor>,
    readonly backend: Backend,
  ) {}

  static async load(name: string): Promise<Model> {
    const fixture = JSON.parse(await readFile(join(FIXTURES, `${name}.json`), 'utf8')) as Fixture;
    const config = parseGlmConfig(fixture.config, `${name}.json`);
    const path = join(FIXTURES, fixture.weights);
    // Every THUDM name and shape checked against core/models/glm/prenorm-weights.ts; F16 widened exactly.
    const weights = prepareWeights(config, (await readSafetensors(path)).tensors, 'f32', 'none', path);
    return new Model(fixture, config, weights, await plugin.open());
  }

  graph(): Graph {
    return buildGlmModelGraph(this.config, { dtype: 'f32', logits: 'all' });
  }

  async run(inputs: Inputs, past: Record<string, HostTensor> | null, options: { graph?: Graph; weights?: Map<string, HostTensor> } = {}) {
    const batch = inputs.input_ids.length;
    const empty = hostTensor('f32', [batch, kvHeads(this.config), 0, headDim(this.config)]);
    const cache: Record<string, HostTensor> = past ?? {};
    if (!past) for (let l = 0; l < this.config.numLayers; l++) cache[GLM_INPUTS.pastKey(l)] = cache[GLM_INPUTS.pastValue(l)] = empty;
    return runGraph(this.backend, options.graph ?? this.graph(), {
      ...Object.fromEntries(options.weights ?? this.weights),
      ...cache,
      [GLM_INPUTS.inputIds]: i32(inputs.input_ids),
      [GLM_INPUTS.positions]: i32(inputs.position_ids),
      [GLM_INPUTS.contextLengths]: hostTensor('i32', [batch], Int32Array.from(inputs.context_lengths)),
      [GLM_INPUTS.cacheIndex]: hostTensor('i32', [batch], Int32Array.from({ length: batch }, (_, i) => i)),
    });
  }

  async prefillError(options: Parameters<Model['run']>[2] = {}, inputs = this.fixture.prefill.inputs): Promise<number> {
    return relativeError((await this.run(inputs, null, options))[GLM_OUTPUTS.logits]!, this.fixture.prefill.logits);
  }
}

describe.each(['tiny-chatglm2', 'tiny-glm4-mqa', 'tiny-glm4-0414'])('pre-norm GLM block on cpu-ref vs numpy float64 from THUDM equations (%s)', (name) => {
  let m: Model;
  let prefill: Record<string, HostTensor>;
  beforeAll(async () => {
    m = await Model.load(name);
    prefill = await m.run(m.fixture.prefill.inputs, null);
  });

  it('prefill logits match', () => {
    expect(relativeError(prefill[GLM_OUTPUTS.logits]!, m.fixture.prefill.logits)).toBeLessThan(REL_TOL);
  });

  it('the KV cache holds the KV heads only, keys rotated, as numpy computes them', () => {
    for (let l = 0; l < m.config.numLayers; l++) {
      const key = prefill[GLM_OUTPUTS.presentKey(l)]!;
      expect(key.shape).toEqual([2, kvHeads(m.config), 7, headDim(m.config)]);
      const first7 = (x: Nested) => (x as Nested[][][]).map((row) => row.map((head) => head.slice(0, 7)));
      expect(relativeError(key, first7(m.fixture.cache.keys[l]!))).toBeLessThan(REL_TOL);
      expect(relativeError(prefill[GLM_OUTPUTS.presentValue(l)]!, first7(m.fixture.cache.values[l]!))).toBeLessThan(REL_TOL);
    }
  });

  it('a decode step over the cache gives the 8th position of the longer pass', async () => {
    const past: Record<string, HostTensor> = {};
    for (let l = 0; l < m.config.numLayers; l++) {
      past[GLM_INPUTS.pastKey(l)] = prefill[GLM_OUTPUTS.presentKey(l)]!;
      past[GLM_INPUTS.pastValue(l)] = prefill[GLM_OUTPUTS.presentValue(l)]!;
    }
    const out = await m.run(m.fixture.decode.inputs, past);
    expect(relativeError(out[GLM_OUTPUTS.logits]!, m.fixture.decode.logits)).toBeLessThan(REL_TOL);
  });

  it('the session cache forms: a fixed-capacity cache of KV heads written in place, then a decode step over it', async () => {
    const { input_ids, position_ids, context_lengths } = m.fixture.prefill.inputs;
    const capacity = 8;
    const cacheShape = [2, kvHeads(m.config), capacity, headDim(m.config)];
    const run = async (form: 'in-place-start' | 'in-place-extend', inputs: Inputs, offset: number, past: (l: number, kind: 'key' | 'value') => HostTensor) => {
      const host: Record<string, HostTensor> = {
        ...Object.fromEntries(m.weights),
        [GLM_INPUTS.inputIds]: i32(inputs.input_ids),
        [GLM_INPUTS.positions]: i32(inputs.position_ids),
        [GLM_INPUTS.contextLengths]: hostTensor('i32', [2], Int32Array.from(context_lengths)),
        [GLM_INPUTS.cacheOffset]: hostTensor('i32', [1], Int32Array.from([offset])),
        ...(form === 'in-place-extend' ? { [GLM_INPUTS.kvLength]: hostTensor('i32', [1], Int32Array.from([offset + inputs.input_ids[0]!.length])) } : {}),
      };
      for (let l = 0; l < m.config.numLayers; l++) {
        host[GLM_INPUTS.pastKey(l)] = past(l, 'key');
        host[GLM_INPUTS.pastValue(l)] = past(l, 'value');
      }
      return runGraph(m.backend, buildGlmModelGraph(m.config, { dtype: 'f32', logits: 'all', cache: form }), host);
    };
    const start = await run('in-place-start', { input_ids, position_ids, context_lengths }, 0, () => hostTensor('f32', cacheShape));
    expect(relativeError(start[GLM_OUTPUTS.logits]!, m.fixture.prefill.logits)).toBeLessThan(REL_TOL);
    expect(start[GLM_OUTPUTS.presentKey(0)]!.shape).toEqual(cacheShape);
    const next = await run('in-place-extend', m.fixture.decode.inputs, 7, (l, kind) => start[kind === 'key' ? GLM_OUTPUTS.presentKey(l) : GLM_OUTPUTS.presentValue(l)]!);
    expect(relativeError(next[GLM_OUTPUTS.logits]!, m.fixture.decode.logits)).toBeLessThan(REL_TOL);
  });

  it('the GLM mask with context length 0 or 1 (the [sop] index) is the causal mask; 2 is not', async () => {
    const withContext = (ctx: number) => ({ ...m.fixture.prefill.inputs, context_lengths: [ctx, ctx] });
    expect(await m.prefillError({}, withContext(0))).toBeLessThan(REL_TOL);
    expect(await m.prefillError({}, withContext(1))).toBeLessThan(REL_TOL);
    expect(await m.prefillError({}, withContext(2))).toBeGreaterThan(MUTATION_FLOOR);
  });

  it('mutation: the rotary over the whole head (not half of it) misses numpy', async () => {
    const graph = JSON.parse(JSON.stringify(m.graph())) as Graph;
    for (const node of graph.nodes) if (node.op === 'interleaved-rope') (node.attrs as Record<string, unknown>)['rotaryDim'] = headDim(m.config);
    expect(await m.prefillError({ graph })).toBeGreaterThan(MUTATION_FLOOR);
  });

  it('mutation: the SwiGLU halves swapped (silu on the up half) misses numpy', async () => {
    const weights = new Map(m.weights);
    const name = 'transformer.encoder.layers.0.mlp.dense_h_to_4h.weight';
    const w = weights.get(name)!;
    const half = (w.shape[0]! / 2) * w.shape[1]!;
    const v = toFloat64(w);
    weights.set(name, hostTensor('f32', w.shape, Float32Array.from([...v.subarray(half), ...v.subarray(0, half)])));
    expect(await m.prefillError({ weights })).toBeGreaterThan(MUTATION_FLOOR);
  });

  it.runIf(name === 'tiny-glm4-0414')('mutation: dropping either sandwich norm (attention or MLP output) misses numpy', async () => {
    for (const dropped of ['post_self_attn_layernorm', 'post_mlp_layernorm']) {
      // The same graph with the dropped norm's node bypassed: its consumers read the norm's input instead.
      const graph = JSON.parse(JSON.stringify(m.graph())) as Graph;
      const norms = graph.nodes.filter((n) => n.op === 'rms-norm' && graph.values[n.inputs[1]!]!.name.endsWith(`.${dropped}.weight`));
      expect(norms).toHaveLength(m.config.numLayers);
      for (const norm of norms) {
        for (const node of graph.nodes as unknown as { inputs: (number | null)[] }[]) node.inputs = node.inputs.map((i) => (i === norm.outputs[0] ? norm.inputs[0]! : i));
      }
      expect(await m.prefillError({ graph })).toBeGreaterThan(MUTATION_FLOOR);
    }
    expect(await m.prefillError()).toBeLessThan(REL_TOL);
  });

  it.runIf(name === 'tiny-chatglm2')('mutation: the KV groups read in the other order misses numpy', async () => {
    // Swapping the two groups' k rows is what reading KV head h mod 2 instead of ⌊h/2⌋ does to heads 1 and 2.
    const weights = new Map(m.weights);
    const d = headDim(m.config);
    for (const suffix of ['weight', 'bias']) {
      const name = `transformer.encoder.layers.0.self_attention.query_key_value.${suffix}`;
      const w = weights.get(name)!;
      const row = suffix === 'weight' ? w.shape[1]! : 1;
      const v = Float32Array.from(toFloat64(w));
      const k0 = m.config.numHeads * d * row;
      const group = d * row;
      const first = v.slice(k0, k0 + group);
      v.copyWithin(k0, k0 + group, k0 + 2 * group);
      v.set(first, k0 + group);
      weights.set(name, hostTensor('f32', w.shape, v));
    }
    expect(await m.prefillError({ weights })).toBeGreaterThan(MUTATION_FLOOR);
  });
});

describe('the pre-norm family declared in the config', () => {
  const tiny = { name: 't', numLayers: 1, hiddenSize: 64, numHeads: 4, ffnHiddenSize: 96, vocabSize: 264, paddedVocabSize: 272, maxSequenceLength: 64 };
  const prenorm = { ...tiny, residual: 'pre-norm', numKvHeads: 2, mlp: 'swiglu', tiedOutput: false };

  it('config.json declares residual, numKvHeads, rotaryPairing; contradictions are refused with one line (exit 3)', () => {
    expect(kvHeads(parseGlmConfig(prenorm, 'c.json'))).toBe(2);
    expect(parseGlmConfig(prenorm, 'c.json').rotaryPairing).toBe('half-interleaved');
    const refused = (raw: Record<string, unknown>) => {
      try {
        parseGlmConfig(raw, 'c.json');
        return 'accepted';
      } catch (e) {
        expect((e as { exitCode?: number }).exitCode).toBe(3);
        return (e as Error).message;
      }
    };
    expect(refused({ ...tiny, numKvHeads: 2, deepnormAlpha: 2 })).toMatch(/numKvHeads.*pre-norm/);
    expect(refused({ ...prenorm, deepnormAlpha: 2 })).toMatch(/deepnormAlpha.*meaningless/);
    expect(refused({ ...prenorm, mlp: 'geglu' })).toMatch(/pre-norm.*swiglu/);
    expect(refused({ ...prenorm, numKvHeads: 3 })).toMatch(/numKvHeads 3 does not divide numHeads 4/);
    expect(refused({ ...prenorm, rotaryPairing: 'rotate-half' })).toMatch(/rotaryPairing/);
    expect(refused({ ...tiny, mlp: 'swiglu', deepnormAlpha: 2 })).toMatch(/pre-norm.*swiglu/);
    expect(parseGlmConfig({ ...prenorm, sandwichNorm: true }, 'c.json').sandwichNorm).toBe(true);
    expect(parseGlmConfig(prenorm, 'c.json').sandwichNorm).toBeUndefined();
    expect(refused({ ...tiny, deepnormAlpha: 2, sandwichNorm: true })).toMatch(/sandwichNorm.*needs "residual": "pre-norm"/);
    expect(refused({ ...prenorm, sandwichNorm: 'yes' })).toMatch(/"sandwichNorm" must be true or false/);
  });

  it('sandwichNorm adds the two norm weights per layer and two rms-norm nodes per block', async () => {
    const { weightSpecs } = await import('../../core/models/glm/weights-layout.js');
    const plain = parseGlmConfig(prenorm, 'c.json');
    const sandwich = parseGlmConfig({ ...prenorm, sandwichNorm: true }, 'c.json');
    const added = weightSpecs(sandwich, 'f32').filter((s) => !weightSpecs(plain, 'f32').some((p) => p.name === s.name));
    expect(added.map((s) => [s.name, s.shape])).toEqual([
      ['transformer.encoder.layers.0.post_self_attn_layernorm.weight', [64]],
      ['transformer.encoder.layers.0.post_mlp_layernorm.weight', [64]],
    ]);
    const norms = (c: GlmConfig) => buildGlmModelGraph(c, { dtype: 'f32', logits: 'last' }).nodes.filter((n) => n.op === 'rms-norm').length;
    expect(norms(sandwich) - norms(plain)).toBe(2);
  });

  it('ChatGLM2-6B and GLM-4-9B: the weight shapes of the published checkpoints and a cache of 2 KV heads', async () => {
    const { CHATGLM2_6B, GLM_4_9B } = await import('../../core/models/glm/config.js');
    const { weightSpecs } = await import('../../core/models/glm/weights-layout.js');
    for (const c of [CHATGLM2_6B, GLM_4_9B]) {
      const shapes = new Map(weightSpecs(c, 'f16').map((s) => [s.name, s.shape]));
      // THUDM/chatglm2-6b and glm-4-9b-chat: query_key_value 4608×4096 (32 + 2·2 heads of 128), dense_h_to_4h 27392×4096.
      expect(shapes.get('transformer.encoder.layers.0.self_attention.query_key_value.weight')).toEqual([4608, 4096]);
      expect(shapes.get('transformer.encoder.layers.0.self_attention.query_key_value.bias')).toEqual([4608]);
      expect(shapes.has('transformer.encoder.layers.0.self_attention.dense.bias')).toBe(false);
      expect(shapes.get('transformer.encoder.layers.0.mlp.dense_h_to_4h.weight')).toEqual([27392, 4096]);
      expect(shapes.get('transformer.output_layer.weight')).toEqual([c.paddedVocabSize, 4096]);
      const graph = buildGlmModelGraph(c, { dtype: 'f16', cache: 'in-place-extend', logits: 'last' });
      const pastKey = graph.inputs.map((i) => graph.values[i]!).find((v) => v.name === GLM_INPUTS.pastKey(0))!;
      expect(pastKey.type.shape).toEqual(['batch', 2, 'capacity', 128]);
    }
  });
});

describe('what the pre-norm family does not do yet', () => {
  it('tensor parallelism refuses it by name (the split rules know the DeepNorm block only), one rank is fine', async () => {
    const { tensorParallelRefusal } = await import('../../core/passes/shard-layout.js');
    const { CHATGLM2_6B } = await import('../../core/models/glm/config.js');
    expect(tensorParallelRefusal(CHATGLM2_6B, 2)).toMatch(/^chatglm2-6b: tensor parallelism of the pre-norm block .* not implemented/);
    expect(tensorParallelRefusal(CHATGLM2_6B, 1)).toBeUndefined();
  });
});

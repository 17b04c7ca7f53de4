/**
 * The GLM model graph on cpu-ref against an INDEPENDENT float64 numpy implementation written from
 * /work/shared/spec/glm130b.md (tools/numpy-glm/glm_numpy.py; it shares no code with core/models/glm).
 *
 * Fixtures (tests/models/fixtures/<name>.{safetensors,json}) are made once, without node, by
 * `python3 tools/numpy-glm/make_fixtures.py`: numpy draws its own weights, writes them as safetensors,
 * and writes the inputs with the expected logits and KV-cache contents. This test only reads them.
 *
 * What a mismatch here would point at: the per-head [q_h | k_h | v_h] interleaving of the QKV rows,
 * rotary (rotate-half pairing, frequencies, 2-D halves), the GLM mask (bidirectional context, causal
 * after it, absolute positions when a cache is present), DeepNorm's α on the LayerNorm output, which
 * GeGLU half goes through GeLU, the tied/untied head, and the KV cache (layout, append, reorder).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../../backends/cpu-ref/index.js';
import { TINY, headDim, parseGlmConfig, type GlmConfig } from '../../core/models/glm/config.js';
import { buildGlmModelGraph, GLM_INPUTS, GLM_OUTPUTS } from '../../core/models/glm/graphs.js';
import { prepareWeights } from '../../core/models/glm/weights.js';
import { readSafetensors } from '../../core/io/safetensors.js';
import { runGraph } from '../../core/execute/run-graph.js';
import type { Backend } from '../../core/backend-api/plugin-contract.js';
import { hostTensor, toFloat64, type HostTensor } from '../../core/tensor/host-tensor.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/**
 * Bound on ‖ours − numpy‖ / ‖numpy‖ (Euclidean norms over the whole compared tensor).
 *
 * The weights are on the float16 grid, so both sides start from exactly the same numbers. numpy then
 * works in float64 (u ≈ 1.1e-16: exact for our purpose). cpu-ref computes each op in float64 but
 * rounds every op's output to f32, i.e. each of the ~20 ops of a block adds a relative error of at most
 * u = 2^-24 ≈ 6e-8 to its output. These errors pass through at most 3 blocks, LayerNorms and softmaxes
 * whose amplification is O(1–10) for these well-scaled weights, so the accumulated relative error is of
 * order (number of roundings) × (amplification) × u ≈ 1e-7…1e-6 (measured: 6e-8…1.1e-7). 1e-5 leaves a
 * margin of 10× or more, while any wiring mistake (wrong QKV interleave, rotary pairing, mask off by
 * one, wrong GeGLU half, α on the wrong term, a stale cache row) moves the logits by 1e-2 or more
 * (tools/numpy-glm/README.md lists the measured effect of each such mutation; the subtlest,
 * tanh-GeLU instead of erf, still moves them by 8e-5).
 */
const REL_TOL = 1e-5;

type Nested = number | Nested[];

interface Inputs {
  input_ids: number[][];
  position_ids: number[][];
  block_position_ids?: number[][];
  context_lengths: number[];
}

interface Fixture {
  config: Record<string, unknown>;
  weights: string;
  prefill: { inputs: Inputs; logits: number[][][] };
  decode: { inputs: Inputs; logits: number[][][] };
  /** [layer][batch][heads][8 positions][headDim]: keys after rotary, values as projected. */
  cache: { keys: Nested[]; values: Nested[] };
}

function flat(x: Nested): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x];
}

function shapeOf(x: Nested): number[] {
  return Array.isArray(x) ? [x.length, ...shapeOf(x[0]!)] : [];
}

function i32(rows: number[][]): HostTensor {
  return hostTensor('i32', [rows.length, rows[0]!.length], Int32Array.from(rows.flat()));
}

function relativeError(ours: ArrayLike<number>, expected: readonly number[]): number {
  expect(ours.length).toBe(expected.length);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    diff += (ours[i]! - expected[i]!) ** 2;
    norm += expected[i]! ** 2;
  }
  return Math.sqrt(diff / norm);
}

/** Argmax over the real vocabulary of each row of `width` values. */
function argmaxes(values: ArrayLike<number>, width: number, vocab: number): number[] {
  const out: number[] = [];
  for (let base = 0; base < values.length; base += width) {
    let best = 0;
    for (let v = 1; v < vocab; v++) if (values[base + v]! > values[base + best]!) best = v;
    out.push(best);
  }
  return out;
}

/** Positions [lo, hi) of a [batch][heads][positions][headDim] nested array, optionally reordering rows. */
function positions(x: Nested, lo: number, hi: number, rows?: number[]): Nested {
  const batch = x as Nested[][][];
  return (rows ?? batch.map((_, i) => i)).map((r) => batch[r]!.map((head) => head.slice(lo, hi)));
}

const errors: string[] = [];

function expectClose(what: string, ours: HostTensor, expected: Nested, config: GlmConfig, checkArgmax: boolean): void {
  expect(ours.shape, `${what}: shape`).toEqual(shapeOf(expected));
  const got = toFloat64(ours);
  const want = flat(expected);
  const rel = relativeError(got, want);
  errors.push(`${config.name} ${what}: ${rel.toExponential(2)}`);
  expect(rel, `${what}: relative error`).toBeLessThan(REL_TOL);
  if (checkArgmax) {
    const width = ours.shape.at(-1)!;
    expect(argmaxes(got, width, config.vocabSize), `${what}: argmax`).toEqual(argmaxes(want, width, config.vocabSize));
  }
}

class Case {
  private constructor(
    readonly fixture: Fixture,
    readonly config: GlmConfig,
    readonly weights: Map<string, HostTensor>,
    readonly backend: Backend,
  ) {}

  static async load(name: string): Promise<Case> {
    const fixture = JSON.parse(await readFile(join(FIXTURES, `${name}.json`), 'utf8')) as Fixture;
    const config = parseGlmConfig(fixture.config, `${name}.json`);
    const path = join(FIXTURES, fixture.weights);
    // prepareWeights checks every name and shape against weights-layout.ts and widens F16 to f32 (exact).
    const weights = prepareWeights(config, (await readSafetensors(path)).tensors, 'f32', 'none', path);
    return new Case(fixture, config, weights, await plugin.open());
  }

  emptyCache(batch: number): Record<string, HostTensor> {
    const shape = [batch, this.config.numHeads, 0, headDim(this.config)];
    const out: Record<string, HostTensor> = {};
    for (let layer = 0; layer < this.config.numLayers; layer++) {
      out[GLM_INPUTS.pastKey(layer)] = hostTensor('f32', shape);
      out[GLM_INPUTS.pastValue(layer)] = hostTensor('f32', shape);
    }
    return out;
  }

  /** The present_key/value outputs of a run, as the next run's past_key/value inputs. */
  cacheFrom(outputs: Record<string, HostTensor>): Record<string, HostTensor> {
    const out: Record<string, HostTensor> = {};
    for (let layer = 0; layer < this.config.numLayers; layer++) {
      out[GLM_INPUTS.pastKey(layer)] = outputs[GLM_OUTPUTS.presentKey(layer)]!;
      out[GLM_INPUTS.pastValue(layer)] = outputs[GLM_OUTPUTS.presentValue(layer)]!;
    }
    return out;
  }

  async run(logits: 'all' | 'last', inputs: Inputs, cacheIndex: number[], past: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    const graph = buildGlmModelGraph(this.config, { dtype: 'f32', logits });
    const host: Record<string, HostTensor> = {
      ...Object.fromEntries(this.weights),
      ...past,
      [GLM_INPUTS.inputIds]: i32(inputs.input_ids),
      [GLM_INPUTS.positions]: i32(inputs.position_ids),
      [GLM_INPUTS.contextLengths]: hostTensor('i32', [inputs.context_lengths.length], Int32Array.from(inputs.context_lengths)),
      [GLM_INPUTS.cacheIndex]: hostTensor('i32', [cacheIndex.length], Int32Array.from(cacheIndex)),
    };
    if (this.config.rotary === '2d') host[GLM_INPUTS.blockPositions] = i32(inputs.block_position_ids!);
    return runGraph(this.backend, graph, host);
  }
}

/** Rows `rows` of every field of the inputs (for reordered or single-row runs). */
function pick(inputs: Inputs, rows: number[], lo = 0, hi?: number): Inputs {
  const cut = (m: number[][]) => rows.map((r) => m[r]!.slice(lo, hi));
  const out: Inputs = {
    input_ids: cut(inputs.input_ids),
    position_ids: cut(inputs.position_ids),
    context_lengths: rows.map((r) => inputs.context_lengths[r]!),
  };
  if (inputs.block_position_ids) out.block_position_ids = cut(inputs.block_position_ids);
  return out;
}

/** Prefill inputs followed by the decode token: the 8-token rows. */
function fullRows(f: Fixture): Inputs {
  const join2 = (a: number[][], b: number[][]) => a.map((row, i) => [...row, ...b[i]!]);
  const out: Inputs = {
    input_ids: join2(f.prefill.inputs.input_ids, f.decode.inputs.input_ids),
    position_ids: join2(f.prefill.inputs.position_ids, f.decode.inputs.position_ids),
    context_lengths: f.prefill.inputs.context_lengths,
  };
  if (f.prefill.inputs.block_position_ids) out.block_position_ids = join2(f.prefill.inputs.block_position_ids, f.decode.inputs.block_position_ids!);
  return out;
}

describe.each(['tiny', 'tiny-2d-tanh-untied', 'tiny-1layer-2heads'])('GLM graph on cpu-ref vs numpy float64 (%s)', (name) => {
  let c: Case;
  let prefill: Record<string, HostTensor>;

  beforeAll(async () => {
    c = await Case.load(name);
    const { inputs } = c.fixture.prefill;
    prefill = await c.run('all', inputs, [0, 1], c.emptyCache(inputs.input_ids.length));
  });

  it('fixture describes the intended config', () => {
    const f = c.fixture;
    if (name === 'tiny') expect(c.config).toEqual(TINY);
    expect(f.prefill.inputs.context_lengths).toEqual([4, 7]);
    expect(f.prefill.inputs.input_ids.map((r) => r.length)).toEqual([7, 7]);
    if (name === 'tiny-2d-tanh-untied') expect([c.config.rotary, c.config.mlp, c.config.tiedOutput]).toEqual(['2d', 'gelu-tanh', false]);
    if (name === 'tiny-1layer-2heads') expect([c.config.numLayers, c.config.numHeads]).toEqual([1, 2]);
  });

  it('prefill: all-position logits', () => {
    expectClose('prefill logits', prefill[GLM_OUTPUTS.logits]!, c.fixture.prefill.logits, c.config, true);
  });

  it('prefill: present key/value (rotated keys, [batch, heads, 7, headDim])', () => {
    const { keys, values } = c.fixture.cache;
    for (let layer = 0; layer < c.config.numLayers; layer++) {
      expectClose(`prefill present_key.${layer}`, prefill[GLM_OUTPUTS.presentKey(layer)]!, positions(keys[layer]!, 0, 7), c.config, false);
      expectClose(`prefill present_value.${layer}`, prefill[GLM_OUTPUTS.presentValue(layer)]!, positions(values[layer]!, 0, 7), c.config, false);
    }
  });

  it('decode: one token per row over the prefill cache (logits "last" and "all" agree)', async () => {
    const past = c.cacheFrom(prefill);
    const last = await c.run('last', c.fixture.decode.inputs, [0, 1], past);
    expectClose('decode logits', last[GLM_OUTPUTS.logits]!, c.fixture.decode.logits, c.config, true);
    const all = await c.run('all', c.fixture.decode.inputs, [0, 1], past);
    expect(toFloat64(all[GLM_OUTPUTS.logits]!)).toEqual(toFloat64(last[GLM_OUTPUTS.logits]!));
    const { keys, values } = c.fixture.cache;
    for (let layer = 0; layer < c.config.numLayers; layer++) {
      expectClose(`decode present_key.${layer}`, last[GLM_OUTPUTS.presentKey(layer)]!, positions(keys[layer]!, 0, 8), c.config, false);
      expectClose(`decode present_value.${layer}`, last[GLM_OUTPUTS.presentValue(layer)]!, positions(values[layer]!, 0, 8), c.config, false);
    }
  });

  it('decode with reordered cache rows (cache_index [1, 0], as beam search does)', async () => {
    const out = await c.run('last', pick(c.fixture.decode.inputs, [1, 0]), [1, 0], c.cacheFrom(prefill));
    const expected = [1, 0].map((r) => c.fixture.decode.logits[r]!);
    expectClose('reordered decode logits', out[GLM_OUTPUTS.logits]!, expected, c.config, true);
    const { keys } = c.fixture.cache;
    for (let layer = 0; layer < c.config.numLayers; layer++) {
      expectClose(`reordered present_key.${layer}`, out[GLM_OUTPUTS.presentKey(layer)]!, positions(keys[layer]!, 0, 8, [1, 0]), c.config, false);
    }
  });

  it('chunked: row 0 (context 4) as 5 tokens, then 2 tokens over a cache of 5 (mask at absolute positions)', async () => {
    const row = pick(fullRows(c.fixture), [0]);
    const first = await c.run('all', pick(row, [0], 0, 5), [0], c.emptyCache(1));
    const second = await c.run('all', pick(row, [0], 5, 7), [0], c.cacheFrom(first));
    const expected = c.fixture.prefill.logits[0]!;
    expectClose('chunked logits 0..4', first[GLM_OUTPUTS.logits]!, [expected.slice(0, 5)], c.config, true);
    expectClose('chunked logits 5..6', second[GLM_OUTPUTS.logits]!, [expected.slice(5, 7)], c.config, true);
  });
});

describe('DeepNorm α is declared, not derived (mutation check)', () => {
  // The ChatGLM-style fixture has 3 layers and declares THUDM's α = √(2·28). Putting back the old
  // derived rule √(2·layers) = √6 must move the logits far beyond the tolerance: the check has teeth.
  it('tiny-2d-tanh-untied with α = √(2·layers) instead of its declared √56 misses numpy by far', async () => {
    const c = await Case.load('tiny-2d-tanh-untied');
    expect(c.config.deepnormAlpha).toBeCloseTo(Math.sqrt(56), 12);
    const derived = Object.create(Case.prototype) as Case;
    Object.assign(derived, { ...c, config: { ...c.config, deepnormAlpha: Math.sqrt(2 * c.config.numLayers) } });
    const { inputs } = c.fixture.prefill;
    const out = await derived.run('all', inputs, [0, 1], derived.emptyCache(inputs.input_ids.length));
    const rel = relativeError(toFloat64(out[GLM_OUTPUTS.logits]!), flat(c.fixture.prefill.logits));
    expect(rel).toBeGreaterThan(1e3 * REL_TOL);
  });
});

afterAll(() => {
  // GLM_PRINT_ERRORS=1 npx vitest run tests/models prints every measured relative error.
  if (process.env['GLM_PRINT_ERRORS']) console.log(errors.join('\n'));
});

/**
 * `glm convert --from hf` on the pre-norm family's Hugging Face layouts (issues 24, 27 item 5): THUDM's
 * ChatGLM2/3 / glm-4-9b (`model_type: chatglm`), transformers' GlmForCausalLM (`glm`) and
 * Glm4ForCausalLM (`glm4`, GLM-4-0414's sandwich norms). Each checkpoint is written here from the numpy
 * fixtures' SDK weights (tests/models/fixtures) with names and config keys spelled out independently of
 * the converter (hf-family-checkpoint.ts); the converted folder's cpu-ref logits must EQUAL those of the
 * unconverted weights (same values, same graph: bit for bit). Mutations of the converter's tables (k and
 * v swapped, the two sandwich norms swapped) must move them far. A config without the QKV bias converts
 * with a zero bias. Bad inputs are one line with an exit code.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_KERNELS } from '../../backends/cpu-ref/kernels/index.js';
import { configJson, parseGlmConfig, type GlmConfig } from '../../core/models/glm/config.js';
import { convertCheckpoint } from '../../core/models/glm/convert/convert-checkpoint.js';
import { huggingFaceLayout } from '../../core/models/glm/convert/hf-config.js';
import type { LayoutRow } from '../../core/models/glm/convert/layouts.js';
import { openHuggingFace } from '../../core/models/glm/convert/sources.js';
import { loadModelFolder } from '../../core/models/glm/load-model.js';
import { quantizeWeights } from '../../core/models/glm/weights.js';
import { hostTensor, type HostTensor } from '../../core/tensor/host-tensor.js';
import { expectOneLineError } from '../support/one-line-error.js';
import { prenormFixture, prenormLogits, sdkWeights, thudmConfigJson, toTransformersTensors, transformersConfigJson, writeHfFolder, type PrenormFixture } from './hf-family-checkpoint.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'glm.js');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glm-hf-family-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function glm(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

function relativeChange(a: Float64Array, b: Float64Array): number {
  let diff = 0;
  let norm = 0;
  b.forEach((w, i) => ((diff += (a[i]! - w) ** 2), (norm += w * w)));
  return Math.sqrt(diff / norm);
}

type Layout = 'thudm' | 'glm' | 'glm-tied' | 'glm4';

/** The HF folder of a layout, from a fixture's weights; and the SDK weights the converted model must equal. */
function hfCheckpoint(f: PrenormFixture, layout: Layout): { config: Record<string, unknown>; tensors: Map<string, HostTensor>; expected: Map<string, HostTensor> } {
  const expected = sdkWeights(f);
  if (layout === 'thudm') {
    const inv = new Map(f.stored).set('transformer.rotary_pos_emb.inv_freq', f.stored.get('transformer.encoder.final_layernorm.weight')!);
    return { config: thudmConfigJson(f.config), tensors: inv, expected };
  }
  const tied = layout === 'glm-tied';
  const modelType = layout === 'glm4' ? 'glm4' : 'glm';
  const tensors = toTransformersTensors(f.config, f.stored, tied);
  if (tied) expected.set('transformer.output_layer.weight', expected.get('transformer.embedding.word_embeddings.weight')!);
  return { config: transformersConfigJson(f.config, modelType, { tied, nestedRope: layout === 'glm' }), tensors, expected };
}

const CASES: [string, string, Layout, number][] = [
  ['THUDM ChatGLM2/3 (model_type chatglm, 2 KV groups), 3 safetensors shards', 'tiny-chatglm2', 'thudm', 3],
  ['THUDM glm-4-9b style (multi-query, rope_ratio 0.05), one model.safetensors', 'tiny-glm4-mqa', 'thudm', 0],
  ['transformers GlmForCausalLM (rope_parameters as transformers 5 writes them), 2 shards', 'tiny-chatglm2', 'glm', 2],
  ['transformers GlmForCausalLM with a tied head (no lm_head stored)', 'tiny-glm4-mqa', 'glm-tied', 0],
  ['transformers Glm4ForCausalLM (GLM-4-0414: sandwich norms), 2 shards', 'tiny-glm4-0414', 'glm4', 2],
];

describe('glm convert --from hf: each layout gives the unconverted model\'s cpu-ref logits exactly', () => {
  it.each(CASES)('%s', async (label, fixture, layout, shards) => {
    const f = await prenormFixture(fixture);
    const hf = hfCheckpoint(f, layout);
    const input = join(dir, `in-${label.replace(/\W+/g, '-')}`);
    const out = join(dir, `out-${label.replace(/\W+/g, '-')}`);
    await writeHfFolder(input, hf.config, hf.tensors, shards);
    // THUDM folders carry rope_ratio with no modeling_chatglm.py here: its meaning is declared (rope-ratio-rule.test.ts checks both ways).
    const declared = layout === 'thudm' ? ['--rope-ratio-applies-to', 'base'] : [];
    const r = glm('convert', '--from', 'hf', '--input', input, '--output', out, '--dtype', 'f32', '--max-shard-size', '0.00005', ...declared);
    expect(r.stderr).toMatch(/^glm: wrote .* in [2-9]\d* shard\(s\), f32/);
    expect(r.code).toBe(0);
    const model = await loadModelFolder(out, 'f32');
    const { name: _a, vocabSize: _b, maxSequenceLength: _c, ...converted } = model.config;
    const { name: _d, vocabSize: _e, maxSequenceLength: _f, ...original } = f.config;
    expect(converted).toEqual(original);
    const ours = await prenormLogits(model.config, model.weights, f.inputs);
    const unconverted = await prenormLogits(f.config, hf.expected, f.inputs);
    expect(ours.length).toBe(unconverted.length);
    expect(Array.from(ours)).toEqual(Array.from(unconverted));
  });
});

describe('a config without the QKV bias (add_qkv_bias / attention_bias false): none stored, the SDK bias written as zeros', () => {
  it.each([
    ['THUDM ChatGLM2 layout, add_qkv_bias false', 'tiny-chatglm2', 'thudm', 'add_qkv_bias'],
    ['transformers Glm4ForCausalLM, attention_bias false', 'tiny-glm4-0414', 'glm4', 'attention_bias'],
  ] as const)('%s: logits equal the zero-bias model exactly', async (_label, fixture, layout, key) => {
    const f = await prenormFixture(fixture);
    const stored = new Map(f.stored);
    for (const [name, t] of f.stored) if (name.endsWith('query_key_value.bias')) stored.set(name, hostTensor(t.dtype, t.shape));
    const hf = hfCheckpoint({ ...f, stored }, layout);
    for (const name of [...hf.tensors.keys()]) if (/(query_key_value|_proj)\.bias$/.test(name)) hf.tensors.delete(name);
    hf.config[key] = false;
    const input = join(dir, `nobias-in-${layout}`);
    const out = join(dir, `nobias-out-${layout}`);
    await writeHfFolder(input, hf.config, hf.tensors, 0);
    expect(glm('convert', '--from', 'hf', '--input', input, '--output', out, '--dtype', 'f32').code).toBe(0);
    const model = await loadModelFolder(out, 'f32');
    expect(Array.from(model.weights.get('transformer.encoder.layers.0.self_attention.query_key_value.bias')!.data as Float32Array).every((v) => v === 0)).toBe(true);
    const ours = await prenormLogits(model.config, model.weights, f.inputs);
    expect(Array.from(ours)).toEqual(Array.from(await prenormLogits(f.config, hf.expected, f.inputs)));
    // The fixture's real biases do matter: the zero-bias model is another model.
    expect(relativeChange(ours, await prenormLogits(f.config, sdkWeights(f), f.inputs))).toBeGreaterThan(1e-3);
  });
});

describe('the tables matter (mutations of the converter\'s tables: each must break the logits)', () => {
  async function convertWith(f: PrenormFixture, layout: Layout, mutate: (rows: readonly LayoutRow[]) => LayoutRow[], name: string): Promise<number> {
    const hf = hfCheckpoint(f, layout);
    const input = join(dir, `mut-in-${name}`);
    await writeHfFolder(input, hf.config, hf.tensors, 0);
    const { config, table, layoutName } = await huggingFaceLayout(input);
    const source = await openHuggingFace(input);
    try {
      await convertCheckpoint({ config, ranks: [source], table: mutate(table), layoutName, out: join(dir, `mut-out-${name}`), dtype: 'f32', tokenizer: 'bytes', maxShardBytes: 1e9 });
    } finally {
      await source.close();
    }
    const model = await loadModelFolder(join(dir, `mut-out-${name}`), 'f32');
    return relativeChange(await prenormLogits(model.config, model.weights, f.inputs), await prenormLogits(f.config, hf.expected, f.inputs));
  }
  const swap = (a: string, b: string) => (rows: readonly LayoutRow[]) =>
    rows.map((r) => (r.source.includes(a) ? { ...r, source: r.source.replace(a, b) } : r.source.includes(b) ? { ...r, source: r.source.replace(b, a) } : r));

  it('the unmutated table through the same path: exact', async () => {
    expect(await convertWith(await prenormFixture('tiny-glm4-0414'), 'glm4', (rows) => [...rows], 'straight')).toBe(0);
  });
  it('k_proj and v_proj in each other\'s place in query_key_value', async () => {
    expect(await convertWith(await prenormFixture('tiny-chatglm2'), 'glm', swap('k_proj', 'v_proj'), 'kv-swapped')).toBeGreaterThan(1e-2);
  });
  it('the two sandwich norms of Glm4 swapped', async () => {
    expect(await convertWith(await prenormFixture('tiny-glm4-0414'), 'glm4', swap('post_self_attn_layernorm', 'post_mlp_layernorm'), 'sandwich-swapped')).toBeGreaterThan(1e-2);
  });
});

describe("transformers' Glm rotary is the SDK's interleaved-rope: q and k need no permutation at conversion", () => {
  /** modeling_glm.py apply_rotary_pos_emb, written out: cos/sin of cat(freqs, freqs), first half repeat_interleave(2), rotate_half over 0::2 / 1::2. */
  function transformersRotary(x: Float64Array, d: number, position: number, base: number, llamaHalves = false): Float64Array {
    const rot = d / 2; // partial_rotary_factor 0.5
    const invFreq = Array.from({ length: rot / 2 }, (_, i) => 1 / base ** ((2 * i) / rot));
    const emb = [...invFreq, ...invFreq].map((f) => f * position);
    const half = emb.slice(0, rot / 2);
    const angle = llamaHalves ? emb : half.flatMap((a) => [a, a]);
    const out = Float64Array.from(x);
    for (let i = 0; i < rot; i++) {
      const rotated = llamaHalves ? (i < rot / 2 ? -x[i + rot / 2]! : x[i - rot / 2]!) : i % 2 === 0 ? -x[i + 1]! : x[i - 1]!;
      out[i] = x[i]! * Math.cos(angle[i]!) + rotated * Math.sin(angle[i]!);
    }
    return out;
  }
  function maxDifference(llamaHalves: boolean): number {
    const [heads, seq, d, base] = [3, 5, 24, 500];
    const values = Float64Array.from({ length: heads * seq * d }, (_, i) => Math.sin(i * 1.7) * 2);
    const positions = Float64Array.from({ length: seq }, (_, s) => 3 * s + 1);
    const [out] = REFERENCE_KERNELS['interleaved-rope'](
      [{ dtype: 'f32', shape: [1, heads, seq, d], values: Float64Array.from(values, (v) => Math.fround(v)) }, { dtype: 'i32', shape: [1, seq], values: positions }],
      { rotaryDim: d / 2, base },
      { resolveShape: (shape) => shape.map((x) => x as number) },
    );
    let worst = 0;
    for (let row = 0; row < heads * seq; row++) {
      const want = transformersRotary(Float64Array.from(values.subarray(row * d, (row + 1) * d), (v) => Math.fround(v)), d, positions[row % seq]!, base, llamaHalves);
      for (let i = 0; i < d; i++) worst = Math.max(worst, Math.abs(out!.values[row * d + i]! - want[i]!));
    }
    return worst;
  }
  it('equal to f32 rounding', () => expect(maxDifference(false)).toBeLessThan(1e-5));
  it('mutation: the Llama-style rotate_half (halves, not neighbours) differs by far', () => expect(maxDifference(true)).toBeGreaterThan(0.1));
});

describe('INT8 / INT4 for the pre-norm family', () => {
  let f: PrenormFixture;
  let input: string;
  let float: string;
  beforeAll(async () => {
    f = await prenormFixture('tiny-glm4-0414');
    const hf = hfCheckpoint(f, 'glm4');
    input = join(dir, 'q-in');
    float = join(dir, 'q-float');
    await writeHfFolder(input, hf.config, hf.tensors, 2);
    expect(glm('convert', '--from', 'hf', '--input', input, '--output', float, '--dtype', 'f32').code).toBe(0);
  });
  const quantizedLogits = (bits: 8 | 4) => {
    const q = bits === 8 ? 'int8' : 'int4';
    return prenormLogits(f.config, quantizeWeights(f.config, sdkWeights(f), q, 'f32'), f.inputs, q);
  };
  const linearDtypes = (weights: ReadonlyMap<string, HostTensor>) =>
    [...weights].filter(([n]) => /layers\.\d+\.(self_attention|mlp)\.[\w_]+\.weight$/.test(n)).map(([, t]) => t.dtype);

  it('--quantization-bit-width 8 at load quantizes the four Linears of each block and equals quantizeWeights', async () => {
    const model = await loadModelFolder(float, 'f32', { quantizationBitWidth: 8 });
    expect(linearDtypes(model.weights)).toEqual(Array(4 * f.config.numLayers).fill('i8'));
    expect(model.weights.has('transformer.encoder.layers.1.post_mlp_layernorm.weight')).toBe(true);
    const ours = await prenormLogits(model.config, model.weights, f.inputs, 'int8');
    expect(Array.from(ours)).toEqual(Array.from(await quantizedLogits(8)));
  });

  it('glm convert --quantize 4, loaded with --from-quantized-checkpoint, equals quantizeWeights; INT4 is near but not equal to float', async () => {
    const out = join(dir, 'q-int4');
    expect(glm('convert', '--from', 'hf', '--input', input, '--output', out, '--dtype', 'f32', '--quantize', '4').code).toBe(0);
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).quantization).toBe('int4');
    const model = await loadModelFolder(out, 'f32', { fromQuantizedCheckpoint: true });
    expect(linearDtypes(model.weights)).toEqual(Array(4 * f.config.numLayers).fill('i4'));
    const ours = await prenormLogits(model.config, model.weights, f.inputs, 'int4');
    expect(Array.from(ours)).toEqual(Array.from(await quantizedLogits(4)));
    const change = relativeChange(ours, await prenormLogits(f.config, sdkWeights(f), f.inputs));
    expect(change).toBeGreaterThan(1e-4);
    expect(change).toBeLessThan(0.3);
  });
});

describe('glm run on a converted Glm4ForCausalLM folder', () => {
  it('--quantization-bit-width 4 generates end to end (exit 0, one line of output per query)', async () => {
    const f = await prenormFixture('tiny-glm4-0414');
    const hf = hfCheckpoint(f, 'glm4');
    const input = join(dir, 'run-in');
    const model = join(dir, 'run-model');
    await writeHfFolder(input, hf.config, hf.tensors, 0);
    expect(glm('convert', '--from', 'hf', '--input', input, '--output', model).code).toBe(0);
    const queries = join(dir, 'queries.txt');
    await writeFile(queries, 'Hello there\n');
    const outDir = join(dir, 'run-out');
    const r = glm('run', '--model', model, '--quantization-bit-width', '4', '--input-source', queries, '--output-path', outDir, '--out-seq-length', '24');
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const written = await readdir(outDir);
    expect(written).toHaveLength(1);
    expect((await readFile(join(outDir, written[0]!), 'utf8')).length).toBeGreaterThan(0);
  });
});

describe('bad Hugging Face folders: one line, an exit code, nothing written', () => {
  async function refused(name: string, fixture: string, layout: Layout, edit: (hf: ReturnType<typeof hfCheckpoint>) => void, code: number, text: string) {
    const hf = hfCheckpoint(await prenormFixture(fixture), layout);
    edit(hf);
    const input = join(dir, `bad-${name}`);
    await writeHfFolder(input, hf.config, hf.tensors, 0);
    expectOneLineError(glm('convert', '--from', 'hf', '--input', input, '--output', join(dir, `never-${name}`)), code, text);
    expect((await readdir(dir)).filter((n) => n.includes(`never-${name}`))).toEqual([]);
  }

  it('a missing tensor (k_proj bias of layer 1) is named by its Hugging Face name (exit 3)', () =>
    refused('missing', 'tiny-chatglm2', 'glm', (hf) => hf.tensors.delete('model.layers.1.self_attn.k_proj.bias'), 3, 'tensor "model.layers.1.self_attn.k_proj.bias" is missing'));
  it('a config with the wrong KV-group count (num_key_value_heads 1, the weights hold 2) (exit 3)', () =>
    refused('kv-groups', 'tiny-chatglm2', 'glm', (hf) => (hf.config['num_key_value_heads'] = 1), 3, '"model.layers.0.self_attn.v_proj.weight" concatenate to [128,64], the config needs [96,64] for transformer.encoder.layers.0.self_attention.query_key_value.weight'));
  it('a ChatGLM2 config whose multi_query_group_num does not divide the heads (exit 3)', () =>
    refused('groups-3', 'tiny-chatglm2', 'thudm', (hf) => (hf.config['multi_query_group_num'] = 3), 3, 'numKvHeads 3 does not divide numHeads 4'));
  it('an unknown model_type (exit 5)', () => refused('llama', 'tiny-chatglm2', 'glm', (hf) => (hf.config['model_type'] = 'llama'), 5, 'model_type "llama" is not one of chatglm'));
  it('a chatglm config mixing ChatGLM-6B and ChatGLM2 fields (exit 3)', () =>
    refused('mixed', 'tiny-chatglm2', 'thudm', (hf) => (hf.config['position_encoding_2d'] = true), 3, 'mixes ChatGLM-6B fields (position_encoding_2d) with ChatGLM2/3 fields'));
  it('a rotary over the whole head (partial_rotary_factor 1) (exit 5)', () =>
    refused('rotary', 'tiny-chatglm2', 'glm', (hf) => ((hf.config['rope_parameters'] as Record<string, unknown>)['partial_rotary_factor'] = 1), 5, '"partial_rotary_factor" 1'));
  it('q/k/v biases stored although the config says attention_bias false (exit 3)', () =>
    refused('stray-bias', 'tiny-chatglm2', 'glm', (hf) => (hf.config['attention_bias'] = false), 3, '.bias" has no entry in the Hugging Face transformers GlmForCausalLM name table'));
  it('a Linear bias the block has not (add_bias_linear true) (exit 5)', () => refused('linear-bias', 'tiny-chatglm2', 'thudm', (hf) => (hf.config['add_bias_linear'] = true), 5, '"add_bias_linear": true is not supported'));
  it("Glm4's sandwich norms in a folder that says model_type glm (exit 3)", () =>
    refused('glm4-as-glm', 'tiny-glm4-0414', 'glm4', (hf) => (hf.config['model_type'] = 'glm') && (hf.config['architectures'] = ['GlmForCausalLM']), 3, 'tensor "model.layers.0.post_mlp_layernorm.weight" has no entry in the Hugging Face transformers GlmForCausalLM name table'));
});

describe('the converted config is what the family declares', () => {
  it('a ChatGLM2 config with rope_ratio 500 gives GLM-4-9B\'s base 5·10⁶ and a pre-norm config without sandwich norms', async () => {
    const f = await prenormFixture('tiny-chatglm2');
    const input = join(dir, 'cfg-glm4-9b');
    await writeHfFolder(input, { ...thudmConfigJson(f.config), rope_ratio: 500, layernorm_epsilon: 1.5625e-7 }, new Map(), 0);
    const { config }: { config: GlmConfig } = await huggingFaceLayout(input, { ropeRatioAppliesTo: 'base' });
    expect([config.residual, config.rotaryBase, config.layerNormEps, config.numKvHeads, config.sandwichNorm]).toEqual(['pre-norm', 5e6, 1.5625e-7, 2, undefined]);
    expect(parseGlmConfig(JSON.parse(JSON.stringify(configJson(config))), 'round trip')).toEqual(config);
  });
});

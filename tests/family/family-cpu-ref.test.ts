/**
 * The GLM family's tiny models as real PyTorch and transformers wrote them (tests/fixtures/family/,
 * tools/torch-fixtures/make_family_fixtures.py, run on the GPU machine: torch 2.11, transformers
 * 5.17): transformers' GlmForCausalLM and Glm4ForCausalLM (GLM-4-0414's sandwich norms) as they are,
 * and THUDM's ChatGLM2/3 block transcribed from modeling_chatglm.py (.bin shards without rope_ratio;
 * safetensors shards with rope_ratio 4, base 40,000). Each is converted by `glm convert --from hf
 * --dtype f32`, run on cpu-ref, and its logits compared with torch's float64 logits: the whole prompt
 * at once, and through the generation session (prefill of 4 tokens, then one decode step per token
 * over the in-place KV cache of the KV heads) against torch's logits at those positions.
 *
 * Bound: the weights are float32 in both, so what separates the two is cpu-ref's rounding of each op's
 * output to f32 and transformers' own float32 RMSNorm and rotary inside its float64 model (the script's
 * cross-check of transformers against the transcription: max |Δ| 4.8e-6 at logit rms 8). Measured
 * ‖Δ‖/‖ref‖ 9.2e-8–1.7e-7, max |Δ| / max |ref| ≤ 2.1e-7 (max |Δ| 2.9e-6–6.3e-6); the bound is 1e-6.
 * Mutations of the converted weights and config (each a mistake a converter could make) must miss by
 * more than 1e-3 (they miss by the ‖Δ‖/‖ref‖ each test prints).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../../backends/cpu-ref/index.js';
import type { Backend } from '../../core/backend-api/plugin-contract.js';
import { headDim, kvHeads, type GlmConfig } from '../../core/models/glm/config.js';
import { loadModelFolder, type LoadedModel } from '../../core/models/glm/load-model.js';
import { hostTensor, toFloat64, type HostTensor } from '../../core/tensor/host-tensor.js';
import { convertFixture, FAMILY_FIXTURES, familyLogits, familySessionLogits, logitErrors, readReference, SESSION_PREFILL, type FamilyFixture } from '../../bench/cuda/family-logits-check.js';

const BOUND = 1e-6;
const MUTATION_FLOOR = 1e-3;

let scratch: string;
let backend: Backend;
const models = new Map<FamilyFixture, LoadedModel>();

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'glm-family-'));
  backend = await plugin.open();
  for (const name of FAMILY_FIXTURES) {
    const out = join(scratch, name);
    const r = convertFixture(name, out);
    expect(r.stderr).toMatch(/^glm: wrote /);
    expect(r.status).toBe(0);
    models.set(name, await loadModelFolder(out, 'f32'));
  }
}, 60_000);
afterAll(async () => {
  await backend?.close();
  await rm(scratch, { recursive: true, force: true });
});

async function errorsOf(name: FamilyFixture, model: LoadedModel = models.get(name)!) {
  const ref = readReference(name);
  return logitErrors(await familyLogits(model, backend, ref), ref.logits);
}

/** The errors of a mutated model, printed (how far the mistake moves the logits). */
async function mutationErrors(name: FamilyFixture, what: string, model: LoadedModel) {
  const e = await errorsOf(name, model);
  console.info(`mutation ${name}, ${what}: ‖Δ‖/‖ref‖ ${e.relNorm.toExponential(2)}`);
  return e;
}

describe('cpu-ref reproduces the PyTorch logits of each family fixture', () => {
  it.each(FAMILY_FIXTURES)('%s', async (name) => {
    const e = await errorsOf(name);
    console.info(`${name}: cpu-ref vs torch float64: max |Δ| ${e.maxAbs.toExponential(2)}, max |Δ|/max |ref| ${e.maxRel.toExponential(2)}, ‖Δ‖/‖ref‖ ${e.relNorm.toExponential(2)}`);
    expect(e.relNorm).toBeLessThan(BOUND);
    expect(e.maxRel).toBeLessThan(BOUND);
    expect(e.failure).toBeUndefined();
  });

  it.each(FAMILY_FIXTURES)('%s through the session: prefill of 4 tokens, then 6 decode steps over the KV cache', async (name) => {
    const ref = readReference(name);
    const { ours, ref: want } = await familySessionLogits(models.get(name)!, backend, ref);
    const e = logitErrors(ours, want);
    console.info(`${name}: session vs torch float64: ‖Δ‖/‖ref‖ ${e.relNorm.toExponential(2)}, max |Δ|/max |ref| ${e.maxRel.toExponential(2)}`);
    expect(e.relNorm).toBeLessThan(BOUND);
    expect(e.maxRel).toBeLessThan(BOUND);
  });

  it('mutation: decode steps one position late (prefill right) miss torch by far — the session check sees the cache path', async () => {
    // Shifting every position alike would not do: the rotary is relative, so the logits would not move.
    const ref = readReference('chatglm2');
    const late = { ...ref, positionIds: ref.positionIds.map((row) => row.map((p, i) => (i >= SESSION_PREFILL ? p + 1 : p))) };
    const { ours, ref: want } = await familySessionLogits(models.get('chatglm2')!, backend, late);
    const e = logitErrors(ours, want);
    console.info(`mutation chatglm2, decode positions late: ‖Δ‖/‖ref‖ ${e.relNorm.toExponential(2)}`);
    expect(e.relNorm).toBeGreaterThan(MUTATION_FLOOR);
  });

  it('the converted configs declare what the sources declare', () => {
    const summary = (c: GlmConfig) => [c.residual, kvHeads(c), headDim(c), c.rotaryBase, c.rotaryPairing, c.mlp, c.tiedOutput, c.sandwichNorm === true];
    expect(summary(models.get('glm4-hf')!.config)).toEqual(['pre-norm', 2, 16, 1000, 'half-interleaved', 'swiglu', false, false]);
    expect(summary(models.get('glm4-0414')!.config)).toEqual(['pre-norm', 2, 16, 5000, 'half-interleaved', 'swiglu', false, true]);
    expect(summary(models.get('chatglm2')!.config)).toEqual(['pre-norm', 2, 16, 10000, 'half-interleaved', 'swiglu', false, false]);
    // THUDM's GLM-4 / ChatGLM3 code: base = 10000 · rope_ratio.
    expect(summary(models.get('glm4-chatglm')!.config)).toEqual(['pre-norm', 2, 16, 40000, 'half-interleaved', 'swiglu', false, false]);
  });

  it('the fixtures are what the manifest says: torch 2.11 and transformers 5.x on the GPU machine', async () => {
    const manifest = JSON.parse(await readFile(join(import.meta.dirname, '..', 'fixtures', 'family', 'manifest.json'), 'utf8')) as { torch: string; transformers: string; fixtures: Record<string, unknown> };
    expect(manifest.torch).toMatch(/^2\.11\./);
    expect(manifest.transformers).toMatch(/^5\./);
    expect(Object.keys(manifest.fixtures).sort()).toEqual([...FAMILY_FIXTURES].sort());
  });
});

/** A copy of a loaded model with some weights (and possibly the config) replaced. */
function mutated(model: LoadedModel, change: (name: string, t: HostTensor) => HostTensor, config: Partial<GlmConfig> = {}): LoadedModel {
  const weights = new Map([...model.weights].map(([n, t]) => [n, change(n, t)] as const));
  return { ...model, config: { ...model.config, ...config }, weights };
}

/**
 * Rows of a head's q or k re-ordered from interleaved pairs (2i, 2i+1) to rotate-half (i, i + w/2)
 * within the rotated first half — what a converter that mistook the pairing would write.
 */
function uninterleaveQk(c: GlmConfig) {
  const d = headDim(c);
  const w = d / 2;
  const qkHeads = c.numHeads + kvHeads(c);
  return (name: string, t: HostTensor): HostTensor => {
    if (!name.endsWith('self_attention.query_key_value.weight') && !name.endsWith('self_attention.query_key_value.bias')) return t;
    const cols = t.shape.length === 2 ? t.shape[1]! : 1;
    const src = toFloat64(t);
    const out = Float64Array.from(src);
    for (let h = 0; h < qkHeads; h++) {
      for (let i = 0; i < w; i++) {
        const from = h * d + (i % 2 === 0 ? i / 2 : w / 2 + (i - 1) / 2);
        out.set(src.subarray(from * cols, (from + 1) * cols), (h * d + i) * cols);
      }
    }
    return hostTensor('f32', [...t.shape], Float32Array.from(out));
  };
}

const zeroQkvBias = (name: string, t: HostTensor) => (name.endsWith('query_key_value.bias') ? hostTensor('f32', [...t.shape]) : t);

describe('mutations: each converter mistake misses the PyTorch logits by far', () => {
  it.each(FAMILY_FIXTURES)('%s: rotary pairs un-interleaved (rotate-half order) in q and k', async (name) => {
    const model = models.get(name)!;
    const e = await mutationErrors(name, 'un-interleaved rotary', mutated(model, uninterleaveQk(model.config)));
    expect(e.relNorm).toBeGreaterThan(MUTATION_FLOOR);
    expect(e.failure).toBeDefined();
  });

  it.each(FAMILY_FIXTURES)('%s: QKV bias dropped', async (name) => {
    const e = await mutationErrors(name, 'no QKV bias', mutated(models.get(name)!, zeroQkvBias));
    expect(e.relNorm).toBeGreaterThan(MUTATION_FLOOR);
  });

  it("glm4-chatglm: rope_ratio ignored (base 10000 instead of THUDM's 10000 · rope_ratio)", async () => {
    const e = await mutationErrors('glm4-chatglm', 'rope_ratio ignored', mutated(models.get('glm4-chatglm')!, (_, t) => t, { rotaryBase: 10000 }));
    expect(e.relNorm).toBeGreaterThan(MUTATION_FLOOR);
  });

  it('glm4-0414: without its sandwich norms (Glm4ForCausalLM read as GlmForCausalLM)', async () => {
    const model = models.get('glm4-0414')!;
    const plain = new Map([...model.weights].filter(([n]) => !/post_(self_attn|mlp)_layernorm/.test(n)));
    expect(plain.size).toBe(model.weights.size - 4);
    const e = await mutationErrors('glm4-0414', 'no sandwich norms', { ...model, weights: plain, config: { ...model.config, sandwichNorm: false } });
    expect(e.relNorm).toBeGreaterThan(MUTATION_FLOOR);
  });

  it('glm4-hf: the KV groups swapped (k and v rows of group 0 and 1 exchanged)', async () => {
    const model = models.get('glm4-hf')!;
    const c = model.config;
    const d = headDim(c);
    const swap = (name: string, t: HostTensor): HostTensor => {
      if (!name.includes('query_key_value')) return t;
      const cols = t.shape.length === 2 ? t.shape[1]! : 1;
      const src = toFloat64(t);
      const out = Float64Array.from(src);
      for (const start of [c.numHeads * d, (c.numHeads + kvHeads(c)) * d]) {
        out.set(src.subarray(start * cols, (start + d) * cols), (start + d) * cols);
        out.set(src.subarray((start + d) * cols, (start + 2 * d) * cols), start * cols);
      }
      return hostTensor('f32', [...t.shape], Float32Array.from(out));
    };
    const e = await mutationErrors('glm4-hf', 'KV groups swapped', mutated(model, swap));
    expect(e.relNorm).toBeGreaterThan(MUTATION_FLOOR);
  });
});

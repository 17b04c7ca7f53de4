import { describe, expect, it } from 'vitest';
import { BaseStrategy, NUCLEUS_CANDIDATES, type SamplingFilter } from '../../core/generate/base-strategy.js';
import type { DecodingModel, PrefillRow, TopLogitsStep } from '../../core/generate/decoding-model.js';
import { generateSpan, type SpanResult } from '../../core/generate/generate-span.js';
import type { PositionRule } from '../../core/generate/glm-inputs.js';
import { FILTER_VALUE } from '../../core/generate/logits-math.js';
import { Rng } from '../../core/random/rng.js';
import { GlmError } from '../../core/errors.js';
import { randomModel, topLogitsOf, ToyModel, type RandomModelOptions } from './toy-model.js';

// The generation side of DecodingModel.prefillTop/decodeTop: a strategy that can decide a step from the
// largest logits must choose exactly what it chooses from whole rows, draw the same random numbers, and
// read the whole rows (full()) exactly when the candidates cannot decide.

const END = 0;
const SOP = 1;
const ROW: PrefillRow = { tokens: [2, 3, SOP], positions: [0, 1, 2], contextLength: 2 };
const RULE: PositionRule = { contextLength: 2, maskIndex: 2, continues: false, rotary: '1d' };
const OUT_SEQ_LENGTH = ROW.tokens.length + 30;

/**
 * Whether the whole row is needed, said independently of BaseStrategy: greedy never; top-k sampling when
 * the vocabulary has no more than k tokens, when the k-th and (k+1)-th largest logits tie after the
 * temperature's fp32 division, or when the largest is so low that filtered tokens keep a probability.
 */
function needsFullRow(row: Float32Array, vocabSize: number, filter: SamplingFilter): boolean {
  if (filter.topK === 1) return false;
  if (vocabSize <= filter.topK) return true;
  const sorted = Array.from(row.subarray(0, vocabSize), (x) => Math.fround(x / filter.temperature)).sort((a, b) => b - a);
  return sorted[filter.topK] === sorted[filter.topK - 1] || (sorted[0] as number) - FILTER_VALUE <= 800;
}

interface Comparison {
  full: SpanResult;
  top: SpanResult;
  /** Model calls of the top path (one per step) and those whose rows were read in full. */
  calls: number;
  fullReads: number;
  expectedFullReads: number;
}

/** One blank generated both ways from the same seed, with everything that must agree checked. */
async function compare(make: () => ToyModel, filter: Partial<SamplingFilter>, seed: number, wrap?: (model: ToyModel) => DecodingModel): Promise<Comparison> {
  const settings: SamplingFilter = { temperature: 1, topK: 0, topP: 0, ...filter };
  const fullModel = make();
  const fullRng = new Rng(seed);
  const full = await generateSpan(fullModel.withoutTop(), ROW, RULE, new BaseStrategy({ ...settings, endTokens: [END], rng: fullRng }), {
    outSeqLength: OUT_SEQ_LENGTH,
  });
  const topModel = make();
  const topRng = new Rng(seed);
  const top = await generateSpan(wrap?.(topModel) ?? topModel, ROW, RULE, new BaseStrategy({ ...settings, endTokens: [END], rng: topRng }), {
    outSeqLength: OUT_SEQ_LENGTH,
  });

  expect(top.spans).toEqual(full.spans);
  expect(top.scores).toHaveLength(1);
  expect(Object.is(top.scores[0], full.scores[0])).toBe(true); // the toy's log-sum-exp is logSoftmaxF32's
  // The same random numbers were consumed: both streams go on alike.
  expect([topRng.nextUint32(), topRng.nextUint32()]).toEqual([fullRng.nextUint32(), fullRng.nextUint32()]);
  // The same model calls with the same inputs; the whole-row path never asks for candidates.
  expect(topModel.prefills).toEqual(fullModel.prefills);
  expect(topModel.decodes).toEqual(fullModel.decodes);
  expect(fullModel.topCalls).toEqual([]);
  expect(fullModel.fullReads).toBe(0);

  const calls = topModel.outputs.length;
  const expectedFullReads = topModel.outputs.filter((row) => needsFullRow(row, topModel.vocabSize, settings)).length;
  return { full, top, calls, fullReads: topModel.fullReads, expectedFullReads };
}

// npm test checks every setting on 10 seeds (about a quarter of the time); test:full (GLM_TEST_FULL=1) on 40.
const SEEDS = Array.from({ length: process.env['GLM_TEST_FULL'] === '1' ? 40 : 10 }, (_, i) => 1000 + 7919 * i);

const SETTINGS: Array<Partial<SamplingFilter>> = [
  { topK: 1 },
  { topK: 1, temperature: 0.5, topP: 0.9 }, // greedy ignores both
  { topK: 2 },
  { topK: 2, temperature: 0.7 },
  { topK: 2, topP: 0.3 },
  { topK: 5, temperature: 0.8, topP: 0.8 },
  { topK: 40 },
  { topK: 40, topP: 0.9 },
  { topK: 40, temperature: 1.5, topP: 0.5 },
  { topK: 40, temperature: 0.3, topP: 0.95 },
];

const MODELS: Record<string, RandomModelOptions> = {
  // Continuous logits: ties practically never happen.
  continuous: { vocabSize: 64, padding: 3 },
  // Logits on a grid of 0.25 or 1: ties at the cut-off are common, so both paths are taken.
  'fine grid': { vocabSize: 64, quantum: 0.25, salt: 1 },
  'coarse grid': { vocabSize: 64, padding: 5, quantum: 1, salt: 2 },
};

describe('generation from top candidates equals generation from whole rows', () => {
  for (const [name, options] of Object.entries(MODELS)) {
    for (const filter of SETTINGS) {
      it(`${name} logits, ${JSON.stringify(filter)}: same tokens, scores and draws for ${SEEDS.length} seeds; full rows read exactly when needed`, async () => {
        let calls = 0;
        let fullReads = 0;
        let tokens = 0;
        for (const seed of SEEDS) {
          const result = await compare(() => randomModel(options), filter, seed);
          expect(result.fullReads).toBe(result.expectedFullReads);
          calls += result.calls;
          fullReads += result.fullReads;
          tokens += result.top.spans[0]?.length ?? 0;
        }
        expect(tokens).toBeGreaterThan(SEEDS.length * 5); // the spans are not trivially short
        if (filter.topK === 1 || options.quantum === undefined) {
          expect(fullReads).toBe(0);
        } else {
          // Both kinds of step happen on grid logits.
          expect(fullReads).toBeGreaterThan(0);
          expect(fullReads).toBeLessThan(calls);
        }
      });
    }
  }

  // Top-p alone: NUCLEUS_CANDIDATES candidates (a vocabulary larger than that) decide a step when the
  // nucleus ends inside them; peaked rows (scale 4) mostly do, flat ones (scale 0.3) do not. At a
  // temperature ≠ 1 the model also gives the row's log-sum-exp at that temperature.
  const NUCLEUS_MODELS: Record<string, RandomModelOptions> = {
    peaked: { vocabSize: 1024, padding: 3, scale: 4, salt: 3 },
    flat: { vocabSize: 1024, scale: 0.3, salt: 4 },
    'peaked grid': { vocabSize: 1024, scale: 4, quantum: 0.5, salt: 5 },
  };
  for (const [name, options] of Object.entries(NUCLEUS_MODELS)) {
    for (const temperature of [1, 0.7, 1.3]) {
      for (const topP of [0.3, 0.7, 0.95]) {
        it(`top-p ${topP} alone at temperature ${temperature}, ${name} logits: same tokens, scores and draws as whole rows for ${SEEDS.length} seeds`, async () => {
          let calls = 0;
          let fullReads = 0;
          for (const seed of SEEDS) {
            const result = await compare(() => randomModel(options), { topP, temperature }, seed);
            calls += result.calls;
            fullReads += result.fullReads;
          }
          if (name === 'flat') {
            expect(fullReads).toBeGreaterThan(0); // nuclei wider than the candidates are read in full
          } else if (temperature <= 1) {
            // Most steps are decided from the candidates; a 0.95 nucleus of these rows often is not inside them.
            expect(fullReads).toBeLessThan(topP <= 0.7 ? calls / 2 : calls);
          } else {
            expect(fullReads).toBeLessThan(calls); // flatter rows at 1.3: still some steps from the candidates
          }
        });
      }
    }
  }

  it('at a temperature ≠ 1, reads whole rows when the model gives no log-sum-exp at that temperature', async () => {
    for (const seed of SEEDS.slice(0, 10)) {
      const withoutScaled = (model: ToyModel): DecodingModel => {
        const strip = (step: TopLogitsStep): TopLogitsStep => ({
          rows: step.rows.map(({ ids, logits, logSumExp }) => ({ ids, logits, logSumExp })),
          full: step.full,
        });
        return {
          vocabSize: model.vocabSize,
          prefill: (rows) => model.prefill(rows),
          decode: (step) => model.decode(step),
          prefillTop: async (rows, k, temperature) => strip(await model.prefillTop(rows, k, temperature)),
          decodeTop: async (step, k, temperature) => strip(await model.decodeTop(step, k, temperature)),
        };
      };
      const result = await compare(() => randomModel(NUCLEUS_MODELS.peaked!), { topP: 0.7, temperature: 0.7 }, seed, withoutScaled);
      expect(result.fullReads).toBe(result.calls);
    }
  });

  it('asks for NUCLEUS_CANDIDATES for top-p alone below top-p 1, with the temperature when it is not 1', async () => {
    expect(new BaseStrategy({ topP: 0.9 }).candidatesWanted).toBe(NUCLEUS_CANDIDATES);
    expect(new BaseStrategy({ topP: 0.9 }).candidatesTemperature).toBeUndefined();
    expect(new BaseStrategy({ topP: 0.9, temperature: 0.7 }).candidatesWanted).toBe(NUCLEUS_CANDIDATES);
    expect(new BaseStrategy({ topP: 0.9, temperature: 0.7 }).candidatesTemperature).toBe(0.7);
    expect(new BaseStrategy({ topK: 40, topP: 0.9, temperature: 0.7 }).candidatesTemperature).toBeUndefined(); // top-k scales its candidates itself
    expect(new BaseStrategy({ topP: 1 }).candidatesWanted).toBeUndefined();
    expect(new BaseStrategy({ topP: 1, temperature: 0.7 }).candidatesTemperature).toBeUndefined();
    expect(new BaseStrategy({}).candidatesWanted).toBeUndefined();
    // The model is asked at that temperature on every call.
    const model = randomModel(NUCLEUS_MODELS.peaked!);
    await generateSpan(model, ROW, RULE, new BaseStrategy({ topP: 0.7, temperature: 0.7, endTokens: [END] }), { outSeqLength: OUT_SEQ_LENGTH });
    expect(model.topTemperatures.length).toBe(model.prefills.length + model.decodes.length);
    expect(new Set(model.topTemperatures)).toEqual(new Set([0.7]));
  });

  it('asks for 1 candidate when greedy, k + 1 when sampling from the top k, and none otherwise', async () => {
    for (const [filter, k] of [
      [{ topK: 1 }, 1],
      [{ topK: 2 }, 3],
      [{ topK: 40, topP: 0.5 }, 41],
    ] as const) {
      const model = randomModel({ vocabSize: 64 });
      await generateSpan(model, ROW, RULE, new BaseStrategy({ ...filter, endTokens: [END] }), { outSeqLength: OUT_SEQ_LENGTH });
      expect(model.topCalls.length).toBe(model.prefills.length + model.decodes.length);
      expect(new Set(model.topCalls)).toEqual(new Set([k]));
    }
    for (const filter of [{}, { topP: 0.9 }, { temperature: 0.5 }]) {
      const model = randomModel({ vocabSize: 64 });
      await generateSpan(model, ROW, RULE, new BaseStrategy({ ...filter, endTokens: [END] }), { outSeqLength: OUT_SEQ_LENGTH });
      expect(model.topCalls).toEqual([]);
      expect(model.decodes.length).toBeGreaterThan(0);
    }
  });

  it('reads whole rows when the vocabulary is no larger than top-k (the full path filters nothing)', async () => {
    for (const seed of SEEDS.slice(0, 10)) {
      // k + 1 > vocabulary: the loop asks for no candidates at all.
      for (const topK of [30, 40]) {
        let model: ToyModel | undefined;
        const make = (): ToyModel => (model = randomModel({ vocabSize: 30, padding: 2 }));
        await compare(make, { topK, topP: 0.7 }, seed);
        expect(model!.topCalls).toEqual([]);
      }
      // k + 1 = vocabulary: the candidates are every token; top-29 filters one, decided from them.
      const result = await compare(() => randomModel({ vocabSize: 30, padding: 2 }), { topK: 29, topP: 0.7 }, seed);
      expect(result.fullReads).toBe(0);
    }
  });

  it('reads rows in full when the model gives fewer candidates than asked', async () => {
    // A backend may cap k; the strategy must not take k candidates for k + 1.
    const capped = (model: ToyModel): DecodingModel => ({
      vocabSize: model.vocabSize,
      prefill: (rows) => model.prefill(rows),
      decode: (step) => model.decode(step),
      prefillTop: (rows, k) => model.prefillTop(rows, k - 1),
      decodeTop: (step, k) => model.decodeTop(step, k - 1),
    });
    for (const seed of SEEDS.slice(0, 10)) {
      const result = await compare(() => randomModel({ vocabSize: 64 }), { topK: 3 }, seed, capped);
      expect(result.fullReads).toBe(result.calls);
    }
  });

  it('reads rows in full when every logit is so low that filtered tokens keep a probability', async () => {
    // Near FILTER_VALUE (−65504), exp(FILTER_VALUE − max) is not 0: the whole-row path draws tokens
    // outside the top k. The candidates cannot reproduce that; the full row must decide.
    let outside = 0;
    for (const seed of SEEDS.slice(0, 10)) {
      let model: ToyModel | undefined;
      const make = (): ToyModel => (model = randomModel({ vocabSize: 64, offset: -65500 }));
      const result = await compare(make, { topK: 2 }, seed);
      expect(result.fullReads).toBe(result.calls);
      // Each decode call carries the token chosen from the previous call's row.
      model!.decodes.forEach((step, i) => {
        const row = model!.outputs[i] as Float32Array;
        const token = step.tokens[0] as number;
        if (row.filter((x) => x > (row[token] as number)).length >= 2) outside += 1;
      });
    }
    expect(outside).toBeGreaterThan(0);
  });
});

describe('BaseStrategy.stepTop', () => {
  const V = 8;
  /** A strategy, and a second stream of the same seed to see whether a draw was made. */
  function strategyAndWitness(filter: Partial<SamplingFilter>, seed = 5): { strategy: BaseStrategy; rng: Rng; witness: Rng } {
    const rng = new Rng(seed);
    const strategy = new BaseStrategy({ ...filter, rng });
    strategy.start([]);
    return { strategy, rng, witness: new Rng(seed) };
  }

  it('declines a tie at the top-k cut-off without drawing, and the whole row then keeps every tied token', () => {
    // Ids 4 and 6 tie for second place: top-k 2 keeps ids 2, 4 and 6.
    const row = Float32Array.from([0, 1, 5, 0, 3, 0, 3, 0]);
    const { strategy, rng, witness } = strategyAndWitness({ topK: 2 });
    expect(strategy.stepTop([topLogitsOf(row, V, 3)], V)).toBeUndefined();
    expect(rng.nextUint32()).toBe(witness.nextUint32());
    expect(strategy.finish()[0]?.tokens).toEqual([]);

    const seen = new Set<number>();
    const sampler = new BaseStrategy({ topK: 2, rng: new Rng(9) });
    sampler.start([]);
    for (let i = 0; i < 500; i++) seen.add(sampler.step([row], V).tokens[0] as number);
    expect([...seen].sort()).toEqual([2, 4, 6]);
  });

  it('declines logits that tie only after the temperature division, and decides them at temperature 1', () => {
    // Find two neighbouring fp32 values a > b with fround(a / 0.7) === fround(b / 0.7).
    const bits = new Int32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    asFloat[0] = 1.5;
    let b = 0;
    let a = 0;
    for (let i = 0; i < 1000; i++) {
      b = asFloat[0] as number;
      bits[0] = (bits[0] as number) + 1;
      a = asFloat[0] as number;
      if (Math.fround(a / 0.7) === Math.fround(b / 0.7)) break;
    }
    expect(a).toBeGreaterThan(b);
    expect(Math.fround(a / 0.7)).toBe(Math.fround(b / 0.7));

    // Id 5 leads, id 3 holds a, id 1 holds b: top-2 is {5, 3} by the raw logits, {5, 3, 1} after dividing.
    const row = new Float32Array(V).fill(-1);
    row[5] = 2;
    row[3] = a;
    row[1] = b;
    const candidates = topLogitsOf(row, V, 3);
    expect([...candidates.ids]).toEqual([5, 3, 1]);

    const cold = strategyAndWitness({ topK: 2, temperature: 0.7 });
    expect(cold.strategy.stepTop([candidates], V)).toBeUndefined();
    expect(cold.rng.nextUint32()).toBe(cold.witness.nextUint32());
    // The whole-row path does draw id 1 at this temperature.
    const sampler = new BaseStrategy({ topK: 2, temperature: 0.7, rng: new Rng(9) });
    sampler.start([]);
    const seen = new Set(Array.from({ length: 500 }, () => sampler.step([row], V).tokens[0] as number));
    expect([...seen].sort()).toEqual([1, 3, 5]);

    // At temperature 1 they do not tie: decided from the candidates, as the whole row decides.
    for (let seed = 0; seed < 50; seed++) {
      const fromTop = strategyAndWitness({ topK: 2 }, seed);
      const fromRow = strategyAndWitness({ topK: 2 }, seed);
      expect(fromTop.strategy.stepTop([candidates], V)).toEqual(fromRow.strategy.step([row], V));
    }
  });

  it('declines too few candidates (a vocabulary of at most k tokens, or a capped model) without drawing', () => {
    const row = Float32Array.from([1, 4, 2, 3, 0, -1, -2, -3]);
    for (const [topK, k] of [
      [8, 8], // the whole vocabulary: the full path filters nothing
      [3, 3], // k instead of k + 1: a tie with the k-th cannot be ruled out
      [3, 0],
    ] as const) {
      const { strategy, rng, witness } = strategyAndWitness({ topK });
      expect(strategy.stepTop([topLogitsOf(row, V, k)], V)).toBeUndefined();
      expect(rng.nextUint32()).toBe(witness.nextUint32());
    }
    expect(strategyAndWitness({ topK: 1 }).strategy.stepTop([topLogitsOf(row, V, 0)], V)).toBeUndefined();
  });

  it('top-p alone declines a nucleus reaching past the candidates, or a sum too close to top-p, without drawing', () => {
    const V = 300;
    const flat = new Float32Array(V).fill(0); // every token 1/300: a 0.5 nucleus holds 151 of them
    const rng = new Rng(5);
    const strategy = new BaseStrategy({ topP: 0.5, rng });
    strategy.start([]);
    expect(strategy.stepTop([topLogitsOf(flat, V, 100)], V)).toBeUndefined();
    // Two tokens of probability ≈ 0.5 each (and the rest ≈ 0): the sum before the second token sits at top-p.
    const halves = new Float32Array(V).fill(-1000);
    halves[7] = 0;
    halves[9] = 0;
    expect(strategy.stepTop([topLogitsOf(halves, V, 100)], V)).toBeUndefined();
    expect(rng.nextUint32()).toBe(new Rng(5).nextUint32()); // nothing was drawn
    // Clear of the threshold: decided, and the kept token is one of the nucleus.
    halves[9] = -3;
    const step = strategy.stepTop([topLogitsOf(halves, V, 100)], V);
    expect(step?.tokens).toEqual([7]);
  });

  it('greedy takes the lowest id among tied maxima, from one candidate, without drawing', () => {
    const row = Float32Array.from([1, 4, 2, 4, 4, 0, 0, 0]);
    const { strategy, rng, witness } = strategyAndWitness({ topK: 1 });
    expect(strategy.stepTop([topLogitsOf(row, V, 1)], V)).toEqual({ tokens: [1], parents: [0] });
    expect(rng.nextUint32()).toBe(witness.nextUint32());
    const byRow = strategyAndWitness({ topK: 1 }).strategy;
    byRow.step([row], V);
    expect(strategy.finish()).toEqual(byRow.finish());
  });

  it('scores with logit − log-sum-exp rounded to fp32', () => {
    const row = Float32Array.from([0.5, 2, -1, 0, 1, 0, 0, 0]);
    const { strategy } = strategyAndWitness({ topK: 1 });
    const candidates = { ...topLogitsOf(row, V, 1), logSumExp: 3.25 };
    strategy.stepTop([candidates], V);
    expect(strategy.finish()[0]?.score).toBe(Math.fround(2 - 3.25));
  });
});

describe('generateSpan with top candidates', () => {
  it('refuses candidates that break their contract as a backend error', async () => {
    const model = randomModel({ vocabSize: 16 });
    const broken = (change: (step: TopLogitsStep) => TopLogitsStep): DecodingModel => ({
      vocabSize: model.vocabSize,
      prefill: (rows) => model.prefill(rows),
      decode: (step) => model.decode(step),
      prefillTop: async (rows, k) => change(await model.prefillTop(rows, k)),
      decodeTop: async (step, k) => change(await model.decodeTop(step, k)),
    });
    const reversed = (step: TopLogitsStep): TopLogitsStep => ({
      ...step,
      rows: step.rows.map((row) => ({ ...row, ids: row.ids.slice().reverse(), logits: row.logits.slice().reverse() })),
    });
    const outOfRange = (step: TopLogitsStep): TopLogitsStep => ({
      ...step,
      rows: step.rows.map((row) => ({ ...row, ids: Int32Array.from(row.ids, (id, j) => (j === 0 ? 16 : id)) })),
    });
    const tooMany = (step: TopLogitsStep): TopLogitsStep => ({ ...step, rows: [...step.rows, ...step.rows] });
    for (const change of [reversed, outOfRange, tooMany]) {
      const attempt = generateSpan(broken(change), ROW, RULE, new BaseStrategy({ topK: 3, endTokens: [END] }), { outSeqLength: 10 });
      await expect(attempt).rejects.toThrow(GlmError);
      await expect(attempt).rejects.toMatchObject({ kind: 'backend' });
    }
  });
});

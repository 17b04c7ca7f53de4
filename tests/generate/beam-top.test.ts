import { describe, expect, it } from 'vitest';
import { BeamSearchStrategy, type BeamSearchOptions } from '../../core/generate/beam-search-strategy.js';
import type { DecodingModel, PrefillRow, TopLogitsStep } from '../../core/generate/decoding-model.js';
import { generateSpan, type SpanResult } from '../../core/generate/generate-span.js';
import type { PositionRule } from '../../core/generate/glm-inputs.js';
import { randomModel, ToyModel, type RandomModelOptions } from './toy-model.js';

// Beam search from each row's largest logits and log-sum-exp (DecodingModel.prefillTop/decodeTop) must
// choose exactly what it chooses from whole rows, and read the whole rows when the candidates cannot
// show that (banned tokens, a row whose unseen tokens could compete, near-ties).

const END = 0;
const SOP = 1;
const ROW: PrefillRow = { tokens: [2, 3, SOP], positions: [0, 1, 2], contextLength: 2 };
const RULE: PositionRule = { contextLength: 2, maskIndex: 2, continues: false, rotary: '1d' };
const OUT_SEQ_LENGTH = ROW.tokens.length + 12;
const SEEDS = Array.from({ length: 20 }, (_, i) => 17 + 104729 * i);

interface Comparison {
  full: SpanResult;
  top: SpanResult;
  topModel: ToyModel;
}

/** One blank by beam search from whole rows and from candidates; the model calls must be the same. */
async function compare(make: () => ToyModel, options: BeamSearchOptions, wrap?: (model: ToyModel) => DecodingModel): Promise<Comparison> {
  const fullModel = make();
  const full = await generateSpan(fullModel.withoutTop(), ROW, RULE, new BeamSearchStrategy(options), { outSeqLength: OUT_SEQ_LENGTH });
  const topModel = make();
  const top = await generateSpan(wrap?.(topModel) ?? topModel, ROW, RULE, new BeamSearchStrategy(options), { outSeqLength: OUT_SEQ_LENGTH });
  expect(top.spans).toEqual(full.spans);
  expect(topModel.prefills).toEqual(fullModel.prefills);
  expect(topModel.decodes).toEqual(fullModel.decodes);
  return { full, top, topModel };
}

const MODELS: Record<string, RandomModelOptions> = {
  continuous: { vocabSize: 64, padding: 3, salt: 5 },
  // Logits on a grid: equal logits within a row, and equal scores across rows, are common.
  'fine grid': { vocabSize: 64, quantum: 0.25, salt: 6 },
  'coarse grid': { vocabSize: 40, quantum: 1, salt: 7 },
};

const SETTINGS: BeamSearchOptions[] = [
  { numBeams: 1, endTokens: [END] },
  { numBeams: 3, endTokens: [END] },
  { numBeams: 4, endTokens: [END, 5], lengthPenalty: 0.5 },
  { numBeams: 2, endTokens: [] },
];

describe('beam search from top candidates equals beam search from whole rows', () => {
  for (const [name, model] of Object.entries(MODELS)) {
    for (const options of SETTINGS) {
      it(`${name} logits, ${JSON.stringify(options)}: same spans, bit-identical scores for ${SEEDS.length} seeds`, async () => {
        let calls = 0;
        let fullReads = 0;
        for (const seed of SEEDS) {
          const { full, top, topModel } = await compare(() => randomModel({ ...model, salt: seed }), options);
          // The toy's log-sum-exp is computed as logSoftmaxF32 computes it, so scores agree to the bit.
          expect(top.scores.length).toBe(full.scores.length);
          top.scores.forEach((s, i) => expect(Object.is(s, full.scores[i])).toBe(true));
          // No bans: every call asks for candidates, (ends + 1) · beams + 1 of them.
          const k = (Math.max(1, options.endTokens!.length) + 1) * options.numBeams + 1;
          expect(new Set(topModel.topCalls)).toEqual(new Set([k]));
          calls += topModel.topCalls.length;
          fullReads += topModel.fullReads;
        }
        // Near-ties are rare with continuous logits; on a grid, some steps must be read in full.
        if (name === 'continuous') expect(fullReads).toBeLessThan(calls * 0.1);
        expect(calls).toBeGreaterThan(SEEDS.length * 5);
      });
    }
  }

  it('reads whole rows while a row has banned tokens (min-gen-length, repeated n-grams), and agrees', async () => {
    for (const seed of SEEDS) {
      // End tokens banned for the first two steps: the prefill and the first decode are read whole.
      const early = await compare(() => randomModel({ vocabSize: 24, salt: seed }), { numBeams: 3, endTokens: [END], minGenLength: 2 });
      early.top.scores.forEach((s, i) => expect(Object.is(s, early.full.scores[i])).toBe(true));
      const calls = early.topModel.prefills.length + early.topModel.decodes.length;
      expect(calls).toBeGreaterThan(2);
      expect(calls - early.topModel.topCalls.length).toBe(2);
      // n-gram bans come and go with the beams; whichever path each step takes, the results agree.
      const ngrams = await compare(() => randomModel({ vocabSize: 8, salt: seed }), { numBeams: 3, endTokens: [END], noRepeatNgramSize: 2 });
      ngrams.top.scores.forEach((s, i) => expect(Object.is(s, ngrams.full.scores[i])).toBe(true));
    }
  });

  it('with a log-sum-exp off in its last digits (an fp32 one), decides near-ties from whole rows', async () => {
    // Logits that do not depend on the sequence, on a coarse grid: beams that took the same tokens in a
    // different order tie exactly across rows, and whole rows order such ties by row. A log-sum-exp
    // lowered a little more for each later row puts the later row first: those steps must be read in
    // full (otherwise the beams, and so the decode calls' parents, would come out in another order).
    const rowLogits = Float32Array.from([3, 2, 3, 1, 2, 0, 3, 1, 2, 2, 0, 1]);
    const make = (): ToyModel => new ToyModel(rowLogits.length, () => rowLogits);
    const { full, top, topModel } = await compare(make, { numBeams: 3, endTokens: [] }, (model) => withTop(model, perturb));
    top.scores.forEach((s, i) => expect(s).toBeCloseTo(full.scores[i]!, 4));
    expect(topModel.fullReads).toBeGreaterThan(0);
  });

  it('reads whole rows when the model gives fewer candidates than asked (a row\'s unseen tokens could compete)', async () => {
    // Every row cut to 2 candidates: too few to fill the kept ones, so every step is read in full.
    const allRows = (step: TopLogitsStep): TopLogitsStep => ({
      rows: step.rows.map((row) => ({ ...row, ids: row.ids.slice(0, 2), logits: row.logits.slice(0, 2) })),
      full: () => step.full(),
    });
    // Only the first row cut: the others fill the kept ones, and a step may be decided from candidates
    // only where the first row's second candidate ranks below all of them.
    const firstRow = (step: TopLogitsStep): TopLogitsStep => ({
      rows: step.rows.map((row, r) => (r === 0 ? { ...row, ids: row.ids.slice(0, 2), logits: row.logits.slice(0, 2) } : row)),
      full: () => step.full(),
    });
    let refused = 0;
    for (const seed of SEEDS) {
      const make = (): ToyModel => randomModel({ vocabSize: 32, quantum: 0.5, salt: seed });
      const all = await compare(make, { numBeams: 3, endTokens: [END] }, (model) => withTop(model, allRows));
      expect(all.topModel.fullReads).toBe(all.topModel.topCalls.length);
      refused += (await compare(make, { numBeams: 3, endTokens: [END] }, (model) => withTop(model, firstRow))).topModel.fullReads;
    }
    expect(refused).toBeGreaterThan(SEEDS.length);
  });
});

/** The model with its candidates passed through `change`. */
function withTop(model: ToyModel, change: (step: TopLogitsStep) => TopLogitsStep): DecodingModel {
  return {
    vocabSize: model.vocabSize,
    prefill: (rows) => model.prefill(rows),
    decode: (step) => model.decode(step),
    prefillTop: async (rows, k) => change(await model.prefillTop(rows, k)),
    decodeTop: async (step, k) => change(await model.decodeTop(step, k)),
  };
}

/** The same candidates with each row's log-sum-exp lowered by (row + 1) · 1e-6, relative. */
function perturb(step: TopLogitsStep): TopLogitsStep {
  return {
    rows: step.rows.map((row, r) => ({ ...row, logSumExp: row.logSumExp * (1 - (r + 1) * 1e-6) })),
    full: () => step.full(),
  };
}

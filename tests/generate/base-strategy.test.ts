import { describe, expect, it } from 'vitest';
import { BaseStrategy, filterLogits, samplingDistribution } from '../../core/generate/base-strategy.js';
import { FILTER_VALUE } from '../../core/generate/logits-math.js';
import { Rng } from '../../core/random/rng.js';
import { GlmError } from '../../core/errors.js';

// A hand-made distribution over ids 0..4; sorted by probability: 1 (.40), 3 (.30), 4 (.15), 0 (.10), 2 (.05).
const PROBS = [0.1, 0.4, 0.05, 0.3, 0.15];
const LOGITS = Float32Array.from(PROBS.map(Math.log));

function kept(logits: Float32Array): number[] {
  return [...logits.keys()].filter((i) => (logits[i] as number) > FILTER_VALUE);
}

describe('filterLogits', () => {
  it('top-k keeps exactly the k largest', () => {
    expect(kept(filterLogits(LOGITS, 5, { temperature: 1, topK: 2, topP: 0 }))).toEqual([1, 3]);
    expect(kept(filterLogits(LOGITS, 5, { temperature: 1, topK: 3, topP: 0 }))).toEqual([1, 3, 4]);
    expect(kept(filterLogits(LOGITS, 5, { temperature: 1, topK: 0, topP: 0 }))).toEqual([0, 1, 2, 3, 4]);
  });

  it('top-p keeps the tokens up to and including the one that crosses top-p (the release shifts the mask)', () => {
    // Cumulative in sorted order: .40, .70, .85, .95, 1.0.
    // top-p .65: .40 <= .65 keeps 1; 3 crosses (.70) and is kept; 4 comes after a cumulative of .70 > .65.
    expect(kept(filterLogits(LOGITS, 5, { temperature: 1, topK: 0, topP: 0.65 }))).toEqual([1, 3]);
    // top-p .80: 4 crosses (.85) and is kept; 0 comes after .85 > .80.
    expect(kept(filterLogits(LOGITS, 5, { temperature: 1, topK: 0, topP: 0.8 }))).toEqual([1, 3, 4]);
    // top-p .30: the first token alone already crosses; it is always kept.
    expect(kept(filterLogits(LOGITS, 5, { temperature: 1, topK: 0, topP: 0.3 }))).toEqual([1]);
  });

  it('top-p works on the top-k survivors', () => {
    // After top-k 3: .40/.85 = .4706, .3529, .1765; cumulative .4706, .8235, 1.
    // top-p .5: token 3 crosses (.8235) and is kept, token 4 removed.
    expect(kept(filterLogits(LOGITS, 5, { temperature: 1, topK: 3, topP: 0.5 }))).toEqual([1, 3]);
    // top-p .95: nothing crosses before the last token.
    expect(kept(filterLogits(LOGITS, 5, { temperature: 1, topK: 3, topP: 0.95 }))).toEqual([1, 3, 4]);
  });

  it('drops ids >= vocabSize (padded logits rows)', () => {
    const padded = Float32Array.from([0, 0, 0, 0, 50, 50]);
    expect(filterLogits(padded, 4, { temperature: 1, topK: 0, topP: 0 }).length).toBe(4);
  });
});

describe('samplingDistribution', () => {
  it('renormalises over the kept tokens', () => {
    // top-k 2 keeps .4 and .3: probabilities .4/.7 and .3/.7.
    const probs = samplingDistribution(LOGITS, 5, { temperature: 1, topK: 2, topP: 0 });
    expect(probs[1]).toBeCloseTo(0.4 / 0.7, 6);
    expect(probs[3]).toBeCloseTo(0.3 / 0.7, 6);
    expect(probs[0]).toBe(0);
    expect(probs[2]).toBe(0);
    expect(probs[4]).toBe(0);
  });

  it('divides logits by the temperature', () => {
    // Logits [0, ln 2] (probabilities 1/3, 2/3). T = 2 → [0, ln 2 / 2] → ∝ 1 : √2 → √2 / (1 + √2).
    const logits = Float32Array.from([0, Math.LN2]);
    const hot = samplingDistribution(logits, 2, { temperature: 2, topK: 0, topP: 0 });
    expect(hot[1]).toBeCloseTo(Math.SQRT2 / (1 + Math.SQRT2), 6); // 0.585786
    // T = 0.5 → [0, 2 ln 2] → ∝ 1 : 4 → 0.8.
    const cold = samplingDistribution(logits, 2, { temperature: 0.5, topK: 0, topP: 0 });
    expect(cold[1]).toBeCloseTo(0.8, 6);
  });
});

describe('BaseStrategy', () => {
  it('top-k 1 is argmax, lowest id on ties, never an id >= vocabSize', () => {
    const strategy = new BaseStrategy({ topK: 1 });
    strategy.start([]);
    // Ids 1 and 2 tie at 3; ids 4 and 5 lie beyond vocabSize 4.
    const step = strategy.step([Float32Array.from([1, 3, 3, 2, 100, 100])], 4);
    expect(step).toEqual({ tokens: [1], parents: [0] });
  });

  it('is done after an end token and reports the whole sequence', () => {
    const strategy = new BaseStrategy({ topK: 1, endTokens: [2] });
    strategy.start([7, 7]);
    strategy.step([Float32Array.from([5, 0, 0])], 3);
    expect(strategy.done).toBe(false);
    strategy.step([Float32Array.from([0, 0, 5])], 3);
    expect(strategy.done).toBe(true);
    const [beam] = strategy.finish();
    expect(beam?.tokens).toEqual([7, 7, 0, 2]);
    // Score: log-softmax of the chosen logit twice: 5 - ln(e^5 + 2) each.
    expect(beam?.score).toBeCloseTo(2 * (5 - Math.log(Math.exp(5) + 2)), 5);
  });

  it('seeded sampling frequencies follow the probabilities and repeat exactly', () => {
    const draws = (seed: number): number[] => {
      const strategy = new BaseStrategy({ rng: new Rng(seed) });
      strategy.start([]);
      return Array.from({ length: 20_000 }, () => strategy.step([LOGITS], 5).tokens[0] as number);
    };
    const tokens = draws(1234);
    expect(draws(1234)).toEqual(tokens);
    // Standard error of a frequency ≤ sqrt(.25 / 20000) = 0.0035; allow 4 of them.
    PROBS.forEach((p, id) => {
      const frequency = tokens.filter((t) => t === id).length / tokens.length;
      expect(Math.abs(frequency - p)).toBeLessThan(0.014);
    });
  });

  it('samples only kept tokens', () => {
    const strategy = new BaseStrategy({ topK: 2, rng: new Rng(3) });
    strategy.start([]);
    const seen = new Set(Array.from({ length: 2000 }, () => strategy.step([LOGITS], 5).tokens[0]));
    expect([...seen].sort()).toEqual([1, 3]);
  });

  it('refuses bad options as usage errors', () => {
    for (const options of [{ temperature: 0 }, { topK: -1 }, { topK: 1.5 }, { topP: 1.5 }]) {
      expect(() => new BaseStrategy(options)).toThrow(GlmError);
      try {
        new BaseStrategy(options);
      } catch (error) {
        expect((error as GlmError).kind).toBe('usage');
      }
    }
  });
});

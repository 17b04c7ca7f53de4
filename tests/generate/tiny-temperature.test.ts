/**
 * A temperature near 0 is greedy decoding — the limit of softmax(logits / T) as T → 0 — and not the
 * NaN distribution that logits / 1e-38 overflowing to ±∞ in fp32 gave (issue 23). Checked on random
 * rows against an argmax computed here, for sampling with and without top-k / top-p.
 */
import { describe, expect, it } from 'vitest';
import { BaseStrategy, samplingDistribution } from '../../core/generate/base-strategy.js';
import { Rng } from '../../core/random/rng.js';

function randomRow(rng: Rng, size: number, scale: number): Float32Array {
  return Float32Array.from({ length: size }, () => Math.fround((rng.nextFloat() - 0.5) * scale));
}

function argmaxOf(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

describe('a temperature near 0', () => {
  it('samples the argmax of every row (T = 1e-38, 1e-45; with top-k and top-p too)', () => {
    const rng = new Rng(5);
    for (const temperature of [1e-38, 1e-45, 1e-30]) {
      for (const filter of [{ topK: 0, topP: 0 }, { topK: 0, topP: 0.7 }, { topK: 40, topP: 0.9 }]) {
        for (let trial = 0; trial < 20; trial++) {
          const row = randomRow(rng, 300, rng.nextFloat() < 0.5 ? 20 : 2000);
          const dist = samplingDistribution(row, row.length, { temperature, ...filter });
          expect(Array.from(dist).every(Number.isFinite)).toBe(true);
          expect(dist[argmaxOf(row)]).toBe(1);
          const strategy = new BaseStrategy({ temperature, ...filter, rng: new Rng(trial) });
          strategy.start([]);
          expect(strategy.step([row], row.length).tokens).toEqual([argmaxOf(row)]);
        }
      }
    }
  });

  it('leaves an ordinary temperature exactly as before (no shift when nothing overflows)', () => {
    const row = randomRow(new Rng(9), 50, 10);
    const dist = samplingDistribution(row, row.length, { temperature: 0.5, topK: 0, topP: 0 });
    const scaled = Array.from(row, (x) => Math.fround(x / 0.5));
    const max = Math.max(...scaled);
    const exps = scaled.map((x) => Math.exp(x - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    exps.forEach((e, i) => expect(dist[i]).toBeCloseTo(e / sum, 6));
  });

  it('splits the probability evenly between logits tied at the top (the limit, not a bias to the lower id)', () => {
    const row = Float32Array.from([1, 3, 2, 3, 0]);
    expect(Array.from(samplingDistribution(row, 5, { temperature: 1e-40, topK: 0, topP: 0 }))).toEqual([0, 0.5, 0, 0.5, 0]);
  });
});

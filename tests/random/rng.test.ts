import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/random/rng.js';
import { GlmError } from '../../core/errors.js';

describe('Rng', () => {
  it('matches the reference C xoshiro128** seeded by splitmix64', () => {
    // From Vigna's reference splitmix64.c and xoshiro128starstar.c, state s[0..3] = low/high words of
    // the first two splitmix64 outputs: seed 1234 → state 790109403 3138188827 1307600164 2546442550.
    const rng = new Rng(1234);
    expect(Array.from({ length: 5 }, () => rng.nextUint32())).toEqual([
      2745262699, 2527431456, 130831659, 1562225585, 1027419069,
    ]);
    const zero = new Rng(0);
    expect(Array.from({ length: 5 }, () => zero.nextUint32())).toEqual([
      3737715805, 2584255861, 2876756834, 3286328325, 1553311962,
    ]);
  });

  it('same seed, same stream; different seeds, different streams', () => {
    const draw = (seed: number): number[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 16 }, () => rng.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(new Rng(7).nextFloat()).toBe(new Rng(7).nextFloat());
  });

  it('nextFloat builds 53 bits from two draws', () => {
    // (2745262699 >>> 5) * 2^26 + (2527431456 >>> 6), over 2^53.
    const expected = (Math.floor(2745262699 / 32) * 2 ** 26 + Math.floor(2527431456 / 64)) / 2 ** 53;
    expect(new Rng(1234).nextFloat()).toBe(expected);
  });

  it('nextFloat is uniform on [0, 1)', () => {
    const rng = new Rng(99);
    const n = 100_000;
    const bins = new Array<number>(10).fill(0);
    let sum = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.nextFloat();
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
      bins[Math.floor(x * 10)]! += 1;
    }
    // Mean: standard error sqrt(1/12/n) ≈ 0.0009; each bin: 10000 ± 95 (1 s.d.).
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
    for (const count of bins) expect(Math.abs(count - n / 10)).toBeLessThan(500);
  });

  it('normal has mean 0 and variance 1', () => {
    const rng = new Rng(5);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      sum += x;
      sumSq += x * x;
    }
    const mean = sum / n;
    // Standard errors: mean 0.003, variance ≈ sqrt(2/n) = 0.0045.
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(sumSq / n - mean * mean - 1)).toBeLessThan(0.03);
  });

  it('accepts large and negative integer seeds, refuses fractions', () => {
    expect(new Rng(-1).nextUint32()).toBe(new Rng(2n ** 64n - 1n).nextUint32());
    expect(new Rng(2 ** 40).nextUint32()).not.toBe(new Rng(0).nextUint32());
    expect(() => new Rng(1.5)).toThrow(GlmError);
  });
});

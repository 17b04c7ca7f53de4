import { describe, expect, it } from 'vitest';
import { BaseStrategy } from '../../core/generate/base-strategy.js';
import { BeamSearchStrategy } from '../../core/generate/beam-search-strategy.js';
import type { PrefillRow } from '../../core/generate/decoding-model.js';
import { generateSpan } from '../../core/generate/generate-span.js';
import type { PositionRule } from '../../core/generate/glm-inputs.js';
import { GlmError } from '../../core/errors.js';
import { lastTokenModel } from './toy-model.js';

// Toy vocabulary of 6: A B C D END SOP. Tables give next-token probabilities by last token; unlisted
// tokens get logit -30 (probability ~1e-13), so log-probabilities are ln p to ~1e-12.
const [A, B, C, D, END, SOP] = [0, 1, 2, 3, 4, 5];
const V = 6;
// Every blank here starts from the prefix [D, SOP]: length L0 = 2 before the first generated token.
const ROW: PrefillRow = { tokens: [D, SOP], positions: [0, 0], contextLength: 1 };
const RULE: PositionRule = { contextLength: 1, maskIndex: 0, continues: false, rotary: '1d' };
const lengthPenalty = (length: number, exponent: number): number => ((5 + length) / 6) ** exponent;

describe('BeamSearchStrategy on a toy model', () => {
  // SOP → A .6 | B .4;  A → C .5 | D .5;  B → C .9 | D .1;  C → END;  D → END.
  // Sequences: A C END .30, A D END .30, B C END .36. Greedy takes A (.6) and ends with probability .30;
  // beam search keeps B alive and finds B C END (.36).
  const table = { [SOP]: { [A]: 0.6, [B]: 0.4 }, [A]: { [C]: 0.5, [D]: 0.5 }, [B]: { [C]: 0.9, [D]: 0.1 }, [C]: { [END]: 1 }, [D]: { [END]: 1 } };

  it('greedy decoding takes the locally best path', async () => {
    const model = lastTokenModel(V, table);
    const result = await generateSpan(model, ROW, RULE, new BaseStrategy({ topK: 1, endTokens: [END] }), { outSeqLength: 20 });
    expect(result.spans).toEqual([[A, C]]); // C and D tie after A: the lower id
  });

  it('two beams find the more probable sequence, with the length-penalised score', async () => {
    const model = lastTokenModel(V, table);
    const strategy = new BeamSearchStrategy({ numBeams: 2, endTokens: [END] });
    const result = await generateSpan(model, ROW, RULE, strategy, { outSeqLength: 20 });
    // Step 1: candidates A (ln .6), B (ln .4) → both live.
    // Step 2: B C = ln .36 = -1.0217, A C = A D = ln .3 = -1.2040 (tie → lower index: A C) → live [BC, AC].
    // Step 3: both end: len(D SOP x C END) = 5, penalty (5 + 5) / 6; the junk continuations (≈ -31)
    //         cannot beat them, so the search is done.
    expect(result.spans).toEqual([
      [B, C],
      [A, C],
    ]);
    expect(result.scores[0]).toBeCloseTo(Math.log(0.36) / lengthPenalty(5, 1), 5); // -0.612991
    expect(result.scores[1]).toBeCloseTo(Math.log(0.3) / lengthPenalty(5, 1), 5); // -0.722384
    // The model saw: after prefill, beams [A, B] from row 0; then [B C, A C] from rows [1, 0].
    expect(model.decodes.map((step) => ({ tokens: step.tokens, parents: step.parents }))).toEqual([
      { tokens: [A, B], parents: [0, 0] },
      { tokens: [C, C], parents: [1, 0] },
    ]);
    expect(model.decodes.every((step) => step.positions.every((p) => p === 0))).toBe(true);
  });

  describe('length penalty', () => {
    // SOP → END .6 | A .4;  A → B;  B → C;  C → END. Ending at once: ln .6, length 3 (D SOP END);
    // going on: ln .4, length 6 (D SOP A B C END).
    const short = { [SOP]: { [END]: 0.6, [A]: 0.4 }, [A]: { [B]: 1 }, [B]: { [C]: 1 }, [C]: { [END]: 1 } };
    const run = (exponent: number) =>
      generateSpan(lastTokenModel(V, short), ROW, RULE, new BeamSearchStrategy({ numBeams: 2, lengthPenalty: exponent, endTokens: [END] }), {
        outSeqLength: 20,
      });

    it('0: raw log-probabilities, the short answer wins', async () => {
      const result = await run(0);
      expect(result.spans).toEqual([[], [A, B, C]]);
      expect(result.scores[0]).toBeCloseTo(Math.log(0.6), 5);
      expect(result.scores[1]).toBeCloseTo(Math.log(0.4), 5);
    });

    it('2: the long answer wins', async () => {
      // ln .4 / (11/6)^2 = -0.272616 beats ln .6 / (8/6)^2 = -0.287339.
      const result = await run(2);
      expect(result.spans).toEqual([[A, B, C], []]);
      expect(result.scores[0]).toBeCloseTo(Math.log(0.4) / lengthPenalty(6, 2), 5);
      expect(result.scores[1]).toBeCloseTo(Math.log(0.6) / lengthPenalty(3, 2), 5);
    });
  });

  describe('no-repeat n-gram', () => {
    // SOP → A;  A → B .9 | C .1;  B → A .9 | D .1;  C → END;  D → END. The model loves "A B A B ...".
    const loop = { [SOP]: { [A]: 1 }, [A]: { [B]: 0.9, [C]: 0.1 }, [B]: { [A]: 0.9, [D]: 0.1 }, [C]: { [END]: 1 }, [D]: { [END]: 1 } };
    const run = (n: number) =>
      generateSpan(lastTokenModel(V, loop), ROW, RULE, new BeamSearchStrategy({ numBeams: 1, noRepeatNgramSize: n, endTokens: [END] }), {
        outSeqLength: 8,
      });

    it('without it, the loop runs to out-seq-length and the live beam is the answer', async () => {
      // 8 - 2 = 6 tokens; score 5 ln .9 (the first A has probability 1), length 8.
      const result = await run(0);
      expect(result.spans).toEqual([[A, B, A, B, A, B]]);
      expect(result.scores[0]).toBeCloseTo((5 * Math.log(0.9)) / lengthPenalty(8, 1), 5);
    });

    it('with n = 2 the bigram "A B" cannot come twice', async () => {
      // A, B, A, then "A B" is banned: C (alone left, probability ~1), then END. Score 2 ln .9, length 7.
      const result = await run(2);
      expect(result.spans).toEqual([[A, B, A, C]]);
      expect(result.scores[0]).toBeCloseTo((2 * Math.log(0.9)) / lengthPenalty(7, 1), 5); // -0.105361
    });
  });

  describe('min-gen-length', () => {
    // SOP → END .9 | A .1;  A → END.
    const eager = { [SOP]: { [END]: 0.9, [A]: 0.1 }, [A]: { [END]: 1 } };
    const run = (minGenLength: number) =>
      generateSpan(lastTokenModel(V, eager), ROW, RULE, new BeamSearchStrategy({ numBeams: 1, minGenLength, endTokens: [END] }), {
        outSeqLength: 20,
      });

    it('0: ends at once', async () => {
      const result = await run(0);
      expect(result.spans).toEqual([[]]);
      expect(result.scores[0]).toBeCloseTo(Math.log(0.9) / lengthPenalty(3, 1), 5); // -0.079020
    });

    it('1: the end token is banned on the first step, so A comes first', async () => {
      // With END banned, A holds all the mass (score ~0), then END (probability 1).
      const result = await run(1);
      expect(result.spans).toEqual([[A]]);
      expect(result.scores[0]).toBeCloseTo(0, 5);
    });
  });

  it('keeps numBeams beams alive when the best candidate is an end token', async () => {
    // SOP → END .5 | A .3 | B .2;  A → END;  B → END. Two beams, no length penalty.
    // Step 1 looks at (1 end token + 1) × 2 = 4 candidates: END ends, A and B both continue.
    // Step 2: A END (ln .3) and B END (ln .2) end; only the best two ended beams are kept.
    const table = { [SOP]: { [END]: 0.5, [A]: 0.3, [B]: 0.2 }, [A]: { [END]: 1 }, [B]: { [END]: 1 } };
    const model = lastTokenModel(V, table);
    const strategy = new BeamSearchStrategy({ numBeams: 2, lengthPenalty: 0, endTokens: [END] });
    const result = await generateSpan(model, ROW, RULE, strategy, { outSeqLength: 20 });
    expect(model.decodes[0]).toMatchObject({ tokens: [A, B], parents: [0, 0] });
    expect(result.spans).toEqual([[], [A]]);
    expect(result.scores[0]).toBeCloseTo(Math.log(0.5), 5);
    expect(result.scores[1]).toBeCloseTo(Math.log(0.3), 5);
  });

  it('stops only when the worst ended beam beats the best live score penalised for its length', async () => {
    // SOP → END .48 | A .52;  A → END. One beam, length penalty 1, L0 = 2.
    // Step 1: A continues with ln .52 = -0.6539; END ends, len 3: ln .48 / (8/6) = -0.5505.
    // The release compares -0.5505 with -0.6539 / (8/6) = -0.4904: not done (a test against the raw
    // -0.6539 would stop here and answer the empty span). Step 2: A END, len 4: ln .52 / (9/6) = -0.4359,
    // better than -0.5505, and it takes the single slot.
    const table = { [SOP]: { [END]: 0.48, [A]: 0.52 }, [A]: { [END]: 1 } };
    const strategy = new BeamSearchStrategy({ numBeams: 1, endTokens: [END] });
    const result = await generateSpan(lastTokenModel(V, table), ROW, RULE, strategy, { outSeqLength: 20 });
    expect(result.spans).toEqual([[A]]);
    expect(result.scores[0]).toBeCloseTo(Math.log(0.52) / lengthPenalty(4, 1), 5);
  });

  it('puts a newly ended beam before an equal-scored one, as the release inserts', () => {
    // Two end tokens D and END at .5 each: candidates in id order (D first); END ends second with the
    // same penalised score and goes in front of D.
    const strategy = new BeamSearchStrategy({ numBeams: 2, endTokens: [D, END] });
    strategy.start([SOP]);
    strategy.step([Float32Array.from([-30, -30, -30, Math.log(0.5), Math.log(0.5), -30])], V);
    expect(strategy.endedBeams.map((beam) => beam.tokens)).toEqual([
      [SOP, END],
      [SOP, D],
    ]);
  });

  it('refuses bad options as usage errors', () => {
    expect(() => new BeamSearchStrategy({ numBeams: 0 })).toThrow(GlmError);
    expect(() => new BeamSearchStrategy({ numBeams: 2, minGenLength: -1 })).toThrow(GlmError);
  });
});

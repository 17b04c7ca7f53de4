import { describe, expect, it } from 'vitest';
import { ByteTokenizer } from '../../core/io/byte-tokenizer.js';
import {
  buildBlankInput,
  glmAttentionMask,
  nextPositions,
  positionRule,
  prepareContext,
} from '../../core/generate/glm-inputs.js';
import { GlmError } from '../../core/errors.js';

// Byte tokenizer ids: [MASK] 256, [gMASK] 257, [sMASK] 258, [sop] 260, eos 262; 10 and 11 are plain bytes.
const special = new ByteTokenizer().special;
const [MASK, GMASK, SMASK, SOP, EOS] = [256, 257, 258, 260, 262];

describe('prepareContext', () => {
  it('appends [gMASK] when there is no blank (and then no eos: it ends with a mask)', () => {
    expect(prepareContext([10, 11], special)).toEqual([10, 11, GMASK]);
    expect(prepareContext([], special)).toEqual([GMASK]);
  });
  it('appends eos when the text does not end with a mask token', () => {
    expect(prepareContext([10, MASK, 11], special)).toEqual([10, MASK, 11, EOS]);
    expect(prepareContext([SMASK, 11], special)).toEqual([SMASK, 11, EOS]);
  });
  it('leaves a context that ends with a mask alone', () => {
    expect(prepareContext([10, MASK], special)).toEqual([10, MASK]);
  });
});

describe('buildBlankInput, 1-D (GLM-130B)', () => {
  // Context "a [X] b eos" = [10, X, 11, 262], mask at index 1; [sop] lands at index 4.
  for (const [name, mask] of [
    ['[MASK]', MASK],
    ['[sMASK]', SMASK],
  ] as const) {
    it(`${name}: positions from [sop] on are the mask index`, () => {
      const context = [10, mask, 11, EOS];
      const row = buildBlankInput(context, 1, special, { rotary: '1d' });
      expect(row).toEqual({ tokens: [10, mask, 11, EOS, SOP], positions: [0, 1, 2, 3, 1], contextLength: 4 });
      const rule = positionRule(context, 1, special, '1d');
      expect(nextPositions(rule, 1)).toEqual({ position: 1 });
      expect(nextPositions(rule, 7)).toEqual({ position: 1 });
    });
  }
  it('[gMASK]: positions continue past the context', () => {
    // "a b [gMASK]" = [10, 11, 257]; [sop] is index 3 at position 3, the k-th generated token at 3 + k.
    const context = [10, 11, GMASK];
    expect(buildBlankInput(context, 2, special, { rotary: '1d' })).toEqual({
      tokens: [10, 11, GMASK, SOP],
      positions: [0, 1, 2, 3],
      contextLength: 3,
    });
    const rule = positionRule(context, 2, special, '1d');
    expect(nextPositions(rule, 1)).toEqual({ position: 4 });
    expect(nextPositions(rule, 2)).toEqual({ position: 5 });
  });
});

describe('buildBlankInput, 2-D (ChatGLM-style)', () => {
  it('[MASK]: mask position from [sop] on, block positions 1, 2, ... from [sop]', () => {
    const context = [10, MASK, 11, EOS];
    expect(buildBlankInput(context, 1, special, { rotary: '2d' })).toEqual({
      tokens: [10, MASK, 11, EOS, SOP],
      positions: [0, 1, 2, 3, 1],
      blockPositions: [0, 0, 0, 0, 1],
      contextLength: 4,
    });
    const rule = positionRule(context, 1, special, '2d');
    expect(nextPositions(rule, 1)).toEqual({ position: 1, blockPosition: 2 });
    expect(nextPositions(rule, 2)).toEqual({ position: 1, blockPosition: 3 });
  });
  it('[sMASK] behaves like [MASK]', () => {
    const row = buildBlankInput([SMASK, 11, EOS], 0, special, { rotary: '2d' });
    expect(row.positions).toEqual([0, 1, 2, 0]);
    expect(row.blockPositions).toEqual([0, 0, 0, 1]);
  });
  it('[gMASK]: also the mask position (no continuing in 2-D), block positions count', () => {
    const context = [10, 11, GMASK];
    expect(buildBlankInput(context, 2, special, { rotary: '2d' })).toEqual({
      tokens: [10, 11, GMASK, SOP],
      positions: [0, 1, 2, 2],
      blockPositions: [0, 0, 0, 1],
      contextLength: 3,
    });
    expect(nextPositions(positionRule(context, 2, special, '2d'), 1)).toEqual({ position: 2, blockPosition: 2 });
  });
});

describe('positionRule', () => {
  it('refuses an index that holds no mask token', () => {
    expect(() => positionRule([10, MASK], 0, special, '1d')).toThrow(GlmError);
    try {
      positionRule([10, MASK], 0, special, '1d');
    } catch (error) {
      expect((error as GlmError).kind).toBe('input');
    }
  });
});

describe('glmAttentionMask', () => {
  it('context bidirectional, causal after it', () => {
    // contextLength 2, total 4: rows 0 and 1 see j < 2; row 2 also itself; row 3 everything up to 3.
    expect(glmAttentionMask(2, 4)).toEqual([
      [true, true, false, false],
      [true, true, false, false],
      [true, true, true, false],
      [true, true, true, true],
    ]);
  });
});

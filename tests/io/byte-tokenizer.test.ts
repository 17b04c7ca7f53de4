import { describe, expect, it } from 'vitest';
import { ByteTokenizer } from '../../core/io/byte-tokenizer.js';

const tokenizer = new ByteTokenizer();

describe('ByteTokenizer', () => {
  it('has the documented special ids', () => {
    expect(tokenizer.vocabSize).toBe(264);
    expect(tokenizer.special).toEqual({ mask: 256, gmask: 257, smask: 258, eod: 259, sop: 260, eop: 261, eos: 262, pad: 263 });
  });

  it('encodes text as UTF-8 bytes and literal control strings as their ids', () => {
    // "a" 97, " " 32, "é" = C3 A9 = 195 169.
    expect(tokenizer.encode('a [MASK] é')).toEqual([97, 32, 256, 32, 195, 169]);
    expect(tokenizer.encode('[gMASK][sMASK]x[sop][eop]')).toEqual([257, 258, 120, 260, 261]);
    // Not a control string: "[mask]" is plain text.
    expect(tokenizer.encode('[mask]')).toEqual([91, 109, 97, 115, 107, 93]);
  });

  it('decodes back, rendering mask/sop/eop literally and eos/pad/eod as nothing', () => {
    const text = 'Hi [MASK] and [sMASK], [gMASK] [sop]ok[eop] 漢字';
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    expect(tokenizer.decode([104, 262, 105, 263, 259])).toBe('hi');
  });

  it('never throws on broken UTF-8 or unknown ids', () => {
    // C3 alone is a truncated 2-byte sequence; FF is never valid; 999 is outside the vocabulary.
    expect(tokenizer.decode([97, 195])).toBe('a\uFFFD');
    expect(tokenizer.decode([255, 98])).toBe('\uFFFDb');
    expect(tokenizer.decode([99, 999, 100])).toBe('c\uFFFDd');
    // The control id splits the run: C3 [MASK] A9 are two broken characters around [MASK].
    expect(tokenizer.decode([195, 256, 169])).toBe('\uFFFD[MASK]\uFFFD');
  });
});

/**
 * GLM-4's BPE tokenizer (core/io/bpe) on the 1,110-string corpus (tests/io/fixtures/glm-tokenizers/
 * corpus.json: prose, code, emoji, whitespace runs, contractions, digits, controls, lone surrogates)
 * against the ids written by tools/tokenizer-reference/glm4_reference.py. Which reference wrote them is
 * in the file: "tiktoken" where that package is installed, else "regex+bpe" (THUDM's pattern string run
 * by Python's `regex`, plus tiktoken's merge rule transcribed): see docs/tokenizer.md.
 * Mutations: JavaScript's own \s, and a case-insensitive contraction class without U+017F, each split
 * some corpus string differently from the pattern used, so the id comparison would catch them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Glm4Tokenizer } from '../../core/io/bpe/glm4-tokenizer.js';
import { GLM4_PATTERN, pretokenize } from '../../core/io/bpe/pretokenize.js';
import { TINY_GLM4_TOKENIZER } from '../chat/tiny-glm4-model.js';

const fixture = (name: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`./fixtures/glm-tokenizers/${name}`, import.meta.url)), 'utf8'));
const corpus = fixture('corpus.json') as { strings: string[]; kinds: Record<string, number> };
const expected = fixture('glm4-expected.json') as { reference: string; ids: number[][] };
const tokenizer = Glm4Tokenizer.parse(readFileSync(TINY_GLM4_TOKENIZER, 'utf8'), 'glm4-tiny-tokenizer.model');
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe(`GLM-4 BPE tokenizer vs the ${expected.reference} reference`, () => {
  it('has at least 1,000 strings of every kind the issue names', () => {
    expect(corpus.strings.length).toBeGreaterThanOrEqual(1000);
    expect(expected.ids).toHaveLength(corpus.strings.length);
    expect(corpus.strings.filter((s) => LONE.test(s)).length).toBeGreaterThan(50);
  });

  it('encodes every corpus string to the reference ids', () => {
    const wrong = corpus.strings.flatMap((s, i) => (JSON.stringify(tokenizer.encodeOrdinary(s)) === JSON.stringify(expected.ids[i]) ? [] : [i]));
    expect(wrong.map((i) => JSON.stringify(corpus.strings[i]))).toEqual([]);
  });

  it('decodes the reference ids back to the text (lone surrogates as U+FFFD)', () => {
    corpus.strings.forEach((s, i) => expect(tokenizer.decode(expected.ids[i]!)).toBe(s.replace(new RegExp(LONE.source, 'g'), '\uFFFD')));
  });

  it('special ids follow the ranks; literal control tokens in glm run prompts become ids, chat text stays text', () => {
    expect(tokenizer.vocabSize).toBe(956 + 14);
    expect(tokenizer.special.gmask).toBe(958);
    expect(tokenizer.encode('a[gMASK]')).toEqual([...tokenizer.encodeOrdinary('a'), 958]);
    expect(tokenizer.encodeOrdinary('[gMASK]')).not.toContain(958);
  });

  it('mutations of the pattern split some corpus string differently (so the comparison above would fail)', () => {
    const pieces = (re: RegExp, s: string) => Array.from(s.matchAll(re), (m) => m[0]);
    const jsWhitespace = new RegExp(GLM4_PATTERN.source.replaceAll('[\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]', '\\s').replaceAll('[^\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]', '\\S'), 'gu');
    const noLongS = new RegExp(GLM4_PATTERN.source.replace('[sS\\u017F]', '[sS]'), 'gu');
    for (const mutant of [jsWhitespace, noLongS]) {
      expect(mutant.source).not.toBe(GLM4_PATTERN.source);
      expect(corpus.strings.some((s) => JSON.stringify(pieces(mutant, s)) !== JSON.stringify(pretokenize(s)))).toBe(true);
    }
  });

  it('refuses a malformed ranks file with a one-line input error', () => {
    expect(() => Glm4Tokenizer.parse('YQ== 0\nYQ== 1\n', 'bad.model')).toThrow(/repeated token/);
    expect(() => Glm4Tokenizer.parse('not base64! 0\n', 'bad.model')).toThrow(/base64-token rank/);
    expect(() => Glm4Tokenizer.parse('YQ== 0\n', 'bad.model')).toThrow(/byte 0x0 has no rank/);
  });
});

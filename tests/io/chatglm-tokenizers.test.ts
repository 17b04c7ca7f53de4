/**
 * ChatGLM-6B's and ChatGLM2/3's tokenizers (core/io/chatglm) on the 1,110-string corpus against Python
 * `sentencepiece` with THUDM's arithmetic (tools/tokenizer-reference/chatglm_reference.py), using the
 * small vocabularies trained here by tools/tokenizer-reference/train_chatglm_spm.sh. Ids and decoded
 * text must be identical. Strings with lone surrogates, which the reference cannot encode (it raises),
 * are compared with U+FFFD in their place. Mutation: the ChatGLM-6B whitespace pieces applied
 * shortest-first give other ids than the reference.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChatGlm6bTokenizer, chatglm6bPreprocess } from '../../core/io/chatglm/chatglm6b-tokenizer.js';
import { ChatGlm2Tokenizer } from '../../core/io/chatglm/chatglm2-tokenizer.js';
import { chatPrompt } from '../../core/generate/chat-template.js';
import { ChatHistory } from '../../core/generate/chat-history.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/glm-tokenizers/', import.meta.url));
const json = (name: string) => JSON.parse(readFileSync(FIXTURES + name, 'utf8'));
const corpus = json('corpus.json') as { strings: string[] };
interface Case { ids: number[]; text: string; raises?: boolean }
interface Expected { reference: string; chatglm6b: { pieces: number; special: Record<string, number>; cases: Case[] }; chatglm2: { pieces: number; special: Record<string, number>; cases: Case[] } }
const expected = json('chatglm-expected.json') as Expected;

function mismatches(encode: (s: string) => number[], cases: Case[]): string[] {
  return corpus.strings.flatMap((s, i) => (JSON.stringify(encode(s)) === JSON.stringify(cases[i]!.ids) ? [] : [JSON.stringify(s)]));
}

describe(`ChatGLM tokenizers vs ${expected.reference}`, () => {
  let glm6b: ChatGlm6bTokenizer;
  let glm2: ChatGlm2Tokenizer;
  let glm3: ChatGlm2Tokenizer;
  beforeAll(async () => {
    glm6b = await ChatGlm6bTokenizer.load(FIXTURES + 'chatglm6b-tiny.model');
    glm2 = await ChatGlm2Tokenizer.load(FIXTURES + 'chatglm2-tiny.model', 'chatglm2');
    glm3 = await ChatGlm2Tokenizer.load(FIXTURES + 'chatglm2-tiny.model', 'chatglm3');
  });

  it('the corpus has ≥ 1,000 strings, some of which the reference cannot encode', () => {
    expect(corpus.strings.length).toBeGreaterThanOrEqual(1000);
    expect(expected.chatglm2.cases.filter((c) => c.raises).length).toBeGreaterThan(50);
  });

  it('ChatGLM-6B: identical ids and decoded text on every string', () => {
    expect(mismatches((s) => glm6b.encodeOrdinary(s), expected.chatglm6b.cases)).toEqual([]);
    const wrong = expected.chatglm6b.cases.flatMap((c, i) => (glm6b.decode(c.ids) === c.text ? [] : [i]));
    expect(wrong).toEqual([]);
  });

  it('ChatGLM-6B: the control tokens are the model pieces THUDM names', () => {
    const s = expected.chatglm6b.special;
    expect([glm6b.special.mask, glm6b.special.gmask, glm6b.special.smask, glm6b.special.sop, glm6b.special.eop, glm6b.special.pad]).toEqual([
      s['[MASK]'], s['[gMASK]'], s['[sMASK]'], s['<sop>'], s['<eop>'], s['<pad>'],
    ]);
    expect(glm6b.vocabSize).toBe(expected.chatglm6b.pieces);
  });

  it('ChatGLM2/3: identical ids and decoded text on every string; specials numbered after the pieces', () => {
    expect(mismatches((s) => glm2.encodeOrdinary(s), expected.chatglm2.cases)).toEqual([]);
    expect(expected.chatglm2.cases.flatMap((c, i) => (glm2.decode(c.ids) === c.text ? [] : [i]))).toEqual([]);
    const s = expected.chatglm2.special;
    expect([glm2.special.mask, glm2.special.gmask, glm2.special.smask, glm2.special.sop, glm2.special.eop]).toEqual([s['[MASK]'], s['[gMASK]'], s['[sMASK]'], s['sop'], s['eop']]);
    expect(glm2.vocabSize).toBe(expected.chatglm2.pieces + 5);
    expect(glm3.vocabSize).toBe(expected.chatglm2.pieces + 9);
    for (const role of ['<|system|>', '<|user|>', '<|assistant|>', '<|observation|>']) expect(glm3.named.get(role)).toBe(s[role]);
    // Never produced from text: a message spelling them stays text.
    expect(glm3.encodeOrdinary('<|user|> [gMASK] sop')).not.toContain(s['<|user|>']);
    expect(glm3.encodeOrdinary('<|user|> [gMASK] sop')).not.toContain(s['[gMASK]']);
  });

  it('ChatGLM3 chat prompt: [gMASK] sop <|user|> "\\n" message <|assistant|>, decoded back', () => {
    const ids = chatPrompt('chatglm3', glm3, new ChatHistory(), 'hello');
    const s = expected.chatglm2.special;
    expect(ids[0]).toBe(s['[gMASK]']);
    expect(ids[1]).toBe(s['sop']);
    expect(ids[2]).toBe(s['<|user|>']);
    expect(ids[ids.length - 1]).toBe(s['<|assistant|>']);
    expect(glm3.decode(ids)).toContain('<|user|>');
  });

  it('mutation fails: the whitespace pieces applied shortest-first give other ids than the reference', () => {
    const shortestFirst = (text: string) => {
      let out = text.replaceAll('\n', '<n>').replaceAll('\t', '<|tab|>');
      for (let n = 2; n <= 80; n++) out = out.replaceAll(' '.repeat(n), `<|blank_${n}|>`);
      return out;
    };
    const mutated = corpus.strings.findIndex((s) => shortestFirst(s) !== chatglm6bPreprocess(s));
    expect(mutated).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(glm6b['sp'].encodePlain(shortestFirst(corpus.strings[mutated]!)))).not.toBe(JSON.stringify(expected.chatglm6b.cases[mutated]!.ids));
  });
});

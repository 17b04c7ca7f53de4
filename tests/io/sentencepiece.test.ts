import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs/light.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlmError, type ErrorKind } from '../../core/errors.js';
import type { Tokenizer } from '../../core/io/tokenizer.js';
import {
  ICETK_IMAGE_TOKENS,
  ICETK_SPECIAL_TOKENS,
  ICETK_VOCAB_SIZE,
  SentencePieceTokenizer,
  type SentencePieceLoadOptions,
} from '../../core/io/sentencepiece/index.js';

// Fixtures (tools/corpus/train-spm.sh makes them): the project's model trained on the fortune
// corpus, ~200 held-out lines, hand-written case files, and what Debian's spm_encode / spm_decode /
// spm_normalize (sentencepiece 0.1.97) print for them — the independent expected output.
const FIXTURES = fileURLToPath(new URL('./fixtures/spm/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);
const lines = (name: string): string[] => {
  const text = readFileSync(fixture(name), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
};
const idLines = (name: string): number[][] => lines(name).map((l) => (l === '' ? [] : l.split(' ').map(Number)));

const MODEL = fixture('glm-tiny-spm.model');
const CASE_FILES = ['heldout-sample', 'normalization-cases', 'user-defined-cases'] as const;
const LITERAL_SPECIAL = /\[(?:MASK|gMASK|sMASK|sop|eop)\]/;
const CJK = /[\u4e00-\u9fff]/;

let spm: SentencePieceTokenizer;
beforeAll(async () => {
  spm = await SentencePieceTokenizer.load(MODEL);
});

/** Compare every line; returns the mismatches (empty when all match) so a failure shows which lines. */
function mismatches<T>(inputs: readonly string[], expected: readonly T[], actual: (line: string, i: number) => T): Array<{ line: number; text: string; expected: T; actual: T }> {
  expect(expected.length).toBe(inputs.length);
  const bad: Array<{ line: number; text: string; expected: T; actual: T }> = [];
  inputs.forEach((text, i) => {
    const got = actual(text, i);
    if (JSON.stringify(got) !== JSON.stringify(expected[i])) bad.push({ line: i + 1, text, expected: expected[i]!, actual: got });
  });
  return bad;
}

describe('SentencePieceTokenizer: the project model (glm-tiny-spm.model)', () => {
  it('has 8000 pieces and the documented control ids', () => {
    const t: Tokenizer = spm;
    expect(t.vocabSize).toBe(8000);
    expect(spm.pieceCount).toBe(8000);
    expect(spm.model.modelTypeName).toBe('unigram');
    expect(spm.model.byteFallback).toBe(true);
    expect(spm.model.normalizer.name).toBe('nmt_nfkc');
    expect(t.special).toEqual({ pad: 0, eos: 2, mask: 3, gmask: 4, smask: 5, eod: 6, sop: 7, eop: 8 });
    expect(spm.idToPiece(1)).toBe('<unk>');
    expect(spm.idToPiece(9)).toBe('<0x00>');
    expect(spm.idToPiece(264)).toBe('<0xFF>');
  });

  it('encodes every held-out sample line exactly as spm_encode does (both languages)', () => {
    const text = lines('heldout-sample.txt');
    const expected = idLines('heldout-sample.ids');
    expect(text.length).toBeGreaterThanOrEqual(200);
    expect(text.filter((l) => CJK.test(l)).length).toBeGreaterThanOrEqual(50);
    expect(text.filter((l) => !CJK.test(l)).length).toBeGreaterThanOrEqual(100);
    // No literal control strings in the sample, so encode() must equal spm_encode token for token.
    expect(text.filter((l) => LITERAL_SPECIAL.test(l))).toEqual([]);
    expect(mismatches(text, expected, (l) => spm.encode(l))).toEqual([]);
    // The sample exercises byte fallback (ids 9..264 are <0x00>..<0xFF>).
    expect(expected.flat().some((id) => id >= 9 && id <= 264)).toBe(true);
  });

  it('encodes the hand-written cases (Unicode, whitespace, unknown characters) as spm_encode does', () => {
    for (const name of ['normalization-cases', 'user-defined-cases']) {
      expect(mismatches(lines(`${name}.txt`), idLines(`${name}.ids`), (l) => spm.encodePlain(l))).toEqual([]);
      expect(mismatches(lines(`${name}.txt`), lines(`${name}.pieces`), (l) => spm.encodeAsPieces(l).join(' '))).toEqual([]);
    }
    expect(mismatches(lines('heldout-sample.txt'), lines('heldout-sample.pieces'), (l) => spm.encodeAsPieces(l).join(' '))).toEqual([]);
  });

  it("normalizes with the model's precompiled nmt_nfkc charsmap exactly as spm_normalize does", () => {
    for (const name of CASE_FILES) {
      expect(mismatches(lines(`${name}.txt`), lines(`${name}.normalized`), (l) => spm.normalize(l))).toEqual([]);
    }
    // nmt_nfkc is more than NFKC: controls go, odd spaces become one ▁, full-width forms fold.
    expect(spm.normalize('  ＡＢ\u3000c\u0007d\u200be  ')).toBe('▁AB▁cd▁e');
  });

  it('decodes as spm_decode does', () => {
    for (const name of CASE_FILES) {
      expect(mismatches(lines(`${name}.txt`), lines(`${name}.decoded`), (_l, i) => spm.decode(idLines(`${name}.ids`)[i]!))).toEqual([]);
    }
  });

  it('round-trips the sample: decode(encode(x)) is x up to normalization, and x itself when normalization keeps it', () => {
    const text = lines('heldout-sample.txt');
    const decoded = lines('heldout-sample.decoded');
    let unchanged = 0;
    text.forEach((x, i) => {
      const back = spm.decode(spm.encode(x));
      expect(back, `line ${i + 1}`).toBe(decoded[i]);
      // Lines that nmt_nfkc leaves alone (most English ones; Chinese full-width punctuation folds to ASCII).
      if (x.normalize('NFKC') === x && !/[，；：！？（）]/.test(x)) {
        expect(back, `line ${i + 1}`).toBe(x);
        unchanged++;
      }
    });
    expect(unchanged).toBeGreaterThan(120);
  });

  it('falls back to UTF-8 byte pieces for unknown characters and reassembles them', () => {
    // spm_encode: "😀" → ▁ <0xF0> <0x9F> <0x98> <0x80>
    expect(spm.encode('😀')).toEqual([266, 9 + 0xf0, 9 + 0x9f, 9 + 0x98, 9 + 0x80]);
    expect(spm.decode([266, 9 + 0xf0, 9 + 0x9f, 9 + 0x98, 9 + 0x80])).toBe('😀');
    // A broken byte run: each malformed byte is one U+FFFD, as spm_decode prints it.
    expect(spm.decode([9 + 0xf0, 9 + 0x9f, 610])).toBe('\uFFFD\uFFFD world');
  });

  it('turns the literal control strings into their ids and encodes the text between them separately', () => {
    // spm_encode: "Hello" → 489 373 340, " world" → 610 (▁world), "." → 266 268 (▁ .)
    expect(spm.encode('Hello[MASK] world.')).toEqual([489, 373, 340, 3, 610, 268]);
    expect(spm.encode('Hello [gMASK][sMASK][sop].[eop]')).toEqual([489, 373, 340, 4, 5, 7, 266, 268, 8]);
    expect(spm.encode('[sop]')).toEqual([7]);
    // Only the release's spelling is a control string.
    expect(spm.encode('[mask]')).toEqual(spm.encodePlain('[mask]'));
    expect(spm.encode('[mask]')).not.toContain(3);
  });

  it('decodes control ids as their literals and eos/pad/eod as nothing', () => {
    expect(spm.decode([489, 373, 340, 3, 610, 268])).toBe('Hello[MASK] world.');
    expect(spm.decode([4, 610])).toBe('[gMASK] world');
    expect(spm.decode([0, 2, 6, 610, 2])).toBe('world'); // pad, eos, eod are silent; the dummy-prefix space goes at the start
    expect(spm.decode(spm.encode('[gMASK] The sky is blue[eop]'))).toBe('[gMASK] The sky is blue[eop]');
    expect(spm.decode([5, 7, 8])).toBe('[sMASK][sop][eop]');
  });

  it('never throws in decode: ids outside the model become U+FFFD', () => {
    expect(spm.decode([610, 8000, 610])).toBe('world\uFFFD world');
    expect(spm.decode([-1, 1.5, Number.NaN])).toBe('\uFFFD\uFFFD\uFFFD');
    expect(spm.decode([1])).toBe(' \u2047 '); // <unk> prints as " ⁇ ", as spm_decode
    expect(spm.decode([])).toBe('');
  });

  it('handles empty and whitespace-only text', () => {
    expect(spm.encode('')).toEqual([]);
    expect(spm.encode('   \t ')).toEqual([]);
    expect(spm.encode('[MASK]  ')).toEqual([3]);
  });
});

describe('SentencePieceTokenizer: BPE and user-defined symbols (small fixture models)', () => {
  const inputs = CASE_FILES.flatMap((name) => lines(`${name}.txt`));

  it.each([
    ['glm-tiny-bpe', 'bpe'],
    ['glm-tiny-ud', 'unigram'],
  ])('%s (%s) encodes and decodes every case line as spm_encode / spm_decode', async (name, type) => {
    const tokenizer = await SentencePieceTokenizer.load(fixture(`${name}.model`));
    expect(tokenizer.model.modelTypeName).toBe(type);
    const ids = idLines(`${name}.ids`);
    expect(mismatches(inputs, ids, (l) => tokenizer.encodePlain(l))).toEqual([]);
    expect(mismatches(inputs, lines(`${name}.decoded`), (_l, i) => tokenizer.decode(ids[i]!))).toEqual([]);
  });

  it('keeps user-defined symbols whole, merges <unk> runs when there is no byte fallback', async () => {
    const ud = await SentencePieceTokenizer.load(fixture('glm-tiny-ud.model'));
    expect(ud.model.normalizer.addDummyPrefix).toBe(false);
    expect(ud.model.normalizer.removeExtraWhitespaces).toBe(false);
    expect(ud.encodeAsPieces('a<n>GLM')).toEqual(['a', '<n>', 'GLM']);
    const bpe = await SentencePieceTokenizer.load(fixture('glm-tiny-bpe.model'));
    expect(bpe.model.byteFallback).toBe(false);
    const unk = bpe.pieceToId('<unk>')!;
    // Two unknown characters in a row are one <unk>, as spm_encode gives them.
    const ids = bpe.encodePlain('☃☃');
    expect(ids.filter((id) => id === unk)).toHaveLength(1);
  });
});

describe('SentencePieceTokenizer: the icetk layout (GLM-130B ice_text.model)', () => {
  const icetk = (): SentencePieceTokenizer => SentencePieceTokenizer.fromBytes(readFileSync(MODEL), { layout: { kind: 'icetk' } }, MODEL);

  it("puts text after the 20000 image tokens and the controls at the spec's ids", () => {
    const t = icetk();
    expect(ICETK_IMAGE_TOKENS).toBe(20000);
    expect(t.idOffset).toBe(20000);
    expect(t.vocabSize).toBe(ICETK_VOCAB_SIZE);
    expect(t.vocabSize).toBe(150006); // text + image ids, then the six command ids up to [eop] 150005
    expect(t.special).toEqual({ mask: 150000, gmask: 150001, smask: 150002, eod: 150003, sop: 150004, eop: 150005, eos: 20002, pad: 0 });
    expect(t.special).toEqual(ICETK_SPECIAL_TOKENS);
  });

  it('maps piece id p to p + 20000 and back', () => {
    const t = icetk();
    for (const p of [1, 2, 9, 264, 610, 2848, 7999]) {
      const piece = spm.idToPiece(p)!;
      expect(t.pieceToId(piece)).toBe(p + 20000);
      expect(t.idToPiece(p + 20000)).toBe(piece);
    }
    expect(t.idToPiece(19999)).toBeUndefined(); // an image token
    expect(t.idToPiece(20000 + 8000)).toBeUndefined();
    const text = lines('heldout-sample.txt').slice(0, 20);
    for (const x of text) {
      const own = spm.encode(x);
      const ids = t.encode(x);
      expect(ids).toEqual(own.map((id) => id + 20000));
      expect(t.decode(ids)).toBe(spm.decode(own));
    }
  });

  it('encodes and decodes the control tokens at the GLM-130B ids', () => {
    const t = icetk();
    expect(t.encode('The sky is[MASK].')).toEqual([...[302, 3555, 279].map((id) => id + 20000), 150000, 266 + 20000, 268 + 20000]);
    expect(t.encode('[gMASK][sMASK][sop][eop]')).toEqual([150001, 150002, 150004, 150005]);
    expect(t.decode([150001, 610 + 20000, 150005, 20002, 150003, 0])).toBe('[gMASK] world[eop]');
    // Image tokens and ids past the controls are not text.
    expect(t.decode([5, 610 + 20000, 150006])).toBe('\uFFFD world\uFFFD');
  });
});

// ------------------------------------------------------------------------------------------------
// Malformed files

/** A minimal ModelProto writer (proto2), to build semantically broken models. */
const WRITER_SCHEMA = protobuf.Root.fromJSON({
  nested: {
    ModelProto: {
      edition: 'proto2',
      fields: {
        pieces: { rule: 'repeated', type: 'Piece', id: 1 },
        trainerSpec: { type: 'Trainer', id: 2 },
        normalizerSpec: { type: 'Normalizer', id: 3 },
      },
      nested: {
        Piece: { fields: { piece: { type: 'string', id: 1 }, score: { type: 'float', id: 2 }, type: { type: 'int32', id: 3 } } },
        Trainer: { fields: { modelType: { type: 'int32', id: 3 }, byteFallback: { type: 'bool', id: 35 } } },
        Normalizer: { fields: { precompiledCharsmap: { type: 'bytes', id: 2 } } },
      },
    },
  },
}).lookupType('ModelProto');

function modelBytes(
  pieces: Array<[string, number, number?]>,
  trainer: { modelType?: number; byteFallback?: boolean } = {},
  charsmap?: Uint8Array,
): Uint8Array {
  const message = WRITER_SCHEMA.fromObject({
    pieces: pieces.map(([piece, type, score]) => ({ piece, type, score: score ?? 0 })),
    trainerSpec: trainer,
    ...(charsmap === undefined ? {} : { normalizerSpec: { precompiledCharsmap: charsmap } }),
  });
  return WRITER_SCHEMA.encode(message).finish();
}
const SPECIALS: Array<[string, number]> = [
  ['<pad>', 3],
  ['<unk>', 2],
  ['</s>', 3],
  ['[MASK]', 3],
  ['[gMASK]', 3],
  ['[sMASK]', 3],
  ['<eod>', 3],
  ['[sop]', 3],
  ['[eop]', 3],
];

describe('SentencePieceTokenizer: malformed model files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glm-spm-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function loadError(bytes: Uint8Array | string, options?: SentencePieceLoadOptions): Promise<GlmError> {
    const path = join(dir, `model-${Math.random().toString(36).slice(2)}.model`);
    await writeFile(path, bytes);
    try {
      await SentencePieceTokenizer.load(path, options);
    } catch (err) {
      expect(err).toBeInstanceOf(GlmError);
      const e = err as GlmError;
      expect(e.message).toContain(path);
      expect(e.message).not.toContain('\n');
      return e;
    }
    throw new Error(`loading ${path} did not fail`);
  }
  const expectKind = (e: GlmError, kind: ErrorKind, text: RegExp): void => {
    expect(e.kind).toBe(kind);
    expect(e.message).toMatch(text);
  };

  it('refuses truncated files', async () => {
    const good = await readFile(MODEL);
    expectKind(await loadError(good.subarray(0, 1000)), 'input', /truncated|not a valid SentencePiece model/);
    expectKind(await loadError(good.subarray(0, good.length - 1)), 'input', /not a valid SentencePiece model/);
    expectKind(await loadError(good.subarray(0, good.length >> 1)), 'input', /not a valid SentencePiece model/);
  });

  it('refuses files that are not protobuf', async () => {
    expectKind(await loadError('this is a text file, not a SentencePiece model\n'), 'input', /not a valid SentencePiece model/);
    expectKind(await loadError(new Uint8Array(0)), 'input', /empty/);
    expectKind(await loadError(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])), 'input', /not a valid SentencePiece model/);
    expectKind(await loadError(readFileSync(fixture('heldout-sample.ids'))), 'input', /not a valid SentencePiece model/);
  });

  it('refuses models that decode but make no sense', async () => {
    expectKind(await loadError(modelBytes([['a', 1]])), 'input', /no <unk> piece/);
    expectKind(await loadError(modelBytes([...SPECIALS, ['a', 1], ['a', 1]])), 'input', /"a" is defined twice/);
    expectKind(await loadError(modelBytes([...SPECIALS, ['a', 9]])), 'input', /unknown type 9/);
    expectKind(await loadError(modelBytes([...SPECIALS, ['<0x41>', 6]])), 'input', /byte pieces but byte_fallback is off/);
    expectKind(await loadError(modelBytes([...SPECIALS, ['<0x41>', 6]], { byteFallback: true })), 'input', /1 of the 256 byte pieces/);
    expectKind(await loadError(modelBytes([...SPECIALS, ['a', 1]], { modelType: 7 })), 'input', /unknown model type 7/);
    // The charsmap claims a 4 GB trie in 8 bytes.
    expectKind(await loadError(modelBytes([...SPECIALS, ['a', 1]], {}, Uint8Array.of(0xfc, 0xff, 0xff, 0xff, 0, 0, 0, 0))), 'input', /precompiled charsmap is broken/);
  });

  it('refuses what it cannot map or run', async () => {
    expectKind(await loadError(modelBytes([['<unk>', 2], ['a', 1]])), 'input', /no piece "<pad>" for the pad token/);
    expectKind(await loadError(modelBytes([...SPECIALS, ['a', 1]]), { layout: { kind: 'own', specialPieces: { eod: '</s>' } } }), 'input', /eos and eod tokens are both the piece "<\/s>"/);
    expectKind(await loadError(modelBytes([...SPECIALS, ['a', 1]], { modelType: 3 })), 'unsupported', /word models are not supported/);
    const many = Array.from({ length: 130001 }, (_, i): [string, number] => [`p${i}`, 1]);
    expectKind(await loadError(modelBytes([['<unk>', 2], ...many]), { layout: { kind: 'icetk' } }), 'input', /130002 pieces; the icetk layout has room for 130000/);
  });

  it('a synthetic model that is well formed loads and encodes', () => {
    const t = SentencePieceTokenizer.fromBytes(modelBytes([...SPECIALS, ['▁a', 1, -1], ['b', 1, -2], ['▁', 1, -3]]), {}, 'synthetic');
    expect(t.encode('a b')).toEqual([9, 11, 10]);
    expect(t.decode([9, 11, 10])).toBe('a b');
    expect(t.encode('c')).toEqual([11, 1]); // ▁ then an unknown character (no charsmap, no byte fallback)
  });

  it('names a missing file', async () => {
    const path = join(dir, 'missing.model');
    const err = await SentencePieceTokenizer.load(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GlmError);
    expect((err as GlmError).kind).toBe('input');
    expect((err as GlmError).message.startsWith(`cannot read SentencePiece model ${path}: `)).toBe(true);
    expect((err as GlmError).message).toContain('no such file');
  });
});

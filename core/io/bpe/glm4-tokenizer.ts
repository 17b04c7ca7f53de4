/**
 * GLM-4's tokenizer (THUDM glm-4-9b tokenization_chatglm.py): tiktoken byte-level BPE over the ranks in
 * `tokenizer.model` (one `base64(token) rank` a line), pieces from the regex of ./pretokenize.ts, and 14
 * special tokens numbered from the rank count up (151329 … 151342 in the real file).
 * docs/tokenizer.md says how it was checked.
 */
import { readFile } from 'node:fs/promises';
import { GlmError } from '../../errors.js';
import { decodeWithSpecials, encodeWithSpecials, type SpecialTokens, type Tokenizer } from '../tokenizer.js';
import { bytePairEncode } from './byte-pair-encode.js';
import { pretokenize } from './pretokenize.js';

/** In the reference's order: id = rank count + index. */
export const GLM4_SPECIAL_TOKENS = [
  '<|endoftext|>', '[MASK]', '[gMASK]', '[sMASK]', '<sop>', '<eop>', '<|system|>',
  '<|user|>', '<|assistant|>', '<|observation|>', '<|begin_of_image|>', '<|end_of_image|>',
  '<|begin_of_video|>', '<|end_of_video|>',
] as const;

/** Lone surrogates become U+FFFD, as tiktoken's UTF-16 round trip with errors="replace" makes them. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const wellFormed = (text: string): string => text.replace(LONE_SURROGATE, '\uFFFD');

/** Bytes as a string of code points 0–255: a Map key. */
// latin1: one code unit per byte, with no argument-count limit (a spread overflows the stack on long pieces).
const key = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

export class Glm4Tokenizer implements Tokenizer {
  readonly name = 'glm4-bpe';
  readonly vocabSize: number;
  readonly special: SpecialTokens;
  /** Special token name → id (role tokens for chat templates). */
  readonly named: ReadonlyMap<string, number>;
  private readonly tokens: Uint8Array[];
  // ignoreBOM: a leading U+FEFF is text (TextDecoder would drop it), as Python's decode keeps it.
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  private readonly encoder = new TextEncoder();

  constructor(private readonly ranks: ReadonlyMap<string, number>) {
    this.tokens = new Array<Uint8Array>(ranks.size);
    for (const [bytes, rank] of ranks) this.tokens[rank] = Uint8Array.from(bytes, (c) => c.charCodeAt(0));
    for (let b = 0; b < 256; b++) {
      if (!ranks.has(String.fromCharCode(b))) throw new GlmError('input', `GLM-4 tokenizer: byte 0x${b.toString(16)} has no rank (every single byte must have one)`);
    }
    this.named = new Map(GLM4_SPECIAL_TOKENS.map((name, i) => [name, ranks.size + i]));
    this.vocabSize = ranks.size + GLM4_SPECIAL_TOKENS.length;
    const id = (name: (typeof GLM4_SPECIAL_TOKENS)[number]) => this.named.get(name)!;
    const end = id('<|endoftext|>');
    this.special = { mask: id('[MASK]'), gmask: id('[gMASK]'), smask: id('[sMASK]'), sop: id('<sop>'), eop: id('<eop>'), eos: end, eod: end, pad: end };
  }

  /** Parse `tokenizer.model`: ranks must be 0 … n−1, each once, each token once. */
  static parse(text: string, source: string): Glm4Tokenizer {
    const ranks = new Map<string, number>();
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const parts = line.trim().split(/\s+/);
      const rank = Number(parts[1]);
      if (parts.length !== 2 || !/^[A-Za-z0-9+/]*={0,2}$/.test(parts[0]!) || !Number.isInteger(rank) || rank < 0) {
        throw new GlmError('input', `${source}:${i + 1}: expected "base64-token rank"`);
      }
      const token = key(Buffer.from(parts[0]!, 'base64'));
      if (token === '' || ranks.has(token)) throw new GlmError('input', `${source}:${i + 1}: empty or repeated token`);
      ranks.set(token, rank);
    });
    const seen = new Set(ranks.values());
    if (seen.size !== ranks.size || Math.max(...seen) !== ranks.size - 1) throw new GlmError('input', `${source}: ranks must be 0 … ${ranks.size - 1}, each once`);
    return new Glm4Tokenizer(ranks);
  }

  static async load(path: string): Promise<Glm4Tokenizer> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new GlmError('input', `cannot read GLM-4 tokenizer ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return Glm4Tokenizer.parse(text, path);
  }

  /**
   * The reference's `tokenizer.encode(text, disallowed_special=())`: special-token spellings are plain
   * text. Lone surrogates become U+FFFD first, as tiktoken does.
   */
  encodeOrdinary(text: string): number[] {
    const ids: number[] = [];
    for (const piece of pretokenize(wellFormed(text))) {
      for (const id of bytePairEncode(this.encoder.encode(piece), this.ranks)) ids.push(id);
    }
    return ids;
  }

  /** The Tokenizer contract: the release's literal control tokens ([gMASK], [sop], …) become their ids. */
  encode(text: string): number[] {
    return encodeWithSpecials(text, this.special, (piece) => this.encodeOrdinary(piece));
  }

  decode(ids: readonly number[]): string {
    return decodeWithSpecials(ids, this.special, (run) => this.decodeOrdinary(run));
  }

  /** Bytes of the ranks joined, then UTF-8 with U+FFFD for malformed sequences (errors="replace"); other specials by name. */
  private decodeOrdinary(run: readonly number[]): string {
    let text = '';
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length > 0) text += this.utf8.decode(Uint8Array.from(bytes));
      bytes = [];
    };
    for (const id of run) {
      const token = this.tokens[id];
      if (token) {
        for (const b of token) bytes.push(b);
        continue;
      }
      flush();
      text += GLM4_SPECIAL_TOKENS[id - this.tokens.length] ?? '\uFFFD';
    }
    flush();
    return text;
  }
}

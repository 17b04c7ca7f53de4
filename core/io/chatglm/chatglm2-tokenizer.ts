/**
 * ChatGLM2-6B's and ChatGLM3-6B's tokenizer (THUDM tokenization_chatglm.py, `SPTokenizer`): text is
 * `tokenizer.model`'s SentencePiece ids unchanged; the special tokens are numbered after its pieces —
 * [MASK] [gMASK] [sMASK] sop eop (64789 … 64793 in the real file), and for ChatGLM3 <|system|> <|user|>
 * <|assistant|> <|observation|> (64794 … 64797). They are never produced from text.
 */
import { readFile } from 'node:fs/promises';
import { GlmError } from '../../errors.js';
import { type SpecialTokens, type Tokenizer } from '../tokenizer.js';
import { parseModelProto, SentencePieceTokenizer } from '../sentencepiece/index.js';
import { appendControlPieces } from './append-pieces.js';

export const CHATGLM2_SPECIAL_TOKENS = ['[MASK]', '[gMASK]', '[sMASK]', 'sop', 'eop'] as const;
export const CHATGLM3_ROLE_TOKENS = ['<|system|>', '<|user|>', '<|assistant|>', '<|observation|>'] as const;

export class ChatGlm2Tokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly special: SpecialTokens;
  /** Special token name → id (the role tokens for chat templates). */
  readonly named: ReadonlyMap<string, number>;
  private readonly names: ReadonlyMap<number, string>;

  private constructor(readonly name: 'chatglm2' | 'chatglm3', private readonly sp: SentencePieceTokenizer, pieceCount: number) {
    const added = name === 'chatglm3' ? [...CHATGLM2_SPECIAL_TOKENS, ...CHATGLM3_ROLE_TOKENS] : [...CHATGLM2_SPECIAL_TOKENS];
    this.named = new Map(added.map((token, i) => [token, pieceCount + i]));
    this.names = new Map(added.map((token, i) => [pieceCount + i, token]));
    this.vocabSize = sp.vocabSize;
    this.special = sp.special;
  }

  /** `tokenizer.model` of ChatGLM2 (`chatglm3`: with the role tokens). eos is </s>, pad is <unk> (pad_id = unk_id). */
  static async load(path: string, flavour: 'chatglm2' | 'chatglm3'): Promise<ChatGlm2Tokenizer> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw new GlmError('input', `cannot read ${flavour} tokenizer ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const plain = parseModelProto(bytes, path).pieces.length;
    const added = flavour === 'chatglm3' ? [...CHATGLM2_SPECIAL_TOKENS, ...CHATGLM3_ROLE_TOKENS] : [...CHATGLM2_SPECIAL_TOKENS];
    // Under names no model holds ("sop" may well be a text piece): CONTROL pieces are only found by name.
    const internal = (token: string) => `\u0001chatglm:${token}`;
    const specialPieces = { mask: internal('[MASK]'), gmask: internal('[gMASK]'), smask: internal('[sMASK]'), sop: internal('sop'), eop: internal('eop'), eos: '</s>', pad: '<unk>', eod: '<s>' };
    const sp = SentencePieceTokenizer.fromBytes(appendControlPieces(bytes, added.map(internal)), { layout: { kind: 'own', specialPieces }, name: flavour }, path);
    return new ChatGlm2Tokenizer(flavour, sp, plain);
  }

  /** THUDM's `SPTokenizer.encode(s)`: `sp_model.encode(s)`, no special tokens from text. */
  encodeOrdinary(text: string): number[] {
    return this.sp.encodePlain(text);
  }

  encode(text: string): number[] {
    return this.sp.encode(text);
  }

  /** Runs of text ids through SentencePiece; role tokens by name; the GLM controls as the interface's literals. */
  decode(ids: readonly number[]): string {
    let text = '';
    let run: number[] = [];
    for (const id of ids) {
      const name = this.names.get(id);
      if (name === undefined || this.isControl(id)) {
        run.push(id);
        continue;
      }
      text += this.sp.decode(run) + name;
      run = [];
    }
    return text + this.sp.decode(run);
  }

  private isControl(id: number): boolean {
    const s = this.special;
    return id === s.mask || id === s.gmask || id === s.smask || id === s.sop || id === s.eop;
  }
}

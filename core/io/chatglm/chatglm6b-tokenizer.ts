/**
 * ChatGLM-6B's tokenizer (THUDM/chatglm-6b tokenization_chatglm.py, `SPTokenizer` with
 * num_image_tokens=0): ids are the pieces of `ice_text.model` unchanged, so [MASK] [gMASK] [sMASK]
 * <unused_0> <sop> <eop> are its pieces 130000 … 130005 (130,528 ids in the model's padded embedding).
 * Before SentencePiece, "\n" becomes <n>, "\t" <|tab|>, and each run of 2–80 spaces <|blank_N|>
 * (longest first); decoding undoes it. docs/tokenizer.md says how it was checked.
 */
import { encodeWithSpecials, type SpecialTokens, type Tokenizer } from '../tokenizer.js';
import { SentencePieceTokenizer } from '../sentencepiece/index.js';

const MAX_BLANK = 80;
const BLANKS = Array.from({ length: MAX_BLANK - 1 }, (_, i) => MAX_BLANK - i); // 80 … 2, longest first

/** THUDM's `_preprocess`: newline, tab and space runs as their pieces. */
export function chatglm6bPreprocess(text: string): string {
  let out = text.replaceAll('\n', '<n>').replaceAll('\t', '<|tab|>');
  for (const n of BLANKS) out = out.replaceAll(' '.repeat(n), `<|blank_${n}|>`);
  return out;
}

/** THUDM's `decode` after SentencePiece: the pieces back to newline, tab and spaces. */
export function chatglm6bPostprocess(text: string): string {
  let out = text.replaceAll('<n>', '\n').replaceAll('<|tab|>', '\t');
  for (let n = 2; n <= MAX_BLANK; n++) out = out.replaceAll(`<|blank_${n}|>`, ' '.repeat(n));
  return out;
}

export class ChatGlm6bTokenizer implements Tokenizer {
  readonly name = 'chatglm-6b';
  readonly vocabSize: number;
  readonly special: SpecialTokens;

  private constructor(private readonly sp: SentencePieceTokenizer) {
    this.vocabSize = sp.vocabSize;
    this.special = sp.special;
  }

  /** ChatGLM-6B has no eod and ends replies at <eop>: </s> and <s> stand in for eos and eod. */
  static async load(path: string): Promise<ChatGlm6bTokenizer> {
    const specialPieces = { mask: '[MASK]', gmask: '[gMASK]', smask: '[sMASK]', sop: '<sop>', eop: '<eop>', eos: '</s>', pad: '<pad>', eod: '<s>' };
    return new ChatGlm6bTokenizer(await SentencePieceTokenizer.load(path, { layout: { kind: 'own', specialPieces }, name: 'chatglm-6b' }));
  }

  /** THUDM's `SPTokenizer.encode(text)` (with the dummy prefix). */
  encodeOrdinary(text: string): number[] {
    return this.sp.encodePlain(chatglm6bPreprocess(text));
  }

  encode(text: string): number[] {
    return encodeWithSpecials(text, this.special, (piece) => this.encodeOrdinary(piece));
  }

  /**
   * THUDM's `decode`: SentencePiece over all ids (its control pieces, [gMASK] <sop> …, as the model
   * spells them, so <sop> reads "<sop>", not the interface's "[sop]"), then newline, tab and blanks back.
   */
  decode(ids: readonly number[]): string {
    return chatglm6bPostprocess(this.sp.decodePlain(ids));
  }
}

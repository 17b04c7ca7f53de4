/**
 * A SentencePiece tokenizer in TypeScript: loads a `.model` file and encodes and decodes exactly as
 * SentencePiece's spm_encode / spm_decode do (unigram or BPE models, byte fallback, the model's own
 * normalization rules). The GLM control tokens are mapped by a layout: the project's own models
 * carry them as pieces; GLM-130B's icetk `ice_text.model` puts text after 20000 image tokens and
 * the controls at fixed ids after the vocabulary. See docs/tokenizer.md.
 */
import { readFile } from 'node:fs/promises';
import { GlmError, type ErrorKind } from '../../errors.js';
import { decodeWithSpecials, encodeWithSpecials, type SpecialTokens, type Tokenizer } from '../tokenizer.js';
import { describeFsError, fsErrorCode } from '../atomic-write.js';
import { encodeBpe } from './bpe.js';
import { ModelType, parseModelProto, type SentencePieceModelData } from './model-proto.js';
import { Normalizer, PrefixMatcher, SPACE_SYMBOL, validUtf8Length } from './normalizer.js';
import { encodeUnigram, type EncodedPiece } from './unigram.js';
import { Vocabulary } from './vocabulary.js';

/** The pieces that stand for the GLM control tokens in the project's own models (tools/corpus/train-spm.sh). */
export const DEFAULT_SPECIAL_PIECES: Readonly<Record<keyof SpecialTokens, string>> = {
  pad: '<pad>',
  eos: '</s>',
  mask: '[MASK]',
  gmask: '[gMASK]',
  smask: '[sMASK]',
  eod: '<eod>',
  sop: '[sop]',
  eop: '[eop]',
};

/** GLM-130B's ids (docs: /work/shared/spec/glm130b.md "Special tokens"). */
export const ICETK_SPECIAL_TOKENS: Readonly<SpecialTokens> = {
  mask: 150000,
  gmask: 150001,
  smask: 150002,
  eod: 150003,
  sop: 150004,
  eop: 150005,
  eos: 20002,
  pad: 0,
};
/** icetk: ids below this are image tokens; text id = SentencePiece id + this. */
export const ICETK_IMAGE_TOKENS = 20000;
// 150000 text and image ids, then the six command ids [MASK] 150000 … [eop] 150005: every id the
// model may be asked to produce (generation must be able to end on [eop]). The embedding is padded to 150528.
export const ICETK_VOCAB_SIZE = 150006;
/** First id after the text pieces: where the command ids begin. */
const ICETK_TEXT_END = 150000;

export type SentencePieceLayout =
  /** The project's own models: every control token is a piece of the model (by default DEFAULT_SPECIAL_PIECES). */
  | { kind: 'own'; specialPieces?: Partial<Record<keyof SpecialTokens, string>> }
  /** GLM-130B's icetk ice_text.model: text id = piece id + 20000, controls at the spec's ids, 150006 ids. */
  | { kind: 'icetk' };

export interface SentencePieceLoadOptions {
  /** How the GLM control tokens map to ids (default `{ kind: 'own' }`). */
  layout?: SentencePieceLayout;
  /** The tokenizer's name (default: "sentencepiece:" + the file name). */
  name?: string;
}

const REPLACEMENT = '\uFFFD';

export class SentencePieceTokenizer implements Tokenizer {
  readonly name: string;
  readonly vocabSize: number;
  readonly special: SpecialTokens;
  /** Added to a piece id to get a token id (icetk: 20000). */
  readonly idOffset: number;
  readonly model: SentencePieceModelData;
  private readonly vocab: Vocabulary;
  private readonly normalizer: Normalizer;
  private readonly denormalizer: Normalizer | undefined;
  private readonly userDefined: PrefixMatcher;

  private constructor(model: SentencePieceModelData, options: SentencePieceLoadOptions, source: string) {
    const fail = (what: string, kind: ErrorKind = 'input'): GlmError => new GlmError(kind, `${source}: ${what}`);
    if (model.modelType !== ModelType.UNIGRAM && model.modelType !== ModelType.BPE) {
      throw fail(`SentencePiece ${model.modelTypeName} models are not supported (unigram and bpe are)`, 'unsupported');
    }
    this.model = model;
    this.vocab = new Vocabulary(model);
    this.userDefined = new PrefixMatcher(this.vocab.userDefined);
    const charsmapFail = (what: string): GlmError => fail(`not a valid SentencePiece model: ${what}`);
    this.normalizer = new Normalizer(model.normalizer, this.userDefined, model.treatWhitespaceAsSuffix, charsmapFail);
    // As SentencePieceProcessor: a denormalizer only when the model has rules for it.
    this.denormalizer =
      model.denormalizer !== undefined && model.denormalizer.precompiledCharsmap.length > 0
        ? new Normalizer(model.denormalizer, new PrefixMatcher([]), false, charsmapFail)
        : undefined;

    const layout = options.layout ?? { kind: 'own' };
    if (layout.kind === 'icetk') {
      if (ICETK_IMAGE_TOKENS + this.vocab.size > ICETK_TEXT_END) {
        throw fail(`has ${this.vocab.size} pieces; the icetk layout has room for ${ICETK_TEXT_END - ICETK_IMAGE_TOKENS}`);
      }
      this.idOffset = ICETK_IMAGE_TOKENS;
      this.special = { ...ICETK_SPECIAL_TOKENS };
      this.vocabSize = ICETK_VOCAB_SIZE;
    } else {
      const pieces = { ...DEFAULT_SPECIAL_PIECES, ...layout.specialPieces };
      const special = {} as SpecialTokens;
      const taken = new Map<number, string>();
      for (const key of Object.keys(DEFAULT_SPECIAL_PIECES) as Array<keyof SpecialTokens>) {
        const piece = pieces[key];
        const id = this.vocab.lookup(piece);
        if (id === undefined) throw fail(`the model has no piece ${JSON.stringify(piece)} for the ${key} token`);
        const other = taken.get(id);
        if (other !== undefined) throw fail(`the ${other} and ${key} tokens are both the piece ${JSON.stringify(piece)}`);
        taken.set(id, key);
        special[key] = id;
      }
      this.idOffset = 0;
      this.special = special;
      this.vocabSize = this.vocab.size;
    }
    this.name = options.name ?? `sentencepiece:${source.split(/[\\/]/).pop()}`;
  }

  /** Load a `.model` file. Unreadable or malformed files give a one-line GlmError naming the file. */
  static async load(path: string, options: SentencePieceLoadOptions = {}): Promise<SentencePieceTokenizer> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      const kind: ErrorKind = fsErrorCode(err) === 'ERR_FS_FILE_TOO_LARGE' ? 'resource' : 'input';
      throw new GlmError(kind, `cannot read SentencePiece model ${path}: ${describeFsError(err)}`, { cause: err });
    }
    return SentencePieceTokenizer.fromBytes(bytes, options, path);
  }

  /** The same from the file's bytes; `source` names it in errors. */
  static fromBytes(bytes: Uint8Array, options: SentencePieceLoadOptions = {}, source = 'SentencePiece model'): SentencePieceTokenizer {
    return new SentencePieceTokenizer(parseModelProto(bytes, source), options, source);
  }

  /** Number of pieces in the model file. */
  get pieceCount(): number {
    return this.vocab.size;
  }

  /** The piece of a token id (undefined for ids outside the model, e.g. icetk image tokens or the controls above it). */
  idToPiece(id: number): string | undefined {
    const p = id - this.idOffset;
    return Number.isInteger(p) && p >= 0 && p < this.vocab.size ? this.vocab.pieces[p] : undefined;
  }

  /** The token id of a piece, or undefined. */
  pieceToId(piece: string): number | undefined {
    const id = this.vocab.lookup(piece);
    return id === undefined ? undefined : id + this.idOffset;
  }

  /** Text to ids; the literal `[MASK]`, `[gMASK]`, `[sMASK]`, `[sop]`, `[eop]` become the control ids. */
  encode(text: string): number[] {
    return encodeWithSpecials(text, this.special, (piece) => this.encodePlain(piece));
  }

  /** Text to ids with no control-token handling: what `spm_encode --output_format=id` prints (plus the id offset). */
  encodePlain(text: string): number[] {
    return this.encodeToPieces(text).map(([, id]) => id + this.idOffset);
  }

  /** Text to pieces with no control-token handling: what `spm_encode --output_format=piece` prints. */
  encodeAsPieces(text: string): string[] {
    return this.encodeToPieces(text).map(([piece]) => piece);
  }

  /** The normalized text the model segments (as `spm_normalize --use_internal_normalization`). */
  normalize(text: string): string {
    return this.normalizer.normalize(text);
  }

  /**
   * Segment and apply SentencePiece's post-processing (PopulateSentencePieceText): an unknown
   * character becomes its UTF-8 byte pieces when the model has byte fallback; otherwise runs of
   * unknown characters become one `<unk>`.
   */
  private encodeToPieces(text: string): EncodedPiece[] {
    const normalized = this.normalizer.normalize(text);
    const segments =
      this.model.modelType === ModelType.BPE ? encodeBpe(this.vocab, this.userDefined, normalized) : encodeUnigram(this.vocab, normalized);
    const out: EncodedPiece[] = [];
    const encoder = new TextEncoder();
    let prevUnknown = false;
    for (const [piece, id] of segments) {
      const unknown = this.vocab.isUnknown(id);
      if (unknown && this.model.byteFallback) {
        for (const b of encoder.encode(piece)) {
          const byteId = this.vocab.byteIds[b]!;
          out.push(byteId >= 0 ? [this.vocab.pieces[byteId]!, byteId] : [piece, this.vocab.unkId]);
        }
      } else if (unknown && prevUnknown) {
        const last = out[out.length - 1]!;
        last[0] += piece;
      } else {
        out.push([piece, id]);
      }
      prevUnknown = unknown;
    }
    return out;
  }

  /**
   * Ids to text as `spm_decode` does it, with the control ids rendered by decodeWithSpecials
   * ([MASK] … as their literal strings, eos/pad/eod as nothing). The space that add_dummy_prefix put
   * in front is dropped only at the very start of the text. Ids outside the model (e.g. icetk image
   * tokens) become U+FFFD. Never throws.
   */
  decode(ids: readonly number[]): string {
    const literal = new Set([this.special.mask, this.special.gmask, this.special.smask, this.special.sop, this.special.eop]);
    const silent = new Set([this.special.eos, this.special.pad, this.special.eod]);
    // Text comes first unless a control literal is the first visible token.
    let atStart = !literal.has(ids.find((id) => !silent.has(id)) ?? -1);
    return decodeWithSpecials(ids, this.special, (run) => {
      const text = this.decodePieces(run, atStart);
      if (text !== '') atStart = false;
      return text;
    });
  }

  /**
   * Ids to text exactly as SentencePieceProcessor::Decode (spm_decode): every piece as the model has it,
   * no control-token rendering (ChatGLM-6B's tokenizer decodes so: its [gMASK], <sop> are model pieces).
   */
  decodePlain(ids: readonly number[]): string {
    return this.decodePieces(ids, true);
  }

  /** Token ids (no control ids among them) to text, as SentencePieceProcessor::Decode. */
  private decodePieces(ids: readonly number[], atStart: boolean): string {
    const vocab = this.vocab;
    const spec = this.model.normalizer;
    const stripLeading = spec.addDummyPrefix || spec.removeExtraWhitespaces;
    let text = '';
    let bytes: number[] = [];
    let isBosWs = atStart;
    let bosWsSeen = false;
    const flushBytes = (): void => {
      if (bytes.length > 0) text += decodeBytesLikeSentencePiece(Uint8Array.from(bytes));
      bytes = [];
    };
    for (const tokenId of ids) {
      const id = tokenId - this.idOffset;
      if (!Number.isInteger(id) || id < 0 || id >= vocab.size) {
        flushBytes();
        text += REPLACEMENT;
        isBosWs = false;
        continue;
      }
      if (vocab.isByte(id)) {
        bytes.push(vocab.byteOf[id]!);
        continue;
      }
      flushBytes();
      if (bosWsSeen || text !== '') isBosWs = false;
      let piece = vocab.pieces[id]!;
      bosWsSeen = false;
      if (vocab.isControl(id)) continue; // invisible
      if (vocab.isUnknown(id)) {
        text += this.model.unkSurface;
        continue;
      }
      if (isBosWs && stripLeading && piece.startsWith(SPACE_SYMBOL)) {
        piece = piece.slice(SPACE_SYMBOL.length);
        bosWsSeen = !spec.removeExtraWhitespaces;
      }
      text += piece.replaceAll(SPACE_SYMBOL, ' ');
    }
    flushBytes();
    return this.denormalizer === undefined ? text : this.denormalizer.normalize(text);
  }
}

/** UTF-8 bytes to text, each malformed byte becoming one U+FFFD (SentencePiece's ProcessBytePieces). */
function decodeBytesLikeSentencePiece(bytes: Uint8Array): string {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let text = '';
  for (let pos = 0; pos < bytes.length; ) {
    const n = validUtf8Length(bytes, pos, bytes.length);
    if (n === 0) {
      text += REPLACEMENT;
      pos += 1;
    } else {
      text += decoder.decode(bytes.subarray(pos, pos + n));
      pos += n;
    }
  }
  return text;
}

/**
 * The pieces of a model and the look-ups the encoders need, split as SentencePiece's
 * ModelInterface splits them: NORMAL, USER_DEFINED and UNUSED pieces are matched against text;
 * CONTROL, UNKNOWN and BYTE pieces are "reserved" and only found by name.
 */
import { PieceType, type SentencePieceModelData } from './model-proto.js';

/** float's smallest positive normal and largest values: SentencePiece's initial max/min scores. */
const FLT_MIN = 1.1754943508222875e-38;
const FLT_MAX = 3.4028234663852886e38;

export class Vocabulary {
  readonly size: number;
  readonly pieces: readonly string[];
  readonly scores: Float32Array;
  readonly types: Uint8Array;
  readonly unkId: number;
  /** Highest and lowest score of the NORMAL pieces (FLT_MIN / FLT_MAX when there are none, as in C++). */
  readonly maxScore: number;
  readonly minScore: number;
  /** Piece → id of the pieces matched against text (NORMAL, USER_DEFINED, UNUSED). */
  private readonly matchable = new Map<string, number>();
  /** Piece → id of CONTROL, UNKNOWN and BYTE pieces. */
  private readonly reserved = new Map<string, number>();
  /** For each first character, the longest matchable piece that starts with it (UTF-16 units). */
  private readonly longestFrom = new Map<string, number>();
  /** Byte value → id of its `<0xXX>` piece (-1 when the model has none). */
  readonly byteIds = new Int32Array(256).fill(-1);
  /** Id → byte value for BYTE pieces (-1 otherwise). */
  readonly byteOf: Int16Array;
  /** UTF-8 length of each piece (user-defined pieces score by it). */
  readonly byteLengths: Uint32Array;
  readonly userDefined: string[] = [];

  constructor(model: SentencePieceModelData) {
    this.size = model.pieces.length;
    this.pieces = model.pieces;
    this.scores = model.scores;
    this.types = model.types;
    this.byteOf = new Int16Array(this.size).fill(-1);
    this.byteLengths = new Uint32Array(this.size);
    const encoder = new TextEncoder();
    let unkId = -1;
    let maxScore = FLT_MIN;
    let minScore = FLT_MAX;
    for (let id = 0; id < this.size; id++) {
      const piece = model.pieces[id]!;
      const type = model.types[id]!;
      this.byteLengths[id] = encoder.encode(piece).length;
      if (type === PieceType.NORMAL || type === PieceType.USER_DEFINED || type === PieceType.UNUSED) {
        this.matchable.set(piece, id);
        const first = String.fromCodePoint(piece.codePointAt(0)!);
        if ((this.longestFrom.get(first) ?? 0) < piece.length) this.longestFrom.set(first, piece.length);
      } else {
        this.reserved.set(piece, id);
      }
      if (type === PieceType.NORMAL) {
        const score = model.scores[id]!;
        if (score > maxScore) maxScore = score;
        if (score < minScore) minScore = score;
      }
      if (type === PieceType.USER_DEFINED) this.userDefined.push(piece);
      if (type === PieceType.UNKNOWN) unkId = id;
      if (type === PieceType.BYTE) {
        const value = Number.parseInt(piece.slice(3, 5), 16);
        this.byteIds[value] = id;
        this.byteOf[id] = value;
      }
    }
    this.unkId = unkId;
    this.maxScore = maxScore;
    this.minScore = minScore;
  }

  /** Id of a piece that may be matched against text, or undefined. */
  matchableId(piece: string): number | undefined {
    return this.matchable.get(piece);
  }

  /** Length (UTF-16 units) of the longest matchable piece starting with the character `first`. */
  longestPieceFrom(first: string): number {
    return this.longestFrom.get(first) ?? 0;
  }

  /** SentencePiece's PieceToId: reserved pieces first, then matchable ones, else the unknown id. */
  pieceToId(piece: string): number {
    return this.reserved.get(piece) ?? this.matchable.get(piece) ?? this.unkId;
  }

  /** Id of the piece, or undefined (no fallback to `<unk>`). */
  lookup(piece: string): number | undefined {
    return this.reserved.get(piece) ?? this.matchable.get(piece);
  }

  isUnused(id: number): boolean {
    return this.types[id] === PieceType.UNUSED;
  }
  isUserDefined(id: number): boolean {
    return this.types[id] === PieceType.USER_DEFINED;
  }
  isControl(id: number): boolean {
    return this.types[id] === PieceType.CONTROL;
  }
  isUnknown(id: number): boolean {
    return this.types[id] === PieceType.UNKNOWN;
  }
  isByte(id: number): boolean {
    return this.types[id] === PieceType.BYTE;
  }
}

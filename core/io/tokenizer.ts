/** Ids of the GLM control tokens in one tokenizer's vocabulary. */
export interface SpecialTokens {
  mask: number;
  gmask: number;
  smask: number;
  eod: number;
  sop: number;
  eop: number;
  eos: number;
  pad: number;
}

export interface Tokenizer {
  readonly name: string;
  readonly vocabSize: number;
  readonly special: SpecialTokens;
  /** Text to ids; the literal strings `[MASK]`, `[gMASK]`, `[sMASK]`, `[sop]`, `[eop]` become their ids. */
  encode(text: string): number[];
  /** Ids to text; mask/sop/eop ids render as their literal strings, eos/pad/eod as nothing. Never throws. */
  decode(ids: readonly number[]): string;
}

/** The control tokens a prompt may spell out literally, in the spelling of the release's prompts. */
const LITERAL_SPECIALS = ['[MASK]', '[gMASK]', '[sMASK]', '[sop]', '[eop]'] as const;
type LiteralSpecial = (typeof LITERAL_SPECIALS)[number];

const LITERAL_PATTERN = /\[(?:MASK|gMASK|sMASK|sop|eop)\]/g;

function literalId(literal: LiteralSpecial, special: SpecialTokens): number {
  switch (literal) {
    case '[MASK]':
      return special.mask;
    case '[gMASK]':
      return special.gmask;
    case '[sMASK]':
      return special.smask;
    case '[sop]':
      return special.sop;
    case '[eop]':
      return special.eop;
  }
}

/**
 * Encode text whose control tokens are written literally: the pieces between them go through
 * `encodePlain` (the tokenizer's own algorithm, byte-level or SentencePiece), so a piece is never
 * merged across a control token.
 */
export function encodeWithSpecials(
  text: string,
  special: SpecialTokens,
  encodePlain: (piece: string) => number[],
): number[] {
  const ids: number[] = [];
  // Appended one by one: ids.push(...piece) passes every id as an argument, which overflows the
  // stack for a piece of a few hundred thousand ids (a long prompt line).
  const append = (piece: readonly number[]): void => {
    for (const id of piece) ids.push(id);
  };
  let start = 0;
  for (const match of text.matchAll(LITERAL_PATTERN)) {
    const index = match.index ?? 0;
    if (index > start) append(encodePlain(text.slice(start, index)));
    ids.push(literalId(match[0] as LiteralSpecial, special));
    start = index + match[0].length;
  }
  if (start < text.length) append(encodePlain(text.slice(start)));
  return ids;
}

/**
 * Decode ids, rendering control ids as their literal strings (end/padding ids as nothing). Runs of
 * ordinary ids go to `decodePlain` whole, because one character may span several ids (UTF-8 bytes,
 * SentencePiece byte fallback).
 */
export function decodeWithSpecials(
  ids: readonly number[],
  special: SpecialTokens,
  decodePlain: (run: readonly number[]) => string,
): string {
  const literals = new Map<number, string>(LITERAL_SPECIALS.map((literal) => [literalId(literal, special), literal]));
  const silent = new Set([special.eos, special.pad, special.eod]);
  let text = '';
  let run: number[] = [];
  const flush = (): void => {
    if (run.length > 0) text += decodePlain(run);
    run = [];
  };
  for (const id of ids) {
    const literal = literals.get(id);
    if (literal !== undefined) {
      flush();
      text += literal;
    } else if (silent.has(id)) {
      flush();
    } else {
      run.push(id);
    }
  }
  flush();
  return text;
}

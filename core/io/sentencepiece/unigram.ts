/**
 * Unigram segmentation: the Viterbi best path through every way of writing the normalized text as
 * a sequence of pieces, a path scoring the sum of its pieces' log-probabilities.
 *
 * This follows SentencePiece's `Model::EncodeOptimized` (unigram_model.cc), the encoder that
 * spm_encode runs, down to the arithmetic: scores are float32, a candidate path score is computed
 * in double and compared with the float32 best so far, the best is stored as float32; ties keep the
 * path found first (the piece that starts earliest). A character that no piece covers becomes an
 * `<unk>` node scoring min_score − 10, and a USER_DEFINED piece scores
 * `byte_length · max_score − 0.1`, so it always wins.
 */
import type { Vocabulary } from './vocabulary.js';

/** A segment of the normalized text and its piece id (the unknown id for an unknown character). */
export type EncodedPiece = [piece: string, id: number];

const UNK_PENALTY = 10;

export function encodeUnigram(vocab: Vocabulary, text: string): EncodedPiece[] {
  const n = text.length;
  if (n === 0) return [];
  // best[end]: the best path over text[0, end): its score (a float32 value), where its last piece starts, and that piece's id.
  const bestScore = new Float64Array(n + 1);
  const startsAt = new Int32Array(n + 1).fill(-1);
  const bestId = new Int32Array(n + 1);
  const unkScore = Math.fround(vocab.minScore - UNK_PENALTY);
  const userDefinedBase = vocab.maxScore;

  let start = 0;
  while (start < n) {
    const c = text.charCodeAt(start);
    const charLength = c >= 0xd800 && c <= 0xdbff && start + 1 < n ? 2 : 1;
    const base = bestScore[start]!;
    const longest = Math.min(vocab.longestPieceFrom(text.slice(start, start + charLength)), n - start);
    let coversOneChar = false;
    for (let length = charLength; length <= longest; length++) {
      const id = vocab.matchableId(text.slice(start, start + length));
      if (id === undefined || vocab.isUnused(id)) continue;
      const end = start + length;
      // `length * max_score_` is float·float in C++, then `- 0.1` and the sum are double.
      const score = vocab.isUserDefined(id) ? Math.fround(vocab.byteLengths[id]! * userDefinedBase) - 0.1 : vocab.scores[id]!;
      const candidate = score + base;
      if (startsAt[end] === -1 || candidate > bestScore[end]!) {
        bestScore[end] = Math.fround(candidate);
        startsAt[end] = start;
        bestId[end] = id;
      }
      if (length === charLength) coversOneChar = true;
    }
    if (!coversOneChar) {
      const end = start + charLength;
      const candidate = Math.fround(unkScore + base); // float + float in C++
      if (startsAt[end] === -1 || candidate > bestScore[end]!) {
        bestScore[end] = candidate;
        startsAt[end] = start;
        bestId[end] = vocab.unkId;
      }
    }
    start += charLength;
  }

  const pieces: EncodedPiece[] = [];
  for (let end = n; end > 0; ) {
    const begin = startsAt[end]!;
    pieces.push([text.slice(begin, end), bestId[end]!]);
    end = begin;
  }
  return pieces.reverse();
}

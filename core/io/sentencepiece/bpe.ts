/**
 * BPE segmentation as SentencePiece's `bpe::Model::Encode` does it (bpe_model.cc): start from
 * characters (a user-defined symbol is one frozen symbol), repeatedly merge the adjacent pair whose
 * concatenation is the highest-scoring piece (ties: the leftmost pair), until no pair is a piece.
 * A merged piece of type UNUSED is split back into the two symbols it was made from.
 */
import type { PrefixMatcher } from './normalizer.js';
import type { EncodedPiece } from './unigram.js';
import type { Vocabulary } from './vocabulary.js';

interface Pair {
  left: number;
  right: number;
  score: number;
  /** Length of the merged piece when the pair was found; a different length now means the pair is stale. */
  size: number;
}

/** Max-heap on score, ties to the smaller left index (std::priority_queue with SentencePiece's comparator). */
class PairQueue {
  private readonly heap: Pair[] = [];
  get size(): number {
    return this.heap.length;
  }
  private static before(a: Pair, b: Pair): boolean {
    return a.score > b.score || (a.score === b.score && a.left < b.left);
  }
  push(p: Pair): void {
    const h = this.heap;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!PairQueue.before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }
  pop(): Pair | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < h.length && PairQueue.before(h[l]!, h[best]!)) best = l;
        if (r < h.length && PairQueue.before(h[r]!, h[best]!)) best = r;
        if (best === i) break;
        [h[i], h[best]] = [h[best]!, h[i]!];
        i = best;
      }
    }
    return top;
  }
}

export function encodeBpe(vocab: Vocabulary, userDefined: PrefixMatcher, text: string): EncodedPiece[] {
  if (text.length === 0) return [];
  // Symbols are spans text[begin, end) in a doubly linked list; a merged-away symbol has begin === end.
  const begin: number[] = [];
  const end: number[] = [];
  const prev: number[] = [];
  const next: number[] = [];
  const frozen: boolean[] = [];
  const encoder = new TextEncoder();
  const bytes = userDefined.empty ? undefined : encoder.encode(text);
  // UTF-16 offset → UTF-8 offset, only needed to match user-defined symbols on bytes.
  const byteOffset = bytes === undefined ? undefined : utf16ToUtf8Offsets(text);
  for (let pos = 0; pos < text.length; ) {
    let length = 0;
    let isUserDefined = false;
    if (bytes !== undefined && byteOffset !== undefined) {
      const matched = userDefined.longestMatch(bytes, byteOffset[pos]!, bytes.length);
      if (matched > 0) {
        const stop = byteOffset.indexOf(byteOffset[pos]! + matched, pos);
        if (stop > pos) {
          length = stop - pos;
          isUserDefined = true;
        }
      }
    }
    if (length === 0) {
      const c = text.charCodeAt(pos);
      length = c >= 0xd800 && c <= 0xdbff && pos + 1 < text.length ? 2 : 1;
    }
    const index = begin.length;
    begin.push(pos);
    end.push(pos + length);
    prev.push(index - 1);
    next.push(pos + length < text.length ? index + 1 : -1);
    frozen.push(isUserDefined);
    pos += length;
  }

  const queue = new PairQueue();
  // Unused pieces met as merges: piece → the two pieces it was made from.
  const reverseMerge = new Map<string, [string, string]>();
  const piece = (i: number): string => text.slice(begin[i]!, end[i]!);
  const maybeAddPair = (left: number, right: number): void => {
    if (left === -1 || right === -1 || frozen[left] || frozen[right]) return;
    const merged = text.slice(begin[left]!, end[right]!);
    const id = vocab.matchableId(merged);
    if (id === undefined) return;
    queue.push({ left, right, score: vocab.scores[id]!, size: merged.length });
    if (vocab.isUnused(id)) reverseMerge.set(merged, [piece(left), piece(right)]);
  };
  for (let i = 1; i < begin.length; i++) maybeAddPair(i - 1, i);

  for (let top = queue.pop(); top !== undefined; top = queue.pop()) {
    const { left, right } = top;
    const leftLength = end[left]! - begin[left]!;
    const rightLength = end[right]! - begin[right]!;
    if (leftLength === 0 || rightLength === 0 || leftLength + rightLength !== top.size) continue;
    end[left] = end[right]!;
    next[left] = next[right]!;
    if (next[right]! >= 0) prev[next[right]!] = left;
    end[right] = begin[right]!;
    maybeAddPair(prev[left]!, left);
    maybeAddPair(left, next[left]!);
  }

  const out: EncodedPiece[] = [];
  const resegment = (w: string): void => {
    const id = vocab.pieceToId(w);
    const parts = vocab.isUnused(id) ? reverseMerge.get(w) : undefined;
    if (parts === undefined) {
      out.push([w, id]);
      return;
    }
    resegment(parts[0]);
    resegment(parts[1]);
  };
  for (let i = 0; i !== -1; i = next[i]!) resegment(piece(i));
  return out;
}

function utf16ToUtf8Offsets(text: string): number[] {
  const offsets = new Array<number>(text.length + 1);
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    offsets[i] = bytes;
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      offsets[i + 1] = bytes; // the low surrogate is never a symbol boundary
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  offsets[text.length] = bytes;
  return offsets;
}

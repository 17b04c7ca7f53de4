/**
 * SentencePiece's normalizer, byte for byte as `normalizer.cc` does it:
 *
 *  1. at each position, a user-defined symbol (longest match) is copied unchanged; otherwise the
 *     precompiled charsmap (the rules of e.g. nmt_nfkc, compiled into a Darts double-array trie over
 *     UTF-8 bytes) replaces the longest matching prefix; otherwise one character is copied (a
 *     malformed byte becomes U+FFFD);
 *  2. with remove_extra_whitespaces, leading spaces are dropped, runs of spaces become one and
 *     trailing spaces are dropped; with add_dummy_prefix a space is put in front (or behind, with
 *     treat_whitespace_as_suffix); with escape_whitespaces every space becomes U+2581 "▁".
 *
 * The charsmap is what makes this exact: nmt_nfkc is NFKC plus SentencePiece's own rules (control
 * characters removed, many kinds of space mapped to U+0020, …), which String.prototype.normalize
 * alone does not reproduce.
 */
import type { NormalizerSpecData } from './model-proto.js';

/** U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space. */
export const SPACE_SYMBOL = '\u2581';
const SPACE_SYMBOL_BYTES = Uint8Array.of(0xe2, 0x96, 0x81);
const SPACE_BYTE = 0x20;
const REPLACEMENT_BYTES = Uint8Array.of(0xef, 0xbf, 0xbd);

/**
 * The byte length of the well-formed UTF-8 character at `bytes[pos]`, or 0 when it is malformed
 * (overlong, surrogate, beyond U+10FFFF, truncated, and U+FFFD itself), as SentencePiece's
 * IsValidDecodeUTF8.
 */
export function validUtf8Length(bytes: Uint8Array, pos: number, end: number): number {
  const b0 = bytes[pos]!;
  if (b0 < 0x80) return 1;
  const need = b0 >= 0xc0 && b0 <= 0xdf ? 1 : b0 >= 0xe0 && b0 <= 0xef ? 2 : b0 >= 0xf0 && b0 <= 0xf7 ? 3 : -1;
  if (need < 0 || pos + need >= end) return 0;
  let cp = b0 & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
  for (let k = 1; k <= need; k++) {
    const b = bytes[pos + k]!;
    if ((b & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
  if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
  // SentencePiece's decoder returns U+FFFD as its error value, so a real U+FFFD counts as malformed too.
  if (cp === 0xfffd) return 0;
  return need + 1;
}

/**
 * A Darts-clone double array (the trie format of SentencePiece's charsmap): 32-bit units, each
 * holding a label, an offset to its children and a has-leaf flag; a leaf unit holds a value.
 */
export class DoubleArray {
  constructor(private readonly units: Uint32Array) {}

  /**
   * Every key of the trie that is a prefix of `key[pos..end)`, as (length, value) pairs, shortest
   * first, at most `limit` of them (Darts' commonPrefixSearch).
   */
  commonPrefixSearch(key: Uint8Array, pos: number, end: number, limit = 32): Array<[length: number, value: number]> {
    const units = this.units;
    const results: Array<[number, number]> = [];
    if (units.length === 0) return results;
    let node = offsetOf(units[0]!);
    for (let i = pos; i < end; i++) {
      const c = key[i]!;
      node = (node ^ c) >>> 0;
      if (node >= units.length) return results;
      const unit = units[node]!;
      if ((unit & 0x800000ff) >>> 0 !== c) return results;
      node = (node ^ offsetOf(unit)) >>> 0;
      if ((unit >>> 8) & 1) {
        if (node >= units.length) return results;
        if (results.length < limit) results.push([i + 1 - pos, units[node]! & 0x7fffffff]);
      }
    }
    return results;
  }
}

function offsetOf(unit: number): number {
  return ((unit >>> 10) << ((unit & 0x200) >>> 6)) >>> 0;
}

/** A small byte trie for the user-defined symbols (SentencePiece's PrefixMatcher). */
export class PrefixMatcher {
  private readonly root: TrieNode = { next: new Map(), terminal: false };
  readonly empty: boolean;

  constructor(symbols: Iterable<string>) {
    const encoder = new TextEncoder();
    let count = 0;
    for (const symbol of symbols) {
      let node = this.root;
      for (const b of encoder.encode(symbol)) {
        let child = node.next.get(b);
        if (child === undefined) {
          child = { next: new Map(), terminal: false };
          node.next.set(b, child);
        }
        node = child;
      }
      node.terminal = true;
      count++;
    }
    this.empty = count === 0;
  }

  /** Byte length of the longest symbol starting at `bytes[pos]`, or 0 when none does. */
  longestMatch(bytes: Uint8Array, pos: number, end: number): number {
    let node: TrieNode | undefined = this.root;
    let best = 0;
    for (let i = pos; i < end && node !== undefined; i++) {
      node = node.next.get(bytes[i]!);
      if (node?.terminal) best = i + 1 - pos;
    }
    return best;
  }
}

interface TrieNode {
  next: Map<number, TrieNode>;
  terminal: boolean;
}

/** Growable byte buffer. */
class ByteBuffer {
  bytes: Uint8Array;
  length = 0;
  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(16, capacity));
  }
  push(src: Uint8Array, from = 0, to = src.length): void {
    const n = to - from;
    if (this.length + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(src.subarray(from, to), this.length);
    this.length += n;
  }
  pushByte(b: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = b;
  }
  endsWith(suffix: Uint8Array): boolean {
    if (this.length < suffix.length) return false;
    for (let k = 0; k < suffix.length; k++) if (this.bytes[this.length - suffix.length + k] !== suffix[k]) return false;
    return true;
  }
}

export class Normalizer {
  private readonly trie: DoubleArray | undefined;
  /** The replacement strings of the charsmap, each ending with a NUL byte. */
  private readonly replacements: Uint8Array = new Uint8Array(0);
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  /**
   * @param userDefined symbols copied verbatim (never normalized), as SentencePiece does for
   *   USER_DEFINED pieces
   * @param fail builds the error for a broken charsmap (names the model file)
   */
  constructor(
    private readonly spec: NormalizerSpecData,
    private readonly matcher: PrefixMatcher,
    private readonly treatWhitespaceAsSuffix: boolean,
    fail: (what: string) => Error,
  ) {
    const blob = spec.precompiledCharsmap;
    if (blob.length > 0) {
      // <trie size: uint32 little-endian><double array: trie size bytes><replacement strings>
      if (blob.length <= 4) throw fail('the precompiled charsmap is broken (too short)');
      const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
      const trieSize = view.getUint32(0, true);
      if (4 + trieSize > blob.length || trieSize % 4 !== 0) throw fail(`the precompiled charsmap is broken (trie size ${trieSize} of ${blob.length} bytes)`);
      const units = new Uint32Array(trieSize / 4);
      for (let k = 0; k < units.length; k++) units[k] = view.getUint32(4 + 4 * k, true);
      this.trie = new DoubleArray(units);
      this.replacements = blob.subarray(4 + trieSize);
    }
  }

  /**
   * The normalized form of `bytes[pos..]`'s prefix: [replacement bytes, bytes consumed]
   * (NormalizePrefix in normalizer.cc).
   */
  private normalizePrefix(bytes: Uint8Array, pos: number, end: number): [Uint8Array, number] {
    if (!this.matcher.empty) {
      const n = this.matcher.longestMatch(bytes, pos, end);
      if (n > 0) return [bytes.subarray(pos, pos + n), n];
    }
    if (this.trie !== undefined) {
      let longest = 0;
      let value = 0;
      for (const [length, v] of this.trie.commonPrefixSearch(bytes, pos, end)) {
        if (longest === 0 || length > longest) {
          longest = length;
          value = v;
        }
      }
      if (longest > 0 && value < this.replacements.length) {
        let stop = value;
        while (stop < this.replacements.length && this.replacements[stop] !== 0) stop++;
        return [this.replacements.subarray(value, stop), longest];
      }
    }
    const n = validUtf8Length(bytes, pos, end);
    return n === 0 ? [REPLACEMENT_BYTES, 1] : [bytes.subarray(pos, pos + n), n];
  }

  /** Normalize text to the string the model segments (spaces as "▁" when escape_whitespaces is on). */
  normalize(text: string): string {
    return this.decoder.decode(this.normalizeBytes(this.encoder.encode(text)));
  }

  normalizeBytes(input: Uint8Array): Uint8Array {
    const spec = this.spec;
    const end = input.length;
    let pos = 0;
    if (end === 0) return new Uint8Array(0);
    if (spec.removeExtraWhitespaces) {
      while (pos < end) {
        const [sp, consumed] = this.normalizePrefix(input, pos, end);
        if (!(sp.length === 1 && sp[0] === SPACE_BYTE)) break;
        pos += consumed;
      }
    }
    if (pos === end) return new Uint8Array(0);

    const out = new ByteBuffer(end * 3);
    const space = spec.escapeWhitespaces ? SPACE_SYMBOL_BYTES : Uint8Array.of(SPACE_BYTE);
    if (!this.treatWhitespaceAsSuffix && spec.addDummyPrefix) out.push(space);
    let isPrevSpace = spec.removeExtraWhitespaces;
    while (pos < end) {
      const [sp, consumed] = this.normalizePrefix(input, pos, end);
      let from = 0;
      while (isPrevSpace && from < sp.length && sp[from] === SPACE_BYTE) from++;
      if (from < sp.length) {
        for (let k = from; k < sp.length; k++) {
          const b = sp[k]!;
          if (spec.escapeWhitespaces && b === SPACE_BYTE) out.push(SPACE_SYMBOL_BYTES);
          else out.pushByte(b);
        }
        isPrevSpace = sp[sp.length - 1] === SPACE_BYTE;
      }
      pos += consumed;
      if (!spec.removeExtraWhitespaces) isPrevSpace = false;
    }
    if (spec.removeExtraWhitespaces) {
      while (out.endsWith(space)) out.length -= space.length;
    }
    if (this.treatWhitespaceAsSuffix && spec.addDummyPrefix) out.push(space);
    return out.bytes.slice(0, out.length);
  }
}

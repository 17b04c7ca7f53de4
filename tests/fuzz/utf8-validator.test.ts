/**
 * core/io/utf8-text.ts's validator against an independent oracle, the WHATWG decoder
 * (TextDecoder with fatal: true): on random and mutated byte strings both agree whether the bytes
 * are valid UTF-8, and the offset found is the first byte the oracle cannot decode past.
 */
import { describe, expect, it } from 'vitest';
import { decodeUtf8Strict, firstInvalidUtf8, strictUtf8Lines } from '../../core/io/utf8-text.js';
// @ts-expect-error -- a plain .mjs tool without types
import { makeRandom } from '../../tools/fuzz/harness.mjs';

const oracle = new TextDecoder('utf-8', { fatal: true });
const valid = (b: Uint8Array) => {
  try {
    oracle.decode(b);
    return true;
  } catch {
    return false;
  }
};

/** Bytes biased to UTF-8 structure: ASCII, lead bytes, continuation bytes, the edge values. */
function randomBytes(rnd: { int: (n: number) => number; pick: <T>(l: T[]) => T }, n: number): Uint8Array {
  const edge = [0x00, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x8f, 0x90];
  return Uint8Array.from({ length: n }, () => (rnd.int(3) === 0 ? rnd.pick(edge) : rnd.int(3) === 0 ? 0x80 + rnd.int(64) : rnd.int(256)));
}

describe('firstInvalidUtf8', () => {
  it('agrees with the WHATWG decoder on 20,000 random byte strings', () => {
    const rnd = makeRandom(11);
    let invalid = 0;
    for (let i = 0; i < 20_000; i++) {
      const b = randomBytes(rnd, 1 + rnd.int(8));
      const at = firstInvalidUtf8(b);
      expect(at === undefined, Array.from(b).map((x) => x.toString(16)).join(' ')).toBe(valid(b));
      if (at !== undefined) {
        invalid++;
        expect(valid(b.subarray(0, at))).toBe(true); // everything before it decodes
      }
    }
    expect(invalid).toBeGreaterThan(1000);
    expect(invalid).toBeLessThan(19_000);
  });

  it('valid text of every length of sequence passes; a lone continuation, an overlong, a surrogate fail', () => {
    expect(firstInvalidUtf8(new TextEncoder().encode('a é 中 😀'))).toBeUndefined();
    expect(firstInvalidUtf8(Uint8Array.of(0x61, 0x80))).toBe(1);
    expect(firstInvalidUtf8(Uint8Array.of(0xc0, 0xaf))).toBe(0);
    expect(firstInvalidUtf8(Uint8Array.of(0x61, 0xed, 0xa0, 0x80))).toBe(1);
    expect(firstInvalidUtf8(Uint8Array.of(0xf0, 0x9f, 0x98))).toBe(0);
  });

  it('decodeUtf8Strict and strictUtf8Lines name the line and the byte offset', async () => {
    const bytes = Uint8Array.of(...new TextEncoder().encode('ok\r\nsecond é\n'), 0x41, 0xfe, 0x0a);
    expect(() => decodeUtf8Strict(bytes, 'f')).toThrow('f: invalid UTF-8 at line 3, byte offset 15 (byte 1 of the line: 0xfe)');
    const seen: string[] = [];
    // Split mid-character: a stream's chunks do not respect characters.
    const chunks = (async function* () {
      yield bytes.subarray(0, 12);
      yield bytes.subarray(12);
    })();
    await expect((async () => {
      for await (const line of strictUtf8Lines(chunks, 'stdin')) seen.push(line);
    })()).rejects.toThrow('stdin: invalid UTF-8 at line 3, byte offset 15 (byte 1 of the line: 0xfe)');
    expect(seen).toEqual(['ok', 'second é']);
  });
});

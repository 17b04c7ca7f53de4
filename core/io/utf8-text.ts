/**
 * Text files read strictly: invalid UTF-8 is an input error naming the line and the byte offset of
 * the first bad byte, never silently replaced by U+FFFD (which would change what the model reads).
 */
import { readFile } from 'node:fs/promises';
import { GlmError, type ErrorKind } from '../errors.js';
import { describeFsError, fsErrorCode } from './atomic-write.js';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Byte offset of the first byte that does not start or continue a valid UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte → sequence length and the allowed range of the second byte (no overlongs, no surrogates, ≤ U+10FFFF).
    let length: number, low = 0x80, high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < low || c > high : c < 0x80 || c > 0xbf) return i;
    }
    i += length;
  }
  return undefined;
}

function invalidUtf8(source: string, line: number, offset: number, column: number, byte: number | undefined): GlmError {
  const shown = byte === undefined ? 'a sequence cut off at the end' : `0x${byte.toString(16).padStart(2, '0')}`;
  return new GlmError('input', `${source}: invalid UTF-8 at line ${line}, byte offset ${offset} (byte ${column} of the line: ${shown})`);
}

/** `bytes` as text; `source` names it in the error (a path, "stdin"). */
export function decodeUtf8Strict(bytes: Uint8Array, source: string): string {
  try {
    return strict.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes) ?? 0;
    let line = 1, lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    throw invalidUtf8(source, line, offset, offset - lineStart, bytes[offset]);
  }
}

/**
 * Lines of a byte stream (stdin), each decoded strictly as it arrives: the error names the line
 * and the byte offset in the stream. "\r\n" ends a line like "\n".
 */
export async function* strictUtf8Lines(chunks: AsyncIterable<Uint8Array | string>, source: string): AsyncGenerator<string> {
  let pending: Uint8Array = new Uint8Array(0);
  let line = 1, lineStart = 0;
  const decodeLine = (bytes: Uint8Array): string => {
    const offset = firstInvalidUtf8(bytes);
    if (offset !== undefined) throw invalidUtf8(source, line, lineStart + offset, offset, bytes[offset]);
    const text = strict.decode(bytes);
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };
  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    const joined = new Uint8Array(pending.length + bytes.length);
    joined.set(pending);
    joined.set(bytes, pending.length);
    let start = 0;
    for (let i = joined.indexOf(0x0a); i >= 0; i = joined.indexOf(0x0a, start)) {
      yield decodeLine(joined.subarray(start, i));
      lineStart += i + 1 - start;
      line++;
      start = i + 1;
    }
    pending = joined.slice(start);
  }
  if (pending.length > 0) yield decodeLine(pending);
}

/** Read a UTF-8 text file; unreadable → input error (resource for a file too large to read). */
export async function readUtf8File(path: string, what: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const kind: ErrorKind = fsErrorCode(err) === 'ERR_FS_FILE_TOO_LARGE' ? 'resource' : 'input';
    throw new GlmError(kind, `cannot read ${what} ${path}: ${describeFsError(err)}`, { cause: err });
  }
  return decodeUtf8Strict(bytes, path);
}

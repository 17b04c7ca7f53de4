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
    const byte = bytes[offset]?.toString(16).padStart(2, '0') ?? 'end of file';
    throw new GlmError('input', `${source}: invalid UTF-8 at line ${line}, byte offset ${offset} (byte ${offset - lineStart} of the line: 0x${byte})`);
  }
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

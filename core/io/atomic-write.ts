/**
 * Write a file so that readers see either the old contents or the complete new contents, never a
 * half-written file: write a temporary file next to the target, fsync it, then rename it over the
 * target (rename within one directory is atomic on POSIX file systems and on NTFS).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GlmError, type ErrorKind } from '../errors.js';

/** fs.write takes at most 2 GiB - 1 per call; stay well below it. */
const MAX_WRITE_BYTES = 1 << 30;

/** Error codes that mean "the path you gave is unusable" rather than "the machine ran out of something". */
const PATH_ERRORS = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'EISDIR', 'EROFS', 'ENAMETOOLONG', 'ELOOP', 'EEXIST']);

const REASONS = new Map<string, string>([
  ['ENOENT', 'no such file or directory'],
  ['ENOTDIR', 'a component of the path is not a directory'],
  ['EACCES', 'permission denied'],
  ['EPERM', 'operation not permitted'],
  ['EISDIR', 'is a directory'],
  ['EROFS', 'read-only file system'],
  ['ENAMETOOLONG', 'file name too long'],
  ['ELOOP', 'too many symbolic links'],
  ['ENOSPC', 'no space left on device'],
  ['EDQUOT', 'disk quota exceeded'],
  ['EFBIG', 'file too large'],
  ['EMFILE', 'too many open files'],
  ['ENFILE', 'too many open files in the system'],
  ['EIO', 'input/output error'],
  ['ERR_FS_FILE_TOO_LARGE', 'file too large to read into memory (over 2 GiB)'],
]);

/** The error code of a Node.js file-system error, or undefined for anything else. */
export function fsErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A short, one-line reason for a file-system error (Node's own messages repeat the path). */
export function describeFsError(err: unknown): string {
  const code = fsErrorCode(err);
  if (code !== undefined) return REASONS.get(code) ?? code;
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}

export async function writeFileAtomic(path: string, chunks: Uint8Array | Uint8Array[]): Promise<void> {
  const list = chunks instanceof Uint8Array ? [chunks] : chunks;
  const dir = dirname(path);
  // Same directory, so the rename never crosses file systems. pid + random suffix keeps concurrent
  // writers (other processes, or other calls in this one) off each other's temp files; the base name
  // is shortened so the temp name stays under the usual 255-byte limit.
  const suffix = `${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const temp = join(dir, `.${basename(path).slice(0, 100)}.${suffix}`);
  let handle: FileHandle | undefined;
  let created = false;
  try {
    handle = await open(temp, 'wx'); // 'wx': fail rather than reuse or follow an existing name
    created = true;
    for (const chunk of list) await writeAll(handle, chunk);
    await handle.sync(); // data on disk before the rename makes it visible
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    if (created) await unlink(temp).catch(() => undefined);
    const code = fsErrorCode(err);
    if (code === undefined) throw err; // not an I/O failure (e.g. a bug in the caller): pass it on as is
    const kind: ErrorKind = PATH_ERRORS.has(code) ? 'usage' : 'resource';
    throw new GlmError(kind, `cannot write ${path}: ${describeFsError(err)}`, { cause: err });
  }
  await syncDirectory(dir);
}

export async function writeTextFileAtomic(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(text));
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const length = Math.min(chunk.byteLength - offset, MAX_WRITE_BYTES);
    const { bytesWritten } = await handle.write(chunk, offset, length);
    offset += bytesWritten;
  }
}

/**
 * Make the rename itself durable (on Linux the directory entry lives in the directory's own data).
 * Best effort: the file is already in place, and some platforms (Windows) cannot open directories.
 */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // ignored, see above
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

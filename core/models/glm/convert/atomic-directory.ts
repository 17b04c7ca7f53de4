/**
 * A directory that appears whole or not at all: everything is written into a temporary directory
 * beside the target (same file system, so the final rename is atomic) and renamed at the end; on any
 * failure the temporary directory is removed and the target never exists.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GlmError } from '../../../errors.js';
import { describeFsError } from '../../../io/atomic-write.js';

/** Checked before any expensive work: the target must not exist and its parent must. */
export async function checkNewDirectory(target: string): Promise<void> {
  const exists = await stat(target).then(() => true, () => false);
  if (exists) throw new GlmError('usage', `${target} already exists (glm convert never writes into an existing folder)`);
  const parent = await stat(dirname(target)).catch(() => undefined);
  if (!parent?.isDirectory()) throw new GlmError('usage', `cannot create ${target}: ${dirname(target)} is not a directory`);
}

export async function writeDirectoryAtomically<T>(target: string, fill: (tmp: string) => Promise<T>): Promise<T> {
  await checkNewDirectory(target);
  const tmp = join(dirname(target), `.${basename(target)}.partial-${process.pid}-${Date.now()}`);
  try {
    await mkdir(tmp);
  } catch (err) {
    throw new GlmError('input', `cannot create ${tmp}: ${describeFsError(err)}`);
  }
  try {
    const result = await fill(tmp);
    await rename(tmp, target);
    return result;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

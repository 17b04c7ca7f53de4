/**
 * Output and report paths are checked before any expensive work (loading a model, a conformance
 * run): a file that is already there is refused unless --overwrite is given, and the folder it goes
 * into must exist and be writable. The atomic write at the end can then fail only for reasons that
 * arise meanwhile (a full disk).
 */
import { accessSync, constants, statSync, readdirSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GlmError } from '../core/errors.js';

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function requireWritableFolder(flag: string, path: string, folder: string): void {
  const info = statOrUndefined(folder);
  if (!info) throw new GlmError('usage', `${flag} ${path}: the folder ${folder} does not exist`);
  if (!info.isDirectory()) throw new GlmError('usage', `${flag} ${path}: ${folder} is not a folder`);
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch {
    throw new GlmError('usage', `${flag} ${path}: the folder ${folder} is not writable`);
  }
}

/** A file the command will write: not there (or `overwrite`), not a folder, in a writable folder. */
export function checkOutputFile(flag: string, path: string, overwrite: boolean): void {
  const info = statOrUndefined(path);
  if (info?.isDirectory()) throw new GlmError('usage', `${flag} ${path}: is a folder, not a file`);
  if (info && !overwrite) throw new GlmError('usage', `${flag} ${path}: the file exists (--overwrite replaces it)`);
  requireWritableFolder(flag, path, dirname(resolve(path)));
}

/**
 * A folder the command writes files into (created if absent, with its parent): not a file; when
 * it exists, it must be writable, and files matching `ours` in it are refused unless `overwrite`.
 */
export function checkOutputFolder(flag: string, path: string, overwrite: boolean, ours: RegExp): void {
  const info = statOrUndefined(path);
  if (info && !info.isDirectory()) throw new GlmError('usage', `${flag} ${path}: is a file, not a folder`);
  if (!info) {
    let parent = dirname(resolve(path));
    while (!statOrUndefined(parent) && dirname(parent) !== parent) parent = dirname(parent);
    requireWritableFolder(flag, path, parent);
    return;
  }
  requireWritableFolder(flag, path, resolve(path));
  const existing = readdirSync(path).filter((name) => ours.test(name));
  if (existing.length > 0 && !overwrite) {
    throw new GlmError('usage', `${flag} ${path}: holds ${existing.length} earlier output file(s) such as ${existing[0]} (--overwrite replaces them)`);
  }
}

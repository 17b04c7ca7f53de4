/**
 * Finding and loading a family's native addon. Addons are built by explicit scripts, never at
 * install, so a missing one is an ordinary state that probe() reports with the reason.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type AddonLoad<A> = { readonly addon: A; readonly path: string } | { readonly addon: null; readonly reason: string };

/**
 * The source folder of the backend whose module is `moduleUrl` (its native/ and build folders live
 * there), whether the module runs from dist/backends/<name>/ or from the source tree.
 */
export function backendSourceFolder(moduleUrl: string): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const fromDist = resolve(here, '../../../backends', basename(here));
  return existsSync(join(fromDist, 'native')) ? fromDist : here;
}

/**
 * The addon at `path` (uncached), or why it cannot be: `notBuilt` when there is no such file,
 * `failed` given the first line of the loader's error otherwise.
 */
export function loadAddonFile<A>(path: string, reasons: { readonly notBuilt: string; failed(message: string): string }): AddonLoad<A> {
  if (!existsSync(path)) return { addon: null, reason: reasons.notBuilt };
  try {
    return { addon: createRequire(import.meta.url)(path) as A, path };
  } catch (e) {
    return { addon: null, reason: reasons.failed((e as Error).message.split('\n')[0] ?? '') };
  }
}

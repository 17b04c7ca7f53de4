/**
 * The folder of the installed glm-sdk package (where models/, tasks/ and conformance data live).
 * Found by walking up from this module, so it is the same from the TypeScript sources (tests) and
 * from the compiled dist/ tree.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'glm-sdk') return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('glm-sdk: cannot find the package root (no package.json named glm-sdk above this module)');
    dir = parent;
  }
}

/** `glm new-backend NAME [--dir DIR]`: a standalone backend plugin package to start from. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GlmError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import { sdkVersion } from '../conformance/provenance.js';
import { kitFiles, kitNames, kitTemplates } from './plugin-kit.js';
import { HELP_OPTION, withUsageErrors } from './parse.js';

export const NEW_BACKEND_HELP = `Usage: glm new-backend NAME [--dir DIR]

Writes a standalone backend plugin package, glm-backend-NAME, to start a new backend from: the
skeleton as index.js (plain JavaScript importing only glm-sdk/plugin; every op "unimplemented"),
conformance.yaml, a package.json with a peer dependency on glm-sdk and probe/conformance scripts,
a README and .github/workflows/conformance.yml. Load it with --backend ./DIR/index.js, or by its
package name once installed (docs/plugin-guide.md).

Options:
  --dir DIR    where to write it (default ./glm-backend-NAME); must not exist or be empty
  -h, --help   this text`;

/** The destination must be new (or an empty folder): nothing of the user's is ever overwritten. */
function checkDestination(dir: string): void {
  if (!existsSync(dir)) {
    if (!existsSync(dirname(dir))) throw new GlmError('usage', `glm new-backend: cannot write ${dir}: its parent folder does not exist`);
    return;
  }
  if (!statSync(dir).isDirectory()) throw new GlmError('usage', `glm new-backend: ${dir} exists and is not a folder`);
  if (readdirSync(dir).length > 0) throw new GlmError('usage', `glm new-backend: ${dir} exists and is not empty (choose another --dir)`);
}

/** All files into a temporary sibling folder, then one rename: the package appears whole or not at all. */
async function writePackage(dir: string, files: ReadonlyMap<string, string>): Promise<void> {
  const staging = `${dir}.partial-${process.pid}`;
  try {
    for (const [path, text] of files) {
      await mkdir(dirname(join(staging, path)), { recursive: true });
      await writeFile(join(staging, path), text);
    }
    if (existsSync(dir)) await rmdir(dir); // empty (checked): rename cannot replace a folder on every system
    await rename(staging, dir);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    throw new GlmError(code === 'ENOSPC' || code === 'EDQUOT' ? 'resource' : 'input', `glm new-backend: cannot write ${dir}: ${code ?? (e as Error).message}`);
  }
}

export async function newBackendCommand(args: string[]): Promise<number> {
  const { values: v, positionals } = withUsageErrors('new-backend', () =>
    parseArgs({ args, options: { dir: { type: 'string' }, ...HELP_OPTION }, allowPositionals: true, strict: true }),
  );
  if (v.help) return console.log(NEW_BACKEND_HELP), 0;
  if (positionals.length !== 1) throw new GlmError('usage', 'glm new-backend needs exactly one NAME (see glm new-backend --help)');
  const names = kitNames(positionals[0]!);
  const dir = resolve(v.dir ?? names.packageName);
  checkDestination(dir);
  const root = packageRoot();
  await writePackage(dir, kitFiles(names, sdkVersion(root), kitTemplates(root)));
  console.log(`glm new-backend: wrote ${names.packageName} (backend "${names.backend}") to ${dir}`);
  console.log(`  probe it:        cd ${dir} && npm install && npm run probe`);
  console.log(`  certify it:      npm run conformance`);
  return 0;
}

/**
 * Where the CANN libraries are: the one place that knows a real CANN install from the emulator.
 * Everything after discovery (loading, binding, every call) is the same code for both; only the
 * directory and the execution label this module returns differ.
 *
 * Order: GLM_ASCEND_EMULATOR=1 selects the emulator explicitly (a host with CANN can still run it);
 * GLM_ASCEND_LIB_DIR names a lib64 directory; then real CANN through ASCEND_HOME_PATH,
 * ASCEND_TOOLKIT_HOME and the default install path, each with its lib64/, aarch64-linux/lib64/ and
 * x86_64-linux/lib64/; then the emulator's build/lib64 when no CANN is found.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACL_LIBRARY_FILES } from './abi.js';

export type LibrarySource = 'cann' | 'emulator';

export interface AclLibrarySet {
  /** The lib64 directory every library is loaded from. */
  readonly dir: string;
  readonly source: LibrarySource;
  /** The op libraries: the monolithic libopapi.so alone, or the split libopapi_*.so (never both). */
  readonly opapiFiles: readonly string[];
  /** The CANN directories looked in before this one was chosen (for the emulator's label). */
  readonly looked: readonly string[];
}

export type Discovery = { readonly found: AclLibrarySet } | { readonly missing: string; readonly looked: readonly string[] };

const DEFAULT_TOOLKIT = '/usr/local/Ascend/ascend-toolkit/latest';
const LIB_SUBDIRS = ['lib64', 'aarch64-linux/lib64', 'x86_64-linux/lib64'];

/** The repository folder holding backends/ascend/emulator, from the source tree or from dist/. */
function emulatorLibDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'backends', 'ascend', 'emulator');
    // The source folder (dist/ holds a compiled copy of the folder's scripts, without the build).
    if (existsSync(join(candidate, 'CMakeLists.txt'))) return join(candidate, 'build', 'lib64');
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'emulator', 'build', 'lib64');
}

export const EMULATOR_LIB_DIR = emulatorLibDir();

/** The op libraries of `dir`: libopapi.so if present (the split ones are then ignored), else libopapi_*.so. */
function opapiFilesIn(dir: string): string[] {
  const monolithic = join(dir, ACL_LIBRARY_FILES.opapi);
  if (existsSync(monolithic)) return [monolithic];
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => /^libopapi_[A-Za-z0-9_]+\.so$/.test(n));
  } catch {
    return [];
  }
  return names.sort().map((n) => join(dir, n));
}

/** What `dir` lacks of a CANN lib64, or null when it has everything. */
function lacking(dir: string): string | null {
  for (const file of [ACL_LIBRARY_FILES.ascendcl, ACL_LIBRARY_FILES.nnopbase]) {
    if (!existsSync(join(dir, file))) return `no ${file} in ${dir}`;
  }
  return opapiFilesIn(dir).length === 0 ? `no libopapi.so or libopapi_*.so in ${dir}` : null;
}

/** The emulator writes build/version.info with an `emulator=` line beside its lib64/. */
function isEmulatorDir(dir: string): boolean {
  const info = join(dir, '..', 'version.info');
  return existsSync(info) && /^emulator=/m.test(readFileSync(info, 'utf8'));
}

/** The CANN lib64 directories to try, in order, from the environment and the default install. */
export function cannCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const roots = [env['ASCEND_HOME_PATH'], env['ASCEND_TOOLKIT_HOME'], DEFAULT_TOOLKIT].filter((r): r is string => !!r);
  const dirs = [...new Set(roots)].flatMap((root) => LIB_SUBDIRS.map((sub) => join(root, sub)));
  return [...new Set(dirs)];
}

function librarySet(dir: string, looked: readonly string[]): AclLibrarySet {
  return { dir, source: isEmulatorDir(dir) ? 'emulator' : 'cann', opapiFiles: opapiFilesIn(dir), looked };
}

function emulator(looked: readonly string[], why: string): Discovery {
  const problem = lacking(EMULATOR_LIB_DIR);
  if (problem === null) return { found: { ...librarySet(EMULATOR_LIB_DIR, looked), source: 'emulator' } };
  return { missing: `${why}; the emulator is not built (npm run build:ascend-emu)`, looked };
}

/** Finds the libraries to load, or says exactly what is missing. */
export function discoverLibraries(env: NodeJS.ProcessEnv = process.env): Discovery {
  if (env['GLM_ASCEND_EMULATOR'] === '1') return emulator([], 'GLM_ASCEND_EMULATOR=1 selects the emulator');
  const explicit = env['GLM_ASCEND_LIB_DIR'];
  if (explicit) {
    const problem = lacking(explicit);
    return problem === null ? { found: librarySet(explicit, []) } : { missing: `GLM_ASCEND_LIB_DIR: ${problem}`, looked: [explicit] };
  }
  const looked = cannCandidates(env);
  const dir = looked.find((d) => lacking(d) === null);
  if (dir) return { found: librarySet(dir, looked.slice(0, looked.indexOf(dir))) };
  return emulator(looked, `no CANN at ${looked.join(', ')}`);
}

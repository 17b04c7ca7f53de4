/**
 * The CANN C ABI bound through koffi: the libraries loaded in CANN's order (libnnopbase, then the op
 * libraries with RTLD_GLOBAL — koffi's `global: true` — so they resolve each other's symbols, then
 * libascendcl), and every function of the ABI table (abi.ts) bound from its prototype. A symbol is
 * looked up in its own library first and then in the others, since CANN releases move functions
 * between libraries. The same code binds a real CANN lib64 and the emulator's: discovery.ts chose
 * the directory, and nothing here asks which it is.
 */
import koffi, { type LibraryHandle } from 'koffi';
import { basename, join } from 'node:path';
import { ACL_FUNCTIONS, ACL_LIBRARY_FILES, ACL_LOAD_ORDER, type AclLibrary } from './abi.js';
import type { AclLibrarySet } from './discovery.js';
import { declareAclTypes } from './koffi-types.js';

export type AclFn = (...args: unknown[]) => unknown;

export interface AclBinding {
  readonly libraries: AclLibrarySet;
  /** Every function of the ABI table by name; one whose symbol is missing throws when called. */
  readonly fn: Readonly<Record<string, AclFn>>;
  /** Functions whose symbol no loaded library exports, with where they were looked for. */
  readonly missing: ReadonlyMap<string, string>;
}

interface LoadedLibrary {
  readonly library: AclLibrary;
  readonly file: string;
  readonly handle: LibraryHandle;
}

const OPTIONAL_LIBRARIES: ReadonlySet<AclLibrary> = new Set(['hccl']);

function filesOf(library: AclLibrary, set: AclLibrarySet): string[] {
  return library === 'opapi' ? [...set.opapiFiles] : [join(set.dir, ACL_LIBRARY_FILES[library])];
}

function loadInOrder(set: AclLibrarySet): LoadedLibrary[] {
  const loaded: LoadedLibrary[] = [];
  for (const { library, global } of ACL_LOAD_ORDER) {
    for (const file of filesOf(library, set)) {
      try {
        loaded.push({ library, file, handle: koffi.load(file, { global }) });
      } catch (e) {
        // The collective library only serves tensor parallelism: without it its functions are
        // reported missing (openRanks says so) and every single-rank use still works.
        if (OPTIONAL_LIBRARIES.has(library)) continue;
        throw new Error(`loading ${file} failed: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  return loaded;
}

/** Its own library's handles first, then every other. */
function searchOrder(library: AclLibrary, loaded: readonly LoadedLibrary[]): LoadedLibrary[] {
  return [...loaded.filter((l) => l.library === library), ...loaded.filter((l) => l.library !== library)];
}

function bindOne(prototype: string, candidates: readonly LoadedLibrary[]): AclFn | null {
  for (const lib of candidates) {
    try {
      return lib.handle.func(prototype) as AclFn;
    } catch {
      // not exported by this library: try the next
    }
  }
  return null;
}

let cached: AclBinding | null = null;

/** Loads and binds the libraries of `set` (once per process: CANN's state is per process). */
export function bindAcl(set: AclLibrarySet): AclBinding {
  if (cached) {
    if (cached.libraries.dir !== set.dir) throw new Error(`CANN is already bound from ${cached.libraries.dir} in this process; cannot bind ${set.dir} too`);
    return cached;
  }
  declareAclTypes();
  const loaded = loadInOrder(set);
  const fn: Record<string, AclFn> = {};
  const missing = new Map<string, string>();
  for (const f of ACL_FUNCTIONS) {
    const bound = bindOne(f.prototype, searchOrder(f.library, loaded));
    if (bound) {
      fn[f.name] = bound;
      continue;
    }
    const where = loaded.map((l) => basename(l.file)).join(', ');
    missing.set(f.name, where);
    fn[f.name] = () => {
      throw new Error(`${f.name} (${f.header}) is exported by none of ${where}`);
    };
  }
  cached = { libraries: set, fn, missing };
  return cached;
}

/**
 * The layering rules of docs/architecture.md as data, and a checker over import edges. Kept apart
 * from the test so the test can feed it a broken tree on purpose (a checker that cannot fail is no
 * check).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportEdge {
  /** Importing file, relative to the repository root, with '/' separators. */
  readonly from: string;
  /** Imported file, the same way ('.js' specifiers name their '.ts' source). */
  readonly to: string;
}

/** Backends that belong to the SIMT family and may use backends/simt. */
const SIMT_FAMILY = new Set(['cuda', 'rocm-dcu']);
/** Shared backend layers: no backend's own code. */
const SHARED_BACKEND_LAYERS = new Set(['program', 'simt']);

function layerOf(path: string): string {
  return path.split('/')[0]!;
}

function backendOf(path: string): string | null {
  const parts = path.split('/');
  return parts[0] === 'backends' && parts.length > 2 ? parts[1]! : null;
}

/** Why an edge breaks the layering, or null when it is allowed. */
export function violation({ from, to }: ImportEdge): string | null {
  const fromLayer = layerOf(from);
  const toLayer = layerOf(to);
  if (toLayer === 'cli' && fromLayer !== 'cli') return 'only cli/ (and bin/) may import the command-line program';
  if (toLayer === 'sdk' && fromLayer !== 'sdk' && fromLayer !== 'cli') return 'only cli/ may import the library API (sdk/ sits above core, backends and conformance)';
  if (fromLayer === 'sdk') {
    if (toLayer === 'core' || toLayer === 'conformance' || toLayer === 'sdk') return null;
    // Backends are reached by name through the registry, never by their modules.
    return to === 'backends/registry.ts' ? null : `sdk imports ${to}: it may import core, conformance and backends/registry.ts only`;
  }
  if (fromLayer === 'core') {
    return toLayer === 'core' ? null : `core imports ${toLayer}/: core must import no backend, conformance or cli code`;
  }
  if (fromLayer === 'conformance') {
    if (toLayer === 'core' || toLayer === 'conformance') return null;
    // The oracle: conformance compares every backend with cpu-ref.
    if (to.startsWith('backends/cpu-ref/')) return null;
    return `conformance imports ${to}: it may import core and the cpu-ref oracle only`;
  }
  if (fromLayer === 'backends') {
    if (toLayer === 'core') return null;
    if (toLayer !== 'backends') return `a backend imports ${toLayer}/`;
    const fromBackend = backendOf(from);
    const toBackend = backendOf(to);
    // backends/registry.ts is the table of built-ins: it may load each backend's entry module.
    if (fromBackend === null) return to.endsWith('/index.ts') ? null : `${from} reaches into ${to}: only backends' index modules`;
    if (toBackend === fromBackend) return null;
    if (toBackend === 'program') return null;
    if (toBackend === 'simt') {
      if (fromBackend === 'program') return 'backends/program is device-neutral: it must not import the SIMT family';
      return SIMT_FAMILY.has(fromBackend) ? null : `${fromBackend} is not a SIMT backend: it must not import backends/simt`;
    }
    if (SHARED_BACKEND_LAYERS.has(fromBackend!)) return `backends/${fromBackend} imports the backend ${toBackend}`;
    return `backend ${fromBackend} imports another backend's internals (${to})`;
  }
  return null;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('build')) continue;
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every relative import of the layered folders' TypeScript and JavaScript sources. */
export function importEdges(root: string, layers: readonly string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const layer of layers) {
    for (const file of sourceFiles(join(root, layer))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(SPECIFIER)) {
        const target = resolve(dirname(file), match[1]!).replace(/\.js$/, '.ts');
        edges.push({ from: relative(root, file).split('\\').join('/'), to: relative(root, target).split('\\').join('/') });
      }
    }
  }
  return edges;
}

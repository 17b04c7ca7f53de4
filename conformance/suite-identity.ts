/**
 * The suite's identity: a sha256 over what decides every selected case's verdict — its id, the seed its
 * inputs are drawn from (seedOf(id)), the inputs themselves (dtype, shape and a digest of the bytes, so
 * a changed generator changes the identity) and its tolerance (generation cases: exact tokens).
 * A report records it; `glm conformance --verify` recomputes it for the report's cases.
 */
import { createHash } from 'node:crypto';
import type { ConformanceCase, GraphCaseInstance } from './case.js';
import { seedOf } from './seeded.js';

export interface CaseFingerprint {
  readonly id: string;
  readonly seed: number;
  /** Graph cases: the tolerance; generation cases: none (tokens must match exactly). */
  readonly tolerance?: { readonly nmse: number; readonly worstEps: number };
  /** sha256 (hex, first 16) of the inputs' dtypes, shapes and bytes; generation cases: none. */
  readonly inputs?: string;
}

export interface SuiteIdentity {
  /** sha256 (hex) over the fingerprints of the selected cases, in id order. */
  readonly hash: string;
  readonly cases: number;
}

/** Builds a graph case's inputs to fingerprint them (the runner passes the instance it built instead). */
export function fingerprintOf(c: ConformanceCase, built?: GraphCaseInstance): CaseFingerprint {
  const seed = seedOf(c.id);
  if (c.kind !== 'graph') return { id: c.id, seed }; // generation and fault cases: no inputs, no tolerance
  const instance = built ?? c.build();
  const h = createHash('sha256');
  for (const name of Object.keys(instance.inputs).sort()) {
    const t = instance.inputs[name]!;
    h.update(`${name}:${t.dtype}:${t.shape.join('x')}:`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return { id: c.id, seed, tolerance: { nmse: instance.tolerance.nmse, worstEps: instance.tolerance.worstEps }, inputs: h.digest('hex').slice(0, 16) };
}

function line(f: CaseFingerprint): string {
  const tol = f.tolerance ? `${f.tolerance.nmse}:${f.tolerance.worstEps}` : 'tokens-exact';
  return `${f.id}\t${f.seed}\t${f.inputs ?? '-'}\t${tol}\n`;
}

export function identityOf(fingerprints: readonly CaseFingerprint[]): SuiteIdentity {
  const h = createHash('sha256');
  for (const f of [...fingerprints].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) h.update(line(f));
  return { hash: h.digest('hex'), cases: fingerprints.length };
}

/** Known fingerprints (the run's, by id) are reused; the rest are computed. */
export function suiteIdentity(cases: readonly ConformanceCase[], known: ReadonlyMap<string, CaseFingerprint> = new Map()): SuiteIdentity {
  return identityOf(cases.map((c) => known.get(c.id) ?? fingerprintOf(c)));
}

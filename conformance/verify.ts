/**
 * Was a report produced by this suite? Recomputes the suite identity for the report's cases and checks
 * every result's tolerance against this suite's, naming the cases that differ.
 */
import type { ConformanceCase } from './case.js';
import { selectCases } from './catalogue.js';
import type { ConformanceReport } from './reports/report.js';
import { fingerprintOf, identityOf, type CaseFingerprint } from './suite-identity.js';

export type Verification =
  | { readonly verdict: 'unverifiable'; readonly message: string }
  | {
      readonly verdict: 'match' | 'mismatch';
      readonly recorded: string;
      readonly recomputed: string;
      /** Selected by the report's filter in this suite, but not in the report. */
      readonly missingFromReport: readonly string[];
      /** In the report, unknown to this suite. */
      readonly unknownHere: readonly string[];
      /** Tolerance recorded in the report differs from this suite's. */
      readonly differentTolerance: readonly { id: string; report: string; here: string }[];
    };

const tol = (t: { nmse: number; worstEps: number }) => `nmse ${t.nmse}, worst ${t.worstEps} ε`;

export function verifyReport(report: ConformanceReport, catalogue: readonly ConformanceCase[]): Verification {
  const identity = report.identity;
  if (!identity) return { verdict: 'unverifiable', message: 'unverifiable: made before suite identities' };
  const byId = new Map(catalogue.map((c) => [c.id, c]));
  const reportIds = report.results.map((r) => r.id);
  const unknownHere = reportIds.filter((id) => !byId.has(id));
  const reportSet = new Set(reportIds);
  const selected = selectCases(catalogue, { filter: identity.selection.filter, caseIds: identity.selection.cases });
  const missingFromReport = selected.map((c) => c.id).filter((id) => !reportSet.has(id));
  const fingerprints = new Map<string, CaseFingerprint>();
  for (const id of reportIds) {
    const c = byId.get(id);
    if (c) fingerprints.set(id, fingerprintOf(c));
  }
  const differentTolerance: { id: string; report: string; here: string }[] = [];
  for (const r of report.results) {
    const here = fingerprints.get(r.id)?.tolerance;
    if (!here || !r.tolerance) continue;
    if (r.tolerance.nmse !== here.nmse || r.tolerance.worstEps !== here.worstEps) differentTolerance.push({ id: r.id, report: tol(r.tolerance), here: tol(here) });
  }
  // Unknown ids cannot be fingerprinted here: the recomputed hash then cannot match, as it should not.
  const recomputed = unknownHere.length > 0 ? `(${unknownHere.length} unknown case${unknownHere.length === 1 ? '' : 's'})` : identityOf([...fingerprints.values()]).hash;
  const ok = recomputed === identity.suite.hash && unknownHere.length === 0 && missingFromReport.length === 0 && differentTolerance.length === 0;
  return { verdict: ok ? 'match' : 'mismatch', recorded: identity.suite.hash, recomputed, missingFromReport, unknownHere, differentTolerance };
}

export function renderVerification(v: Verification, path: string): string {
  if (v.verdict === 'unverifiable') return `${path}: ${v.message}`;
  if (v.verdict === 'match') return `${path}: produced by this suite (identity ${v.recorded.slice(0, 16)}…)`;
  const lines = [`${path}: NOT produced by this suite version (identity ${v.recorded.slice(0, 16)}…, recomputed here ${v.recomputed.slice(0, 16)}…)`];
  const list = (label: string, ids: readonly string[]) => {
    if (ids.length === 0) return;
    lines.push(`  ${label} (${ids.length}):`);
    for (const id of ids.slice(0, 50)) lines.push(`    ${id}`);
    if (ids.length > 50) lines.push(`    … and ${ids.length - 50} more`);
  };
  list('missing here (this suite selects them, the report lacks them)', v.missingFromReport);
  list('unknown here (in the report, not in this suite)', v.unknownHere);
  if (v.differentTolerance.length > 0) {
    lines.push(`  different tolerance (${v.differentTolerance.length}):`);
    for (const d of v.differentTolerance.slice(0, 50)) lines.push(`    ${d.id}: report ${d.report}; here ${d.here}`);
  }
  if (v.missingFromReport.length + v.unknownHere.length + v.differentTolerance.length === 0) {
    lines.push('  the cases and tolerances agree, but the inputs or the recorded hash differ (a changed input generator, or an edited identity)');
  }
  return lines.join('\n');
}

/** The suite identity recorded in reports, and --verify: accepts an untouched report, names edited cases. */
import { describe, expect, it } from 'vitest';
import { allCases, selectCases } from '../../conformance/catalogue.js';
import { gitCommit, sdkVersion } from '../../conformance/provenance.js';
import { fingerprintOf, identityOf, suiteIdentity } from '../../conformance/suite-identity.js';
import { renderVerification, verifyReport } from '../../conformance/verify.js';
import { countStatuses, type ConformanceReport } from '../../conformance/reports/report.js';
import type { CaseResult } from '../../conformance/runner.js';
import { seedOf } from '../../conformance/seeded.js';

const catalogue = allCases();
const filter = 'op/gelu/f32/*';
const selected = selectCases(catalogue, { filter });

function reportFor(): ConformanceReport {
  const results: CaseResult[] = selected.map((c) => {
    const f = fingerprintOf(c);
    return { id: c.id, level: c.level, subject: c.subject, dtype: c.dtype, composites: c.composites, status: 'pass', nmse: 0, worstEps: 0, tolerance: f.tolerance!, seconds: 0 };
  });
  return {
    tool: 'glm-sdk conformance', version: sdkVersion(), date: '2026-12-07T00:00:00.000Z', backend: 'cpu-ref', device: 'cpu', execution: 'reference',
    host: 'test', filter, perf: false, seconds: 0, counts: countStatuses(results), results,
    identity: { suite: suiteIdentity(selected), selection: { filter }, sdkVersion: sdkVersion(), commit: gitCommit(), backendVersion: 'cpu', device: 'cpu', execution: 'reference' },
  };
}

describe('suite identity', () => {
  it('is a sha256 over ids, seeds, inputs and tolerances, independent of order', () => {
    expect(selected.length).toBeGreaterThan(3);
    const id = suiteIdentity(selected);
    expect(id.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(id.cases).toBe(selected.length);
    expect(suiteIdentity([...selected].reverse()).hash).toBe(id.hash);
    const fps = selected.map((c) => fingerprintOf(c));
    expect(fps[0]!.seed).toBe(seedOf(selected[0]!.id));
    expect(identityOf(fps.map((f, i) => (i === 0 ? { ...f, tolerance: { ...f.tolerance!, worstEps: f.tolerance!.worstEps + 1 } } : f))).hash).not.toBe(id.hash);
    expect(identityOf(fps.map((f, i) => (i === 0 ? { ...f, inputs: '0000000000000000' } : f))).hash).not.toBe(id.hash);
    expect(identityOf(fps.slice(1)).hash).not.toBe(id.hash);
  });

  it('reads the SDK version from package.json and the commit from .git without running git', () => {
    expect(sdkVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(gitCommit()).toMatch(/^([0-9a-f]{40}|unknown)$/);
  });
});

describe('--verify', () => {
  it('accepts a report produced by this suite', () => {
    const v = verifyReport(reportFor(), catalogue);
    expect(v.verdict).toBe('match');
    expect(renderVerification(v, 'r.json')).toContain('produced by this suite');
  });

  it('names the case whose tolerance was edited', () => {
    const r = reportFor();
    const edited = { ...r, results: r.results.map((x, i) => (i === 2 ? { ...x, tolerance: { ...x.tolerance!, worstEps: x.tolerance!.worstEps * 2 } } : x)) };
    const v = verifyReport(edited, catalogue);
    expect(v.verdict).toBe('mismatch');
    if (v.verdict !== 'mismatch') return;
    expect(v.differentTolerance.map((d) => d.id)).toEqual([selected[2]!.id]);
    expect(renderVerification(v, 'r.json')).toContain(`different tolerance (1):\n    ${selected[2]!.id}`);
  });

  it('names cases unknown here and cases missing from the report', () => {
    const r = reportFor();
    const renamed = { ...r, results: r.results.map((x, i) => (i === 0 ? { ...x, id: 'op/gelu/f32/no-such-shape' } : x)) };
    const v = verifyReport(renamed, catalogue);
    expect(v.verdict).toBe('mismatch');
    if (v.verdict !== 'mismatch') return;
    expect(v.unknownHere).toEqual(['op/gelu/f32/no-such-shape']);
    expect(v.missingFromReport).toEqual([selected[0]!.id]);
  });

  it('rejects an edited identity hash, and calls a report without identity unverifiable', () => {
    const r = reportFor();
    expect(verifyReport({ ...r, identity: { ...r.identity!, suite: { ...r.identity!.suite, hash: '0'.repeat(64) } } }, catalogue).verdict).toBe('mismatch');
    const { identity: _, ...old } = r;
    const v = verifyReport(old, catalogue);
    expect(v.verdict).toBe('unverifiable');
    expect(renderVerification(v, 'old.json')).toBe('old.json: unverifiable: made before suite identities');
  });
});

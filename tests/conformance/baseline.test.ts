/** Baseline gating on synthetic reports: regressions, disappeared cases, timing noise, error growth, --strict. */
import { describe, expect, it } from 'vitest';
import { baselineFails, compareWithBaseline, renderBaselineComparison } from '../../conformance/baseline.js';
import type { CaseResult, CaseStatus } from '../../conformance/runner.js';
import { countStatuses, type ConformanceReport } from '../../conformance/reports/report.js';

function result(id: string, status: CaseStatus, extra: Partial<CaseResult> = {}): CaseResult {
  return { id, level: 'op', subject: 'gelu', dtype: 'f32', composites: 'as-built', status, worstEps: 0.5, nmse: 1e-16, tolerance: { nmse: 1e-12, worstEps: 32 }, seconds: 0.001, ...extra };
}

function report(results: CaseResult[], perf = false): ConformanceReport {
  return {
    tool: 'glm-sdk conformance', version: '0.1.0', date: '2026-12-07T00:00:00.000Z', backend: 'cpu-ref', device: 'cpu', execution: 'reference',
    host: 'test', perf, seconds: 1, counts: countStatuses(results), results,
  };
}

const ids = ['op/gelu/f32/a', 'op/gelu/f32/b', 'op/gelu/f32/c', 'op/gelu/f32/d'];
const base = report(ids.map((id) => result(id, 'pass')));

describe('baseline gating', () => {
  it('an identical run has no regressions', () => {
    const c = compareWithBaseline(base, base);
    expect(c.compared).toBe(4);
    expect(baselineFails(c, true)).toBe(false);
    expect(renderBaselineComparison(c, 'b.json', false)).toContain('no regressions against the baseline');
  });

  it('flags pass → fail / unsupported / mistrusted and disappeared cases as regressions (mutation: one case flipped)', () => {
    const next = report([result(ids[0]!, 'fail', { detail: 'nmse too large' }), result(ids[1]!, 'unsupported'), result(ids[2]!, 'mistrusted')]);
    const c = compareWithBaseline(base, next);
    expect(c.regressions.map((r) => [r.id, r.kind, r.to])).toEqual([
      [ids[0], 'status', 'fail'], [ids[1], 'status', 'unsupported'], [ids[2], 'status', 'mistrusted'], [ids[3], 'disappeared', undefined],
    ]);
    expect(baselineFails(c, false)).toBe(true);
    const table = renderBaselineComparison(c, 'b.json', false);
    expect(table).toContain('REGRESSIONS (4):');
    expect(table).toMatch(/op\/gelu\/f32\/a\s+pass → fail/);
    expect(table).toMatch(/op\/gelu\/f32\/d\s+pass → \(disappeared\)/);
  });

  it('a baseline with one case flipped to fail shows the run as an improvement, not a failure', () => {
    const flipped = report(base.results.map((r, i) => (i === 1 ? { ...r, status: 'fail' as const } : r)));
    const c = compareWithBaseline(flipped, base);
    expect(c.improvements.map((r) => r.id)).toEqual([ids[1]]);
    expect(baselineFails(c, true)).toBe(false);
    // …and the other way round: the flipped report compared against the clean baseline regresses.
    const back = compareWithBaseline(base, flipped);
    expect(back.regressions.map((r) => `${r.id} ${r.from}→${r.to}`)).toEqual([`${ids[1]} pass→fail`]);
  });

  it('lists new cases without failing, and ignores baseline cases outside the selection', () => {
    const next = report([...base.results.slice(0, 2), result('op/gelu/f32/e', 'pass')]);
    const c = compareWithBaseline(base, next, (id) => id <= ids[1]! || id === 'op/gelu/f32/e');
    expect(c.newCases.map((r) => r.id)).toEqual(['op/gelu/f32/e']);
    expect(c.outsideSelection).toBe(2);
    expect(baselineFails(c, true)).toBe(false);
  });

  it('flags a passing case whose max error grew more than 4×; --strict makes it a failure', () => {
    const next = report(base.results.map((r, i) => (i === 0 ? { ...r, worstEps: 2.1 } : i === 1 ? { ...r, worstEps: 1.9 } : r)));
    const c = compareWithBaseline(base, next);
    expect(c.drift.map((d) => d.id)).toEqual([ids[0]]); // 0.5 → 2.1 is ×4.2; 0.5 → 1.9 is ×3.8
    expect(c.regressions).toEqual([]);
    expect(baselineFails(c, false)).toBe(false);
    expect(baselineFails(c, true)).toBe(true);
    expect(renderBaselineComparison(c, 'b.json', true)).toContain('DRIFT (a failure with --strict) (1):');
  });

  it('with --perf in both, fails cases slower than max(10 %, 3 × the runs\' spread)', () => {
    const perf = (medianMs: number, spreadMs: number) => ({ perf: { medianMs, spreadMs, bytes: 1, flops: 1, gbPerSecond: 1, tflopPerSecond: 1 } });
    const b = report([result(ids[0]!, 'pass', perf(1, 0.01)), result(ids[1]!, 'pass', perf(1, 0.1)), result(ids[2]!, 'pass', perf(1, 0.01))], true);
    const n = report([result(ids[0]!, 'pass', perf(1.15, 0.01)), result(ids[1]!, 'pass', perf(1.25, 0.1)), result(ids[2]!, 'pass', perf(1.08, 0.01))], true);
    const c = compareWithBaseline(b, n);
    // a: +15 % > max(10 %, 3 × 1 %); b: +25 % < 3 × 10 % spread; c: +8 % < 10 %.
    expect(c.regressions.map((r) => [r.id, r.kind])).toEqual([[ids[0], 'slower']]);
    // Without --perf on one side, timings are not compared.
    expect(compareWithBaseline(b, { ...n, perf: false }).regressions).toEqual([]);
  });
});

/**
 * Reports and matrices say whether a backend ran a composite op with a kernel of its own or through
 * its decomposition (issue 27: "the conformance matrix shows which"). cpu-ref claims rms-norm and
 * swiglu whole; a cpu-ref that refuses them (as a backend without those kernels does) runs their
 * decompositions. Each case result's `ran` must follow the lowering, and the matrix cell must say it.
 */
import { describe, expect, it } from 'vitest';
import { plugin as cpuRef } from '../../backends/cpu-ref/index.js';
import { unsupported } from '../../core/backend-api/capability.js';
import type { Backend } from '../../core/backend-api/plugin-contract.js';
import { allCases, selectCases } from '../../conformance/catalogue.js';
import { NO_EXPECTED_FAILURES } from '../../conformance/expected-failures.js';
import { renderMatrix } from '../../conformance/reports/markdown.js';
import { countStatuses, type ConformanceReport } from '../../conformance/reports/report.js';
import { runCase, type CaseResult } from '../../conformance/runner.js';

const CASES = 'op/rms-norm/f32/glm-family-3x7-*,op/swiglu/f32/glm-family-5x34*,op/layer-norm/f32/3x7-*';

/** cpu-ref without kernels for the pre-norm family's ops: it refuses them, so they are decomposed. */
async function withoutFamilyKernels(): Promise<Backend> {
  const inner = await cpuRef.open();
  return {
    ...inner,
    name: 'cpu-ref-without-family-kernels',
    supports: (view) => (view.node.op === 'rms-norm' || view.node.op === 'swiglu' ? unsupported('no kernel for it (test)') : inner.supports(view)),
  };
}

async function run(target: Backend): Promise<CaseResult[]> {
  const reference = await cpuRef.open();
  const cases = selectCases(allCases(), { filter: CASES });
  const results: CaseResult[] = [];
  for (const c of cases) results.push(await runCase(c, reference, target, { backendSpec: target.name, expected: NO_EXPECTED_FAILURES, perfRuns: 0 }));
  return results;
}

function report(backend: string, results: CaseResult[]): ConformanceReport {
  return {
    tool: 'glm-sdk conformance', version: '0', date: '2026-12-07T00:00:00.000Z', backend, device: 'test', execution: 'reference', host: 'test',
    perf: false, seconds: 0, counts: countStatuses(results), results,
  };
}

describe('native or decomposed, per case and in the matrix', async () => {
  const native = await run(await cpuRef.open());
  const refused = await run(await withoutFamilyKernels());
  const family = (rs: CaseResult[]) => rs.filter((r) => r.subject !== 'layer-norm');

  it('selects both family ops in both composite modes, and a primitive', () => {
    expect(new Set(native.map((r) => `${r.subject} ${r.composites}`))).toEqual(
      new Set(['rms-norm as-built', 'rms-norm decomposed', 'swiglu as-built', 'swiglu decomposed', 'layer-norm as-built']),
    );
    expect([...native, ...refused].filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.status} ${r.detail ?? ''}`)).toEqual([]);
  });

  it('records native for a composite the backend claims as built, decomposed where forced or refused', () => {
    for (const r of family(native)) expect(r.ran, r.id).toBe(r.composites === 'as-built' ? 'native' : 'decomposed');
    for (const r of family(refused)) expect(r.ran, r.id).toBe('decomposed');
  });

  it('records nothing for a primitive (it has no decomposition)', () => {
    for (const r of [...native, ...refused].filter((x) => x.subject === 'layer-norm')) expect(r.ran).toBeUndefined();
  });

  it('shows it in the matrix cell of each backend', () => {
    const matrix = renderMatrix([report('cpu-ref', native), report('no-kernels', refused)]);
    const row = (subject: string) => matrix.split('\n').find((l) => l.startsWith(`| op: ${subject} |`))!.split('|').map((c) => c.trim());
    expect(row('rms-norm').slice(2, 4)).toEqual([expect.stringMatching(/, as built: native$/), expect.stringMatching(/, as built: decomposed$/)]);
    expect(row('swiglu').slice(2, 4)).toEqual([expect.stringMatching(/, as built: native$/), expect.stringMatching(/, as built: decomposed$/)]);
    expect(row('layer-norm')[2]).not.toMatch(/as built/);
  });
});

/**
 * The conformance suite from a program: the backend's cases against cpu-ref, the report `glm
 * conformance --report` writes. The backend's expected-failure list is its conformance entry
 * (backends/NAME/conformance.yaml, or conformance.yaml beside a plugin) unless one is named.
 */
import { existsSync } from 'node:fs';
import { conformanceEntryPath, loadPlugin, openBackend } from '../backends/registry.js';
import { GlmError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import { allCases, selectCases } from '../conformance/catalogue.js';
import { loadExpectedFailures, NO_EXPECTED_FAILURES } from '../conformance/expected-failures.js';
import type { ConformanceReport } from '../conformance/reports/report.js';
import type { CaseResult } from '../conformance/runner.js';
import { runSuite } from '../conformance/run-suite.js';

export interface ConformanceOptions {
  /** The backend under test: a built-in name, a plugin path or a package name (default cpu-ref). */
  readonly backend?: string;
  /** Comma-separated patterns (`*` a wildcard, else a substring of the case id), as `--filter`. */
  readonly filter?: string;
  /** Exactly these case ids, as `--case`. */
  readonly cases?: readonly string[];
  /** An expected-failure list (YAML) instead of the backend's conformance entry. */
  readonly expectedFailures?: string;
  /** Timed repetitions per case (0, the default: no timing). */
  readonly perfRuns?: number;
  /** Where plugin paths and package names resolve (default: the current directory). */
  readonly cwd?: string;
  readonly onResult?: (result: CaseResult, done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** The case ids a selection picks, without running anything. */
export function listConformanceCases(selection: Pick<ConformanceOptions, 'filter' | 'cases'> = {}): string[] {
  return selectCases(allCases(), { filter: selection.filter, caseIds: selection.cases ? [...selection.cases] : undefined }).map((c) => c.id);
}

export async function runConformance(options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const spec = options.backend ?? 'cpu-ref';
  const cwd = options.cwd ?? process.cwd();
  const caseIds = options.cases ? [...options.cases] : undefined;
  const cases = selectCases(allCases(), { filter: options.filter, caseIds });
  if (cases.length === 0) throw new GlmError('usage', 'no conformance case matches the selection');
  const perfRuns = options.perfRuns ?? 0;
  if (!Number.isInteger(perfRuns) || perfRuns < 0) throw new GlmError('usage', `perfRuns must be an integer >= 0, got ${perfRuns}`);
  if (options.expectedFailures !== undefined && !existsSync(options.expectedFailures)) {
    throw new GlmError('input', `the expected-failure list ${options.expectedFailures} does not exist`);
  }
  const { plugin, backend } = await openBackend(spec, cwd);
  try {
    const reference = await (await loadPlugin('cpu-ref')).open();
    try {
      const listPath = options.expectedFailures ?? conformanceEntryPath(spec, packageRoot(), cwd);
      const expected = listPath === undefined ? NO_EXPECTED_FAILURES : await loadExpectedFailures(listPath, plugin.name, options.expectedFailures !== undefined);
      return await runSuite(cases, reference, backend, { backendSpec: spec, expected, perfRuns, filter: options.filter, caseIds, onResult: options.onResult, signal: options.signal });
    } finally {
      await reference.close();
    }
  } finally {
    await backend.close();
  }
}

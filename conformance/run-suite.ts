/**
 * The suite over a selection of cases: each case on the backend and on the reference, then the report
 * with its identity (suite, SDK, backend, device). What `glm conformance` and the library's
 * runConformance share; printing and files are the caller's.
 */
import { hostname } from 'node:os';
import type { Backend } from '../core/backend-api/plugin-contract.js';
import type { ConformanceCase } from './case.js';
import type { ExpectedFailures } from './expected-failures.js';
import { gitCommit, sdkVersion } from './provenance.js';
import { countStatuses, type ConformanceReport } from './reports/report.js';
import { runCase, type CaseResult } from './runner.js';
import { suiteIdentity, type CaseFingerprint } from './suite-identity.js';

export interface SuiteOptions {
  /** How the backend was named (repro lines rerun it with this). */
  readonly backendSpec: string;
  readonly expected: ExpectedFailures;
  /** Timed repetitions per case; 0 = no timing. */
  readonly perfRuns: number;
  /** The selection, recorded in the report. */
  readonly filter?: string | undefined;
  readonly caseIds?: readonly string[] | undefined;
  /** After each case, in order. */
  readonly onResult?: (result: CaseResult, done: number, total: number) => void;
  /** Checked before each case: once aborted, the run stops with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

export async function runSuite(cases: readonly ConformanceCase[], reference: Backend, backend: Backend, options: SuiteOptions): Promise<ConformanceReport> {
  const started = performance.now();
  const results: CaseResult[] = [];
  const fingerprints = new Map<string, CaseFingerprint>();
  for (const c of cases) {
    options.signal?.throwIfAborted();
    const result = await runCase(c, reference, backend, { backendSpec: options.backendSpec, expected: options.expected, perfRuns: options.perfRuns, fingerprints });
    results.push(result);
    options.onResult?.(result, results.length, cases.length);
  }
  const version = sdkVersion();
  const { filter, caseIds } = options;
  return {
    tool: 'glm-sdk conformance',
    version,
    date: new Date().toISOString(),
    backend: backend.name,
    device: backend.device,
    execution: backend.execution,
    host: hostname(),
    ...(filter ? { filter } : {}),
    perf: options.perfRuns > 0,
    seconds: (performance.now() - started) / 1000,
    counts: countStatuses(results),
    results,
    identity: {
      suite: suiteIdentity(cases, fingerprints),
      selection: { ...(filter ? { filter } : {}), ...(caseIds && caseIds.length > 0 ? { cases: [...caseIds] } : {}) },
      sdkVersion: version,
      commit: gitCommit(),
      backendVersion: backend.version ?? backend.device,
      device: backend.device,
      execution: backend.execution,
    },
  };
}

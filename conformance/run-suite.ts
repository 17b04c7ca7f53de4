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
  /** Once aborted, return the report of the cases done, marked partial, instead of throwing. */
  readonly partialOnAbort?: boolean;
}

export async function runSuite(cases: readonly ConformanceCase[], reference: Backend, backend: Backend, options: SuiteOptions): Promise<ConformanceReport> {
  const started = performance.now();
  const results: CaseResult[] = [];
  const fingerprints = new Map<string, CaseFingerprint>();
  for (const c of cases) {
    // A case on cpu-ref may never leave the microtask queue: yield a turn so a signal's handler can run.
    if (options.signal) await new Promise((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) {
      if (!options.partialOnAbort) options.signal.throwIfAborted();
      break;
    }
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
    ...(results.length < cases.length ? { partial: { reason: String((options.signal?.reason as Error | undefined)?.message ?? options.signal?.reason), done: results.length, selected: cases.length } } : {}),
    identity: {
      // A partial run's identity covers the cases it ran (the others' inputs would take minutes to build).
      suite: suiteIdentity(cases.slice(0, results.length), fingerprints),
      selection: { ...(filter ? { filter } : {}), ...(caseIds && caseIds.length > 0 ? { cases: [...caseIds] } : {}) },
      sdkVersion: version,
      commit: gitCommit(),
      backendVersion: backend.version ?? backend.device,
      device: backend.device,
      execution: backend.execution,
    },
  };
}

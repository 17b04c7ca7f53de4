/** The report of one conformance run: what ran, where, and every case's result. */
import type { ExecutionKind } from '../../core/backend-api/plugin-contract.js';
import type { CaseResult, CaseStatus } from '../runner.js';
import type { SuiteIdentity } from '../suite-identity.js';

/** What a report was produced by, so that it can be checked elsewhere (`glm conformance --verify`). */
export interface ReportIdentity {
  /** The suite's identity over the selected cases (conformance/suite-identity.ts). */
  readonly suite: SuiteIdentity;
  /** How the cases were selected: --filter and --case as given. */
  readonly selection: { readonly filter?: string; readonly cases?: readonly string[] };
  readonly sdkVersion: string;
  /** The git commit of the SDK, or "unknown". */
  readonly commit: string;
  /** The backend's own version string, or its device string when it has none. */
  readonly backendVersion: string;
  readonly device: string;
  readonly execution: ExecutionKind;
}

export interface ConformanceReport {
  readonly tool: 'glm-sdk conformance';
  readonly version: string;
  readonly date: string;
  readonly backend: string;
  readonly device: string;
  /** hardware | emulator | reference: printed everywhere results are shown. */
  readonly execution: ExecutionKind;
  readonly host: string;
  readonly filter?: string;
  readonly perf: boolean;
  readonly seconds: number;
  readonly counts: Record<CaseStatus, number>;
  readonly results: readonly CaseResult[];
  /** Absent from reports made before suite identities. */
  readonly identity?: ReportIdentity;
  /** Present when the run was interrupted (SIGINT/SIGTERM): only `done` of the `selected` cases ran. */
  readonly partial?: { readonly reason: string; readonly done: number; readonly selected: number };
}

export const STATUSES: readonly CaseStatus[] = ['pass', 'fail', 'unsupported', 'expected-failure', 'unexpected-pass', 'mistrusted'];

export function countStatuses(results: readonly CaseResult[]): Record<CaseStatus, number> {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<CaseStatus, number>;
  for (const r of results) counts[r.status]++;
  return counts;
}

export function executionLabel(execution: ExecutionKind): string {
  return execution === 'hardware' ? 'real hardware' : execution === 'emulator' ? 'EMULATOR (not real hardware)' : 'CPU reference';
}

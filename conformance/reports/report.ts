/** The report of one conformance run: what ran, where, and every case's result. */
import type { ExecutionKind } from '../../core/backend-api/plugin-contract.js';
import type { CaseResult, CaseStatus } from '../runner.js';

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

/**
 * Baseline gating: a new run compared case by case with a committed report.
 *   regression   a case that passed and no longer does (fail, unsupported, mistrusted, …), a case that
 *                now fails (or passes unexpectedly) and did not before, a baseline case that
 *                disappeared, or (both reports with --perf) a case slower than the baseline by more
 *                than the noise: max(10 %, 3 × the larger spread (interquartile range) of the two runs)
 *   drift        still passing, but the max error (worstEps) grew more than 4× (sub-¼-ε errors count as
 *                ¼ ε, so an exact case that starts rounding is not flagged): a regression with --strict
 *   improvement  a case that now passes and did not, or no longer fails
 *   new          in the run, not in the baseline
 * Only the baseline's cases that the new run's selection covers are compared.
 */
import type { CaseResult, CaseStatus } from './runner.js';
import { isFailing } from './runner.js';
import type { ConformanceReport } from './reports/report.js';

export type RegressionKind = 'status' | 'disappeared' | 'slower';

export interface Change {
  readonly id: string;
  readonly kind: RegressionKind | 'drift' | 'improvement' | 'new';
  readonly from?: CaseStatus;
  readonly to?: CaseStatus;
  /** One line: the numbers behind a slower or drift entry, or the new run's detail. */
  readonly detail?: string;
}

export interface BaselineComparison {
  readonly regressions: readonly Change[];
  readonly drift: readonly Change[];
  readonly improvements: readonly Change[];
  readonly newCases: readonly Change[];
  readonly compared: number;
  /** Baseline cases outside the new run's selection, not compared. */
  readonly outsideSelection: number;
  readonly perfCompared: boolean;
}

export const DRIFT_FACTOR = 4;
const DRIFT_FLOOR_EPS = 0.25;
export const PERF_MIN_FRACTION = 0.1;
export const PERF_SPREAD_FACTOR = 3;

/** Slower than the baseline by more than max(10 % of the baseline, 3 × the larger spread)? Undefined when unknown. */
export function slowerBy(base: CaseResult, next: CaseResult): { deltaMs: number; allowedMs: number } | undefined {
  if (!base.perf || !next.perf) return undefined;
  const spread = Math.max(base.perf.spreadMs ?? 0, next.perf.spreadMs ?? 0);
  const allowedMs = Math.max(PERF_MIN_FRACTION * base.perf.medianMs, PERF_SPREAD_FACTOR * spread);
  const deltaMs = next.perf.medianMs - base.perf.medianMs;
  return deltaMs > allowedMs ? { deltaMs, allowedMs } : undefined;
}

export function compareWithBaseline(baseline: ConformanceReport, next: ConformanceReport, inSelection: (id: string) => boolean = () => true): BaselineComparison {
  const regressions: Change[] = [];
  const drift: Change[] = [];
  const improvements: Change[] = [];
  const newCases: Change[] = [];
  const nextById = new Map(next.results.map((r) => [r.id, r]));
  const baseIds = new Set(baseline.results.map((r) => r.id));
  const perfCompared = baseline.perf && next.perf;
  let compared = 0;
  let outsideSelection = 0;
  for (const base of baseline.results) {
    const now = nextById.get(base.id);
    if (!now) {
      if (inSelection(base.id)) regressions.push({ id: base.id, kind: 'disappeared', from: base.status });
      else outsideSelection++;
      continue;
    }
    compared++;
    const from = base.status;
    const to = now.status;
    if ((from === 'pass' && to !== 'pass') || (isFailing(to) && !isFailing(from))) {
      regressions.push({ id: base.id, kind: 'status', from, to, ...(now.detail ? { detail: now.detail } : {}) });
      continue;
    }
    if ((to === 'pass' && from !== 'pass') || (isFailing(from) && !isFailing(to))) improvements.push({ id: base.id, kind: 'improvement', from, to });
    if (from === 'pass' && to === 'pass' && base.worstEps !== undefined && now.worstEps !== undefined) {
      const floor = Math.max(base.worstEps, DRIFT_FLOOR_EPS);
      if (now.worstEps > DRIFT_FACTOR * floor) {
        drift.push({ id: base.id, kind: 'drift', from, to, detail: `worst error ${fmt(base.worstEps)} → ${fmt(now.worstEps)} ε (×${(now.worstEps / floor).toFixed(1)})` });
      }
    }
    if (perfCompared) {
      const slow = slowerBy(base, now);
      if (slow) regressions.push({ id: base.id, kind: 'slower', from, to, detail: `${fmtMs(base.perf!.medianMs)} → ${fmtMs(now.perf!.medianMs)} ms (+${fmtMs(slow.deltaMs)} > noise ${fmtMs(slow.allowedMs)})` });
    }
  }
  for (const r of next.results) if (!baseIds.has(r.id)) newCases.push({ id: r.id, kind: 'new', to: r.status });
  return { regressions, drift, improvements, newCases, compared, outsideSelection, perfCompared };
}

/** Exit 1 on regressions, and on drift with --strict. */
export function baselineFails(c: BaselineComparison, strict: boolean): boolean {
  return c.regressions.length > 0 || (strict && c.drift.length > 0);
}

function fmt(x: number): string {
  return x === 0 ? '0' : x >= 0.01 && x < 1e4 ? x.toPrecision(3) : x.toExponential(2);
}
function fmtMs(x: number): string {
  return x.toPrecision(3);
}

const LIMIT = 40;

export function renderBaselineComparison(c: BaselineComparison, baselinePath: string, strict: boolean): string {
  const lines = [`baseline ${baselinePath}: ${c.compared} cases compared${c.outsideSelection > 0 ? `, ${c.outsideSelection} outside this selection` : ''}${c.perfCompared ? ', timings compared' : ''}`];
  const section = (title: string, changes: readonly Change[], row: (ch: Change) => string) => {
    if (changes.length === 0) return;
    lines.push(`${title} (${changes.length}):`);
    const width = Math.min(70, Math.max(...changes.map((ch) => ch.id.length)));
    for (const ch of changes.slice(0, LIMIT)) lines.push(`  ${ch.id.padEnd(width)}  ${row(ch)}`);
    if (changes.length > LIMIT) lines.push(`  … and ${changes.length - LIMIT} more`);
  };
  section('REGRESSIONS', c.regressions, (ch) =>
    ch.kind === 'disappeared' ? `${ch.from} → (disappeared)` : ch.kind === 'slower' ? `slower: ${ch.detail}` : `${ch.from} → ${ch.to}${ch.detail ? `  ${ch.detail.slice(0, 100)}` : ''}`,
  );
  section(strict ? 'DRIFT (a failure with --strict)' : 'drift (max error grew > 4×, still passing; --strict fails on it)', c.drift, (ch) => ch.detail ?? '');
  section('improvements', c.improvements, (ch) => `${ch.from} → ${ch.to}`);
  section('new cases', c.newCases, (ch) => `${ch.to}`);
  const verdict = baselineFails(c, strict) ? 'FAILS against the baseline' : 'no regressions against the baseline';
  lines.push(`${verdict}: ${c.regressions.length} regression(s), ${c.drift.length} drift, ${c.improvements.length} improvement(s), ${c.newCases.length} new`);
  return lines.join('\n');
}

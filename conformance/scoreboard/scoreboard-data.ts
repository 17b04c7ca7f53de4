/**
 * The scoreboard's data: the committed reports as columns (one a report), the case groups as rows
 * (`level: subject`, as the Markdown matrix groups them), each cell's counts and state, the cases a
 * click lists (everything that is not a plain pass, with its reason and repro line), and per-case
 * timings across the reports of one backend where they were run with --perf.
 */
import type { CaseResult, CaseStatus } from '../runner.js';
import type { ConformanceReport } from '../reports/report.js';

/** The colour a cell gets: any failure wins; then whether everything, part or nothing ran. */
export type CellState = 'fail' | 'pass' | 'partial' | 'unsupported' | 'empty';

export interface ScoreboardColumn {
  readonly label: string;
  readonly backend: string;
  readonly device: string;
  readonly execution: ConformanceReport['execution'];
  readonly date: string;
  readonly commit: string;
  /** The suite identity's hash; undefined for a report made before suite identities. */
  readonly suiteHash: string | undefined;
  readonly cases: number;
  readonly counts: ConformanceReport['counts'];
  readonly perf: boolean;
}

/** A listed case. Reasons repeat across hundreds of cases, so each is stored once (`details`). */
export interface ListedCase {
  readonly id: string;
  readonly status: CaseStatus;
  /** Index into ScoreboardData.details. */
  readonly detail: number;
  /** Only where it is not `glm conformance --backend BACKEND --case 'ID'` (defaultRepro). */
  readonly repro?: string;
}

export interface ScoreboardCell {
  readonly state: CellState;
  readonly pass: number;
  readonly total: number;
  readonly counts: Partial<Record<CaseStatus, number>>;
  /** Every case of the cell that is not a plain pass. */
  readonly listed: readonly ListedCase[];
}

/** One case's median time in each report of its backend that has --perf, oldest first. */
export interface PerfSeries {
  readonly id: string;
  readonly points: readonly { readonly label: string; readonly date: string; readonly medianMs: number; readonly spreadMs: number }[];
}

export interface ScoreboardData {
  /** Every distinct reason, referenced by index from the listed cases. */
  readonly details: readonly string[];
  readonly columns: readonly ScoreboardColumn[];
  readonly groups: readonly string[];
  /** cells[group index][column index] */
  readonly cells: readonly (readonly ScoreboardCell[])[];
  /** Per column: the perf series of each group's cases (keyed by group index), absent without --perf. */
  readonly perf: readonly (Record<number, readonly PerfSeries[]> | null)[];
}

export function groupOf(r: Pick<CaseResult, 'level' | 'subject'>): string {
  return `${r.level}: ${r.subject}`;
}

export function cellState(results: readonly CaseResult[]): CellState {
  if (results.length === 0) return 'empty';
  if (results.some((r) => r.status === 'fail' || r.status === 'unexpected-pass')) return 'fail';
  const unsupported = results.filter((r) => r.status === 'unsupported').length;
  if (unsupported === 0) return 'pass';
  return unsupported === results.length ? 'unsupported' : 'partial';
}

/** The line that reruns one case (the runner writes the same for every non-pass, non-unsupported case). */
export function defaultRepro(backend: string, id: string): string {
  return `glm conformance --backend ${backend} --case '${id}'`;
}

class Interned {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  of(text: string): number {
    let i = this.index.get(text);
    if (i === undefined) this.index.set(text, (i = this.list.push(text) - 1));
    return i;
  }
}

function listedOf(report: ConformanceReport, r: CaseResult, details: Interned): ListedCase {
  const repro = r.repro !== undefined && r.repro !== defaultRepro(report.backend, r.id) ? { repro: r.repro } : {};
  return { id: r.id, status: r.status, detail: details.of(r.detail ?? ''), ...repro };
}

function cellOf(report: ConformanceReport, results: readonly CaseResult[], details: Interned): ScoreboardCell {
  const counts: Partial<Record<CaseStatus, number>> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  const listed = results.filter((r) => r.status !== 'pass').map((r) => listedOf(report, r, details));
  return { state: cellState(results), pass: counts.pass ?? 0, total: results.length, counts, listed };
}

function columnOf(label: string, report: ConformanceReport): ScoreboardColumn {
  return {
    label, backend: report.backend, device: report.device, execution: report.execution, date: report.date,
    commit: report.identity?.commit ?? 'unknown', suiteHash: report.identity?.suite.hash,
    cases: report.results.length, counts: report.counts, perf: report.perf,
  };
}

/** For one report with --perf: each group's cases with their times in every perf report of the same backend, by date. */
function perfOf(index: number, labelled: readonly { label: string; report: ConformanceReport }[], groups: readonly string[]): Record<number, PerfSeries[]> | null {
  const { report } = labelled[index]!;
  if (!report.perf) return null;
  const sameBackend = labelled.filter((x) => x.report.backend === report.backend && x.report.perf).sort((a, b) => a.report.date.localeCompare(b.report.date));
  const byId = sameBackend.map((x) => ({ label: x.label, date: x.report.date, results: new Map(x.report.results.map((r) => [r.id, r])) }));
  const out: Record<number, PerfSeries[]> = {};
  groups.forEach((group, g) => {
    const series = report.results.filter((r) => r.perf && groupOf(r) === group).map((r) => ({
      id: r.id,
      points: byId.flatMap((x) => {
        const p = x.results.get(r.id)?.perf;
        return p ? [{ label: x.label, date: x.date, medianMs: p.medianMs, spreadMs: p.spreadMs ?? 0 }] : [];
      }),
    }));
    if (series.length > 0) out[g] = series;
  });
  return out;
}

/** `labelled`: each report with the name its column shows (the report file's base name). */
export function scoreboardData(labelled: readonly { label: string; report: ConformanceReport }[]): ScoreboardData {
  const groups = [...new Set(labelled.flatMap((x) => x.report.results.map(groupOf)))];
  const byGroup = labelled.map(({ report }) => {
    const m = new Map<string, CaseResult[]>();
    for (const r of report.results) m.set(groupOf(r), [...(m.get(groupOf(r)) ?? []), r]);
    return m;
  });
  const details = new Interned();
  const cells = groups.map((group) => labelled.map(({ report }, i) => cellOf(report, byGroup[i]!.get(group) ?? [], details)));
  return {
    details: details.list,
    columns: labelled.map((x) => columnOf(x.label, x.report)),
    groups,
    cells,
    perf: labelled.map((_, i) => perfOf(i, labelled, groups)),
  };
}

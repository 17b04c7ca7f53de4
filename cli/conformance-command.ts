/** `glm conformance`: check a backend against cpu-ref, case by case, with CI-ready reports. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { packageRoot } from '../core/package-root.js';
import { parseArgs } from 'node:util';
import { GlmError } from '../core/errors.js';
import { writeTextFileAtomic } from '../core/io/atomic-write.js';
import { conformanceEntryPath, openBackend } from '../backends/registry.js';
import { plugin as cpuRef } from '../backends/cpu-ref/index.js';
import { allCases, matchesSelection, selectCases } from '../conformance/catalogue.js';
import { baselineFails, compareWithBaseline, renderBaselineComparison } from '../conformance/baseline.js';
import { renderVerification, verifyReport } from '../conformance/verify.js';
import { loadExpectedFailures, NO_EXPECTED_FAILURES } from '../conformance/expected-failures.js';
import { isFailing } from '../conformance/runner.js';
import { runSuite } from '../conformance/run-suite.js';
import { renderJunit } from '../conformance/reports/junit.js';
import { renderMarkdown, renderMatrix } from '../conformance/reports/markdown.js';
import { renderScoreboardHtml } from '../conformance/scoreboard/render-html.js';
import { countStatuses, executionLabel, STATUSES, type ConformanceReport } from '../conformance/reports/report.js';
import { intOption } from './options.js';
import { watchInterruption } from './interruption.js';
import { HELP_OPTION, normalizeArgs, withUsageErrors } from './parse.js';
import { checkOutputFile } from './output-paths.js';

export const CONFORMANCE_HELP = `Usage: glm conformance --backend NAME|PATH [options]

Runs the conformance suite: every case on the backend and on cpu-ref (the float64 oracle), outputs
poisoned and fenced, compared with the tolerance policy of docs/conformance.md.
Statuses: pass, fail, unsupported, expected-failure, unexpected-pass, mistrusted.
Exit code 1 when any case fails or passes unexpectedly, or regresses against --baseline.
Every report records the suite's identity (a sha256 over the selected case ids, their input seeds
and inputs, and their tolerances), the SDK version and commit, the backend's version and device.

Options:
  --backend NAME|PATH     the backend under test (default cpu-ref)
  --filter PATTERNS       comma-separated; * is a wildcard, otherwise a substring of the case id
  --case ID               exactly this case (repeatable; failing cases print this line)
  --list                  print the selected case ids and stop
  --report FILE.json      full results as JSON
  --junit FILE.xml        JUnit XML for CI
  --markdown FILE.md      a summary table (op × dtype)
  --perf                  also time each case: median ms, GB/s, TFLOP/s
  --perf-runs N           timed repetitions per case in perf mode (default 10)
  --expected-failures F   the backend's expected-failure list (default: its conformance entry,
                          backends/NAME/conformance.yaml, or conformance.yaml beside a plugin)
  --baseline FILE.json    compare case by case with a committed report: exit 1 on regressions
                          (pass → fail/unsupported/mistrusted, disappeared cases, and with --perf
                          in both: slower than max(10 %, 3 × the runs' spread)); improvements and
                          new cases are listed; a passing case whose max error grew > 4× is flagged
  --strict                with --baseline: flagged error growth fails too
  --write-baseline FILE   write this run's report as the new baseline
  --overwrite             replace existing --report/--junit/--markdown/--html files (refused without it;
                          every output path is checked before the first case runs)
  --verify FILE.json      was this report produced by this suite version? exit 0 if so, 1 with the
                          differing case ids if not (runs no backend)
  --matrix                render the op × backend matrix from the JSON reports given as arguments
  --html FILE.html        with --matrix: write the scoreboard page (self-contained, no network:
                          grid by status, hardware/emulator badges, a cell's cases with repro
                          lines, --perf timings charted across a backend's reports)
  -h, --help              this text`;

const OPTIONS = {
  backend: { type: 'string' },
  filter: { type: 'string' },
  case: { type: 'string', multiple: true },
  list: { type: 'boolean' },
  report: { type: 'string' },
  junit: { type: 'string' },
  markdown: { type: 'string' },
  perf: { type: 'boolean' },
  'perf-runs': { type: 'string' },
  'expected-failures': { type: 'string' },
  matrix: { type: 'boolean' },
  baseline: { type: 'string' },
  'write-baseline': { type: 'string' },
  overwrite: { type: 'boolean' },
  strict: { type: 'boolean' },
  verify: { type: 'string' },
  html: { type: 'string' },
} as const;

async function readReport(path: string): Promise<ConformanceReport> {
  if (!existsSync(path)) throw new GlmError('input', `cannot use report ${path}: no such file`);
  try {
    const report = JSON.parse(await readFile(path, 'utf8')) as ConformanceReport;
    if (report.tool !== 'glm-sdk conformance' || !Array.isArray(report.results)) throw new Error('not a glm conformance report');
    return report;
  } catch (e) {
    throw new GlmError('input', `cannot use report ${path}: ${(e as Error).message}`);
  }
}

/** A scoreboard column's name: the report file's base name (docs/conformance/cuda-h200.json → cuda-h200). */
function reportLabel(path: string): string {
  return basename(path).replace(/\.json$/i, '').replace(/^conformance-/, '');
}

function progress(done: number, total: number, id: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K[${done}/${total}] ${id.slice(0, 100)}`);
  else if (done === total || done % Math.max(1, Math.floor(total / 10)) === 0) process.stderr.write(`[${done}/${total}] cases done\n`);
}

function summary(report: ConformanceReport): string {
  const levels = [...new Set(report.results.map((r) => r.level))];
  const header = `${'level'.padEnd(12)}${STATUSES.map((s) => s.padStart(18)).join('')}`;
  const rows = levels.map((level) => {
    const counts = countStatuses(report.results.filter((r) => r.level === level));
    return `${level.padEnd(12)}${STATUSES.map((s) => String(counts[s]).padStart(18)).join('')}`;
  });
  const total = `${'total'.padEnd(12)}${STATUSES.map((s) => String(report.counts[s]).padStart(18)).join('')}`;
  return [header, ...rows, total].join('\n');
}

/** Every file a run writes, checked before any case runs; --write-baseline replaces its file by design. */
function checkReportPaths(v: { report?: string; junit?: string; markdown?: string; html?: string; 'write-baseline'?: string; overwrite?: boolean }): void {
  const overwrite = v.overwrite === true;
  for (const flag of ['report', 'junit', 'markdown', 'html'] as const) {
    const path = v[flag];
    if (path !== undefined) checkOutputFile(`--${flag}`, path, overwrite);
  }
  if (v['write-baseline'] !== undefined) checkOutputFile('--write-baseline', v['write-baseline'], true);
}

export async function conformanceCommand(args: string[]): Promise<number> {
  const { values: v, positionals } = withUsageErrors('conformance', () =>
    parseArgs({ args: normalizeArgs(args, OPTIONS), options: { ...OPTIONS, ...HELP_OPTION }, allowPositionals: true, strict: true }),
  );
  if (v.help) return console.log(CONFORMANCE_HELP), 0;
  checkReportPaths(v);
  if (v.matrix) {
    if (positionals.length === 0) throw new GlmError('usage', 'glm conformance --matrix needs one or more report.json files');
    const reports = await Promise.all(positionals.map(readReport));
    if (v.html === undefined) process.stdout.write(renderMatrix(reports));
    else await writeTextFileAtomic(v.html, renderScoreboardHtml(reports.map((report, i) => ({ label: reportLabel(positionals[i]!), report }))));
    return 0;
  }
  if (v.html !== undefined) throw new GlmError('usage', 'glm conformance: --html needs --matrix and the reports to render');
  if (v.verify !== undefined) {
    const verification = verifyReport(await readReport(v.verify), allCases());
    console.log(renderVerification(verification, v.verify));
    return verification.verdict === 'match' ? 0 : 1;
  }
  if (v.strict && v.baseline === undefined) throw new GlmError('usage', 'glm conformance: --strict needs --baseline');
  if (positionals.length > 0) throw new GlmError('usage', `glm conformance: unexpected argument "${positionals[0]}"`);
  const perfRuns = v.perf ? intOption('perf-runs', v['perf-runs'], 10, 1) : 0;
  const selection = { filter: v.filter, caseIds: v.case };
  const cases = selectCases(allCases(), selection);
  if (cases.length === 0) throw new GlmError('usage', 'no conformance case matches the selection');
  if (v.list) {
    for (const c of cases) console.log(c.id);
    return 0;
  }

  const spec = v.backend ?? 'cpu-ref';
  // A named list that is not there is a usage error before any backend is opened.
  if (v['expected-failures'] !== undefined && !existsSync(v['expected-failures'])) {
    throw new GlmError('input', `glm conformance: the expected-failure list ${v['expected-failures']} does not exist`);
  }
  // The baseline must exist and parse before any backend is opened.
  const baseline = v.baseline === undefined ? undefined : await readReport(v.baseline);
  const { plugin, backend } = await openBackend(spec);
  const reference = await cpuRef.open();
  const listPath = v['expected-failures'] ?? conformanceEntryPath(spec, packageRoot());
  const expected = listPath === undefined ? NO_EXPECTED_FAILURES : await loadExpectedFailures(listPath, plugin.name, v['expected-failures'] !== undefined);
  console.error(`glm conformance: ${cases.length} cases on backend ${backend.name} (${backend.device}) — results from ${executionLabel(backend.execution)}`);

  let report: ConformanceReport;
  // Ctrl-C / kill: finish the case in progress, then write the reports of the cases done, marked partial.
  const interruption = watchInterruption('conformance', 'finishing the case in progress, then writing the partial report');
  try {
    report = await runSuite(cases, reference, backend, {
      backendSpec: spec,
      expected,
      perfRuns,
      filter: v.filter,
      caseIds: v.case,
      signal: interruption.signal,
      partialOnAbort: true,
      onResult(result, done, total) {
        if (isFailing(result.status)) {
          if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
          console.error(`${result.status.toUpperCase()} ${result.id}: ${result.detail}\n  repro: ${result.repro}`);
        }
        progress(done, total, result.id);
      },
    });
  } finally {
    interruption.dispose();
    if (process.stderr.isTTY) process.stderr.write('\n');
    await backend.close();
    await reference.close();
  }
  const { results } = report;
  console.log(summary(report));
  console.log(`${results.length} cases in ${report.seconds.toFixed(1)} s on ${backend.name} — results from ${executionLabel(backend.execution)}`);
  if (v.report) await writeTextFileAtomic(v.report, JSON.stringify(report, null, 1) + '\n');
  if (v.junit) await writeTextFileAtomic(v.junit, renderJunit(report));
  if (v.markdown) await writeTextFileAtomic(v.markdown, renderMarkdown(report));
  // A partial run is never a baseline: the cases it did not reach would read as disappeared.
  if (v['write-baseline'] && !report.partial) await writeTextFileAtomic(v['write-baseline'], JSON.stringify(report, null, 1) + '\n');
  if (report.partial) {
    const skipped = [v.baseline ? 'not compared with the baseline' : '', v['write-baseline'] ? 'no baseline written' : ''].filter((x) => x).join(', ');
    console.log(`PARTIAL: ${report.partial.reason} after ${report.partial.done} of ${report.partial.selected} cases; the reports hold those, marked partial${skipped ? ` (${skipped})` : ''}`);
    return interruption.exitCode();
  }
  let regressed = false;
  if (baseline && v.baseline) {
    const comparison = compareWithBaseline(baseline, report, (id) => matchesSelection(id, selection));
    console.log(renderBaselineComparison(comparison, v.baseline, v.strict === true));
    regressed = baselineFails(comparison, v.strict === true);
  }
  return regressed || results.some((r) => isFailing(r.status)) ? 1 : 0;
}

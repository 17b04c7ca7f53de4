/**
 * The scoreboard page in a real browser: Debian's Chromium driven by playwright-core, headless, with
 * every network request refused (the page must be self-contained). The grid is checked against the
 * committed reports' JSON (counts computed here from the results), a failing cell is clicked and its
 * repro line found, and the --perf timings are charted across two reports of one backend.
 *
 * The failing report is real: cpu-ref run on a few cases with an expected-failure list that names one
 * of them, so that passing case is an unexpected pass — a failing status with its repro line.
 *
 * Without a browser the tests skip, saying why; with GLM_REQUIRE_BROWSER=1 (.ci/run) that is a
 * failure. GLM_CHROMIUM names the browser (default /usr/bin/chromium); GLM_SCOREBOARD_SCREENSHOT=FILE
 * also saves a screenshot of the committed reports' page with a cell opened (docs/conformance/scoreboard.png).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { ConformanceReport } from '../../conformance/reports/report.js';

const root = join(import.meta.dirname, '..', '..');
const glm = join(root, 'bin', 'glm.js');
const chromiumPath = process.env['GLM_CHROMIUM'] ?? '/usr/bin/chromium';
const missing = existsSync(chromiumPath) ? undefined : `no browser at ${chromiumPath} (apt-get install chromium, or set GLM_CHROMIUM)`;
const required = process.env['GLM_REQUIRE_BROWSER'] === '1';

if (missing !== undefined) {
  if (required) it('a browser is installed (GLM_REQUIRE_BROWSER=1)', () => expect.fail(`the scoreboard's browser test would be skipped, but GLM_REQUIRE_BROWSER=1 requires it: ${missing}`));
  else console.info(`scoreboard browser tests skipped — ${missing}`);
}

const committed = readdirSync(join(root, 'docs/conformance')).filter((f) => f.endsWith('.json')).sort().map((f) => join(root, 'docs/conformance', f));
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ConformanceReport;

function render(out: string, reports: string[]): void {
  execFileSync(process.execPath, [glm, 'conformance', '--matrix', '--html', out, ...reports], { stdio: 'pipe' });
}

/** A real cpu-ref run with --perf on a few scale cases, `listed` named as an expected failure (so it passes unexpectedly). */
function perfReport(dir: string, name: string, listed: string): string {
  const list = join(dir, 'expected.yaml');
  writeFileSync(list, `- case: '${listed}'\n  reason: listed on purpose, so that this passing case is reported as an unexpected pass\n`);
  const report = join(dir, `${name}.json`);
  const run = spawnSync(process.execPath, [glm, 'conformance', '--backend', 'cpu-ref', '--filter', 'op/scale/f32/1-by', '--perf', '--perf-runs', '3', '--expected-failures', list, '--report', report], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(1);
  return report;
}

function expectedCell(report: ConformanceReport, group: string) {
  const rs = report.results.filter((r) => `${r.level}: ${r.subject}` === group);
  const failing = rs.filter((r) => r.status === 'fail' || r.status === 'unexpected-pass').length;
  const unsupported = rs.filter((r) => r.status === 'unsupported').length;
  const state = rs.length === 0 ? 'empty' : failing > 0 ? 'fail' : unsupported === 0 ? 'pass' : unsupported === rs.length ? 'unsupported' : 'partial';
  return { pass: rs.filter((r) => r.status === 'pass').length, total: rs.length, state };
}

describe.skipIf(missing !== undefined)('the scoreboard page in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), 'glm-scoreboard-'));
  const requests: string[] = [];

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    // Everything but the page's own file is refused and recorded: the page must need nothing else.
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith('file:')) return route.continue();
      requests.push(route.request().url());
      return route.abort();
    });
  }, 60_000);
  afterAll(async () => browser?.close());

  it('shows the committed reports: one column each with badge, date, commit, suite; every cell as the JSON says', async () => {
    const html = join(dir, 'committed.html');
    render(html, committed);
    await page.goto(`file://${html}`);
    const reports = committed.map(readJson);
    const headers = await page.$$eval('#grid thead th.col', (ths) => ths.map((th) => ({
      label: th.querySelector('.label')!.textContent, badge: th.querySelector('.badge')!.className, date: th.querySelector('.date')!.textContent, commit: th.querySelector('.commit')!.textContent,
    })));
    expect(headers.map((h) => h.label)).toEqual(committed.map((p) => basename(p, '.json')));
    reports.forEach((r, i) => {
      expect(headers[i]!.badge).toBe(`badge ${r.execution}`);
      expect(headers[i]!.date).toBe(r.date.slice(0, 16).replace('T', ' '));
      expect(headers[i]!.commit).toBe((r.identity?.commit ?? 'unknown').slice(0, 10));
    });
    const groups = [...new Set(reports.flatMap((r) => r.results.map((x) => `${x.level}: ${x.subject}`)))];
    const rows = await page.$$eval('#grid tbody tr', (trs) => trs.map((tr) => ({
      group: tr.querySelector('th')!.textContent,
      cells: [...tr.querySelectorAll('td')].map((td) => ({ state: td.dataset['state'], text: td.textContent })),
    })));
    expect(rows.map((r) => r.group)).toEqual(groups);
    rows.forEach((row, g) => reports.forEach((report, i) => {
      const want = expectedCell(report, groups[g]!);
      expect(row.cells[i]!.state, `${groups[g]} on ${committed[i]}`).toBe(want.state);
      if (want.total > 0) expect(row.cells[i]!.text!.startsWith(`${want.pass}/${want.total}`), `${groups[g]} on ${committed[i]}: ${row.cells[i]!.text}`).toBe(true);
    }));
    // A cell with unsupported cases lists them (and any other non-pass) with their reasons and repro lines.
    const unsupportedAt = rows.findIndex((r) => r.cells.some((c) => c.state === 'partial'));
    expect(unsupportedAt).toBeGreaterThanOrEqual(0);
    const column = rows[unsupportedAt]!.cells.findIndex((c) => c.state === 'partial');
    await page.click(`td.cell[data-group="${unsupportedAt}"][data-column="${column}"]`);
    const listed = await page.$$eval('#details li.case', (lis) => lis.map((li) => li.dataset['caseId']));
    const report = reports[column]!;
    expect(listed).toEqual(report.results.filter((r) => `${r.level}: ${r.subject}` === groups[unsupportedAt] && r.status !== 'pass').map((r) => r.id));
    const first = report.results.find((r) => r.id === listed[0])!;
    expect(await page.textContent('#details li.case .reason')).toBe(first.detail);
    expect(await page.textContent('#details li.case code.repro')).toBe(`glm conformance --backend ${report.backend} --case '${first.id}'`);
    const shot = process.env['GLM_SCOREBOARD_SCREENSHOT'];
    if (shot) await page.screenshot({ path: shot, fullPage: false });
    expect(requests).toEqual([]);
  }, 120_000);

  it('a failing cell lists the failing case with its repro line; --perf timings are charted across the reports of the backend', async () => {
    const ids = execFileSync(process.execPath, [glm, 'conformance', '--list', '--filter', 'op/scale/f32/1-by'], { encoding: 'utf8' }).trim().split('\n');
    const listedCase = ids[1]!;
    const older = perfReport(dir, 'cpu-ref-perf-1', listedCase);
    const newer = perfReport(dir, 'cpu-ref-perf-2', listedCase);
    const html = join(dir, 'perf.html');
    render(html, [older, newer]);
    await page.goto(`file://${html}`);
    const failing = await page.$$('td.cell[data-state="fail"]');
    expect(failing.length).toBe(2); // op: scale, in each report
    await failing[1]!.click();
    const item = await page.$(`#details li.case[data-case-id="${listedCase}"]`);
    expect(item).not.toBeNull();
    expect(await item!.$eval('.status', (e) => e.textContent)).toBe('unexpected-pass');
    const repro = readJson(newer).results.find((r) => r.id === listedCase)!.repro!;
    expect(await item!.$eval('code.repro', (e) => e.textContent)).toBe(repro);
    // One chart row per timed case, each with a point per --perf report of cpu-ref, the last run's median shown.
    const perfRows = await page.$$eval('#details tr.perf-row', (trs) => trs.map((tr) => ({ id: tr.dataset['caseId'], ms: tr.querySelector('.ms')!.textContent, points: tr.querySelectorAll('svg circle').length })));
    const timed = readJson(newer).results.filter((r) => r.perf);
    expect(perfRows.map((r) => r.id)).toEqual(timed.map((r) => r.id));
    perfRows.forEach((row, i) => {
      expect(row.points).toBe(2);
      expect(row.ms).toBe(timed[i]!.perf!.medianMs.toFixed(4));
    });
    expect(requests).toEqual([]);
  }, 180_000);
});

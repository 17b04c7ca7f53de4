/**
 * `glm conformance` interrupted (SIGINT = Ctrl-C, SIGTERM = a CI runner's cancel): it finishes the case
 * in progress and writes its reports of the cases done, marked partial, exits 128 + the signal, and
 * never writes a partial run as a baseline. The signal is sent once the run has printed progress, so
 * the cut falls mid-run; the partial report's cases are checked against the suite's own order.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConformanceReport } from '../../conformance/reports/report.js';

const root = join(import.meta.dirname, '..', '..');
const glm = join(root, 'bin', 'glm.js');
const FILTER = 'op/';

/** Runs the suite, sends `signal` after the first progress line, resolves with the exit code. */
function interrupted(dir: string, signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [glm, 'conformance', '--backend', 'cpu-ref', '--filter', FILTER,
    '--report', join(dir, 'r.json'), '--junit', join(dir, 'r.xml'), '--markdown', join(dir, 'r.md'), '--write-baseline', join(dir, 'baseline.json')]);
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (!sent && /\[\d+\/\d+\] cases done/.test(stderr)) {
      sent = true;
      child.kill(signal);
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('glm conformance on SIGINT / SIGTERM', () => {
  const order = execFileSync(process.execPath, [glm, 'conformance', '--list', '--filter', FILTER], { encoding: 'utf8' }).trim().split('\n');

  it.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s: the reports of the cases done, marked partial; exit %i; no baseline', async (signal, exitCode) => {
    const dir = mkdtempSync(join(tmpdir(), 'glm-partial-'));
    const run = await interrupted(dir, signal);
    expect(run.code, run.stderr).toBe(exitCode);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as ConformanceReport;
    expect(report.partial).toBeDefined();
    expect(report.partial!.reason).toBe(`interrupted by ${signal}`);
    expect(report.partial!.selected).toBe(order.length);
    expect(report.partial!.done).toBe(report.results.length);
    expect(report.results.length).toBeGreaterThan(0);
    expect(report.results.length).toBeLessThan(order.length);
    // The cases done are the suite's first ones, in order, each with a status.
    expect(report.results.map((r) => r.id)).toEqual(order.slice(0, report.results.length));
    expect(report.counts.pass + report.counts.mistrusted).toBe(report.results.length);
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toContain(`**PARTIAL**: interrupted by ${signal} after ${report.results.length} of ${order.length} cases`);
    expect(readFileSync(join(dir, 'r.xml'), 'utf8')).toContain(`PARTIAL: interrupted by ${signal}`);
    expect(existsSync(join(dir, 'baseline.json'))).toBe(false);
    expect(run.stdout).toContain('PARTIAL:');
    expect(run.stdout).toContain('no baseline written');
  }, 180_000);
});

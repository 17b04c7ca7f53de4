/**
 * conformance/ci/certify.sh, the CI gate: the sunway backend on the athread emulator (SW26010-Pro),
 * certified against its committed baseline (conformance/baselines/sunway-emulator-SW26010-Pro.json)
 * on the f32 scale cases, exits 0 and writes JSON, JUnit and Markdown into one folder. Then the must-show
 * mutation: a copy of the package whose sunway scale lowering hands the kernel a factor 0.1 % off (a
 * wrong kernel launch, patched in the copy's compiled dist/, nothing in the tree touched) makes the
 * same certify.sh --baseline exit 1 and name every case that regressed.
 * Cheap checks too: a baseline that does not exist is refused (exit 3) before any backend opens.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeGate } from '../support/native.js';
import { addonPath } from '../../backends/sunway/sunway-addon.js';
import type { ConformanceReport } from '../../conformance/reports/report.js';

const root = join(import.meta.dirname, '..', '..');
const certify = join(root, 'conformance/ci/certify.sh');
const baseline = join(root, 'conformance/baselines/sunway-emulator-SW26010-Pro.json');
const FILTER = 'op/scale/f32';
const built = !nativeGate('sunway (certify.sh)', existsSync(addonPath('SW26010-Pro')) ? undefined : `no ${addonPath('SW26010-Pro')} (build it with npm run build:sunway)`);

function runCertify(out: string, env: Record<string, string> = {}, args: string[] = ['--baseline', baseline]) {
  return spawnSync('bash', [certify, 'sunway', '--label', 'sunway-test', '--out', out, ...args, '--', '--filter', FILTER], {
    encoding: 'utf8', cwd: root, env: { ...process.env, GLM_SUNWAY_CHIP: 'SW26010-Pro', ...env },
  });
}

/** The package as installed (bin, its own dist/ copy, the rest linked), with one compiled file edited. */
function patchedPackage(file: string, edit: (text: string) => string): string {
  const copy = mkdtempSync(join(tmpdir(), 'glm-certify-mutant-'));
  cpSync(join(root, 'bin'), join(copy, 'bin'), { recursive: true });
  cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(copy, 'package.json'));
  for (const linked of ['node_modules', 'backends', 'models', 'tasks', 'docs']) symlinkSync(join(root, linked), join(copy, linked));
  const target = join(copy, 'dist', file);
  const before = readFileSync(target, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  writeFileSync(target, after);
  return copy;
}

describe('certify.sh', () => {
  it('refuses a baseline that does not exist, before opening any backend (exit 3)', () => {
    const out = mkdtempSync(join(tmpdir(), 'glm-certify-'));
    const run = runCertify(out, {}, ['--baseline', join(out, 'nope.json')]);
    expect(run.status).toBe(3);
    expect(run.stderr).toContain('nope.json does not exist');
    expect(existsSync(join(out, 'conformance-sunway-test.json'))).toBe(false);
  });

  it('refuses an unknown option (exit 2, usage)', () => {
    const run = spawnSync('bash', [certify, 'sunway', '--baseline-file', baseline], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('unknown option --baseline-file');
  });

  describe.skipIf(!built)('on the sunway backend (athread emulator, SW26010-Pro)', () => {
    it('the unpatched backend passes the gate: exit 0, JSON + JUnit + Markdown + log in one folder', () => {
      const out = mkdtempSync(join(tmpdir(), 'glm-certify-'));
      const run = runCertify(out);
      expect(run.status, run.stdout + run.stderr).toBe(0);
      const report = JSON.parse(readFileSync(join(out, 'conformance-sunway-test.json'), 'utf8')) as ConformanceReport;
      expect(report.results.length).toBeGreaterThan(10);
      expect(report.results.every((r) => r.id.startsWith(FILTER + '/') && r.status === 'pass')).toBe(true);
      expect(readFileSync(join(out, 'conformance-sunway-test.xml'), 'utf8')).toContain('<testsuite');
      expect(readFileSync(join(out, 'conformance-sunway-test.md'), 'utf8')).toContain('# Conformance: `sunway`');
      expect(readFileSync(join(out, 'certify-sunway-test.txt'), 'utf8')).toContain('no regressions against the baseline');
    }, 300_000);

    it('mutation: a scale kernel launched with a factor 0.1 % off fails the gate (exit 1) and names the regressed cases', () => {
      const copy = patchedPackage('backends/sunway/lowerings/elementwise.js', (js) =>
        js.replace("ptrOf(x), n, ctx.node.attrs['factor']]", "ptrOf(x), n, ctx.node.attrs['factor'] * 1.001]"),
      );
      const out = join(copy, 'results');
      mkdirSync(out);
      const run = runCertify(out, { GLM_CLI: `node ${join(copy, 'bin', 'glm.js')}` });
      expect(run.status, run.stdout + run.stderr).toBe(1);
      const report = JSON.parse(readFileSync(join(out, 'conformance-sunway-test.json'), 'utf8')) as ConformanceReport;
      const failed = report.results.filter((r) => r.status === 'fail').map((r) => r.id);
      expect(failed.length).toBeGreaterThan(10);
      expect(run.stdout).toContain(`REGRESSIONS (${failed.length}):`);
      for (const id of failed) expect(run.stdout).toMatch(new RegExp(`${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+pass → fail`));
      expect(run.stderr).toContain('FAILED the gate');
    }, 300_000);
  });
});

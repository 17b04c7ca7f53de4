/**
 * The emulator test files again for their second chip, each in a child vitest (the emulators read
 * the chip once per process): sunway.test.ts on SW26010 (the default is SW26010-Pro) and
 * ascend.test.ts on Ascend910B1 (the default is the original 910). Slow (about a minute and a half
 * on two cores), so `npm run test:full` runs it and `npm test` does not; it was part of those files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeGate } from '../support/native.js';
import { addonPath as sunwayAddonPath } from '../../backends/sunway/sunway-addon.js';
import { EMULATOR_LIB_DIR } from '../../backends/ascend/acl/discovery.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** vitest on one test file with `env`; its JSON report's counts. */
function childVitest(file: string, env: Record<string, string>): { numPassedTests: number; numFailedTests: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'second-chip-'));
  try {
    const report = join(dir, 'report.json');
    const child = spawnSync(process.execPath, [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', join(REPO, file), '--reporter=json', `--outputFile=${report}`], {
      cwd: REPO, env: { ...process.env, ...env }, encoding: 'utf8',
    });
    const output = child.stdout + child.stderr;
    expect(existsSync(report), `the child vitest wrote no report:\n${output}`).toBe(true);
    return { ...(JSON.parse(readFileSync(report, 'utf8')) as { numPassedTests: number; numFailedTests: number }), output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sunwayMissing = (['SW26010-Pro', 'SW26010'] as const).map((chip) => sunwayAddonPath(chip)).find((p) => !existsSync(p));
const sunwaySkip = nativeGate('sunway (second chip)', sunwayMissing && `no ${sunwayMissing} (build it with npm run build:sunway)`);
describe.skipIf(sunwaySkip)('sunway on SW26010', () => {
  it('passes tests/backends/sunway.test.ts with GLM_SUNWAY_CHIP=SW26010 (child vitest)', () => {
    const result = childVitest('tests/backends/sunway.test.ts', { GLM_SUNWAY_CHIP: 'SW26010' });
    expect(result.numFailedTests, result.output).toBe(0);
    expect(result.numPassedTests).toBe(6);
  }, 900_000);
});

const ascendBuilt = ['libascendcl.so', 'libnnopbase.so', 'libopapi.so'].every((f) => existsSync(join(EMULATOR_LIB_DIR, f)));
const ascendSkip = nativeGate('ascend emulator (second SoC)', ascendBuilt ? undefined : `not built (no ${EMULATOR_LIB_DIR}/libopapi.so); build it with npm run build:ascend-emu`);
describe.skipIf(ascendSkip)('ascend on Ascend910B1', () => {
  it('passes tests/backends/ascend.test.ts with GLM_ASCEND_EMU_SOC=Ascend910B1 (child vitest)', () => {
    const result = childVitest('tests/backends/ascend.test.ts', { GLM_ASCEND_EMU_SOC: 'Ascend910B1', GLM_ASCEND_TEST_CHILD: '1' });
    expect(result.numFailedTests, result.output).toBe(0);
    expect(result.numPassedTests).toBeGreaterThanOrEqual(8);
  }, 300_000);
});

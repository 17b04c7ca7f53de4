/**
 * `glm conformance --filter fault/` on every emulator, each in its own process (a process holds one
 * device; the variant is chosen by environment variables read once): the cuda emulator, the three
 * rocm-dcu emulated addons, the Ascend emulator as the 910 and the 910B, and the athread emulator as
 * SW26010-Pro and SW26010. Every fault case passes, except a kind the emulator has no events of (DMA
 * outside Sunway), which is unsupported with the reason; the command exits 0. An emulator that is not
 * built skips with the reason (a failure under GLM_REQUIRE_NATIVE=1).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeGate } from '../support/native.js';

const REPO = join(import.meta.dirname, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'glm-fault-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Variant {
  readonly label: string;
  readonly backend: string;
  readonly env: Record<string, string>;
  /** The build this variant loads (a file whose absence skips it). */
  readonly build: string;
  /** Fault kinds this emulator has no events of. */
  readonly absentKinds: readonly string[];
}

const dcu = (wave: number, hw: number): Variant => ({
  label: `rocm-dcu emulated wave${wave} on ${hw}-lane hardware`,
  backend: 'rocm-dcu',
  env: { GLM_DCU_EMULATE: '1', GLM_DCU_WAVE: String(wave), GLM_DCU_EMU_WARP: String(hw) },
  build: `backends/rocm-dcu/build-emu-w${wave}-hw${hw}/Release/glm_dcu_emu_wave${wave}_hw${hw}.node`,
  absentKinds: ['dma'],
});

const VARIANTS: readonly Variant[] = [
  { label: 'cuda emulator', backend: 'cuda', env: { GLM_CUDA_EMULATE: '1' }, build: 'backends/cuda/build-emu/Release/glm_cuda_emu.node', absentKinds: ['dma'] },
  dcu(32, 32),
  dcu(64, 64),
  dcu(64, 32),
  ...['Ascend910A', 'Ascend910B1'].map((soc) => ({
    label: `ascend emulator ${soc}`, backend: 'ascend', env: { GLM_ASCEND_EMULATOR: '1', GLM_ASCEND_EMU_SOC: soc },
    build: 'backends/ascend/emulator/build/lib64/libascend_emulator_core.so', absentKinds: ['dma'],
  })),
  ...[['SW26010-Pro', 'glm_sunway.node'], ['SW26010', 'glm_sunway_sw26010.node']].map(([chip, file]) => ({
    label: `sunway emulator ${chip}`, backend: 'sunway', env: { GLM_SUNWAY_CHIP: chip! },
    build: `backends/sunway/build/Release/${file}`, absentKinds: [],
  })),
];

interface ReportedCase {
  readonly id: string;
  readonly status: string;
  readonly detail?: string;
}

for (const v of VARIANTS) {
  const skip = nativeGate(`fault cases on the ${v.label}`, existsSync(join(REPO, v.build)) ? undefined : `${v.build} is not built`);
  describe.skipIf(skip)(`fault cases on the ${v.label}`, () => {
    it('pass (unsupported only where the emulator has no such events)', () => {
      const report = join(out, `${v.label.replace(/\W+/g, '-')}.json`);
      execFileSync(process.execPath, ['bin/glm.js', 'conformance', '--backend', v.backend, '--filter', 'fault/', '--report', report], {
        cwd: REPO, env: { ...process.env, ...v.env }, stdio: 'pipe',
      });
      const results = (JSON.parse(readFileSync(report, 'utf8')) as { results: ReportedCase[] }).results;
      expect(results.map((r) => r.id).sort()).toEqual(
        ['beyond-device-memory', 'open', 'prefill'].map((w) => `fault/alloc/${w}`).concat(['fault/dma/decode', 'fault/launch/decode', 'fault/launch/prefill', 'fault/sync/decode']).sort(),
      );
      for (const r of results) {
        const kind = r.id.split('/')[1]!;
        if (v.absentKinds.includes(kind)) expect(r, r.id).toMatchObject({ status: 'unsupported', detail: expect.stringMatching(new RegExp(`^no ${kind} events on ${v.backend}: `)) });
        else expect(r, r.id).toMatchObject({ status: 'pass' });
      }
    }, 240_000);
  });
}

/**
 * The GLM family's PyTorch references (tests/fixtures/family/) on every other backend this machine can
 * run without hardware: the cuda and rocm-dcu kernels on their CPU emulators, the Ascend backend on its
 * CANN-ABI emulator and the Sunway backend on its athread emulator. Each fixture is converted by
 * `glm convert --from hf --dtype f32`, its prompt run once and through the generation session (prefill,
 * then decode steps over the KV cache), and the logits compared with torch's
 * float64 logits under the conformance suite's f32 model-chain tolerance (conformance/tolerance.ts:
 * nmse ≤ (256 ε)², worst element ≤ 8192 ε of max(|ref|, rms)); the measured ‖Δ‖/‖ref‖ is printed.
 * Every result here comes from an emulator (asserted through the backend's `execution`), never from
 * hardware: tests/family/family-cpu-ref.test.ts is the oracle's check, bench/cuda/family-logits-check.ts
 * the real GPU's. Each backend is skipped, saying why, when its native build is absent (nativeGate).
 * About 30 s on two cores (the cuda and rocm-dcu emulators run every GPU thread as a coroutine): a slow
 * test, run by npm run test:full.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeGate } from '../support/native.js';

// Emulators even on a host with the vendor's stack; read when the backends' modules load or open.
const ENV = { GLM_CUDA_EMULATE: '1', GLM_ASCEND_EMULATOR: '1', GLM_DCU_EMULATE: '1', GLM_DCU_WAVE: '64', GLM_DCU_EMU_WARP: '64' };
const saved = Object.fromEntries(Object.keys(ENV).map((k) => [k, process.env[k]]));
Object.assign(process.env, ENV);
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const { convertFixture, FAMILY_FIXTURES, familyLogits, familySessionLogits, logitErrors, readReference } = await import('../../bench/cuda/family-logits-check.js');
const { loadModelFolder } = await import('../../core/models/glm/load-model.js');
const cuda = await import('../../backends/cuda/native-addon.js');
const dcu = await import('../../backends/rocm-dcu/native-addon.js');
const sunway = await import('../../backends/sunway/sunway-addon.js');
const { chipFromEnvironment } = await import('../../backends/sunway/chip.js');
const { EMULATOR_LIB_DIR } = await import('../../backends/ascend/acl/discovery.js');

type LoadedModel = Awaited<ReturnType<typeof loadModelFolder>>;
type Name = (typeof FAMILY_FIXTURES)[number];

const EMULATED = [
  { backend: 'cuda', what: 'cuda emulator', module: () => import('../../backends/cuda/index.js'), built: cuda.addonPath(), build: 'npm run build:cuda-emu' },
  { backend: 'rocm-dcu', what: 'rocm-dcu emulator (wave64)', module: () => import('../../backends/rocm-dcu/index.js'), built: dcu.addonPath('emulator'), build: 'npm run build:dcu' },
  { backend: 'ascend', what: 'ascend emulator', module: () => import('../../backends/ascend/index.js'), built: EMULATOR_LIB_DIR, build: 'npm run build:ascend-emu' },
  { backend: 'sunway', what: `sunway emulator (${chipFromEnvironment()})`, module: () => import('../../backends/sunway/index.js'), built: sunway.addonPath(chipFromEnvironment()), build: 'npm run build:sunway' },
] as const;

let scratch: string;
const models = new Map<Name, LoadedModel>();
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'glm-family-emu-'));
  for (const name of FAMILY_FIXTURES) {
    const out = join(scratch, name);
    const r = convertFixture(name, out);
    expect(r.status, r.stderr).toBe(0);
    models.set(name, await loadModelFolder(out, 'f32'));
  }
}, 60_000);
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

for (const target of EMULATED) {
  const skip = nativeGate(target.what, existsSync(target.built) ? undefined : `no ${target.built} (build it with ${target.build})`);
  describe.skipIf(skip)(`${target.what}: the family fixtures match PyTorch within the f32 model tolerance`, () => {
    it.each(FAMILY_FIXTURES)('%s', async (name) => {
      const { plugin } = await target.module();
      const backend = await plugin.open();
      try {
        expect(backend.execution).toBe('emulator');
        const ref = readReference(name);
        const e = logitErrors(await familyLogits(models.get(name)!, backend, ref), ref.logits);
        const session = await familySessionLogits(models.get(name)!, backend, ref);
        const s = logitErrors(session.ours, session.ref);
        console.info(`${target.what}, ${name}: prompt max |Δ| ${e.maxAbs.toExponential(2)}, max |Δ|/max |ref| ${e.maxRel.toExponential(2)}, ‖Δ‖/‖ref‖ ${e.relNorm.toExponential(2)}; session ‖Δ‖/‖ref‖ ${s.relNorm.toExponential(2)}`);
        expect(e.failure).toBeUndefined();
        expect(s.failure).toBeUndefined();
      } finally {
        await backend.close();
      }
    }, 120_000);
  });
}

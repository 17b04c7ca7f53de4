/**
 * The SIMT launch codes are defined once, in backends/simt/launch-codes.ts; the native build
 * generates its header from that file's built JavaScript. This test closes the loop: every SIMT addon
 * that is built reports the codes it was compiled with (launchCodes()), and they must be the
 * TypeScript tables — a stale build, or a header not regenerated after a code changed, fails here.
 * Addons not built (or that cannot load here) are skipped, each with the reason in its test name.
 */
import { describe, expect, it } from 'vitest';
import { addonPath as cudaAddonPath, loadAddonAt as loadCudaAddon } from '../../backends/cuda/native-addon.js';
import { addonPath as dcuAddonPath, loadAddonAt as loadDcuAddon, type DcuTarget } from '../../backends/rocm-dcu/native-addon.js';
import { DTYPE_CODES, GEMM_PATH, OP } from '../../backends/simt/launch-codes.js';
import type { AddonLoad } from '../../backends/program/load-addon.js';
import type { SimtAddon } from '../../backends/simt/simt-addon.js';
import { nativeGate } from '../support/native.js';

/** `path` computed with these environment variables set, then restored. */
function withEnvironment(variables: Record<string, string | undefined>, path: () => string): string {
  const saved = Object.fromEntries(Object.keys(variables).map((k) => [k, process.env[k]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(variables);
  try {
    return path();
  } finally {
    set(saved);
  }
}

interface AddonBuild {
  readonly label: string;
  load(): AddonLoad<SimtAddon>;
}

const noOverride = { GLM_CUDA_ADDON: undefined, GLM_DCU_ADDON: undefined };

function cudaBuild(emulated: boolean): AddonBuild {
  const path = withEnvironment({ ...noOverride, GLM_CUDA_EMULATE: emulated ? '1' : undefined }, cudaAddonPath);
  return { label: `cuda ${emulated ? 'emulator' : 'GPU'} build (${path})`, load: () => loadCudaAddon(path) };
}

function dcuBuild(target: DcuTarget, wave: 32 | 64, hardwareWave?: 32 | 64): AddonBuild {
  const variables = { ...noOverride, GLM_DCU_WAVE: String(wave), GLM_DCU_EMU_WARP: hardwareWave === undefined ? undefined : String(hardwareWave) };
  const path = withEnvironment(variables, () => dcuAddonPath(target));
  return { label: `rocm-dcu ${target} wave${wave}${hardwareWave ? ` on ${hardwareWave}-lane hardware` : ''} build (${path})`, load: () => loadDcuAddon(path, target) };
}

const BUILDS: readonly AddonBuild[] = [
  cudaBuild(true),
  cudaBuild(false),
  dcuBuild('emulator', 64, 64),
  dcuBuild('emulator', 32, 32),
  dcuBuild('emulator', 64, 32),
  dcuBuild('nvidia', 64),
  dcuBuild('nvidia', 32),
  dcuBuild('amd', 64),
];

describe('launch codes compiled into each SIMT addon equal backends/simt/launch-codes.ts', () => {
  for (const build of BUILDS) {
    const loaded = build.load();
    if (loaded.addon === null) {
      nativeGate(build.label, loaded.reason); // prints why; under GLM_REQUIRE_NATIVE=1 a failing test
      it.skip(`${build.label}: skipped, ${loaded.reason}`, () => {}); // the suite is never empty
      continue;
    }
    const addon = loaded.addon;
    if (typeof addon.launchCodes !== 'function') {
      it.skip(`${build.label}: skipped, built before addons reported their codes (no launchCodes(); rebuild it)`, () => {});
      continue;
    }
    it(`${build.label}: opcodes, dtype codes and GEMM paths`, () => {
      const codes = addon.launchCodes();
      expect(codes.op).toEqual(OP);
      expect(codes.dtype).toEqual(DTYPE_CODES);
      expect(codes.gemmPath).toEqual(GEMM_PATH);
    });
  }
});

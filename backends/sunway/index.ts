/**
 * sunway: GLM on Sunway SW26010 / SW26010-Pro core groups. athread C kernels run on the 64 CPEs of
 * each core group (kernels/), launched from the MPE by a runner library with no Node.js in it
 * (runner/); a Node addon (native/) wraps the runner as the program runtime's device. Here, without
 * Sunway hardware, the kernels are compiled with gcc against a pthreads emulator of athread/CRTS
 * (emulator/) that enforces the LDM budget and faults on main memory touched without DMA, so every
 * result says "emulator". The chip is GLM_SUNWAY_CHIP (SW26010-Pro by default, or SW26010).
 * Loading this module never touches the addon: probe() and open() do.
 */
import { GlmError, PLUGIN_API_VERSION, type BackendPlugin, type ExecutionKind, type OpenOptions, type ProbeResult } from '../../core/backend-api/plugin-api.js';
import { ProgramBackend } from '../program/program-backend.js';
import { chipFromEnvironment, type ChipName } from './chip.js';
import type { SunwayPlanOptions } from './plan-options.js';
import { loadAddon, type SunwayAddon, type SunwayDeviceInfo, type SunwayProbe } from './sunway-addon.js';
import { sunwayTarget } from './sunway-target.js';
import { findToolchain, missingForHardware } from './toolchain.js';

export const NAME = 'sunway';

/** The backend object, with the addon and the opened chip (core groups, LDM budget) for the bench and the tests. */
export type SunwayBackend = ProgramBackend<SunwayPlanOptions, SunwayAddon> & { readonly chipInfo: SunwayDeviceInfo };

function execution(probe: SunwayProbe): ExecutionKind {
  return probe.emulated ? 'emulator' : 'hardware';
}

/** "emulator (SW26010-Pro model), kernels compiled with gcc 12.2.0", or the chip itself on a real node. */
export function describeDevice(probe: SunwayProbe, chip: ChipName): string {
  return probe.emulated ? `emulator (${chip} model), kernels compiled with ${probe.compiler}` : `${chip}, kernels compiled with ${probe.compiler}`;
}

async function probe(): Promise<ProbeResult> {
  let chip: ChipName;
  try {
    chip = chipFromEnvironment();
  } catch (e) {
    return { available: false, reason: (e as Error).message, execution: 'emulator' };
  }
  const loaded = loadAddon(chip);
  if (!loaded.addon) return { available: false, reason: `${loaded.reason}; ${missingForHardware(findToolchain())}`, execution: 'emulator' };
  let p: SunwayProbe;
  try {
    p = loaded.addon.probe();
  } catch (e) {
    return { available: false, reason: `the Sunway addon's probe failed: ${(e as Error).message}`, execution: 'emulator' };
  }
  if (!p.available) return { available: false, reason: p.reason ?? 'unknown', execution: execution(p) };
  return { available: true, device: describeDevice(p, chip), execution: execution(p) };
}

async function open(_options?: OpenOptions): Promise<SunwayBackend> {
  const chip = chipFromEnvironment();
  const loaded = loadAddon(chip);
  if (!loaded.addon) throw new GlmError('backend', `${NAME} is unavailable: ${loaded.reason}`);
  const native = loaded.addon;
  const p = native.probe();
  if (!p.available) throw new GlmError('backend', `${NAME} is unavailable: ${p.reason}`);
  let chipInfo: SunwayDeviceInfo;
  try {
    chipInfo = native.open(chip);
  } catch (e) {
    throw new GlmError('backend', `${NAME}: opening the runner for ${chip} failed: ${(e as Error).message}`);
  }
  const backend = new ProgramBackend({
    name: NAME,
    execution: execution(p),
    device: describeDevice(p, chip),
    native,
    target: sunwayTarget(chip),
    options: { backend: NAME, chip },
    refuseVariable: 'GLM_SUNWAY_REFUSE',
  });
  return Object.assign(backend, { chipInfo });
}

export const plugin: Omit<BackendPlugin, 'open'> & { open(options?: OpenOptions): Promise<SunwayBackend> } = {
  name: NAME,
  apiVersion: PLUGIN_API_VERSION,
  description: 'Sunway SW26010 / SW26010-Pro: athread kernels on the CPE mesh (here: on the athread emulator)',
  probe,
  open,
};

export default plugin;

/**
 * The Sunway addon's functions (backends/sunway/native/addon.cpp): the program runtime's surface
 * (ProgramAddon) over the runner library (backends/sunway/runner, no Node.js in it), plus what is the
 * family's own: the probe, opening a chip, the compiled-in codes and the emulator's per-spawn counts.
 * It is built by an explicit script (`npm run build:sunway`), never at install, so its absence is an
 * ordinary state that probe() reports with the reason.
 */
import { join, resolve } from 'node:path';
import { backendSourceFolder, loadAddonFile, type AddonLoad } from '../program/load-addon.js';
import type { ProgramAddon } from '../program/native-addon.js';
import type { ChipName } from './chip.js';

export interface SunwayProbe {
  readonly available: boolean;
  readonly reason?: string;
  /** Built against the pthreads emulator of athread (libathread_emu) rather than a real athread runtime. */
  readonly emulated: boolean;
  /** The compiler the kernels and the runner were built with ("gcc 12.2.0", "swgcc …"). */
  readonly compiler: string;
}

export interface SunwayDeviceInfo {
  readonly chip: string;
  readonly coreGroups: number;
  readonly cpesPerGroup: number;
  /** CRTS_MAX_LDM_SIZE and the usable part the tiles are sized for. */
  readonly ldmBytes: number;
  readonly ldmBudget: number;
}

/** One core group's share of a launch's counts (the performance model's SunwayCounters). */
export interface GroupCounts {
  readonly dmaGetBytes: number;
  readonly dmaPutBytes: number;
  readonly dmaBlocks: number;
  readonly rmaBytes: number;
  readonly flopsF16: number;
  readonly flopsF32: number;
  readonly flopsF64: number;
}

/** One launch as the emulator counted it, or as the runner predicts it (predictProgram). */
export interface SpawnCounts {
  /** The launcher's name for the kernel ("gemm", "gemv", "layer-norm", ...). */
  readonly kernel: string;
  readonly coreGroups: number;
  readonly predicted: boolean;
  /** The most LDM one CPE used, bytes. */
  readonly ldmHighWater: number;
  readonly perGroup: readonly GroupCounts[];
}

export interface SunwayAddon extends ProgramAddon {
  probe(): SunwayProbe;
  /** Opens the runner for a chip ("SW26010-Pro" or "SW26010"); the emulator models that chip from then on. */
  open(chip: string): SunwayDeviceInfo;
  launchCodes(): { op: Record<string, number>; dtype: Record<string, number> };
  /** Start (true) or stop collecting per-spawn counts; takeCounts() returns and clears them. */
  collectCounts(on: boolean): void;
  takeCounts(): SpawnCounts[];
  /**
   * The counts each launch of `program` would make, predicted by the runner's count models
   * (runner/predict*.cpp) without running it: the same launchers choose the same tiles; only the
   * device scalars that size the work (an attention length) are read. The GLM layer's kernels only.
   */
  predictProgram(program: Float64Array): SpawnCounts[];
}

/**
 * The addon built for `chip`: the kernels' SIMD width and half precision are compile-time choices
 * (sw_compat.h), so each chip has its own build, as a real deployment would (GLM_SUNWAY_ADDON overrides).
 */
export function addonPath(chip: ChipName): string {
  if (process.env['GLM_SUNWAY_ADDON']) return resolve(process.env['GLM_SUNWAY_ADDON']);
  const file = chip === 'SW26010' ? 'glm_sunway_sw26010.node' : 'glm_sunway.node';
  return join(backendSourceFolder(import.meta.url), 'build', 'Release', file);
}

let cached: AddonLoad<SunwayAddon> | undefined;

/**
 * The addon this process uses for `chip` (the emulator reads GLM_SUNWAY_CHIP once per process, so
 * one process runs one chip).
 */
export function loadAddon(chip: ChipName): AddonLoad<SunwayAddon> {
  const path = addonPath(chip);
  cached ??= loadAddonFile(path, {
    notBuilt: `the Sunway addon is not built (no ${path}; build it with npm run build:sunway, which compiles the kernels against the athread emulator)`,
    failed: (message) => `the Sunway addon at ${path} failed to load: ${message}`,
  });
  return cached;
}

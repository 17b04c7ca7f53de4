/**
 * Finding and loading the native addon. It is built by an explicit script (`npm run build:cuda`),
 * never at install, so its absence is an ordinary state that probe() reports with the reason.
 * GLM_CUDA_EMULATE=1 loads the CPU-emulated build instead (`npm run build:cuda-emu`): the same
 * kernels on the CPU, to check them on machines without a GPU.
 */
import { join, resolve } from 'node:path';
import { backendSourceFolder, loadAddonFile, type AddonLoad } from '../program/load-addon.js';
import type { SimtAddon, SimtDeviceInfo, SimtProbe } from '../simt/simt-addon.js';

export interface NativeDeviceInfo extends SimtDeviceInfo {
  readonly computeCapability: string;
}

export interface NativeProbe extends SimtProbe {
  readonly device?: NativeDeviceInfo;
  readonly cublasLtError?: string;
  readonly cublasLtPath?: string;
}

export interface GemmStats {
  readonly cublasLt: number;
  readonly simt: number;
  readonly gemv: number;
  /** Products run by the small-M tensor-core kernel (≤ 16 rows past the GEMV; GLM_CUDA_SMALL_M_MMA=0 turns it off). */
  readonly smallM: number;
  readonly cublasLtFallbacks: number;
  readonly lastFallback: string;
}

/** How the step runs went (backends/cuda/native/src/step.h). */
export interface StepStats {
  readonly captures: number;
  readonly replays: number;
  readonly direct: number;
  readonly syncs: number;
  readonly lastCaptureError: string;
}

/**
 * The addon's functions (backends/cuda/native/src/addon.cpp): the SIMT family's surface (SimtAddon),
 * with runStep always present (a step's launches recorded once as a CUDA graph and replayed), plus
 * what is CUDA's own. Addresses are plain numbers.
 */
export interface NativeAddon extends SimtAddon {
  readonly emulated: boolean;
  probe(): NativeProbe;
  open(deviceIndex: number): NativeDeviceInfo;
  stats(): GemmStats;
  runStep: NonNullable<SimtAddon['runStep']>;
  stepStats(): StepStats;
}

export function emulationRequested(): boolean {
  return process.env['GLM_CUDA_EMULATE'] === '1';
}

export function addonPath(): string {
  const root = backendSourceFolder(import.meta.url);
  if (process.env['GLM_CUDA_ADDON']) return resolve(process.env['GLM_CUDA_ADDON']);
  return emulationRequested() ? join(root, 'build-emu', 'Release', 'glm_cuda_emu.node') : join(root, 'build', 'Release', 'glm_cuda.node');
}

/** Load the addon at `path` (uncached), or say why it cannot be. */
export function loadAddonAt(path: string): AddonLoad<NativeAddon> {
  const how = /_emu\.node$/.test(path) ? 'npm run build:cuda-emu' : 'npm run build:cuda, which needs nvcc (the CUDA toolkit) at build time';
  return loadAddonFile(path, {
    notBuilt: `the CUDA addon is not built (no ${path}; build it with ${how})`,
    failed: (message) => `the CUDA addon at ${path} failed to load: ${message}`,
  });
}

let cached: AddonLoad<NativeAddon> | undefined;

/** The addon this process uses (chosen once: GLM_CUDA_ADDON, else the emulated or the real build). */
export function loadAddon(): AddonLoad<NativeAddon> {
  cached ??= loadAddonAt(addonPath());
  return cached;
}

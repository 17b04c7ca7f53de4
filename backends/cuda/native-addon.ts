/**
 * Finding and loading the native addon. It is built by an explicit script (`npm run build:cuda`),
 * never at install, so its absence is an ordinary state that probe() reports with the reason.
 * GLM_CUDA_EMULATE=1 loads the CPU-emulated build instead (`npm run build:cuda-emu`): the same
 * kernels on the CPU, to check them on machines without a GPU.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import type { GpuAddon } from '../gpu-common/native-addon.js';

export interface NativeDeviceInfo {
  readonly name: string;
  readonly computeCapability: string;
  readonly totalMemory: number;
  readonly multiprocessors: number;
  readonly driverVersion: number;
  readonly runtimeVersion: number;
  readonly l2Bytes: number;
  readonly emulated: boolean;
}

export interface NativeProbe {
  readonly available: boolean;
  readonly reason?: string;
  readonly device?: NativeDeviceInfo;
  readonly cublasLtError?: string;
  readonly cublasLtPath?: string;
  readonly emulated: boolean;
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
 * The addon's functions (backends/cuda/native/src/addon.cpp): the shared GPU provider's surface
 * (GpuAddon), with runStep always present, plus what is CUDA's own. Addresses are plain numbers.
 */
export interface NativeAddon extends GpuAddon {
  readonly emulated: boolean;
  probe(): NativeProbe;
  open(deviceIndex: number): NativeDeviceInfo;
  stats(): GemmStats;
  runStep: NonNullable<GpuAddon['runStep']>;
  stepStats(): StepStats;
}

export type AddonLoad = { readonly addon: NativeAddon; readonly path: string } | { readonly addon: null; readonly reason: string };

/** backends/cuda/ in the source tree, whether this file runs from dist/ or not. */
function backendRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/backends/cuda -> ../../../backends/cuda; source backends/cuda -> itself
  const fromDist = resolve(here, '../../../backends/cuda');
  return existsSync(join(fromDist, 'native')) ? fromDist : here;
}

export function emulationRequested(): boolean {
  return process.env['GLM_CUDA_EMULATE'] === '1';
}

export function addonPath(): string {
  const root = backendRoot();
  if (process.env['GLM_CUDA_ADDON']) return resolve(process.env['GLM_CUDA_ADDON']);
  return emulationRequested() ? join(root, 'build-emu', 'Release', 'glm_cuda_emu.node') : join(root, 'build', 'Release', 'glm_cuda.node');
}

/** Load the addon at `path` (uncached), or say why it cannot be. */
export function loadAddonAt(path: string): AddonLoad {
  if (!existsSync(path)) {
    const how = /_emu\.node$/.test(path) ? 'npm run build:cuda-emu' : 'npm run build:cuda, which needs nvcc (the CUDA toolkit) at build time';
    return { addon: null, reason: `the CUDA addon is not built (no ${path}; build it with ${how})` };
  }
  try {
    return { addon: createRequire(import.meta.url)(path) as NativeAddon, path };
  } catch (e) {
    return { addon: null, reason: `the CUDA addon at ${path} failed to load: ${(e as Error).message.split('\n')[0]}` };
  }
}

let cached: AddonLoad | undefined;

/** The addon this process uses (chosen once: GLM_CUDA_ADDON, else the emulated or the real build). */
export function loadAddon(): AddonLoad {
  cached ??= loadAddonAt(addonPath());
  return cached;
}

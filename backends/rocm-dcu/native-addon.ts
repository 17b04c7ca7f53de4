/**
 * Finding and loading the rocm-dcu addon. One set of HIP sources, built for three targets, each an
 * explicit build (`npm run build:dcu`), never at install — so a missing one is an ordinary state
 * that probe() reports with the reason:
 *   - a DCU (the default): build-hip/glm_dcu.node, hipcc's gfx906 (or DTK's gfx928+) code objects,
 *     linked against libamdhip64.so.5;
 *   - GLM_DCU_TARGET=nvidia: build-nv-w<W>/Release/glm_dcu_nv_wave<W>.node, the same HIP sources
 *     through the HIP→CUDA map on an NVIDIA GPU — W = GLM_DCU_WAVE, 64 (default) or 32;
 *   - GLM_DCU_EMULATE=1: build-emu-w<W>-hw<H>/Release/glm_dcu_emu_wave<W>_hw<H>.node, the CPU
 *     emulator, with H = GLM_DCU_EMU_WARP the emulated hardware's wavefront (default W).
 * GLM_DCU_ADDON=path loads that file instead.
 */
import { join, resolve } from 'node:path';
import { backendSourceFolder, loadAddonFile, type AddonLoad } from '../program/load-addon.js';
import type { SimtAddon, SimtDeviceInfo, SimtProbe } from '../simt/simt-addon.js';

export type DcuTarget = 'amd' | 'nvidia' | 'emulator';

/** What an addon was built as (addon.cpp's `build`). */
export interface DcuBuild {
  readonly target: DcuTarget;
  /** The wavefront width the kernels are compiled for. */
  readonly wave: number;
  /** The hardware's wavefront on that target (64 on a DCU, 32 on NVIDIA, the emulator's setting). */
  readonly hardwareWave: number;
  /** Offload archs of the code objects (the DCU build only). */
  readonly archs: string;
  readonly hipblas: boolean;
  /** The vendor BLAS the build found and links ("hipBLAS", "rocBLAS"), or "" for none. */
  readonly blas: '' | 'hipBLAS' | 'rocBLAS';
}

export interface DcuDeviceInfo extends SimtDeviceInfo {
  /** "gfx906:sramecc+:xnack-" on a DCU, "sm_90" on NVIDIA, "emulated". */
  readonly arch: string;
  readonly hardwareWave: number;
}

export interface DcuProbe extends SimtProbe {
  readonly device?: DcuDeviceInfo;
  /** Why the vendor BLAS (hipBLAS or rocBLAS) is not in use ("" / absent when it is). */
  readonly hipblasStatus?: string;
}

export interface DcuGemmStats {
  readonly vendor: number;
  readonly tiled: number;
  readonly gemv: number;
  readonly vendorFallbacks: number;
  readonly lastFallback: string;
}

/** The addon's functions (backends/rocm-dcu/native/src/addon.cpp). Addresses are plain numbers. */
export interface DcuAddon extends SimtAddon {
  readonly emulated: boolean;
  readonly build: DcuBuild;
  probe(): DcuProbe;
  open(deviceIndex: number): DcuDeviceInfo;
  stats(): DcuGemmStats;
}

/** The target this process asks for (environment). */
export function requestedTarget(): DcuTarget {
  if (process.env['GLM_DCU_EMULATE'] === '1') return 'emulator';
  return process.env['GLM_DCU_TARGET'] === 'nvidia' ? 'nvidia' : 'amd';
}

function widthFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== '32' && raw !== '64') throw new Error(`${name} must be 32 or 64, not "${raw}"`);
  return Number(raw);
}

/** The wavefront width asked for (GLM_DCU_WAVE; 64, a DCU's, by default). */
export function requestedWave(): number {
  return widthFrom('GLM_DCU_WAVE', 64);
}

export function addonPath(target: DcuTarget = requestedTarget()): string {
  if (process.env['GLM_DCU_ADDON']) return resolve(process.env['GLM_DCU_ADDON']);
  const root = backendSourceFolder(import.meta.url);
  const wave = requestedWave();
  if (target === 'amd') return join(root, 'build-hip', 'glm_dcu.node');
  if (target === 'nvidia') return join(root, `build-nv-w${wave}`, 'Release', `glm_dcu_nv_wave${wave}.node`);
  const hw = widthFrom('GLM_DCU_EMU_WARP', wave);
  return join(root, `build-emu-w${wave}-hw${hw}`, 'Release', `glm_dcu_emu_wave${wave}_hw${hw}.node`);
}

function notBuilt(path: string, target: DcuTarget): string {
  switch (target) {
    case 'amd':
      return `the DCU addon is not built (no ${path}; build it with npm run build:dcu, which needs hipcc: Debian's for gfx906, Hygon DTK's for gfx928 and newer; set GLM_DCU_TARGET=nvidia to run the HIP sources on an NVIDIA GPU instead)`;
    case 'nvidia':
      return `the HIP→CUDA build of the DCU sources is not built (no ${path}; build it with npm run build:dcu, which needs nvcc)`;
    default:
      return `the CPU-emulated DCU addon is not built (no ${path}; build it with npm run build:dcu)`;
  }
}

/** Why loading failed: a missing HIP runtime is named, with the way to run elsewhere. */
function loadFailure(path: string, message: string): string {
  if (/libamdhip64\.so/.test(message)) {
    return `no libamdhip64.so.5: the HIP runtime of Hygon DTK (or ROCm 5) is not installed or not on the loader's path (LD_LIBRARY_PATH, e.g. /opt/dtk/lib), so the DCU addon cannot load (${message}); set GLM_DCU_TARGET=nvidia to run the HIP sources on an NVIDIA GPU instead`;
  }
  return `the rocm-dcu addon at ${path} failed to load: ${message}`;
}

/** Load the addon at `path` (uncached), or say why it cannot be. */
export function loadAddonAt(path: string, target: DcuTarget = requestedTarget()): AddonLoad<DcuAddon> {
  return loadAddonFile(path, { notBuilt: notBuilt(path, target), failed: (message) => loadFailure(path, message) });
}

let cached: { key: string; load: AddonLoad<DcuAddon> } | undefined;

/** The addon this process uses, per the environment (cached per choice). */
export function loadAddon(): AddonLoad<DcuAddon> {
  let target: DcuTarget;
  let path: string;
  try {
    target = requestedTarget();
    path = addonPath(target);
  } catch (e) {
    return { addon: null, reason: (e as Error).message };
  }
  if (cached?.key !== path) cached = { key: path, load: loadAddonAt(path, target) };
  return cached.load;
}

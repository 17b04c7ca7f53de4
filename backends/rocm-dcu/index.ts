/**
 * rocm-dcu: GLM on Hygon DCUs (HIP, DTK). HIP kernels — the DCU's own (wave64 attention and GEMV,
 * a portable tiled GEMM) plus those shared with the cuda backend — in a native addon, planned by
 * the SIMT family the two backends share (backends/simt, on backends/program). The same HIP sources also build
 * for an NVIDIA GPU through a HIP→CUDA name map (GLM_DCU_TARGET=nvidia), in a 32- or 64-wide
 * wavefront (GLM_DCU_WAVE), and for a CPU emulator (GLM_DCU_EMULATE=1): the device string always
 * says which one ran, and only the DCU build ever claims a DCU.
 * Loading this module never touches a GPU or the addon: probe() and open() do.
 */
import { programSupports } from '../program/program-backend.js';
import { SIMT_TARGET } from '../simt/simt-target.js';
import { nvidiaRoofline, simtPlugin, type SimtBackend } from '../simt/simt-plugin.js';
import { loadAddon, type DcuAddon, type DcuBuild, type DcuDeviceInfo, type DcuProbe } from './native-addon.js';

export const NAME = 'rocm-dcu';

/** Ops refused on request (GLM_DCU_REFUSE=attention,linear): to compare against the decompositions. */
export const supports = programSupports(NAME, SIMT_TARGET, 'GLM_DCU_REFUSE');

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(0)} GiB`;
}

/** What runs, in words: never a DCU unless the DCU build found one. */
export function describeDevice(build: DcuBuild, info: DcuDeviceInfo, probe: DcuProbe): string {
  if (build.target === 'emulator') {
    return `CPU emulator of the HIP kernels (wave${build.wave} on ${build.hardwareWave}-lane emulated hardware; portable tiled GEMM; no GPU, results from emulation)`;
  }
  if (build.target === 'nvidia') {
    const wave = build.wave === 64 ? 'wave64 as logical wavefronts of two warps' : 'wave32, one warp per wavefront';
    return `HIP sources on ${info.name} via HIP→CUDA map (${info.arch}, ${gib(info.totalMemory)}; ${wave}; portable kernels, no vendor BLAS; not a DCU)`;
  }
  const hip = `HIP ${Math.floor(info.runtimeVersion / 1e7)}.${Math.floor(info.runtimeVersion / 1e5) % 100}`;
  const gemm = probe.hipblasStatus || !build.blas ? 'portable tiled GEMM' : build.blas;
  return `${info.name} (${info.arch}, ${gib(info.totalMemory)}, ${info.multiprocessors} CUs), ${hip}, wave${build.wave}, ${gemm}`;
}

/** The backend object, with the addon, its build and the device context exposed for benchmarks. */
export type DcuBackend = SimtBackend<DcuAddon, { readonly build: DcuBuild }>;

export const plugin = simtPlugin<DcuAddon, { readonly build: DcuBuild }>({
  name: NAME,
  description: 'Hygon DCU (HIP/DTK): wave64 HIP kernels and a portable tiled GEMM through a native addon; the same sources also run on NVIDIA through a HIP→CUDA map',
  addonName: 'rocm-dcu',
  envPrefix: 'GLM_DCU',
  // The tiled GEMM's 128-row tiles waste most of their work on a handful of rows: decode batches up to
  // 16 use the GEMV kernel, which reads each weight once.
  gemvRowsDefault: 16,
  loadAddon,
  execution: (addon) => (addon.build.target === 'emulator' ? 'emulator' : 'hardware'),
  probedDevice: (addon, p) => ({ device: describeDevice(addon.build, p.device!, p) }),
  openedDevice: (addon, probe, info) => ({
    device: describeDevice(addon.build, info, probe),
    vendorBlas: addon.build.blas !== '' && !probe.hipblasStatus,
    // Peaks are known for the lent NVIDIA cards only, none for a DCU yet.
    roofline: addon.build.target === 'nvidia' ? nvidiaRoofline(info.name) : undefined,
  }),
  extras: (addon) => ({ build: addon.build }),
});

export default plugin;

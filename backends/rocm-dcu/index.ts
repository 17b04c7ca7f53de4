/**
 * rocm-dcu: GLM on Hygon DCUs (HIP, DTK). HIP kernels — the DCU's own (wave64 attention and GEMV,
 * a portable tiled GEMM) plus those shared with the cuda backend — in a native addon, planned by
 * the GPU provider the two backends share (backends/gpu-common). The same HIP sources also build
 * for an NVIDIA GPU through a HIP→CUDA name map (GLM_DCU_TARGET=nvidia), in a 32- or 64-wide
 * wavefront (GLM_DCU_WAVE), and for a CPU emulator (GLM_DCU_EMULATE=1): the device string always
 * says which one ran, and only the DCU build ever claims a DCU.
 * Loading this module never touches a GPU or the addon: probe() and open() do.
 */
import { PLUGIN_API_VERSION, type Backend, type BackendPlugin, type ExecutionPlan, type OpenOptions, type ProbeResult } from '../../core/backend-api/plugin-api.js';
import { makeSupports } from '../gpu-common/capabilities.js';
import { DeviceContext } from '../gpu-common/device-context.js';
import { GpuMemory } from '../gpu-common/device-memory.js';
import { GpuExecutable } from '../gpu-common/executable.js';
import { openDevice } from '../gpu-common/open-device.js';
import { planOptionsFor } from '../gpu-common/plan-options.js';
import { loadAddon, type DcuAddon, type DcuBuild, type DcuDeviceInfo, type DcuProbe } from './native-addon.js';

export const NAME = 'rocm-dcu';

export const supports = makeSupports(NAME, 'GLM_DCU_REFUSE');

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(0)} GiB`;
}

/** What runs, in words: never a DCU unless the DCU build found one. */
export function describeDevice(build: DcuBuild, info: DcuDeviceInfo, probe: DcuProbe): string {
  if (build.target === 'emulator') {
    return `CPU emulator of the HIP kernels (wave${build.wave} on ${build.hardwareWave}-lane emulated hardware; no GPU, results from emulation)`;
  }
  if (build.target === 'nvidia') {
    const wave = build.wave === 64 ? 'wave64 as logical wavefronts of two warps' : 'wave32, one warp per wavefront';
    return `HIP sources on ${info.name} via HIP→CUDA map (${info.arch}, ${gib(info.totalMemory)}; ${wave}; portable kernels, no vendor BLAS; not a DCU)`;
  }
  const hip = `HIP ${Math.floor(info.runtimeVersion / 1e7)}.${Math.floor(info.runtimeVersion / 1e5) % 100}`;
  const gemm = probe.hipblasStatus ? 'portable tiled GEMM' : 'hipBLAS';
  return `${info.name} (${info.arch}, ${gib(info.totalMemory)}, ${info.multiprocessors} CUs), ${hip}, wave${build.wave}, ${gemm}`;
}

/** Device peaks where measured (the lent H100, platforms.md); none known for a DCU yet. */
function rooflineFor(build: DcuBuild, name: string): Backend['roofline'] {
  if (build.target !== 'nvidia') return undefined;
  if (/H100/.test(name)) return { bytesPerSecond: 3.0e12, flopsPerSecond: 722e12 };
  if (/H200/.test(name)) return { bytesPerSecond: 4.3e12, flopsPerSecond: 788e12 };
  return undefined;
}

/** The backend object, with the addon and the device context exposed for benchmarks. */
export interface DcuBackend extends Backend {
  readonly memory: GpuMemory;
  readonly context: DeviceContext;
  readonly native: DcuAddon;
  readonly build: DcuBuild;
}

export const plugin: BackendPlugin = {
  name: NAME,
  apiVersion: PLUGIN_API_VERSION,
  description: 'Hygon DCU (HIP/DTK): wave64 HIP kernels and a portable tiled GEMM through a native addon; the same sources also run on NVIDIA through a HIP→CUDA map',

  async probe(): Promise<ProbeResult> {
    const loaded = loadAddon();
    if (!loaded.addon) return { available: false, reason: loaded.reason, execution: 'hardware' };
    const build = loaded.addon.build;
    const execution = build.target === 'emulator' ? 'emulator' : 'hardware';
    let p: DcuProbe;
    try {
      p = loaded.addon.probe();
    } catch (e) {
      return { available: false, reason: `the rocm-dcu addon's probe failed: ${(e as Error).message}`, execution };
    }
    if (!p.available) return { available: false, reason: p.reason ?? 'unknown', execution };
    return { available: true, device: describeDevice(build, p.device!, p), execution };
  },

  async open(options?: OpenOptions): Promise<Backend> {
    const { native, probe, info } = openDevice(NAME, loadAddon(), options?.deviceIndex ?? 0);
    const build = native.build;
    const memory = new GpuMemory(native, NAME);
    // The tiled GEMM's 128-row tiles waste most of their work on a handful of rows: decode batches up to
    // 16 use the GEMV kernel, which reads each weight once (GLM_DCU_* planner variables for benchmarking).
    const context = new DeviceContext(native, planOptionsFor(NAME, 'GLM_DCU', info, build.hipblas && !probe.hipblasStatus, 16), memory);
    const roofline = rooflineFor(build, info.name);
    const backend: DcuBackend = {
      name: NAME,
      execution: build.target === 'emulator' ? 'emulator' : 'hardware',
      device: describeDevice(build, info, probe),
      supports,
      memory,
      ...(roofline ? { roofline } : {}),
      context,
      native,
      build,
      async compile(plan: ExecutionPlan) {
        return new GpuExecutable(plan, context, memory);
      },
      async close() {
        context.releaseArena();
      },
    };
    return backend;
  },
};

export default plugin;

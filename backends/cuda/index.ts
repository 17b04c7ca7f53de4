/**
 * cuda: GLM on NVIDIA GPUs. A native addon (node-addon-api + cmake-js) holds CUDA C++ kernels
 * compiled ahead of time for sm_80/sm_90 (+PTX), the CUDA runtime linked statically, and
 * cuBLASLt opened at run time. Graphs are planned into launch programs by the GPU provider this
 * backend shares with rocm-dcu (backends/gpu-common); this module is what is CUDA's own: the
 * addon, the probe, the device description and the planner's choices for NVIDIA cards.
 * Loading this module never touches the GPU or the addon: probe() and open() do.
 */
import { PLUGIN_API_VERSION, type Backend, type BackendPlugin, type ExecutionPlan, type OpenOptions, type ProbeResult } from '../../core/backend-api/plugin-api.js';
import { makeSupports } from '../gpu-common/capabilities.js';
import { DeviceContext } from '../gpu-common/device-context.js';
import { GpuMemory } from '../gpu-common/device-memory.js';
import { GpuExecutable } from '../gpu-common/executable.js';
import { openDevice } from '../gpu-common/open-device.js';
import { planOptionsFor } from '../gpu-common/plan-options.js';
import { loadAddon, type NativeAddon, type NativeDeviceInfo, type NativeProbe } from './native-addon.js';

export const NAME = 'cuda';

/** Ops refused on request (GLM_CUDA_REFUSE=attention,linear): to compare against the decompositions. */
export const supports = makeSupports(NAME, 'GLM_CUDA_REFUSE');

/** Rates measured on the lent H100 (platforms.md): copy 3.0 TB/s counting read + write, fp16 GEMM 722 TFLOP/s. */
function rooflineFor(name: string): Backend['roofline'] {
  if (/H100/.test(name)) return { bytesPerSecond: 3.0e12, flopsPerSecond: 722e12 };
  if (/H200/.test(name)) return { bytesPerSecond: 4.3e12, flopsPerSecond: 788e12 };
  return undefined;
}

function describe(info: NativeDeviceInfo, probe: NativeProbe): string {
  if (info.emulated) return info.name;
  const version = (v: number) => `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
  const lt = probe.cublasLtPath ? `, cuBLASLt ${probe.cublasLtPath}` : '';
  return `${info.name} (sm_${info.computeCapability.replace('.', '')}, ${(info.totalMemory / 2 ** 30).toFixed(0)} GiB), driver CUDA ${version(info.driverVersion)}${lt}`;
}

/** The backend object, with the device context, memory and addon exposed for benchmarks. */
export interface CudaBackend extends Backend {
  readonly memory: GpuMemory;
  readonly context: DeviceContext;
  readonly native: NativeAddon;
}

export const plugin: BackendPlugin = {
  name: NAME,
  apiVersion: PLUGIN_API_VERSION,
  description: 'NVIDIA GPUs: CUDA C++ kernels (sm_80/sm_90) and cuBLASLt through a native addon',

  async probe(): Promise<ProbeResult> {
    const loaded = loadAddon();
    if (!loaded.addon) return { available: false, reason: loaded.reason, execution: 'hardware' };
    let p: NativeProbe;
    try {
      p = loaded.addon.probe();
    } catch (e) {
      return { available: false, reason: `the CUDA addon's probe failed: ${(e as Error).message}`, execution: 'hardware' };
    }
    const execution = p.emulated ? 'emulator' : 'hardware';
    if (!p.available) return { available: false, reason: p.reason ?? 'unknown', execution };
    if (!p.emulated && p.cublasLtError) return { available: false, reason: `cuBLASLt is missing: ${p.cublasLtError}`, execution };
    return { available: true, device: describe(p.device!, p), execution };
  },

  async open(options?: OpenOptions): Promise<Backend> {
    const { native, probe, info } = openDevice(NAME, loadAddon(), options?.deviceIndex ?? 0);
    const memory = new GpuMemory(native, NAME);
    // The GLM_CUDA_* planner variables exist for benchmarking variants; products of ≤ 4 rows take the GEMV.
    const context = new DeviceContext(native, planOptionsFor(NAME, 'GLM_CUDA', info, !probe.emulated && !probe.cublasLtError, 4), memory);
    const roofline = probe.emulated ? undefined : rooflineFor(info.name);
    const backend: CudaBackend = {
      name: NAME,
      execution: probe.emulated ? 'emulator' : 'hardware',
      device: describe(info, probe),
      supports,
      memory,
      ...(roofline ? { roofline } : {}),
      context,
      native,
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

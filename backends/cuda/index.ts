/**
 * cuda: GLM on NVIDIA GPUs. A native addon (node-addon-api + cmake-js) holds CUDA C++ kernels
 * compiled ahead of time for sm_80/sm_90 (+PTX), the CUDA runtime linked statically, and
 * cuBLASLt opened at run time; this module plans each graph into launch programs for it.
 * Loading this module never touches the GPU or the addon: probe() and open() do.
 */
import { GlmError, PLUGIN_API_VERSION, type Backend, type BackendPlugin, type ExecutionPlan, type OpenOptions, type ProbeResult } from '../../core/runtime/plugin-api.js';
import { supports } from './capabilities.js';
import { DeviceContext } from './device-context.js';
import { CudaMemory } from './device-memory.js';
import { CudaExecutable } from './executable.js';
import { loadAddon, type NativeDeviceInfo, type NativeProbe } from './native-addon.js';

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

/** The backend object, with the device context exposed for benchmarks. */
export interface CudaBackend extends Backend {
  readonly context: DeviceContext;
}

export const plugin: BackendPlugin = {
  name: 'cuda',
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
    const loaded = loadAddon();
    if (!loaded.addon) throw new GlmError('backend', `cuda is unavailable: ${loaded.reason}`);
    const native = loaded.addon;
    const probe = native.probe();
    if (!probe.available) throw new GlmError('backend', `cuda is unavailable: ${probe.reason}`);
    let info: NativeDeviceInfo;
    try {
      info = native.open(options?.deviceIndex ?? 0);
    } catch (e) {
      throw new GlmError('backend', `cuda: opening device ${options?.deviceIndex ?? 0} failed: ${(e as Error).message}`);
    }
    const context = new DeviceContext(native, info, !probe.emulated && !probe.cublasLtError);
    const execution = probe.emulated ? 'emulator' : 'hardware';
    const roofline = probe.emulated ? undefined : rooflineFor(info.name);
    const backend: CudaBackend = {
      name: 'cuda',
      execution,
      device: describe(info, probe),
      supports,
      memory: new CudaMemory(native),
      ...(roofline ? { roofline } : {}),
      context,
      async compile(plan: ExecutionPlan) {
        return new CudaExecutable(plan, context);
      },
      async close() {
        context.releaseArena();
      },
    };
    return backend;
  },
};

export default plugin;

/**
 * cuda: GLM on NVIDIA GPUs. A native addon (node-addon-api + cmake-js) holds CUDA C++ kernels
 * compiled ahead of time for sm_80/sm_90 (+PTX), the CUDA runtime linked statically, and
 * cuBLASLt opened at run time. Graphs are planned into launch programs by the SIMT family this
 * backend shares with rocm-dcu (backends/simt, on backends/program); this module is what is CUDA's
 * own: the addon, the probe, the device description and the planner's defaults for NVIDIA cards.
 * Loading this module never touches the GPU or the addon: probe() and open() do.
 */
import { programSupports } from '../program/program-backend.js';
import { SIMT_TARGET } from '../simt/simt-target.js';
import { nvidiaRoofline, simtPlugin, type SimtBackend } from '../simt/simt-plugin.js';
import { loadAddon, type NativeAddon, type NativeDeviceInfo, type NativeProbe } from './native-addon.js';

export const NAME = 'cuda';

/** Ops refused on request (GLM_CUDA_REFUSE=attention,linear): to compare against the decompositions. */
export const supports = programSupports(NAME, SIMT_TARGET, 'GLM_CUDA_REFUSE');

function describe(info: NativeDeviceInfo, probe: NativeProbe): string {
  if (info.emulated) return info.name;
  const version = (v: number) => `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
  const lt = probe.cublasLtPath ? `, cuBLASLt ${probe.cublasLtPath}` : '';
  return `${info.name} (sm_${info.computeCapability.replace('.', '')}, ${(info.totalMemory / 2 ** 30).toFixed(0)} GiB), driver CUDA ${version(info.driverVersion)}${lt}`;
}

/** The backend object, with the device context, memory and addon exposed for benchmarks. */
export type CudaBackend = SimtBackend<NativeAddon>;

export const plugin = simtPlugin<NativeAddon>({
  name: NAME,
  description: 'NVIDIA GPUs: CUDA C++ kernels (sm_80/sm_90) and cuBLASLt through a native addon',
  addonName: 'CUDA',
  envPrefix: 'GLM_CUDA',
  // Products of ≤ 4 rows take the GEMV; more go to the small-M tensor-core kernel or cuBLASLt.
  gemvRowsDefault: 4,
  loadAddon,
  execution: (_addon, probe) => (probe?.emulated ? 'emulator' : 'hardware'),
  probedDevice: (_addon, p) => (!p.emulated && p.cublasLtError ? { unavailable: `cuBLASLt is missing: ${p.cublasLtError}` } : { device: describe(p.device!, p) }),
  openedDevice: (_addon, probe, info) => ({
    device: describe(info, probe),
    vendorBlas: !probe.emulated && !probe.cublasLtError,
    roofline: probe.emulated ? undefined : nvidiaRoofline(info.name),
  }),
});

export default plugin;

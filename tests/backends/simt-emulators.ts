/**
 * The SIMT family's emulated builds as tests select them: cuda's, and rocm-dcu's at a wave size on
 * emulated hardware of a lane count. `select()` sets the environment that picks the build (again before
 * each use: files share the process) and returns its addon path, for the native-build gate.
 */
import type { Backend } from '../../core/backend-api/plugin-contract.js';

export interface SimtEmulator {
  readonly name: string;
  /** Sets the environment that selects the emulated build; returns its addon path. */
  select(): Promise<string>;
  open(): Promise<Backend>;
}

export const CUDA_EMULATOR: SimtEmulator = {
  name: 'cuda',
  async select() {
    process.env['GLM_CUDA_EMULATE'] = '1';
    return (await import('../../backends/cuda/native-addon.js')).addonPath();
  },
  open: async () => (await import('../../backends/cuda/index.js')).plugin.open(),
};

export function dcuEmulator(wave: number, hardware: number): SimtEmulator {
  return {
    name: `rocm-dcu wave${wave} on ${hardware}-lane hardware`,
    async select() {
      process.env['GLM_DCU_EMULATE'] = '1';
      process.env['GLM_DCU_WAVE'] = String(wave);
      process.env['GLM_DCU_EMU_WARP'] = String(hardware);
      return (await import('../../backends/rocm-dcu/native-addon.js')).addonPath('emulator');
    },
    open: async () => (await import('../../backends/rocm-dcu/index.js')).plugin.open(),
  };
}

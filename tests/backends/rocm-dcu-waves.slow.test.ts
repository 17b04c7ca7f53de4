/**
 * The rocm-dcu kernels on the CPU emulator in the two NVIDIA-build wavefront configurations (wave32 on
 * a 32-lane warp, wave64 as two 32-lane warps): about a minute on two cores, so test:full runs them;
 * npm test runs the DCU's own configuration (tests/backends/rocm-dcu.test.ts).
 */
import { DCU_EMULATED, defineDcuEmulatorSuite } from './rocm-dcu-emulator-suite.js';

defineDcuEmulatorSuite(DCU_EMULATED[1]);
defineDcuEmulatorSuite(DCU_EMULATED[2]);

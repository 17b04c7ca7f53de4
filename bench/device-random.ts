/**
 * Random tensors made on the device, for the GPU benchmarks: GLM-130B-sized weights (63 GB in INT4)
 * are never generated on the host and uploaded. Values come from the addon's fillRandom, which
 * writes uniform f32, f16 or bf16 values (backends/simt/native/kernels/random.cu).
 */
import { allocateTensor } from '../core/backend-api/device-tensors.js';
import type { DeviceTensor } from '../core/backend-api/plugin-contract.js';
import { byteLengthOf, type DType } from '../core/tensor/dtype.js';
import { elementCount } from '../core/tensor/host-tensor.js';
import type { DeviceMemory } from '../backends/program/device-memory.js';
import { dtypeCode } from '../backends/simt/launch-codes.js';
import type { ProgramAddon } from '../backends/program/native-addon.js';

/** Uniform values in [low, high) of the tensor's own float dtype. */
export function fillUniform(memory: DeviceMemory, native: ProgramAddon, t: DeviceTensor, low: number, high: number, seed: number): void {
  if (t.dtype !== 'f32' && t.dtype !== 'f16' && t.dtype !== 'bf16') throw new Error(`fillUniform: ${t.dtype} is not a float dtype`);
  native.fillRandom(memory.own(t.buffer).address + t.byteOffset, elementCount(t.shape), dtypeCode(t.dtype), low, high, seed);
}

/**
 * Random bits for integer weights (i8, packed i4). fillRandom has no integer dtype (its kernel would
 * write bf16 for one), so the bytes are written as f32 values uniform in [-1, 1): their three low
 * bytes are close to uniform, the exponent byte is not. A weight-only GEMV costs the same whatever
 * the bits; every nibble stays a valid INT4 value.
 */
export function fillRandomBits(memory: DeviceMemory, native: ProgramAddon, t: DeviceTensor, seed: number): void {
  const address = memory.own(t.buffer).address + t.byteOffset;
  const bytes = byteLengthOf(t.dtype, elementCount(t.shape));
  const words = Math.floor(bytes / 4);
  native.fillRandom(address, words, dtypeCode('f32'), -1, 1, seed);
  if (bytes > 4 * words) native.fill(address + 4 * words, 0x5a, bytes - 4 * words);
}

/**
 * One weight by its name and dtype: LayerNorm weights 0.8–1.2 and biases ±0.1; quantized weights
 * random bits, their row scales INT4's 0.01/7–0.03/7 (rows whose largest value is about 0.02, like
 * the fp16 weights); everything else ±0.02.
 */
export function randomWeight(memory: DeviceMemory, native: ProgramAddon, name: string, dtype: DType, shape: readonly number[], seed: number): DeviceTensor {
  const t = allocateTensor(memory, dtype, shape);
  if (dtype === 'i4' || dtype === 'i8') fillRandomBits(memory, native, t, seed);
  else if (/layernorm\.weight$/.test(name)) fillUniform(memory, native, t, 0.8, 1.2, seed);
  else if (/layernorm\.bias$/.test(name)) fillUniform(memory, native, t, -0.1, 0.1, seed);
  else if (/weight_scale$/.test(name)) fillUniform(memory, native, t, 0.01 / 7, 0.03 / 7, seed);
  else fillUniform(memory, native, t, -0.02, 0.02, seed);
  return t;
}

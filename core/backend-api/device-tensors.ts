/** Moving host tensors in and out of a backend's memory, one buffer per tensor. */
import { byteLengthOf, storageView } from '../tensor/dtype.js';
import { elementCount, hostTensor, tensorBytes, type HostTensor } from '../tensor/host-tensor.js';
import type { DType } from '../tensor/dtype.js';
import type { BackendMemory, DeviceTensor } from './plugin-contract.js';

export function allocateTensor(memory: BackendMemory, dtype: DType, shape: readonly number[]): DeviceTensor {
  const buffer = memory.allocate(byteLengthOf(dtype, elementCount(shape)));
  return { buffer, byteOffset: 0, dtype, shape: [...shape] };
}

export async function uploadTensor(memory: BackendMemory, t: HostTensor): Promise<DeviceTensor> {
  const device = allocateTensor(memory, t.dtype, t.shape);
  if (device.buffer.byteLength > 0) await memory.write(device.buffer, 0, tensorBytes(t));
  return device;
}

export async function downloadTensor(memory: BackendMemory, t: DeviceTensor): Promise<HostTensor> {
  const count = elementCount(t.shape);
  const byteLength = byteLengthOf(t.dtype, count);
  const bytes = byteLength > 0 ? await memory.read(t.buffer, t.byteOffset, byteLength) : new Uint8Array(0);
  return hostTensor(t.dtype, t.shape, storageView(t.dtype, bytes, count));
}

export function freeTensor(memory: BackendMemory, t: DeviceTensor): void {
  memory.free(t.buffer);
}

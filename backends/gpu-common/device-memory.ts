/** Device memory through the addon: one cudaMalloc per buffer; an empty buffer has no allocation. */
import { GlmError, type BackendMemory, type DeviceBuffer } from '../../core/runtime/plugin-api.js';
import type { NativeAddon } from './native-addon.js';

export class CudaBuffer implements DeviceBuffer {
  freed = false;
  constructor(
    readonly address: number,
    readonly byteLength: number,
  ) {}
}

export function own(buffer: DeviceBuffer): CudaBuffer {
  if (!(buffer instanceof CudaBuffer)) throw new GlmError('backend', 'cuda was given a buffer of another backend');
  if (buffer.freed) throw new GlmError('backend', 'cuda buffer used after free');
  return buffer;
}

function checkRange(b: CudaBuffer, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > b.byteLength) {
    throw new GlmError('backend', `cuda: access [${offset}, ${offset + length}) outside a buffer of ${b.byteLength} bytes`);
  }
}

export class CudaMemory implements BackendMemory {
  constructor(private readonly native: NativeAddon) {}

  allocate(byteLength: number): DeviceBuffer {
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) throw new GlmError('resource', `cuda: cannot allocate ${byteLength} bytes`);
    if (byteLength === 0) return new CudaBuffer(0, 0);
    try {
      return new CudaBuffer(this.native.allocate(byteLength), byteLength);
    } catch (e) {
      const message = (e as Error).message;
      throw new GlmError(message.includes('out of device memory') ? 'resource' : 'backend', `cuda: ${message}`);
    }
  }

  free(buffer: DeviceBuffer): void {
    const b = own(buffer);
    b.freed = true;
    if (b.address !== 0) this.native.free(b.address);
  }

  async write(buffer: DeviceBuffer, byteOffset: number, bytes: Uint8Array): Promise<void> {
    const b = own(buffer);
    checkRange(b, byteOffset, bytes.byteLength);
    if (bytes.byteLength > 0) this.native.write(b.address + byteOffset, bytes);
  }

  async read(buffer: DeviceBuffer, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    const b = own(buffer);
    checkRange(b, byteOffset, byteLength);
    if (byteLength === 0) return new Uint8Array(0);
    return this.native.read(b.address + byteOffset, byteLength);
  }
}

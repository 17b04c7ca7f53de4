/**
 * cpu-ref's "device" memory: plain host buffers. Decoding storage to float64 is the reference's
 * main cost, so decoded views are cached per (offset, dtype, count) until the buffer is written.
 */
import { GlmError, byteLengthOf, decodeInto, storageView, type BackendMemory, type DeviceBuffer, type DeviceTensor } from '../../core/backend-api/plugin-api.js';
import { sizeOf } from './ref-tensor.js';

/** Largest single allocation the reference accepts: it is meant for small models and tests. */
const MAX_ALLOCATION = 8 * 2 ** 30;

export class HostBuffer implements DeviceBuffer {
  readonly bytes: Uint8Array;
  readonly decoded = new Map<string, Float64Array>();
  freed = false;
  constructor(readonly byteLength: number) {
    this.bytes = new Uint8Array(byteLength);
  }
}

export class HostMemory implements BackendMemory {
  allocate(byteLength: number): DeviceBuffer {
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) throw new GlmError('resource', `cannot allocate ${byteLength} bytes`);
    if (byteLength > MAX_ALLOCATION) {
      throw new GlmError('resource', `cpu-ref: allocation of ${byteLength} bytes exceeds its limit of ${MAX_ALLOCATION} bytes`);
    }
    try {
      return new HostBuffer(byteLength);
    } catch {
      throw new GlmError('resource', `cpu-ref: out of host memory allocating ${byteLength} bytes`);
    }
  }

  free(buffer: DeviceBuffer): void {
    const b = own(buffer);
    b.freed = true;
    b.decoded.clear();
  }

  async write(buffer: DeviceBuffer, byteOffset: number, bytes: Uint8Array): Promise<void> {
    const b = own(buffer);
    checkRange(b, byteOffset, bytes.byteLength);
    b.bytes.set(bytes, byteOffset);
    b.decoded.clear();
  }

  async read(buffer: DeviceBuffer, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    const b = own(buffer);
    checkRange(b, byteOffset, byteLength);
    return b.bytes.slice(byteOffset, byteOffset + byteLength);
  }
}

export function own(buffer: DeviceBuffer): HostBuffer {
  if (!(buffer instanceof HostBuffer)) throw new GlmError('backend', 'cpu-ref was given a buffer of another backend');
  if (buffer.freed) throw new GlmError('backend', 'cpu-ref buffer used after free');
  return buffer;
}

function checkRange(b: HostBuffer, offset: number, length: number): void {
  if (offset < 0 || length < 0 || offset + length > b.byteLength) {
    throw new GlmError('backend', `cpu-ref: access [${offset}, ${offset + length}) outside a buffer of ${b.byteLength} bytes`);
  }
}

/** The float64 values of a tensor view (cached; callers must not modify them). */
export function decodeTensor(t: DeviceTensor): Float64Array {
  const b = own(t.buffer);
  const count = sizeOf(t.shape);
  const key = `${t.byteOffset}:${t.dtype}:${count}`;
  let values = b.decoded.get(key);
  if (!values) {
    values = new Float64Array(count);
    const byteLength = byteLengthOf(t.dtype, count);
    checkRange(b, t.byteOffset, byteLength);
    decodeInto(t.dtype, storageView(t.dtype, b.bytes.subarray(t.byteOffset, t.byteOffset + byteLength), count), values);
    b.decoded.set(key, values);
  }
  return values;
}

/** Device memory through a program addon: one allocation per buffer; an empty buffer has no allocation. */
import { GlmError, type AllocationStats, type CountedMemory, type DeviceBuffer } from '../../core/backend-api/plugin-api.js';
import type { ProgramAddon } from './native-addon.js';

/** A buffer as its device address. */
export class AddressedBuffer implements DeviceBuffer {
  freed = false;
  constructor(
    readonly owner: DeviceMemory,
    readonly address: number,
    readonly byteLength: number,
  ) {}
}

export class DeviceMemory implements CountedMemory {
  private live = 0;
  private peak = 0;
  private liveBuffers = 0;

  constructor(
    private readonly native: ProgramAddon,
    /** The backend's name, for messages. */
    readonly backend: string,
  ) {}

  /** Device bytes held now and at most so far: buffers plus what track() was told (the arena). */
  usage(): { liveBytes: number; peakBytes: number } {
    return { liveBytes: this.live, peakBytes: this.peak };
  }

  /**
   * The device's allocations live now, as its allocator counts them (everything: buffers, the arena,
   * a family's workspaces and constants); from this object's own books when the addon cannot say.
   */
  allocations(): AllocationStats {
    return this.native.memoryStats?.() ?? { liveBytes: this.live, liveAllocations: this.liveBuffers };
  }

  /** Count device memory allocated outside buffers (the executables' arena). */
  track(deltaBytes: number): void {
    this.live += deltaBytes;
    this.peak = Math.max(this.peak, this.live);
  }

  /** `buffer` as one of this memory's own, live buffers. */
  own(buffer: DeviceBuffer): AddressedBuffer {
    if (!(buffer instanceof AddressedBuffer) || buffer.owner !== this) throw new GlmError('backend', `${this.backend} was given a buffer of another backend`);
    if (buffer.freed) throw new GlmError('backend', `${this.backend} buffer used after free`);
    return buffer;
  }

  allocate(byteLength: number): DeviceBuffer {
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) throw new GlmError('resource', `${this.backend}: cannot allocate ${byteLength} bytes`);
    if (byteLength === 0) return new AddressedBuffer(this, 0, 0);
    try {
      const buffer = new AddressedBuffer(this, this.native.allocate(byteLength), byteLength);
      this.track(byteLength);
      this.liveBuffers++;
      return buffer;
    } catch (e) {
      const message = (e as Error).message;
      throw new GlmError(message.includes('out of device memory') ? 'resource' : 'backend', `${this.backend}: ${message}`);
    }
  }

  free(buffer: DeviceBuffer): void {
    const b = this.own(buffer);
    b.freed = true;
    if (b.address !== 0) {
      this.native.free(b.address);
      this.track(-b.byteLength);
      this.liveBuffers--;
    }
  }

  async write(buffer: DeviceBuffer, byteOffset: number, bytes: Uint8Array): Promise<void> {
    const b = this.own(buffer);
    this.checkRange(b, byteOffset, bytes.byteLength);
    if (bytes.byteLength > 0) this.native.write(b.address + byteOffset, bytes);
  }

  async read(buffer: DeviceBuffer, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    const b = this.own(buffer);
    this.checkRange(b, byteOffset, byteLength);
    if (byteLength === 0) return new Uint8Array(0);
    return this.native.read(b.address + byteOffset, byteLength);
  }

  private checkRange(b: AddressedBuffer, offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > b.byteLength) {
      throw new GlmError('backend', `${this.backend}: access [${offset}, ${offset + length}) outside a buffer of ${b.byteLength} bytes`);
    }
  }
}

/**
 * Device buffers holding values the host computes once (the rotary tables in float64), kept for the
 * device's lifetime and shared by every record that asks for the same key.
 */
import type { DeviceCalls } from './device-calls.js';

export class DeviceConstants {
  private readonly buffers = new Map<string, number>();

  constructor(private readonly device: DeviceCalls) {}

  /** The device address of constant `key`, uploading `make()`'s bytes the first time. */
  get(key: string, make: () => Uint8Array): number {
    const known = this.buffers.get(key);
    if (known !== undefined) return known;
    const bytes = make();
    const address = this.device.malloc(Math.max(bytes.byteLength, 1));
    this.device.write(address, bytes);
    this.buffers.set(key, address);
    return address;
  }

  release(): void {
    for (const address of this.buffers.values()) this.device.free(address);
    this.buffers.clear();
  }
}

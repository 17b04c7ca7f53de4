/**
 * The workspace aclnn ops ask for (GetWorkspaceSize's size, given to the launch): one device buffer,
 * grown when an op needs more. Ops run in stream order, so consecutive ops may share it (as GGML's
 * pool does); growing waits for the stream before the old buffer is freed.
 */
import type { DeviceCalls } from './device-calls.js';

export class WorkspacePool {
  private address = 0;
  private bytes = 0;

  constructor(private readonly device: DeviceCalls) {}

  /** A workspace of at least `bytes` (0: none). */
  get(bytes: number): number {
    if (bytes === 0) return 0;
    if (bytes > this.bytes) this.grow(bytes);
    return this.address;
  }

  private grow(bytes: number): void {
    const size = Math.ceil((bytes * 1.25) / 2 ** 16) * 2 ** 16;
    if (this.bytes > 0) {
      this.device.synchronize();
      this.device.free(this.address);
    }
    this.address = this.device.malloc(size);
    this.bytes = size;
  }

  release(): void {
    if (this.bytes > 0) this.device.free(this.address);
    this.address = 0;
    this.bytes = 0;
  }
}

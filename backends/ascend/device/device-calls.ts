/**
 * The runtime calls the device makes (memory, copies, the stream), each counted and checked: a
 * failure is an AclCallError with CANN's message.
 */
import { ACL_ENUMS } from '../acl/abi.js';
import { AclCallError, checkAcl, recentErrorMessage } from '../acl/acl-error.js';
import type { AclBinding } from '../acl/binding.js';
import type { Handle } from '../acl/runtime.js';
import type { CallCounter, CallKind } from './call-counter.js';

const MEMCPY = ACL_ENUMS['aclrtMemcpyKind']!;
const HUGE_FIRST = ACL_ENUMS['aclrtMemMallocPolicy']!['ACL_MEM_MALLOC_HUGE_FIRST']!;

export class DeviceCalls {
  /** Launches were queued since the stream last drained: a synchronisation has something to wait for. */
  private busy = false;
  /** Live allocations (address → bytes asked): what a leak check compares, on the emulator and on an NPU. */
  private readonly live = new Map<number, number>();
  private liveBytes = 0;

  constructor(
    readonly acl: AclBinding,
    readonly stream: Handle,
    readonly counter: CallCounter,
  ) {}

  /** Calls `name` (counted as `kind`) and checks its status. */
  call(kind: CallKind, name: string, ...args: unknown[]): void {
    this.counter.count(kind);
    if (kind === 'launch') this.busy = true;
    checkAcl(this.acl, name, this.acl.fn[name]!(...args));
  }

  malloc(bytes: number): number {
    const out = new BigUint64Array(1);
    this.counter.count('memory');
    const status = Number(this.acl.fn['aclrtMalloc']!(out, bytes, HUGE_FIRST));
    if (status !== 0) {
      const failed = new AclCallError(`aclrtMalloc(${bytes})`, status, recentErrorMessage(this.acl));
      const info = this.memoryInfo();
      throw new Error(`out of device memory: ${failed.message} (${info.free} of ${info.total} bytes free)`);
    }
    const address = Number(out[0]);
    this.live.set(address, bytes);
    this.liveBytes += bytes;
    return address;
  }

  free(address: number): void {
    this.call('memory', 'aclrtFree', address);
    this.liveBytes -= this.live.get(address) ?? 0;
    this.live.delete(address);
  }

  /** The allocations made through this object and not yet freed. */
  allocations(): { liveBytes: number; liveAllocations: number } {
    return { liveBytes: this.liveBytes, liveAllocations: this.live.size };
  }

  /** Waits for the stream's queued launches (none queued since the last wait: nothing to do). */
  synchronize(): void {
    if (!this.busy) return;
    this.busy = false;
    this.call('sync', 'aclrtSynchronizeStream', this.stream);
  }

  /**
   * After a failed call: waits for the stream and drops the error it reports again (an AI Core
   * exception is reported by the launch and once more by the next synchronisation), so the next run
   * starts on a clean stream.
   */
  drain(): void {
    if (!this.busy) return;
    this.busy = false;
    this.counter.count('sync');
    const status = Number(this.acl.fn['aclrtSynchronizeStream']!(this.stream));
    // Its message repeats the failure already reported: take it, or the next error would carry it.
    if (status !== 0) recentErrorMessage(this.acl);
  }

  /** Host → device, after the stream's earlier work (aclrtMemcpy does not wait for the stream). */
  write(address: number, bytes: Uint8Array): void {
    this.call('transfer', 'aclrtMemcpy', address, bytes.byteLength, bytes, bytes.byteLength, MEMCPY['ACL_MEMCPY_HOST_TO_DEVICE']);
  }

  /** Device → host; the caller synchronizes the stream first where the bytes come from its work. */
  read(address: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.call('transfer', 'aclrtMemcpy', out, length, address, length, MEMCPY['ACL_MEMCPY_DEVICE_TO_HOST']);
    return out;
  }

  fill(address: number, byte: number, length: number): void {
    this.call('transfer', 'aclrtMemset', address, length, byte, length);
  }

  memoryInfo(): { free: number; total: number } {
    const free = new BigUint64Array(1);
    const total = new BigUint64Array(1);
    checkAcl(this.acl, 'aclrtGetMemInfo', this.acl.fn['aclrtGetMemInfo']!(ACL_ENUMS['aclrtMemAttr']!['ACL_HBM_MEM'], free, total));
    return { free: Number(free[0]), total: Number(total[0]) };
  }
}

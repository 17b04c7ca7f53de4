/**
 * The Ascend device as the program runtime's addon (ProgramAddon): device memory through
 * aclrtMalloc/aclrtFree/aclrtMemcpy/aclrtMemset, and run(program), which decodes the launch records
 * and hands each to the launcher registered for its code (launchers/index.ts). Executors are cached
 * per (program, record) and reused (device/program-cache.ts, device/op-call.ts), so a repeated
 * decode step issues only second-phase launches; every CANN call is counted (stats()).
 */
import { float64ToBfloat16Bits, float64ToFloat16Bits } from '../../core/backend-api/plugin-api.js';
import type { ProgramAddon } from '../program/native-addon.js';
import { bindEmulatorFaults, type EmulatorFaults } from './acl/emulator-faults.js';
import type { AclRuntime } from './acl/runtime.js';
import { CallCounter, type CallCounts } from './device/call-counter.js';
import { DeviceCalls } from './device/device-calls.js';
import { DeviceConstants } from './device/device-constants.js';
import { ProgramCache } from './device/program-cache.js';
import { WorkspacePool } from './device/workspace-pool.js';
import { ACL_DTYPE } from './launch-codes.js';
import { PeersNotReady, type HcclRank } from './launchers/hccl-rank.js';
import { launcherFor } from './launchers/index.js';
import type { LaunchEnv } from './launchers/launcher.js';
import { overlapsAny, type ByteRange } from './launchers/written-ranges.js';

export interface AscendStats {
  /** CANN calls of the last run, by kind. */
  readonly lastRun: CallCounts;
  /** The last run's calls per record tag (graph node index). */
  readonly lastRunByTag: ReadonlyMap<number, number>;
  /** CANN calls since the device was opened. */
  readonly total: CallCounts;
  /** Programs whose executors are cached. */
  readonly cachedPrograms: number;
}

/** The word where each record of a program starts: [code, tag, argCount, ...args]. */
function recordOffsets(program: Float64Array): number[] {
  const offsets: number[] = [];
  for (let at = 0; at < program.length; at += 3 + program[at + 2]!) offsets.push(at);
  return offsets;
}

/** A small seeded generator for fillRandom (benchmark weights): xorshift32. */
function uniforms(count: number, low: number, high: number, seed: number): Float64Array {
  let s = (seed >>> 0) || 0x9e3779b9;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = low + ((s >>> 0) / 2 ** 32) * (high - low);
  }
  return out;
}

export class AscendDevice implements ProgramAddon {
  readonly counter = new CallCounter();
  readonly calls: DeviceCalls;
  private readonly workspace: WorkspacePool;
  private readonly constants: DeviceConstants;
  private readonly programs: ProgramCache;
  private readonly env: LaunchEnv;
  private errorFlag = 0;
  /** This run's program's written bytes, and the values read back from bytes outside them. */
  private written: readonly ByteRange[] = [];
  private readonly readOnce = new Map<string, Int32Array>();
  private readonly events: number[] = [];
  /** The emulator's fault switch (GLM_FAULT); absent on real CANN. */
  readonly setFault?: EmulatorFaults['setFault'];
  readonly faultCounts?: EmulatorFaults['faultCounts'];
  readonly faultKinds?: EmulatorFaults['faultKinds'];

  constructor(
    readonly runtime: AclRuntime,
    /** The rank's HCCL communicator, on the ranks of openRanks(N). */
    collective?: HcclRank,
  ) {
    const faults = bindEmulatorFaults(runtime.acl.libraries);
    if (faults) {
      this.setFault = faults.setFault;
      this.faultCounts = faults.faultCounts;
      this.faultKinds = faults.faultKinds;
    }
    this.calls = new DeviceCalls(runtime.acl, runtime.stream, this.counter);
    this.workspace = new WorkspacePool(this.calls);
    this.constants = new DeviceConstants(this.calls);
    this.programs = new ProgramCache(this.calls);
    this.env = {
      device: this.calls,
      workspace: this.workspace,
      constants: this.constants,
      readInt32: (address, count) => this.readBack(address, count),
      flag: (tag) => {
        if (this.errorFlag === 0) this.errorFlag = tag + 1;
      },
      ...(collective ? { collective } : {}),
    };
  }

  /**
   * Device memory, zero-filled: attention on this device runs over a KV cache's whole capacity and
   * gives the unused positions zero weight, which leaves them harmless only if they hold finite
   * values (the attention op's contract); the session allocates its cache without filling it.
   */
  /**
   * i32 values read back for a host step (after the stream's queued work). Bytes no record of the
   * program writes hold a graph input, unchanged during the run: those are read once per run.
   */
  private readBack(address: number, count: number): Int32Array {
    const key = `${address}:${count}`;
    const known = this.readOnce.get(key);
    if (known) return known;
    this.calls.synchronize();
    const values = new Int32Array(this.calls.read(address, count * 4).buffer, 0, count);
    if (!overlapsAny([address, address + count * 4], this.written)) this.readOnce.set(key, values);
    return values;
  }

  allocate(bytes: number): number {
    const address = this.calls.malloc(bytes);
    this.calls.fill(address, 0, bytes);
    return address;
  }

  free(address: number): void {
    this.calls.free(address);
  }

  write(address: number, bytes: Uint8Array): void {
    this.calls.synchronize();
    this.calls.write(address, bytes);
  }

  read(address: number, length: number): Uint8Array {
    this.calls.synchronize();
    return this.calls.read(address, length);
  }

  fill(address: number, byte: number, length: number): void {
    this.calls.synchronize();
    this.calls.fill(address, byte, length);
  }

  run(program: Float64Array, startEvent?: number, endEvent?: number): void {
    if (startEvent !== undefined) this.eventRecord(startEvent);
    if (this.runFrom(program, 0) !== program.length) throw new Error('an all-reduce waited for other ranks inside a single run');
    if (endEvent !== undefined) this.eventRecord(endEvent);
  }

  /**
   * The records from word `start` on; returns program.length, or the word of a record whose
   * collective waits for the other ranks (PeersNotReady), to be run again from there.
   */
  runFrom(program: Float64Array, start: number): number {
    const { decoded, states } = this.programs.get(program);
    const offsets = recordOffsets(program);
    let first = offsets.indexOf(start);
    if (first < 0) first = decoded.records.length;
    if (start === 0) {
      this.counter.startRun();
      this.written = decoded.written;
      this.readOnce.clear();
    }
    for (let i = first; i < decoded.records.length; i++) {
      const record = decoded.records[i]!;
      this.counter.atTag(record.tag);
      try {
        launcherFor(record.code).launch(this.env, record, states[i]!);
      } catch (e) {
        if (e instanceof PeersNotReady) return offsets[i]!;
        this.calls.drain();
        throw Object.assign(e instanceof Error ? e : new Error(String(e)), { launchTag: record.tag });
      }
    }
    this.counter.leaveRun();
    return program.length;
  }

  finish(readFlag: boolean): number {
    this.calls.synchronize();
    const flag = readFlag ? this.errorFlag : 0;
    this.errorFlag = 0;
    return flag;
  }

  memoryInfo(): { free: number; total: number } {
    return this.calls.memoryInfo();
  }

  /** Every aclrtMalloc not yet freed: buffers, the arena, workspaces and constants alike. */
  memoryStats(): { liveBytes: number; liveAllocations: number } {
    return this.calls.allocations();
  }

  // Events: the ABI binds no aclrtEvent calls, so timing is the host clock after the stream drains.
  eventCreate(): number {
    this.events.push(0);
    return this.events.length - 1;
  }

  eventRecord(id: number): void {
    this.calls.synchronize();
    this.events[id] = performance.now();
  }

  eventElapsed(start: number, end: number): number {
    return this.events[end]! - this.events[start]!;
  }

  fillRandom(address: number, count: number, dtypeCode: number, low: number, high: number, seed: number): void {
    const values = uniforms(count, low, high, seed);
    let bytes: Uint8Array;
    if (dtypeCode === ACL_DTYPE.f32) bytes = new Uint8Array(Float32Array.from(values).buffer);
    else if (dtypeCode === ACL_DTYPE.f16) bytes = new Uint8Array(Uint16Array.from(values, float64ToFloat16Bits).buffer);
    else if (dtypeCode === ACL_DTYPE.bf16) bytes = new Uint8Array(Uint16Array.from(values, float64ToBfloat16Bits).buffer);
    else throw new Error(`ascend: fillRandom of aclDataType ${dtypeCode}`);
    this.write(address, bytes);
  }

  stats(): AscendStats {
    return { lastRun: { ...this.counter.lastRun }, lastRunByTag: new Map(this.counter.lastRunByTag), total: { ...this.counter.total }, cachedPrograms: this.programs.programs };
  }

  close(): void {
    this.calls.synchronize();
    this.programs.release();
    this.constants.release();
    this.workspace.release();
    this.calls.call('memory', 'aclrtDestroyStream', this.runtime.stream);
  }
}

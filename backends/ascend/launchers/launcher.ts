/**
 * What a launcher is: the record codes it runs and how. A launcher is given the decoded record, the
 * device (counted runtime calls, workspace, host-computed constants, read-backs) and the record's
 * own state, kept between runs of the same program so its executors are reused.
 */
import type { DeviceCalls } from '../device/device-calls.js';
import type { DeviceConstants } from '../device/device-constants.js';
import { OpCall } from '../device/op-call.js';
import type { WorkspacePool } from '../device/workspace-pool.js';
import type { HcclRank } from './hccl-rank.js';
import type { DecodedArg, DecodedRecord } from './decoded-record.js';

export interface LaunchEnv {
  readonly device: DeviceCalls;
  readonly workspace: WorkspacePool;
  readonly constants: DeviceConstants;
  /** i32 values on the device, read after the stream's work so far (a synchronisation and a small copy). */
  readInt32(address: number, count: number): Int32Array;
  /** A value the record checks is out of range: the run fails naming this record's node (the program runtime's flag). */
  flag(tag: number): void;
  /** The device's HCCL communicator, on the ranks of openRanks(N). */
  readonly collective?: HcclRank;
}

/** A record's executors, by the op each calls (and an index when it calls one op several times). */
export class RecordState {
  private readonly calls = new Map<string, OpCall>();

  call(op: string, index = 0): OpCall {
    const key = `${op}#${index}`;
    let call = this.calls.get(key);
    if (!call) {
      call = new OpCall(op);
      this.calls.set(key, call);
    }
    return call;
  }

  release(device: DeviceCalls): void {
    for (const call of this.calls.values()) call.release(device);
    this.calls.clear();
  }
}

export interface Launcher {
  readonly codes: readonly number[];
  launch(env: LaunchEnv, record: DecodedRecord, state: RecordState): void;
}

/** Runs aclnn `op` with `args` through the record's cached executor for it. */
export function runOp(env: LaunchEnv, state: RecordState, op: string, args: readonly DecodedArg[], hostKey = '', index = 0): void {
  state.call(op, index).run(env.device, env.workspace, args, hostKey);
}

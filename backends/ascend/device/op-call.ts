/**
 * One aclnn call of one record, its executor kept between runs. The first run makes the argument
 * objects, calls aclnnXxxGetWorkspaceSize and makes the executor repeatable
 * (aclSetAclOpExecutorRepeatable); every later run rebinds only the tensors whose address moved
 * (aclSetTensorAddr, by the slot order of abi.ts: tensor parameters in argument order) and issues
 * the second phase alone: aclnnXxx(workspace, size, executor, stream). Tensor lists cannot be
 * rebound, so a moved list member, or other host values (`hostKey`), make the executor anew.
 */
import { opParams, type OpParam } from '../acl/op-params.js';
import type { Handle } from '../acl/runtime.js';
import type { DecodedArg, ScalarValue, TensorArg } from '../launchers/decoded-record.js';
import { AclObjects } from './acl-objects.js';
import type { DeviceCalls } from './device-calls.js';
import type { WorkspacePool } from './workspace-pool.js';

interface BoundTensor {
  readonly slot: number;
  readonly param: number;
  readonly handle: Handle;
  address: number;
}

export class OpCall {
  private readonly params: readonly OpParam[];
  private executor: Handle | null = null;
  private objects: AclObjects | null = null;
  private tensors: BoundTensor[] = [];
  private listAddresses = '';
  private workspaceSize = 0;
  private hostKey = '';

  constructor(readonly op: string) {
    this.params = opParams(op);
  }

  run(device: DeviceCalls, workspace: WorkspacePool, args: readonly DecodedArg[], hostKey = ''): void {
    const lists = this.listKey(args);
    if (this.executor === null || hostKey !== this.hostKey || lists !== this.listAddresses) {
      this.release(device);
      this.prepare(device, args);
      this.hostKey = hostKey;
      this.listAddresses = lists;
    } else {
      this.rebind(device, args);
    }
    const ws = workspace.get(this.workspaceSize);
    device.call('launch', `aclnn${this.op}`, ws, this.workspaceSize, this.executor, device.stream);
  }

  private listKey(args: readonly DecodedArg[]): string {
    return this.params.map((p, i) => (p.kind === 'tensorList' ? (args[i] as TensorArg[]).map((t) => t.address).join(',') : '')).join(';');
  }

  private prepare(device: DeviceCalls, args: readonly DecodedArg[]): void {
    this.objects = new AclObjects(device);
    const values = this.argumentObjects(this.objects, args);
    const size = new BigUint64Array(1);
    const executor = new BigUint64Array(1);
    device.call('prepare', `aclnn${this.op}GetWorkspaceSize`, ...values, size, executor);
    this.executor = executor[0]!;
    this.workspaceSize = Number(size[0]);
    device.call('prepare', 'aclSetAclOpExecutorRepeatable', this.executor);
  }

  /** GetWorkspaceSize's arguments: objects made for tensors, scalars and arrays; the rest as they are. */
  private argumentObjects(objects: AclObjects, args: readonly DecodedArg[]): unknown[] {
    this.tensors = [];
    let slot = 0;
    return this.params.map((p, i) => {
      const arg = args[i]!;
      switch (p.kind) {
        case 'tensor': {
          const s = slot++;
          if (arg === null) return null;
          const handle = objects.tensor(arg as TensorArg);
          this.tensors.push({ slot: s, param: i, handle, address: (arg as TensorArg).address });
          return handle;
        }
        case 'tensorList':
          slot++;
          return objects.tensorList(arg as TensorArg[]);
        case 'scalar':
          return arg === null ? null : objects.scalar(arg as ScalarValue);
        case 'intArray':
          return arg === null ? null : objects.intArray(arg as number[]);
        default:
          return arg;
      }
    });
  }

  private rebind(device: DeviceCalls, args: readonly DecodedArg[]): void {
    for (const t of this.tensors) {
      const address = (args[t.param] as TensorArg).address;
      if (address === t.address) continue;
      device.call('rebind', 'aclSetTensorAddr', this.executor, t.slot, t.handle, address);
      t.address = address;
    }
  }

  /** The executor and its first tensor, once prepared (benchmarks time calls on them). */
  handles(): { executor: Handle; tensor: Handle } {
    if (this.executor === null || this.tensors.length === 0) throw new Error(`${this.op}: not prepared`);
    return { executor: this.executor, tensor: this.tensors[0]!.handle };
  }

  release(device: DeviceCalls): void {
    if (this.executor !== null) device.call('prepare', 'aclDestroyAclOpExecutor', this.executor);
    this.objects?.destroyAll();
    this.executor = null;
    this.objects = null;
    this.tensors = [];
  }
}

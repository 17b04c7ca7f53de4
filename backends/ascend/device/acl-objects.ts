/**
 * The aclnn argument objects (acl_meta.h) made from decoded record arguments: tensors as strided
 * views in elements over an un-offset base, scalars, int arrays and tensor lists. Each made object is
 * remembered with its destroy function; a tensor list owns its tensors, so they are not destroyed
 * apart from it.
 */
import { ACL_DTYPE, ACL_DOUBLE, ACL_FORMAT_ND, ACL_INT64, ACL_BOOL } from '../launch-codes.js';
import type { Handle } from '../acl/runtime.js';
import type { ScalarValue, TensorArg } from '../launchers/decoded-record.js';
import type { DeviceCalls } from './device-calls.js';

interface Owned {
  readonly handle: Handle;
  readonly destroy: string;
}

/** A host buffer holding a scalar's value in its aclDataType (what aclCreateScalar points at). */
function scalarBuffer(s: ScalarValue): ArrayBufferView {
  switch (s.dtype) {
    case ACL_DTYPE.f32:
      return Float32Array.of(s.scalar);
    case ACL_DOUBLE:
      return Float64Array.of(s.scalar);
    case ACL_DTYPE.i32:
      return Int32Array.of(s.scalar);
    case ACL_INT64:
      return BigInt64Array.of(BigInt(s.scalar));
    case ACL_DTYPE.i8:
      return Int8Array.of(s.scalar);
    case ACL_BOOL:
      return Uint8Array.of(s.scalar ? 1 : 0);
    default:
      throw new Error(`ascend: no host encoding for a scalar of aclDataType ${s.dtype}`);
  }
}

export class AclObjects {
  private readonly owned: Owned[] = [];
  /** Host buffers whose addresses CANN may keep (scalar values). */
  private readonly kept: ArrayBufferView[] = [];

  constructor(private readonly device: DeviceCalls) {}

  private made(handle: unknown, what: string, destroy: string | null): Handle {
    this.device.counter.count('object');
    if (handle === null || handle === undefined || handle === 0 || handle === 0n) {
      throw new Error(`${what} returned null: ${this.device.acl.fn['aclGetRecentErrMsg']!() ?? ''}`);
    }
    if (destroy) this.owned.push({ handle: handle as Handle, destroy });
    return handle as Handle;
  }

  /** `owned`: false for a tensor that a tensor list will own. */
  tensor(t: TensorArg, owned = true): Handle {
    const dims = BigInt64Array.from(t.shape.map(BigInt));
    const strides = BigInt64Array.from(t.strides.map(BigInt));
    const storage = BigInt64Array.of(BigInt(t.storageElements));
    const fn = this.device.acl.fn['aclCreateTensor']!;
    const handle = fn(dims, t.shape.length, t.dtype, strides, t.offset, ACL_FORMAT_ND, storage, 1, t.address);
    return this.made(handle, 'aclCreateTensor', owned ? 'aclDestroyTensor' : null);
  }

  tensorList(list: readonly TensorArg[]): Handle {
    const handles = BigUint64Array.from(list.map((t) => BigInt(this.tensor(t, false))));
    return this.made(this.device.acl.fn['aclCreateTensorList']!(handles, list.length), 'aclCreateTensorList', 'aclDestroyTensorList');
  }

  scalar(s: ScalarValue): Handle {
    const value = scalarBuffer(s);
    this.kept.push(value);
    return this.made(this.device.acl.fn['aclCreateScalar']!(value, s.dtype), 'aclCreateScalar', 'aclDestroyScalar');
  }

  intArray(values: readonly number[]): Handle {
    const array = BigInt64Array.from(values.map(BigInt));
    return this.made(this.device.acl.fn['aclCreateIntArray']!(array, values.length), 'aclCreateIntArray', 'aclDestroyIntArray');
  }

  /** Destroys every object made, newest first. */
  destroyAll(): void {
    for (const o of this.owned.reverse()) this.device.call('object', o.destroy, o.handle);
    this.owned.length = 0;
    this.kept.length = 0;
  }
}

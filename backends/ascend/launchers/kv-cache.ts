/**
 * The in-place KV-cache write at an offset held on the device: the offset is read back (a
 * synchronisation and a 4-byte copy), checked against the capacity, and the update copied by
 * InplaceCopy into the cache view at that position. The view's base address moves with the offset,
 * so its cached executor is only rebound (aclSetTensorAddr), never made again.
 */
import { ACL_ELEMENT_BYTES, HOST_STEPS } from '../launch-codes.js';
import { runOp, type Launcher } from './launcher.js';
import type { TensorArg } from './decoded-record.js';

export const CACHE_WRITE_AT: Launcher = {
  codes: [HOST_STEPS.cacheWriteAt],
  launch(env, record, state) {
    const [offsetTensor, offsetStride, limit] = record.args as [TensorArg, number, number];
    const [cache, update] = record.wrapped as [TensorArg, TensorArg];
    const offset = env.readInt32(offsetTensor.address + offsetTensor.offset * 4, 1)[0]!;
    if (offset < 0 || offset > limit) {
      env.flag(record.tag);
      return;
    }
    const moved = { ...cache, address: cache.address + offset * offsetStride * ACL_ELEMENT_BYTES[cache.dtype]! };
    runOp(env, state, 'InplaceCopy', [moved, update]);
  },
};

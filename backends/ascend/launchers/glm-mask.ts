/**
 * The GLM prefix-bidirectional mask, built on the host. aclnn has no op that turns contextLengths
 * (and a cache's valid length) on the device into a mask on the 910, so this host step reads them
 * back (a synchronisation and two small copies) and writes bool [B, 1, Q, K], true = masked — the
 * convention of InplaceMaskedFillScalar and FusedInferAttentionScore's attenMask — into a device
 * buffer the next records read. Query i sits at position p = L − Q + i (L = the valid length, K
 * without one); key j is kept iff j < L and (j < contextLengths[b] or j ≤ p).
 */
import { HOST_STEPS } from '../launch-codes.js';
import type { Launcher } from './launcher.js';
import type { TensorArg } from './decoded-record.js';

export function glmMaskBytes(contextLengths: Int32Array, length: number, queries: number, keys: number): Uint8Array {
  const batch = contextLengths.length;
  const mask = new Uint8Array(batch * queries * keys);
  for (let b = 0; b < batch; b++) {
    const prefix = contextLengths[b]!;
    for (let i = 0; i < queries; i++) {
      const p = length - queries + i;
      const row = (b * queries + i) * keys;
      for (let j = 0; j < keys; j++) mask[row + j] = j < length && (j < prefix || j <= p) ? 0 : 1;
    }
  }
  return mask;
}

export const GLM_MASK: Launcher = {
  codes: [HOST_STEPS.glmMask],
  launch(env, record) {
    const [contextLengths, lengthTensor, queries, keys, maskOut] = record.args as [TensorArg, TensorArg | null, number, number, TensorArg];
    const context = env.readInt32(contextLengths.address + contextLengths.offset * 4, contextLengths.shape[0]!);
    const length = lengthTensor ? env.readInt32(lengthTensor.address + lengthTensor.offset * 4, 1)[0]! : keys;
    if (length < queries || length > keys) {
      env.flag(record.tag);
      return;
    }
    env.device.write(maskOut.address + maskOut.offset, glmMaskBytes(context, length, queries, keys));
  },
};
